"""FilterSets for the catalog, shared by the API and any catalog page."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from itsm.base.scoping import visible, visible_users

from .models import (
    Calendar,
    ChangeRisk,
    CIRelationKind,
    CIType,
    ConfigurationItem,
    Criticality,
    Customer,
    Lifecycle,
    MeetingCadence,
    RequestItem,
    Service,
    ServiceCategory,
    ServiceLevelAgreement,
    ServiceRevision,
    ServiceType,
    StandardChange,
    Supplier,
    Team,
    UnderpinningContract,
)


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
    meeting_cadence = django_filters.MultipleChoiceFilter(choices=MeetingCadence.choices,
                                                          label=_("Meeting cadence"))

    class Meta:
        model = Team
        fields: list[str] = []


class ServiceFilterSet(CatalogFilterSet):
    search_fields = ("name", "code", "description")

    owner_team = django_filters.ModelChoiceFilter(queryset=visible(Team),
                                                  label=_("Owner team"))
    service_type = django_filters.MultipleChoiceFilter(choices=ServiceType.choices,
                                                       label=_("Type"))
    criticality = django_filters.MultipleChoiceFilter(choices=Criticality.choices,
                                                      label=_("Criticality"))
    lifecycle = django_filters.MultipleChoiceFilter(choices=Lifecycle.choices,
                                                    label=_("Lifecycle state"))
    category = django_filters.ModelChoiceFilter(queryset=visible(ServiceCategory),
                                                label=_("Category"))

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
    relation_kind = django_filters.ChoiceFilter(field_name="relations_out__kind",
                                                choices=CIRelationKind.choices,
                                                label=_("Has relation of kind"),
                                                distinct=True)

    class Meta:
        model = ConfigurationItem
        fields: list[str] = []


class SupplierFilterSet(CatalogFilterSet):
    search_fields = ("name", "contact_email", "notes")

    class Meta:
        model = Supplier
        fields: list[str] = []


class UnderpinningContractFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    supplier = django_filters.ModelChoiceFilter(queryset=visible(Supplier),
                                                label=_("Supplier"))
    service = django_filters.ModelChoiceFilter(queryset=visible(Service), label=_("Service"))

    class Meta:
        model = UnderpinningContract
        fields: list[str] = []

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(reference__icontains=value))


class ServiceCategoryFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains",
                                  label=_("Search"))

    class Meta:
        model = ServiceCategory
        fields: list[str] = []


class RequestItemFilterSet(CatalogFilterSet):
    search_fields = ("name", "description")

    service = django_filters.ModelChoiceFilter(queryset=visible(Service), label=_("Service"))
    fulfilment_team = django_filters.ModelChoiceFilter(queryset=visible(Team),
                                                       label=_("Fulfilment team"))
    requires_approval = django_filters.BooleanFilter(
        method="filter_requires_approval", label=_("Requires approval"))

    class Meta:
        model = RequestItem
        fields: list[str] = []

    def filter_requires_approval(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        """Items with approval steps (true) or without (false)."""
        return queryset.filter(approval_steps__isnull=not value).distinct()


class StandardChangeFilterSet(CatalogFilterSet):
    search_fields = ("name", "description")

    service = django_filters.ModelChoiceFilter(queryset=visible(Service), label=_("Service"))
    risk = django_filters.MultipleChoiceFilter(choices=ChangeRisk.choices, label=_("Risk"))

    class Meta:
        model = StandardChange
        fields: list[str] = []


class ServiceRevisionFilterSet(django_filters.FilterSet):
    service = django_filters.ModelChoiceFilter(queryset=visible(Service), label=_("Service"))
    author = django_filters.ModelChoiceFilter(queryset=visible_users, label=_("Author"))
    saved_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte",
                                                   label=_("Saved at or after"))

    class Meta:
        model = ServiceRevision
        fields: list[str] = []


class CalendarFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains",
                                  label=_("Search"))
    time_zone = django_filters.CharFilter(label=_("Time zone"))

    class Meta:
        model = Calendar
        fields = ("is_default",)


class ServiceLevelAgreementFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains",
                                  label=_("Search"))
    service = django_filters.ModelChoiceFilter(queryset=visible(Service), label=_("Service"))
    customer = django_filters.ModelChoiceFilter(queryset=visible(Customer),
                                                label=_("Customer"))
    calendar = django_filters.ModelChoiceFilter(queryset=visible(Calendar),
                                                label=_("Calendar"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = ServiceLevelAgreement
        fields: list[str] = []
