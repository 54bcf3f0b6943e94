"""Incidents: unplanned interruptions or reductions in the quality of a service."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from itsm.models import Ticket, TicketQuerySet

from .choices import OnHoldReason, ResolutionCode


class IncidentQuerySet(TicketQuerySet):
    pass


class Incident(Ticket):
    """A Ticket of kind "incident"; status moves only through `incidents.workflow`."""

    is_major = models.BooleanField(_("major incident"), default=False)
    is_outage = models.BooleanField(
        _("service outage"), default=False,
        help_text=_("The service was down: an outage record follows this incident's "
                    "times and counts against availability."))
    parent = models.ForeignKey(
        "self", verbose_name=_("parent incident"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="children",
        help_text=_("A child incident is resolved together with its parent."),
    )
    on_hold_reason = models.CharField(
        _("on-hold reason"), max_length=30, choices=OnHoldReason, blank=True
    )
    resolution_code = models.CharField(
        _("resolution code"), max_length=30, choices=ResolutionCode, blank=True
    )
    resolution_notes = models.TextField(_("resolution notes"), blank=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [models.Index(fields=["is_major"], name="incident_major",
                                condition=models.Q(is_major=True))]
