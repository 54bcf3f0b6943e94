"""The incident workflow (DESIGN.md §2):

new → in_progress ⇄ on_hold → resolved → closed; resolved → in_progress is a reopen;
cancelled from any open state. The process registers it (`incidents.process`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from itsm import outages
from itsm.choices import TicketKind
from itsm.workflow import Transition, Workflow, within_reopen_window

from .choices import IncidentStatus as S
from .choices import OnHoldReason


def _after_transition(ticket, transition, actor, when) -> None:
    from .services import resolve_children

    if transition.target == S.RESOLVED:
        resolve_children(ticket, actor=actor, when=when)
    from .models import Incident

    incident = ticket if isinstance(ticket, Incident) else (
        Incident.objects.only("is_outage").get(pk=ticket.pk))
    if incident.is_outage:  # its outage ends (or goes on) with it
        outages.follow_ticket(ticket, active=True, actor=actor)


def _awaiting_caller(ticket) -> bool:
    return ticket.status == S.ON_HOLD and ticket.on_hold_reason == OnHoldReason.AWAITING_CALLER


OPEN = frozenset({S.NEW, S.IN_PROGRESS, S.ON_HOLD})

INCIDENT_WORKFLOW = Workflow(
    kind=TicketKind.INCIDENT,
    statuses=S,
    initial=S.NEW,
    resolved=frozenset({S.RESOLVED}),
    closed=frozenset({S.CLOSED, S.CANCELLED}),
    on_hold=frozenset({S.ON_HOLD}),
    start_on_assign=S.IN_PROGRESS,
    after_transition=_after_transition,
    # A requester may reopen within the window; resolved incidents close after a while.
    defaults={"reopen_window_days": 7, "auto_close_days": 7},
    awaiting_requester=_awaiting_caller,
    resume_on_reply="resume",
    auto_close="close",
    transitions=(
        Transition("start", gettext_lazy("Start work"), frozenset({S.NEW}), S.IN_PROGRESS),
        Transition("hold", gettext_lazy("Put on hold"), frozenset({S.IN_PROGRESS}), S.ON_HOLD,
                   requires=("on_hold_reason",)),
        Transition("resume", gettext_lazy("Resume"), frozenset({S.ON_HOLD}), S.IN_PROGRESS,
                   clears=("on_hold_reason",)),
        Transition("resolve", gettext_lazy("Resolve"), frozenset({S.IN_PROGRESS, S.ON_HOLD}),
                   S.RESOLVED, requires=("resolution_code", "resolution_notes"),
                   clears=("on_hold_reason",)),
        Transition("close", gettext_lazy("Close"), frozenset({S.RESOLVED}), S.CLOSED,
                   requester_may=True),
        Transition("reopen", gettext_lazy("Reopen"), frozenset({S.RESOLVED}), S.IN_PROGRESS,
                   requires=("note",), requester_may=True, guard=within_reopen_window,
                   reopens=True, clears=("resolution_code", "resolution_notes")),
        Transition("cancel", gettext_lazy("Cancel"), OPEN, S.CANCELLED, requires=("note",),
                   clears=("on_hold_reason",), cancels_tasks=True),
    ),
)
