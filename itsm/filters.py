"""One FilterSet for the queue page and the API, for tickets of every kind.

`TicketFilterSet` filters what every ticket has; a process extends it with its own
fields (and its statuses). Every FilterSet filters the ticket table: a kind's list is
the ticket rows of its kind, and a filter on the kind's own field joins its table
(`incident__is_major`) only when it is used. Related objects are given by id or
natural key (a service or customer by code, a team or CI by name, a person by
username), and a value that is not one of them is a 400 naming the parameter, never
silently ignored.
"""

from __future__ import annotations

import re

import django_filters
from django.db.models import Q, QuerySet
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from catalog.models import ConfigurationItem, Customer, Service, ServiceCategory, Team

from . import registry
from .base.filters import KeyedModelChoiceFilter, StrictBooleanFilter
from .base.scoping import visible, visible_users
from .base.templatetags.ui import priority_label
from .choices import TicketKind
from .models import Outage, TaskStatus, Ticket

# A ticket number as people type it: its kind's three letters and the digits.
NUMBER = re.compile(r"^[A-Za-z]{3}\d{1,18}$")


# "P1" … "P4", in the reader's language.
PRIORITIES = [(p, lazy(priority_label, str)(p)) for p in (1, 2, 3, 4)]


class Queue:
    """Named queues an agent switches between."""

    OPEN = "open"
    MINE = "mine"
    MY_TEAMS = "my_teams"
    UNASSIGNED = "unassigned"
    UNCATEGORISED = "uncategorised"
    CHOICES = (
        (OPEN, _("All open")),
        (MINE, _("Assigned to me")),
        (MY_TEAMS, _("My teams")),
        (UNASSIGNED, _("Unassigned")),
        (UNCATEGORISED, _("To be categorised")),
    )


def kind_choices() -> list[tuple[str, str]]:
    return [(process.kind, process.label_plural) for process in registry.processes()]


def status_choices() -> list[tuple[str, str]]:
    """Every status of every registered workflow, once, in workflow order."""
    seen: dict[str, str] = {}
    for process in registry.processes():
        for value, label in process.workflow.statuses.choices:
            seen.setdefault(value, label)
    return list(seen.items())


class TicketFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    queue = django_filters.ChoiceFilter(choices=Queue.CHOICES, method="filter_queue",
                                        label=_("Queue"))
    # distinct=False on columns of the row itself: no duplicates can arise, and SELECT
    # DISTINCT would make the database gather every match before the first page.
    # Any kind of DESIGN.md §2, so a client may ask for one before its process exists.
    kind = django_filters.MultipleChoiceFilter(choices=TicketKind.choices, label=_("Kind"),
                                               distinct=False)
    status = django_filters.MultipleChoiceFilter(choices=status_choices, label=_("Status"),
                                                 distinct=False)
    priority = django_filters.MultipleChoiceFilter(choices=PRIORITIES, label=_("Priority"),
                                                   distinct=False)
    team = KeyedModelChoiceFilter(field_name="assignment_team", queryset=visible(Team),
                                  key="name", label=_("Team"))
    assignee = KeyedModelChoiceFilter(queryset=visible_users, key="username",
                                      label=_("Assignee"))
    requester = KeyedModelChoiceFilter(queryset=visible_users, key="username",
                                       label=_("Requester"))
    service = KeyedModelChoiceFilter(queryset=visible(Service), key="code", label=_("Service"))
    category = KeyedModelChoiceFilter(queryset=visible(ServiceCategory), key="code",
                                      label=_("Category"))
    configuration_item = KeyedModelChoiceFilter(queryset=visible(ConfigurationItem), key="name",
                                                label=_("Configuration item"))
    customer = KeyedModelChoiceFilter(queryset=visible(Customer), key="code",
                                      label=_("Customer"))
    is_open = StrictBooleanFilter(method="filter_open", label=_("Open"))
    breached = StrictBooleanFilter(method="filter_breached", label=_("Breached"))
    at_risk = StrictBooleanFilter(method="filter_at_risk", label=_("At SLA risk"))
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte",
                                                     label=_("Created after"))
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt",
                                                      label=_("Created before"))
    responded_after = django_filters.IsoDateTimeFilter(field_name="responded_at",
                                                       lookup_expr="gte",
                                                       label=_("Responded after"))
    resolved_after = django_filters.IsoDateTimeFilter(field_name="resolved_at",
                                                      lookup_expr="gte", label=_("Resolved after"))
    resolved_before = django_filters.IsoDateTimeFilter(field_name="resolved_at",
                                                       lookup_expr="lt", label=_("Resolved before"))

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """A number finds that ticket, whatever its kind; other text searches titles
        and descriptions."""
        value = value.strip()
        if not value:
            return queryset
        if NUMBER.match(value):
            return queryset.filter(number=value.upper())
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

    def filter_queue(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """A named queue is of open tickets, unless statuses are chosen: those then say
        which tickets (an agent ticking "Resolved" on "Assigned to me" wants theirs)."""
        user = self.request.user if self.request else None
        chosen = queryset if self.form.cleaned_data.get("status") else queryset.open()
        if value == Queue.OPEN:
            return chosen
        if value == Queue.UNCATEGORISED:
            return chosen.filter(service__isnull=True)
        if user is None or not user.is_authenticated:
            return queryset.none()
        if value == Queue.MINE:
            return chosen.filter(assignee=user)
        if value == Queue.MY_TEAMS:
            return chosen.filter(assignment_team__members=user)
        if value == Queue.UNASSIGNED:
            return chosen.filter(assignee__isnull=True)
        return queryset

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


    def filter_at_risk(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        """Open tickets warned of a clock that has not yet breached."""
        if value is None:
            return queryset
        return queryset.filter(AT_RISK) if value else queryset.exclude(AT_RISK)


# Warned of a running clock, not yet breached: what the desk can still save.
AT_RISK = Q(resolved_at__isnull=True, closed_at__isnull=True) & (
    Q(responded_at__isnull=True, response_warned=True, response_breached=False)
    | Q(resolution_warned=True, resolution_breached=False))


class TaskFilterSet(TicketFilterSet):
    """Tasks' filters, over the ticket table like every kind's (`task__…` for its own)."""

    status = django_filters.MultipleChoiceFilter(choices=TaskStatus.choices, label=_("Status"),
                                                 distinct=False)
    parent = django_filters.CharFilter(field_name="task__parent__number", lookup_expr="iexact",
                                       label=_("Parent ticket"))
    kind = None


class OutageFilterSet(django_filters.FilterSet):
    """Outages' filters, for the outage page and the API."""

    service = KeyedModelChoiceFilter(queryset=Service.objects.all(), key="code",
                                     label=_("Service"))
    planned = StrictBooleanFilter(label=_("Planned"))
    source = django_filters.ChoiceFilter(choices=Outage.Source.choices,
                                         label=_("Source"))
    ongoing = StrictBooleanFilter(field_name="ended_at", lookup_expr="isnull",
                                  label=_("Still going on"))
    started_after = django_filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="gte",
                                                     label=_("Started from"))
    started_before = django_filters.IsoDateTimeFilter(field_name="started_at",
                                                      lookup_expr="lt",
                                                      label=_("Started before"))

    class Meta:
        model = Outage
        fields = ("service", "planned", "source")
