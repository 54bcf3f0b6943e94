"""The change advisory board: the one writer of `CabSchedule`, `CabMeeting` and
`AgendaItem`.

A schedule plans its meetings ahead, each once (`plan_meetings`, run daily by a beat
task; the (schedule, starts) constraint makes a second run a no-op). A meeting's agenda
takes the changes awaiting authorisation that start within its window and wait on no
other planned meeting's agenda, soonest first (`build_agenda`, which only appends). An
emergency change gets a meeting of its own (`call_emergency_cab`).

What the meeting decides on a change is recorded on the change's open approval step
for the attendees who approve it (`changes.approvals.decide_in_meeting`, which moves
the change on); a deferred change waits for the next meeting, and so does whatever a
held meeting left undecided. Change managers and administrators run meetings; every
desk role reads them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from itsm.base import roles
from itsm.choices import EventKind
from itsm.models import TicketEvent

from .choices import AgendaOutcome, ChangeStatus, ChangeType, MeetingStatus
from .models import AgendaItem, CabMeeting, CabSchedule, Change

RUNNERS = frozenset({roles.CHANGE_MANAGER, roles.ADMIN})
PLAN_WEEKS = 4


def desk_people() -> QuerySet:
    """Who may sit on a board: every active desk role, managers included."""
    return (get_user_model().objects.filter(is_active=True)
            .filter(Q(groups__name__in=roles.READER_ROLES) | Q(is_superuser=True))
            .distinct().order_by("first_name", "last_name", "username")
            .only("pk", "username", "first_name", "last_name"))


def may_run(user) -> bool:
    """Change managers and administrators run CAB meetings."""
    return bool(roles.roles_of(user) & RUNNERS)


def _require_runner(actor) -> None:
    if not may_run(actor):
        raise PermissionDenied(_("Only change managers run CAB meetings."))


def _require_planned(meeting: CabMeeting) -> None:
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError({"status": _("This meeting is %(status)s.")
                               % {"status": meeting.get_status_display().lower()}})


# --- planning ---------------------------------------------------------------------------


def meeting_days(*, weekday: int, every_weeks: int, first_date: date, start: date,
                 end: date) -> list[date]:
    """The days in [start, end] a board meets: the first `weekday` on or after
    `first_date`, then every `every_weeks` weeks."""
    first = first_date + timedelta(days=(weekday - first_date.weekday()) % 7)
    step = 7 * every_weeks
    if first < start:
        first += timedelta(days=-(-(start - first).days // step) * step)
    days = []
    while first <= end:
        days.append(first)
        first += timedelta(days=step)
    return days


def starts_of(schedule: CabSchedule, start: datetime, end: datetime) -> list[datetime]:
    """When the schedule's meetings start in [start, end), in its own time zone."""
    zone = ZoneInfo(schedule.time_zone)
    days = meeting_days(weekday=schedule.weekday, every_weeks=schedule.every_weeks,
                        first_date=schedule.first_date, start=start.astimezone(zone).date(),
                        end=end.astimezone(zone).date())
    found = (datetime.combine(day, schedule.start_time, tzinfo=zone) for day in days)
    return [at for at in found if start <= at < end]


def plan_meetings(now: datetime | None = None, weeks: int = PLAN_WEEKS,
                  schedules: Iterable[CabSchedule] | None = None) -> list[CabMeeting]:
    """Plan each active schedule's meetings up to `weeks` ahead, each exactly once
    (one that was cancelled stays cancelled); the schedule's members attend. Returns
    the meetings it created."""
    now = now or timezone.now()
    end = now + timedelta(weeks=weeks)
    if schedules is None:
        schedules = CabSchedule.objects.filter(is_active=True).prefetch_related("members")
    created = []
    for schedule in schedules:
        starts = starts_of(schedule, now, end)
        if not starts:
            continue
        known = set(CabMeeting.objects.filter(schedule=schedule, starts_at__in=starts)
                    .values_list("starts_at", flat=True))
        members = list(schedule.members.all())
        for at in starts:
            if at in known:
                continue
            with transaction.atomic():
                meeting, made = CabMeeting.objects.get_or_create(
                    schedule=schedule, starts_at=at, defaults={
                        "title": f"{schedule.name} {at.date().isoformat()}",
                        "duration_minutes": schedule.duration_minutes,
                        "location": schedule.location, "chair_id": schedule.chair_id,
                        "agenda_days": schedule.agenda_days, "created_at": now})
                if made:
                    meeting.attendees.set(members)
                    created.append(meeting)
    return created


