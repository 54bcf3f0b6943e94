"""Calendars and service level agreements: the terms the SLA clock runs on.

A `Calendar` says when the clock runs (time zone, working periods per weekday,
holidays); `working_calendar()` turns its rows into the pure
`itsm.base.business_time.WorkingCalendar` that the arithmetic reads. A
`ServiceLevelAgreement` binds a service (and optionally one customer) to a calendar and
to response / resolution targets per priority; `sla_for()` picks the one that applies.
"""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from functools import cache
from time import monotonic
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from itsm.base.business_time import WorkingCalendar

from .catalog import CatalogQuerySet

if TYPE_CHECKING:
    from .catalog import Customer, Service

PRIORITIES = (1, 2, 3, 4)
# How long a process may reuse the terms it read (see `terms_for`).
TERMS_CACHE_SECONDS = 60
_terms_cache: dict[tuple, tuple[float, object]] = {}


def clear_terms_cache() -> None:
    """Forget the cached terms of this process; every write to them calls it."""
    _terms_cache.clear()


class ClearsTermsCache(models.Model):
    """Saving or deleting any part of an SLA's terms clears this process's cache; other
    processes catch up within TERMS_CACHE_SECONDS."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        clear_terms_cache()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        clear_terms_cache()
        return result
_DAY = timedelta(days=1)


class SLAQuerySet(CatalogQuerySet):
    """Calendars and SLAs are desk reference data: staff roles read them, requesters
    not."""


class AgreementQuerySet(SLAQuerySet):
    def default(self) -> AgreementQuerySet:
        """The default SLA: the active one with no service (and so, by a constraint, no
        customer), for tickets that name no service."""
        return self.filter(service__isnull=True, is_active=True)


def validate_time_zone(value: str) -> None:
    if value not in _time_zones():
        raise ValidationError(
            _("“%(value)s” is not a known time zone; use an IANA name such as "
              "Europe/Berlin."),
            params={"value": value}, code="time_zone",
        )


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


class Calendar(ClearsTermsCache):
    """When an SLA clock runs: a time zone, working periods per weekday, holidays."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone],
        help_text=_("IANA name, e.g. Europe/Berlin. Working periods are local wall-clock "
                    "times in this zone."),
    )
    is_default = models.BooleanField(_("default"), default=False)
    description = models.TextField(_("description"), blank=True)

    objects = SLAQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("calendar")
        verbose_name_plural = _("calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True),
                name="catalog_calendar_one_default",
                violation_error_message=_("Another calendar is already the default."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def default(cls) -> Calendar:
        """The calendar SLAs fall back to (the 24×7 one a migration creates)."""
        return cls.objects.get(is_default=True)

    def working_calendar(self) -> WorkingCalendar:
        """The pure calendar the arithmetic reads. One query each for periods and
        holidays, none when they were prefetched (do so for lists)."""
        week: dict[int, list[tuple[time, time]]] = {}
        periods = sorted(self.periods.all(), key=lambda p: (p.weekday, period_span(p.start,
                                                                                  p.end)))
        for period in periods:
            week.setdefault(period.weekday, []).append((period.start, period.end))
        return WorkingCalendar(
            tz=ZoneInfo(self.time_zone), week=week,
            holidays=frozenset(holiday.date for holiday in self.holidays.all()),
        )


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


def period_span(start: time, end: time) -> tuple[timedelta, timedelta]:
    """A period as offsets from midnight; an end of 00:00 is 24:00."""

    def offset(moment: time) -> timedelta:
        return timedelta(hours=moment.hour, minutes=moment.minute, seconds=moment.second)

    return offset(start), (_DAY if end == time(0) else offset(end))


def spans_overlap(a: tuple[time, time], b: tuple[time, time]) -> bool:
    """Whether two periods of one day share any time (touching is not overlapping)."""
    a_start, a_end = period_span(*a)
    b_start, b_end = period_span(*b)
    return a_start < b_end and b_start < a_end


def _hhmm(moment: time, *, is_end: bool = False) -> str:
    return "24:00" if is_end and moment == time(0) else moment.strftime("%H:%M")


class WorkingPeriod(ClearsTermsCache):
    """One stretch of working time on a weekday, in the calendar's local wall time."""

    calendar = models.ForeignKey(Calendar, verbose_name=_("calendar"),
                                 on_delete=models.CASCADE, related_name="periods")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"), help_text=_("00:00 means midnight at the end of the day."))

    objects = SLAQuerySet.as_manager()

    class Meta:
        ordering = ["calendar", "weekday", "start"]
        verbose_name = _("working period")
        verbose_name_plural = _("working periods")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6),
                                   name="catalog_period_weekday_range"),
            models.CheckConstraint(
                condition=Q(start__lt=F("end")) | Q(end=time(0)),
                name="catalog_period_starts_before_end",
                violation_error_message=_("A working period must start before it ends."),
            ),
        ]

    def __str__(self) -> str:
        return (f"{self.get_weekday_display()} {_hhmm(self.start)}–"
                f"{_hhmm(self.end, is_end=True)}")

    def clean(self) -> None:
        if self.start is None or self.end is None:
            return
        start, end = period_span(self.start, self.end)
        if start >= end:
            raise ValidationError({"end": _("A working period must start before it ends "
                                            "(00:00 as the end means midnight).")})
        if self.calendar_id is None or self.weekday is None:
            return
        others = WorkingPeriod.objects.filter(calendar_id=self.calendar_id,
                                              weekday=self.weekday).exclude(pk=self.pk)
        for other in others:
            if spans_overlap((self.start, self.end), (other.start, other.end)):
                raise ValidationError({"start": _("This period overlaps %(other)s.")
                                       % {"other": other}})


