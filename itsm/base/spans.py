"""Planned spans of time (a change's window, a task's booking): both ends or none,
the end after the start, and no longer than a quarter."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# No planned work runs longer than this: a longer window is a typing slip, and every
# calendar and conflict check walks a window's days.
LONGEST = timedelta(days=92)


def check_window(start, end) -> None:
    """Refuse a span with one end only, or one that ends before it starts, naming the
    field to correct."""
    if (start is None) != (end is None):
        raise ValidationError({"planned_end" if start else "planned_start": _(
            "Plan both the start and the end.")})
    if start is not None and end <= start:
        raise ValidationError({"planned_end": _("The planned end comes after the start.")})
    if start is not None and end - start > LONGEST:
        raise ValidationError({"planned_end": _("Plan at most %(days)d days of work in one "
                                                "window.") % {"days": LONGEST.days}})


def validate_year(value) -> None:
    """A date or moment a calendar can show: between the years 1900 and 9000."""
    if not 1900 <= value.year <= 9000:
        raise ValidationError(_("Choose a date between the years 1900 and 9000."))
