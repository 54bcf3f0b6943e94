"""`/api/v1/changes/`: the core's ticket resource with the change's serializers, and
recording an incident the change caused."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.models import Incident
from itsm.api import approvals as approval_api
from itsm.api.views import TicketKindViewSet
from itsm.base.api.permissions import WorkersWrite
from itsm.filters import TicketFilterSet
from problems.api.serializers import IncidentNumberSerializer

from .. import approvals, conflicts, services
from ..models import ChangeApproval
from .serializers import (
    ChangeApprovalSerializer,
    ChangeCreateSerializer,
    ChangeSerializer,
    ChangeUpdateSerializer,
    NextSlotMoveSerializer,
    NextSlotSerializer,
)


class ChangeViewSet(TicketKindViewSet):
    """Changes. Log one (a standard one names its catalog template), move it through
    the workflow by PATCH (its approval steps authorise it: `approvals/`), and record
    the incidents it caused. Agents log and implement; managers read."""

    permission_classes = [*TicketKindViewSet.permission_classes, WorkersWrite]
    serializer_class = ChangeSerializer
    create_serializer_class = ChangeCreateSerializer
    update_serializer_class = ChangeUpdateSerializer
    filterset_class = TicketFilterSet

    @extend_schema(request=IncidentNumberSerializer, responses={200: ChangeSerializer})
    @action(detail=True, methods=["post"])
    def caused(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record an incident as caused by this change."""
        change = self.get_object()
        body = IncidentNumberSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        number = body.validated_data["incident"].strip().upper()
        incident = Incident.objects.visible_to(request.user).filter(number=number).first()
        if incident is None:
            raise serializers.ValidationError(
                {"incident": [_("No incident %(numbers)s.") % {"numbers": number}]})
        services.record_cause(change, incident, actor=request.user)
        return self._render(change)

    @extend_schema(methods=["GET"], request=None, responses={200: NextSlotSerializer})
    @extend_schema(methods=["POST"], request=NextSlotMoveSerializer,
                   responses={200: ChangeSerializer})
    @action(detail=True, methods=["get", "post"], url_path="next-slot")
    def next_slot(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """GET: the earliest window as long as its planned one, within 90 days, with no
        conflict (null start and end if there is none); nothing is written. POST: move
        the change there (an edit of its window, with its history; send the `version`
        you read) and return the change; a 400 on `planned_start` if there is none."""
        change = self.get_object()
        if request.method == "GET":
            slot = conflicts.next_free_slot(change)
            return Response(NextSlotSerializer(
                {"start": slot[0] if slot else None, "end": slot[1] if slot else None}).data)
        body = NextSlotMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            slot = services.move_to_next_slot(change, actor=request.user,
                                              expected_version=body.validated_data.get(
                                                  "version"))
        if slot is None:
            raise serializers.ValidationError({"planned_start": [_(
                "No free window in the next 90 days.")]})
        return self._render(change)


class ChangeApprovalViewSet(approval_api.ApprovalViewSet):
    """Change approvals that are yours to decide (as approver, or as the delegate of
    someone away), and approve / reject with a comment; the last approval of a change
    schedules it."""

    engine = approvals
    serializer_class = ChangeApprovalSerializer
    queryset = ChangeApproval.objects.none()  # the schema's; get_queryset scopes each request
