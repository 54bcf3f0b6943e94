"""Incident verbs: log, relate, resolve with the parent, close after the reopen window."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import ConfigurationItem, Criticality, Service
from itsm import workflow
from itsm.base import roles
from itsm.choices import Channel, TicketKind

from .choices import OPEN_STATUSES, IncidentStatus, ResolutionCode
from .models import Incident

# Fields an agent may edit directly; status and assignment go through the workflow.
EDITABLE_FIELDS = (
    "title", "description", "impact", "urgency", "service", "configuration_item",
    "customer", "channel", "is_major", "parent",
)


def create_incident(*, actor, requester=None, team=None, assignee=None, when=None,
                    **fields: Any) -> Incident:
    """Log an incident. Requesters log for themselves through the portal."""
    if actor is not None and not roles.is_worker(actor):
        if roles.is_staff_reader(actor):
            raise PermissionDenied(_("You may not log incidents."))
        # A requester logs for themselves, from the portal, without choosing a team.
        requester, team, assignee = actor, None, None
        fields["channel"] = Channel.PORTAL
        for name in ("is_major", "parent", "configuration_item"):
            fields.pop(name, None)
        fields["impact"] = 3  # the desk assesses impact; the requester says how urgent
    requester = requester or actor
    if requester is None:
        raise ValidationError({"requester": _("An incident needs a requester.")})
    if "customer" not in fields or fields["customer"] is None:
        fields["customer"] = requester.customer
    if fields.get("service") is None and fields.get("configuration_item") is not None:
        fields["service"] = service_of(fields["configuration_item"])
    if team is None and fields.get("service") is not None:
        owner = fields["service"].owner_team
        team = owner if owner is not None and owner.is_active else None
    parent = fields.get("parent")
    if parent is not None:
        validate_parent(None, parent)
    incident = Incident(kind=TicketKind.INCIDENT, requester=requester, **fields)
    return workflow.open_ticket(incident, actor=actor, team=team, assignee=assignee, when=when)


def service_of(ci: ConfigurationItem) -> Service | None:
    """The service a CI implies when a ticket names only the CI: the most critical active
    one it supports directly (the catalog's structure categorises the ticket, and the
    service brings its team and SLA)."""
    rank = Case(*(When(criticality=value, then=Value(position))
                  for position, value in enumerate(Criticality.values)),
                default=Value(len(Criticality.values)))
    return (ci.services.filter(is_active=True).annotate(rank=rank)
            .order_by("rank", "name").first())


def validate_parent(incident: Incident | None, parent: Incident | None) -> None:
    if parent is None:
        return
    if incident is not None and parent.pk == incident.pk:
        raise ValidationError({"parent": _("An incident cannot be its own parent.")})
    if parent.parent_id is not None:
        raise ValidationError({"parent": _("%(number)s is itself a child incident.")
                               % {"number": parent.number}})
    if incident is not None and incident.pk and incident.children.exists():
        raise ValidationError({"parent": _("An incident with children cannot become a child.")})
    if parent.status not in OPEN_STATUSES:
        raise ValidationError({"parent": _("%(number)s is no longer open.")
                               % {"number": parent.number}})


def update_incident(incident: Incident, *, actor, expected_version: int | None = None,
                    **changes: Any) -> Incident:
    if "parent" in changes:
        validate_parent(incident, changes["parent"])
    ci = changes.get("configuration_item")
    if ci is not None and "service" not in changes and incident.service_id is None:
        changes["service"] = service_of(ci)
    return workflow.update(incident, actor=actor, editable=EDITABLE_FIELDS,
                           expected_version=expected_version, **changes)


def resolve_children(parent: Incident, *, actor, when=None) -> int:
    """Resolve every open child with the parent's resolution (at the parent's time)."""
    resolved = 0
    children = Incident.objects.select_for_update().filter(
        parent=parent, status__in=OPEN_STATUSES
    ).order_by("pk")
    for child in children:
        if child.status == IncidentStatus.NEW:
            workflow.transition(child, IncidentStatus.IN_PROGRESS, actor=None, when=when)
        workflow.transition(
            child, IncidentStatus.RESOLVED, actor=None, when=when,
            resolution_code=ResolutionCode.RESOLVED_BY_PARENT,
            resolution_notes=_("Resolved with %(number)s: %(notes)s")
            % {"number": parent.number, "notes": parent.resolution_notes},
        )
        resolved += 1
    return resolved


def auto_close_resolved(now=None) -> int:
    """Close incidents resolved more than AUTO_CLOSE_DAYS ago; idempotent."""
    if not settings.AUTO_CLOSE_DAYS:
        return 0
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.AUTO_CLOSE_DAYS)
    closed = 0
    ids = list(
        Incident.objects.filter(status=IncidentStatus.RESOLVED, resolved_at__lte=cutoff)
        .values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        with transaction.atomic():
            incident = Incident.objects.select_for_update().filter(
                pk=pk, status=IncidentStatus.RESOLVED
            ).first()
            if incident is None:
                continue
            workflow.transition(incident, IncidentStatus.CLOSED, actor=None,
                                note=_("Closed automatically after %(days)d days resolved.")
                                % {"days": settings.AUTO_CLOSE_DAYS})
            closed += 1
    return closed
