"""`/api/v1/incidents/`: list, log, read by number, and PATCH through the workflow.

Every write is checked against the version the client read: `version` in the body
(stale: 409 Conflict) or `If-Match: "<version>"` (stale: 412 Precondition Failed);
a PATCH with neither is 428 Precondition Required naming `version`. The whole PATCH
is one transaction, so a refused status change also undoes the field edits sent
with it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from itsm.api.views import (
    ERROR_RESPONSES,
    LIST_FILTER_BACKENDS,
    TICKET_ORDERING_FIELDS,
    check_version,
    etag,
    if_match_version,
    require_mapping,
)
from itsm.base import roles
from itsm.base.api.parsers import GuardedJSONParser
from itsm.base.api.permissions import ScopedQuerysetMixin, TicketAccess
from itsm.converters import TICKET_NUMBER_REGEX

from ..filters import IncidentFilterSet
from ..models import Incident
from .serializers import (
    REQUESTER_PATCH_FIELDS,
    IncidentCreateSerializer,
    IncidentSerializer,
    IncidentUpdateSerializer,
)

IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description=_lazy('The ETag you read, e.g. "3"; instead of `version` in the body.'),
)
WRITE_RESPONSES = {
    **ERROR_RESPONSES,
    409: OpenApiResponse(description=_lazy(
        "`version` is stale: someone changed the incident. The body has `current_version`.")),
    412: OpenApiResponse(description=_lazy(
        "If-Match is stale: someone changed the incident. The body has `current_version`.")),
    428: OpenApiResponse(description=_lazy("Neither `version` nor If-Match was sent.")),
}


class IncidentViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    """Incidents the user may see. No PUT and no DELETE: incidents are cancelled or
    closed through their status, never removed."""

    model = Incident
    serializer_class = IncidentSerializer
    select_related = IncidentSerializer.select_related
    join_related = IncidentSerializer.join_related
    list_select_related = ()  # the list serializer reads every relation in brief
    permission_classes = [TicketAccess]
    parser_classes = [GuardedJSONParser]
    lookup_field = "number"
    lookup_value_regex = TICKET_NUMBER_REGEX
    filter_backends = LIST_FILTER_BACKENDS
    filterset_class = IncidentFilterSet
    ordering_fields = TICKET_ORDERING_FIELDS
    ordering = ("-created_at",)
    ordering_tiebreaker = "-id"

    def _render(self, incident: Incident, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=incident.pk)  # joined, as a list row would be
        headers = {"ETag": etag(fresh)}
        if status_code == status.HTTP_201_CREATED:
            headers["Location"] = reverse("incidents-api:incident-detail",
                                          kwargs={"number": fresh.number})
        return Response(self.get_serializer(fresh).data, status=status_code, headers=headers)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incident = self.get_object()
        return Response(self.get_serializer(incident).data, headers={"ETag": etag(incident)})

    @extend_schema(request=IncidentCreateSerializer,
                   responses={201: IncidentSerializer, **ERROR_RESPONSES})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = IncidentCreateSerializer(data=require_mapping(request.data),
                                              context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            incident = serializer.save()
        return self._render(incident, status.HTTP_201_CREATED)

    @extend_schema(request=IncidentUpdateSerializer, parameters=[IF_MATCH],
                   responses={200: IncidentSerializer, **WRITE_RESPONSES})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incident = self.get_object()
        payload = require_mapping(request.data)
        if not roles.is_worker(request.user):
            refused = sorted(set(payload) - REQUESTER_PATCH_FIELDS)
            if refused:
                raise PermissionDenied(
                    _("You may only close or reopen your incident; not change %(fields)s.")
                    % {"fields": ", ".join(refused)}
                )
        if_match = if_match_version(request)
        serializer = IncidentUpdateSerializer(incident, data=payload, partial=True,
                                              context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            current = Incident.objects.select_for_update().get(pk=incident.pk)
            check_version(current, if_match=if_match,
                          body_version=serializer.validated_data.get("version"))
            serializer.instance = current
            serializer.save()
        return self._render(current)
