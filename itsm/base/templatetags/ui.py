"""Template filters for the server-rendered UI: people, roles, durations, moments."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import roles
from ..people import display_name

register = template.Library()


@register.filter
def role_label(role: str | None) -> str:
    """The translated name of a role ("agent" -> "Service desk agent")."""
    return str(roles.ROLE_LABELS.get(role, "")) if role else ""


@register.filter
def user_label(user) -> str:
    """A person's full name, or their username when they have none."""
    if user is None:
        return ""
    return display_name(user.username, user.first_name, user.last_name)


@register.filter
def priority_label(priority) -> str:
    """A priority as the desk names it: "P1" (translatable)."""
    if priority in (None, ""):
        return ""
    return _("P%(priority)s") % {"priority": priority}


@register.filter
def duration(seconds: int | None) -> str:
    """Seconds as a short duration: "2 d 3 h", "1 h 20 min", "5 min"."""
    if not seconds:
        return ""
    minutes = int(seconds) // 60
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": max(minutes, 1)}


@register.filter
def minutes_hm(minutes: int | None) -> str:
    """A target in business minutes as hours and minutes: "4 h", "1 h 30 min", "45 min".
    Never days: a business day is whatever the calendar says it is."""
    if minutes is None:
        return ""
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": rest}
    if hours:
        return _("%(h)d h") % {"h": hours}
    return _("%(m)d min") % {"m": rest}


@register.filter
def ago(moment: datetime | None) -> str:
    """How long ago, in the reader's language: "just now" under a minute, else
    "3 hours ago" (the largest unit, as Django's timesince says it)."""
    if moment is None:
        return ""
    now = timezone.now()
    if now - moment < timedelta(minutes=1):
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(moment, now, depth=1)}


def span(seconds: int) -> str:
    """A stretch of time in its largest whole unit: "45 minutes", "3 hours", "2 days"."""
    minutes = abs(int(seconds)) // 60
    if minutes < 60:
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = minutes // 60
    if hours < 48:
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    days = hours // 24
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


@register.filter
def time_left(seconds: int | None) -> str:
    """Seconds until a due time as "in 2 hours" or, once late, "3 hours late"."""
    if seconds is None:
        return ""
    if -60 < seconds < 60:
        return _("due now")
    if seconds > 0:
        return _("in %(time)s") % {"time": span(seconds)}
    return _("%(time)s late") % {"time": span(seconds)}
