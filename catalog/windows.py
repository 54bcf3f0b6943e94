"""Keeping the freeze and maintenance windows: the one writer of both, for the desk
pages and the API alike (the admin saves through Django's own path).

Change managers and administrators keep them, because they decide when changes may
run; every desk role reads them (`catalog.models.windows`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from itsm.base import roles

from .models import FreezeWindow, MaintenanceWindow

KEEPERS = frozenset({roles.CHANGE_MANAGER, roles.ADMIN})

Window = FreezeWindow | MaintenanceWindow


def may_keep_windows(user) -> bool:
    """Whether `user` creates, edits and deletes freeze and maintenance windows."""
    return bool(roles.roles_of(user) & KEEPERS)


def _require_keeper(actor) -> None:
    if not may_keep_windows(actor):
        raise PermissionDenied(_("Only change managers and administrators keep the "
                                 "change windows."))


def save_window(window: Window, *, actor) -> Window:
    """Check a new or edited window (a ValidationError names the field) and save it."""
    _require_keeper(actor)
    window.full_clean()
    with transaction.atomic():
        window.save()
    return window


def delete_window(window: Window, *, actor) -> None:
    _require_keeper(actor)
    window.delete()
