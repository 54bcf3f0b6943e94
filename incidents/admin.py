"""The incident admin: the core's ticket admin with the incident's fields."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from itsm.admin import TicketAdmin
from itsm.choices import TicketKind

from .models import Incident


@admin.register(Incident)
class IncidentAdmin(TicketAdmin):
    kind = TicketKind.INCIDENT
    list_filter = (*TicketAdmin.list_filter, "is_major")
    autocomplete_fields = (*TicketAdmin.autocomplete_fields, "parent")
    fieldsets = (
        (None, {"fields": ("number", "kind", "status_label", "priority", "title",
                           "description", "shown_version")}),
        (_("Classification"), {"fields": ("impact", "urgency", "service",
                                          "configuration_item", "customer", "channel",
                                          "is_major", "is_outage", "parent")}),
        (_("People"), {"fields": ("requester", "assignment_team", "assignee",
                                  "first_assignment_team")}),
        (_("On hold and resolution"), {"fields": ("on_hold_reason", "on_hold_since",
                                                  "on_hold_seconds", "resolution_code",
                                                  "resolution_notes")}),
        (_("Clock and SLA"), {"fields": ("created_at", "updated_at", "responded_at",
                                         "resolved_at", "closed_at", "response_due",
                                         "resolution_due", "response_breached",
                                         "resolution_breached")}),
        (_("Counters"), {"fields": ("reassignment_count", "reopen_count", "version")}),
    )
