"""Change verbs: log a change (standard from its catalog template, normal or
emergency, its risk from the questionnaire), raise one from a problem, and record the
incidents a change caused. Status moves through `changes.workflow`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Incident
from itsm.base import roles
from itsm.choices import EventKind, TicketKind
from itsm.models import TicketEvent
from itsm.services import create_ticket, note_link

from . import risk
from .choices import ChangeType
from .models import Change, ChangeCause


def prepare(fields: dict[str, Any]) -> dict[str, Any]:
    """Check and complete a new change's own fields: a standard change takes its
    template's service, plans and risk; the risk follows the questionnaire's answers."""
    change_type = fields.get("change_type") or ChangeType.NORMAL
    fields["change_type"] = change_type
    template = fields.get("standard_change")
    if change_type == ChangeType.STANDARD:
        if template is None:
            raise ValidationError({"standard_change": _(
                "A standard change follows a standard change of the catalog: choose one.")})
        if not template.is_active:
            raise ValidationError({"standard_change": _("%(name)s is no longer offered.")
                                   % {"name": template.name}})
        fields.setdefault("service", template.service)
        fields["implementation_plan"] = fields.get("implementation_plan") or \
            template.implementation_plan
        fields["backout_plan"] = fields.get("backout_plan") or template.backout_plan
        fields["risk"] = template.risk
        fields.setdefault("title", template.name)
    elif template is not None:
        raise ValidationError({"standard_change": _(
            "Only a standard change follows a catalog template.")})
    answers = fields.get("risk_answers")
    if answers:
        unknown = set(answers) - set(risk.BY_NAME)
        if unknown or not all(isinstance(value, bool) for value in answers.values()):
            raise ValidationError({"risk_answers": _(
                "Answer the risk questions (%(names)s) with true or false.")
                % {"names": ", ".join(risk.BY_NAME)}})
        if change_type != ChangeType.STANDARD:
            fields["risk"] = risk.level(answers)
    check_window(fields.get("planned_start"), fields.get("planned_end"))
    return fields


def check_window(start, end) -> None:
    if (start is None) != (end is None):
        raise ValidationError({"planned_end" if start else "planned_start": _(
            "Plan both the start and the end.")})
    if start is not None and end <= start:
        raise ValidationError({"planned_end": _("The planned end comes after the start.")})


def create_change(*, actor, when=None, **fields: Any) -> Change:
    """Log a change; whoever logs it is its requester (the change's owner)."""
    if not roles.is_worker(actor):
        raise PermissionDenied(_("Your role may not log changes."))
    return create_ticket(TicketKind.CHANGE, actor=actor, requester=actor, when=when,
                         **fields)


def raise_from_problem(problem, *, actor, when=None, **fields: Any) -> Change:
    """A change to remove a problem's cause, linked both ways."""
    fields.setdefault("title", _("Fix: %(title)s") % {"title": problem.title})
    fields.setdefault("service", problem.service)
    fields.setdefault("configuration_item", problem.configuration_item)
    fields.setdefault("description", problem.root_cause or problem.description)
    with transaction.atomic():
        change = create_change(actor=actor, when=when, raised_from=problem, **fields)
        TicketEvent.objects.create(ticket=problem, actor=actor, kind=EventKind.LINK,
                                   field="change", new_value=change.number,
                                   note=change.title[:200], created_at=change.created_at)
    return change


def set_scope(change: Change, *, actor, services=None, cis=None, when=None) -> Change:
    """Set what the change touches besides its main service and CI (None: keep), an
    event for each list that changed."""
    if not roles.is_worker(actor):
        raise PermissionDenied(_("Your role may not change this ticket."))
    if change.closed_at is not None:
        raise ValidationError({"status": _("A closed ticket cannot be changed.")})
    when = when or timezone.now()
    events = []
    with transaction.atomic():
        for field, chosen, label in (("affected_services", services, "code"),
                                     ("affected_cis", cis, "name")):
            if chosen is None:
                continue
            related = getattr(change, field)
            before = sorted(getattr(item, label) for item in related.all())
            after = sorted(getattr(item, label) for item in chosen)
            if before == after:
                continue
            related.set(chosen)
            events.append(TicketEvent(ticket_id=change.pk, actor=actor, kind=EventKind.FIELD,
                                      field=field, old_value=", ".join(before)[:255],
                                      new_value=", ".join(after)[:255], created_at=when))
        TicketEvent.objects.bulk_create(events)
    return change


def impacted(change: Change) -> list:
    """The services its CIs' failure would hit (through their relations) that it does
    not name itself: what a change manager weighs."""
    from catalog.models import impacted_services

    cis = {ci.pk for ci in change.affected_cis.all()}
    if change.configuration_item_id:
        cis.add(change.configuration_item_id)
    named = {service.pk for service in change.affected_services.all()} | (
        {change.service_id} if change.service_id else set())
    found: dict[int, object] = {}
    for ci in sorted(cis):
        for service in impacted_services(ci):
            if service.pk not in named:
                found.setdefault(service.pk, service)
    return sorted(found.values(), key=lambda service: service.name)


def record_cause(change: Change, incident: Incident, *, actor, when=None) -> ChangeCause:
    """Record that the change caused the incident (one change per incident), an event
    on both."""
    if not roles.is_worker(actor):
        raise PermissionDenied(_("Your role may not change this ticket."))
    if incident.kind != TicketKind.INCIDENT:
        raise ValidationError({"incident": _("Only incidents are caused by changes.")})
    when = when or timezone.now()
    try:
        with transaction.atomic():
            cause = ChangeCause.objects.create(change=change, incident=incident,
                                               recorded_by=actor, recorded_at=when)
            note_link(incident, change, actor=actor, first_field="caused_by_change",
                      second_field="caused", when=when)
    except IntegrityError as exc:
        raise ValidationError({"incident": _("%(incident)s is recorded as caused by another "
                                             "change already.")
                               % {"incident": incident.number}}) from exc
    return cause
