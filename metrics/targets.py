"""What the organisation wants each KPI to be, and how a figure stands against it.

Targets come from two places, read once per page or response: each service's SLA
(its availability and compliance targets: the agreement is the target) and the KPI
targets set in the admin (overall or for one service; they win over the SLA's). A
figure is green on target, amber short of it but within the warning level (or, where
none is set, within `DEFAULT_MARGIN` of the target), red beyond.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from catalog.models import ServiceLevelAgreement

from .definitions import BY_KEY, Direction
from .models import KpiTarget

DEFAULT_MARGIN = 0.05  # of the target: the amber band where no warning level is set


class Standing(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"


@dataclass(frozen=True)
class Target:
    target: float
    warning: float | None = None


def standing(direction: str, value: float, target: Target) -> Standing:
    """How `value` stands against `target` for a KPI where `direction` is better
    (pure). A neutral KPI has no standing (the caller gives it no target)."""
    lower = direction == Direction.LOWER
    warning = target.warning
    if warning is None:
        margin = abs(target.target) * DEFAULT_MARGIN
        warning = target.target + margin if lower else target.target - margin
    if (value <= target.target) if lower else (value >= target.target):
        return Standing.GREEN
    if (value <= warning) if lower else (value >= warning):
        return Standing.AMBER
    return Standing.RED


class Targets:
    """Every target, by (KPI, service id or None for the organisation's)."""

    def __init__(self) -> None:
        found: dict[tuple[str, int | None], Target] = {}
        for service, availability, compliance in (
                ServiceLevelAgreement.objects.filter(is_active=True, customer__isnull=True,
                                                     service__isnull=False)
                .values_list("service_id", "availability_target", "compliance_target")):
            found[("availability", service)] = Target(float(availability))
            found[("sla_compliance_resolution", service)] = Target(float(compliance))
            found[("sla_compliance_response", service)] = Target(float(compliance))
        found.update(((kpi, service), Target(target, warning)) for kpi, service, target, warning
                     in KpiTarget.objects.values_list("kpi", "service_id", "target", "warning"))
        self._found = found

    def of(self, kpi: str, service_id: int | None = None) -> Target | None:
        """The service's target for the KPI, else the organisation's."""
        if service_id is not None:
            own = self._found.get((kpi, service_id))
            if own is not None:
                return own
        return self._found.get((kpi, None))

    def judge(self, kpi: str, value: float | None, service_id: int | None = None
              ) -> Standing | None:
        target = self.of(kpi, service_id)
        if value is None or target is None or BY_KEY[kpi].direction == Direction.NEUTRAL:
            return None
        return standing(BY_KEY[kpi].direction, value, target)
