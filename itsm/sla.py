"""The SLA clock of a ticket: which agreement applies and when it is due.

The only writer of `sla`, `response_due`, `resolution_due` and `sla_paused_minutes`;
the workflow calls it when a ticket opens, when its priority, service or customer
changes, and when it leaves on hold; `recompute` when someone changes the terms
themselves (an SLA, its targets, its calendar). The arithmetic is
`itsm.base.business_time` (pure); this module gathers its inputs. Due times are always
recomputed from `created_at` under the current terms, so changing an SLA never breaches
a ticket that is on time under them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from catalog.models import clear_terms_cache, terms_for, working_calendar_of

from . import registry
from .base.business_time import add_business_minutes, business_minutes_between
from .choices import EventKind
from .models import Ticket, TicketEvent

DUE_FIELDS = ("sla", "response_due", "resolution_due", "response_warn_at",
              "resolution_warn_at")




def apply(ticket: Ticket) -> set[str]:
    """Pick the ticket's SLA and compute its due times; return the fields it changed.

    Sets the fields on the instance only; the caller saves exactly those. The scan sets
    flags without bumping `version`, so writing a flag this did not decide would risk
    undoing the scan's work from a stale instance.
    """
    before = {name: getattr(ticket, name if name != "sla" else "sla_id")
              for name in DUE_FIELDS}
    process = registry.find(ticket.kind)
    if process is not None and not process.under_sla:
        sla, target, calendar = None, None, None
    else:
        sla, target, calendar = terms_for(ticket.service_id, ticket.customer_id,
                                          ticket.priority)
    ticket.sla = sla
    resolution = target.resolution_minutes if target is not None else None
    if sla is not None and process is not None:
        # A kind's own terms (a request's fulfilment target) may set the resolution.
        resolution = process.resolution_minutes(ticket, calendar, resolution)
    ticket.response_due = ticket.resolution_due = None
    ticket.response_warn_at = ticket.resolution_warn_at = None
    if sla is not None:
        share = sla.warning_threshold / 100
        paused = ticket.sla_paused_minutes

        def after(minutes: float) -> datetime:
            return add_business_minutes(calendar, ticket.created_at, minutes)

        if target is not None:
            ticket.response_due = after(target.response_minutes)
            ticket.response_warn_at = after(target.response_minutes * share)
        if resolution is not None:
            ticket.resolution_due = after(resolution + paused)
            ticket.resolution_warn_at = after(resolution * share + paused)
    changed = {name for name in DUE_FIELDS
               if before[name] != getattr(ticket, name if name != "sla" else "sla_id")}
    # A warning moved into the future may be given again; breaches stay facts.
    now = timezone.now()
    for warn_at, flag in (("response_warn_at", "response_warned"),
                          ("resolution_warn_at", "resolution_warned")):
        moment = getattr(ticket, warn_at)
        if warn_at in changed and (moment is None or moment > now):
            setattr(ticket, flag, False)
            changed.add(flag)
    return changed


def pause_ended(ticket: Ticket, started: datetime, ended: datetime) -> set[str]:
    """A hold from `started` to `ended` is over: the resolution clock did not run, so its
    business time moves `resolution_due` later by as much. Returns the changed fields."""
    if ticket.sla_id is None:
        return set()
    calendar = working_calendar_of(ticket.sla_id)
    ticket.sla_paused_minutes += business_minutes_between(calendar, started, ended)
    return {"sla_paused_minutes", *apply(ticket)}


RECOMPUTE_BATCH = 500


def recompute(*, services: Iterable[int | None] = (), calendars: Iterable[int] = ()) -> int:
    """Apply changed terms to the open tickets they govern; return how many changed.

    After an edit to an SLA (its targets, its customer, whether it is active) of one of
    `services`, or to one of `calendars`, every open ticket of those is re-timed from
    its creation under the terms as they now stand, as `apply` does: a ticket is
    breached later only if it really is late under the new terms (the scan flags it
    then, dated then); a warning moved into the future may be given again; breaches
    stay facts. Resolved and closed tickets keep the terms they were measured by.

    Streams the tickets in batches. A ticket someone changes meanwhile is skipped (the
    conditional UPDATE sees its new version): that change re-timed it already.
    Recomputing is the system's act, not an edit, so `version` is not bumped.
    """
    clear_terms_cache()
    services = list(services)
    governed = (Q(service_id__in=[pk for pk in services if pk is not None])
                | Q(sla__calendar_id__in=list(calendars)))
    if None in services:  # the default SLA's terms: the tickets without a service
        governed |= Q(service__isnull=True)
    tickets = (Ticket.objects.filter(governed, resolved_at__isnull=True,
                                     closed_at__isnull=True)
               .order_by("pk"))
    changed_count = 0
    now = timezone.now()
    for ticket in tickets.iterator(chunk_size=RECOMPUTE_BATCH):
        old_due = ticket.resolution_due
        changed = apply(ticket)
        if not changed:
            continue
        with transaction.atomic():
            columns = (Ticket._meta.get_field(name).attname for name in changed)
            written = Ticket.objects.filter(pk=ticket.pk, version=ticket.version).update(
                **{column: getattr(ticket, column) for column in columns})
            if written and "resolution_due" in changed:
                TicketEvent.objects.create(
                    ticket_id=ticket.pk, kind=EventKind.SLA, field="resolution_due",
                    old_value=old_due.isoformat() if old_due else "",
                    new_value=ticket.resolution_due.isoformat() if ticket.resolution_due
                    else "", created_at=now)
        changed_count += written
    return changed_count


# What the scan asks, per flag: open tickets whose moment has come and that are not yet
# flagged. Each question is answered by its own partial index (itsm.models.Ticket).
# A ticket on hold is not breached on resolution: its clock is stopped.
SCAN_QUESTIONS = (
    ("response_warned", "response_warn_at",
     Q(closed_at__isnull=True, responded_at__isnull=True, response_warned=False)),
    ("response_breached", "response_due",
     Q(closed_at__isnull=True, responded_at__isnull=True, response_breached=False)),
    ("resolution_warned", "resolution_warn_at",
     Q(resolved_at__isnull=True, closed_at__isnull=True, resolution_warned=False,
       on_hold_since__isnull=True)),
    ("resolution_breached", "resolution_due",
     Q(resolved_at__isnull=True, closed_at__isnull=True, resolution_breached=False,
       on_hold_since__isnull=True)),
)
SCAN_BATCH = 1000
# The same questions asked of history: a moment counts if it came before the clock
# stopped (the response, the resolution, the close, or the hold the ticket is in now).
HISTORY_STOPS = {
    "response_warned": ("response_warn_at", ("responded_at", "closed_at")),
    "response_breached": ("response_due", ("responded_at", "closed_at")),
    "resolution_warned": ("resolution_warn_at", ("resolved_at", "closed_at", "on_hold_since")),
    "resolution_breached": ("resolution_due", ("resolved_at", "closed_at", "on_hold_since")),
}


def _flag(flag: str, crossed: list[tuple[int, datetime]]) -> list[TicketEvent]:
    """Set `flag` on the tickets and write the event of each, at its moment."""
    if not crossed:
        return []
    Ticket.objects.filter(pk__in=[pk for pk, _moment in crossed]).update(**{flag: True})
    return TicketEvent.objects.bulk_create(
        TicketEvent(ticket_id=pk, kind=EventKind.SLA, field=flag, old_value="False",
                    new_value="True", created_at=moment)
        for pk, moment in crossed
    )


def flag_history(now: datetime) -> list[TicketEvent]:
    """Flag what the every-minute scan would have flagged had it run while history was
    written one ticket at a time (the demo data; an import): each warning or due time
    a ticket crossed while its clock ran, with its event at that moment. Set-based:
    one query and one update per flag, whatever the number of tickets. Returns the
    flag events, for the escalations they caused (`escalation.escalate_history`)."""
    events: list[TicketEvent] = []
    for flag, (moment, stops) in HISTORY_STOPS.items():
        until = Value(now, output_field=models.DateTimeField())
        ended = Least(*(Coalesce(stop, until) for stop in stops))
        crossed = list(
            Ticket.objects.filter(**{flag: False, f"{moment}__isnull": False})
            .annotate(ended=ended).filter(**{f"{moment}__lte": F("ended")})
            .order_by("pk").values_list("pk", moment))
        events += _flag(flag, crossed)
    return events


def scan(now: datetime | None = None) -> dict[str, list[int]]:
    """Flag the tickets that crossed a warning or due time; return who was flagged now.

    Idempotent, and safe on several workers at once: a run locks the rows it claims
    (SKIP LOCKED: another run passes over them) and sets their flag in the same
    transaction, so exactly one run writes each event (and notifies). Flags are not
    edits a person makes, so they do not bump `version`.
    """
    now = now or timezone.now()
    flagged: dict[str, list[int]] = {}
    for flag, moment, open_and_unflagged in SCAN_QUESTIONS:
        with transaction.atomic():
            claimed = list(
                Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(open_and_unflagged, **{f"{moment}__lte": now})
                .order_by(moment).values_list("pk", flat=True)[:SCAN_BATCH]
            )
            _flag(flag, [(pk, now) for pk in claimed])
        flagged[flag] = claimed
    return flagged
