"""`/api/v1/incidents/`: the core's ticket resource with the incident's serializers."""

from __future__ import annotations

from itsm.api.views import TicketKindViewSet

from ..filters import IncidentFilterSet
from .serializers import IncidentCreateSerializer, IncidentSerializer, IncidentUpdateSerializer


class IncidentViewSet(TicketKindViewSet):
    """Incidents the user may see. No PUT and no DELETE: incidents are cancelled or
    closed through their status, never removed."""

    serializer_class = IncidentSerializer
    create_serializer_class = IncidentCreateSerializer
    update_serializer_class = IncidentUpdateSerializer
    filterset_class = IncidentFilterSet
