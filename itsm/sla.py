"""The SLA clock of a ticket: which agreement applies and when it is due.

The only writer of `sla`, `response_due`, `resolution_due` and `sla_paused_minutes`;
the workflow calls it when a ticket opens, when its priority, service or customer
changes, and when it leaves on hold. The arithmetic is `itsm.business_time` (pure); this
module gathers its inputs. Due times are always recomputed from `created_at` under the
current terms, so changing an SLA never breaches a ticket that is on time under them.
"""

from __future__ import annotations

from datetime import datetime

from catalog.models import ServiceLevelAgreement, SLATarget, sla_for

from .business_time import WorkingCalendar, add_business_minutes, business_minutes_between
from .models import Ticket

# The fields `apply()` may change, for the workflow's versioned write.
CLOCK_FIELDS = ("sla", "response_due", "resolution_due")


def _calendar(sla: ServiceLevelAgreement) -> WorkingCalendar:
    # One calendar object per SLA instance: a ticket's clock asks for it several times.
    cached = getattr(sla, "_working_calendar", None)
    if cached is None:
        cached = sla._working_calendar = sla.calendar.working_calendar()
    return cached


def _target(sla: ServiceLevelAgreement, priority: int) -> SLATarget | None:
    return SLATarget.objects.filter(sla=sla, priority=priority).first()


def apply(ticket: Ticket) -> bool:
    """Pick the ticket's SLA and compute its due times; True if anything changed.

    Sets the fields on the instance only; the caller saves them.
    """
    before = (ticket.sla_id, ticket.response_due, ticket.resolution_due)
    sla = sla_for(ticket.service_id, ticket.customer_id)
    target = _target(sla, ticket.priority) if sla is not None else None
    if target is None:
        ticket.sla, ticket.response_due, ticket.resolution_due = sla, None, None
    else:
        calendar = _calendar(sla)
        ticket.sla = sla
        ticket.response_due = add_business_minutes(calendar, ticket.created_at,
                                                   target.response_minutes)
        ticket.resolution_due = add_business_minutes(
            calendar, ticket.created_at, target.resolution_minutes + ticket.sla_paused_minutes
        )
    return before != (ticket.sla_id, ticket.response_due, ticket.resolution_due)


def pause_ended(ticket: Ticket, started: datetime, ended: datetime) -> None:
    """A hold from `started` to `ended` is over: the resolution clock did not run, so its
    business time moves `resolution_due` later by as much."""
    if ticket.sla_id is None:
        return
    ticket.sla_paused_minutes += business_minutes_between(_calendar(ticket.sla), started, ended)
    apply(ticket)
