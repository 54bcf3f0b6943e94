from django.contrib import admin

from itsm.base.admin import ReadOnlyAdminMixin

from . import cab
from .models import AgendaItem, CabMeeting, CabSchedule, ChangeCause, Release


@admin.register(ChangeCause)
class ChangeCauseAdmin(admin.ModelAdmin):
    """Read only: causes are recorded on the incident's page and through the API."""

    list_display = ("change", "incident", "recorded_by", "recorded_at")
    readonly_fields = list_display

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CabSchedule)
class CabScheduleAdmin(admin.ModelAdmin):
    """The board's cadences; saving one plans its meetings four weeks ahead."""

    list_display = ("name", "weekday", "start_time", "every_weeks", "time_zone", "chair",
                    "is_active")
    list_filter = ("is_active", "weekday")
    list_select_related = ("chair",)
    search_fields = ("name", "location")
    autocomplete_fields = ("chair",)
    filter_horizontal = ("members",)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if form.instance.is_active:
            cab.plan_meetings(schedules=[form.instance])


class AgendaItemInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AgendaItem
    fields = ("position", "change", "outcome", "note")
    readonly_fields = fields
    extra = 0


@admin.register(CabMeeting)
class CabMeetingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read here: meetings are run on their desk pages (`changes.cab`)."""

    list_display = ("title", "starts_at", "status", "emergency", "chair", "schedule")
    list_filter = ("status", "emergency", "schedule")
    list_select_related = ("chair", "schedule")
    search_fields = ("title", "minutes")
    inlines = (AgendaItemInline,)


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read here: releases are edited and moved on their desk pages (`changes.releases`)."""

    list_display = ("name", "planned_date", "status", "owner_team", "deployed_at")
    list_filter = ("status", "owner_team")
    list_select_related = ("owner_team",)
    search_fields = ("name", "notes")
