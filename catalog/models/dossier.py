"""The service documentation dossier: a service's support path and its edit history.

A `SupportLevel` is one step of the path a ticket escalates along (first line →
second line → supplier); the SLA scan follows it when a ticket breaches. Every edit of
a service's documentation is kept as a `ServiceRevision`: who changed what and when,
with the full text as it then stood, so earlier text can always be read.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .catalog import CatalogQuerySet, Service, Team
from .suppliers import Supplier


class SupportLevel(models.Model):
    """One step of a service's support path: a team of ours, or a supplier."""

    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.CASCADE,
                                related_name="support_levels")
    position = models.PositiveSmallIntegerField(
        _("level"), help_text=_("1 is first line; a breach escalates to the next level."))
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT,
                             null=True, blank=True, related_name="support_levels")
    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"),
                                 on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="support_levels")
    note = models.CharField(_("note"), max_length=255, blank=True,
                            help_text=_("How to reach this level, e.g. a hotline and "
                                        "contract reference."))

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["service", "position"]
        verbose_name = _("support level")
        verbose_name_plural = _("support levels")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "position"], name="catalog_supportlevel_unique_position",
                violation_error_message=_("This service already has a support level at "
                                          "that position."),
            ),
            models.CheckConstraint(
                condition=(Q(team__isnull=False, supplier__isnull=True)
                           | Q(team__isnull=True, supplier__isnull=False)),
                name="catalog_supportlevel_team_xor_supplier",
                violation_error_message=_("A support level is either a team or a "
                                          "supplier."),
            ),
            models.CheckConstraint(condition=Q(position__gte=1),
                                   name="catalog_supportlevel_position_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.team or self.supplier}"

    @property
    def party(self) -> Team | Supplier:
        return self.team or self.supplier


class ServiceRevision(models.Model):
    """The service's documentation as it stood after one edit.

    `content` is the whole dossier text (see `catalog.services.DOSSIER_FIELDS`), so any
    revision reads on its own; `changed` names the parts this edit changed.
    """

    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.CASCADE,
                                related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"),
                               on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    created_at = models.DateTimeField(_("saved"), default=timezone.now, editable=False)
    summary = models.CharField(_("edit summary"), max_length=255, blank=True)
    changed = models.JSONField(_("changed parts"), default=list)
    content = models.JSONField(_("content"))

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["service", "-number"]
        verbose_name = _("service revision")
        verbose_name_plural = _("service revisions")
        constraints = [
            models.UniqueConstraint(fields=["service", "number"],
                                    name="catalog_servicerevision_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.service} r{self.number}"
