"""Authorisation of changes: the one writer of `ChangeApprovalStage` and `ChangeApproval`.

When a change goes to authorization (a normal one submitted after assessment, an
emergency one expedited) the policy's steps for its type and risk are copied onto it
(`ApprovalPolicyStep`: the steps of its type with its risk or with none, in the order
of their position; with no policy, one step decided by any change manager) and the
first opens. Each step's approvers are chosen as it opens: the change managers, the
technical owner (the lead of the service's owner team), a team's members or named
people; never whoever raised the change while someone else can decide. The rules of
`itsm.approvals` settle each step; the last approved step schedules the change, a
rejected one sends a normal change back to assessment and cancels an emergency one.
A CAB meeting decides for its attendees who approve the open step (`decide_in_meeting`).
Every decision is an event on the change with who, when and the comment.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from itsm import approvals as approval_rules
from itsm import notifications, workflow
from itsm.base import roles
from itsm.choices import Decision, StageState
from itsm.models import Notification, User

from .choices import ChangeApprovers, ChangeStatus, ChangeType
from .models import ApprovalPolicyStep, Change, ChangeApproval, ChangeApprovalStage


def policy_for(change: Change) -> list[ApprovalPolicyStep]:
    """The policy's steps for the change's type and risk, in order."""
    return list(ApprovalPolicyStep.objects.filter(
        Q(risk="") | Q(risk=change.risk), change_type=change.change_type)
        .prefetch_related("people").order_by("position", "pk"))


def begin(change: Change, *, when) -> ChangeApprovalStage | None:
    """Plan the change's steps from the policy as it stands and open the first. A
    change back from assessment starts again: earlier rounds stay as they were decided."""
    steps = policy_for(change)
    base = (ChangeApprovalStage.objects.filter(change=change)
            .order_by("-position").values_list("position", flat=True).first() or 0)
    planned = [ChangeApprovalStage(
        change=change, position=base + offset, name=step.name, approvers=step.approvers,
        people=[person.pk for person in step.people.all()], team=step.team, rule=step.rule,
        needed=step.needed, due_hours=step.due_hours)
        for offset, step in enumerate(steps, start=1)] or [ChangeApprovalStage(
            change=change, position=base + 1, name=_("Change manager"),
            approvers=ChangeApprovers.CHANGE_MANAGERS, rule="any", due_hours=(
                4 if change.change_type == ChangeType.EMERGENCY else 48))]
    stages = ChangeApprovalStage.objects.bulk_create(planned)
    open_stage(stages[0], when=when)
    return stages[0]


def approvers_of(stage: ChangeApprovalStage) -> list[User]:
    """Who decides a step, chosen as it opens; never whoever raised the change: the
    change managers decide what nobody else can."""
    change = stage.change
    if stage.approvers == ChangeApprovers.OWNER:
        owner = change.service.owner_team if change.service_id else None
        people = [owner.lead] if owner is not None and owner.lead_id else (
            list(owner.members.all()) if owner is not None else [])
    elif stage.approvers == ChangeApprovers.TEAM:
        people = list(stage.team.members.all()) if stage.team_id else []
    elif stage.approvers == ChangeApprovers.PEOPLE:
        people = list(User.objects.filter(pk__in=stage.people))
    else:
        people = []

    def eligible(found) -> list[User]:
        return sorted({p.pk: p for p in found if p.is_active and p.pk != change.requester_id}
                      .values(), key=lambda p: p.pk)

    return eligible(people) or eligible(
        roles.holders(roles.CHANGE_MANAGER))


def open_stage_of(change: Change) -> ChangeApprovalStage | None:
    return change.approval_stages.filter(state=StageState.PENDING).first()


# --- deciding ---------------------------------------------------------------------------


class ChangeApprovals(approval_rules.Engine):
    """The last approved step schedules the change; a rejected one sends a normal
    change back to assessment and cancels an emergency one, whoever raised it told."""

    ticket_model = Change
    stage_model = ChangeApprovalStage
    approval_model = ChangeApproval
    ticket_field = "change"
    refusal_needs_reason = gettext_lazy("Say why you refuse: whoever raised the change is "
                                        "told.")
    nobody_decides = gettext_lazy("Nobody can decide step “%(step)s”: name a change "
                                  "manager first.")

    def approvers_of(self, stage: ChangeApprovalStage) -> list[User]:
        return approvers_of(stage)

    def tell(self, asked: list[ChangeApproval], kind: str) -> None:
        _tell_approvers(asked[0].change, asked, kind)

    def authorised(self, change: Change, now) -> None:
        workflow.transition(change, ChangeStatus.SCHEDULED, actor=None, when=now,
                            note=_("Authorized: every approval step approved."))

    def rejected(self, change: Change, stage: ChangeApprovalStage, reason: str, now) -> None:
        ChangeApprovalStage.objects.filter(change=change, state=StageState.WAITING).update(
            state=StageState.CANCELLED, decided_at=now)
        target = (ChangeStatus.ASSESSMENT if change.change_type == ChangeType.NORMAL
                  else ChangeStatus.CANCELLED)
        workflow.transition(change, target, actor=None, when=now, note=reason)
        _tell_refused(change, reason)

    def decide_in_meeting(self, change: Change, *, meeting, actor, approve: bool,
                          comment: str = "", when=None) -> list[ChangeApproval]:
        """Record a CAB meeting's decision on the change's open step, for each of its
        approvers who attended (the chair included); recorded by a change manager."""
        if not roles.roles_of(actor) & {roles.CHANGE_MANAGER, roles.ADMIN}:
            raise PermissionDenied(_("Only a change manager records the CAB's decisions."))
        comment = self.reason(approve, comment)
        now = when or timezone.now()
        with transaction.atomic():
            change = self.lock(change.pk)
            if change.requester_id == actor.pk:
                raise PermissionDenied(_("Whoever raised a change does not decide it, in a "
                                         "meeting either."))
            stage = open_stage_of(change)
            if stage is None:
                raise ValidationError({"decision": _("%(number)s awaits no decision.")
                                       % {"number": change.number}})
            present = set(meeting.attendees.values_list("pk", flat=True)) | {meeting.chair_id}
            taken = list(stage.approvals.select_related("approver")
                         .filter(decision=Decision.PENDING, approver__in=present))
            if not taken:
                raise ValidationError({"decision": _(
                    "None of the meeting's attendees decides step “%(step)s”.")
                    % {"step": stage.name}})
            for approval in taken:
                approval.change, approval.stage = change, stage
                # Decided by the approver, in the meeting; recorded by the actor.
                self.take(approval, user=actor, approve=approve, comment=comment, when=now,
                          meeting=meeting, decided_by=approval.approver,
                          by=_("%(approver)s in %(meeting)s") % {
                              "approver": approval.approver, "meeting": meeting.title})
            self.settle(change, stage, taken[-1], now)
        return taken


ENGINE = ChangeApprovals()
may_decide = ENGINE.may_decide
decide = ENGINE.decide
decide_in_meeting = ENGINE.decide_in_meeting
remind_due = ENGINE.remind_due
open_stage = ENGINE.open_stage
close_open = ENGINE.close_open


# --- telling and finding -------------------------------------------------------------------


@notifications.telling
def _tell_approvers(change: Change, asked: list[ChangeApproval],
                    kind: str = Notification.Kind.APPROVAL) -> list[Notification]:
    told = []
    for approval in asked:
        people = [approval.approver]
        if approval.approver.is_away() and approval.approver.delegate is not None:
            people.append(approval.approver.delegate)
        told += notifications.tell(notifications.people_of(people), change, kind,
                                   template="changes/email/approval.txt", approval=approval,
                                   reminder=kind == Notification.Kind.APPROVAL_REMINDER)
    return told


@notifications.telling
def _tell_refused(change: Change, reason: str) -> list[Notification]:
    return notifications.tell(notifications.people_of([change.requester, change.assignee]),
                              change, Notification.Kind.REJECTED,
                              template="changes/email/refused.txt", reason=reason)


def waiting_for(user):
    """Every change approval waiting for `user`'s decision (theirs, and as a
    delegate), the soonest due first."""
    return (ChangeApproval.objects.for_user(user).pending()
            .select_related("stage", "change__requester", "change__service", "approver")
            .order_by("stage__due_at", "pk"))


def awaiting_authorization():
    """Every change in authorization with its open step, for the change managers."""
    return (Change.objects.filter(status=ChangeStatus.AUTHORIZATION)
            .select_related("service", "requester")
            .prefetch_related(Prefetch(
                "approval_stages", ChangeApprovalStage.objects.filter(
                    state=StageState.PENDING).prefetch_related(
                        Prefetch("approvals", ChangeApproval.objects.select_related(
                            "approver"))), to_attr="open_stages"))
            .order_by("planned_start", "pk"))


def decided_by(user):
    return (ChangeApproval.objects.filter(decided_by=user)
            .exclude(decision__in=(Decision.PENDING, Decision.NOT_NEEDED, Decision.CANCELLED))
            .select_related("stage", "change").order_by("-decided_at"))
