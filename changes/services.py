"""Change verbs: log a change (standard from its catalog template, normal or
emergency, its risk from the questionnaire), raise one from a problem, and record the
incidents a change caused. Status moves through `changes.workflow`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Incident
from itsm.base import roles
from itsm.base.spans import check_window
from itsm.choices import EventKind, TicketKind
from itsm.models import Task, TicketEvent
from itsm.registry import PlannedWork
from itsm.services import create_ticket, note_link, update_ticket

from . import conflicts, risk
from .choices import ChangeStatus, ChangeType
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
    service = fields.get("service")
    if service is None and fields.get("configuration_item") is not None:
        service = fields["configuration_item"].primary_service()  # as the core will
    conflicts.check_freeze(fields.get("planned_start"), fields.get("planned_end"),
                           [getattr(service, "pk", None)], fields.get("freeze_override", ""))
    return fields


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


def reschedule(change: Change, *, actor, start, end, expected_version: int | None = None
               ) -> Change:
    """Move the change's window (an edit, with its events and checks, as any), and the
    tasks with times of their own along with it, each keeping its place in the window."""
    shift = start - change.planned_start if change.planned_start else None
    with transaction.atomic():
        update_ticket(change, actor=actor, expected_version=expected_version,
                      planned_start=start, planned_end=end)
        if shift:
            for task in Task.objects.filter(parent_id=change.pk, planned_start__isnull=False,
                                            planned_end__isnull=False).open().order_by("pk"):
                update_ticket(task, actor=actor, planned_start=task.planned_start + shift,
                              planned_end=task.planned_end + shift)
    return change


def movable(change: Change) -> bool:
    """Whether the change's window may still be moved: not once its work began."""
    return change.closed_at is None and change.status not in (ChangeStatus.IMPLEMENTING,
                                                              ChangeStatus.REVIEW)


def move_to_next_slot(change: Change, *, actor, expected_version: int | None = None
                      ) -> tuple | None:
    """Move the change to the first window with no conflict (`conflicts.next_free_slot`);
    None, and nothing moved, if the next 90 days have none."""
    if not roles.is_worker(actor):
        raise PermissionDenied(_("Your role may not change this ticket."))
    if not movable(change):
        raise ValidationError({"planned_start": _(
            "%(number)s is under way or done: its window is history now.")
            % {"number": change.number}})
    slot = conflicts.next_free_slot(change)
    if slot is not None:
        reschedule(change, actor=actor, start=slot[0], end=slot[1],
                   expected_version=expected_version)
    return slot


# Changes past authorization (or pre-authorised standard ones) whose window is planned
# work: their outages do not count against availability.
APPROVED = (ChangeStatus.SCHEDULED, ChangeStatus.IMPLEMENTING, ChangeStatus.REVIEW,
            ChangeStatus.CLOSED)


def planned_work(service_ids: list[int], start, end) -> list[PlannedWork]:
    """The approved changes on the services (their own or affected ones) whose planned
    window shares time with [start, end); one query. A standard change is routine
    work users do not notice unless it takes the service down."""
    rows = (Change.objects.filter(status__in=APPROVED, planned_start__lt=end,
                                  planned_end__gt=start)
            .filter(Q(service_id__in=service_ids) | Q(affected_services__in=service_ids))
            .values_list("service_id", "service__name", "affected_services",
                         "affected_services__name", "planned_start", "planned_end", "number",
                         "title", "change_type", "risk_answers"))
    wanted, found = set(service_ids), {}
    for (own, own_name, other, other_name, planned_start, planned_end, number, title,
         change_type, answers) in rows:
        disruptive = change_type != ChangeType.STANDARD or bool(answers.get("outage"))
        for service_id, name in ((own, own_name), (other, other_name)):
            if service_id in wanted:
                found[(number, service_id)] = PlannedWork(
                    service_id, name, planned_start, planned_end, number, title,
                    reverse("changes:detail", args=[number]), disruptive)
    return list(found.values())


def announce_planned(change: Change, moments: list) -> None:
    """Planned work came, went or moved: the availability of the change's services at
    those moments is recomputed (as for an outage corrected)."""
    from itsm import outages

    moments = [moment for moment in moments if moment is not None]
    if not moments:
        return
    services = set(change.affected_services.values_list("pk", flat=True))
    if change.service_id:
        services.add(change.service_id)
    if services:
        outages.outage_changed.send(sender=Change, services=sorted(services),
                                    moments=moments)
