"""Template filters of the knowledge base."""

from django import template

from ..rendering import to_text

register = template.Library()


@register.filter
def plain(markdown: str, limit: int = 200) -> str:
    """An article's Markdown as one line of plain text, cut at `limit` characters."""
    return to_text(markdown, int(limit))
