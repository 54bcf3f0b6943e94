"""Incident verbs: log one, edit it, relate it to a major incident and resolve the
children with their parent. What every kind shares (routing, categorisation, the
SLA clock, auto-close) is the core's (`itsm.services`, `itsm.workflow`)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from itsm import workflow
from itsm.choices import TicketKind
from itsm.services import create_ticket, update_ticket

from .choices import OPEN_STATUSES, IncidentStatus, ResolutionCode
from .models import Incident


def create_incident(*, actor, requester=None, team=None, assignee=None, when=None,
                    **fields: Any) -> Incident:
    """Log an incident. Requesters log for themselves through the portal."""
    return create_ticket(TicketKind.INCIDENT, actor=actor, requester=requester, team=team,
                         assignee=assignee, when=when, **fields)


def update_incident(incident: Incident, *, actor, expected_version: int | None = None,
                    **changes: Any) -> Incident:
    return update_ticket(incident, actor=actor, expected_version=expected_version, **changes)


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
