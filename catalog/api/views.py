"""Read endpoints for the catalog.

Scoping is each model's `visible_to(user)`: desk roles read everything; a requester
reads the active services (to pick one when logging a ticket) and their own
customer, and gets an empty list (and 404 on detail) for teams, CIs, calendars and
SLAs, suppliers and contracts. The ownership report is for desk roles only (403 for
requesters).
"""

from __future__ import annotations

from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from itsm.base.api.filters import StrictOrderingFilter
from itsm.base.api.permissions import ScopedQuerysetMixin
from itsm.base.roles import is_staff_reader

from .. import filters
from ..models import (
    Calendar,
    CIRelation,
    ConfigurationItem,
    Customer,
    RequestItem,
    Service,
    ServiceCategory,
    ServiceLevelAgreement,
    ServiceRevision,
    StandardChange,
    Supplier,
    SupportLevel,
    Team,
    UnderpinningContract,
)
from ..ownership import unowned
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
    prefetch_related = ("members", "owned_services", "owned_cis")


class ServiceViewSet(CatalogViewSet):
    model = Service
    serializer_class = serializers.ServiceSerializer
    filterset_class = filters.ServiceFilterSet
    select_related = ("owner_team", "category")
    prefetch_related = ("depends_on", Prefetch(
        "support_levels", SupportLevel.objects.select_related("team", "supplier")))
    ordering_fields = ("name", "code", "id")


class ServiceCategoryViewSet(CatalogViewSet):
    model = ServiceCategory
    serializer_class = serializers.ServiceCategorySerializer
    filterset_class = filters.ServiceCategoryFilterSet
    ordering_fields = ("position", "name", "id")
    ordering = ("position", "name")


class RequestItemViewSet(CatalogViewSet):
    """What can be ordered; requesters see the active items of active services."""

    model = RequestItem
    serializer_class = serializers.RequestItemSerializer
    filterset_class = filters.RequestItemFilterSet
    select_related = ("service", "fulfilment_team")


class StandardChangeViewSet(CatalogViewSet):
    model = StandardChange
    serializer_class = serializers.StandardChangeSerializer
    filterset_class = filters.StandardChangeFilterSet
    select_related = ("service",)


class ServiceRevisionViewSet(CatalogViewSet):
    """The history of every service's documentation, newest first."""

    model = ServiceRevision
    serializer_class = serializers.ServiceRevisionSerializer
    filterset_class = filters.ServiceRevisionFilterSet
    select_related = ("service", "author")
    join_related = ("author",)
    ordering_fields = ("created_at", "number", "id")
    ordering = ("-created_at", "-id")


class ConfigurationItemViewSet(CatalogViewSet):
    model = ConfigurationItem
    serializer_class = serializers.ConfigurationItemSerializer
    filterset_class = filters.ConfigurationItemFilterSet
    select_related = ("owner_team",)
    prefetch_related = ("services", Prefetch("relations_out",
                                             CIRelation.objects.select_related("target")))
    ordering_fields = ("name", "ci_type", "id")


class CalendarViewSet(CatalogViewSet):
    model = Calendar
    serializer_class = serializers.CalendarSerializer
    filterset_class = filters.CalendarFilterSet
    prefetch_related = ("periods", "holidays")


class ServiceLevelAgreementViewSet(CatalogViewSet):
    model = ServiceLevelAgreement
    serializer_class = serializers.ServiceLevelAgreementSerializer
    filterset_class = filters.ServiceLevelAgreementFilterSet
    select_related = ("service", "customer", "calendar")
    join_related = ("service", "customer", "calendar")
    prefetch_related = ("targets",)


class SupplierViewSet(CatalogViewSet):
    model = Supplier
    serializer_class = serializers.SupplierSerializer
    filterset_class = filters.SupplierFilterSet


class UnderpinningContractViewSet(CatalogViewSet):
    model = UnderpinningContract
    serializer_class = serializers.UnderpinningContractSerializer
    filterset_class = filters.UnderpinningContractFilterSet
    select_related = ("supplier", "service")
    prefetch_related = ("targets",)
    ordering_fields = ("name", "valid_from", "valid_to", "id")


class IsStaffReader(BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_staff_reader(request.user)


class OwnershipReportView(APIView):
    """Every active service and CI without an owner team, and every active service
    without an active SLA."""

    permission_classes = [IsAuthenticated, IsStaffReader]

    @extend_schema(responses=serializers.OwnershipReportSerializer)
    def get(self, request: Request) -> Response:
        return Response(serializers.OwnershipReportSerializer(unowned()).data)
