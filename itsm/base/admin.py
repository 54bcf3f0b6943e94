"""Admin pieces every app uses."""

from __future__ import annotations


class ReadOnlyAdminMixin:
    """A record read in the admin and never edited there (a history, computed values)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
