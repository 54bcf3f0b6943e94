"""The incident workflow (DESIGN.md §2):

new → in_progress ⇄ on_hold → resolved → closed; resolved → in_progress is a reopen;
cancelled from any open state. Registered with the core engine at import.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from itsm.base import roles
from itsm.choices import TicketKind
from itsm.workflow import Transition, Workflow, register

from .choices import IncidentStatus as S


def requester_reopen_window(ticket, user) -> str | None:
    """Requesters may reopen only within REOPEN_WINDOW_DAYS of the resolution."""
    if roles.is_worker(user):
        return None
    window = timedelta(days=settings.REOPEN_WINDOW_DAYS)
    if ticket.resolved_at and timezone.now() - ticket.resolved_at > window:
        return _("The reopen window of %(days)d days has passed; please log a new incident.") % {
            "days": settings.REOPEN_WINDOW_DAYS
        }
    return None


def _after_transition(ticket, transition, actor, when) -> None:
    from .services import resolve_children

    if transition.target == S.RESOLVED:
        resolve_children(ticket, actor=actor, when=when)


OPEN = frozenset({S.NEW, S.IN_PROGRESS, S.ON_HOLD})

INCIDENT_WORKFLOW = register(Workflow(
    kind=TicketKind.INCIDENT,
    statuses=S,
    initial=S.NEW,
    resolved=frozenset({S.RESOLVED}),
    closed=frozenset({S.CLOSED, S.CANCELLED}),
    on_hold=frozenset({S.ON_HOLD}),
    start_on_assign=S.IN_PROGRESS,
    after_transition=_after_transition,
    transitions=(
        Transition("start", _lazy("Start work"), frozenset({S.NEW}), S.IN_PROGRESS),
        Transition("hold", _lazy("Put on hold"), frozenset({S.IN_PROGRESS}), S.ON_HOLD,
                   requires=("on_hold_reason",)),
        Transition("resume", _lazy("Resume"), frozenset({S.ON_HOLD}), S.IN_PROGRESS,
                   clears=("on_hold_reason",)),
        Transition("resolve", _lazy("Resolve"), frozenset({S.IN_PROGRESS, S.ON_HOLD}),
                   S.RESOLVED, requires=("resolution_code", "resolution_notes"),
                   clears=("on_hold_reason",)),
        Transition("close", _lazy("Close"), frozenset({S.RESOLVED}), S.CLOSED,
                   requester_may=True),
        Transition("reopen", _lazy("Reopen"), frozenset({S.RESOLVED}), S.IN_PROGRESS,
                   requires=("note",), requester_may=True, guard=requester_reopen_window,
                   reopens=True, clears=("resolution_code", "resolution_notes")),
        Transition("cancel", _lazy("Cancel"), OPEN, S.CANCELLED, requires=("note",),
                   clears=("on_hold_reason",)),
    ),
))
