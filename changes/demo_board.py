"""What the demo's change history runs beside: the weekly CAB and its meetings, the
month-end freezes and the maintenance windows of a few CIs, two releases (one
deployed, one planned that brings a new service live) and, ahead, two changes booked
over each other — the conflict a change manager must see. All through the services
that own them (`changes.cab`, `changes.releases`, the workflow)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import FreezeWindow, Lifecycle, MaintenanceWindow, Service
from itsm import demo, workflow
from itsm.demo import Desk

from . import approvals, cab, releases, services
from .choices import AgendaOutcome, ChangeStatus, MeetingStatus, ReleaseStatus
from .models import CabMeeting, CabSchedule, Change, Release


def cab_step() -> str:
    """The name of the demo policy's step the board decides."""
    return _("Change advisory board")


def windows(desk: Desk, now: datetime, *, days: int) -> None:
    """A freeze over every month end of the history and the two months ahead (the
    books are closed), and weekly maintenance windows for the first CIs."""
    first = (now - timedelta(days=days)).date().replace(day=1)
    month, freezes = first, []
    while month <= (now + timedelta(days=62)).date():
        following = (month + timedelta(days=32)).replace(day=1)
        freezes.append(FreezeWindow(
            name=_("Month-end close %(month)s") % {"month": month.strftime("%Y-%m")},
            starts_at=_at(following - timedelta(days=2), time(18)),
            ends_at=_at(following, time(8)),
            reason=_("Finance closes the books: no changes but emergencies.")))
        month = following
    FreezeWindow.objects.bulk_create(freezes)
    slots = ((_("Sunday early"), [6], time(2), 240),
             (_("Tuesday and Thursday evenings"), [1, 3], time(20), 180))
    MaintenanceWindow.objects.bulk_create(
        MaintenanceWindow(name=f"{ci.name}: {label}", configuration_item=ci, weekdays=weekdays,
                          start_time=opens, duration_minutes=length)
        for index, (_spec, _service, cis) in enumerate(desk.services[:4])
        for label, weekdays, opens, length in [slots[index % 2]] for ci in cis[:1])


def _at(day: date, moment: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment))


def in_freeze(start: datetime, end: datetime) -> FreezeWindow | None:
    return FreezeWindow.objects.overlapping(start, end).filter(service__isnull=True).first()


