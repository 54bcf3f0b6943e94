"""When changes may and may not be made: freeze (blackout) windows, global or for one
service, and the recurring maintenance windows of a service or a CI.

A freeze is a dated span in which no change should run (a month-end close, a sales
peak); scheduling into one needs an explicit override with a reason. A maintenance
window is a weekly slot (given weekdays, a start time, a length, in a time zone) in
which the service or CI may be worked on; a change outside its CI's windows is a
conflict. `changes.conflicts` reads both.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .catalog import CatalogQuerySet, ConfigurationItem, Service
from .sla import Weekday, validate_time_zone


class FreezeQuerySet(CatalogQuerySet):
    def overlapping(self, start: datetime, end: datetime) -> FreezeQuerySet:
        """Freezes that share some moment with [start, end) (touching is not sharing)."""
        return self.filter(starts_at__lt=end, ends_at__gt=start)

    def applying_to(self, service_ids) -> FreezeQuerySet:
        """Global freezes and those of any of the services."""
        return self.filter(Q(service__isnull=True) | Q(service__in=list(service_ids)))


class FreezeWindow(models.Model):
    """A span in which no change should run: everywhere, or on one service."""

    name = models.CharField(_("name"), max_length=200)
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="freeze_windows", help_text=_("Empty: the freeze applies everywhere."))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    reason = models.TextField(_("reason"), blank=True)

    objects = FreezeQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("freeze window")
        verbose_name_plural = _("freeze windows")
        constraints = [models.CheckConstraint(
            condition=Q(ends_at__gt=models.F("starts_at")), name="catalog_freeze_ends_after",
            violation_error_message=_("A freeze ends after it starts."))]
        indexes = [models.Index(fields=["ends_at", "starts_at"], name="catalog_freeze_span")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # The check constraint says the same, but of no field: a form or the API names it.
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("A freeze ends after it starts.")})


def validate_weekdays(value) -> None:
    if not isinstance(value, list) or not value or not all(
            isinstance(day, int) and 0 <= day <= 6 for day in value):
        raise ValidationError(_("Choose at least one weekday."))


class MaintenanceWindow(models.Model):
    """A weekly slot in which a service or a CI may be worked on, in local wall time."""

    name = models.CharField(_("name"), max_length=200)
    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.CASCADE,
                                null=True, blank=True, related_name="maintenance_windows")
    configuration_item = models.ForeignKey(
        ConfigurationItem, verbose_name=_("configuration item"), on_delete=models.CASCADE,
        null=True, blank=True, related_name="maintenance_windows")
    weekdays = models.JSONField(_("weekdays"), default=list, validators=[validate_weekdays],
                                help_text=_("The days the window opens (0 is Monday)."))
    start_time = models.TimeField(_("opens at"))
    duration_minutes = models.PositiveIntegerField(
        _("length (minutes)"), validators=[MinValueValidator(15), MaxValueValidator(7 * 1440)])
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE,
                                 validators=[validate_time_zone])

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("maintenance window")
        verbose_name_plural = _("maintenance windows")
        constraints = [models.CheckConstraint(
            condition=Q(service__isnull=False) | Q(configuration_item__isnull=False),
            name="catalog_maintenance_has_subject",
            violation_error_message=_("A maintenance window belongs to a service or a "
                                      "configuration item."))]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.service_id is None and self.configuration_item_id is None:
            raise ValidationError({"service": _(
                "A maintenance window belongs to a service or a configuration item: "
                "choose one.")})

    @property
    def subject(self) -> Service | ConfigurationItem | None:
        return self.configuration_item if self.configuration_item_id else self.service

    @property
    def weekday_names(self) -> str:
        return ", ".join(str(Weekday(day).label) for day in sorted(self.weekdays))

    def openings(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The window's slots that share time with [start, end), as aware datetimes."""
        zone = ZoneInfo(self.time_zone)
        length = timedelta(minutes=self.duration_minutes)
        # A slot that opened up to its length before `start` may still be open.
        day = (start - length).astimezone(zone).date()
        last = end.astimezone(zone).date()
        slots = []
        while day <= last:
            if day.weekday() in self.weekdays:
                opens = datetime.combine(day, self.start_time, tzinfo=zone)
                closes = opens + length
                if opens < end and closes > start:
                    slots.append((opens, closes))
            day += timedelta(days=1)
        return slots

    def covers(self, start: datetime, end: datetime) -> bool:
        """Whether [start, end) lies inside the window's slots (joined where they touch)."""
        return covered([self], start, end)


def covered(windows, start: datetime, end: datetime) -> bool:
    """Whether [start, end) lies inside the slots of the windows taken together (slots
    that touch or overlap join, of one window or several)."""
    moment = start
    for opens, closes in sorted(slot for window in windows
                                for slot in window.openings(start, end)):
        if opens > moment:
            return False
        moment = max(moment, closes)
        if moment >= end:
            return True
    return False
