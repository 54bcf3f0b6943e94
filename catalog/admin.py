"""The admin for the service catalog: where administrators maintain reference data."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from itsm.base.admin import ReadOnlyAdminMixin

from . import acceptance
from .forms import MaintenanceWindowForm
from .models import (
    ApprovalStep,
    Calendar,
    CIRelation,
    ConfigurationItem,
    ContractTarget,
    Customer,
    FreezeWindow,
    Holiday,
    Lifecycle,
    MaintenanceWindow,
    RequestItem,
    Service,
    ServiceCategory,
    ServiceLevelAgreement,
    ServiceRevision,
    SLATarget,
    StandardChange,
    Supplier,
    SupportLevel,
    TaskTemplate,
    Team,
    TeamRate,
    UnderpinningContract,
    WorkingPeriod,
    spans_overlap,
)
from .services import record_revision
from .signals import announce_terms_changed


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "share_tickets", "is_active")
    list_filter = ("share_tickets", "is_active")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


class TeamRateInline(admin.TabularInline):
    """Dated hourly rates: a new rate from a date leaves the cost of earlier work alone."""

    model = TeamRate
    extra = 0


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    inlines = (TeamRateInline,)
    list_display = ("name", "lead", "email", "meeting_cadence", "is_active")
    list_filter = ("meeting_cadence", "is_active")
    list_select_related = ("lead",)
    search_fields = ("name", "email", "lead__username", "lead__first_name", "lead__last_name")
    autocomplete_fields = ("lead",)
    filter_horizontal = ("members",)


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "position")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


class SupportLevelInline(admin.TabularInline):
    """The support path, first line first: a breach escalates to the next level."""

    model = SupportLevel
    autocomplete_fields = ("team", "supplier")
    extra = 0


class ServiceAdminForm(forms.ModelForm):
    """The service, and the reason it may go live before its operational acceptance
    is complete (a change manager's, `catalog.acceptance`)."""

    acceptance_override = forms.CharField(
        label=_("Go live with gaps, because"), required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when moving it to live while it still lacks something of its "
                    "operational acceptance; the gaps become an improvement suggestion."))

    class Meta:
        model = Service
        fields = ("name", "code", "description", "operations_notes", "support_notes",
                  "category", "owner_team", "service_type", "criticality", "lifecycle",
                  "depends_on", "is_active", "takes_orders", "asks_satisfaction")


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    form = ServiceAdminForm
    list_display = ("name", "code", "category", "service_type", "criticality", "lifecycle",
                    "owner_team", "is_active")
    list_filter = ("category", "service_type", "criticality", "lifecycle", "owner_team",
                   "is_active")
    list_select_related = ("owner_team", "category")
    search_fields = ("name", "code", "description")
    prepopulated_fields = {"code": ("name",)}
    filter_horizontal = ("depends_on",)
    inlines = (SupportLevelInline,)

    def get_changeform_initial_data(self, request) -> dict:
        """A new service starts planned: it goes live once its acceptance is complete."""
        return {"lifecycle": Lifecycle.PLANNED, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change) -> None:
        """A move to live waits until the support path (an inline) is saved, then goes
        through the acceptance check (`save_related`)."""
        before = (Service.objects.filter(pk=obj.pk).values_list("lifecycle", flat=True)
                  .first() if change else None)
        form.goes_live = obj.lifecycle == Lifecycle.LIVE and before != Lifecycle.LIVE
        if form.goes_live:
            obj.lifecycle = before or Lifecycle.PLANNED
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change) -> None:
        """Keep the documentation's history for admin edits too, once the support path
        (an inline) is saved; then take the service live if that was asked."""
        super().save_related(request, form, formsets, change)
        record_revision(form.instance, request.user, str(_("Edited in the admin")))
        if getattr(form, "goes_live", False):
            try:
                acceptance.go_live(form.instance, actor=request.user, override_reason=(
                    form.cleaned_data.get("acceptance_override") or ""))
            except (ValidationError, PermissionDenied) as exc:
                said = " ".join(getattr(exc, "messages", None) or [str(exc)])
                self.message_user(request, _("It stays %(state)s: %(why)s") % {
                    "state": form.instance.get_lifecycle_display(), "why": said},
                    messages.ERROR)
            else:
                form.instance.lifecycle = Lifecycle.LIVE


@admin.register(ServiceRevision)
class ServiceRevisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The history is a record: it is read here, never edited."""

    list_display = ("service", "number", "author", "created_at", "summary")
    list_filter = ("service",)
    list_select_related = ("service", "author")
    search_fields = ("service__name", "summary")


class ApprovalStepInline(admin.StackedInline):
    model = ApprovalStep
    extra = 0
    autocomplete_fields = ("team", "people")
    fields = (("position", "name"), ("approvers", "team"), "people", ("rule", "needed"),
              "due_hours")


class TaskTemplateInline(admin.TabularInline):
    model = TaskTemplate
    extra = 0
    autocomplete_fields = ("team",)
    fields = ("position", "title", "instructions", "team", "parallel")


@admin.register(RequestItem)
class RequestItemAdmin(admin.ModelAdmin):
    """Owners shape an item here: its form, who may order it, its approval steps and
    fulfilment tasks; each save is a revision of the service's documentation."""

    list_display = ("name", "service", "fulfilment_team", "fulfilment_days", "on_behalf",
                    "is_active")
    list_filter = ("is_active", "on_behalf", "service")
    list_select_related = ("service", "fulfilment_team")
    search_fields = ("name", "description", "service__name")
    autocomplete_fields = ("service", "fulfilment_team")
    filter_horizontal = ("customers", "roles")
    inlines = (ApprovalStepInline, TaskTemplateInline)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        record_revision(form.instance.service, request.user,
                        str(_("Request item “%(item)s” edited in the admin"))
                        % {"item": form.instance.name})


