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

from django.db.models import Prefetch

from catalog.models import SupportLevel

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
