"""Change types, statuses and close codes (stored values are these lowercase words)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import ChangeRisk  # noqa: F401 (the changes' risk levels are the catalog's)


class ChangeType(models.TextChoices):
    STANDARD = "standard", _("Standard")
    NORMAL = "normal", _("Normal")
    EMERGENCY = "emergency", _("Emergency")


class ChangeStatus(models.TextChoices):
    NEW = "new", _("New")
    ASSESSMENT = "assessment", _("Assessment")
    AUTHORIZATION = "authorization", _("Authorization")
    SCHEDULED = "scheduled", _("Scheduled")
    IMPLEMENTING = "implementing", _("Implementing")
    REVIEW = "review", _("Review")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = frozenset({ChangeStatus.NEW, ChangeStatus.ASSESSMENT,
                           ChangeStatus.AUTHORIZATION, ChangeStatus.SCHEDULED})


class CloseCode(models.TextChoices):
    SUCCESSFUL = "successful", _("Successful")
    SUCCESSFUL_WITH_ISSUES = "successful_with_issues", _("Successful with issues")
    UNSUCCESSFUL = "unsuccessful", _("Unsuccessful")
    BACKED_OUT = "backed_out", _("Backed out")


# Close codes that count as a success (DESIGN.md §4), and those that need a review.
SUCCESSFUL = frozenset({CloseCode.SUCCESSFUL, CloseCode.SUCCESSFUL_WITH_ISSUES})
REVIEWED = frozenset({CloseCode.UNSUCCESSFUL, CloseCode.BACKED_OUT})


class ChangeApprovers(models.TextChoices):
    CHANGE_MANAGERS = "change_managers", _("The change managers")
    OWNER = "owner", _("The technical owner (the service's owner team lead)")
    TEAM = "team", _("The members of a team")
    PEOPLE = "people", _("Named approvers")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class ReleaseStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DEPLOYED = "deployed", _("Deployed")
    ROLLED_BACK = "rolled_back", _("Rolled back")


class AgendaOutcome(models.TextChoices):
    """What a CAB meeting made of a change on its agenda (`AgendaItem.outcome`; blank
    until it decides). Approved and rejected are the `itsm.choices.Decision` values."""

    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    DEFERRED = "deferred", _("Deferred")
