"""Stored KPI values, what is left to recompute, and the organisation's targets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from itsm.base import roles

from .definitions import DIMENSION_LABELS, GRANULARITY_LABELS, KPIS

KPI_CHOICES = [(kpi.key, kpi.name) for kpi in KPIS]
GRANULARITY_CHOICES = list(GRANULARITY_LABELS.items())
DIMENSION_CHOICES = list(DIMENSION_LABELS.items())
RATINGS = [(1, _("1 - Very dissatisfied")), (2, _("2 - Dissatisfied")), (3, _("3 - Neutral")),
           (4, _("4 - Satisfied")), (5, _("5 - Very satisfied"))]
LOW_RATING = 2  # at most this tells the team lead


class KpiValueQuerySet(models.QuerySet):
    def visible_to(self, user) -> KpiValueQuerySet:
        """Managers, team leads and administrators read the figures."""
        return self if may_read_kpis(user) else self.none()


def may_read_kpis(user) -> bool:
    return bool(roles.roles_of(user) & {roles.MANAGER, roles.TEAM_LEAD, roles.ADMIN})


class KpiValue(models.Model):
    """One KPI for one period and one slice of the desk, with the numerator and
    denominator it was computed from (DESIGN.md §4). Written only by
    `metrics.compute`."""

    kpi = models.CharField(_("KPI"), max_length=40, choices=KPI_CHOICES)
    granularity = models.CharField(_("granularity"), max_length=10,
                                   choices=GRANULARITY_CHOICES)
    period_start = models.DateField(_("period start"))
    dimension = models.CharField(_("dimension"), max_length=20, choices=DIMENSION_CHOICES)
    # The id (service, team, customer), priority or channel; empty for "overall".
    key = models.CharField(_("key"), max_length=40, blank=True)
    value = models.FloatField(_("value"))
    numerator = models.FloatField(_("numerator"))
    denominator = models.FloatField(_("denominator"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    objects = KpiValueQuerySet.as_manager()

    class Meta:
        ordering = ["kpi", "granularity", "dimension", "key", "period_start"]
        verbose_name = _("KPI value")
        verbose_name_plural = _("KPI values")
        # Given to a customer's contact (a requester): their customer's page of the
        # dashboards (`metrics.access`).
        permissions = [("view_customer_report", _("Can read their customer's service report"))]
        constraints = [
            # Also the index of every read: one KPI's series for a slice, by period.
            models.UniqueConstraint(
                fields=["kpi", "granularity", "dimension", "key", "period_start"],
                name="metrics_kpivalue_unique"),
        ]
        indexes = [
            # Every KPI's values of one granularity and slice, in the list's order (the
            # API without `kpi`, a dashboard of one team), and what a recompute replaces.
            models.Index(fields=["granularity", "dimension", "kpi", "key", "period_start"],
                         name="metrics_kpivalue_slice"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.granularity} {self.period_start} {self.dimension}:{self.key}"


class KpiMark(models.Model):
    """A day and slice whose figures a write changed, and which part of them:
    recomputed soon by `metrics.compute.refresh` (with the weeks and months that hold
    the day), then deleted. Written in the writer's own transaction, so a broker outage
    loses nothing; unique, so many writes on one day cost one recompute."""

    class Part(models.TextChoices):  # internal: no one reads the labels
        EVENTS = "events"  # every event family at once
        # One event family: the tickets counted on the day of that moment.
        CREATED = "created"
        RESPONDED = "responded"
        RESOLVED = "resolved"
        SURVEYED = "surveyed"
        ANSWERED = "answered"
        APPROVED = "approved"
        DIAGNOSED = "diagnosed"
        CLOSED = "closed"
        KNOWLEDGE = "knowledge"  # the knowledge base's use
        LEVELS = "levels"  # backlog and its age at the day's end
        AVAILABILITY = "availability"
        EFFORT = "effort"

    part = models.CharField(max_length=20, choices=Part.choices)
    day = models.DateField()
    dimension = models.CharField(max_length=20, choices=DIMENSION_CHOICES)
    key = models.CharField(max_length=40, blank=True)
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("KPI recompute mark")
        verbose_name_plural = _("KPI recompute marks")
        constraints = [
            models.UniqueConstraint(fields=["part", "dimension", "key", "day"],
                                    name="metrics_kpimark_unique_day"),
        ]

    def __str__(self) -> str:
        return f"{self.part} {self.day} {self.dimension}:{self.key}"


class KpiTarget(models.Model):
    """What the organisation wants a KPI to be (seed 000: quality is defined before it
    is measured): overall, or for one service. A value is on target when it is at
    least (or, where lower is better, at most) `target`, and at risk past `warning`."""

    kpi = models.CharField(_("KPI"), max_length=40, choices=KPI_CHOICES)
    service = models.ForeignKey("catalog.Service", verbose_name=_("service"),
                                on_delete=models.CASCADE, null=True, blank=True,
                                related_name="kpi_targets",
                                help_text=_("Empty: the target of the whole desk."))
    target = models.FloatField(_("target"))
    warning = models.FloatField(_("warning level"), null=True, blank=True)

    class Meta:
        ordering = ["kpi", "service"]
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        constraints = [
            models.UniqueConstraint(fields=["kpi", "service"], name="metrics_kpitarget_unique",
                                    violation_error_message=_("This KPI has a target for "
                                                              "that service already.")),
            models.UniqueConstraint(fields=["kpi"], condition=Q(service__isnull=True),
                                    name="metrics_kpitarget_overall_unique",
                                    violation_error_message=_("This KPI has an overall "
                                                              "target already.")),
            models.CheckConstraint(condition=Q(target__gte=0), name="metrics_kpitarget_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.target}"


class SurveyQuerySet(models.QuerySet):
    def visible_to(self, user) -> SurveyQuerySet:
        """The desk reads every survey; anyone else only those they were asked."""
        if roles.is_staff_reader(user):
            return self
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(requester=user)

    def answered(self) -> SurveyQuerySet:
        return self.filter(answered_at__isnull=False)


class Survey(models.Model):
    """A requester asked, once, how satisfied they are with a resolved ticket; their
    answer (the latest, while the survey is open). Written only by `metrics.surveys`,
    which keeps the ticket's satisfaction facts (what the KPIs count) in step."""

    ticket = models.OneToOneField("itsm.Ticket", verbose_name=_("ticket"),
                                  on_delete=models.CASCADE, related_name="survey")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("asked"),
                                  on_delete=models.CASCADE, related_name="surveys")
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("open until"))
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True,
                                              choices=RATINGS)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        indexes = [
            # A requester's open surveys (the portal), and the newest answers (the
            # dashboards' low ratings).
            models.Index(fields=["requester", "-sent_at"], name="metrics_survey_requester"),
            models.Index(fields=["-answered_at"], name="metrics_survey_answered",
                         condition=Q(answered_at__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(rating__isnull=True)
                                   | Q(rating__gte=1, rating__lte=5),
                                   name="metrics_survey_rating_range"),
            models.CheckConstraint(condition=Q(rating__isnull=True, answered_at__isnull=True)
                                   | Q(rating__isnull=False, answered_at__isnull=False),
                                   name="metrics_survey_answer_whole"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.rating or '—'}"

    def is_open(self, now=None) -> bool:
        return (now or timezone.now()) < self.expires_at

    @property
    def is_low(self) -> bool:
        return self.rating is not None and self.rating <= LOW_RATING


class Digest(models.Model):
    """A manager's or team lead's subscription to a weekly or monthly email of one
    dashboard's key figures: the IT view (of one team, or the whole desk), a service's
    or a customer's. Sent by `metrics.digests`, once per period (`last_period`)."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")

    class View(models.TextChoices):
        IT = "it", _("IT operations")
        SERVICE = "service", _("Service")
        CUSTOMER = "customer", _("Customer")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("subscriber"),
                             on_delete=models.CASCADE, related_name="digests")
    frequency = models.CharField(_("frequency"), max_length=10, choices=Frequency)
    view = models.CharField(_("dashboard"), max_length=10, choices=View)
    team = models.ForeignKey("catalog.Team", verbose_name=_("team"), on_delete=models.CASCADE,
                             null=True, blank=True, related_name="+",
                             help_text=_("The IT view of one team; empty: the whole desk."))
    service = models.ForeignKey("catalog.Service", verbose_name=_("service"),
                                on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+")
    customer = models.ForeignKey("catalog.Customer", verbose_name=_("customer"),
                                 on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="+")
    # The start of the last period sent: a second run in the same period sends nothing.
    last_period = models.DateField(_("last sent for"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["user", "frequency", "view", "id"]
        verbose_name = _("email digest")
        verbose_name_plural = _("email digests")
        constraints = [
            models.CheckConstraint(
                condition=(Q(view="it", service__isnull=True, customer__isnull=True)
                           | Q(view="service", service__isnull=False, team__isnull=True,
                               customer__isnull=True)
                           | Q(view="customer", customer__isnull=False, team__isnull=True,
                               service__isnull=True)),
                name="metrics_digest_names_its_view"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.frequency} {self.view}"

    @property
    def subject(self):
        """The team, service or customer the digest is of (None: the whole desk)."""
        return self.service or self.customer or self.team
