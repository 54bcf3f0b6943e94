"""Incident statuses and codes (stored values are these lowercase words)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    ON_HOLD = "on_hold", _("On hold")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (IncidentStatus.NEW, IncidentStatus.IN_PROGRESS, IncidentStatus.ON_HOLD)


class OnHoldReason(models.TextChoices):
    AWAITING_CALLER = "awaiting_caller", _("Awaiting caller")
    AWAITING_SUPPLIER = "awaiting_supplier", _("Awaiting supplier")
    AWAITING_CHANGE = "awaiting_change", _("Awaiting change")
    AWAITING_PROBLEM = "awaiting_problem", _("Awaiting problem")


class ResolutionCode(models.TextChoices):
    SOLVED_PERMANENTLY = "solved_permanently", _("Solved (permanently)")
    SOLVED_WORKAROUND = "solved_workaround", _("Solved (work around)")
    SOLVED_REMOTELY = "solved_remotely", _("Solved remotely")
    NOT_REPRODUCIBLE = "not_reproducible", _("Not reproducible")
    USER_ERROR = "user_error", _("User error / instruction given")
    DUPLICATE = "duplicate", _("Duplicate")
    RESOLVED_BY_PARENT = "resolved_by_parent", _("Resolved by parent incident")
    # Problem management's: the known error's workaround, and the problem's fix.
    WORKAROUND_APPLIED = "workaround_applied", _("Workaround applied (known error)")
    RESOLVED_BY_PROBLEM = "resolved_by_problem", _("Resolved by the problem's fix")
