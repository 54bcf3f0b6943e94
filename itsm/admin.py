"""The admin for the ticket core: users, the priority matrix, API tokens, numbering,
and `TicketAdmin`, the base of every kind's admin.

A kind's admin reads its tickets and corrects the fields its process lets agents edit,
through `itsm.services.update_ticket` (events, priority recomputed, version bumped);
status, assignment, the SLA clock and the counters are read-only, because only
`itsm.workflow` writes them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import outages, registry
from .filters import PRIORITIES
from .models import (
    ApiToken,
    Outage,
    OutageChange,
    PriorityRule,
    SavedFilter,
    Task,
    TicketEvent,
    TicketSequence,
    User,
)
from .services import update_ticket

admin.site.site_header = _("Service desk administration")
admin.site.site_title = _("Service desk admin")
admin.site.index_title = _("Administration")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Django's user admin plus the customer a requester belongs to and a phone number."""

    fieldsets = (
        *BaseUserAdmin.fieldsets[:2],
        (_("Service desk"), {"fields": ("customer", "phone")}),
        *BaseUserAdmin.fieldsets[2:],
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Service desk"), {"classes": ("wide",), "fields": ("customer", "phone")}),
    )
    list_display = ("username", "email", "first_name", "last_name", "customer", "is_staff",
                    "is_active")
    list_filter = (*BaseUserAdmin.list_filter, "customer")
    list_select_related = ("customer",)
    search_fields = (*BaseUserAdmin.search_fields, "phone")


@admin.register(PriorityRule)
class PriorityRuleAdmin(admin.ModelAdmin):
    """The impact × urgency matrix, edited in place. A change applies to tickets whose
    impact or urgency is set afterwards; existing priorities are not recomputed."""

    list_display = ("impact", "urgency", "priority")
    list_editable = ("priority",)


class ApiTokenStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin):
        return (("active", _("Active")), ("revoked", _("Revoked")))

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by their owner (the key is shown once, to them); the admin
    only sees them and revokes them. The stored hash is never shown."""

    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = (ApiTokenStateFilter,)
    list_select_related = ("user",)
    search_fields = ("prefix", "name", "user__username", "user__email")
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ("revoke_tokens",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        # The page is view-only; revoking is a change, so it needs the change permission.
        return request.user.has_perm("itsm.change_apitoken")

    @admin.action(description=_("Revoke selected tokens"), permissions=["revoke"])
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet) -> None:
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            token.revoke()
            revoked += 1
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", revoked)
            % {"count": revoked},
            messages.SUCCESS,
        )


@admin.register(TicketSequence)
class TicketSequenceAdmin(admin.ModelAdmin):
    """The last number handed out per kind, for reading only: `itsm.workflow` increments
    it under a row lock, and a hand-edited value would hand out a number twice."""

    list_display = ("kind", "last_value")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class TicketEventInline(admin.TabularInline):
    """A ticket's timeline, read-only: events are written by the services alone."""

    model = TicketEvent
    fk_name = "ticket"
    fields = ("created_at", "actor", "kind", "field", "old_value", "new_value", "note",
              "is_public")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("timeline")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class TicketAdminForm(forms.ModelForm):
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
        current = (type(self.instance).objects.select_for_update().filter(pk=self.instance.pk)
                   .values_list("version", flat=True).first())
        if cleaned.get("shown_version") != current:
            raise forms.ValidationError(
                _("Someone changed this ticket after you opened it. Reload the page and "
                  "make your correction again."),
                code="stale",
            )
        changes = {name: cleaned.get(name) for name in self.changed_data
                   if name in registry.process_for(self.instance).editable_fields}
        registry.process_for(self.instance).validate_changes(self.instance, changes)
        return cleaned


class StatusListFilter(admin.SimpleListFilter):
    # `status` has no choices on the shared Ticket column; each kind's are its workflow's.
    title = _("status")
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin):
        return model_admin.process().workflow.statuses.choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(status=self.value())
        return queryset


class PriorityListFilter(admin.SimpleListFilter):
    title = _("priority")
    parameter_name = "priority"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin):
        return [(str(p), label) for p, label in PRIORITIES]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in {"1", "2", "3", "4"}:
            return queryset.filter(priority=int(self.value()))
        return queryset


