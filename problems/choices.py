"""Problem statuses and codes (stored values are these lowercase words)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProblemStatus(models.TextChoices):
    NEW = "new", _("New")
    INVESTIGATING = "investigating", _("Investigating")
    KNOWN_ERROR = "known_error", _("Known error")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = frozenset({ProblemStatus.NEW, ProblemStatus.INVESTIGATING,
                           ProblemStatus.KNOWN_ERROR})


class CauseCategory(models.TextChoices):
    """What kind of thing the root cause was (for the problem statistics)."""

    SOFTWARE = "software", _("Software defect")
    HARDWARE = "hardware", _("Hardware failure")
    NETWORK = "network", _("Network")
    CONFIGURATION = "configuration", _("Configuration")
    CAPACITY = "capacity", _("Capacity or performance")
    CHANGE = "change", _("A change")
    SUPPLIER = "supplier", _("Supplier or third party")
    SECURITY = "security", _("Security")
    PROCESS = "process", _("Process or procedure")
    HUMAN = "human", _("Human error")
    ENVIRONMENT = "environment", _("Facilities or environment")


class ProblemResolution(models.TextChoices):
    FIXED = "fixed", _("Fixed permanently")
    FIXED_BY_CHANGE = "fixed_by_change", _("Fixed by a change")
    RISK_ACCEPTED = "risk_accepted", _("Risk accepted (workaround stays)")
    DUPLICATE = "duplicate", _("Duplicate of another problem")
    NOT_REPRODUCIBLE = "not_reproducible", _("Cause not found; no recurrence")
