"""The one workflow engine for every kind of ticket.

Each process declares a `Workflow` (its statuses and allowed transitions) and
registers it. `open_ticket()`, `transition()`, `assign()` and `update()` are the only
writers of status, assignment, priority, timestamps and counters; each writes a
`TicketEvent` for every change and bumps `version`, refusing a stale write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.models import Team

from . import facts, notifications, registry, sla
from .base import roles
from .base.concurrency import StaleVersion
from .choices import NUMBER_DIGITS, EventKind
from .models import Task, TaskStatus, Ticket, TicketEvent, TicketSequence
from .priority import priority_for

UNSET: Any = object()

Guard = Callable[[Ticket, Any], "str | None"]
AfterTransition = Callable[[Ticket, "Transition", Any, Any], None]  # ticket, t, actor, when


@dataclass(frozen=True)
class Transition:
    """An allowed move from one of `sources` to `target`."""

    name: str
    label: str | Promise
    sources: frozenset[str]
    target: str
    requires: tuple[str, ...] = ()  # fields the caller must give (model fields or "note")
    clears: tuple[str, ...] = ()  # fields reset to their default (e.g. on reopen)
    roles: frozenset[str] = roles.WORKER_ROLES
    requester_may: bool = False
    guard: Guard | None = None  # returns a refusal message, or None
    reopens: bool = False
    # The work is dropped: the ticket's open tasks are cancelled with it. Any other move
    # that ends the work waits until its tasks are done or cancelled.
    cancels_tasks: bool = False
    # The ticket's approval is complete (`approved_at`, the time to approve measured).
    approves: bool = False
    # The cause of the work is found (`diagnosed_at`: a problem's known error).
    diagnoses: bool = False


@dataclass(frozen=True)
class Workflow:
    """The statuses of one kind of ticket and how it may move between them."""

    kind: str
    statuses: type[models.TextChoices]
    initial: str
    transitions: tuple[Transition, ...]
    resolved: frozenset[str] = frozenset()
    closed: frozenset[str] = frozenset()
    on_hold: frozenset[str] = frozenset()
    start_on_assign: str | None = None  # assigning a person to a new ticket starts it
    after_transition: AfterTransition | None = None
    # The workflow's own settings and their defaults (e.g. "reopen_window_days",
    # "auto_close_days"); settings.WORKFLOWS[kind] overrides them per deployment.
    defaults: Mapping[str, Any] = field(default_factory=dict)
    # True while the ticket (on hold) waits on its requester; their reply then resumes
    # it through the transition named `resume_on_reply`.
    awaiting_requester: Callable[[Ticket], bool] | None = None
    resume_on_reply: str | None = None
    # The transition that closes what stayed resolved for the "auto_close_days" setting.
    auto_close: str | None = None
    _by_source: dict[str, list[Transition]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        known = set(self.statuses.values)
        for t in self.transitions:
            unknown = (t.sources | {t.target}) - known
            if unknown:
                raise ValueError(f"{self.kind}: transition {t.name} names unknown {unknown}")
            for source in t.sources:
                bucket = self._by_source.setdefault(source, [])
                if any(other.target == t.target for other in bucket):
                    raise ValueError(f"{self.kind}: two transitions {source} -> {t.target}")
                bucket.append(t)
        for named in (self.resume_on_reply, self.auto_close):
            if named is not None and self.named(named) is None:
                raise ValueError(f"{self.kind}: no transition named {named}")
        if self.auto_close is not None and "auto_close_days" not in self.defaults:
            raise ValueError(f"{self.kind}: auto_close needs an auto_close_days default")

    def transitions_from(self, status: str) -> list[Transition]:
        return list(self._by_source.get(status, ()))

    def named(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def find(self, source: str, target: str) -> Transition | None:
        return next((t for t in self._by_source.get(source, ()) if t.target == target), None)

    def label(self, status: str) -> str:
        try:
            return str(self.statuses(status).label)
        except ValueError:
            return status

    def setting(self, name: str) -> Any:
        """A setting of this workflow: the deployment's (settings.WORKFLOWS), else the
        workflow's default."""
        configured = getattr(settings, "WORKFLOWS", {}).get(self.kind, {})
        return configured[name] if name in configured else self.defaults[name]

    def is_open(self, status: str) -> bool:
        return status not in self.resolved and status not in self.closed


