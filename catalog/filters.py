"""FilterSets for the catalog, shared by the API and any catalog page."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from itsm.api.filters import visible, visible_users

from .models import CIType, ConfigurationItem, Customer, Service, Team


class CatalogFilterSet(django_filters.FilterSet):
    """`q` searches the fields named in `search_fields`; `is_active` on every model."""

    search_fields: tuple[str, ...] = ("name",)

    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        match = Q()
        for field in self.search_fields:
            match |= Q(**{f"{field}__icontains": value})
        return queryset.filter(match)


class CustomerFilterSet(CatalogFilterSet):
    search_fields = ("name", "code")

    class Meta:
        model = Customer
        fields = ("share_tickets",)


class TeamFilterSet(CatalogFilterSet):
    search_fields = ("name", "email")

    member = django_filters.ModelChoiceFilter(field_name="members", queryset=visible_users,
                                              label=_("Member"))
    lead = django_filters.ModelChoiceFilter(queryset=visible_users, label=_("Lead"))

    class Meta:
        model = Team
        fields: list[str] = []


class ServiceFilterSet(CatalogFilterSet):
    search_fields = ("name", "code", "description")

    owner_team = django_filters.ModelChoiceFilter(queryset=visible(Team),
                                                  label=_("Owner team"))

    class Meta:
        model = Service
        fields: list[str] = []


class ConfigurationItemFilterSet(CatalogFilterSet):
    ci_type = django_filters.MultipleChoiceFilter(choices=CIType.choices, label=_("Type"),
                                                  distinct=False)
    owner_team = django_filters.ModelChoiceFilter(queryset=visible(Team),
                                                  label=_("Owner team"))
    service = django_filters.ModelChoiceFilter(field_name="services",
                                               queryset=visible(Service),
                                               label=_("Supports service"))

    class Meta:
        model = ConfigurationItem
        fields: list[str] = []
