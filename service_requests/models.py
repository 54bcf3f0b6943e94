"""Service requests: orders from the catalog, their approvals and fulfilment plan.

A `ServiceRequest` is a Ticket of kind "service_request" ordered from a request item:
the answers to the item's order form, its approval steps (`ApprovalStage`, each with
one `Approval` per approver) and its fulfilment tasks are kept as they stood when it
was ordered, so editing the item later never changes what an old request says.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import ApprovalRule, ApproverKind, Team
from itsm.models import Ticket, TicketQuerySet

from .choices import Decision, OnHoldReason, StageState


class ServiceRequest(Ticket):
    """A Ticket of kind "service_request"; status moves only through
    `service_requests.workflow`. The item it orders is the ticket's `request_item` (a
    column of the ticket, so the KPIs break requests down by item)."""

    item_name = models.CharField(_("item ordered"), max_length=200, blank=True)
    # The order form's answers as the form stood: [{name, label, kind, value, shown}].
    answers = models.JSONField(_("answers"), default=list, blank=True)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ordered by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
        help_text=_("Who placed the order, when it is not the requester."))
    fulfilment_days = models.PositiveSmallIntegerField(
        _("fulfilment target (working days)"), null=True, blank=True, editable=False)
    # The fulfilment tasks as the item listed them: [{title, instructions, team, stage}];
    # stage n opens when every task of the stages before it is settled.
    plan = models.JSONField(_("fulfilment plan"), default=list, blank=True, editable=False)
    opened_stage = models.PositiveSmallIntegerField(default=0, editable=False)
    on_hold_reason = models.CharField(
        _("on-hold reason"), max_length=30, choices=OnHoldReason, blank=True)
    fulfilment_notes = models.TextField(_("fulfilment notes"), blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")

    @property
    def last_stage(self) -> int:
        return max((step["stage"] for step in self.plan), default=0)


class ApprovalStage(models.Model):
    """One approval step of one request, as the item's step stood when it was
    ordered; its approvers are chosen when the step opens."""

    request = models.ForeignKey(ServiceRequest, verbose_name=_("request"),
                                on_delete=models.CASCADE, related_name="approval_stages")
    position = models.PositiveSmallIntegerField(_("step"))
    name = models.CharField(_("name"), max_length=100)
    approvers = models.CharField(_("approvers"), max_length=10, choices=ApproverKind)
    people = models.JSONField(default=list, blank=True)  # user ids, for named approvers
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.SET_NULL,
                             null=True, blank=True, related_name="+")
    rule = models.CharField(_("decided by"), max_length=10, choices=ApprovalRule)
    needed = models.PositiveSmallIntegerField(_("number or share needed"), null=True,
                                              blank=True)
    due_hours = models.PositiveSmallIntegerField(_("time to decide (hours)"), default=24)
    state = models.CharField(_("state"), max_length=10, choices=StageState,
                             default=StageState.WAITING)
    required = models.PositiveSmallIntegerField(
        _("approvals required"), default=1,
        help_text=_("How many approvals the step needs, from the rule and its approvers."))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        ordering = ["request", "position"]
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        constraints = [
            models.UniqueConstraint(fields=["request", "position"],
                                    name="service_requests_stage_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class ApprovalQuerySet(models.QuerySet):
    def for_user(self, user, today=None) -> ApprovalQuerySet:
        """The approvals a person decides: their own, and those of the people they
        stand in for while those are away."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        today = today or timezone.localdate()
        return self.filter(Q(approver=user)
                           | Q(approver__delegate=user, approver__away_until__gte=today)
                           ).exclude(request__requester=user)

    def pending(self) -> ApprovalQuerySet:
        return self.filter(decision=Decision.PENDING)


class Approval(models.Model):
    """One approver's part in a step: pending until they (or their delegate) decide,
    or until the step is decided without them."""

    stage = models.ForeignKey(ApprovalStage, verbose_name=_("approval step"),
                              on_delete=models.CASCADE, related_name="approvals")
    request = models.ForeignKey(ServiceRequest, verbose_name=_("request"),
                                on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approver"),
                                 on_delete=models.PROTECT, related_name="approvals")
    decision = models.CharField(_("decision"), max_length=12, choices=Decision,
                                default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
        help_text=_("The approver, or their delegate."))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("asked"), default=timezone.now)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)

    objects = ApprovalQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        constraints = [
            models.UniqueConstraint(fields=["stage", "approver"],
                                    name="service_requests_approval_once_per_step"),
        ]
        indexes = [
            models.Index(fields=["approver", "decision"], name="approval_waiting_for",
                         condition=Q(decision="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.request.number} · {self.stage.name} · {self.approver}"
