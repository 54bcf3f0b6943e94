"""The shared ticket core: users, tickets of every kind, their timeline and files.

`Ticket` is the concrete parent of every kind of work (ServiceNow's "task"): each
process app extends it by multi-table inheritance. Status, assignment and the
counters are written only by `itsm.workflow`; this module holds data and queries.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from pathlib import PurePath

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import roles
from .base.people import display_name
from .choices import Channel, EventKind, TicketKind


class User(AbstractUser):
    """A person who uses the desk; requesters belong to a customer."""

    customer = models.ForeignKey(
        "catalog.Customer",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="users",
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # Who approves what this person orders, and who decides for them while they are away.
    manager = models.ForeignKey(
        "self", verbose_name=_("manager"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="reports",
        help_text=_("Approves what this person orders where an item asks their manager."))
    delegate = models.ForeignKey(
        "self", verbose_name=_("approval delegate"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="delegators",
        help_text=_("Decides this person's approvals while they are away."))
    away_until = models.DateField(
        _("away until"), null=True, blank=True,
        help_text=_("Their delegate decides for them up to and including this day."))

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        ordering = ["username"]

    def __str__(self) -> str:
        return display_name(self.username, self.first_name, self.last_name)

    def is_away(self, today=None) -> bool:
        """Whether their delegate decides for them today."""
        today = today or timezone.localdate()
        return self.delegate_id is not None and bool(self.away_until) and today <= self.away_until


class TicketSequence(models.Model):
    """The last number handed out per kind; incremented under a row lock."""

    kind = models.CharField(max_length=20, choices=TicketKind, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.kind}: {self.last_value}"


class PriorityRule(models.Model):
    """One cell of the impact × urgency matrix; editable in the admin."""

    impact = models.PositiveSmallIntegerField(_("impact"), choices=[(i, i) for i in (1, 2, 3)])
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=[(i, i) for i in (1, 2, 3)])
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=[(i, i) for i in (1, 2, 3, 4)]
    )

    class Meta:
        ordering = ["impact", "urgency"]
        verbose_name = _("priority rule")
        verbose_name_plural = _("priority matrix")
        constraints = [
            models.UniqueConstraint(fields=["impact", "urgency"], name="itsm_priority_cell_unique")
        ]

    def __str__(self) -> str:
        return f"I{self.impact} × U{self.urgency} → P{self.priority}"


# The moment a ticket's next SLA clock falls due: the response while it is not responded
# to, else the resolution. The queue sorts by it; an index serves it for open tickets.
NEXT_DUE = models.Case(models.When(responded_at__isnull=True, then=models.F("response_due")),
                       default=models.F("resolution_due"))


class TicketQuerySet(models.QuerySet):
    """Queries shared by every kind; `visible_to` is the only scoping rule."""

    def visible_to(self, user) -> TicketQuerySet:
        if roles.is_staff_reader(user):
            return self
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        scope = Q(requester=user)
        if user.customer_id and user.customer.share_tickets:
            scope |= Q(customer_id=user.customer_id)
        return self.filter(scope)

    def open(self) -> TicketQuerySet:
        return self.filter(resolved_at__isnull=True, closed_at__isnull=True)


class Ticket(models.Model):
    """What every piece of work has: number, status, priority, people, clocks."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=TicketKind, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=30, editable=False)
    priority = models.PositiveSmallIntegerField(_("priority"), default=4, editable=False)
    impact = models.PositiveSmallIntegerField(
        _("impact"), choices=[(1, _("1 - High")), (2, _("2 - Medium")), (3, _("3 - Low"))],
        default=3,
    )
    urgency = models.PositiveSmallIntegerField(
        _("urgency"), choices=[(1, _("1 - High")), (2, _("2 - Medium")), (3, _("3 - Low"))],
        default=3,
    )
    service = models.ForeignKey(
        "catalog.Service", verbose_name=_("service"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="tickets",
    )
    # The catalog steers categorisation: the workflow files a ticket under its service's
    # category when the service is set or changed.
    category = models.ForeignKey(
        "catalog.ServiceCategory", verbose_name=_("category"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="tickets", editable=False,
    )
    configuration_item = models.ForeignKey(
        "catalog.ConfigurationItem", verbose_name=_("configuration item"),
        on_delete=models.PROTECT, null=True, blank=True, related_name="tickets",
    )
    customer = models.ForeignKey(
        "catalog.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="tickets",
    )
    # No single-column index on requester, assignment team and assignee: the composite
    # indexes in Meta lead with them. Each extra index slowed every write and added
    # half a millisecond to planning every list query that joins the ticket's relations.
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requester"), on_delete=models.PROTECT,
        related_name="requested_tickets", db_index=False,
    )
    assignment_team = models.ForeignKey(
        "catalog.Team", verbose_name=_("assignment team"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="tickets", editable=False, db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="assigned_tickets", editable=False,
        db_index=False,
    )
    first_assignment_team = models.ForeignKey(
        "catalog.Team", verbose_name=_("first team assigned"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+", editable=False,
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel, default=Channel.PORTAL)
    # The catalog item it orders (a service request), by which the KPIs break orders down.
    request_item = models.ForeignKey(
        "catalog.RequestItem", verbose_name=_("request item"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="requests", editable=False, db_index=False)
    # The number it had before it was converted to another kind (an incident that was
    # really a request); its old number still finds it.
    converted_from = models.CharField(_("converted from"), max_length=20, blank=True,
                                      editable=False)

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)

    # SLA clock: written only by itsm.sla (through the workflow).
    sla = models.ForeignKey(
        "catalog.ServiceLevelAgreement", verbose_name=_("SLA"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="tickets", editable=False,
    )
    sla_paused_minutes = models.FloatField(
        _("SLA time paused (business minutes)"), default=0, editable=False,
        help_text=_("Business time spent on hold; the resolution clock does not count it."),
    )
    response_due = models.DateTimeField(_("response due"), null=True, blank=True, editable=False)
    resolution_due = models.DateTimeField(
        _("resolution due"), null=True, blank=True, editable=False
    )
    on_hold_since = models.DateTimeField(null=True, blank=True, editable=False)
    on_hold_seconds = models.PositiveIntegerField(_("time on hold (s)"), default=0, editable=False)
    response_breached = models.BooleanField(_("response breached"), default=False, editable=False)
    resolution_breached = models.BooleanField(
        _("resolution breached"), default=False, editable=False
    )
    # When the SLA's warning threshold of each target is used up, and whether the scan
    # has warned about it (once).
    response_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_warn_at = models.DateTimeField(null=True, blank=True, editable=False)
    response_warned = models.BooleanField(default=False, editable=False)
    resolution_warned = models.BooleanField(default=False, editable=False)

    # What the KPIs read (itsm.facts): measured when a clock stops, in the same write.
    response_seconds = models.PositiveIntegerField(
        _("time to respond (s)"), null=True, blank=True, editable=False)
    response_business_seconds = models.PositiveIntegerField(
        _("business time to respond (s)"), null=True, blank=True, editable=False)
    resolution_seconds = models.PositiveIntegerField(
        _("time to resolve (s)"), null=True, blank=True, editable=False)
    resolution_business_seconds = models.PositiveIntegerField(
        _("business time to resolve (s)"), null=True, blank=True, editable=False,
        help_text=_("On the SLA calendar, less the time on hold."))
    resolved_by_first_team = models.BooleanField(
        _("resolved by the first team assigned"), null=True, blank=True, editable=False)
    # When its approval was complete (an order, a change), and how long that took.
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True, editable=False)
    approval_seconds = models.PositiveIntegerField(
        _("time to approve (s)"), null=True, blank=True, editable=False)
    # When the cause of the work was found (a problem's known error), and how long
    # that took.
    diagnosed_at = models.DateTimeField(_("diagnosed"), null=True, blank=True,
                                        editable=False)
    diagnosis_seconds = models.PositiveIntegerField(
        _("time to diagnose (s)"), null=True, blank=True, editable=False)
    # Its requester's satisfaction (`metrics.surveys`): asked once, at the first
    # resolution; the latest answer's moment and rating.
    survey_sent_at = models.DateTimeField(_("survey sent"), null=True, blank=True,
                                          editable=False)
    survey_answered_at = models.DateTimeField(_("survey answered"), null=True, blank=True,
                                              editable=False)
    survey_rating = models.PositiveSmallIntegerField(_("satisfaction rating"), null=True,
                                                     blank=True, editable=False)

    # History brought from another tool (`itsm.importing`): its number there, which
    # import, and what it said of the SLA (imported history keeps its own figures).
    external_number = models.CharField(_("external number"), max_length=100, blank=True,
                                       editable=False)
    import_source = models.CharField(_("imported from"), max_length=20, blank=True,
                                     editable=False)
    external_sla = models.BooleanField(
        _("measured against an SLA elsewhere"), default=False, editable=False,
        help_text=_("Imported with the source's verdict on its SLA (in the breach flags)."))
    external_refs = models.JSONField(_("external references"), default=dict, blank=True,
                                     editable=False)

    reassignment_count = models.PositiveIntegerField(_("reassignments"), default=0, editable=False)
    reopen_count = models.PositiveIntegerField(_("reopens"), default=0, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # The few converted tickets, found by their old number.
            models.Index(fields=["converted_from"], name="ticket_converted_from",
                         condition=~Q(converted_from="")),
            models.Index(fields=["-created_at", "-id"], name="itsm_ticket_created"),
            # Process querysets do not filter on kind (their own table implies it).
            models.Index(fields=["status", "-created_at"], name="itsm_ticket_status"),
            # The queue filtered by status and priority counts and pages from this alone.
            models.Index(fields=["status", "priority", "-created_at", "-id"],
                         name="itsm_ticket_status_priority"),
            models.Index(fields=["assignee", "status"], name="itsm_ticket_assignee"),
            models.Index(fields=["assignment_team", "status"], name="itsm_ticket_team"),
            models.Index(fields=["requester", "-created_at"], name="itsm_ticket_requester"),
            models.Index(fields=["priority", "-created_at"], name="itsm_ticket_priority"),
            models.Index(fields=["resolved_at"], name="itsm_ticket_resolved"),
            # The KPIs count tickets in the period of their response and their close.
            models.Index(fields=["responded_at"], name="itsm_ticket_responded"),
            models.Index(fields=["closed_at"], name="itsm_ticket_closed"),
            # ... and in the period they were asked and answered (few tickets are).
            models.Index(fields=["survey_sent_at"], name="itsm_ticket_surveyed",
                         condition=Q(survey_sent_at__isnull=False)),
            models.Index(fields=["survey_answered_at"], name="itsm_ticket_answered",
                         condition=Q(survey_answered_at__isnull=False)),
            models.Index(fields=["approved_at"], name="itsm_ticket_approved",
                         condition=Q(approved_at__isnull=False)),
            models.Index(fields=["diagnosed_at"], name="itsm_ticket_diagnosed",
                         condition=Q(diagnosed_at__isnull=False)),
            # Only orders name an item: the index holds them alone.
            models.Index(fields=["request_item"], name="itsm_ticket_item",
                         condition=Q(request_item__isnull=False)),
            # Open work is a small slice of all tickets: queues, counts and SLA scans
            # read this index and never touch closed history.
            models.Index(fields=["-created_at", "-id"], name="itsm_ticket_open",
                         condition=Q(resolved_at__isnull=True, closed_at__isnull=True)),
            # A kind's list counts and pages the ticket table: its open work, and all of it.
            # It also carries each KPI dimension, so the backlog of every slice at once
            # is read from this index alone.
            models.Index(fields=["kind", "-created_at", "-id"], name="itsm_ticket_kind_open",
                         condition=Q(resolved_at__isnull=True, closed_at__isnull=True),
                         include=["service", "assignment_team", "customer", "priority",
                                  "channel", "configuration_item"]),
            models.Index(fields=["kind", "-created_at", "-id"], name="itsm_ticket_kind"),
            # The SLA scan's four questions, each over open, not-yet-flagged tickets only:
            # a minute's scan never reads closed history.
            models.Index(fields=["response_due"], name="itsm_sla_response_due",
                         condition=Q(closed_at__isnull=True, responded_at__isnull=True,
                                     response_breached=False)),
            models.Index(fields=["response_warn_at"], name="itsm_sla_response_warn",
                         condition=Q(closed_at__isnull=True, responded_at__isnull=True,
                                     response_warned=False)),
            # A ticket on hold stays out of the resolution indexes: its clock is stopped,
            # so the scan must not read past it every minute.
            models.Index(fields=["resolution_due"], name="itsm_sla_resolution_due",
                         condition=Q(resolved_at__isnull=True, closed_at__isnull=True,
                                     on_hold_since__isnull=True,
                                     resolution_breached=False)),
            models.Index(fields=["resolution_warn_at"], name="itsm_sla_resolution_warn",
                         condition=Q(resolved_at__isnull=True, closed_at__isnull=True,
                                     on_hold_since__isnull=True,
                                     resolution_warned=False)),
            # The queue sorted by the next SLA clock to fall due: open tickets only.
            models.Index(NEXT_DUE, "id", name="itsm_ticket_next_due",
                         condition=Q(resolved_at__isnull=True, closed_at__isnull=True)),
        ]
        constraints = [
            # An import run twice updates what it wrote, never duplicates it.
            models.UniqueConstraint(fields=["import_source", "external_number"],
                                    condition=~Q(external_number=""),
                                    name="itsm_ticket_external_unique"),
            models.CheckConstraint(condition=Q(priority__gte=1, priority__lte=4),
                                   name="itsm_ticket_priority_range"),
            models.CheckConstraint(condition=Q(impact__gte=1, impact__lte=3),
                                   name="itsm_ticket_impact_range"),
            models.CheckConstraint(condition=Q(urgency__gte=1, urgency__lte=3),
                                   name="itsm_ticket_urgency_range"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None and self.closed_at is None

    @property
    def is_breached(self) -> bool:
        return self.response_breached or self.resolution_breached


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Task(Ticket):
    """A work item of another ticket (TSK…): a step of a request's fulfilment or of a
    change's implementation, a routine's run, or whatever an agent splits off a ticket
    for a team. It is shown on its parent's page and in its team's queue, and runs on
    the parent's service (and so its SLA) unless told otherwise."""

    parent = models.ForeignKey(
        Ticket, verbose_name=_("parent ticket"), on_delete=models.CASCADE,
        related_name="tasks",
    )
    # When the work is booked (a change's implementation steps): the change calendar
    # checks that nobody is booked twice.
    planned_start = models.DateTimeField(_("planned start"), null=True, blank=True)
    planned_end = models.DateTimeField(_("planned end"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")


class EventQuerySet(models.QuerySet):
    def visible_to(self, user) -> EventQuerySet:
        if roles.is_staff_reader(user):
            return self
        return self.filter(ticket__in=Ticket.objects.visible_to(user), is_public=True)


class TicketEvent(models.Model):
    """One entry of a ticket's timeline and audit trail: who changed what, when."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", help_text=_("Empty when the system acted."),
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=20, choices=EventKind)
    field = models.CharField(max_length=50, blank=True)
    old_value = models.CharField(max_length=255, blank=True)
    new_value = models.CharField(max_length=255, blank=True)
    note = models.TextField(blank=True)
    comment = models.ForeignKey(
        "Comment", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    is_public = models.BooleanField(default=False, help_text=_("Shown to requesters."))

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        indexes = [models.Index(fields=["ticket", "created_at"], name="itsm_event_ticket")]

    def __str__(self) -> str:
        change = f"{self.old_value} → {self.new_value}" if self.old_value else self.new_value
        return f"{self.get_kind_display()}: {self.field} {change}".replace(":  ", ": ").strip()


class CommentQuerySet(models.QuerySet):
    def visible_to(self, user) -> CommentQuerySet:
        if roles.is_staff_reader(user):
            return self
        return self.filter(ticket__in=Ticket.objects.visible_to(user), is_public=True)


class Comment(models.Model):
    """A note on a ticket: public (the requester sees it) or internal (desk only)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ticket_comments"
    )
    body = models.TextField(_("comment"))
    is_public = models.BooleanField(_("visible to the requester"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["ticket", "created_at"], name="itsm_comment_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.body[:40]}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """Files are stored under generated names; the user's name is kept only as data."""
    suffix = PurePath(filename).suffix.lower()
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class AttachmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> AttachmentQuerySet:
        if roles.is_staff_reader(user):
            return self
        return self.filter(ticket__in=Ticket.objects.visible_to(user))


class Attachment(models.Model):
    """A file on a ticket; served only as a download to users who can see the ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class SavedFilterQuerySet(models.QuerySet):
    def visible_to(self, user) -> SavedFilterQuerySet:
        """One's own filters and those shared with a team one is in."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(Q(owner=user) | Q(team__members=user)).distinct()


class SavedFilter(models.Model):
    """A named queue filter: kept private, or shared with a team."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"),
                              on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(_("name"), max_length=100)
    # The queue's query string, e.g. "queue=open&priority=1&kind=incident".
    query = models.CharField(_("filter"), max_length=2000, blank=True)
    team = models.ForeignKey("catalog.Team", verbose_name=_("shared with"),
                             on_delete=models.CASCADE, null=True, blank=True,
                             related_name="shared_filters",
                             help_text=_("Empty: only you see this filter."))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = SavedFilterQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="itsm_savedfilter_unique",
                                    violation_error_message=_("You have a filter of that "
                                                              "name already.")),
        ]

    def __str__(self) -> str:
        return self.name


class Preferences(models.Model):
    """What a person chose for themself: language, queue columns, which notifications
    also come by email. Absent until they choose something."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="preferences", primary_key=True)
    language = models.CharField(_("language"), max_length=10, blank=True,
                                choices=settings.LANGUAGES,
                                help_text=_("Empty: the browser's language."))
    queue_columns = models.JSONField(_("queue columns"), default=list, blank=True)
    # Notification kinds the person reads in the app only, not by email.
    email_muted = models.JSONField(_("no email for"), default=list, blank=True)

    class Meta:
        verbose_name = _("preferences")
        verbose_name_plural = _("preferences")

    def __str__(self) -> str:
        return str(self.user)

    @classmethod
    def of(cls, user) -> Preferences:
        """The user's preferences, unsaved defaults if they chose nothing yet."""
        found = cls.objects.filter(user=user).first()
        return found if found is not None else cls(user=user)


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """An API token; only its SHA-256 is stored, the key is shown once at creation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def issue(cls, user, name: str = "") -> tuple[ApiToken, str]:
        """Create a token and return it with its clear key (never stored)."""
        key = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=hash_token(key), prefix=key[:8])
        return token, key

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user) -> NotificationQuerySet:
        """A person's notifications are theirs alone, whatever their role."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something the desk told a person: shown in the app, and emailed once (if they
    have an address). Written by `itsm.notifications`; `emailed_at` by its task."""

    class Kind(models.TextChoices):
        SLA_WARNING = "sla_warning", _("SLA warning")
        SLA_BREACH = "sla_breach", _("SLA breach")
        SLA_ESCALATION = "sla_escalation", _("SLA escalation")
        REPLY = "reply", _("Reply from the service desk")
        REQUESTER_REPLY = "requester_reply", _("Reply from the requester")
        ASSIGNED = "assigned", _("Assigned to you or your team")
        RESOLVED = "resolved", _("Ticket resolved")
        SURVEY = "survey", _("Satisfaction survey")
        LOW_RATING = "low_rating", _("Low satisfaction rating")
        APPROVAL = "approval", _("Approval requested")
        APPROVAL_REMINDER = "approval_reminder", _("Approval reminder")
        REJECTED = "rejected", _("Request rejected")
        ARTICLE_REVIEW = "article_review", _("Article due for review")
        PROBLEM_RECURRED = "problem_recurred", _("Problem returned")
        CHANGE_CONFLICT = "change_conflict", _("Change conflicts")

    # A person of the desk, or an outside party (a supplier) known only by address.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
        null=True, blank=True, related_name="notifications",
    )
    email = models.EmailField(_("email"), blank=True,
                              help_text=_("For a recipient outside the desk, e.g. a supplier."))
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True, editable=False)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The unread badge on every page, and the list of one person's notifications.
            models.Index(fields=["user", "read_at"], name="itsm_notification_unread"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(user__isnull=False) | ~Q(email=""),
                                   name="itsm_notification_has_recipient"),
        ]

    def __str__(self) -> str:
        return self.subject


class OutageQuerySet(models.QuerySet):
    def visible_to(self, user) -> OutageQuerySet:
        """The desk reads every outage; requesters none (they see the service status
        through their tickets)."""
        return self if roles.is_staff_reader(user) else self.none()

    def overlapping(self, start, end) -> OutageQuerySet:
        """Outages that were on at some moment of [start, end)."""
        return self.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start),
                           started_at__lt=end)


class Outage(models.Model):
    """A time a service (or one of its CIs) was down: from an incident flagged as a
    service outage (it follows the incident's times), from a change, or entered by
    the desk. Unplanned outages count against availability (DESIGN.md §4). Written
    only by `itsm.outages`; every change is an `OutageChange`."""

    class Source(models.TextChoices):
        INCIDENT = "incident", _("Incident")
        CHANGE = "change", _("Change")
        ENTERED = "entered", _("Entered")

    service = models.ForeignKey("catalog.Service", verbose_name=_("service"),
                                on_delete=models.PROTECT, related_name="outages")
    configuration_item = models.ForeignKey(
        "catalog.ConfigurationItem", verbose_name=_("configuration item"),
        on_delete=models.PROTECT, null=True, blank=True, related_name="outages")
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True,
                                    help_text=_("Empty while the outage goes on."))
    planned = models.BooleanField(_("planned"), default=False,
                                  help_text=_("Planned outages do not count against "
                                              "availability."))
    source = models.CharField(_("source"), max_length=20, choices=Source,
                              default=Source.ENTERED)
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.SET_NULL,
                               null=True, blank=True, related_name="outages")
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"),
                                   on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = OutageQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("outage")
        verbose_name_plural = _("outages")
        indexes = [models.Index(fields=["service", "started_at"], name="itsm_outage_service")]
        constraints = [
            models.CheckConstraint(condition=Q(ended_at__isnull=True)
                                   | Q(ended_at__gte=models.F("started_at")),
                                   name="itsm_outage_ends_after_start"),
            # An incident keeps one outage, which follows its times.
            models.UniqueConstraint(fields=["ticket"], condition=Q(source="incident"),
                                    name="itsm_outage_one_per_incident"),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.started_at:%Y-%m-%d %H:%M}"


class OutageChange(models.Model):
    """One change of an outage: who changed which field from what to what."""

    outage = models.ForeignKey(Outage, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                              null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    field = models.CharField(max_length=50)
    old_value = models.CharField(max_length=255, blank=True)
    new_value = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("outage change")
        verbose_name_plural = _("outage changes")

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"


class TimeEntryQuerySet(models.QuerySet):
    def visible_to(self, user) -> TimeEntryQuerySet:
        """The desk's own bookkeeping: staff read it, requesters never."""
        return self if roles.is_staff_reader(user) else self.none()


class TimeEntry(models.Model):
    """Time an agent worked on a ticket, with its cost at the team's rate on that day
    (fixed when logged: a later rate does not rewrite it). Written by `itsm.effort`."""

    class Activity(models.TextChoices):
        DIAGNOSIS = "diagnosis", _("Diagnosis")
        WORK = "work", _("Hands-on work")
        COMMUNICATION = "communication", _("Communication")
        TRAVEL = "travel", _("Travel")
        REVIEW = "review", _("Review")

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE,
                               related_name="time_entries")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"),
                               on_delete=models.PROTECT, related_name="time_entries")
    team = models.ForeignKey("catalog.Team", verbose_name=_("team"), on_delete=models.SET_NULL,
                             null=True, blank=True, related_name="time_entries",
                             help_text=_("The team the work was done for."))
    minutes = models.PositiveIntegerField(_("minutes"))
    worked_on = models.DateField(_("worked on"))
    activity = models.CharField(_("activity"), max_length=20, choices=Activity, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    comment = models.ForeignKey(Comment, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, null=True,
                               blank=True, help_text=_("Empty when the team has no rate."))
    created_at = models.DateTimeField(_("logged"), default=timezone.now, editable=False)

    objects = TimeEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-worked_on", "-id"]
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        indexes = [models.Index(fields=["worked_on"], name="itsm_timeentry_day"),
                   models.Index(fields=["ticket", "worked_on"], name="itsm_timeentry_ticket")]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gte=1, minutes__lte=1440),
                                   name="itsm_timeentry_minutes_range"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.minutes} min on {self.worked_on}"
