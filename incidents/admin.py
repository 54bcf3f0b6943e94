"""The incident admin: for reading incidents and correcting their plain fields.

Incidents are logged and worked in the app. Here an administrator may correct what
an agent may edit (`incidents.services.EDITABLE_FIELDS`), and the correction is
written by `update_incident`: events on the timeline, priority recomputed, version
bumped. Status, assignment, the SLA clock and the counters are read-only, because
only `itsm.workflow` writes them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from itsm.admin import TicketEventInline

from .choices import IncidentStatus
from .models import Incident
from .services import EDITABLE_FIELDS, update_incident, validate_parent


class IncidentAdminForm(forms.ModelForm):
    """Carries the version the page showed, so a correction never overwrites a change
    someone made in the meantime (the same guard as the agent's edit form)."""

    shown_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shown_version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # The admin's change view runs in one transaction: locking the row here holds it
        # until the save, so no write can slip in between this check and the update.
        current = (Incident.objects.select_for_update().filter(pk=self.instance.pk)
                   .values_list("version", flat=True).first())
        if cleaned.get("shown_version") != current:
            raise forms.ValidationError(
                _("Someone changed this incident after you opened it. Reload the page and "
                  "make your correction again."),
                code="stale",
            )
        if "parent" in self.changed_data:
            validate_parent(self.instance, cleaned.get("parent"))
        return cleaned


class StatusListFilter(admin.SimpleListFilter):
    # `status` has no choices on the shared Ticket column; the incident's are these.
    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin):
        return IncidentStatus.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(status=self.value())
        return queryset


class PriorityListFilter(admin.SimpleListFilter):
    title = _("priority")
    parameter_name = "priority"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin):
        return [(str(p), f"P{p}") for p in (1, 2, 3, 4)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in {"1", "2", "3", "4"}:
            return queryset.filter(priority=int(self.value()))
        return queryset


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    form = IncidentAdminForm
    list_display = ("number", "title", "status_label", "priority", "assignment_team",
                    "assignee", "created_at")
    list_filter = (StatusListFilter, PriorityListFilter, "is_major")
    list_select_related = ("assignment_team", "assignee")
    search_fields = ("number", "title")
    autocomplete_fields = ("service", "configuration_item", "customer", "parent")
    inlines = (TicketEventInline,)
    fieldsets = (
        (None, {"fields": ("number", "kind", "status_label", "priority", "title",
                           "description", "shown_version")}),
        (_("Classification"), {"fields": ("impact", "urgency", "service",
                                          "configuration_item", "customer", "channel",
                                          "is_major", "parent")}),
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
    # Everything but the fields an agent may edit, and the hidden version guard.
    readonly_fields = tuple(
        name for _title, options in fieldsets for name in options["fields"]
        if name not in EDITABLE_FIELDS and name != "shown_version"
    )

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, incident: Incident) -> str:
        try:
            return IncidentStatus(incident.status).label
        except ValueError:
            return incident.status

    def get_readonly_fields(self, request: HttpRequest, obj: Incident | None = None):
        if obj is not None and obj.closed_at is not None:
            # A closed incident cannot be changed (itsm.workflow.update refuses it).
            return (*self.readonly_fields, *EDITABLE_FIELDS)
        return self.readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # incidents are logged through the app, which numbers and routes them

    def has_delete_permission(self, request: HttpRequest, obj: Incident | None = None) -> bool:
        return False  # incidents are cancelled or closed, never removed

    def save_model(self, request: HttpRequest, obj: Incident, form: forms.ModelForm,
                   change: bool) -> None:
        # `obj` already holds the posted values; the service compares with the stored
        # row to record what changed, and writes only those fields.
        stored = Incident.objects.get(pk=obj.pk)
        changes = {name: form.cleaned_data[name] for name in form.changed_data
                   if name in EDITABLE_FIELDS}
        update_incident(stored, actor=request.user,
                        expected_version=form.cleaned_data["shown_version"], **changes)
