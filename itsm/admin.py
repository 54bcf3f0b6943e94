"""The admin for the ticket core: users, the priority matrix, API tokens, numbering.

Tickets are reached through their process's admin (incidents, …); the timeline inline
below is shared by all of them. The admin reads tickets and corrects plain fields
through the services; status and assignment stay with `itsm.workflow`.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import ApiToken, PriorityRule, TicketEvent, TicketSequence, User

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
