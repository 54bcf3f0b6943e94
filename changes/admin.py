from django.contrib import admin

from .models import ChangeCause


@admin.register(ChangeCause)
class ChangeCauseAdmin(admin.ModelAdmin):
    """Read only: causes are recorded on the incident's page and through the API."""

    list_display = ("change", "incident", "recorded_by", "recorded_at")
    readonly_fields = list_display

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
