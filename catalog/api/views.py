"""Read endpoints for the catalog.

Scoping is each model's `visible_to(user)`: desk roles read everything; a requester
reads the active services (to pick one when logging a ticket) and their own
customer, and gets an empty list (and 404 on detail) for teams, CIs, calendars and
SLAs, suppliers and contracts. The ownership report is for desk roles only (403 for
requesters).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from itsm.base.api.permissions import ScopedQuerysetMixin
from itsm.base.roles import is_staff_reader

from .. import acceptance, filters
from ..ownership import unowned
from . import serializers


class CatalogViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """List and retrieve by id; filter with django-filter, order by an allow-list."""

    ordering_fields = ("name", "id")
    ordering = ("name",)


class CustomerViewSet(CatalogViewSet):
    serializer_class = serializers.CustomerSerializer
    filterset_class = filters.CustomerFilterSet
    ordering_fields = ("name", "code", "id")


class TeamViewSet(CatalogViewSet):
    serializer_class = serializers.TeamSerializer
    filterset_class = filters.TeamFilterSet


class ServiceViewSet(CatalogViewSet):
    """Services; `go-live` moves one to live through its operational acceptance."""

    serializer_class = serializers.ServiceSerializer
    filterset_class = filters.ServiceFilterSet
    ordering_fields = ("name", "code", "id")

    @extend_schema(request=serializers.GoLiveSerializer,
                   responses={200: serializers.ServiceSerializer})
    @action(detail=True, methods=["post"], url_path="go-live")
    def go_live(self, request: Request, *args, **kwargs) -> Response:
        """Take the service live: refused (400, `lifecycle`) while it lacks something
        of its operational acceptance, unless a change manager gives `override_reason`
        (403 for anyone else); the override opens an improvement suggestion."""
        service = self.get_object()
        body = serializers.GoLiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        acceptance.go_live(service, actor=request.user,
                           override_reason=body.validated_data.get("override_reason", ""))
        return Response(self.get_serializer(self.get_queryset().get(pk=service.pk)).data)


class ServiceCategoryViewSet(CatalogViewSet):
    serializer_class = serializers.ServiceCategorySerializer
    filterset_class = filters.ServiceCategoryFilterSet
    ordering_fields = ("position", "name", "id")
    ordering = ("position", "name")


class RequestItemViewSet(CatalogViewSet):
    """What can be ordered; requesters see the active items of active services."""

    serializer_class = serializers.RequestItemSerializer
    filterset_class = filters.RequestItemFilterSet


class StandardChangeViewSet(CatalogViewSet):
    serializer_class = serializers.StandardChangeSerializer
    filterset_class = filters.StandardChangeFilterSet


class ServiceRevisionViewSet(CatalogViewSet):
    """The history of every service's documentation, newest first."""

    serializer_class = serializers.ServiceRevisionSerializer
    filterset_class = filters.ServiceRevisionFilterSet
    ordering_fields = ("created_at", "number", "id")
    ordering = ("-created_at", "-id")


class ConfigurationItemViewSet(CatalogViewSet):
    serializer_class = serializers.ConfigurationItemSerializer
    filterset_class = filters.ConfigurationItemFilterSet
    ordering_fields = ("name", "ci_type", "id")


class CalendarViewSet(CatalogViewSet):
    serializer_class = serializers.CalendarSerializer
    filterset_class = filters.CalendarFilterSet


class ServiceLevelAgreementViewSet(CatalogViewSet):
    serializer_class = serializers.ServiceLevelAgreementSerializer
    filterset_class = filters.ServiceLevelAgreementFilterSet


class SupplierViewSet(CatalogViewSet):
    serializer_class = serializers.SupplierSerializer
    filterset_class = filters.SupplierFilterSet


class UnderpinningContractViewSet(CatalogViewSet):
    serializer_class = serializers.UnderpinningContractSerializer
    filterset_class = filters.UnderpinningContractFilterSet
    ordering_fields = ("name", "valid_from", "valid_to", "id")


class IsStaffReader(BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_staff_reader(request.user)


class OwnershipReportView(APIView):
    """Every active service and CI without an owner team, every active service without
    an active SLA, and whether tickets that name no service have a triage team and a
    default SLA."""

    permission_classes = [IsAuthenticated, IsStaffReader]

    @extend_schema(responses=serializers.OwnershipReportSerializer)
    def get(self, request: Request) -> Response:
        return Response(serializers.OwnershipReportSerializer(unowned()).data)