def workflow_for(ticket_or_kind: Ticket | str) -> Workflow:
    """The workflow of a ticket or kind (KeyError for a kind nobody registered)."""
    return registry.process_for(ticket_or_kind).workflow


def status_label(ticket_or_kind: Ticket | str, status: str) -> str:
    """A stored status as its kind's workflow names it, in the reader's language (the
    value itself for a kind nobody registered yet)."""
    try:
        return workflow_for(ticket_or_kind).label(status)
    except KeyError:
        return status


def within_reopen_window(ticket: Ticket, user) -> str | None:
    """A guard: requesters may reopen only within the workflow's `reopen_window_days`
    of the resolution; the desk may always."""
    if roles.is_worker(user):
        return None
    days = workflow_for(ticket).setting("reopen_window_days")
    if ticket.resolved_at and timezone.now() - ticket.resolved_at > timedelta(days=days):
        return _("The reopen window of %(days)d days has passed; please log a new ticket.") % {
            "days": days}
    return None


# --- helpers --------------------------------------------------------------------------


def next_number(kind: str) -> str:
    """The next human number of a kind (INC0000042); gap-free under concurrency."""
    with transaction.atomic():
        bumped = TicketSequence.objects.filter(kind=kind).update(last_value=F("last_value") + 1)
        if not bumped:
            TicketSequence.objects.get_or_create(kind=kind)
            TicketSequence.objects.filter(kind=kind).update(last_value=F("last_value") + 1)
        value = TicketSequence.objects.filter(kind=kind).values_list("last_value", flat=True).get()
    return f"{registry.process_for(kind).prefix}{value:0{NUMBER_DIGITS}d}"


def reserve_numbers(kind: str, count: int) -> list[str]:
    """`count` consecutive numbers of a kind at once (an import), gap-free."""
    if count <= 0:
        return []
    with transaction.atomic():
        TicketSequence.objects.get_or_create(kind=kind)
        TicketSequence.objects.filter(kind=kind).update(last_value=F("last_value") + count)
        last = TicketSequence.objects.filter(kind=kind).values_list("last_value", flat=True).get()
    prefix = registry.process_for(kind).prefix
    return [f"{prefix}{value:0{NUMBER_DIGITS}d}" for value in range(last - count + 1, last + 1)]


def _display(value: Any) -> str:
    """What an event keeps of a value: codes for choices (labels are translated when
    shown, in the reader's language), names for related objects (as they were then)."""
    if value is None or value == "":
        return ""
    return str(value)[:255]


def _event(ticket: Ticket, actor, kind: str, *, field_name: str = "", old: Any = None,
           new: Any = None, note: str = "", public: bool = False, comment=None,
           when=None) -> TicketEvent:
    return TicketEvent(
        ticket_id=ticket.pk, actor=actor, kind=kind, field=field_name,
        old_value=_display(old), new_value=_display(new), note=note,
        is_public=public, comment=comment, created_at=when or timezone.now(),
    )


def _require_worker(actor) -> None:
    if actor is not None and not roles.is_worker(actor):
        raise PermissionDenied(_("You may not change this ticket."))


def _save_versioned(ticket: Ticket, expected_version: int | None, fields: Iterable[str],
                    when=None) -> None:
    """Write `fields` if nobody wrote since `expected_version`, bumping the version.

    One conditional UPDATE checks, locks and writes the ticket row; the process's own
    table is written only when its fields changed.
    """
    expected = ticket.version if expected_version is None else expected_version
    if ticket.version != expected:
        raise StaleVersion(_current_version(ticket))
    ticket.updated_at = when or timezone.now()
    shared, own = {"updated_at": ticket.updated_at}, {}
    for name in fields:
        model_field = ticket._meta.get_field(name)
        target = shared if model_field.model is Ticket else own
        target[model_field.attname] = getattr(ticket, model_field.attname)
    written = Ticket.objects.filter(pk=ticket.pk, version=expected).update(
        version=expected + 1, **shared
    )
    if not written:
        raise StaleVersion(_current_version(ticket))
    if own:
        type(ticket)._base_manager.filter(pk=ticket.pk).update(**own)
    ticket.version = expected + 1


