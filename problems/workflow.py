"""The problem workflow (DESIGN.md §2):

new → investigating → known_error → resolved → closed; cancelled from any open state.
A problem is resolved from investigating (the cause removed at once) or from
known_error; a resolved problem goes back to investigating when its fix did not hold.
Reaching known_error needs a root cause (and its category) and a workaround, and
publishes the known-error article (`problems.services.publish_known_error`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from itsm.choices import TicketKind
from itsm.workflow import Transition, Workflow

from .choices import OPEN_STATUSES
from .choices import ProblemStatus as S


def _after_transition(ticket, transition, actor, when) -> None:
    from . import services

    if transition.target == S.KNOWN_ERROR:
        services.publish_known_error(ticket, actor=actor, when=when)


PROBLEM_WORKFLOW = Workflow(
    kind=TicketKind.PROBLEM,
    statuses=S,
    initial=S.NEW,
    resolved=frozenset({S.RESOLVED}),
    closed=frozenset({S.CLOSED, S.CANCELLED}),
    start_on_assign=S.INVESTIGATING,
    after_transition=_after_transition,
    transitions=(
        Transition("investigate", gettext_lazy("Start investigating"), frozenset({S.NEW}),
                   S.INVESTIGATING),
        Transition("known_error", gettext_lazy("Record known error"),
                   frozenset({S.INVESTIGATING}), S.KNOWN_ERROR,
                   requires=("cause_category", "root_cause", "workaround"), diagnoses=True),
        Transition("resolve", gettext_lazy("Resolve"),
                   frozenset({S.INVESTIGATING, S.KNOWN_ERROR}), S.RESOLVED,
                   requires=("resolution_code", "resolution_notes")),
        Transition("close", gettext_lazy("Close"), frozenset({S.RESOLVED}), S.CLOSED),
        Transition("reinvestigate", gettext_lazy("Investigate again"),
                   frozenset({S.KNOWN_ERROR}), S.INVESTIGATING, requires=("note",)),
        Transition("reopen", gettext_lazy("Reopen"), frozenset({S.RESOLVED}),
                   S.INVESTIGATING, requires=("note",), reopens=True,
                   clears=("resolution_code", "resolution_notes")),
        Transition("cancel", gettext_lazy("Cancel"), OPEN_STATUSES, S.CANCELLED,
                   requires=("note",), cancels_tasks=True),
    ),
)
