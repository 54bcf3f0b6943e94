"""One FilterSet for the incident queue page and the incident API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from catalog.models import ConfigurationItem, Customer, Service, ServiceCategory, Team
from itsm.base.scoping import visible, visible_users

from .choices import IncidentStatus
from .models import Incident


class Queue:
    """Named queues an agent switches between."""

    MINE = "mine"
    MY_TEAMS = "my_teams"
    UNASSIGNED = "unassigned"
    OPEN = "open"
    CHOICES = (
        (OPEN, _("All open")),
        (MINE, _("Assigned to me")),
        (MY_TEAMS, _("My teams")),
        (UNASSIGNED, _("Unassigned")),
    )


class IncidentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    queue = django_filters.ChoiceFilter(choices=Queue.CHOICES, method="filter_queue",
                                        label=_("Queue"))
    # distinct=False: these are columns of the row itself, so no duplicates can arise, and
    # SELECT DISTINCT would make the database gather every match before the first page.
    status = django_filters.MultipleChoiceFilter(choices=IncidentStatus.choices,
                                                 label=_("Status"), distinct=False)
    priority = django_filters.MultipleChoiceFilter(
        choices=[(1, "P1"), (2, "P2"), (3, "P3"), (4, "P4")], label=_("Priority"),
        distinct=False,
    )
    team = django_filters.ModelChoiceFilter(field_name="assignment_team",
                                            queryset=visible(Team), label=_("Team"))
    assignee = django_filters.ModelChoiceFilter(queryset=visible_users,
                                                label=_("Assignee"))
    service = django_filters.ModelChoiceFilter(queryset=visible(Service),
                                               label=_("Service"))
    category = django_filters.ModelChoiceFilter(queryset=visible(ServiceCategory),
                                                label=_("Category"))
    configuration_item = django_filters.ModelChoiceFilter(
        queryset=visible(ConfigurationItem), label=_("Configuration item")
    )
    customer = django_filters.ModelChoiceFilter(queryset=visible(Customer),
                                                label=_("Customer"))
    breached = django_filters.BooleanFilter(method="filter_breached", label=_("Breached"))
    is_major = django_filters.BooleanFilter(label=_("Major incident"))
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte",
                                                     label=_("Created after"))
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt",
                                                      label=_("Created before"))
    resolved_after = django_filters.IsoDateTimeFilter(field_name="resolved_at",
                                                      lookup_expr="gte", label=_("Resolved after"))
    resolved_before = django_filters.IsoDateTimeFilter(field_name="resolved_at",
                                                       lookup_expr="lt", label=_("Resolved before"))

    class Meta:
        model = Incident
        fields: list[str] = []

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        if value.upper().startswith("INC") and value[3:].isdigit():
            return queryset.filter(number=value.upper())
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

    def filter_queue(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        user = self.request.user if self.request else None
        if value == Queue.OPEN:
            return queryset.open()
        if user is None or not user.is_authenticated:
            return queryset.none()
        if value == Queue.MINE:
            return queryset.open().filter(assignee=user)
        if value == Queue.MY_TEAMS:
            return queryset.open().filter(assignment_team__members=user)
        if value == Queue.UNASSIGNED:
            return queryset.open().filter(assignee__isnull=True)
        return queryset

    def filter_breached(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        breached = Q(response_breached=True) | Q(resolution_breached=True)
        return queryset.filter(breached) if value else queryset.exclude(breached)
