"""Approval steps, whatever they approve (an order, a change): the rules and the
deciding that every process shares.

A step has approvers and a rule: any one of them, all, a number or a percentage. It
is approved once it has the approvals its rule requires. Under "any one" the first
decision decides it either way; under the others a refusal rejects it as soon as the
approvals still possible fall short. Each process keeps its own steps and decisions
(`service_requests.approvals`, `changes.approvals`) and says, through an `Engine`,
what a settled step does to its ticket; deciding — who may, in which order, what is
recorded — is the same for all.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import ApprovalRule, Team

from .choices import Decision, EventKind, StageState
from .models import Notification, Ticket, TicketEvent


class StageBase(models.Model):
    """One approval step of one ticket, as its process's policy stood when the ticket
    asked; its approvers are chosen when it opens. A process adds the ticket, the kind
    of approvers and its ordering."""

    position = models.PositiveSmallIntegerField(gettext_lazy("step"))
    name = models.CharField(gettext_lazy("name"), max_length=100)
    people = models.JSONField(default=list, blank=True)  # user ids, for named approvers
    team = models.ForeignKey(Team, verbose_name=gettext_lazy("team"),
                             on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    rule = models.CharField(gettext_lazy("decided by"), max_length=10, choices=ApprovalRule)
    needed = models.PositiveSmallIntegerField(gettext_lazy("number or share needed"),
                                              null=True, blank=True)
    due_hours = models.PositiveSmallIntegerField(gettext_lazy("time to decide (hours)"),
                                                 default=24)
    state = models.CharField(gettext_lazy("state"), max_length=10, choices=StageState,
                             default=StageState.WAITING)
    required = models.PositiveSmallIntegerField(
        gettext_lazy("approvals required"), default=1,
        help_text=gettext_lazy("How many approvals the step needs, from the rule and its "
                               "approvers."))
    started_at = models.DateTimeField(gettext_lazy("started"), null=True, blank=True)
    due_at = models.DateTimeField(gettext_lazy("due"), null=True, blank=True)
    decided_at = models.DateTimeField(gettext_lazy("decided"), null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class ApprovalQuerySet(models.QuerySet):
    def for_user(self, user, today=None) -> ApprovalQuerySet:
        """The approvals a person decides: their own, and those of the people they
        stand in for while those are away; never on a ticket that is theirs."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        today = today or timezone.localdate()
        return self.filter(Q(approver=user)
                           | Q(approver__delegate=user, approver__away_until__gte=today)
                           ).exclude(**{f"{self.model.ticket_field}__requester": user})

    def pending(self) -> ApprovalQuerySet:
        return self.filter(decision=Decision.PENDING)


class ApprovalBase(models.Model):
    """One approver's part in a step: pending until they (or their delegate) decide,
    or until the step is decided without them. A process adds the step and the ticket
    (named by `ticket_field`) and the approver's reverse name."""

    ticket_field: str
    decision = models.CharField(gettext_lazy("decision"), max_length=12, choices=Decision,
                                default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("decided by"),
        on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=gettext_lazy("The approver, or their delegate."))
    decided_at = models.DateTimeField(gettext_lazy("decided"), null=True, blank=True)
    comment = models.TextField(gettext_lazy("comment"), blank=True)
    created_at = models.DateTimeField(gettext_lazy("asked"), default=timezone.now)
    reminded_at = models.DateTimeField(gettext_lazy("reminded"), null=True, blank=True)

    objects = ApprovalQuerySet.as_manager()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{getattr(self, self.ticket_field).number} · {self.stage.name} · {self.approver}"


def required_for(rule: str, needed: int | None, count: int) -> int:
    """How many approvals a step of `count` approvers needs under its rule."""
    if rule == ApprovalRule.ALL:
        return count
    if rule == ApprovalRule.COUNT:
        return min(needed or 1, count)
    if rule == ApprovalRule.PERCENT:
        return min(count, max(1, math.ceil(count * (needed or 100) / 100)))
    return 1


