"""Approvals of service requests: the one writer of `ApprovalStage` and `Approval`.

An order of an item with approval steps waits in "awaiting approval" while its steps
are decided in sequence. Each step's approvers are chosen when it opens: the
requester's manager, named people, or a team's members (never the requester
themself while anyone else can decide). A step is approved once it has the approvals
its rule requires: any one, all, a number or a percentage of its approvers. Under
"any one" the first decision decides the step either way; under the others a
refusal rejects it as soon as the approvals still possible fall short. A rejected
step rejects the request, with the reason told to the requester; the last approved
step sends it to fulfilment. An approver's delegate decides for them while they are
away, and every decision is recorded with who, when and the comment.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import ApproverKind, RequestItem
from itsm import approvals as approval_rules
from itsm import notifications, workflow
from itsm.models import Notification, User

from .choices import Decision, RequestStatus, StageState
from .models import Approval, ApprovalStage, ServiceRequest

SALT = "service_requests.approval"


# --- planning and opening steps -------------------------------------------------------


def plan_stages(request: ServiceRequest, item: RequestItem) -> list[ApprovalStage]:
    """Copy the item's approval steps onto the request, as they stand now."""
    stages = [
        ApprovalStage(request=request, position=position, name=step.name,
                      approvers=step.approvers, people=[p.pk for p in step.people.all()],
                      team=step.team, rule=step.rule, needed=step.needed,
                      due_hours=step.due_hours)
        for position, step in enumerate(item.approval_steps.prefetch_related("people")
                                        .order_by("position"), start=1)
    ]
    return ApprovalStage.objects.bulk_create(stages)


def submit(request: ServiceRequest, *, when=None) -> None:
    """Send a new request to its first approval step."""
    now = when or timezone.now()
    first = request.approval_stages.order_by("position").first()
    workflow.transition(request, RequestStatus.AWAITING_APPROVAL, actor=None, when=now,
                        note=_("Waiting for approval: %(step)s.") % {"step": first.name})
    open_stage(first, when=now)


def approvers_of(stage: ApprovalStage) -> list[User]:
    """Who decides a step, chosen as it opens; the requester decides nothing of their
    own while someone else can."""
    request = stage.request
    if stage.approvers == ApproverKind.MANAGER:
        manager = request.requester.manager
        people = [manager] if manager is not None else []
        if not people:  # nobody manages them: the service's owner team lead decides
            owner = request.service.owner_team if request.service_id else None
            people = [owner.lead] if owner is not None and owner.lead_id else []
    elif stage.approvers == ApproverKind.TEAM:
        people = list(stage.team.members.all()) if stage.team_id else []
    else:
        people = list(User.objects.filter(pk__in=stage.people))
    people = sorted({p.pk: p for p in people if p.is_active}.values(), key=lambda p: p.pk)
    others = [person for person in people if person.pk != request.requester_id]
    return others or people


# --- deciding ---------------------------------------------------------------------------


class RequestApprovals(approval_rules.Engine):
    """A rejected step rejects the request, the requester told why; the last approved
    step sends it to fulfilment."""

    ticket_model = ServiceRequest
    stage_model = ApprovalStage
    approval_model = Approval
    ticket_field = "request"
    public = True
    refusal_needs_reason = gettext_lazy("Say why you refuse: the requester is told.")
    nobody_field = "request_item"
    nobody_decides = gettext_lazy("Nobody can approve step “%(step)s” of this item; its "
                                  "owner team must name an approver first.")

    def approvers_of(self, stage: ApprovalStage) -> list[User]:
        return approvers_of(stage)

    def tell(self, asked: list[Approval], kind: str) -> None:
        for approval in asked:
            tell_approver(approval, kind)

    def authorised(self, request: ServiceRequest, now) -> None:
        from . import fulfilment

        workflow.transition(request, RequestStatus.IN_PROGRESS, actor=None, when=now,
                            note=_("Approved; fulfilment begins."))
        fulfilment.begin(request, when=now, started=True)

    def rejected(self, request: ServiceRequest, stage: ApprovalStage, reason: str,
                 now) -> None:
        workflow.transition(request, RequestStatus.REJECTED, actor=None, when=now,
                            note=reason)
        _tell_rejected(request, reason)


ENGINE = RequestApprovals()
may_decide = ENGINE.may_decide
decide = ENGINE.decide
remind_due = ENGINE.remind_due
open_stage = ENGINE.open_stage
close_open = ENGINE.close_open


# --- telling approvers, one-click links, reminders -------------------------------------


def token_of(approval: Approval, person: User | None = None) -> str:
    """The signed key of the one-click link sent to `person` (the approver, or their
    delegate): it names them, so the decision is recorded as theirs, and a link
    forwarded to someone else is refused when that someone is signed in."""
    person_id = person.pk if person is not None else approval.approver_id
    return signing.TimestampSigner(salt=SALT).sign(f"{approval.pk}.{person_id}")


def from_token(token: str) -> tuple[Approval, User] | None:
    """The approval of a link that is genuine and not older than
    APPROVAL_LINK_MAX_AGE_DAYS, and the person it was sent to; None otherwise."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(
            token, max_age=timedelta(days=settings.APPROVAL_LINK_MAX_AGE_DAYS))
    except signing.BadSignature:  # SignatureExpired is one
        return None
    pk, _dot, person_id = value.partition(".")
    approval = (Approval.objects.select_related("stage", "request", "approver__delegate")
                .filter(pk=pk).first() if pk.isdigit() else None)
    if approval is None:
        return None
    approver = approval.approver
    if str(approver.pk) == person_id:
        return approval, approver
    if approver.delegate_id is not None and str(approver.delegate_id) == person_id:
        return approval, approver.delegate
    return None


def link_url(approval: Approval, person: User | None = None) -> str:
    path = reverse("portal:requests:approval-link", args=[token_of(approval, person)])
    return settings.SITE_URL.rstrip("/") + path


@notifications.telling
def _tell_rejected(request: ServiceRequest, reason: str) -> list[Notification]:
    return notifications.tell(notifications.people_of([request.requester]), request,
                              Notification.Kind.REJECTED,
                              template="service_requests/email/rejected.txt", reason=reason)


@notifications.telling
def tell_approver(approval: Approval, kind: str) -> list[Notification]:
    """Ask the approver (and their delegate while they are away) by notification and
    email, with the one-click link."""
    approver = approval.approver
    people = [approver]
    if approver.is_away() and approver.delegate is not None:
        people.append(approver.delegate)
    told = []
    for person in notifications.people_of(people):  # each their own link
        told += notifications.tell([person], approval.request, kind,
                                   template="service_requests/email/approval.txt",
                                   approval=approval, approve_url=link_url(approval, person),
                                   reminder=kind == Notification.Kind.APPROVAL_REMINDER)
    return told


def waiting_for(user):
    """Everything waiting for `user`'s decision (theirs, and as a delegate), oldest
    first."""
    return (Approval.objects.for_user(user).pending()
            .filter(stage__state=StageState.PENDING)
            .select_related("stage", "request__requester", "request__request_item",
                            "approver")
            .order_by("stage__due_at", "pk"))


def decided_by(user):
    """What `user` decided lately (as approver or delegate)."""
    return (Approval.objects.filter(Q(decided_by=user))
            .exclude(decision__in=(Decision.PENDING, Decision.NOT_NEEDED, Decision.CANCELLED))
            .select_related("stage", "request", "approver").order_by("-decided_at"))
