"""The desk speaks the founding documents' languages: English (the source), Swedish,
Dutch and Simplified Chinese. Every string the source marks for translation is in
every catalogue, translated, not fuzzy, with its placeholders kept; the compiled
catalogues are current; and a page comes in the reader's language.

The strings are found as Django's makemessages finds them (its `templatize` for
templates), read with Babel's Python extractor, so the check needs no GNU gettext.
"""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import extract_python
from babel.messages.pofile import read_po
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("sv", "nl", "zh_Hans")
LANGUAGES = ("en", *SHIPPED)
# Where the source lives (tests, bench and the venv are not the product).
SKIP = {".venv", "var", "tests", "bench", "build", "locale", ".git", "node_modules"}
# makemessages' keywords (Django's defaults), as Babel spells them.
KEYWORDS = {
    "_": None, "gettext": None, "gettext_lazy": None, "gettext_noop": None,
    "ngettext": (1, 2), "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2), "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3), "npgettext_lazy": ((1, "c"), 2, 3),
}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|\{(\w+)\}")


def source_files() -> list[Path]:
    return sorted(path for path in ROOT.rglob("*")
                  if path.is_file() and not SKIP & set(path.relative_to(ROOT).parts)
                  and (path.suffix == ".py" or path.suffix in (".html", ".txt")
                       and "templates" in path.parts))


@cache
def marked_strings() -> frozenset[str]:
    """Every msgid the source marks, as makemessages would extract it."""
    found = set()
    for path in source_files():
        if path.suffix == ".py":
            source = path.read_bytes()
        else:
            # templatize turns a template into gettext calls; the indentation it keeps
            # means nothing to the extractor.
            text = templatize(path.read_text(), origin=str(path))
            source = "\n".join(line.lstrip() for line in text.splitlines()).encode()
        for _line, func, messages, _comments in extract_python(io.BytesIO(source), KEYWORDS,
                                                                [], {}):
            if not isinstance(messages, tuple):
                found.add(messages)
            elif func.startswith("np") or func.startswith("pg"):  # (context, msgid, …)
                found.add(messages[1])
            else:  # ngettext: (singular, plural, …)
                found.add(messages[0])
    return frozenset(found)


@cache
def catalogue(language: str):
    with open(ROOT / "locale" / language / "LC_MESSAGES" / "django.po", "rb") as handle:
        return read_po(handle)


def msgid(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_is_in_the_catalogue(language):
    known = {msgid(m) for m in catalogue(language) if m.id}
    missing = sorted(marked_strings() - known)
    assert not missing, (f"{len(missing)} strings are not in locale/{language}: run "
                         f"`make messages` and translate them: {missing[:10]}")


@pytest.mark.parametrize("language", SHIPPED)
def test_every_string_is_translated_and_none_is_fuzzy(language):
    untranslated, fuzzy = [], []
    for message in catalogue(language):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            untranslated.append(msgid(message))
        if message.fuzzy:
            fuzzy.append(msgid(message))
    assert not untranslated, f"untranslated in {language}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy in {language}: {fuzzy[:10]}"


def placeholders(text: str) -> set:
    return set(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("language", SHIPPED)
def test_translations_keep_the_placeholders(language):
    """A translation names exactly the placeholders of its msgid; a plural form may
    leave out the count ("once" for one) but never adds a placeholder."""
    wrong = []
    for message in catalogue(language):
        if not message.id or not message.string:
            continue
        if isinstance(message.id, str):
            if placeholders(message.string) != placeholders(message.id):
                wrong.append((message.id, message.string))
            continue
        allowed = placeholders(message.id[0]) | placeholders(message.id[1])
        wrong += [(message.id[0], form) for form in message.string
                  if not placeholders(form) <= allowed]
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("language", SHIPPED)
def test_the_catalogue_compiles(language):
    """What `pybabel compile` checks (for a language of one plural form, its one form
    against the singular msgid): `make install` must not fail on a fresh machine."""
    errors = [(message.id, [str(error) for error in found])
              for message, found in catalogue(language).check() if found]
    assert not errors, errors[:5]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_current(language):
    folder = ROOT / "locale" / language / "LC_MESSAGES"
    compiled, source = folder / "django.mo", folder / "django.po"
    assert compiled.exists() and compiled.stat().st_mtime >= source.stat().st_mtime, (
        f"{compiled} is missing or older than its .po: run `make install`")


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "lang"), [("sv", "sv"), ("nl", "nl"),
                                                ("zh-hans", "zh-hans")])
def test_a_page_comes_in_the_browsers_language(client, language, lang):
    from django.utils import translation

    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<html lang="{lang}">' in page
    with translation.override(language):
        translated = translation.gettext("Log in")
    assert translated != "Log in" and translated in page


@pytest.mark.django_db
def test_the_persons_choice_beats_the_browser(client, agent):
    from itsm.models import Preferences

    Preferences.objects.create(user=agent, language="nl")
    response = client.post("/accounts/login/", {"username": "carol", "password": "pw"},
                           HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 302 and response.cookies["django_language"].value == "nl"
    page = client.get("/work/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert '<html lang="nl">' in page


@pytest.mark.django_db
def test_api_errors_speak_the_clients_language(api_as, agent):
    response = api_as(agent).get("/api/v1/incidents/", {"page_size": "0"},
                                 HTTP_ACCEPT_LANGUAGE="sv")
    english = api_as(agent).get("/api/v1/incidents/", {"page_size": "0"})
    assert response.status_code == 400
    assert response.data["page_size"] != english.data["page_size"]
