"""Outages: the only writer of `Outage` rows and their change log.

The desk enters and corrects outages; an incident flagged as a service outage keeps
one that follows its times (`follow_ticket`). Each write says so with
`outage_changed` (the services and the moments it touched), so the KPI engine can
recompute availability for exactly those.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from .base import roles
from .models import Outage, OutageChange, Ticket

# Sent inside the writer's transaction with `services` (ids) and `moments` (the starts
# and ends before and after; an open end is now); also when planned work (an approved
# change's window, `registry.planned_work`) comes, goes or moves.
outage_changed = Signal()

EDITABLE = ("service", "configuration_item", "started_at", "ended_at", "planned", "note")


def _require_worker(actor) -> None:
    if actor is not None and not roles.is_worker(actor):
        raise PermissionDenied(_("Only the service desk records outages."))


def check(outage: Outage) -> None:
    """Refuse an outage that ends before it starts or starts in the future."""
    if outage.ended_at is not None and outage.ended_at < outage.started_at:
        raise ValidationError({"ended_at": _("An outage cannot end before it starts.")})
    if outage.started_at > timezone.now():
        raise ValidationError({"started_at": _("An outage cannot start in the future; "
                                               "planned work is a change.")})


def _span(outage: Outage) -> list[datetime]:
    return [outage.started_at, outage.ended_at or timezone.now()]


def _announce(services: set[int], moments: list[datetime]) -> None:
    outage_changed.send(sender=Outage, services=sorted(services), moments=moments)


def _shown(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else str(value)[:255]


def record(*, actor, service, started_at: datetime, ended_at: datetime | None = None,
           planned: bool = False, note: str = "", configuration_item=None,
           source: str = Outage.Source.ENTERED, ticket: Ticket | None = None) -> Outage:
    """Record an outage of a service."""
    _require_worker(actor)
    outage = Outage(service=service, configuration_item=configuration_item,
                    started_at=started_at, ended_at=ended_at, planned=planned, note=note,
                    source=source, ticket=ticket, created_by=actor)
    return _create(outage, actor)


def _create(outage: Outage, actor) -> Outage:
    check(outage)
    with transaction.atomic():
        outage.save()
        OutageChange.objects.create(outage=outage, actor=actor, field="created",
                                    new_value=_shown(outage.started_at))
        _announce({outage.service_id}, _span(outage))
    return outage


def change(outage: Outage, *, actor, **changes: Any) -> Outage:
    """Correct an outage's fields (EDITABLE); each change is logged."""
    _require_worker(actor)
    refused = set(changes) - set(EDITABLE)
    if refused:
        raise ValidationError({name: _("This field cannot be changed here.") for name in refused})
    before_service, before_span = outage.service_id, _span(outage)
    logged = []
    for name, value in changes.items():
        old = getattr(outage, name)
        if old == value:
            continue
        setattr(outage, name, value)
        logged.append(OutageChange(outage=outage, actor=actor, field=name,
                                   old_value=_shown(old), new_value=_shown(value)))
    if not logged:
        return outage
    check(outage)
    with transaction.atomic():
        outage.save()
        OutageChange.objects.bulk_create(logged)
        _announce({before_service, outage.service_id}, before_span + _span(outage))
    return outage


def follow_ticket(ticket: Ticket, *, active: bool, actor=None) -> Outage | None:
    """Keep the outage of an incident flagged as a service outage in step with it:
    from its creation to its resolution (or close), on its service and CI; removed
    when the flag is cleared or the ticket has no service."""
    existing = Outage.objects.filter(ticket=ticket, source=Outage.Source.INCIDENT).first()
    if not active or ticket.service_id is None:
        if existing is not None:
            with transaction.atomic():
                services, moments = {existing.service_id}, _span(existing)
                existing.delete()
                _announce(services, moments)
        return None
    values = {"service": ticket.service, "configuration_item": ticket.configuration_item,
              "started_at": ticket.created_at,
              "ended_at": ticket.resolved_at or ticket.closed_at}
    if existing is None:
        # No note: the list shows the incident it follows, in the reader's language.
        return _create(Outage(source=Outage.Source.INCIDENT, ticket=ticket, created_by=actor,
                              **values), actor)
    # The system follows the incident: no role check, the incident's writer had one.
    return change(existing, actor=None, **values)