def save_schedule(schedule: CabSchedule, *, actor, members: Iterable = (),
                  now: datetime | None = None) -> CabSchedule:
    """Create or edit a board's cadence (validated) and plan its meetings at once. Its
    planned meetings still to come follow the edit: those the new cadence (or a
    deactivated schedule) no longer holds are cancelled, the others take its members."""
    _require_runner(actor)
    schedule.full_clean()
    now = now or timezone.now()
    members = list(members)
    with transaction.atomic():
        schedule.save()
        schedule.members.set(members)
        coming = CabMeeting.objects.filter(schedule=schedule, status=MeetingStatus.PLANNED,
                                           starts_at__gte=now)
        kept = set(starts_of(schedule, now, now + timedelta(weeks=PLAN_WEEKS))
                   if schedule.is_active else ())
        coming.exclude(starts_at__in=kept).update(
            status=MeetingStatus.CANCELLED, minutes=_("The board's schedule changed."))
        for meeting in coming.filter(starts_at__in=kept):
            meeting.attendees.set(members)
        if schedule.is_active:
            plan_meetings(now=now, schedules=[schedule])
    return schedule


def create_meeting(*, actor, title: str, starts_at: datetime, chair=None,
                   attendees: Iterable = (), duration_minutes: int = 60, location: str = "",
                   agenda_days: int = 14) -> CabMeeting:
    """An ad hoc meeting of the board, outside its schedule."""
    _require_runner(actor)
    if not title.strip():
        raise ValidationError({"title": _("Give the meeting a title.")})
    with transaction.atomic():
        meeting = CabMeeting.objects.create(
            title=title.strip()[:200], starts_at=starts_at, chair=chair or actor,
            duration_minutes=duration_minutes, location=location[:200],
            agenda_days=agenda_days)
        meeting.attendees.set(attendees)
    return meeting


def call_emergency_cab(change: Change, *, actor, starts_at: datetime,
                       attendees: Iterable = (), duration_minutes: int = 30,
                       location: str = "") -> CabMeeting:
    """An emergency meeting for one emergency change awaiting authorisation, with it as
    its agenda; whoever calls it chairs it."""
    _require_runner(actor)
    if change.change_type != ChangeType.EMERGENCY:
        raise ValidationError({"change": _("Only an emergency change gets an emergency "
                                           "CAB; the others wait for a regular meeting.")})
    if change.status != ChangeStatus.AUTHORIZATION:
        raise ValidationError({"change": _("%(number)s awaits no authorisation.")
                               % {"number": change.number}})
    with transaction.atomic():
        meeting = CabMeeting.objects.create(
            title=_("Emergency CAB: %(number)s") % {"number": change.number},
            starts_at=starts_at, duration_minutes=duration_minutes, location=location[:200],
            emergency=True, chair=actor, agenda_days=1)
        meeting.attendees.set(attendees)
        AgendaItem.objects.create(meeting=meeting, change=change, position=1)
    return meeting


def build_agenda(meeting: CabMeeting, *, actor=None) -> list[AgendaItem]:
    """Append to a planned meeting's agenda the changes awaiting authorisation whose
    planned start falls in [its start, its start + its agenda days) and that wait on
    no other planned meeting's agenda (a deferred one waits on none), soonest first.
    Items already there keep their place and outcome. `actor` None: the beat task."""
    if actor is not None:
        _require_runner(actor)
    _require_planned(meeting)
    with transaction.atomic():
        CabMeeting.objects.select_for_update().filter(pk=meeting.pk).first()
        # The candidates are locked first, so two meetings built at once cannot both
        # take a change: the second sees the first's items once it has the lock.
        candidates = list(
            Change.objects.select_for_update(of=("self",)).filter(
                status=ChangeStatus.AUTHORIZATION, planned_start__gte=meeting.starts_at,
                planned_start__lt=meeting.starts_at + timedelta(days=meeting.agenda_days))
            .exclude(agenda_items__meeting=meeting).order_by("planned_start", "pk")
            .values_list("pk", flat=True))
        waiting_elsewhere = set(
            AgendaItem.objects.filter(meeting__status=MeetingStatus.PLANNED,
                                      change_id__in=candidates)
            .exclude(meeting=meeting).exclude(outcome=AgendaOutcome.DEFERRED)
            .values_list("change_id", flat=True))
        last = meeting.agenda.aggregate(last=Max("position"))["last"] or 0
        return AgendaItem.objects.bulk_create(
            AgendaItem(meeting=meeting, change_id=pk, position=last + offset)
            for offset, pk in enumerate(
                [pk for pk in candidates if pk not in waiting_elsewhere], start=1))


