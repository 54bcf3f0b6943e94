"""FilterSets of the KPI values, shared by the API and the dashboards."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import DIMENSION_CHOICES, GRANULARITY_CHOICES, KPI_CHOICES, KpiValue, Survey


class KpiValueFilterSet(django_filters.FilterSet):
    """`?kpi=mttr&granularity=month&dimension=service&key=3&from=2026-01-01&to=…`;
    `from` and `to` bound the period starts (both included)."""

    kpi = django_filters.MultipleChoiceFilter(choices=KPI_CHOICES, label=_("KPI"),
                                              distinct=False)  # no joins to repeat rows
    granularity = django_filters.ChoiceFilter(choices=GRANULARITY_CHOICES,
                                              label=_("Granularity"))
    dimension = django_filters.ChoiceFilter(choices=DIMENSION_CHOICES, label=_("Dimension"))
    key = django_filters.CharFilter(label=_("Key"),
                                    help_text=_("The id of the service, team or customer, "
                                                "the priority or the channel."))
    period_from = django_filters.DateFilter(field_name="period_start", lookup_expr="gte",
                                            label=_("From"))
    period_to = django_filters.DateFilter(field_name="period_start", lookup_expr="lte",
                                          label=_("To"))

    class Meta:
        model = KpiValue
        fields = ("kpi", "granularity", "dimension", "key")


# `from` and `to` are the API's names (DESIGN.md §6); `from` is a Python keyword, so the
# filters are declared under other names and renamed here (each names its field).
for _outer, _inner in (("from", "period_from"), ("to", "period_to")):
    KpiValueFilterSet.base_filters[_outer] = KpiValueFilterSet.base_filters.pop(_inner)


class SurveyFilterSet(django_filters.FilterSet):
    """`?answered=true&rating_max=2&service=3&team=2&ticket=INC0000042&answered_after=…`."""

    answered = django_filters.BooleanFilter(field_name="answered_at", lookup_expr="isnull",
                                            exclude=True, label=_("Answered"))
    rating = django_filters.NumberFilter(label=_("Rating"))
    rating_max = django_filters.NumberFilter(field_name="rating", lookup_expr="lte",
                                             label=_("Rating at most"))
    ticket = django_filters.CharFilter(field_name="ticket__number", label=_("Ticket"))
    service = django_filters.NumberFilter(field_name="ticket__service", label=_("Service"))
    team = django_filters.NumberFilter(field_name="ticket__assignment_team", label=_("Team"))
    customer = django_filters.NumberFilter(field_name="ticket__customer", label=_("Customer"))
    answered_after = django_filters.IsoDateTimeFilter(field_name="answered_at",
                                                      lookup_expr="gte",
                                                      label=_("Answered from"))
    answered_before = django_filters.IsoDateTimeFilter(field_name="answered_at",
                                                       lookup_expr="lt",
                                                       label=_("Answered before"))

    class Meta:
        model = Survey
        fields: list[str] = []
