"""Suppliers and their underpinning contracts: what an outside party promises us.

The tactical function answers for suppliers meeting their agreed levels; an
`UnderpinningContract` records those levels as a `ContractTarget` per priority
(response and resolution, in minutes), optionally for one service it underpins.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .catalog import CatalogQuerySet
from .sla import PriorityTargets


class Supplier(models.Model):
    """An outside party that delivers part of a service: a vendor, a hosting partner."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")

    def __str__(self) -> str:
        return self.name


class UnderpinningContract(models.Model):
    """A supplier's contract: the levels they promise, valid for a period."""

    supplier = models.ForeignKey(Supplier, verbose_name=_("supplier"),
                                 on_delete=models.CASCADE, related_name="contracts")
    service = models.ForeignKey(
        "catalog.Service", verbose_name=_("service"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="underpinning_contracts",
        help_text=_("The service this contract underpins, if it is for one service."),
    )
    name = models.CharField(_("name"), max_length=200)
    reference = models.CharField(_("contract reference"), max_length=100, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True,
                                help_text=_("Leave empty for a contract until further notice."))

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["supplier", "name"]
        verbose_name = _("underpinning contract")
        verbose_name_plural = _("underpinning contracts")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="catalog_contract_valid_period",
                violation_error_message=_("A contract cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier}: {self.name}"


class ContractTarget(PriorityTargets):
    """What the supplier promises for one priority, in minutes."""

    contract = models.ForeignKey(UnderpinningContract, verbose_name=_("contract"),
                                 on_delete=models.CASCADE, related_name="targets")

    objects = CatalogQuerySet.as_manager()

    class Meta(PriorityTargets.Meta):
        ordering = ["contract", "priority"]
        verbose_name = _("contract target")
        verbose_name_plural = _("contract targets")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "priority"], name="catalog_contracttarget_unique_priority",
                violation_error_message=_("This contract already has a target for that "
                                          "priority."),
            ),
            *PriorityTargets.Meta.constraints,
        ]

    def __str__(self) -> str:
        return f"{self.contract} P{self.priority}"