def _current_version(ticket: Ticket) -> int | None:
    return Ticket.objects.filter(pk=ticket.pk).values_list("version", flat=True).first()



def route(ticket: Ticket):
    """The team a new ticket goes to when nobody chose one: the one its process names
    (a request's item's fulfilment team), else its service's owner team, else the
    triage team (the service desk), which categorises what nobody owns."""
    chosen = registry.process_for(ticket).route(ticket)
    if chosen is not None and chosen.is_active:
        return chosen
    owner = ticket.service.owner_team if ticket.service_id else None
    if owner is not None and owner.is_active:
        return owner
    return Team.objects.triage()


# --- the writers ----------------------------------------------------------------------


def open_ticket(ticket: Ticket, *, actor, team=None, assignee=None,
                when=None) -> Ticket:
    """Save a new ticket: number, initial status, priority, creation event, assignment
    (to `team` and/or `assignee`, else where `route` sends it)."""
    flow = workflow_for(ticket.kind)
    if ticket.pk is not None:
        raise ValueError("open_ticket() takes an unsaved ticket")
    with transaction.atomic():
        ticket.number = next_number(ticket.kind)
        ticket.status = flow.initial
        ticket.priority = priority_for(ticket.impact, ticket.urgency)
        if when is not None:
            ticket.created_at = when
        ticket.full_clean(exclude=["number", "status", "requester"],
                          validate_unique=False, validate_constraints=False)
        categorise(ticket)
        sla.apply(ticket)
        ticket.save()
        _event(ticket, actor, EventKind.CREATED, new=ticket.status, public=True,
               when=ticket.created_at).save()
        if team is None and assignee is None:
            team = route(ticket)
        if team is not None or assignee is not None:
            # Routing a ticket logged on the portal is the system's act, not the requester's.
            router = actor if actor is not None and roles.is_worker(actor) else None
            assign(ticket, actor=router, team=team or UNSET,
                   assignee=assignee or UNSET, when=ticket.created_at, opening=True)
        facts.changed(ticket, None)
    return ticket


def _open_tasks(ticket: Ticket) -> list[Task]:
    return list(Task.objects.filter(parent=ticket).open().order_by("pk"))


def may_transition(ticket: Ticket, t: Transition, user) -> str | None:
    """None if `user` may take transition `t` now, else the reason they may not."""
    if user is None:
        return None
    is_permitted_role = bool(roles.roles_of(user) & t.roles)
    is_own_requester = t.requester_may and ticket.requester_id == user.pk
    if not (is_permitted_role or is_own_requester):
        return _("You may not do this.")
    return t.guard(ticket, user) if t.guard else None


def allowed_transitions(ticket: Ticket, user) -> list[Transition]:
    """The transitions `user` may take from the ticket's current status."""
    flow = workflow_for(ticket)
    return [t for t in flow.transitions_from(ticket.status)
            if may_transition(ticket, t, user) is None]


