"""Small template filters for the server-rendered UI: labels for stored values."""

from __future__ import annotations

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from itsm.base import roles
from itsm.base.people import display_name
from itsm.workflow import workflow_for

register = template.Library()


@register.filter
def status_label(status: str, ticket_or_kind) -> str:
    """The translated label of a stored status value for a ticket (or a kind)."""
    try:
        return workflow_for(ticket_or_kind).label(status)
    except KeyError:  # a kind whose workflow is not registered yet
        return status


@register.filter
def role_label(role: str | None) -> str:
    """The translated name of a role ("agent" -> "Service desk agent")."""
    return str(roles.ROLE_LABELS.get(role, "")) if role else ""


@register.filter
def field_label(name: str, ticket) -> str:
    """The verbose name of a ticket field, for the timeline."""
    try:
        return str(ticket._meta.get_field(name).verbose_name)
    except (FieldDoesNotExist, AttributeError):
        return name.replace("_", " ")


@register.filter
def user_label(user) -> str:
    """A person's full name, or their username when they have none."""
    if user is None:
        return ""
    return display_name(user.username, user.first_name, user.last_name)


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


SLA_FLAG_LABELS = {
    "response_warned": _lazy("SLA warning: the response time is almost used up."),
    "resolution_warned": _lazy("SLA warning: the resolution time is almost used up."),
    "response_breached": _lazy("SLA breached: not responded to in time."),
    "resolution_breached": _lazy("SLA breached: not resolved in time."),
}


@register.filter
def sla_flag_label(field: str) -> str:
    """What an SLA scan event says on the timeline; empty for other SLA events."""
    return str(SLA_FLAG_LABELS.get(field, ""))


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


@register.simple_tag
def field_value(ticket, name: str, value: str) -> str:
    """An event's stored value as the reader should see it: a choice's label in their
    language, Yes/No for flags, anything else as stored."""
    try:
        model_field = ticket._meta.get_field(name)
    except FieldDoesNotExist:
        return value
    if model_field.choices:
        return str(dict((str(k), v) for k, v in model_field.flatchoices).get(value, value))
    if model_field.get_internal_type() == "BooleanField":
        return {"True": _("Yes"), "False": _("No")}.get(value, value)
    return value
