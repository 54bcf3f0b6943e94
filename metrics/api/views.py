"""`/api/v1/metrics/`: stored KPI values, the tickets behind one, and the dictionary;
`/api/v1/surveys/`: the satisfaction surveys that feed them.

Managers, team leads and administrators read the KPIs; anyone else gets 403. Nothing
here computes a KPI: the values are `metrics.compute`'s, read as stored.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from itsm.api.serializers import TicketSerializer
from itsm.api.views import ERROR_RESPONSES
from itsm.models import Ticket

from .. import compute, surveys
from ..definitions import BY_KEY, KPIS, Granularity
from ..filters import KpiValueFilterSet, SurveyFilterSet
from ..models import DIMENSION_CHOICES, GRANULARITY_CHOICES, Survey, may_read_kpis
from ..targets import Targets
from .serializers import (
    KpiDefinitionSerializer,
    KpiValueSerializer,
    SurveyAnswerSerializer,
    SurveySerializer,
)


class KpiReaders(BasePermission):
    message = _("Only managers, team leads and administrators read KPIs.")

    def has_permission(self, request, view) -> bool:
        return may_read_kpis(request.user)


class KpiValueViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """KPI values by period: filter by `kpi`, `granularity`, `dimension`, `key` and the
    period starts `from` and `to` (ISO dates, both included)."""

    permission_classes = (IsAuthenticated, KpiReaders)
    serializer_class = KpiValueSerializer
    filterset_class = KpiValueFilterSet
    ordering_fields = ("kpi", "granularity", "dimension", "key", "period_start", "value")
    ordering = ("kpi", "granularity", "dimension", "key", "period_start")

    def get_queryset(self):
        return KpiValueSerializer.Meta.model.objects.visible_to(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "targets": Targets()}

    @extend_schema(responses={200: KpiValueSerializer(many=True), **ERROR_RESPONSES})
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)


class DrillDownSerializer(serializers.Serializer):
    """Which value's tickets: its period, granularity and slice."""

    period_start = serializers.DateField()
    granularity = serializers.ChoiceField(choices=GRANULARITY_CHOICES,
                                          default=Granularity.MONTH)
    dimension = serializers.ChoiceField(choices=DIMENSION_CHOICES, default="overall")
    key = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["dimension"] != "overall" and not attrs["key"]:
            raise serializers.ValidationError({"key": _(
                "Give the key of the slice: the id of the service, team or customer, the "
                "priority or the channel.")})
        return attrs


class KpiTicketsView(generics.ListAPIView):
    """The tickets behind one value (`…/kpis/mttr/tickets/?period_start=2026-03-01&
    granularity=month&dimension=service&key=3`): those its figure counts, newest
    first."""

    permission_classes = (IsAuthenticated, KpiReaders)
    serializer_class = TicketSerializer
    filter_backends = ()

    def get_queryset(self):
        kpi = BY_KEY.get(self.kwargs["kpi"])
        if kpi is None:
            raise Http404
        asked = DrillDownSerializer(data=self.request.query_params)
        asked.is_valid(raise_exception=True)
        dimension = asked.validated_data["dimension"]
        key = "" if dimension == "overall" else asked.validated_data["key"]
        behind = compute.tickets_behind(kpi, asked.validated_data["granularity"],
                                        asked.validated_data["period_start"],
                                        asked.validated_data["dimension"], key)
        return (Ticket.objects.visible_to(self.request.user).filter(pk__in=behind.values("pk"))
                .order_by("-created_at", "-id"))

    @extend_schema(parameters=[DrillDownSerializer],
                   responses={200: TicketSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class KpiDefinitionsView(APIView):
    """The metric dictionary: every KPI's meaning, unit, direction and coverage."""

    permission_classes = (IsAuthenticated, KpiReaders)

    @extend_schema(responses={200: KpiDefinitionSerializer(many=True), **ERROR_RESPONSES})
    def get(self, request: Request) -> Response:
        return Response(KpiDefinitionSerializer(KPIS, many=True).data)


class SurveyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Satisfaction surveys (`/api/v1/surveys/`): the desk reads every one, a requester
    their own. `PATCH {"rating": 1–5, "comment": "…"}` answers (the survey's requester
    only, while it is open; a later answer replaces the earlier)."""

    permission_classes = (IsAuthenticated,)
    serializer_class = SurveySerializer
    filterset_class = SurveyFilterSet
    ordering_fields = ("sent_at", "answered_at", "rating")
    ordering = ("-sent_at", "-id")
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return (Survey.objects.visible_to(self.request.user)
                .select_related("ticket__service", "ticket__assignment_team", "requester"))

    @extend_schema(request=SurveyAnswerSerializer,
                   responses={200: SurveySerializer, **ERROR_RESPONSES})
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        survey = self.get_object()
        if survey.requester_id != request.user.pk:
            raise PermissionDenied(_("Only the requester who was asked answers a survey."))
        answer = SurveyAnswerSerializer(data=request.data)
        answer.is_valid(raise_exception=True)
        survey = surveys.answer(survey, **answer.validated_data)
        return Response(SurveySerializer(self.get_queryset().get(pk=survey.pk),
                                         context=self.get_serializer_context()).data)