class TicketAdmin(admin.ModelAdmin):
    """The admin of one kind of ticket: read it, correct what agents may edit."""

    kind: str
    form = TicketAdminForm
    list_display = ("number", "title", "status_label", "priority", "assignment_team",
                    "assignee", "created_at")
    list_filter = (StatusListFilter, PriorityListFilter)
    list_select_related = ("assignment_team", "assignee")
    search_fields = ("number", "title")
    autocomplete_fields = ("service", "configuration_item", "customer")
    inlines = (TicketEventInline,)
    fieldsets: tuple = ()

    def process(self) -> registry.Process:
        return registry.process_for(self.kind)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        editable = set(self.process().editable_fields)
        if obj is not None and obj.closed_at is not None:
            editable = set()  # a closed ticket cannot be changed (workflow.update refuses)
        return tuple(name for _title, options in self.get_fieldsets(request, obj)
                     for name in options["fields"]
                     if name not in editable and name != "shown_version")

    @admin.display(description=_("status"), ordering="status")
    def status_label(self, ticket) -> str:
        return self.process().workflow.label(ticket.status)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tickets are logged through the app, which numbers and routes them

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # tickets are cancelled or closed, never removed

    def save_model(self, request: HttpRequest, obj, form: forms.ModelForm,
                   change: bool) -> None:
        # `obj` already holds the posted values; the service compares with the stored
        # row to record what changed, and writes only those fields.
        stored = type(obj).objects.get(pk=obj.pk)
        changes = {name: form.cleaned_data[name] for name in form.changed_data
                   if name in self.process().editable_fields}
        update_ticket(stored, actor=request.user,
                      expected_version=form.cleaned_data["shown_version"], **changes)


@admin.register(Task)
class TaskAdmin(TicketAdmin):
    kind = "task"
    autocomplete_fields = ()
    fieldsets = (
        (None, {"fields": ("number", "kind", "status_label", "priority", "title",
                           "description", "shown_version")}),
        (_("Classification"), {"fields": ("impact", "urgency", "service", "customer")}),
        (_("People"), {"fields": ("requester", "assignment_team", "assignee")}),
        (_("Clock"), {"fields": ("created_at", "updated_at", "responded_at", "resolved_at",
                                 "closed_at")}),
        (_("Counters"), {"fields": ("reassignment_count", "reopen_count", "version")}),
    )


@admin.register(SavedFilter)
class SavedFilterAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "team", "created_at")
    list_select_related = ("owner", "team")
    search_fields = ("name", "owner__username")


class OutageChangeInline(admin.TabularInline):
    model = OutageChange
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "actor", "field", "old_value", "new_value")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class OutageAdminForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("started_at") is not None:
            outages.check(Outage(started_at=cleaned["started_at"],
                                 ended_at=cleaned.get("ended_at")))
        return cleaned


@admin.register(Outage)
class OutageAdmin(admin.ModelAdmin):
    """Outages are entered and corrected through `itsm.outages`, so each change is
    logged; an incident's outage follows the incident."""

    form = OutageAdminForm
    list_display = ("service", "started_at", "ended_at", "planned", "source", "ticket")
    list_filter = ("planned", "source")
    autocomplete_fields = ("service", "configuration_item")
    readonly_fields = ("source", "ticket", "created_by", "created_at")
    fields = ("service", "configuration_item", "started_at", "ended_at", "planned", "note",
              *readonly_fields)
    inlines = (OutageChangeInline,)

    def save_model(self, request: HttpRequest, obj, form: forms.ModelForm,
                   change: bool) -> None:
        values = {name: form.cleaned_data[name] for name in outages.EDITABLE
                  if name in form.cleaned_data}
        if change:
            outages.change(Outage.objects.get(pk=obj.pk), actor=request.user,
                           **{name: values[name] for name in form.changed_data
                              if name in values})
        else:
            obj.pk = outages.record(actor=request.user, **values).pk

    def save_related(self, request, form, formsets, change) -> None:
        pass  # no relations of its own; the log is written by itsm.outages
