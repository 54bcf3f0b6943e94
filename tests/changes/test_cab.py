"""The change advisory board: meetings planned from schedules exactly once, agendas
built from their windows without a change on two planned agendas, decisions recorded
on the change's approval step, deferrals, holding and cancelling, emergency CABs."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from changes import approvals, cab, services
from changes.models import AgendaItem, CabMeeting, CabSchedule, Change, ChangeApproval
from changes.tasks import plan_cab_meetings_task
from itsm import workflow
from itsm.models import TicketEvent

BERLIN = ZoneInfo("Europe/Berlin")


def submit(change, actor) -> Change:
    for target in ("assessment", "authorization"):
        workflow.transition(Change.objects.get(pk=change.pk), target, actor=actor)
    return Change.objects.get(pk=change.pk)


def awaiting(agent, service, title, start) -> Change:
    change = services.create_change(
        actor=agent, title=title, service=service, risk_answers={"outage": True},
        implementation_plan="Do it.", backout_plan="Undo it.", planned_start=start,
        planned_end=start + timedelta(hours=1))
    return submit(change, agent)


@pytest.fixture
def schedule(change_manager, agent):
    board = CabSchedule.objects.create(
        name="Weekly CAB", weekday=1, start_time=time(10, 0), time_zone="Europe/Berlin",
        first_date=date(2026, 3, 2), chair=change_manager, location="Room 4")
    board.members.set([change_manager, agent])
    return board


@pytest.fixture
def meeting(change_manager):
    found = cab.create_meeting(actor=change_manager, title="CAB",
                               starts_at=timezone.now() + timedelta(days=1),
                               attendees=[change_manager])
    return found


NOW = datetime(2026, 3, 4, 12, 0, tzinfo=BERLIN)  # a Wednesday


def test_meeting_days_follow_the_weekday_and_the_cadence():
    days = cab.meeting_days(weekday=1, every_weeks=2, first_date=date(2026, 3, 2),
                            start=date(2026, 3, 4), end=date(2026, 4, 4))
    # The first Tuesday on or after 2 March is the 3rd; every other week from there.
    assert days == [date(2026, 3, 17), date(2026, 3, 31)]


def test_plan_meetings_plans_four_weeks_ahead_once(schedule, change_manager, agent):
    created = cab.plan_meetings(now=NOW)
    starts = [meeting.starts_at.astimezone(BERLIN) for meeting in created]
    assert starts == [datetime(2026, 3, day, 10, 0, tzinfo=BERLIN) for day in (10, 17, 24, 31)]
    meeting = created[0]
    assert (meeting.chair, meeting.location, meeting.title) == (change_manager, "Room 4",
                                                                "Weekly CAB 2026-03-10")
    assert set(meeting.attendees.all()) == {change_manager, agent}
    assert cab.plan_meetings(now=NOW) == []
    assert cab.plan_meetings(now=NOW + timedelta(days=1)) == []
    assert CabMeeting.objects.count() == 4
    later = cab.plan_meetings(now=NOW + timedelta(days=7))
    assert [m.starts_at.astimezone(BERLIN).day for m in later] == [7]  # 7 April
    assert CabMeeting.objects.count() == 5


def test_every_two_weeks_plans_every_other_week(schedule):
    schedule.every_weeks = 2
    schedule.save()
    created = cab.plan_meetings(now=NOW)
    assert [m.starts_at.astimezone(BERLIN).date() for m in created] == [
        date(2026, 3, 17), date(2026, 3, 31)]


def test_a_cancelled_meeting_is_not_planned_again_and_inactive_schedules_plan_none(
        schedule, change_manager):
    first = cab.plan_meetings(now=NOW)[0]
    cab.cancel(first, actor=change_manager, reason="Holiday")
    assert cab.plan_meetings(now=NOW) == []
    assert CabMeeting.objects.get(pk=first.pk).status == "cancelled"
    CabSchedule.objects.update(is_active=False)
    CabMeeting.objects.all().delete()
    assert cab.plan_meetings(now=NOW) == []


def test_the_meetings_keep_their_local_time_across_daylight_saving(schedule):
    created = cab.plan_meetings(now=NOW, weeks=5)  # Berlin moves its clocks on 29 March
    utc_hours = [meeting.starts_at.astimezone(ZoneInfo("UTC")).hour for meeting in created]
    assert utc_hours == [9, 9, 9, 8, 8]


def test_the_beat_task_plans_and_builds_agendas(schedule, agent, service):
    assert plan_cab_meetings_task.apply().get() == 4
    assert plan_cab_meetings_task.apply().get() == 0
    first = CabMeeting.objects.order_by("starts_at").first()
    change = awaiting(agent, service, "Patch the relay", first.starts_at + timedelta(hours=3))
    plan_cab_meetings_task.apply().get()
    assert list(first.agenda.values_list("change", flat=True)) == [change.pk]


def test_the_agenda_takes_changes_awaiting_authorisation_in_its_window(meeting, agent,
                                                                       service):
    soon = awaiting(agent, service, "Soon", meeting.starts_at + timedelta(days=2))
    sooner = awaiting(agent, service, "Sooner", meeting.starts_at + timedelta(hours=1))
    awaiting(agent, service, "Too late", meeting.starts_at + timedelta(days=15))
    awaiting(agent, service, "Before", meeting.starts_at - timedelta(hours=1))
    services.create_change(actor=agent, title="Not submitted", service=service,
                           planned_start=meeting.starts_at + timedelta(days=1),
                           planned_end=meeting.starts_at + timedelta(days=1, hours=1))
    added = cab.build_agenda(meeting)
    assert [item.change_id for item in added] == [sooner.pk, soon.pk]
    assert [item.position for item in added] == [1, 2]
    later = awaiting(agent, service, "Later", meeting.starts_at + timedelta(days=3))
    assert [item.change_id for item in cab.build_agenda(meeting)] == [later.pk]
    assert list(meeting.agenda.values_list("change_id", "position")) == [
        (sooner.pk, 1), (soon.pk, 2), (later.pk, 3)]
    assert cab.build_agenda(meeting) == []


def test_a_change_waits_on_one_planned_agenda_only(meeting, change_manager, agent, service):
    change = awaiting(agent, service, "Shared", meeting.starts_at + timedelta(days=8))
    other = cab.create_meeting(actor=change_manager, title="Next CAB",
                               starts_at=meeting.starts_at + timedelta(days=7))
    assert len(cab.build_agenda(meeting)) == 1
    assert cab.build_agenda(other) == []
    # Deferred at the first meeting, it is free for the next.
    cab.record_outcome(meeting.agenda.get(), actor=change_manager, outcome="deferred",
                       note="Needs the vendor's answer.")
    assert [item.change_id for item in cab.build_agenda(other)] == [change.pk]


def test_recording_an_outcome_calls_the_decision_in_the_meeting(monkeypatch, meeting,
                                                                 change_manager, agent,
                                                                 service):
    change = awaiting(agent, service, "Upgrade", meeting.starts_at + timedelta(days=1))
    item = cab.build_agenda(meeting)[0]
    calls = []
    monkeypatch.setattr(approvals, "decide_in_meeting",
                        lambda change, **kwargs: calls.append((change.pk, kwargs)))
    cab.record_outcome(item, actor=change_manager, outcome="rejected", note="Too risky.")
    assert len(calls) == 1
    pk, kwargs = calls[0]
    assert pk == change.pk and kwargs["approve"] is False and kwargs["comment"] == "Too risky."
    assert kwargs["meeting"].pk == meeting.pk and kwargs["actor"] == change_manager
    item.refresh_from_db()
    assert (item.outcome, item.note) == ("rejected", "Too risky.")


def test_an_approval_in_the_meeting_authorises_the_change(meeting, change_manager, agent,
                                                          service):
    change = awaiting(agent, service, "Upgrade", meeting.starts_at + timedelta(days=1))
    item = cab.build_agenda(meeting)[0]
    cab.record_outcome(item, actor=change_manager, outcome="approved", note="Go.")
    change = Change.objects.get(pk=change.pk)
    assert change.status == "scheduled"
    decision = ChangeApproval.objects.get(change=change, decision="approved")
    assert decision.meeting_id == meeting.pk
    with pytest.raises(ValidationError) as again:
        cab.record_outcome(item, actor=change_manager, outcome="rejected", note="No.")
    assert "outcome" in again.value.message_dict


def test_a_refusal_needs_a_note_and_only_change_managers_record(meeting, change_manager,
                                                                agent, service):
    change = awaiting(agent, service, "Upgrade", meeting.starts_at + timedelta(days=1))
    item = cab.build_agenda(meeting)[0]
    with pytest.raises(ValidationError) as bare:
        cab.record_outcome(item, actor=change_manager, outcome="rejected")
    assert "note" in bare.value.message_dict
    with pytest.raises(PermissionDenied):
        cab.record_outcome(item, actor=agent, outcome="approved")
    with pytest.raises(ValidationError) as odd:
        cab.record_outcome(item, actor=change_manager, outcome="maybe")
    assert "outcome" in odd.value.message_dict
    assert Change.objects.get(pk=change.pk).status == "authorization"
    assert AgendaItem.objects.get(pk=item.pk).outcome == ""


def test_the_chair_decides_and_a_board_without_approvers_cannot(change_manager, manager,
                                                                 agent, service):
    from tests.factories import UserFactory

    other = UserFactory(username="olga", roles=["change_manager"])
    meeting = cab.create_meeting(actor=other, title="Small CAB",
                                 starts_at=timezone.now() + timedelta(days=1))
    awaiting(agent, service, "Upgrade", meeting.starts_at + timedelta(days=1))
    item = cab.build_agenda(meeting)[0]
    # frank (not there) and olga are asked; olga chairs without being listed: she decides.
    cab.record_outcome(item, actor=other, outcome="approved")
    assert AgendaItem.objects.get(pk=item.pk).outcome == "approved"

    board = cab.create_meeting(actor=change_manager, title="Readers", chair=manager,
                               starts_at=timezone.now() + timedelta(days=1), attendees=[agent])
    change = awaiting(agent, service, "Another", board.starts_at + timedelta(days=1))
    item = cab.build_agenda(board)[0]
    with pytest.raises(ValidationError) as nobody:
        cab.record_outcome(item, actor=change_manager, outcome="approved")
    assert "outcome" in nobody.value.message_dict
    assert Change.objects.get(pk=change.pk).status == "authorization"


def test_a_deferral_is_an_event_on_the_change(meeting, change_manager, agent, service):
    change = awaiting(agent, service, "Upgrade", meeting.starts_at + timedelta(days=1))
    item = cab.build_agenda(meeting)[0]
    cab.record_outcome(item, actor=change_manager, outcome="deferred", note="Next week.")
    event = TicketEvent.objects.filter(ticket=change, new_value="deferred").get()
    assert (event.actor, event.note) == (change_manager, "Next week.")
    assert Change.objects.get(pk=change.pk).status == "authorization"


def test_holding_records_the_minutes_and_defers_what_is_undecided(meeting, change_manager,
                                                                  agent, service):
    awaiting(agent, service, "Upgrade", meeting.starts_at + timedelta(days=1))
    cab.build_agenda(meeting)
    with pytest.raises(ValidationError) as bare:
        cab.hold(meeting, actor=change_manager, minutes="  ")
    assert "minutes" in bare.value.message_dict
    with pytest.raises(PermissionDenied):
        cab.hold(meeting, actor=agent, minutes="Held.")
    cab.hold(meeting, actor=change_manager, minutes="Two attended.",
             attendees=[change_manager, agent])
    meeting = CabMeeting.objects.get(pk=meeting.pk)
    assert (meeting.status, meeting.minutes) == ("held", "Two attended.")
    assert set(meeting.attendees.all()) == {change_manager, agent}
    assert list(meeting.agenda.values_list("outcome", flat=True)) == ["deferred"]
    with pytest.raises(ValidationError) as twice:
        cab.hold(meeting, actor=change_manager, minutes="Again.")
    assert "status" in twice.value.message_dict
    with pytest.raises(ValidationError):
        cab.build_agenda(meeting)
    cab.record_minutes(meeting, actor=change_manager, minutes="Corrected.")
    assert CabMeeting.objects.get(pk=meeting.pk).minutes == "Corrected."


def test_an_emergency_change_gets_its_own_meeting(change_manager, agent, service, window):
    change = services.create_change(actor=agent, title="Patch the firewall now",
                                    change_type="emergency", service=service, **window)
    starts = timezone.now() + timedelta(hours=1)
    with pytest.raises(ValidationError) as early:
        cab.call_emergency_cab(change, actor=change_manager, starts_at=starts)
    assert "change" in early.value.message_dict
    workflow.transition(Change.objects.get(pk=change.pk), "authorization", actor=agent)
    with pytest.raises(PermissionDenied):
        cab.call_emergency_cab(change, actor=agent, starts_at=starts)
    meeting = cab.call_emergency_cab(Change.objects.get(pk=change.pk), actor=change_manager,
                                     starts_at=starts, attendees=[agent])
    assert meeting.emergency and meeting.chair == change_manager
    assert list(meeting.agenda.values_list("change_id", flat=True)) == [change.pk]
    assert change.number in meeting.title
    cab.record_outcome(meeting.agenda.get(), actor=change_manager, outcome="approved")
    assert Change.objects.get(pk=change.pk).status == "scheduled"


def test_a_normal_change_gets_no_emergency_cab(normal, change_manager, agent):
    change = submit(normal, agent)
    with pytest.raises(ValidationError) as refused:
        cab.call_emergency_cab(change, actor=change_manager, starts_at=timezone.now())
    assert "change" in refused.value.message_dict


def test_only_change_managers_plan_meetings(agent, manager):
    for person in (agent, manager):
        with pytest.raises(PermissionDenied):
            cab.create_meeting(actor=person, title="Mine", starts_at=timezone.now())
    assert not CabMeeting.objects.exists()


def test_saving_a_schedule_plans_its_meetings(change_manager, agent):
    board = CabSchedule(name="Fortnightly", weekday=3, start_time=time(14, 0),
                        every_weeks=2, chair=change_manager)
    cab.save_schedule(board, actor=change_manager, members=[agent])
    assert board.meetings.count() == 2
    assert list(board.members.all()) == [agent]
    with pytest.raises(PermissionDenied):
        cab.save_schedule(board, actor=agent)
