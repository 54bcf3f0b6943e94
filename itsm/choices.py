"""Choices shared by every kind of ticket."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketKind(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    SERVICE_REQUEST = "service_request", _("Request")
    PROBLEM = "problem", _("Problem")
    CHANGE = "change", _("Change")
    TASK = "task", _("Task")


NUMBER_PREFIX = {
    TicketKind.INCIDENT: "INC",
    TicketKind.SERVICE_REQUEST: "REQ",
    TicketKind.PROBLEM: "PRB",
    TicketKind.CHANGE: "CHG",
    TicketKind.TASK: "TSK",
}
NUMBER_DIGITS = 7


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    API = "api", _("API")
    MONITORING = "monitoring", _("Monitoring")
    WALK_IN = "walk_in", _("Walk-in")


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    STATUS = "status", _("Status changed")
    ASSIGNMENT = "assignment", _("Assignment changed")
    PRIORITY = "priority", _("Priority changed")
    FIELD = "field", _("Field changed")
    COMMENT = "comment", _("Comment")
    ATTACHMENT = "attachment", _("Attachment")
    SLA = "sla", _("SLA")
    FEEDBACK = "feedback", _("Feedback")
    APPROVAL = "approval", _("Approval")
    # A link to another record made or removed (field: what it links, e.g. "problem";
    # new value: its number, old value: the one unlinked).
    LINK = "link", _("Link")


class StageState(models.TextChoices):
    WAITING = "waiting", _("Waiting for the step before")
    PENDING = "pending", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class Decision(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    NOT_NEEDED = "not_needed", _("Not needed")  # the step was decided without them
    CANCELLED = "cancelled", _("Cancelled")  # the request ended before it was decided
