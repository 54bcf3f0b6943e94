"""What a service offers to be ordered or changed without fuss.

A `RequestItem` is an order request fulfilment handles ("New laptop", "Access to the
ERP"): who may order it, its order form, the approval steps an order passes
(`ApprovalStep`) and the tasks that fulfil it (`TaskTemplate`). A `StandardChange` is
a pre-approved, low-risk change with a documented plan. Both belong to one service and
show in its documentation; the request and change processes create tickets from them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from itsm.base.roles import ALL_ROLES, is_staff_reader, roles_of

from .. import order_forms
from .catalog import CatalogQuerySet, Customer, Service, Team


class OfferingQuerySet(CatalogQuerySet):
    def visible_to(self, user) -> OfferingQuerySet:
        # Requesters order from the catalog, so they see what is active.
        if is_staff_reader(user):
            return self
        if user.is_authenticated:
            return self.filter(is_active=True, service__is_active=True)
        return self.none()

    def orderable_by(self, user) -> OfferingQuerySet:
        """The active items `user` may order for themself: of their customer (or of
        every customer) and for one of their roles (or for everyone)."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        items = self.filter(is_active=True, service__is_active=True)
        customer = Q(customers=None) | Q(customers=user.customer_id)
        role = Q(roles=None) | Q(roles__name__in=roles_of(user))
        return items.filter(pk__in=self.model.objects.filter(customer, role).values("pk"))


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
    fulfilment_days = models.PositiveSmallIntegerField(
        _("fulfilment target (working days)"), null=True, blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Delivered by the end of this many working days on the SLA's calendar, "
                    "not counting the time an order waits for approval."))
    is_active = models.BooleanField(_("active"), default=True)
    order_form = models.JSONField(
        _("order form"), default=list, blank=True,
        help_text=_("The fields a requester fills in to order it: a list of fields, each "
                    "with a name, label and kind (the README describes them)."))
    # Who may order it: nobody named is everyone.
    customers = models.ManyToManyField(
        Customer, verbose_name=_("customers"), blank=True, related_name="request_items",
        help_text=_("Only requesters of these customers may order it; none: every customer."))
    roles = models.ManyToManyField(
        "auth.Group", verbose_name=_("roles"), blank=True, related_name="+",
        limit_choices_to={"name__in": ALL_ROLES},
        help_text=_("Only people with one of these roles may order it; none: everyone."))
    on_behalf = models.BooleanField(
        _("may be ordered for someone else"), default=False,
        help_text=_("Requesters may order it for a colleague (the service desk always may)."))

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

    @property
    def requires_approval(self) -> bool:
        return any(True for _step in self.approval_steps.all())

    def team(self) -> Team | None:
        """Who fulfils it: its fulfilment team, else the service's owner team."""
        return self.fulfilment_team or self.service.owner_team

    def may_order(self, user) -> bool:
        """Whether `user` may order it for themself (`orderable_by`)."""
        return RequestItem.objects.orderable_by(user).filter(pk=self.pk).exists()


class ApprovalRule(models.TextChoices):
    ANY = "any", _("Any one of them")
    ALL = "all", _("All of them")
    COUNT = "count", _("A number of them")
    PERCENT = "percent", _("A share of them")


class ApproverKind(models.TextChoices):
    MANAGER = "manager", _("The requester's manager")
    PEOPLE = "people", _("Named approvers")
    TEAM = "team", _("The members of a team")


class ApprovalStep(models.Model):
    """One step an order of an item passes before it is fulfilled; steps run in
    sequence, each decided by its approvers under its rule."""

    item = models.ForeignKey(RequestItem, verbose_name=_("request item"),
                             on_delete=models.CASCADE, related_name="approval_steps")
    position = models.PositiveSmallIntegerField(_("step"), default=1)
    name = models.CharField(_("name"), max_length=100,
                            help_text=_("What the step decides, e.g. “Budget owner”."))
    approvers = models.CharField(_("approvers"), max_length=10, choices=ApproverKind,
                                 default=ApproverKind.MANAGER)
    people = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("people"),
                                    blank=True, related_name="+")
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT,
                             null=True, blank=True, related_name="+")
    rule = models.CharField(_("decided by"), max_length=10, choices=ApprovalRule,
                            default=ApprovalRule.ANY)
    needed = models.PositiveSmallIntegerField(
        _("number or share needed"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("How many approvals (a number), or which percentage of the approvers "
                    "(a share), the step needs."))
    due_hours = models.PositiveSmallIntegerField(
        _("time to decide (hours)"), default=24, validators=[MinValueValidator(1)],
        help_text=_("Approvers are reminded before this has passed."))

    class Meta:
        ordering = ["item", "position"]
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        constraints = [
            models.UniqueConstraint(fields=["item", "position"],
                                    name="catalog_approvalstep_unique_position",
                                    violation_error_message=_(
                                        "The item already has a step at that position.")),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"

    def clean(self) -> None:
        super().clean()
        if self.approvers == ApproverKind.TEAM and self.team_id is None:
            raise ValidationError({"team": _("Name the team whose members approve.")})
        if self.rule in (ApprovalRule.COUNT, ApprovalRule.PERCENT) and not self.needed:
            raise ValidationError({"needed": _("Say how many approvals the step needs.")})
        if self.rule not in (ApprovalRule.COUNT, ApprovalRule.PERCENT) and self.needed:
            raise ValidationError({"needed": _("Only a number or a share needs this.")})


class TaskTemplate(models.Model):
    """A task that fulfils an order of an item: created when its turn comes, for its
    team. Tasks run one after the other, except one that runs alongside the one
    before it."""

    item = models.ForeignKey(RequestItem, verbose_name=_("request item"),
                             on_delete=models.CASCADE, related_name="task_templates")
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT,
                             null=True, blank=True, related_name="+",
                             help_text=_("Leave empty for the item's fulfilment team."))
    parallel = models.BooleanField(
        _("runs alongside the one before"), default=False,
        help_text=_("Opens together with the task before it instead of after it."))

    class Meta:
        ordering = ["item", "position"]
        verbose_name = _("fulfilment task")
        verbose_name_plural = _("fulfilment tasks")
        constraints = [
            models.UniqueConstraint(fields=["item", "position"],
                                    name="catalog_tasktemplate_unique_position",
                                    violation_error_message=_(
                                        "The item already has a task at that position.")),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


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
