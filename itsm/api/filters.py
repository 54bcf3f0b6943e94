"""The all-kinds ticket filter of the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _lazy

from catalog.models import Customer, Service, Team
from itsm.base.scoping import visible, visible_users
from itsm.choices import NUMBER_PREFIX, TicketKind
from itsm.models import Ticket


class TicketFilterSet(django_filters.FilterSet):
    """Filters for the read-only list of tickets of every kind."""

    q = django_filters.CharFilter(method="filter_text", label=_lazy("Search"))
    # distinct=False on columns of the row itself: no duplicates, no SELECT DISTINCT.
    kind = django_filters.MultipleChoiceFilter(choices=TicketKind.choices, label=_lazy("Kind"),
                                               distinct=False)
    status = django_filters.CharFilter(label=_lazy("Status"))
    priority = django_filters.MultipleChoiceFilter(
        choices=[(1, "P1"), (2, "P2"), (3, "P3"), (4, "P4")], label=_lazy("Priority"),
        distinct=False,
    )
    team = django_filters.ModelChoiceFilter(field_name="assignment_team",
                                            queryset=visible(Team), label=_lazy("Team"))
    assignee = django_filters.ModelChoiceFilter(queryset=visible_users,
                                                label=_lazy("Assignee"))
    requester = django_filters.ModelChoiceFilter(queryset=visible_users,
                                                 label=_lazy("Requester"))
    service = django_filters.ModelChoiceFilter(queryset=visible(Service),
                                               label=_lazy("Service"))
    customer = django_filters.ModelChoiceFilter(queryset=visible(Customer),
                                                label=_lazy("Customer"))
    is_open = django_filters.BooleanFilter(method="filter_open", label=_lazy("Open"))
    breached = django_filters.BooleanFilter(method="filter_breached", label=_lazy("Breached"))
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte",
                                                     label=_lazy("Created after"))
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt",
                                                      label=_lazy("Created before"))
    resolved_after = django_filters.IsoDateTimeFilter(field_name="resolved_at",
                                                      lookup_expr="gte",
                                                      label=_lazy("Resolved after"))
    resolved_before = django_filters.IsoDateTimeFilter(field_name="resolved_at",
                                                       lookup_expr="lt",
                                                       label=_lazy("Resolved before"))

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        upper = value.upper()
        if upper[:3] in NUMBER_PREFIX.values() and upper[3:].isdigit():
            return queryset.filter(number=upper)
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

    def filter_open(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        is_open = Q(resolved_at__isnull=True, closed_at__isnull=True)
        return queryset.filter(is_open) if value else queryset.exclude(is_open)

    def filter_breached(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        breached = Q(response_breached=True) | Q(resolution_breached=True)
        return queryset.filter(breached) if value else queryset.exclude(breached)
