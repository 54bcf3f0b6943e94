"""Changes: additions, modifications or removals that could affect a service.

A `Change` is a Ticket of kind "change": its type (standard, normal, emergency), the
risk from a questionnaire (`changes.risk`, the answers kept), its plans and window,
how it went (close code, notes) and, where needed, its post-implementation review.
The incidents it caused are linked through `ChangeCause` (one change per incident, the
incident's `caused_by_change`), so the incidents app knows nothing of changes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import ChangeRisk, ConfigurationItem, Service, StandardChange
from incidents.models import Incident
from itsm.models import Ticket, TicketQuerySet
from problems.models import Problem

from .choices import REVIEWED, ChangeType, CloseCode


class Change(Ticket):
    """A Ticket of kind "change"; status moves only through `changes.workflow`."""

    change_type = models.CharField(_("type"), max_length=10, choices=ChangeType,
                                   default=ChangeType.NORMAL)
    standard_change = models.ForeignKey(
        StandardChange, verbose_name=_("standard change"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="changes",
        help_text=_("The catalog's pre-authorised change this one follows."))
    risk = models.CharField(_("risk"), max_length=10, choices=ChangeRisk, blank=True)
    risk_answers = models.JSONField(_("risk assessment"), default=dict, blank=True)
    planned_start = models.DateTimeField(_("planned start"), null=True, blank=True)
    planned_end = models.DateTimeField(_("planned end"), null=True, blank=True)
    actual_start = models.DateTimeField(_("actual start"), null=True, blank=True,
                                        editable=False)
    actual_end = models.DateTimeField(_("actual end"), null=True, blank=True, editable=False)
    implementation_plan = models.TextField(_("implementation plan"), blank=True)
    backout_plan = models.TextField(_("back-out plan"), blank=True)
    test_plan = models.TextField(_("test plan"), blank=True)
    close_code = models.CharField(_("close code"), max_length=25, choices=CloseCode,
                                  blank=True)
    close_notes = models.TextField(_("close notes"), blank=True)
    # The post-implementation review: required before an unsuccessful, backed-out or
    # emergency change closes.
    review_findings = models.TextField(_("what happened"), blank=True)
    review_lessons = models.TextField(_("lessons learned"), blank=True)
    review_actions = models.TextField(_("follow-up actions"), blank=True)
    raised_from = models.ForeignKey(
        Problem, verbose_name=_("raised from problem"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="changes")
    # What the change touches besides its main service and CI (`set_scope`).
    affected_services = models.ManyToManyField(Service, verbose_name=_("affected services"),
                                               related_name="+", blank=True)
    affected_cis = models.ManyToManyField(ConfigurationItem,
                                          verbose_name=_("affected configuration items"),
                                          related_name="+", blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        indexes = [models.Index(fields=["planned_start"], name="change_planned",
                                condition=models.Q(planned_start__isnull=False))]

    @property
    def needs_review(self) -> bool:
        """Unsuccessful, backed-out and emergency changes are reviewed before they close."""
        return self.close_code in REVIEWED or self.change_type == ChangeType.EMERGENCY

    @property
    def reviewed(self) -> bool:
        return bool(self.review_findings.strip() and self.review_lessons.strip())


class ChangeCause(models.Model):
    """An incident the change caused (recorded by the desk, shown on both)."""

    change = models.ForeignKey(Change, verbose_name=_("change"), on_delete=models.CASCADE,
                               related_name="caused")
    incident = models.OneToOneField(Incident, verbose_name=_("incident"),
                                    on_delete=models.CASCADE, related_name="caused_by_change")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("incident caused by a change")
        verbose_name_plural = _("incidents caused by changes")

    def __str__(self) -> str:
        return f"{self.change_id} → {self.incident_id}"
