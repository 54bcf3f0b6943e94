"""Markdown to HTML that is safe to show (pure: no database).

markdown-it-py renders CommonMark (with tables and strikethrough) and leaves raw HTML
in the source as text; nh3 then keeps only the tags and attributes an article needs
and links with safe schemes, so no script, event handler, `javascript:` link, SVG or
style survives whatever the author typed.
"""

from __future__ import annotations

import re

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}
                       ).enable(["table", "strikethrough"])

TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4",
        "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup",
        "table", "tbody", "td", "th", "thead", "tr", "ul"}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"},
              "td": {"align"}, "th": {"align"}, "ol": {"start"}, "code": {"class"}}
SCHEMES = {"http", "https", "mailto"}


def to_html(markdown: str) -> SafeString:
    """The article's body as sanitised HTML."""
    rendered = _markdown.render(markdown or "")
    return mark_safe(nh3.clean(rendered, tags=TAGS, attributes=ATTRIBUTES,  # noqa: S308
                               url_schemes=SCHEMES, link_rel="noopener noreferrer nofollow"))


_MARKUP = re.compile(r"[`*_#>\[\]()!|~-]+")


def to_text(markdown: str, limit: int | None = None) -> str:
    """The body as plain text (a search snippet, a reply to paste), markup dropped."""
    text = " ".join(_MARKUP.sub(" ", markdown or "").split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return text
