"""The service request workflow (DESIGN.md §2):

new → awaiting_approval → in_progress ⇄ on_hold → fulfilled → closed; rejected;
cancelled from any open state. Approval moves (submit, approve, reject) are the
system's, taken when approvers decide (`service_requests.approvals`); waiting for
approval, like on hold, stops the fulfilment clock.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from itsm.choices import TicketKind
from itsm.workflow import Transition, Workflow

from .choices import OPEN_STATUSES, OnHoldReason
from .choices import RequestStatus as S

SYSTEM = frozenset()  # no role takes these; the approvals do


def _after_transition(ticket, transition, actor, when) -> None:
    from . import approvals

    if transition.target in (S.CANCELLED, S.REJECTED):
        approvals.close_open(ticket, when=when)


def _awaiting_requester(ticket) -> bool:
    return ticket.status == S.ON_HOLD and ticket.on_hold_reason == OnHoldReason.AWAITING_REQUESTER


def _plan_done(ticket, user) -> str | None:
    """Agents fulfil a request themselves only once every planned task has opened."""
    from .models import ServiceRequest

    request = ticket if isinstance(ticket, ServiceRequest) else (
        ServiceRequest.objects.only("plan", "opened_stage").get(pk=ticket.pk))
    if request.opened_stage < request.last_stage:
        return _("Fulfilment tasks are still to come; the request is fulfilled when they "
                 "are done.")
    return None


REQUEST_WORKFLOW = Workflow(
    kind=TicketKind.SERVICE_REQUEST,
    statuses=S,
    initial=S.NEW,
    resolved=frozenset({S.FULFILLED}),
    closed=frozenset({S.CLOSED, S.REJECTED, S.CANCELLED}),
    on_hold=frozenset({S.ON_HOLD, S.AWAITING_APPROVAL}),
    start_on_assign=S.IN_PROGRESS,
    after_transition=_after_transition,
    defaults={"auto_close_days": 5},
    awaiting_requester=_awaiting_requester,
    resume_on_reply="resume",
    auto_close="close",
    transitions=(
        Transition("submit", gettext_lazy("Submit for approval"), frozenset({S.NEW}),
                   S.AWAITING_APPROVAL, roles=SYSTEM),
        Transition("approve", gettext_lazy("Approve"), frozenset({S.AWAITING_APPROVAL}),
                   S.IN_PROGRESS, roles=SYSTEM, approves=True),
        Transition("reject", gettext_lazy("Reject"), frozenset({S.AWAITING_APPROVAL}),
                   S.REJECTED, requires=("note",), roles=SYSTEM),
        Transition("start", gettext_lazy("Start work"), frozenset({S.NEW}), S.IN_PROGRESS),
        Transition("hold", gettext_lazy("Put on hold"), frozenset({S.IN_PROGRESS}), S.ON_HOLD,
                   requires=("on_hold_reason",)),
        Transition("resume", gettext_lazy("Resume"), frozenset({S.ON_HOLD}), S.IN_PROGRESS,
                   clears=("on_hold_reason",)),
        Transition("fulfil", gettext_lazy("Fulfil"), frozenset({S.IN_PROGRESS, S.ON_HOLD}),
                   S.FULFILLED, requires=("fulfilment_notes",), clears=("on_hold_reason",),
                   guard=_plan_done),
        Transition("close", gettext_lazy("Close"), frozenset({S.FULFILLED}), S.CLOSED,
                   requester_may=True),
        Transition("cancel", gettext_lazy("Cancel"), OPEN_STATUSES, S.CANCELLED,
                   requires=("note",), clears=("on_hold_reason",), requester_may=True,
                   cancels_tasks=True),
    ),
)