class Holiday(ClearsTermsCache):
    """A date on which the calendar has no working time."""

    calendar = models.ForeignKey(Calendar, verbose_name=_("calendar"),
                                 on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=200, blank=True)

    objects = SLAQuerySet.as_manager()

    class Meta:
        ordering = ["calendar", "date"]
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        constraints = [
            models.UniqueConstraint(
                fields=["calendar", "date"], name="catalog_holiday_unique_date",
                violation_error_message=_("This calendar already has a holiday on that date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()


class ServiceLevelAgreement(ClearsTermsCache):
    """What a service (for one customer, or for all) promises, on which calendar.

    The one active SLA with neither service nor customer is the default: it times the
    tickets that name no service while the triage team categorises them.
    """

    name = models.CharField(_("name"), max_length=200)
    service = models.ForeignKey(
        "catalog.Service", verbose_name=_("service"), on_delete=models.CASCADE,
        null=True, blank=True, related_name="slas",
        help_text=_("Leave empty for the default SLA of tickets that name no service."),
    )
    customer = models.ForeignKey(
        "catalog.Customer", verbose_name=_("customer"), on_delete=models.CASCADE,
        null=True, blank=True, related_name="slas",
        help_text=_("Leave empty for the service's general SLA; a customer's own SLA wins."),
    )
    calendar = models.ForeignKey(Calendar, verbose_name=_("calendar"),
                                 on_delete=models.PROTECT, related_name="slas")
    warning_threshold = models.PositiveSmallIntegerField(
        _("warning threshold (%)"), default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("Warn when this share of a target's business time is used."),
    )
    availability_target = models.DecimalField(
        _("availability target (%)"), max_digits=5, decimal_places=3,
        default=Decimal("99.900"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    compliance_target = models.DecimalField(
        _("compliance target (%)"), max_digits=5, decimal_places=2, default=Decimal("95.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("The share of tickets that must meet their response and resolution "
                    "targets."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("SLA")
        verbose_name_plural = _("SLAs")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "customer"],
                condition=Q(customer__isnull=False, is_active=True),
                name="catalog_sla_one_active_per_customer",
                violation_error_message=_("This service already has an active SLA for "
                                          "this customer."),
            ),
            models.UniqueConstraint(
                fields=["service"], condition=Q(customer__isnull=True, is_active=True),
                name="catalog_sla_one_active_general",
                violation_error_message=_("This service already has an active SLA for all "
                                          "customers."),
            ),
            # NULLs are distinct in a unique index: the default needs its own.
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(service__isnull=True, customer__isnull=True, is_active=True),
                name="catalog_sla_one_active_default",
                violation_error_message=_("There is an active default SLA already."),
            ),
            models.CheckConstraint(
                condition=Q(service__isnull=False) | Q(customer__isnull=True),
                name="catalog_sla_default_has_no_customer",
                violation_error_message=_("The default SLA (no service) is for every "
                                          "customer."),
            ),
            models.CheckConstraint(
                condition=Q(warning_threshold__gte=1, warning_threshold__lte=99),
                name="catalog_sla_warning_threshold_range",
            ),
            models.CheckConstraint(
                condition=Q(availability_target__gte=0, availability_target__lte=100),
                name="catalog_sla_availability_target_range",
            ),
            models.CheckConstraint(
                condition=Q(compliance_target__gte=0, compliance_target__lte=100),
                name="catalog_sla_compliance_target_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PriorityTargets(models.Model):
    """Response and resolution minutes for one priority: what an SLA promises the
    business, and what a supplier's contract promises the desk."""

    priority = models.PositiveSmallIntegerField(_("priority"),
                                                choices=[(p, p) for p in PRIORITIES])
    response_minutes = models.PositiveIntegerField(_("response (minutes)"),
                                                   validators=[MinValueValidator(1)])
    resolution_minutes = models.PositiveIntegerField(_("resolution (minutes)"),
                                                     validators=[MinValueValidator(1)])

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(condition=Q(priority__gte=1, priority__lte=4),
                                   name="%(app_label)s_%(class)s_priority_range"),
            models.CheckConstraint(condition=Q(response_minutes__gte=1,
                                               resolution_minutes__gte=1),
                                   name="%(app_label)s_%(class)s_minutes_positive"),
            models.CheckConstraint(
                condition=Q(response_minutes__lte=F("resolution_minutes")),
                name="%(app_label)s_%(class)s_response_within_resolution",
                violation_error_message=_("The response target cannot be longer than the "
                                          "resolution target."),
            ),
        ]

    def clean(self) -> None:
        if (self.response_minutes and self.resolution_minutes
                and self.response_minutes > self.resolution_minutes):
            raise ValidationError({"response_minutes": _(
                "The response target cannot be longer than the resolution target.")})


class SLATarget(ClearsTermsCache, PriorityTargets):
    """Response and resolution targets for one priority, in minutes of calendar time."""

    sla = models.ForeignKey(ServiceLevelAgreement, verbose_name=_("SLA"),
                            on_delete=models.CASCADE, related_name="targets")

    objects = SLAQuerySet.as_manager()

    class Meta(PriorityTargets.Meta):
        ordering = ["sla", "priority"]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.UniqueConstraint(
                fields=["sla", "priority"], name="catalog_slatarget_unique_priority",
                violation_error_message=_("This SLA already has a target for that priority."),
            ),
            *PriorityTargets.Meta.constraints,
        ]

    def __str__(self) -> str:
        return f"{self.sla} P{self.priority}"


def sla_for(service: Service | int | None,
            customer: Customer | int | None) -> ServiceLevelAgreement | None:
    """The active SLA for a service: the customer's own if there is one, else the
    service's general one, else None; for no service, the default SLA. One query, with
    the calendar."""
    if service is None:
        return ServiceLevelAgreement.objects.default().select_related("calendar").first()
    service_id = getattr(service, "pk", service)
    customer_id = getattr(customer, "pk", customer)
    scope = Q(customer__isnull=True)
    if customer_id is not None:
        scope |= Q(customer_id=customer_id)
    # The customer's own SLA sorts first: NULLs last in ascending order on PostgreSQL
    # and SQLite alike, made explicit.
    return (
        ServiceLevelAgreement.objects.filter(scope, service_id=service_id, is_active=True)
        .select_related("calendar")
        .order_by(F("customer_id").asc(nulls_last=True))
        .first()
    )


def _cached(key: tuple, compute):
    now = monotonic()
    hit = _terms_cache.get(key)
    if hit is not None and now - hit[0] < TERMS_CACHE_SECONDS:
        return hit[1]
    value = compute()
    _terms_cache[key] = (now, value)
    return value


def terms_for(service_id: int | None, customer_id: int | None, priority: int
              ) -> tuple[ServiceLevelAgreement | None, SLATarget | None, WorkingCalendar | None]:
    """The SLA, its target for the priority and its working calendar, for a ticket.

    Every ticket write asks this, and the answer changes only when someone edits the
    terms: it is cached per process (cleared on any write to the terms here, and at
    most TERMS_CACHE_SECONDS old elsewhere), so a create costs no extra queries.
    """
    if service_id is None:
        customer_id = None  # the default SLA is the same for every customer
    sla = _cached(("sla", service_id, customer_id), lambda: sla_for(service_id, customer_id))
    if sla is None:
        return None, None, None
    target = _cached(("target", sla.pk, priority),
                     lambda: SLATarget.objects.filter(sla=sla, priority=priority).first())
    calendar = _cached(("calendar", sla.calendar_id), sla.calendar.working_calendar)
    return sla, target, calendar


def working_calendar_of(sla_id: int) -> WorkingCalendar:
    """The working calendar an SLA runs on (cached like `terms_for`)."""
    sla = _cached(("sla-by-id", sla_id),
                  lambda: ServiceLevelAgreement.objects.select_related("calendar").get(pk=sla_id))
    return _cached(("calendar", sla.calendar_id), sla.calendar.working_calendar)
