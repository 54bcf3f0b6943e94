"""The service catalog: who the customers are, what services exist, who owns them.

Services depend on other services; configuration items support services and relate to
each other ("depends on", "runs on"), and `impacted_services(ci)` walks those relations.
Calendars and SLAs live in `sla`, suppliers and underpinning contracts in `suppliers`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from itsm.base.roles import is_staff_reader


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
    imported = models.BooleanField(
        _("imported"), default=False, editable=False,
        help_text=_("Created by a ticket import; the ownership report lists it until "
                    "someone owns it."))

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name


class TeamQuerySet(CatalogQuerySet):
    def triage(self) -> Team | None:
        """The active triage team, if one is set."""
        return self.filter(is_triage=True, is_active=True).first()


class MeetingCadence(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    BIWEEKLY = "biweekly", _("Every two weeks")
    MONTHLY = "monthly", _("Monthly")
    NONE = "none", _("Does not meet")


class Team(models.Model):
    """A management / support group: the people who own and work a part of IT.

    Management groups meet regularly to measure, follow up and improve their part of
    the environment; `meeting_cadence` records how often.
    """

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
    meeting_cadence = models.CharField(_("meeting cadence"), max_length=10,
                                       choices=MeetingCadence, default=MeetingCadence.NONE)
    is_triage = models.BooleanField(
        _("triage team"), default=False,
        help_text=_("Tickets that name no service (or whose service has no active owner) "
                    "go to this team to be categorised. One team at most."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    imported = models.BooleanField(
        _("imported"), default=False, editable=False,
        help_text=_("Created by a ticket import; the ownership report lists it until "
                    "someone owns it."))

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(
                fields=["is_triage"], condition=Q(is_triage=True), name="catalog_one_triage_team",
                violation_error_message=_("Another team is the triage team already."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TeamRate(models.Model):
    """What an hour of a team's work costs from a date on. Rates are dated, so a new
    rate never rewrites the cost of work done before it."""

    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE,
                             related_name="rates")
    hourly_rate = models.DecimalField(_("hourly rate"), max_digits=10, decimal_places=2)
    valid_from = models.DateField(_("valid from"))

    class Meta:
        ordering = ["team", "-valid_from"]
        verbose_name = _("team rate")
        verbose_name_plural = _("team rates")
        constraints = [
            models.UniqueConstraint(fields=["team", "valid_from"], name="catalog_teamrate_unique",
                                    violation_error_message=_("The team has a rate from that "
                                                              "date already.")),
            models.CheckConstraint(condition=Q(hourly_rate__gte=0),
                                   name="catalog_teamrate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.team}: {self.hourly_rate} ({self.valid_from})"

    @classmethod
    def on(cls, team_id: int | None, day) -> TeamRate | None:
        """The team's rate on `day` (the latest from that day or before)."""
        if team_id is None:
            return None
        return (cls.objects.filter(team_id=team_id, valid_from__lte=day)
                .order_by("-valid_from").first())


