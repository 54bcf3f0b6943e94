"""`/api/v1/changes/`: the core's ticket resource with the change's serializers, and
recording an incident the change caused."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.models import Incident
from itsm.api.views import TicketKindViewSet
from itsm.base.api.permissions import WorkersWrite
from itsm.filters import TicketFilterSet
from problems.api.serializers import IncidentNumberSerializer

from .. import services
from .serializers import ChangeCreateSerializer, ChangeSerializer, ChangeUpdateSerializer


class ChangeViewSet(TicketKindViewSet):
    """Changes. Log one (a standard one names its catalog template), move it through
    the workflow by PATCH (change managers authorise), and record the incidents it
    caused. Agents log and implement; managers read."""

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
