"""The improvement register: suggestions for how a service could be run better.

A `Suggestion` is routed to the management group that owns its service (its owner
team unless someone chose another); that group reads its register at its regular
meeting. Suggestions are opened only through `improvement.services.open_suggestion`.
This is the register's first slice: the plans, reviews and the rest of the loop of
continual improvement build on it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Service, Team
from itsm.base import roles

from .choices import SuggestionSource, SuggestionStatus


class SuggestionQuerySet(models.QuerySet):
    def visible_to(self, user) -> SuggestionQuerySet:
        """The register is the desk's: every desk role reads it."""
        return self if roles.is_staff_reader(user) else self.none()


class Suggestion(models.Model):
    """Something missing or to be done better (a routine, information, a target),
    with where it came from and who answers for it."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=20, choices=SuggestionSource,
                              default=SuggestionSource.ENTERED)
    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.SET_NULL,
                                null=True, blank=True, related_name="suggestions")
    owner_team = models.ForeignKey(
        Team, verbose_name=_("owner team"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="suggestions",
        help_text=_("The management group that answers for it: the service's owner team "
                    "unless another was chosen."))
    status = models.CharField(_("status"), max_length=10, choices=SuggestionStatus,
                              default=SuggestionStatus.NEW)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = SuggestionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        indexes = [models.Index(fields=["owner_team", "status"], name="suggestion_team_status")]

    def __str__(self) -> str:
        return self.title
