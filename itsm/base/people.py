"""How the desk names a person, as a function of columns (lists read no instances)."""

from __future__ import annotations


def display_name(username: str, first_name: str, last_name: str) -> str:
    """A person as the desk names them: the full name (as `get_full_name` makes it),
    else the username."""
    return f"{first_name} {last_name}".strip() or username
