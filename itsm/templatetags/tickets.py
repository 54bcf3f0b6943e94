"""Template filters of the ticket pages: labels for the stored values of tickets."""

from __future__ import annotations

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from itsm import workflow

register = template.Library()


@register.filter
def status_label(status: str, ticket_or_kind) -> str:
    """The translated label of a stored status value for a ticket (or a kind)."""
    return workflow.status_label(ticket_or_kind, status)


@register.filter
def field_label(name: str, ticket) -> str:
    """The verbose name of a ticket field, for the timeline."""
    try:
        return str(ticket._meta.get_field(name).verbose_name)
    except (FieldDoesNotExist, AttributeError):
        return name.replace("_", " ")


SLA_FLAG_LABELS = {
    "response_warned": gettext_lazy("SLA warning: the response time is almost used up."),
    "resolution_warned": gettext_lazy("SLA warning: the resolution time is almost used up."),
    "response_breached": gettext_lazy("SLA breached: not responded to in time."),
    "resolution_breached": gettext_lazy("SLA breached: not resolved in time."),
}


@register.filter
def sla_flag_label(field: str) -> str:
    """What an SLA scan event says on the timeline; empty for other SLA events."""
    return str(SLA_FLAG_LABELS.get(field, ""))


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