def outcome(rule: str, required: int, decisions: list[str], latest: str) -> str | None:
    """The state a step's decisions settle it in (approved or rejected), or None while
    it is still open; `latest` is the decision just taken."""
    approved = decisions.count(Decision.APPROVED)
    pending = decisions.count(Decision.PENDING)
    if approved >= required:
        return StageState.APPROVED
    if (rule == ApprovalRule.ANY and latest == Decision.REJECTED) or (
            approved + pending < required):
        return StageState.REJECTED
    return None


class Engine(ABC):
    """Opening, deciding and closing a process's approval steps. A subclass names its
    models (`ticket_model`; `stage_model` and `approval_model`, both pointing at the
    ticket through `ticket_field`), whether the decisions are shown to requesters, and
    supplies who decides a step, how they are told, and what the end of the steps
    does (`authorised`, `rejected`)."""

    ticket_model: type[Ticket]
    stage_model: type[models.Model]
    approval_model: type[models.Model]
    ticket_field: str
    nobody_decides: str = ""  # the error (with %(step)s) when a step has no approver
    nobody_field: str = "status"
    public = False  # decisions shown on the requester's timeline
    refusal_needs_reason: str = ""  # the error when a refusal comes without a comment

    @abstractmethod
    def approvers_of(self, stage) -> list:
        """Who decides the step, chosen as it opens."""

    @abstractmethod
    def tell(self, asked: list, kind: str) -> None:
        """Tell the approvers of `asked` (a step just opened, or a reminder)."""

    @abstractmethod
    def authorised(self, ticket: Ticket, now) -> None:
        """Every step is approved: move the ticket on."""

    @abstractmethod
    def rejected(self, ticket: Ticket, stage, reason: str, now) -> None:
        """The step is rejected (`reason` says by whom and why)."""

    def open_stage(self, stage, *, when) -> list:
        """Ask the step's approvers; a step nobody can decide is a ValidationError."""
        people = self.approvers_of(stage)
        if not people:
            raise ValidationError({self.nobody_field: self.nobody_decides
                                   % {"step": stage.name}})
        stage.state, stage.started_at = StageState.PENDING, when
        stage.required = required_for(stage.rule, stage.needed, len(people))
        stage.due_at = when + timedelta(hours=stage.due_hours)
        stage.save(update_fields=["state", "required", "started_at", "due_at"])
        ticket = getattr(stage, self.ticket_field)
        asked = self.approval_model.objects.bulk_create(
            self.approval_model(stage=stage, approver=person, created_at=when,
                                **{self.ticket_field: ticket})
            for person in people)
        for approval in asked:
            approval.stage = stage
        self.tell(asked, Notification.Kind.APPROVAL)
        return asked

    def close_open(self, ticket: Ticket, *, when) -> None:
        """A ticket that left its approval (cancelled, sent back, rejected) asks nobody
        any more."""
        self.stage_model.objects.filter(
            **{self.ticket_field: ticket}, state__in=(StageState.WAITING, StageState.PENDING)
        ).update(state=StageState.CANCELLED, decided_at=when)
        self.approval_model.objects.filter(
            **{self.ticket_field: ticket}, decision=Decision.PENDING).update(
                decision=Decision.CANCELLED)

    def approved(self, ticket: Ticket, stage, now) -> None:
        """The step is approved: open the next, or, the last, move the ticket on."""
        following = (self.stage_model.objects.filter(**{self.ticket_field: ticket},
                                                     state=StageState.WAITING)
                     .order_by("position").first())
        if following is not None:
            self.open_stage(following, when=now)
        else:
            self.authorised(ticket, now)

    def may_decide(self, approval, user, today=None) -> bool:
        """The approver, or their delegate while they are away; never the person the
        ticket is for."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        if getattr(approval, self.ticket_field).requester_id == user.pk:
            return False
        if approval.approver_id == user.pk:
            return True
        approver = approval.approver
        return approver.delegate_id == user.pk and approver.is_away(today)

    def reason(self, approve: bool, comment: str) -> str:
        comment = (comment or "").strip()
        if not approve and not comment:
            raise ValidationError({"comment": self.refusal_needs_reason})
        return comment

    def decide(self, approval, *, user, approve: bool, comment: str = "", when=None):
        """Record `user`'s decision on `approval` and settle its step (and the ticket)
        when the decision settles it. Deciding twice, or on a step already settled, is
        a ValidationError; deciding for someone one may not is a PermissionDenied."""
        comment = self.reason(approve, comment)
        now = when or timezone.now()
        with transaction.atomic():
            # The ticket's row serialises decisions on it: two approvers deciding at
            # once settle the step once.
            ticket = self.lock(getattr(approval, f"{self.ticket_field}_id"))
            approval = (self.approval_model.objects.select_related("stage", "approver")
                        .get(pk=approval.pk))
            setattr(approval, self.ticket_field, ticket)
            if not self.may_decide(approval, user):
                raise PermissionDenied(_("This approval is not yours to decide."))
            self.check_open(approval)
            if approval.stage.approvals.filter(decided_by=user).exists():
                # An approver who is also another's delegate counts once in a step.
                raise ValidationError({"decision": _("You have decided this step already.")})
            self.take(approval, user=user, approve=approve, comment=comment, when=now)
            self.settle(ticket, approval.stage, approval, now)
        return approval

    def lock(self, pk: int) -> Ticket:
        return self.ticket_model.objects.select_for_update().get(pk=pk)

    @staticmethod
    def check_open(approval) -> None:
        if approval.decision != Decision.PENDING or approval.stage.state != StageState.PENDING:
            raise ValidationError({"decision": _("This approval is already decided.")})

    def take(self, approval, *, user, approve: bool, comment: str, when, by: str = "",
             **also) -> None:
        """Write the decision and its event on the ticket (`by` says how it was taken
        when not by the approver in person; `also`, more fields of the approval)."""
        approval.decision = Decision.APPROVED if approve else Decision.REJECTED
        approval.decided_by, approval.decided_at, approval.comment = user, when, comment
        for name, value in also.items():
            setattr(approval, name, value)
        approval.save(update_fields=list({"decision", "decided_by", "decided_at", "comment",
                                          *also}))
        if not by and user.pk != approval.approver_id:
            by = _("for %(approver)s") % {"approver": approval.approver}
        TicketEvent.objects.create(
            ticket=getattr(approval, self.ticket_field), actor=user, kind=EventKind.APPROVAL,
            field=approval.stage.name[:50], new_value=approval.decision,
            note=" · ".join(part for part in (comment, by) if part), is_public=self.public,
            created_at=when)

    def settle(self, ticket: Ticket, stage, latest, now) -> None:
        """Settle the step when its decisions settle it, and tell the process."""
        decisions = list(stage.approvals.values_list("decision", flat=True))
        state = outcome(stage.rule, stage.required, decisions, latest.decision)
        if state is None:
            return
        stage.state, stage.decided_at = state, now
        stage.save(update_fields=["state", "decided_at"])
        stage.approvals.filter(decision=Decision.PENDING).update(decision=Decision.NOT_NEEDED)
        if state == StageState.REJECTED:
            self.rejected(ticket, stage, _("Rejected at “%(step)s” by %(person)s: %(comment)s")
                          % {"step": stage.name, "person": latest.decided_by,
                             "comment": latest.comment}, now)
        else:
            self.approved(ticket, stage, now)

    def remind_due(self, now=None) -> int:
        """Remind each approver once whose step falls due within
        APPROVAL_REMINDER_HOURS; idempotent (the conditional update claims each
        reminder once, however often and on however many workers it runs)."""
        now = now or timezone.now()
        soon = now + timedelta(hours=settings.APPROVAL_REMINDER_HOURS)
        reminded = 0
        candidates = (self.approval_model.objects.pending().filter(
            reminded_at__isnull=True, stage__state=StageState.PENDING, stage__due_at__lte=soon)
            .select_related("stage", self.ticket_field, "approver__delegate")
            .order_by("pk")[:500])
        for approval in candidates:
            with transaction.atomic():
                if self.approval_model.objects.filter(
                        pk=approval.pk, reminded_at__isnull=True).update(reminded_at=now):
                    self.tell([approval], Notification.Kind.APPROVAL_REMINDER)
                    reminded += 1
        return reminded
