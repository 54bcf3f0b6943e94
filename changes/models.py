"""Changes: additions, modifications or removals that could affect a service.

A `Change` is a Ticket of kind "change": its type (standard, normal, emergency), the
risk from a questionnaire (`changes.risk`, the answers kept), its plans and window,
how it went (close code, notes) and, where needed, its post-implementation review.
The incidents it caused are linked through `ChangeCause` (one change per incident, the
incident's `caused_by_change`), so the incidents app knows nothing of changes.

Authorisation runs in steps (`ChangeApprovalStage`, each with one `ChangeApproval` per
approver), copied from the approval policy (`ApprovalPolicyStep`) for the change's type
and risk when it is submitted; CAB meetings (`CabMeeting`, from a `CabSchedule`) take
changes onto their agenda and record decisions on them; a `Release` groups changes
deployed together.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import (
    ApprovalRule,
    ChangeRisk,
    ConfigurationItem,
    Service,
    StandardChange,
    Team,
    Weekday,
    validate_time_zone,
)
from incidents.models import Incident
from itsm.approvals import ApprovalBase, StageBase
from itsm.base import roles
from itsm.models import Ticket, TicketQuerySet
from problems.models import Problem

from .choices import (
    REVIEWED,
    AgendaOutcome,
    ChangeApprovers,
    ChangeType,
    CloseCode,
    MeetingStatus,
    ReleaseStatus,
)


class Change(Ticket):
    """A Ticket of kind "change"; status moves only through `changes.workflow`."""

    change_type = models.CharField(_("type"), max_length=10, choices=ChangeType,
                                   default=ChangeType.NORMAL)
    standard_change = models.ForeignKey(
        StandardChange, verbose_name=_("standard change"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="changes",
        help_text=_("The catalog's pre-authorised change this one follows."))
    risk = models.CharField(_("risk"), max_length=10, choices=ChangeRisk, blank=True)
    risk_answers = models.JSONField(_("risk assessment"), default=dict, blank=True)
    planned_start = models.DateTimeField(_("planned start"), null=True, blank=True)
    planned_end = models.DateTimeField(_("planned end"), null=True, blank=True)
    actual_start = models.DateTimeField(_("actual start"), null=True, blank=True,
                                        editable=False)
    actual_end = models.DateTimeField(_("actual end"), null=True, blank=True, editable=False)
    implementation_plan = models.TextField(_("implementation plan"), blank=True)
    backout_plan = models.TextField(_("back-out plan"), blank=True)
    test_plan = models.TextField(_("test plan"), blank=True)
    close_code = models.CharField(_("close code"), max_length=25, choices=CloseCode,
                                  blank=True)
    close_notes = models.TextField(_("close notes"), blank=True)
    # The post-implementation review: required before an unsuccessful, backed-out or
    # emergency change closes.
    review_findings = models.TextField(_("what happened"), blank=True)
    review_lessons = models.TextField(_("lessons learned"), blank=True)
    review_actions = models.TextField(_("follow-up actions"), blank=True)
    raised_from = models.ForeignKey(
        Problem, verbose_name=_("raised from problem"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="changes")
    # What the change touches besides its main service and CI (`set_scope`).
    affected_services = models.ManyToManyField(Service, verbose_name=_("affected services"),
                                               related_name="+", blank=True)
    affected_cis = models.ManyToManyField(ConfigurationItem,
                                          verbose_name=_("affected configuration items"),
                                          related_name="+", blank=True)
    # Scheduling inside a freeze window needs a reason (`changes.conflicts`).
    freeze_override = models.TextField(_("freeze override reason"), blank=True)
    release = models.ForeignKey("Release", verbose_name=_("release"),
                                on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="changes")
    # What the change managers were last told of its conflicts (`changes.conflicts`), so
    # an unchanged set is not told again on the next save.
    conflicts_told = models.CharField(max_length=64, blank=True, editable=False)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        indexes = [models.Index(fields=["planned_start"], name="change_planned",
                                condition=models.Q(planned_start__isnull=False))]

    @property
    def needs_review(self) -> bool:
        """Unsuccessful, backed-out and emergency changes are reviewed before they close."""
        return self.close_code in REVIEWED or self.change_type == ChangeType.EMERGENCY

    @property
    def reviewed(self) -> bool:
        return bool(self.review_findings.strip() and self.review_lessons.strip())


class ChangeCause(models.Model):
    """An incident the change caused (recorded by the desk, shown on both)."""

    change = models.ForeignKey(Change, verbose_name=_("change"), on_delete=models.CASCADE,
                               related_name="caused")
    incident = models.OneToOneField(Incident, verbose_name=_("incident"),
                                    on_delete=models.CASCADE, related_name="caused_by_change")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("incident caused by a change")
        verbose_name_plural = _("incidents caused by changes")

    def __str__(self) -> str:
        return f"{self.change_id} → {self.incident_id}"


class ApprovalPolicyStep(models.Model):
    """One step of the authorisation of changes of a type (and, when given, a risk):
    the steps that match a change's type with its risk or with no risk run in the
    order of their position."""

    change_type = models.CharField(_("change type"), max_length=10, choices=ChangeType)
    risk = models.CharField(_("risk"), max_length=10, choices=ChangeRisk, blank=True,
                            help_text=_("Empty: for every risk."))
    position = models.PositiveSmallIntegerField(_("step"), default=1)
    name = models.CharField(_("name"), max_length=100,
                            help_text=_("What the step decides, e.g. “Technical owner”."))
    approvers = models.CharField(_("approvers"), max_length=20, choices=ChangeApprovers,
                                 default=ChangeApprovers.CHANGE_MANAGERS)
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.PROTECT,
                             null=True, blank=True, related_name="+")
    people = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("people"),
                                    blank=True, related_name="+")
    rule = models.CharField(_("decided by"), max_length=10, choices=ApprovalRule,
                            default=ApprovalRule.ANY)
    needed = models.PositiveSmallIntegerField(
        _("number or share needed"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("How many approvals (a number), or which percentage of the approvers "
                    "(a share), the step needs."))
    due_hours = models.PositiveSmallIntegerField(_("time to decide (hours)"), default=48,
                                                 validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["change_type", "position", "risk"]
        verbose_name = _("change approval step")
        verbose_name_plural = _("change approval policy")
        constraints = [models.UniqueConstraint(
            fields=["change_type", "risk", "position"], name="changes_policy_unique_step",
            violation_error_message=_("That type and risk already have a step at that "
                                      "position."))]

    def __str__(self) -> str:
        return f"{self.get_change_type_display()} {self.position}. {self.name}"

    def clean(self) -> None:
        if self.approvers == ChangeApprovers.TEAM and self.team_id is None:
            raise ValidationError({"team": _("Choose the team that decides.")})
        if self.rule in (ApprovalRule.COUNT, ApprovalRule.PERCENT) and not self.needed:
            raise ValidationError({"needed": _("Say how many approvals the step needs.")})


class ChangeApprovalStage(StageBase):
    """One authorisation step of one change, as the policy stood when it was
    submitted; its approvers are chosen when it opens."""

    change = models.ForeignKey(Change, verbose_name=_("change"), on_delete=models.CASCADE,
                               related_name="approval_stages")
    approvers = models.CharField(_("approvers"), max_length=20, choices=ChangeApprovers)

    class Meta:
        ordering = ["change", "position"]
        verbose_name = _("change approval step")
        verbose_name_plural = _("change approval steps")
        constraints = [models.UniqueConstraint(fields=["change", "position"],
                                               name="changes_stage_unique_position")]


class ChangeApproval(ApprovalBase):
    """One approver's part in a step of a change: decided by them, their delegate, or
    the CAB meeting they attend."""

    ticket_field = "change"
    stage = models.ForeignKey(ChangeApprovalStage, verbose_name=_("approval step"),
                              on_delete=models.CASCADE, related_name="approvals")
    change = models.ForeignKey(Change, verbose_name=_("change"), on_delete=models.CASCADE,
                               related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approver"),
                                 on_delete=models.PROTECT, related_name="change_approvals")
    meeting = models.ForeignKey("CabMeeting", verbose_name=_("CAB meeting"),
                                on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="decisions",
                                help_text=_("The meeting the decision was taken in."))

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("change approval")
        verbose_name_plural = _("change approvals")
        constraints = [models.UniqueConstraint(fields=["stage", "approver"],
                                               name="changes_approval_once_per_step")]
        indexes = [models.Index(fields=["approver", "decision"], name="change_approval_waiting",
                                condition=models.Q(decision="pending"))]


class CabSchedule(models.Model):
    """The cadence of a change advisory board: its meetings are planned ahead from
    this (`changes.cab.plan_meetings`)."""

    name = models.CharField(_("name"), max_length=200)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=[
        (day, label) for day, label in Weekday.choices])
    start_time = models.TimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=60,
                                                        validators=[MinValueValidator(15)])
    every_weeks = models.PositiveSmallIntegerField(
        _("every (weeks)"), default=1, validators=[MinValueValidator(1), MaxValueValidator(8)])
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE,
                                 validators=[validate_time_zone])
    first_date = models.DateField(_("first meeting"), default=timezone.localdate)
    location = models.CharField(_("location"), max_length=200, blank=True)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("chair"),
                              on_delete=models.PROTECT, related_name="+")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("members"),
                                     blank=True, related_name="+")
    agenda_days = models.PositiveSmallIntegerField(
        _("agenda covers (days)"), default=14, validators=[MinValueValidator(1)],
        help_text=_("Changes awaiting authorisation that start within this many days of "
                    "the meeting go on its agenda."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("CAB schedule")
        verbose_name_plural = _("CAB schedules")

    def __str__(self) -> str:
        return self.name


class StaffReadQuerySet(models.QuerySet):
    """CAB meetings, their agendas and releases are the desk's: every desk role reads
    them, requesters none."""

    def visible_to(self, user) -> StaffReadQuerySet:
        return self if roles.is_staff_reader(user) else self.none()


class CabMeeting(models.Model):
    """One meeting of a change advisory board: its agenda, who attended, the
    decisions it took (recorded on each change) and its minutes."""

    schedule = models.ForeignKey(CabSchedule, verbose_name=_("schedule"),
                                 on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="meetings")
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=60)
    location = models.CharField(_("location"), max_length=200, blank=True)
    emergency = models.BooleanField(_("emergency CAB"), default=False)
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("chair"),
                              on_delete=models.PROTECT, related_name="+")
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("attendees"),
                                       blank=True, related_name="cab_meetings")
    agenda_days = models.PositiveSmallIntegerField(_("agenda covers (days)"), default=14)
    status = models.CharField(_("status"), max_length=10, choices=MeetingStatus,
                              default=MeetingStatus.PLANNED)
    minutes = models.TextField(_("minutes"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = StaffReadQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("CAB meeting")
        verbose_name_plural = _("CAB meetings")
        constraints = [models.UniqueConstraint(
            fields=["schedule", "starts_at"], name="changes_cab_meeting_once",
            condition=models.Q(schedule__isnull=False))]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    """A change on a meeting's agenda, and what the meeting made of it."""

    meeting = models.ForeignKey(CabMeeting, verbose_name=_("CAB meeting"),
                                on_delete=models.CASCADE, related_name="agenda")
    change = models.ForeignKey(Change, verbose_name=_("change"), on_delete=models.CASCADE,
                               related_name="agenda_items")
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    outcome = models.CharField(_("outcome"), max_length=10, choices=AgendaOutcome, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["meeting", "position", "pk"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [models.UniqueConstraint(fields=["meeting", "change"],
                                               name="changes_agenda_once")]

    def __str__(self) -> str:
        return f"{self.meeting_id} · {self.position}"


class Release(models.Model):
    """Changes deployed together: planned → in progress → deployed or rolled back."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    planned_date = models.DateField(_("planned date"))
    status = models.CharField(_("status"), max_length=12, choices=ReleaseStatus,
                              default=ReleaseStatus.PLANNED)
    notes = models.TextField(_("notes"), blank=True)
    owner_team = models.ForeignKey(Team, verbose_name=_("owner team"),
                                   on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    # The services the release brings live: they pass operational acceptance first.
    launches = models.ManyToManyField(Service, verbose_name=_("services brought live"),
                                      blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"),
                                   on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    deployed_at = models.DateTimeField(_("deployed"), null=True, blank=True)

    objects = StaffReadQuerySet.as_manager()

    class Meta:
        ordering = ["-planned_date", "name"]
        verbose_name = _("release")
        verbose_name_plural = _("releases")

    def __str__(self) -> str:
        return self.name


class CalendarFeed(models.Model):
    """A person's secret link to the change calendar as an iCalendar feed: a calendar
    application fetches it without signing in, so the token is the credential.

    It is shown on the calendar page whenever its owner asks, so it is kept as it is
    (unlike an API token, shown once and kept hashed); it reads only what its owner
    reads, and regenerating it makes the old link a 404.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                                on_delete=models.CASCADE, related_name="change_calendar_feed")
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("change calendar feed")
        verbose_name_plural = _("change calendar feeds")

    def __str__(self) -> str:
        return str(self.user)
