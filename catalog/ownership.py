"""The ownership report: what in the environment no management group answers for.

Everything in the IT environment must be under some group's responsibility
(REQUIREMENTS.md §3), so managers see, in one place, every service and CI without an
owner team, every service without an active SLA, and whether tickets that name no
service have a team (the triage team) and a clock (the default SLA).

Routines (operational tasks) do not exist yet; when they arrive, their unowned ones
join this report as a fourth list.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from .models import ConfigurationItem, Lifecycle, Service, ServiceLevelAgreement, Team


@dataclass(frozen=True)
class OwnershipGaps:
    services_without_owner: QuerySet[Service]
    cis_without_owner: QuerySet[ConfigurationItem]
    services_without_sla: QuerySet[Service]
    # Tickets that name no service then sit in no team's queue, or run without a clock.
    no_triage_team: bool
    no_default_sla: bool


def unowned() -> OwnershipGaps:
    """Unowned services and CIs and services without an active SLA (lazy querysets
    with what the report's tables show), and the two gaps of tickets without a service.
    Retired services and inactive CIs are left out: nobody needs to own what is
    switched off."""
    services = (Service.objects.filter(is_active=True).exclude(lifecycle=Lifecycle.RETIRED)
                .select_related("category", "owner_team"))
    active_sla = ServiceLevelAgreement.objects.filter(service=OuterRef("pk"), is_active=True)
    return OwnershipGaps(
        services_without_owner=services.filter(owner_team__isnull=True),
        cis_without_owner=ConfigurationItem.objects.filter(
            is_active=True, owner_team__isnull=True).prefetch_related("services"),
        services_without_sla=services.filter(~Exists(active_sla)),
        no_triage_team=Team.objects.triage() is None,
        no_default_sla=not ServiceLevelAgreement.objects.default().exists(),
    )
