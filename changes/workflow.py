"""The change workflow (DESIGN.md §2):

new → assessment → authorization → scheduled → implementing → review → closed;
cancelled from any state before implementation. A standard change (from a catalog
template, pre-authorised) goes from new straight to scheduled; an emergency change
from new straight to authorization. In authorization the change's approval steps
decide (`changes.approvals`): the last approval schedules it, a refusal sends it back;
nobody moves it past them by hand, and a change manager may send it back to assessment
(which ends the round). Completing the implementation records how it went (the close
code), and a change that went wrong, or an emergency one, is reviewed before it closes.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from itsm.base import roles
from itsm.choices import TicketKind
from itsm.workflow import Transition, Workflow

from .choices import OPEN_STATUSES, ChangeType
from .choices import ChangeStatus as S

AUTHORISERS = frozenset({roles.CHANGE_MANAGER, roles.ADMIN})


def _change(ticket):
    from .models import Change

    return ticket if isinstance(ticket, Change) else Change.objects.get(pk=ticket.pk)


def _of_type(*types: str, refusal):
    def guard(ticket, user) -> str | None:
        return None if _change(ticket).change_type in types else str(refusal)
    return guard


def _ready_to_assess(ticket, user) -> str | None:
    """A normal change goes to authorization with its risk assessed, its plans and its
    window."""
    change = _change(ticket)
    missing = [str(label) for label, value in (
        (_("the risk"), change.risk), (_("the implementation plan"), change.implementation_plan),
        (_("the back-out plan"), change.backout_plan), (_("the planned start"),
                                                       change.planned_start),
        (_("the planned end"), change.planned_end)) if not value]
    if missing:
        return _("Record %(missing)s first.") % {"missing": ", ".join(missing)}
    return None


def _windowed(ticket, user) -> str | None:
    change = _change(ticket)
    if not (change.planned_start and change.planned_end):
        return _("Plan the change's start and end first.")
    return None


def _reviewed(ticket, user) -> str | None:
    change = _change(ticket)
    if change.needs_review and not change.reviewed:
        return _("This change is reviewed before it closes: record what happened and the "
                 "lessons learned.")
    return None


def _after_transition(ticket, transition, actor, when) -> None:
    from . import approvals, services
    from .models import Change

    stamps = {S.IMPLEMENTING: "actual_start", S.REVIEW: "actual_end"}
    if transition.target in stamps:
        Change.objects.filter(pk=ticket.pk).update(**{stamps[transition.target]: when})
        setattr(ticket, stamps[transition.target], when)
    if transition.target == S.AUTHORIZATION:
        approvals.begin(_change(ticket), when=when)
    elif S.AUTHORIZATION in transition.sources and transition.target != S.SCHEDULED:
        approvals.close_open(ticket, when=when)
    if transition.target in (S.SCHEDULED, S.CANCELLED):
        # Its window becomes (or, cancelled, may stop being) planned work.
        change = _change(ticket)
        services.announce_planned(change, [change.planned_start, change.planned_end])


CHANGE_WORKFLOW = Workflow(
    kind=TicketKind.CHANGE,
    statuses=S,
    initial=S.NEW,
    resolved=frozenset({S.REVIEW}),
    closed=frozenset({S.CLOSED, S.CANCELLED}),
    after_transition=_after_transition,
    transitions=(
        Transition("assess", gettext_lazy("Start assessment"), frozenset({S.NEW}),
                   S.ASSESSMENT, guard=_of_type(ChangeType.NORMAL, refusal=gettext_lazy(
                       "Only a normal change is assessed."))),
        Transition("expedite", gettext_lazy("Request emergency authorization"),
                   frozenset({S.NEW}), S.AUTHORIZATION,
                   guard=lambda t, u: _of_type(ChangeType.EMERGENCY, refusal=gettext_lazy(
                       "Only an emergency change skips the assessment."))(t, u)
                   or _windowed(t, u)),
        Transition("schedule_standard", gettext_lazy("Schedule"), frozenset({S.NEW}),
                   S.SCHEDULED, guard=lambda t, u: _of_type(
                       ChangeType.STANDARD, refusal=gettext_lazy(
                           "Only a standard change is pre-authorised."))(t, u) or _windowed(t, u)),
        Transition("submit", gettext_lazy("Submit for authorization"),
                   frozenset({S.ASSESSMENT}), S.AUTHORIZATION, guard=_ready_to_assess),
        # Taken by the approval steps alone (no role may take it by hand).
        Transition("authorize", gettext_lazy("Authorize"), frozenset({S.AUTHORIZATION}),
                   S.SCHEDULED, roles=frozenset(), approves=True),
        Transition("send_back", gettext_lazy("Send back to assessment"),
                   frozenset({S.AUTHORIZATION}), S.ASSESSMENT, roles=AUTHORISERS,
                   requires=("note",),
                   guard=_of_type(ChangeType.NORMAL, refusal=gettext_lazy(
                       "Only a normal change goes back to assessment."))),
        Transition("implement", gettext_lazy("Start implementation"),
                   frozenset({S.SCHEDULED}), S.IMPLEMENTING),
        Transition("complete", gettext_lazy("Complete implementation"),
                   frozenset({S.IMPLEMENTING}), S.REVIEW,
                   requires=("close_code", "close_notes")),
        Transition("close", gettext_lazy("Close"), frozenset({S.REVIEW}), S.CLOSED,
                   guard=_reviewed),
        Transition("cancel", gettext_lazy("Cancel"), OPEN_STATUSES, S.CANCELLED,
                   requires=("note",), cancels_tasks=True),
    ),
)
