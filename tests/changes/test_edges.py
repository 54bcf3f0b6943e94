"""Edges a change manager (or a careless client) finds: windows too long to plan,
dates a calendar cannot show, a change manager deciding their own change in a
meeting, moves after the work began, what a requester reads of a change, and an API
edit that fails halfway."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from changes import approvals, services
from changes.models import CabMeeting, Change, ChangeApproval
from itsm import workflow
from tests.changes.conftest import authorise
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def submitted(change, actor):
    for target in ("assessment", "authorization"):
        change = workflow.transition(Change.objects.get(pk=change.pk), target, actor=actor)
    return change


def test_a_window_longer_than_a_quarter_is_refused(agent, service, window):
    with pytest.raises(ValidationError) as refused:
        services.create_change(actor=agent, title="Forever", service=service,
                               planned_start=window["planned_start"],
                               planned_end=window["planned_start"] + timedelta(days=400))
    assert "planned_end" in refused.value.message_dict


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-15", "9999-12-31"])
def test_the_calendar_answers_dates_it_cannot_show_without_an_error(client, agent, day):
    client.force_login(agent)
    for view in ("month", "week", "list"):
        assert client.get("/changes/calendar/", {"date": day, "view": view}).status_code == 200


def test_the_calendar_api_names_an_impossible_range(api_as, agent):
    response = api_as(agent).get("/api/v1/changes/calendar/", {
        "start": "9999-12-30T00:00:00Z", "end": "9999-12-31T23:59:59Z"})
    assert response.status_code == 400 and "start" in response.data


def test_whoever_raised_a_change_does_not_decide_it_in_a_meeting(normal, agent,
                                                                 change_manager):
    own = services.create_change(actor=change_manager, title="Mine", service=normal.service,
                                 risk_answers={"outage": True}, implementation_plan="Do.",
                                 backout_plan="Undo.", planned_start=normal.planned_start,
                                 planned_end=normal.planned_end)
    other = UserFactory(username="cm2", roles=["change_manager"])
    own = submitted(own, change_manager)
    meeting = CabMeeting.objects.create(title="CAB", starts_at=timezone.now(),
                                        chair=change_manager)
    meeting.attendees.set([other])
    with pytest.raises(PermissionDenied):
        approvals.decide_in_meeting(own, meeting=meeting, actor=change_manager, approve=True)
    assert Change.objects.get(pk=own.pk).status == "authorization"


def test_a_meetings_decision_is_the_attending_approvers(normal, agent, change_manager):
    other = UserFactory(username="cm2", roles=["change_manager"])
    change = submitted(normal, agent)
    meeting = CabMeeting.objects.create(title="CAB", starts_at=timezone.now(), chair=other)
    approvals.decide_in_meeting(change, meeting=meeting, actor=change_manager, approve=True)
    decided = ChangeApproval.objects.get(change=change, approver=other)
    assert (decided.decided_by, decided.meeting) == (other, meeting)
    assert change.events.filter(kind="approval").get().actor == change_manager


def test_a_change_under_way_keeps_its_window(normal, agent, change_manager):
    change = authorise(submitted(normal, agent), change_manager)
    change = workflow.transition(change, "implementing", actor=agent)
    with pytest.raises(ValidationError):
        services.move_to_next_slot(change, actor=agent)


def test_a_requester_who_reads_a_change_sees_none_of_the_desks_workings(
        api_as, agent, change_manager, customer, normal):
    customer.share_tickets = True
    customer.save()
    reader = UserFactory(username="reader", roles=["requester"], customer=customer)
    Change.objects.filter(pk=normal.pk).update(customer=customer, freeze_override="Why")
    change = submitted(normal, agent)
    response = api_as(reader).get(f"/api/v1/changes/{change.number}/")
    assert response.status_code == 200  # through their customer, as any ticket
    assert response.data["conflicts"] == [] and response.data["approval_steps"] == []
    assert response.data["freeze_override"] == ""
    assert api_as(agent).get(f"/api/v1/changes/{change.number}/").data["approval_steps"]


def test_a_release_edit_that_fails_changes_nothing(api_as, agent, service):
    from catalog.models import Lifecycle, Service

    launch = Service.objects.create(name="New app", code="new-app", lifecycle=Lifecycle.PLANNED)
    client = api_as(agent)
    created = client.post("/api/v1/changes/releases/", {
        "name": "R1", "planned_date": "2030-01-10", "launches": [launch.pk]}, format="json")
    assert created.status_code == 201, created.data
    pk = created.data["id"]
    assert client.patch(f"/api/v1/changes/releases/{pk}/", {"status": "in_progress"},
                        format="json").status_code == 200
    failed = client.patch(f"/api/v1/changes/releases/{pk}/",
                          {"name": "Renamed", "status": "deployed"}, format="json")
    assert failed.status_code == 400
    assert client.get(f"/api/v1/changes/releases/{pk}/").data["name"] == "R1"


def test_a_release_goes_ahead_only_with_authorised_changes(agent, service, normal):
    from changes import releases

    release = releases.create_release(actor=agent, name="R2",
                                      planned_date=timezone.localdate())
    releases.add_change(release, normal, actor=agent)
    releases.set_status(release, "in_progress", actor=agent)
    with pytest.raises(ValidationError) as refused:
        releases.set_status(release, "deployed", actor=agent)
    assert normal.number in refused.value.message_dict["status"][0]


def test_editing_a_schedule_moves_its_coming_meetings(change_manager, agent):
    from datetime import time

    from changes import cab
    from changes.models import CabSchedule

    schedule = CabSchedule(name="Weekly CAB", weekday=1, start_time=time(10),
                           first_date=timezone.localdate(), chair=change_manager)
    cab.save_schedule(schedule, actor=change_manager, members=[agent])
    planned = set(schedule.meetings.filter(status="planned").values_list("starts_at",
                                                                         flat=True))
    schedule.start_time = time(14)
    cab.save_schedule(schedule, actor=change_manager, members=[change_manager])
    now_planned = schedule.meetings.filter(status="planned")
    assert len(now_planned) == len(planned)
    assert all(timezone.localtime(m.starts_at).hour == 14 for m in now_planned)
    assert all(list(m.attendees.all()) == [change_manager] for m in now_planned)
    schedule.is_active = False
    cab.save_schedule(schedule, actor=change_manager, members=[change_manager])
    assert not schedule.meetings.filter(status="planned").exists()
