from django.contrib import admin

from .models import ProblemLink


@admin.register(ProblemLink)
class ProblemLinkAdmin(admin.ModelAdmin):
    """Read only: links are made on the problem's and the incident's pages."""

    list_display = ("problem", "incident", "linked_by", "linked_at")
    readonly_fields = list_display

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
