"""What a service offers to be ordered or changed without fuss.

A `RequestItem` is an order request fulfilment handles ("New laptop", "Access to the
ERP"); a `StandardChange` is a pre-approved, low-risk change with a documented plan.
Both belong to one service and show in its documentation; the request and change
processes create tickets from them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from itsm.base.roles import is_staff_reader

from .. import order_forms
from .catalog import CatalogQuerySet, Service, Team


class OfferingQuerySet(CatalogQuerySet):
    def visible_to(self, user) -> OfferingQuerySet:
        # Requesters order from the catalog, so they see what is active.
        if is_staff_reader(user):
            return self
        if user.is_authenticated:
            return self.filter(is_active=True, service__is_active=True)
        return self.none()


class RequestItem(models.Model):
    """Something users order through request fulfilment."""

    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.CASCADE,
                                related_name="request_items")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    fulfilment_team = models.ForeignKey(
        Team, verbose_name=_("fulfilment team"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="request_items",
        help_text=_("Leave empty for the service's owner team."))
    requires_approval = models.BooleanField(_("requires approval"), default=False)
    fulfilment_days = models.PositiveSmallIntegerField(
        _("fulfilment time (working days)"), null=True, blank=True,
        validators=[MinValueValidator(1)])
    is_active = models.BooleanField(_("active"), default=True)
    order_form = models.JSONField(
        _("order form"), default=list, blank=True,
        help_text=_("The fields a requester fills in to order it: a list of fields, each "
                    "with a name, label and kind (the README describes them)."))

    objects = OfferingQuerySet.as_manager()

    class Meta:
        ordering = ["service", "name"]
        verbose_name = _("request item")
        verbose_name_plural = _("request items")
        constraints = [
            models.UniqueConstraint(fields=["service", "name"],
                                    name="catalog_requestitem_unique_name",
                                    violation_error_message=_(
                                        "This service already offers an item of that name.")),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        try:
            order_forms.parse(self.order_form)
        except ValidationError as exc:
            raise ValidationError({"order_form": exc.messages}) from exc

    def order_fields(self) -> list[order_forms.FieldSpec]:
        """The item's order form as it stands (a definition saved through `clean`)."""
        return order_forms.parse(self.order_form)


class ChangeRisk(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class StandardChange(models.Model):
    """A pre-authorised change: known, low risk, done by a documented plan."""

    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.CASCADE,
                                related_name="standard_changes")
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    implementation_plan = models.TextField(_("implementation plan"))
    backout_plan = models.TextField(_("backout plan"), blank=True)
    risk = models.CharField(_("risk"), max_length=10, choices=ChangeRisk,
                            default=ChangeRisk.LOW)
    is_active = models.BooleanField(_("active"), default=True)

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["service", "name"]
        verbose_name = _("standard change")
        verbose_name_plural = _("standard changes")
        constraints = [
            models.UniqueConstraint(fields=["service", "name"],
                                    name="catalog_standardchange_unique_name",
                                    violation_error_message=_(
                                        "This service already has a standard change of "
                                        "that name.")),
            models.CheckConstraint(condition=~Q(implementation_plan=""),
                                   name="catalog_standardchange_has_plan"),
        ]

    def __str__(self) -> str:
        return self.name
