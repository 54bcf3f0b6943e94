"""Who may do what through the API, and the one way every endpoint scopes its rows.

Reads are scoped by `Model.objects.visible_to(user)` (an invisible row is a 404);
writes are refused by role here before any input is looked at, and the services
refuse again whatever the role rules forbid for a particular ticket.
"""

from __future__ import annotations

from typing import Any

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


class ScopedQuerysetMixin:
    """`get_queryset()` for every API view: visible rows, with their relations joined.

    Views name the `model`, what to `select_related` / `prefetch_related` (so lists run
    a constant number of queries) and nothing else about scoping.
    """

    model: type[Model]
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[Any, ...] = ()
    # The few small relations worth a join; the rest of `select_related` is prefetched.
    join_related: tuple[str, ...] = ()
    # What a list selects instead, when its serializer reads relations in brief for the
    # whole page (`BriefingListSerializer`); None: the same as `select_related`.
    list_select_related: tuple[str, ...] | None = None

    def get_queryset(self) -> QuerySet:
        queryset = self.model.objects.visible_to(self.request.user)
        related = self.select_related
        if self.list_select_related is not None and getattr(self, "action", None) == "list":
            related = self.list_select_related
        if related:
            # Mostly fetched one query per relation, not joined: PostgreSQL spends longer
            # planning a query with many joins than running it (5-50 ms for the ten tables
            # of an incident with its relations); a few joins plan in about a millisecond.
            joined = [name for name in related if name in self.join_related]
            fetched = [name for name in related if name not in self.join_related]
            queryset = queryset.select_related(*joined).prefetch_related(*fetched)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset
