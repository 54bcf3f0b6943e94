"""List plumbing shared by every API: strict ordering and the all-kinds ticket filter."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

from catalog.models import Customer, Service, Team
from itsm.choices import NUMBER_PREFIX, TicketKind
from itsm.models import Ticket, User


class StrictOrderingFilter(OrderingFilter):
    """`?ordering=` from the view's explicit allow-list; an unknown field is a 400.

    DRF silently drops unknown terms, so a typo returns rows in an order the client
    did not ask for. A tiebreaker on the primary key keeps pages stable.
    """

    def get_ordering(self, request, queryset: QuerySet, view) -> list[str]:
        allowed = {name for name, _label in self.get_valid_fields(queryset, view,
                                                                  {"request": request})}
        raw = request.query_params.get(self.ordering_param)
        if raw:
            terms = [term.strip() for term in raw.split(",") if term.strip()]
            unknown = [term for term in terms if term.lstrip("-") not in allowed]
            if unknown:
                raise ValidationError({self.ordering_param: [
                    _("Cannot order by %(fields)s. Choose from: %(allowed)s.")
                    % {"fields": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))}
                ]})
        else:
            terms = list(self.get_default_ordering(view) or ())
        tiebreaker = getattr(view, "ordering_tiebreaker", "pk")
        if terms and not any(term.lstrip("-") in {"pk", "id"} for term in terms):
            terms.append(tiebreaker)
        return terms

    def get_valid_fields(self, queryset, view, context=None):
        if getattr(view, "ordering_fields", None) in (None, "__all__"):
            raise AssertionError(f"{view.__class__.__name__} needs an explicit ordering_fields")
        return super().get_valid_fields(queryset, view, context or {})


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
                                            queryset=Team.objects.all(), label=_lazy("Team"))
    assignee = django_filters.ModelChoiceFilter(queryset=User.objects.all(),
                                                label=_lazy("Assignee"))
    requester = django_filters.ModelChoiceFilter(queryset=User.objects.all(),
                                                 label=_lazy("Requester"))
    service = django_filters.ModelChoiceFilter(queryset=Service.objects.all(),
                                               label=_lazy("Service"))
    customer = django_filters.ModelChoiceFilter(queryset=Customer.objects.all(),
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
