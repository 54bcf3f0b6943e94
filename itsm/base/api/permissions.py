"""Who may do what through the API, and the one way every endpoint scopes its rows.

Reads are scoped by `Model.objects.visible_to(user)` (an invisible row is a 404);
writes are refused by role here before any input is looked at, and the services
refuse again whatever the role rules forbid for a particular ticket.
"""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from itsm.base import roles


def is_read_only_role(user) -> bool:
    """Managers read every ticket and change none (DESIGN.md §7)."""
    return roles.is_staff_reader(user) and not roles.is_worker(user)


class TicketAccess(BasePermission):
    """Signed-in users read what they can see; read-only roles write nothing."""

    message = _("Your role may read tickets but not change them.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return True
        return not is_read_only_role(user)


class WorkersWrite(BasePermission):
    """Only the people who work tickets write here (the desk's own work items):
    anyone else is refused before their input is looked at."""

    message = _("Only the service desk works these.")

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or roles.is_worker(request.user)


class ScopedQuerysetMixin:
    """`get_queryset()` for every API view: the rows the user may see, with the
    relations their serializer reads.

    How a list reads its relations is declared once, by its serializer: a
    `PreparedReadMixin` serializer reads its brief relations for the whole page itself,
    and `Meta.select_related` / `Meta.prefetch_related` name the rest. A view names
    neither; its `model` is its serializer's unless it says otherwise.
    """

    model: type[Model] | None = None

    def get_queryset(self) -> QuerySet:
        meta = self.get_serializer_class().Meta
        model = self.model or meta.model
        queryset = model.objects.visible_to(self.request.user)
        if getattr(meta, "select_related", ()):
            queryset = queryset.select_related(*meta.select_related)
        if getattr(meta, "prefetch_related", ()):
            queryset = queryset.prefetch_related(*meta.prefetch_related)
        return queryset
