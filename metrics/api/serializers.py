"""What the KPI API returns: stored values with their target, and the dictionary."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from catalog.models import ServiceLevelAgreement

from ..definitions import DIMENSIONS, Granularity, Kpi
from ..models import KpiTarget, KpiValue


def targets() -> dict[tuple[str, int | None], float]:
    """Every target, by (KPI, service id or None for the organisation's), read once per
    response: those set in the admin, and each service's availability and compliance
    targets from its SLA (the agreement is the target, unless a KPI target says
    otherwise)."""
    found: dict[tuple[str, int | None], float] = {}
    for service, availability, compliance in (
            ServiceLevelAgreement.objects.filter(is_active=True, customer__isnull=True,
                                                 service__isnull=False)
            .values_list("service_id", "availability_target", "compliance_target")):
        found[("availability", service)] = float(availability)
        found[("sla_compliance_resolution", service)] = float(compliance)
        found[("sla_compliance_response", service)] = float(compliance)
    found.update(((kpi, service), target) for kpi, service, target in
                 KpiTarget.objects.values_list("kpi", "service_id", "target"))
    return found


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
        found = self.context["targets"]
        if value.dimension == "service" and value.key.isdigit():
            own = found.get((value.kpi, int(value.key)))
            if own is not None:
                return own
        return found.get((value.kpi, None))


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
            "dimensions": list(DIMENSIONS),
        }
