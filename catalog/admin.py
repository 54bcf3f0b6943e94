"""The admin for the service catalog: where administrators maintain reference data."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from .models import (
    Calendar,
    CIRelation,
    ConfigurationItem,
    ContractTarget,
    Customer,
    Holiday,
    Service,
    ServiceLevelAgreement,
    SLATarget,
    Supplier,
    Team,
    UnderpinningContract,
    WorkingPeriod,
    spans_overlap,
)


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "share_tickets", "is_active")
    list_filter = ("share_tickets", "is_active")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "lead", "email", "meeting_cadence", "is_active")
    list_filter = ("meeting_cadence", "is_active")
    list_select_related = ("lead",)
    search_fields = ("name", "email", "lead__username", "lead__first_name", "lead__last_name")
    autocomplete_fields = ("lead",)
    filter_horizontal = ("members",)


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "service_type", "criticality", "lifecycle", "owner_team",
                    "is_active")
    list_filter = ("service_type", "criticality", "lifecycle", "owner_team", "is_active")
    list_select_related = ("owner_team",)
    search_fields = ("name", "code", "description")
    prepopulated_fields = {"code": ("name",)}
    filter_horizontal = ("depends_on",)


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


class SLATargetInline(admin.TabularInline):
    model = SLATarget
    extra = 0


@admin.register(ServiceLevelAgreement)
class ServiceLevelAgreementAdmin(admin.ModelAdmin):
    list_display = ("name", "service", "customer", "calendar", "warning_threshold",
                    "availability_target", "is_active")
    list_filter = ("is_active", "calendar", "service")
    list_select_related = ("service", "customer", "calendar")
    search_fields = ("name", "service__name", "customer__name")
    autocomplete_fields = ("service", "customer", "calendar")
    inlines = (SLATargetInline,)


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