class ServiceCategory(models.Model):
    """A branch of the catalog's structure ("Workplace", "Business applications"): the
    category a ticket takes from the service it is about."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Where the category comes in the catalog."))

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")

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


class ServiceType(models.TextChoices):
    BUSINESS = "business", _("Business service")
    TECHNICAL = "technical", _("Technical service")
    SUPPORTING = "supporting", _("Supporting service")


class Criticality(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Lifecycle(models.TextChoices):
    PLANNED = "planned", _("Planned")
    LIVE = "live", _("Live")
    RETIRING = "retiring", _("Retiring")
    RETIRED = "retired", _("Retired")


class Service(models.Model):
    """A service in the catalog; its structure steers how tickets are categorised.

    `depends_on` points at the services this one needs; `supports` is the reverse.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    description = models.TextField(_("description"), blank=True)
    operations_notes = models.TextField(
        _("operational notes"), blank=True,
        help_text=_("How the service is run: maintenance windows, backups, monitoring."))
    support_notes = models.TextField(
        _("support notes"), blank=True,
        help_text=_("What the service desk needs to know to help users and to escalate."))
    category = models.ForeignKey(
        ServiceCategory, verbose_name=_("category"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="services",
        help_text=_("Tickets about this service are filed under this category."))
    owner_team = models.ForeignKey(
        Team,
        verbose_name=_("owner team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_services",
        help_text=_("The management group responsible for this service."),
    )
    service_type = models.CharField(_("type"), max_length=12, choices=ServiceType,
                                    default=ServiceType.BUSINESS)
    criticality = models.CharField(_("criticality"), max_length=10, choices=Criticality,
                                   default=Criticality.MEDIUM)
    lifecycle = models.CharField(_("lifecycle state"), max_length=10, choices=Lifecycle,
                                 default=Lifecycle.LIVE)
    depends_on = models.ManyToManyField(
        "self", verbose_name=_("depends on"), symmetrical=False, related_name="supports",
        blank=True,
    )
    is_active = models.BooleanField(_("active"), default=True)
    takes_orders = models.BooleanField(
        _("takes orders"), default=False,
        help_text=_("Users order things of this service from the catalog: it goes live "
                    "with its request items."))
    asks_satisfaction = models.BooleanField(
        _("asks for satisfaction"), default=True,
        help_text=_("Ask the requester how satisfied they are when a ticket about this "
                    "service is resolved."))
    imported = models.BooleanField(
        _("imported"), default=False, editable=False,
        help_text=_("Created by a ticket import; the ownership report lists it until "
                    "someone owns it."))

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


class CIRelationKind(models.TextChoices):
    DEPENDS_ON = "depends_on", _("depends on")
    RUNS_ON = "runs_on", _("runs on")


class ConfigurationItem(models.Model):
    """Something in the IT environment that is managed: a server, an application, …

    `related` holds the outgoing relations (this CI depends on / runs on the target);
    `dependents` are the CIs that depend on or run on this one.
    """

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
    related = models.ManyToManyField(
        "self", verbose_name=_("relations"), through="CIRelation",
        through_fields=("source", "target"), symmetrical=False, related_name="dependents",
        blank=True,
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

    def primary_service(self) -> Service | None:
        """The service a ticket about this CI is about when it names no service: the
        most critical active one the CI supports directly (the catalog's structure
        categorises the ticket, and the service brings its team and SLA)."""
        rank = Case(*(When(criticality=value, then=Value(position))
                      for position, value in enumerate(Criticality.values)),
                    default=Value(len(Criticality.values)))
        return (self.services.filter(is_active=True).annotate(rank=rank)
                .order_by("rank", "name").first())


class CIRelation(models.Model):
    """`source` depends on / runs on `target`: when the target fails, the source suffers."""

    source = models.ForeignKey(ConfigurationItem, verbose_name=_("source"),
                               on_delete=models.CASCADE, related_name="relations_out")
    target = models.ForeignKey(ConfigurationItem, verbose_name=_("target"),
                               on_delete=models.CASCADE, related_name="relations_in")
    kind = models.CharField(_("kind"), max_length=12, choices=CIRelationKind,
                            default=CIRelationKind.DEPENDS_ON)

    objects = CatalogQuerySet.as_manager()

    class Meta:
        ordering = ["source", "target", "kind"]
        verbose_name = _("CI relation")
        verbose_name_plural = _("CI relations")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "kind"], name="catalog_cirelation_unique",
                violation_error_message=_("These CIs already have this relation."),
            ),
            models.CheckConstraint(
                condition=~Q(source=F("target")), name="catalog_cirelation_not_self",
                violation_error_message=_("A CI cannot relate to itself."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.get_kind_display()} {self.target}"


# A bound on the walk: deeper chains than this are a modelling error, not an outage path.
MAX_IMPACT_DEPTH = 20


def impacted_services(ci: ConfigurationItem | int) -> QuerySet[Service]:
    """The services hit when `ci` fails: those it supports directly, and those supported
    by every CI that depends on or runs on it, transitively.

    A breadth-first walk up the relation graph, one query per level plus one for the
    services; the visited set makes cycles terminate, `MAX_IMPACT_DEPTH` bounds it.
    """
    start = getattr(ci, "pk", ci)
    visited = {start}
    frontier = {start}
    for _level in range(MAX_IMPACT_DEPTH):
        sources = set(
            CIRelation.objects.filter(target_id__in=frontier)
            .values_list("source_id", flat=True)
        )
        frontier = sources - visited
        if not frontier:
            break
        visited |= frontier
    return Service.objects.filter(configuration_items__in=visited).distinct()
