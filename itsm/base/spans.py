"""Planned spans of time (a change's window, a task's booking): both ends or none,
the end after the start."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def check_window(start, end) -> None:
    """Refuse a span with one end only, or one that ends before it starts, naming the
    field to correct."""
    if (start is None) != (end is None):
        raise ValidationError({"planned_end" if start else "planned_start": _(
            "Plan both the start and the end.")})
    if start is not None and end <= start:
        raise ValidationError({"planned_end": _("The planned end comes after the start.")})
