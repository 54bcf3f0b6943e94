"""Statuses and codes of service requests and their approvals."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# The approval states are the core's (`itsm.approvals`), shared with changes.
from itsm.choices import Decision, StageState  # noqa: F401


class RequestStatus(models.TextChoices):
    NEW = "new", _("New")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    FULFILLED = "fulfilled", _("Fulfilled")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = frozenset({RequestStatus.NEW, RequestStatus.AWAITING_APPROVAL,
                           RequestStatus.IN_PROGRESS, RequestStatus.ON_HOLD})


class OnHoldReason(models.TextChoices):
    AWAITING_REQUESTER = "awaiting_requester", _("Awaiting the requester")
    AWAITING_SUPPLIER = "awaiting_supplier", _("Awaiting delivery from a supplier")
    SCHEDULED = "scheduled", _("Scheduled for a later date")
