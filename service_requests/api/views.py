"""`/api/v1/requests/`: orders through the core's ticket resource with the request's
serializers, and `/api/v1/requests/approvals/`: what waits for the caller's decision,
with approve and reject."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from itsm.api.views import TicketKindViewSet
from itsm.base.api.parsers import GuardedJSONParser
from itsm.filters import TicketFilterSet

from .. import approvals
from ..models import Approval
from .serializers import (
    ApprovalSerializer,
    DecisionSerializer,
    ServiceRequestCreateSerializer,
    ServiceRequestSerializer,
    ServiceRequestUpdateSerializer,
    service_errors,
)


class ServiceRequestViewSet(TicketKindViewSet):
    """Requests the user may see. Order one by POSTing an item and its answers; no PUT
    and no DELETE: a request is cancelled or closed through its status."""

    serializer_class = ServiceRequestSerializer
    create_serializer_class = ServiceRequestCreateSerializer
    update_serializer_class = ServiceRequestUpdateSerializer
    filterset_class = TicketFilterSet


@extend_schema(parameters=[OpenApiParameter(
    "state", str, enum=["waiting", "decided"],
    description="waiting (default): what waits for your decision; decided: what you "
                "decided.")])
class ApprovalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    """Approvals that are yours to decide (as approver, or as the delegate of someone
    away), and approve / reject with a comment."""

    serializer_class = ApprovalSerializer
    queryset = Approval.objects.none()  # the schema's; get_queryset scopes every request
    permission_classes = [IsAuthenticated]
    parser_classes = [GuardedJSONParser]
    filter_backends: list = []  # the list is what waits (or was decided), soonest due first

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        if getattr(self, "action", None) == "list" and \
                self.request.query_params.get("state") == "decided":
            found = approvals.decided_by(user)
        elif getattr(self, "action", None) == "list":
            found = approvals.waiting_for(user)
        else:
            found = Approval.objects.for_user(user) | Approval.objects.filter(decided_by=user)
        return found.select_related(*ApprovalSerializer.Meta.select_related).distinct()

    def _decide(self, request: Request, approve: bool) -> Response:
        approval = self.get_object()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            approvals.decide(approval, user=request.user, approve=approve,
                             comment=body.validated_data.get("comment", ""))
        except PermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(service_errors(exc)) from exc
        approval.refresh_from_db()
        return Response(self.get_serializer(approval).data)

    @extend_schema(request=DecisionSerializer, responses={200: ApprovalSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._decide(request, True)

    @extend_schema(request=DecisionSerializer, responses={200: ApprovalSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._decide(request, False)