def transition(ticket: Ticket, target: str, *, actor, note: str = "",
               expected_version: int | None = None, when=None, via: str | None = None,
               **values: Any) -> Ticket:
    """Move the ticket to `target` through an allowed transition.

    `values` are the fields the transition requires or accepts (e.g. resolution_code);
    a missing or invalid one is a ValidationError naming the field. `via` names the
    transition a button stands for: "reopen" must not quietly become "resume".
    """
    flow = workflow_for(ticket)
    source = ticket.status
    t = flow.find(source, target)
    if via is not None and (t is None or t.name != via):
        named = flow.named(via)
        raise ValidationError({"status": _("“%(action)s” is not possible from “%(status)s”.")
                               % {"action": named.label if named else via,
                                  "status": flow.label(source)}})
    if t is None:
        raise ValidationError({"status": _("A ticket cannot go from “%(source)s” to “%(target)s”.")
                               % {"source": flow.label(source), "target": flow.label(target)}})
    refusal = may_transition(ticket, t, actor)
    if refusal:
        raise PermissionDenied(refusal)
    unknown = set(values) - set(t.requires)
    if unknown:
        raise ValidationError({name: _("Not used by this transition.") for name in unknown})
    errors = {}
    for name in t.requires:
        given = note if name == "note" else values.get(name)
        if given is None or (isinstance(given, str) and not given.strip()):
            errors[name] = _("This field is required to %(action)s.") % {"action": t.label}
    if errors:
        raise ValidationError(errors)
    registry.process_for(ticket).validate_transition(ticket, t)
    ends_work = ticket.is_open and not flow.is_open(target)
    open_tasks = _open_tasks(ticket) if ends_work and registry.process_for(ticket).has_tasks \
        else []
    if open_tasks and not t.cancels_tasks:
        numbers = ", ".join(task.number for task in open_tasks)
        raise ValidationError({"status": ngettext(
            "%(tasks)s is still open: complete or cancel it first.",
            "%(tasks)s are still open: complete or cancel them first.",
            len(open_tasks)) % {"tasks": numbers}})

    now = when or timezone.now()
    before = facts.snapshot(ticket)
    clock: set[str] = set()
    events = [_event(ticket, actor, EventKind.STATUS, field_name="status", old=source,
                     new=target, note=note, public=True, when=now)]
    for name, value in values.items():
        model_field = ticket._meta.get_field(name)
        try:
            value = model_field.clean(value, ticket)
        except ValidationError as exc:
            raise ValidationError({name: exc.messages}) from exc
        old = getattr(ticket, name)
        setattr(ticket, name, value)
        if old != value:
            events.append(_event(ticket, actor, EventKind.FIELD, field_name=name,
                                 old=old, new=value, public=True, when=now))
    for name in t.clears:
        setattr(ticket, name, ticket._meta.get_field(name).get_default())

    ticket.status = target
    if source == flow.initial and ticket.responded_at is None:
        ticket.responded_at = now
    if source in flow.on_hold and target not in flow.on_hold and ticket.on_hold_since:
        ticket.on_hold_seconds += int((now - ticket.on_hold_since).total_seconds())
        clock = sla.pause_ended(ticket, ticket.on_hold_since, now)
        ticket.on_hold_since = None
    if target in flow.on_hold and source not in flow.on_hold:
        ticket.on_hold_since = now
    if t.reopens:
        ticket.reopen_count += 1
        ticket.resolved_at = None
    if target in flow.resolved and ticket.resolved_at is None:
        ticket.resolved_at = now
    if target in flow.closed:
        ticket.closed_at = now
    if t.approves and ticket.approved_at is None:
        ticket.approved_at = now
    if t.diagnoses and ticket.diagnosed_at is None:
        ticket.diagnosed_at = now

    changed = {"status", "responded_at", "on_hold_since", "on_hold_seconds", "reopen_count",
               "resolved_at", "closed_at", "approved_at", "diagnosed_at", *clock, *values,
               *t.clears,
               *facts.measure(ticket)}
    with transaction.atomic():
        _save_versioned(ticket, expected_version, changed, when=now)
        TicketEvent.objects.bulk_create(events)
        facts.changed(ticket, before)
        # A requester who cancels their ticket does not work tasks: the system drops them.
        canceller = actor if actor is None or roles.is_worker(actor) else None
        for task in open_tasks:
            transition(task, TaskStatus.CANCELLED, actor=canceller, when=now,
                       note=_("Cancelled along with %(number)s.") % {"number": ticket.number}
                       + (f" {note}" if note else ""))
        if flow.after_transition:
            flow.after_transition(ticket, t, actor, now)
        for follow in registry.followers():
            follow(ticket, t, actor, now)
        if target in flow.resolved and source not in flow.resolved:
            notifications.resolved(ticket, actor)
    return ticket


def may_take(ticket, user, team_ids: set[int]) -> bool:
    """Whether "Assign to me" is offered: an open ticket someone else (or nobody) has,
    of no team or one of `team_ids` (the user's active teams)."""
    return (ticket.closed_at is None and ticket.assignee_id != user.pk
            and (ticket.assignment_team_id is None or ticket.assignment_team_id in team_ids))