def board(desk: Desk, now: datetime, *, days: int) -> CabSchedule:
    """The weekly CAB on Tuesdays at ten, its meetings planned from the history's start
    to four weeks ahead."""
    boss = desk.logins["change_manager"]
    start = now - timedelta(days=days)
    schedule = CabSchedule(name=_("Weekly CAB"), weekday=1, start_time=time(10),
                           first_date=start.date(), location=_("Room Lovelace"), chair=boss,
                           agenda_days=14)
    members = [boss, desk.logins["team_lead"], desk.logins["manager"]]
    cab.save_schedule(schedule, actor=boss, members=members, now=start)
    cab.plan_meetings(now=start, weeks=days // 7 + 5, schedules=[schedule])
    return schedule


def authorise(change: Change, boss, when: datetime, now: datetime) -> bool:
    """Each open step approved by as many of its approvers as it needs, a quarter of an
    hour apart — the board's step in its next meeting, when one is in time; False
    when the history ends first."""
    while (stage := approvals.open_stage_of(change)) is not None:
        if when > now:
            return False
        decided = decide_at_cab(change, boss, when, now) if stage.name == cab_step() else None
        if decided is None:
            for approval in list(stage.approvals.select_related("approver"))[:stage.required]:
                approvals.decide(approval, user=approval.approver, approve=True, when=when)
        when = (decided or when) + timedelta(minutes=15)
    return True


def decide_at_cab(change: Change, boss, when: datetime, now: datetime) -> datetime | None:
    """The board's first meeting after `when` that the change can still make (before its
    window) decides it; None when no meeting is in time or the history ends first."""
    meeting = (CabMeeting.objects.filter(status=MeetingStatus.PLANNED, starts_at__gte=when,
                                         starts_at__lt=change.planned_start)
               .order_by("starts_at").first())
    if meeting is None or meeting.starts_at > now:
        return None
    items = [item for item in cab.build_agenda(meeting) if item.change_id == change.pk]
    if not items:
        return None
    decided = meeting.starts_at + timedelta(minutes=10 * items[0].position)
    cab.record_outcome(items[0], actor=boss, outcome=AgendaOutcome.APPROVED,
                       note=_("Approved as planned."), when=decided)
    return decided


def hold_past(desk: Desk, now: datetime) -> None:
    """Every meeting that has taken place is held, its minutes written from what it
    decided."""
    boss = desk.logins["change_manager"]
    for meeting in (CabMeeting.objects.filter(status=MeetingStatus.PLANNED,
                                              starts_at__lt=now - timedelta(hours=2))
                    .prefetch_related("agenda__change").order_by("starts_at")):
        decided = [item for item in meeting.agenda.all() if item.outcome]
        lines = [_("Attended: the change manager, the team lead, the manager.")]
        lines += [f"- {item.change.number} {item.change.title}: {item.get_outcome_display()}"
                  for item in decided] or [_("No change needed the board this week.")]
        cab.hold(meeting, actor=boss, minutes="\n".join(lines))


def release_plan(desk: Desk, rng: random.Random, now: datetime) -> None:
    """Last month's deployed release of a few closed changes, and next week's planned
    one of scheduled changes, which brings a new (still planned) service live."""
    boss = desk.logins["change_manager"]
    closed = list(Change.objects.filter(status=ChangeStatus.CLOSED,
                                        closed_at__gte=now - timedelta(days=45))
                  .order_by("closed_at")[:4])
    if closed:
        done = releases.create_release(
            actor=boss, name=_("Release %(date)s") % {
                "date": closed[0].planned_start.date().isoformat()},
            planned_date=closed[0].planned_start.date(),
            notes=_("Quarterly platform updates."))
        for change in closed:
            releases.add_change(done, change, actor=boss)
        releases.set_status(done, ReleaseStatus.IN_PROGRESS, actor=boss,
                            when=closed[0].actual_start)
        releases.set_status(done, ReleaseStatus.DEPLOYED, actor=boss,
                            when=max(change.actual_end for change in closed))
    first = desk.services[0][1]
    team = first.owner_team
    launch, _made = Service.objects.get_or_create(
        code="mobile-app", defaults={"name": _("Mobile workplace app"),
                                     "lifecycle": Lifecycle.PLANNED, "owner_team": team,
                                     "category": first.category,
                                     "description": _("The workplace app for phones.")})
    upcoming = list(Change.objects.filter(status=ChangeStatus.SCHEDULED,
                                          planned_start__gte=now).order_by("planned_start")[:2])
    planned = releases.create_release(
        actor=boss, name=_("Mobile app launch"),
        planned_date=(now + timedelta(days=7)).date(), owner_team=team, launches=[launch],
        notes=_("The app goes live with the changes that prepare the back end."))
    for change in upcoming:
        releases.add_change(planned, change, actor=boss)


def booked_over(desk: Desk, rng: random.Random, now: datetime) -> int:
    """Two changes of one service booked into the same evening next week: the first
    authorised, the second awaiting authorisation — the calendar flags the clash."""
    _spec, service, _cis = desk.services[0]
    agent = desk.agent(rng, service.owner_team)
    day = (now + timedelta(days=8)).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    booked = []
    for title, hour in ((_("Upgrade the database of %(service)s"), 19),
                        (_("Apply the OS patches of %(service)s"), 20)):
        start = _at(day, time(hour))
        change = services.create_change(
            actor=agent, title=title % {"service": service.name}, service=service,
            team=service.owner_team, assignee=agent, risk_answers={"outage": True},
            implementation_plan=_("Follow the runbook of the service."),
            backout_plan=_("Restore the snapshot taken before the change."),
            planned_start=start, planned_end=start + timedelta(hours=2))
        for target in (ChangeStatus.ASSESSMENT, ChangeStatus.AUTHORIZATION):
            change = workflow.transition(change, target, actor=agent)
        booked.append(change)
    # The first is through; the second waits for the change manager, clash and all.
    authorise(booked[0], desk.logins["change_manager"], now, now)
    return len(booked)


def reset(team_names: list[str]) -> None:
    """Delete what the demo planned around its changes (the tickets are gone already):
    the board, the releases, the freezes and the new service."""
    people = demo.demo_usernames()
    CabMeeting.objects.filter(chair__username__in=people).delete()
    CabSchedule.objects.filter(chair__username__in=people).delete()
    Release.objects.filter(Q(created_by__username__in=people)
                           | Q(owner_team__name__in=team_names)).delete()
    FreezeWindow.objects.filter(service__isnull=True, reason=_(
        "Finance closes the books: no changes but emergencies.")).delete()
    Service.objects.filter(code="mobile-app").delete()
