"""`/api/v1/problems/`: the core's ticket resource with the problem's serializers,
linking and unlinking incidents, resolving the open incidents of a resolved problem,
and `/api/v1/problems/candidates/`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, views
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from incidents.models import Incident
from itsm.api.views import TicketKindViewSet
from itsm.base import roles
from itsm.base.api.permissions import WorkersWrite
from itsm.filters import TicketFilterSet

from .. import candidates, services
from .serializers import (
    CandidateQuerySerializer,
    CandidateSerializer,
    IncidentNumberSerializer,
    ProblemCreateSerializer,
    ProblemSerializer,
    ProblemUpdateSerializer,
    ResolvedIncidentsSerializer,
    ResolveIncidentsSerializer,
)


class ProblemViewSet(TicketKindViewSet):
    """Problems. Open one (with the numbers of the incidents behind it), move it
    through investigation to known error and resolution by PATCH, link and unlink
    incidents, and resolve a resolved problem's open incidents. Agents and team leads
    work problems; managers read."""

    permission_classes = [*TicketKindViewSet.permission_classes, WorkersWrite]
    serializer_class = ProblemSerializer
    create_serializer_class = ProblemCreateSerializer
    update_serializer_class = ProblemUpdateSerializer
    filterset_class = TicketFilterSet

    def _incident(self, request: Request) -> Incident:
        body = IncidentNumberSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        number = body.validated_data["incident"].strip().upper()
        found = Incident.objects.visible_to(request.user).filter(number=number).first()
        if found is None:
            raise serializers.ValidationError(
                {"incident": [_("No incident %(numbers)s.") % {"numbers": number}]})
        return found

    @extend_schema(request=IncidentNumberSerializer, responses={200: ProblemSerializer})
    @action(detail=True, methods=["post"])
    def link(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        problem = self.get_object()
        services.link(problem, self._incident(request), actor=request.user)
        return self._render(problem)

    @extend_schema(request=IncidentNumberSerializer, responses={200: ProblemSerializer})
    @action(detail=True, methods=["post"])
    def unlink(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        problem = self.get_object()
        services.unlink(problem, self._incident(request), actor=request.user)
        return self._render(problem)

    @extend_schema(request=ResolveIncidentsSerializer,
                   responses={200: ResolvedIncidentsSerializer})
    @action(detail=True, methods=["post"], url_path="resolve-incidents")
    def resolve_incidents(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        problem = self.get_object()
        body = ResolveIncidentsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        done, refused = services.resolve_incidents(problem, actor=request.user,
                                                   note=body.validated_data["note"])
        return Response({"resolved": done, "not_resolved": refused})

    @extend_schema(request=IncidentNumberSerializer, responses={200: ProblemSerializer})
    @action(detail=True, methods=["post"], url_path="apply-workaround")
    def apply_workaround(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Link the incident and resolve it with the known error's workaround."""
        problem = self.get_object()
        services.apply_workaround(self._incident(request), problem, actor=request.user)
        return self._render(problem)


class CandidatesView(views.APIView):
    """Services, CIs and categories with at least `threshold` similar incidents in the
    last `days` days that belong to no problem; for the desk."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[
        OpenApiParameter("days", int, description="How far back (1–365, default 30)."),
        OpenApiParameter("threshold", int, description="Fewest incidents (default 5)."),
        OpenApiParameter("scope", str, enum=["service", "ci", "category"])],
        responses={200: CandidateSerializer(many=True)})
    def get(self, request: Request) -> Response:
        if not roles.is_staff_reader(request.user):
            raise exceptions.NotFound()
        query = CandidateQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        chosen = query.validated_data
        until = timezone.now()
        found = candidates.find(
            since=until - timedelta(days=chosen["days"]), until=until,
            threshold=chosen["threshold"],
            scopes=(chosen["scope"],) if chosen.get("scope") else tuple(candidates.SCOPES))
        return Response(CandidateSerializer(found, many=True).data)
