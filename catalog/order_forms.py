"""Order forms of request items: a definition of typed fields, kept on the item as
JSON, built into a Django form at run time and validated on the server, with errors
per field; the answers are kept with the request as the definition stood when it was
ordered, so editing the item later never changes what an old request says.

A definition is a list of fields, each a mapping:

    {"name": "monitor", "label": "Second monitor", "kind": "yes_no",
     "required": false, "help": "…", "default": false,
     "choices": [["24", "24 inch"], …],            # choice and multi_choice only
     "shown_when": {"field": "laptop", "equals": "dev"}}   # an earlier field's answer

Kinds: text, long_text, number, date, choice, multi_choice, yes_no, person (an active
user, by username), ci (a configuration item, by name). A field shown only when an
earlier one has a given answer is neither required nor kept while it is hidden.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

KINDS = {
    "text": gettext_lazy("Text"), "long_text": gettext_lazy("Long text"),
    "number": gettext_lazy("Number"), "date": gettext_lazy("Date"),
    "choice": gettext_lazy("Choice"), "multi_choice": gettext_lazy("Several choices"),
    "yes_no": gettext_lazy("Yes or no"), "person": gettext_lazy("Person"),
    "ci": gettext_lazy("Configuration item"),
}
CHOOSING = ("choice", "multi_choice")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
MAX_FIELDS = 50
KEYS = {"name", "label", "kind", "required", "help", "default", "choices", "shown_when"}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: str
    required: bool = False
    help: str = ""
    default: Any = None
    choices: tuple[tuple[str, str], ...] = ()
    shown_when: tuple[str, Any] | None = None  # (earlier field, the answer that shows it)

    def shown(self, answers: Mapping[str, Any]) -> bool:
        """Whether the field applies, given the answers to the fields before it."""
        if self.shown_when is None:
            return True
        field, wanted = self.shown_when
        given = answers.get(field)
        return wanted in given if isinstance(given, list) else given == wanted


def parse(definition: Any) -> list[FieldSpec]:
    """The fields of a definition; a ValidationError naming the field and what is
    wrong with it otherwise (the item's form in the admin shows it)."""
    if not isinstance(definition, list):
        raise ValidationError(_("The form is a list of fields."))
    if len(definition) > MAX_FIELDS:
        raise ValidationError(_("A form has at most %(n)d fields.") % {"n": MAX_FIELDS})
    fields: list[FieldSpec] = []
    for at, raw in enumerate(definition, start=1):
        fields.append(_field(at, raw, {field.name: field for field in fields}))
    return fields


def _field(at: int, raw: Any, earlier: dict[str, FieldSpec]) -> FieldSpec:
    def fail(message: str) -> ValidationError:
        return ValidationError(_("Field %(n)d: %(problem)s") % {"n": at, "problem": message})

    if not isinstance(raw, dict):
        raise fail(_("each field is a mapping of its settings."))
    unknown = set(raw) - KEYS
    if unknown:
        raise fail(_("unknown settings %(names)s.") % {"names": ", ".join(sorted(unknown))})
    name, label, kind = raw.get("name"), raw.get("label"), raw.get("kind")
    if not isinstance(name, str) or not NAME.match(name):
        raise fail(_("the name is lower-case letters, digits and _, starting with a letter."))
    if name in earlier:
        raise fail(_("the name “%(name)s” is taken by an earlier field.") % {"name": name})
    if not isinstance(label, str) or not label.strip():
        raise fail(_("give the label people see."))
    if kind not in KINDS:
        raise fail(_("the kind is one of %(kinds)s.") % {"kinds": ", ".join(KINDS)})
    choices: tuple[tuple[str, str], ...] = ()
    if kind in CHOOSING:
        choices = _choices(raw.get("choices"), fail)
    elif raw.get("choices"):
        raise fail(_("only choice fields have choices."))
    shown_when = None
    if raw.get("shown_when") is not None:
        condition = raw["shown_when"]
        if (not isinstance(condition, dict) or set(condition) != {"field", "equals"}
                or condition["field"] not in earlier):
            raise fail(_("shown_when names an earlier field and the answer that shows "
                         "this one."))
        shown_when = (condition["field"], condition["equals"])
    spec = FieldSpec(name=name, label=label.strip(), kind=kind,
                     required=bool(raw.get("required", False)), help=str(raw.get("help", "")),
                     default=raw.get("default"), choices=choices, shown_when=shown_when)
    if spec.kind == "yes_no" and spec.default is not None:
        if not isinstance(spec.default, bool):
            raise fail(_("the default of a yes/no field is true or false."))
    elif spec.default is not None:
        try:
            _form_field(spec).clean(spec.default)
        except ValidationError as exc:
            raise fail(_("the default is not a valid answer (%(why)s).")
                       % {"why": " ".join(exc.messages)}) from exc
    return spec


def _choices(raw: Any, fail) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list) or not raw:
        raise fail(_("a choice field lists its choices, each [value, label]."))
    found = []
    for choice in raw:
        if (not isinstance(choice, list | tuple) or len(choice) != 2
                or not all(isinstance(part, str) and part for part in choice)):
            raise fail(_("each choice is [value, label]."))
        found.append((choice[0], choice[1]))
    if len({value for value, _label in found}) != len(found):
        raise fail(_("two choices have the same value."))
    return tuple(found)