def assign(ticket: Ticket, *, actor, team=UNSET, assignee=UNSET,
           expected_version: int | None = None, when=None, opening: bool = False) -> Ticket:
    """Set the assignment team and/or assignee, counting reassignments between teams.

    Changing the team drops an assignee who is not in the new team; an assignee must
    work tickets and belong to the team; with no team given, theirs is taken.
    """
    _require_worker(actor)
    flow = workflow_for(ticket)
    if ticket.closed_at is not None:
        raise ValidationError({"assignee": _("A closed ticket cannot be reassigned.")})
    old_team, old_assignee = ticket.assignment_team, ticket.assignee
    new_team = old_team if team is UNSET else team
    new_assignee = old_assignee if assignee is UNSET else assignee

    if new_team is not None and not new_team.is_active:
        raise ValidationError(
            {"assignment_team": _("%(team)s is not active.") % {"team": new_team}}
        )
    if new_assignee is not None:
        if not roles.is_worker(new_assignee):
            raise ValidationError({"assignee": _("%(user)s does not work tickets.")
                                   % {"user": new_assignee}})
        member_of = list(new_assignee.teams.filter(is_active=True).order_by("name"))
        if new_team is None:
            new_team = member_of[0] if member_of else None
        elif new_team not in member_of:
            if assignee is UNSET:
                new_assignee = None  # the team changed and the person is not in it
            else:
                raise ValidationError({"assignee": _("%(user)s is not a member of %(team)s.")
                                       % {"user": new_assignee, "team": new_team}})

    if new_team == old_team and new_assignee == old_assignee:
        return ticket
    now = when or timezone.now()
    before = facts.snapshot(ticket)
    events = []
    if new_team != old_team:
        events.append(_event(ticket, actor, EventKind.ASSIGNMENT, field_name="assignment_team",
                             old=old_team, new=new_team, when=now))
        if old_team is not None and new_team is not None:
            ticket.reassignment_count += 1
        if ticket.first_assignment_team_id is None and new_team is not None:
            ticket.first_assignment_team = new_team
    if new_assignee != old_assignee:
        events.append(_event(ticket, actor, EventKind.ASSIGNMENT, field_name="assignee",
                             old=old_assignee, new=new_assignee, when=now))
    ticket.assignment_team, ticket.assignee = new_team, new_assignee

    # Of the facts, a team change moves only who resolved it: a resolved ticket's.
    changed = ("assignment_team", "assignee", "first_assignment_team", "reassignment_count",
               *(facts.measure(ticket) if ticket.resolved_at else ()))
    with transaction.atomic():
        _save_versioned(ticket, expected_version, changed, when=now)
        TicketEvent.objects.bulk_create(events)
        if not opening:  # open_ticket tells of the new ticket once, assigned
            facts.changed(ticket, before)
        notifications.assigned(ticket, actor, team_changed=new_team != old_team,
                               assignee_changed=new_assignee != old_assignee, opening=opening)
        if (flow.start_on_assign and new_assignee is not None
                and ticket.status == flow.initial):
            transition(ticket, flow.start_on_assign, actor=actor, when=now)
    return ticket


def update(ticket: Ticket, *, actor, editable: Iterable[str],
           expected_version: int | None = None, when=None, **changes: Any) -> Ticket:
    """Change plain fields (title, impact, service, …) and recompute the priority.

    `editable` is the allow-list the caller's process grants; status and assignment
    never pass through here.
    """
    _require_worker(actor)
    editable = set(editable)
    refused = set(changes) - editable
    if refused:
        raise ValidationError({name: _("This field cannot be changed here.") for name in refused})
    if ticket.closed_at is not None and changes:
        raise ValidationError({"status": _("A closed ticket cannot be changed.")})
    now = when or timezone.now()
    before = facts.snapshot(ticket)
    events = []
    for name, value in changes.items():
        old = getattr(ticket, name)
        if old == value:
            continue
        setattr(ticket, name, value)
        events.append(_event(ticket, actor, EventKind.FIELD, field_name=name,
                             old=old, new=value, when=now))
    if {"impact", "urgency"} & set(changes):
        priority = priority_for(ticket.impact, ticket.urgency)
        if priority != ticket.priority:
            events.append(_event(ticket, actor, EventKind.PRIORITY, field_name="priority",
                                 old=ticket.priority, new=priority, when=now))
            ticket.priority = priority
    if not events:
        return ticket
    # Fields the change implies: the category follows the service, the clock the terms.
    derived: set[str] = categorise(ticket) if "service" in changes else set()
    if {"impact", "urgency", "service", "customer"} & set(changes):
        old_due = ticket.resolution_due
        derived |= sla.apply(ticket)
        if "resolution_due" in derived:
            events.append(_event(ticket, actor, EventKind.SLA, field_name="resolution_due",
                                 old=old_due.isoformat() if old_due else "",
                                 new=ticket.resolution_due.isoformat()
                                 if ticket.resolution_due else "", when=now))
    ticket.full_clean(exclude=["number", "status", "requester"],
                      validate_unique=False, validate_constraints=False)
    if "sla" in derived:
        derived |= facts.measure(ticket)  # a stopped clock is measured by its new terms
    with transaction.atomic():
        _save_versioned(ticket, expected_version, {*changes, "priority", *derived}, when=now)
        TicketEvent.objects.bulk_create(events)
        facts.changed(ticket, before)
    return ticket


