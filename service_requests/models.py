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
from django.utils.translation import gettext_lazy as _

from catalog.models import ApproverKind
from itsm.approvals import ApprovalBase, StageBase
from itsm.models import Ticket, TicketQuerySet

from .choices import OnHoldReason


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


class ApprovalStage(StageBase):
    """One approval step of one request, as the item's step stood when it was
    ordered; its approvers are chosen when the step opens."""

    request = models.ForeignKey(ServiceRequest, verbose_name=_("request"),
                                on_delete=models.CASCADE, related_name="approval_stages")
    approvers = models.CharField(_("approvers"), max_length=10, choices=ApproverKind)

    class Meta:
        ordering = ["request", "position"]
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        constraints = [
            models.UniqueConstraint(fields=["request", "position"],
                                    name="service_requests_stage_unique_position"),
        ]


class Approval(ApprovalBase):
    """One approver's part in a step of an order."""

    ticket_field = "request"
    stage = models.ForeignKey(ApprovalStage, verbose_name=_("approval step"),
                              on_delete=models.CASCADE, related_name="approvals")
    request = models.ForeignKey(ServiceRequest, verbose_name=_("request"),
                                on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approver"),
                                 on_delete=models.PROTECT, related_name="approvals")

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
