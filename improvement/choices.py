"""Where suggestions come from and how they move (stored values are these words)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SuggestionSource(models.TextChoices):
    ENTERED = "entered", _("Entered")
    TICKET = "ticket", _("From a ticket")
    REVIEW = "review", _("From a review")
    KPI_ALERT = "kpi_alert", _("From a KPI alert")
    COVERAGE_GAP = "coverage_gap", _("From a coverage gap")
    ACCEPTANCE = "acceptance", _("From operational acceptance")


class SuggestionStatus(models.TextChoices):
    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted")
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Rejected")