def _form_field(spec: FieldSpec, *, required: bool | None = None) -> forms.Field:
    common = {"label": spec.label, "help_text": spec.help,
              "required": spec.required if required is None else required}
    if spec.kind == "text":
        return forms.CharField(max_length=500, **common)
    if spec.kind == "long_text":
        return forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
                               **common)
    if spec.kind == "number":
        return forms.DecimalField(max_digits=15, decimal_places=4, **common)
    if spec.kind == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if spec.kind == "choice":
        return forms.ChoiceField(choices=[("", "—"), *spec.choices], **common)
    if spec.kind == "multi_choice":
        return forms.MultipleChoiceField(choices=spec.choices,
                                         widget=forms.CheckboxSelectMultiple, **common)
    if spec.kind == "yes_no":
        # A required yes/no must be answered, yes or no (a checkbox could not say no).
        return forms.TypedChoiceField(choices=[("", "—"), ("yes", _("Yes")), ("no", _("No"))],
                                      coerce=lambda v: v == "yes", empty_value=None, **common)
    if spec.kind == "person":
        return forms.ModelChoiceField(
            queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
            to_field_name="username", **common)
    from .models import ConfigurationItem  # the catalog's own model

    return forms.ModelChoiceField(queryset=ConfigurationItem.objects.order_by("name"),
                                  to_field_name="name", **common)


class OrderForm(forms.Form):
    """An item's order form, built from its definition: a field hidden by its
    condition is neither required nor answered."""

    def __init__(self, definition: Iterable[FieldSpec], data=None, **kwargs) -> None:
        self.specs = list(definition)
        self.misshapen: set[str] = set()
        if data is not None and not hasattr(data, "getlist"):  # a JSON object, not a POST
            data = self._shaped(dict(data), kwargs.get("prefix"))
        super().__init__(data, **kwargs)
        for spec in self.specs:
            field = _form_field(spec, required=False)
            if spec.default is not None:
                field.initial = ("yes" if spec.default else "no") if spec.kind == "yes_no" \
                    else spec.default
            self.fields[spec.name] = field

    def _shaped(self, data: dict[str, Any], prefix: str | None) -> dict[str, Any]:
        """A JSON answer as a form field takes it: one value for a field, a list for
        several choices; anything else is noted and read as no answer."""
        for spec in self.specs:
            key = f"{prefix}-{spec.name}" if prefix else spec.name
            value = data.get(key)
            if value is None:
                continue
            if spec.kind == "multi_choice":
                ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
            else:
                ok = isinstance(value, str | int | float) and not (
                    isinstance(value, bool) and spec.kind != "yes_no")
                if ok and isinstance(value, bool):
                    data[key] = "yes" if value else "no"
                elif ok and not isinstance(value, str):
                    data[key] = str(value)
            if not ok:
                self.misshapen.add(spec.name)
                data[key] = [] if spec.kind == "multi_choice" else ""
        return data

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in self.misshapen:
            self.add_error(name, _("Give one value of the field's kind.") if name not in {
                spec.name for spec in self.specs if spec.kind == "multi_choice"}
                else _("Give a list of the choices' values."))
        shown: dict[str, Any] = {}
        for spec in self.specs:
            if spec.name in self.errors:
                continue
            if not spec.shown(_plain(shown)):
                cleaned.pop(spec.name, None)  # hidden: not asked, not kept
                continue
            value = cleaned.get(spec.name)
            if spec.required and value in (None, "", []):
                self.add_error(spec.name, _("This field is required."))
                continue
            shown[spec.name] = value
        return {name: value for name, value in cleaned.items() if name in shown}

    def answers(self) -> list[dict[str, Any]]:
        """The answers as the request keeps them: each field's name, label, kind, the
        value (JSON) and what it showed, in the definition's order, as it stands now."""
        kept = []
        for spec in self.specs:
            if spec.name not in self.cleaned_data:
                continue
            value = self.cleaned_data[spec.name]
            kept.append({"name": spec.name, "label": spec.label, "kind": spec.kind,
                         "value": _json(value), "shown": _display(spec, value)})
        return kept


def _plain(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers as a condition compares them (the same JSON the request keeps)."""
    return {name: _json(value) for name, value in answers.items()}


def _json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "_meta"):  # a person or a CI: kept by its key, as the form takes it
        return getattr(value, "username", None) or value.name
    return value


def _display(spec: FieldSpec, value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if spec.kind == "yes_no":
        return str(_("Yes") if value else _("No"))
    if spec.kind in CHOOSING:
        labels = dict(spec.choices)
        chosen = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(item, item) for item in chosen)
    if spec.kind == "person":
        return value.get_full_name() or value.username
    return str(_json(value))