@admin.register(StandardChange)
class StandardChangeAdmin(admin.ModelAdmin):
    list_display = ("name", "service", "risk", "is_active")
    list_filter = ("risk", "is_active", "service")
    list_select_related = ("service",)
    search_fields = ("name", "description", "service__name")
    autocomplete_fields = ("service",)


class CIRelationInline(admin.TabularInline):
    """The CI's outgoing relations: it depends on / runs on the target."""

    model = CIRelation
    fk_name = "source"
    autocomplete_fields = ("target",)
    extra = 0


@admin.register(ConfigurationItem)
class ConfigurationItemAdmin(admin.ModelAdmin):
    list_display = ("name", "ci_type", "owner_team", "is_active")
    list_filter = ("ci_type", "owner_team", "is_active")
    list_select_related = ("owner_team",)
    search_fields = ("name",)
    filter_horizontal = ("services",)
    inlines = (CIRelationInline,)


class WorkingPeriodFormSet(BaseInlineFormSet):
    """Compares the rows on the page with each other: each row's own `clean()` only sees
    the periods already saved, not the ones being added alongside it."""

    def clean(self) -> None:
        super().clean()
        seen: dict[int, list[tuple]] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not form.is_valid():
                continue
            period = (data["start"], data["end"])
            for other in seen.get(data["weekday"], []):
                if spans_overlap(period, other):
                    raise ValidationError(_("Two periods of %(day)s overlap.")
                                          % {"day": form.instance.get_weekday_display()})
            seen.setdefault(data["weekday"], []).append(period)


class WorkingPeriodInline(admin.TabularInline):
    model = WorkingPeriod
    formset = WorkingPeriodFormSet
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ("name", "time_zone", "is_default")
    list_filter = ("is_default", "time_zone")
    search_fields = ("name", "description")
    inlines = (WorkingPeriodInline, HolidayInline)

    def save_related(self, request, form, formsets, change) -> None:
        """Working hours and holidays are saved as inlines: announce once they are."""
        super().save_related(request, form, formsets, change)
        if change:
            announce_terms_changed(calendars=[form.instance.pk])


class SLATargetInline(admin.TabularInline):
    model = SLATarget
    extra = 0


@admin.register(ServiceLevelAgreement)
class ServiceLevelAgreementAdmin(admin.ModelAdmin):
    list_display = ("name", "service", "customer", "calendar", "warning_threshold",
                    "availability_target", "compliance_target", "is_active")
    list_filter = ("is_active", "calendar", "service")
    list_select_related = ("service", "customer", "calendar")
    search_fields = ("name", "service__name", "customer__name")
    autocomplete_fields = ("service", "customer", "calendar")
    inlines = (SLATargetInline,)

    def save_related(self, request, form, formsets, change) -> None:
        """The open tickets of the service (and of its old service, if it moved) are
        re-timed under the terms as saved, targets included."""
        super().save_related(request, form, formsets, change)
        services = [form.instance.service_id]
        if change and "service" in form.changed_data and form.initial.get("service"):
            services.append(form.initial["service"])
        announce_terms_changed(services=services)

    def delete_model(self, request, obj) -> None:
        service_id = obj.service_id
        super().delete_model(request, obj)
        announce_terms_changed(services=[service_id])

    def delete_queryset(self, request, queryset) -> None:
        services = list(queryset.values_list("service_id", flat=True))
        super().delete_queryset(request, queryset)
        announce_terms_changed(services=services)


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ("name", "contact_email", "phone", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "contact_email", "notes")


class ContractTargetInline(admin.TabularInline):
    model = ContractTarget
    extra = 0


@admin.register(UnderpinningContract)
class UnderpinningContractAdmin(admin.ModelAdmin):
    list_display = ("name", "supplier", "service", "reference", "valid_from", "valid_to")
    list_filter = ("supplier", "service")
    list_select_related = ("supplier", "service")
    search_fields = ("name", "reference", "supplier__name", "service__name")
    autocomplete_fields = ("supplier", "service")
    inlines = (ContractTargetInline,)


@admin.register(FreezeWindow)
class FreezeWindowAdmin(admin.ModelAdmin):
    """Freezes: also kept by change managers on the catalog's change windows page."""

    list_display = ("name", "service", "starts_at", "ends_at")
    list_filter = ("service",)
    list_select_related = ("service",)
    search_fields = ("name", "reason")
    date_hierarchy = "starts_at"
    autocomplete_fields = ("service",)


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    form = MaintenanceWindowForm  # the weekdays as boxes to tick, not a JSON list
    list_display = ("name", "service", "configuration_item", "weekday_names", "start_time",
                    "duration_minutes", "time_zone")
    list_filter = ("service",)
    list_select_related = ("service", "configuration_item")
    search_fields = ("name", "service__name", "configuration_item__name")
    autocomplete_fields = ("service", "configuration_item")