def build_upcoming(now: datetime | None = None) -> int:
    """Refresh the agendas of every planned meeting still to come, soonest first (so
    the earliest meeting takes a change both could); the number of items added."""
    now = now or timezone.now()
    return sum(len(build_agenda(meeting)) for meeting in CabMeeting.objects.filter(
        status=MeetingStatus.PLANNED, starts_at__gte=now).order_by("starts_at", "pk"))


# --- in the meeting ---------------------------------------------------------------------


def record_outcome(item: AgendaItem, *, actor, outcome: str, note: str = "",
                   when: datetime | None = None) -> AgendaItem:
    """Record what the meeting made of a change on its agenda: approved or rejected
    (the decision goes onto the change's open approval step for the attendees who
    approve it) or deferred to a later meeting."""
    from . import approvals  # the lead's module: decides on the change's approval step

    _require_runner(actor)
    if outcome not in AgendaOutcome.values:
        raise ValidationError({"outcome": _("Choose approved, rejected or deferred.")})
    note = (note or "").strip()
    if outcome == AgendaOutcome.REJECTED and not note:
        raise ValidationError({"note": _("Say why the board refuses: whoever raised the "
                                         "change is told.")})
    when = when or timezone.now()
    with transaction.atomic():
        item = (AgendaItem.objects.select_for_update().select_related("meeting", "change")
                .get(pk=item.pk))
        if item.meeting.status == MeetingStatus.CANCELLED:
            raise ValidationError({"status": _("This meeting was cancelled.")})
        if item.outcome in (AgendaOutcome.APPROVED, AgendaOutcome.REJECTED):
            raise ValidationError({"outcome": _("The board decided on %(number)s already.")
                                   % {"number": item.change.number}})
        if outcome == AgendaOutcome.DEFERRED:
            TicketEvent.objects.create(
                ticket_id=item.change_id, actor=actor, kind=EventKind.APPROVAL,
                field=item.meeting.title[:50], new_value=AgendaOutcome.DEFERRED,
                note=note or _("Deferred to a later meeting."), created_at=when)
        else:
            try:
                approvals.decide_in_meeting(item.change, meeting=item.meeting, actor=actor,
                                            approve=outcome == AgendaOutcome.APPROVED,
                                            comment=note, when=when)
            except ValidationError as exc:  # named as the agenda's form names them
                raise ValidationError(_renamed(exc, {"decision": "outcome",
                                                     "comment": "note"})) from exc
        item.outcome, item.note = outcome, note
        item.save(update_fields=["outcome", "note"])
    return item


def _renamed(exc: ValidationError, names: dict[str, str]) -> dict[str, list[str]] | list:
    if not hasattr(exc, "error_dict"):
        return exc.messages
    return {names.get(name, name): messages for name, messages in exc.message_dict.items()}


def hold(meeting: CabMeeting, *, actor, minutes: str, attendees: Iterable | None = None
         ) -> CabMeeting:
    """The meeting took place: its minutes, who attended (None: as planned); what it
    left undecided is deferred to the next meeting."""
    _require_runner(actor)
    minutes = (minutes or "").strip()
    if not minutes:
        raise ValidationError({"minutes": _("Write the minutes of the meeting.")})
    with transaction.atomic():
        meeting = CabMeeting.objects.select_for_update().get(pk=meeting.pk)
        _require_planned(meeting)
        meeting.status, meeting.minutes = MeetingStatus.HELD, minutes
        meeting.save(update_fields=["status", "minutes"])
        if attendees is not None:
            meeting.attendees.set(attendees)
        meeting.agenda.filter(outcome="").update(outcome=AgendaOutcome.DEFERRED)
    return meeting


def record_minutes(meeting: CabMeeting, *, actor, minutes: str) -> CabMeeting:
    """Write (or correct) a meeting's minutes, before or after it is held."""
    _require_runner(actor)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError({"status": _("This meeting was cancelled.")})
    meeting.minutes = (minutes or "").strip()
    meeting.save(update_fields=["minutes"])
    return meeting


def cancel(meeting: CabMeeting, *, actor, reason: str = "") -> CabMeeting:
    """Call a planned meeting off; its changes are free for the next one. The reason
    is kept as its minutes."""
    _require_runner(actor)
    with transaction.atomic():
        meeting = CabMeeting.objects.select_for_update().get(pk=meeting.pk)
        _require_planned(meeting)
        meeting.status = MeetingStatus.CANCELLED
        meeting.minutes = (reason or "").strip() or meeting.minutes
        meeting.save(update_fields=["status", "minutes"])
    return meeting

