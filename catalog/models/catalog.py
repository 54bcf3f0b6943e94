"""The service catalog: who the customers are, what services exist, who owns them.

This is the minimum the ticket core needs (customers, services, teams, CIs); the
catalog issue adds suppliers, calendars, SLAs, request items and service documentation.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from itsm.roles import is_staff_reader


class CatalogQuerySet(models.QuerySet):
    """Catalog records are reference data: every desk role reads them all."""

    def visible_to(self, user) -> CatalogQuerySet:
        if is_staff_reader(user):
            return self
        return self.none()


class CustomerQuerySet(CatalogQuerySet):
    def visible_to(self, user) -> CustomerQuerySet:
        if is_staff_reader(user):
            return self
        if user.is_authenticated and user.customer_id:
            return self.filter(pk=user.customer_id)
        return self.none()


class Customer(models.Model):
    """A business unit that receives services and logs tickets."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    share_tickets = models.BooleanField(
        _("members see each other's tickets"),
        default=False,
        help_text=_("Requesters of this customer can follow all of its tickets."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A management / support group: the people who own and work a part of IT."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    email = models.EmailField(_("email"), blank=True)
    description = models.TextField(_("description"), blank=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), related_name="teams", blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class ServiceQuerySet(CatalogQuerySet):
    def visible_to(self, user) -> ServiceQuerySet:
        # Requesters pick a service when they log a ticket, so they see active ones.
        if is_staff_reader(user):
            return self
        if user.is_authenticated:
            return self.filter(is_active=True)
        return self.none()


class Service(models.Model):
    """A service in the catalog; its structure steers how tickets are categorised."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    description = models.TextField(_("description"), blank=True)
    owner_team = models.ForeignKey(
        Team,
        verbose_name=_("owner team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_services",
        help_text=_("The management group responsible for this service."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name


class CIType(models.TextChoices):
    SERVER = "server", _("Server")
    APPLICATION = "application", _("Application")
    DATABASE = "database", _("Database")
    NETWORK = "network", _("Network device")
    STORAGE = "storage", _("Storage")
    WORKSTATION = "workstation", _("Workstation")
    OTHER = "other", _("Other")


class ConfigurationItem(models.Model):
    """Something in the IT environment that is managed: a server, an application, …"""

    name = models.CharField(_("name"), max_length=200, unique=True)
    ci_type = models.CharField(_("type"), max_length=20, choices=CIType, default=CIType.OTHER)
    owner_team = models.ForeignKey(
        Team,
        verbose_name=_("owner team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_cis",
    )
    services = models.ManyToManyField(
        Service, verbose_name=_("supports services"), related_name="configuration_items", blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("configuration item")
        verbose_name_plural = _("configuration items")
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="catalog_ci_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

