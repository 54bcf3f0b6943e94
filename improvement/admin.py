from django.contrib import admin

from .models import Suggestion


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    """The register until its own pages come: read and triaged here; suggestions are
    opened by the desk and the processes (`improvement.services.open_suggestion`)."""

    list_display = ("title", "source", "service", "owner_team", "status", "created_at")
    list_filter = ("status", "source", "owner_team")
    list_select_related = ("service", "owner_team")
    search_fields = ("title", "description", "service__name")
    readonly_fields = ("source", "created_by", "created_at")
    autocomplete_fields = ("service", "owner_team")

    def has_add_permission(self, request) -> bool:
        return False
