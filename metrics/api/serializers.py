"""What the metrics API returns: stored KPI values with their target, the dictionary,
and the satisfaction surveys."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from catalog.api.serializers import BriefServiceSerializer, BriefTeamSerializer
from itsm.base.api.fields import BriefUserSerializer

from ..definitions import DIMENSION_LABELS, Granularity, Kpi, measured_in
from ..models import KpiValue, Survey
from ..surveys import COMMENT_MAX


class KpiValueSerializer(serializers.ModelSerializer):
    """A stored value; `target` is the service's target for a value of that service,
    else the organisation's (null when it set none). The view passes `targets`."""

    target = serializers.SerializerMethodField()

    class Meta:
        model = KpiValue
        fields = ("kpi", "granularity", "period_start", "dimension", "key", "value",
                  "numerator", "denominator", "target", "computed_at")
        read_only_fields = fields

    def get_target(self, value: KpiValue) -> float | None:
        service = int(value.key) if value.dimension == "service" and value.key.isdigit() else None
        found = self.context["targets"].of(value.kpi, service)
        return None if found is None else found.target


class KpiDefinitionSerializer(serializers.Serializer):
    """One entry of the metric dictionary."""

    key = serializers.CharField()
    name = serializers.CharField()
    formula = serializers.CharField()
    unit = serializers.CharField()
    direction = serializers.CharField()
    aggregation = serializers.CharField()
    kinds = serializers.ListField(child=serializers.CharField())
    computed = serializers.BooleanField(help_text=_(
        "Computed from the tickets now; otherwise fed by `fed_by` once that exists."))
    fed_by = serializers.CharField()
    granularities = serializers.ListField(child=serializers.CharField())
    dimensions = serializers.ListField(child=serializers.CharField())

    def to_representation(self, kpi: Kpi) -> dict[str, Any]:
        return {
            "key": kpi.key, "name": str(kpi.name), "formula": str(kpi.formula),
            "unit": str(kpi.unit), "direction": str(kpi.direction),
            "aggregation": str(kpi.aggregation), "kinds": [str(kind) for kind in kpi.kinds],
            "computed": kpi.computed, "fed_by": str(kpi.fed_by),
            "granularities": [str(g) for g in Granularity],
            "dimensions": [d for d in DIMENSION_LABELS if measured_in(kpi, d)],
        }


class SurveySerializer(serializers.ModelSerializer):
    """A satisfaction survey: which ticket, who was asked, and their answer."""

    ticket = serializers.CharField(source="ticket.number", read_only=True)
    ticket_title = serializers.CharField(source="ticket.title", read_only=True)
    service = BriefServiceSerializer(source="ticket.service", read_only=True, allow_null=True)
    team = BriefTeamSerializer(source="ticket.assignment_team", read_only=True,
                               allow_null=True)
    requester = BriefUserSerializer(read_only=True)
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = Survey
        fields = ("id", "ticket", "ticket_title", "service", "team", "requester", "sent_at",
                  "expires_at", "is_open", "rating", "comment", "answered_at")
        read_only_fields = fields

    def get_is_open(self, survey: Survey) -> bool:
        return survey.is_open()


class SurveyAnswerSerializer(serializers.Serializer):
    """The requester's answer: a rating from 1 to 5, and an optional comment."""

    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="",
                                    max_length=COMMENT_MAX, trim_whitespace=True)
