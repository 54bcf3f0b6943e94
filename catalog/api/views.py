"""Read endpoints for the catalog.

Scoping is each model's `visible_to(user)`: desk roles read everything; a requester
reads the active services (to pick one when logging a ticket) and their own
customer, and gets an empty list (and 404 on detail) for teams, CIs, calendars and
SLAs.
"""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets

from itsm.api.filters import StrictOrderingFilter
from itsm.api.permissions import ScopedQuerysetMixin

from .. import filters
from ..models import Calendar, ConfigurationItem, Customer, Service, ServiceLevelAgreement, Team
from . import serializers


class CatalogViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """List and retrieve by id; filter with django-filter, order by an allow-list."""

    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    ordering_fields = ("name", "id")
    ordering = ("name",)


class CustomerViewSet(CatalogViewSet):
    model = Customer
    serializer_class = serializers.CustomerSerializer
    filterset_class = filters.CustomerFilterSet
    ordering_fields = ("name", "code", "id")


class TeamViewSet(CatalogViewSet):
    model = Team
    serializer_class = serializers.TeamSerializer
    filterset_class = filters.TeamFilterSet
    select_related = ("lead",)
    prefetch_related = ("members",)


class ServiceViewSet(CatalogViewSet):
    model = Service
    serializer_class = serializers.ServiceSerializer
    filterset_class = filters.ServiceFilterSet
    select_related = ("owner_team",)
    ordering_fields = ("name", "code", "id")


class ConfigurationItemViewSet(CatalogViewSet):
    model = ConfigurationItem
    serializer_class = serializers.ConfigurationItemSerializer
    filterset_class = filters.ConfigurationItemFilterSet
    select_related = ("owner_team",)
    prefetch_related = ("services",)
    ordering_fields = ("name", "ci_type", "id")


class CalendarViewSet(CatalogViewSet):
    model = Calendar
    serializer_class = serializers.CalendarSerializer
    prefetch_related = ("periods", "holidays")


class ServiceLevelAgreementViewSet(CatalogViewSet):
    model = ServiceLevelAgreement
    serializer_class = serializers.ServiceLevelAgreementSerializer
    select_related = ("service", "customer", "calendar")
    join_related = ("service", "customer", "calendar")
    prefetch_related = ("targets",)
