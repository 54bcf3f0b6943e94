"""Targets are set in the admin; values are the engine's, shown read-only."""

from __future__ import annotations

from django.contrib import admin

from itsm.base.admin import ReadOnlyAdminMixin

from .models import KpiTarget, KpiValue


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    list_display = ("kpi", "service", "target", "warning")
    list_filter = ("kpi",)
    autocomplete_fields = ("service",)


@admin.register(KpiValue)
class KpiValueAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("kpi", "granularity", "period_start", "dimension", "key", "value",
                    "numerator", "denominator", "computed_at")
    list_filter = ("kpi", "granularity", "dimension")
    date_hierarchy = "period_start"
