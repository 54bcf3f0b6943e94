"""Who reads which dashboard (DESIGN.md §7), decided in one place.

Managers and administrators read every dashboard. A team lead reads the IT dashboard
of the teams they lead or belong to, and the pages of the services those teams own;
an agent (or change manager) the IT dashboard of their teams. A customer's contact
given the "read their customer's service report" permission reads that customer's
page only. Requesters read none.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from catalog.models import Service, Team
from itsm.base import roles


@dataclass(frozen=True)
class Access:
    whole_desk: bool = False
    teams: frozenset[int] = frozenset()
    services: frozenset[int] = frozenset()
    customer: int | None = None

    @property
    def reads_it(self) -> bool:
        return self.whole_desk or bool(self.teams)

    @property
    def reads_services(self) -> bool:
        return self.whole_desk or bool(self.services)

    @property
    def reads_customers(self) -> bool:
        return self.whole_desk or self.customer is not None

    @property
    def reads_anything(self) -> bool:
        return self.reads_it or self.reads_services or self.reads_customers

    def reads_team(self, team_id: int | None) -> bool:
        return self.whole_desk if team_id is None else (self.whole_desk or team_id in self.teams)

    def reads_service(self, service_id: int) -> bool:
        return self.whole_desk or service_id in self.services

    def reads_customer(self, customer_id: int) -> bool:
        return self.whole_desk or customer_id == self.customer


REPORT_PERMISSION = "metrics.view_customer_report"


def access_of(user) -> Access:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Access()
    held = roles.roles_of(user)
    if held & {roles.MANAGER, roles.ADMIN}:
        return Access(whole_desk=True)
    teams: frozenset[int] = frozenset()
    services: frozenset[int] = frozenset()
    if roles.TEAM_LEAD in held:
        teams = frozenset(Team.objects.filter(Q(lead=user) | Q(members=user))
                          .values_list("pk", flat=True).distinct())
        services = frozenset(Service.objects.filter(owner_team__in=teams)
                             .values_list("pk", flat=True))
    elif held & {roles.AGENT, roles.CHANGE_MANAGER}:
        teams = frozenset(user.teams.values_list("pk", flat=True))
    customer = (user.customer_id if user.customer_id and user.has_perm(REPORT_PERMISSION)
                else None)
    return Access(teams=teams, services=services, customer=customer)
