"""Escalation along a service's support path when a ticket breaches its SLA.

A service's support path is its ordered `SupportLevel`s: first line, second line, …,
a supplier. When the scan flags a breach, the ticket escalates one level past the team
that holds it (or to the first level, if that team is not on the path): the level is
told, and the ticket's timeline says so. Escalating informs; it does not reassign: the
people told decide whether to take the ticket over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch

from catalog.models import SupportLevel, Team

from .choices import EventKind
from .models import Ticket, TicketEvent

# The scan flags that escalate.
BREACH_FLAGS = ("response_breached", "resolution_breached")


@dataclass(frozen=True)
class Escalation:
    ticket: Ticket
    flag: str
    level: SupportLevel


def next_level(path: Sequence[SupportLevel], team_id: int | None) -> SupportLevel | None:
    """The level a breach escalates to: the one after the holding team's level, or the
    first level when the team is not on the path; None past the last level."""
    levels = sorted(path, key=lambda level: level.position)
    held = [level.position for level in levels if team_id and level.team_id == team_id]
    if not held:
        return levels[0] if levels else None
    return next((level for level in levels if level.position > max(held)), None)


def escalate(flagged: dict[str, list[int]], when) -> list[Escalation]:
    """Escalate the tickets whose breach the scan flagged just now; write one SLA event
    per escalation. Two queries per breach flag with breaches, whatever their number."""
    escalations: list[Escalation] = []
    for flag in BREACH_FLAGS:
        ids = flagged.get(flag)
        if not ids:
            continue
        path = Prefetch("service__support_levels",
                        SupportLevel.objects.select_related("team__lead", "supplier")
                        .prefetch_related("team__members"))
        tickets = (Ticket.objects.filter(pk__in=ids, service__isnull=False)
                   .select_related("service", "assignment_team")
                   .prefetch_related(path).order_by("pk"))
        for ticket in tickets:
            level = next_level(ticket.service.support_levels.all(), ticket.assignment_team_id)
            if level is not None:
                escalations.append(Escalation(ticket, flag, level))
    TicketEvent.objects.bulk_create(
        TicketEvent(ticket_id=e.ticket.pk, kind=EventKind.SLA, field="escalated",
                    old_value=str(e.ticket.assignment_team or ""),
                    new_value=str(e.level.party), note=e.level.note, created_at=when)
        for e in escalations
    )
    return escalations


def escalate_history(flag_events: list[TicketEvent]) -> list[TicketEvent]:
    """The escalation each historic breach caused (see `sla.flag_history`), as
    `escalate` writes it, from the team that held the ticket at that moment; written
    at that moment. A fixed number of queries for any number of breaches."""
    breaches = [event for event in flag_events if event.field in BREACH_FLAGS]
    if not breaches:
        return []
    ids = {event.ticket_id for event in breaches}
    service_of = dict(Ticket.objects.filter(pk__in=ids).values_list("pk", "service_id"))
    paths: dict[int, list[SupportLevel]] = {}
    for level in SupportLevel.objects.select_related("team", "supplier"):
        paths.setdefault(level.service_id, []).append(level)
    teams = dict(Team.objects.values_list("name", "pk"))
    held: dict[int, list[tuple[datetime, str]]] = {}
    for ticket_id, at, name in (
            TicketEvent.objects.filter(ticket_id__in=ids, kind=EventKind.ASSIGNMENT,
                                       field="assignment_team")
            .order_by("created_at", "pk").values_list("ticket_id", "created_at", "new_value")):
        held.setdefault(ticket_id, []).append((at, name))
    escalations = []
    for breach in breaches:
        team = next((name for at, name in reversed(held.get(breach.ticket_id, []))
                     if at <= breach.created_at), "")
        level = next_level(paths.get(service_of[breach.ticket_id], []), teams.get(team))
        if level is not None:
            escalations.append(TicketEvent(
                ticket_id=breach.ticket_id, kind=EventKind.SLA, field="escalated",
                old_value=team, new_value=str(level.party), note=level.note,
                created_at=breach.created_at))
    return TicketEvent.objects.bulk_create(escalations, batch_size=1000)