def categorise(ticket: Ticket) -> set[str]:
    """File the ticket under its service's category (the catalog's structure steers
    categorisation); returns {"category"} if that changed it."""
    category_id = ticket.service.category_id if ticket.service_id else None
    if category_id == ticket.category_id:
        return set()
    ticket.category_id = category_id
    return {"category"}


def record_response(ticket: Ticket, when=None) -> None:
    """Stamp responded_at once (first agent action); does not conflict with edits."""
    when = when or timezone.now()
    if ticket.responded_at is None:
        before = facts.snapshot(ticket)
        ticket.responded_at = when
        measured = {Ticket._meta.get_field(name).attname: getattr(ticket, name)
                    for name in facts.measure(ticket)}
        if Ticket.objects.filter(pk=ticket.pk, responded_at__isnull=True).update(
                responded_at=when, **measured):
            facts.changed(ticket, before)


def convert(ticket: Ticket, kind: str, *, actor, expected_version: int | None = None,
            when=None) -> Ticket:
    """Make an open ticket a ticket of another kind (an incident that is really a
    request, and back), keeping its timeline, tasks, comments and files: it gets a
    number of its new kind (the old one still finds it), its status as far as the new
    workflow knows it (else where that workflow starts, or in progress once
    responded), and the new kind's SLA terms. Returns the ticket as the new kind's."""
    _require_worker(actor)
    source, target = registry.process_for(ticket), registry.process_for(kind)
    if kind not in source.converts_to:
        raise ValidationError({"kind": _("A %(source)s cannot become a %(target)s.")
                               % {"source": source.label, "target": target.label}})
    if not ticket.is_open:
        raise ValidationError({"kind": _("Only open tickets are converted.")})
    if ticket.on_hold_since is not None:
        raise ValidationError({"kind": _("Resume the ticket before converting it.")})
    refusal = source.may_convert(registry.concrete(ticket))
    if refusal:
        raise ValidationError({"kind": refusal})
    flow = target.workflow
    now = when or timezone.now()
    with transaction.atomic():
        base = Ticket.objects.select_for_update().get(pk=ticket.pk)
        expected = ticket.version if expected_version is None else expected_version
        if base.version != expected:
            raise StaleVersion(base.version)
        before = facts.snapshot(base)
        old_number, old_kind, old_status = base.number, base.kind, base.status
        # The old kind's own row goes; the ticket row and all that hangs off it stay.
        source.model.objects.get(pk=base.pk).delete(keep_parents=True)
        converted = target.model(ticket_ptr=base)
        for model_field in Ticket._meta.concrete_fields:
            setattr(converted, model_field.attname, getattr(base, model_field.attname))
        converted.kind, converted.converted_from = kind, base.converted_from or old_number
        converted.number = next_number(kind)
        known = old_status in flow.statuses.values and flow.is_open(old_status) and (
            old_status not in flow.on_hold)
        converted.status = old_status if known else (
            flow.start_on_assign or flow.initial
            if base.responded_at and flow.start_on_assign else flow.initial)
        converted.version = base.version + 1
        converted.updated_at = now
        sla.apply(converted)
        converted.save()
        events = [_event(converted, actor, EventKind.FIELD, field_name="kind", old=old_kind,
                         new=kind, public=True, when=now,
                         note=_("Converted from %(number)s.") % {"number": old_number})]
        if converted.status != old_status:
            events.append(_event(converted, actor, EventKind.STATUS, field_name="status",
                                 old=old_status, new=converted.status, public=True,
                                 when=now))
        TicketEvent.objects.bulk_create(events)
        facts.changed(converted, before)
    return converted
