"""Problems: the causes of incidents, found, worked around and removed.

A `Problem` is a Ticket of kind "problem". Its incidents are linked through
`ProblemLink` rows, one per incident (an incident belongs to at most one problem: the
link's incident is unique), so the incidents app knows nothing of problems.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident
from itsm.models import Ticket, TicketQuerySet
from knowledge.models import Article

from .choices import CauseCategory, ProblemResolution


class Problem(Ticket):
    """A Ticket of kind "problem"; status moves only through `problems.workflow`."""

    symptoms = models.TextField(_("symptoms"), blank=True,
                                help_text=_("What users and monitoring see."))
    cause_category = models.CharField(_("cause category"), max_length=20,
                                      choices=CauseCategory, blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    analysis_notes = models.TextField(_("analysis notes"), blank=True)
    workaround = models.TextField(
        _("workaround"), blank=True,
        help_text=_("How the desk restores service until the cause is removed; applied "
                    "to each linked incident."))
    resolution_code = models.CharField(_("resolution code"), max_length=20,
                                       choices=ProblemResolution, blank=True)
    resolution_notes = models.TextField(_("resolution notes"), blank=True)
    known_error_article = models.ForeignKey(
        Article, verbose_name=_("known-error article"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="problems", editable=False)
    known_error_at = models.DateTimeField(_("known error since"), null=True, blank=True,
                                          editable=False)
    # Set when a linked incident came back after the problem was resolved.
    recurred_at = models.DateTimeField(_("recurred"), null=True, blank=True, editable=False)
    recurrence_count = models.PositiveIntegerField(_("recurrences"), default=0,
                                                   editable=False)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        indexes = [models.Index(fields=["recurred_at"], name="problem_recurred",
                                condition=models.Q(recurred_at__isnull=False))]


class ProblemLink(models.Model):
    """An incident of a problem: caused by what the problem investigates."""

    problem = models.ForeignKey(Problem, verbose_name=_("problem"), on_delete=models.CASCADE,
                                related_name="links")
    incident = models.OneToOneField(Incident, verbose_name=_("incident"),
                                    on_delete=models.CASCADE, related_name="problem_link")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("linked by"),
                                  on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    linked_at = models.DateTimeField(_("linked"), default=timezone.now)

    class Meta:
        ordering = ["linked_at", "pk"]
        verbose_name = _("problem's incident")
        verbose_name_plural = _("problem's incidents")
        indexes = [models.Index(fields=["linked_at"], name="problem_link_when")]

    def __str__(self) -> str:
        return f"{self.problem_id} ← {self.incident_id}"
