"""The CAB's and releases' pages: who reads and who runs them, the printable agenda,
recording outcomes and holding a meeting from the page, the part on a change's page,
and query counts that do not grow with the rows."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Lifecycle
from changes import cab, releases, services
from changes.models import AgendaItem, CabMeeting, CabSchedule, Change, Release
from itsm import workflow
from tests.factories import ServiceFactory


def submit(change, actor) -> Change:
    for target in ("assessment", "authorization"):
        workflow.transition(Change.objects.get(pk=change.pk), target, actor=actor)
    return Change.objects.get(pk=change.pk)


@pytest.fixture
def meeting(change_manager):
    return cab.create_meeting(actor=change_manager, title="Weekly CAB",
                              starts_at=timezone.now() + timedelta(days=1),
                              attendees=[change_manager], location="Room 4")


@pytest.fixture
def on_agenda(meeting, normal, agent):
    change = submit(normal, agent)
    cab.build_agenda(meeting)
    return change


@pytest.fixture
def release(agent):
    return releases.create_release(actor=agent, name="2026.3", planned_date=date(2026, 3, 20))


def more_changes(agent, service, meeting, count):
    for index in range(count):
        start = meeting.starts_at + timedelta(hours=index + 2)
        change = services.create_change(
            actor=agent, title=f"Change {index}", service=service,
            risk_answers={"outage": True}, implementation_plan="Do.", backout_plan="Undo.",
            planned_start=start, planned_end=start + timedelta(hours=1))
        submit(change, agent)


PAGES = ("changes:cab", "changes:releases")


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize(("persona", "expected"), [
    ("agent", 200), ("manager", 200), ("change_manager", 200), ("requester", 404)],
    indirect=["persona"])
def test_the_desk_reads_the_lists_and_requesters_do_not(client, persona, expected, name):
    client.force_login(persona)
    assert client.get(reverse(name)).status_code == expected


def test_anonymous_visitors_log_in_first(client, meeting):
    response = client.get(reverse("changes:cab-meeting", args=[meeting.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_meeting_page_shows_its_agenda(client, agent, meeting, on_agenda):
    client.force_login(agent)
    page = client.get(reverse("changes:cab-meeting", args=[meeting.pk]))
    assert page.status_code == 200
    assert on_agenda.number in page.text and "Email" in page.text and "Room 4" in page.text
    assert "Hold meeting" not in page.text and "Approve" not in page.text  # agents read


def test_the_printable_agenda_renders(client, manager, meeting, on_agenda):
    client.force_login(manager)
    page = client.get(reverse("changes:cab-agenda", args=[meeting.pk]))
    assert page.status_code == 200
    assert "print-agenda" in page.text and on_agenda.number in page.text
    assert "window.print()" in page.text


@pytest.mark.parametrize(("persona", "expected"), [
    ("agent", 403), ("manager", 403), ("requester", 404), ("change_manager", 302)],
    indirect=["persona"])
def test_only_change_managers_record_outcomes(client, persona, expected, meeting, on_agenda):
    item = AgendaItem.objects.get(meeting=meeting)
    client.force_login(persona)
    response = client.post(reverse("changes:cab-outcome", args=[meeting.pk, item.pk]),
                           {"outcome": "approved", "note": ""})
    assert response.status_code == expected
    status = Change.objects.get(pk=on_agenda.pk).status
    assert status == ("scheduled" if expected == 302 else "authorization")


def test_a_change_manager_runs_the_meeting_from_its_page(client, change_manager, agent,
                                                         meeting, on_agenda):
    client.force_login(change_manager)
    page = client.get(reverse("changes:cab-meeting", args=[meeting.pk]))
    assert "Hold meeting" in page.text and "Defer" in page.text
    item = AgendaItem.objects.get(meeting=meeting)
    refused = client.post(reverse("changes:cab-outcome", args=[meeting.pk, item.pk]),
                          {"outcome": "rejected", "note": ""}, follow=True)
    assert "Say why the board refuses" in refused.text
    client.post(reverse("changes:cab-outcome", args=[meeting.pk, item.pk]),
                {"outcome": "deferred", "note": "Vendor first."})
    assert AgendaItem.objects.get(pk=item.pk).outcome == "deferred"
    bare = client.post(reverse("changes:cab-minutes", args=[meeting.pk]),
                       {"minutes": "", "hold": "1"})
    assert bare.status_code == 400 and CabMeeting.objects.get(pk=meeting.pk).status == "planned"
    client.post(reverse("changes:cab-minutes", args=[meeting.pk]), {
        "minutes": "We met.", "hold": "1", "attendees": [change_manager.pk, agent.pk]})
    meeting = CabMeeting.objects.get(pk=meeting.pk)
    assert (meeting.status, meeting.minutes) == ("held", "We met.")
    assert set(meeting.attendees.all()) == {change_manager, agent}
    client.post(reverse("changes:cab-minutes", args=[meeting.pk]), {"minutes": "We met. Ok."})
    assert CabMeeting.objects.get(pk=meeting.pk).minutes == "We met. Ok."


def test_building_the_agenda_from_the_page(client, change_manager, agent, meeting, normal):
    submit(normal, agent)
    client.force_login(agent)
    assert client.post(reverse("changes:cab-build", args=[meeting.pk])).status_code == 403
    client.force_login(change_manager)
    done = client.post(reverse("changes:cab-build", args=[meeting.pk]), follow=True)
    assert "1 change added to the agenda." in done.text
    assert meeting.agenda.count() == 1


def test_creating_meetings_and_schedules(client, change_manager, agent, normal):
    client.force_login(agent)
    assert client.get(reverse("changes:cab-create")).status_code == 403
    assert client.get(reverse("changes:cab-schedule-create")).status_code == 403
    client.force_login(change_manager)
    assert client.get(reverse("changes:cab-create")).status_code == 200
    bad = client.post(reverse("changes:cab-create"), {
        "title": "", "starts_at": "2026-12-20T10:00", "duration_minutes": 60,
        "agenda_days": 14})
    assert bad.status_code == 400
    client.post(reverse("changes:cab-create"), {
        "title": "Extra CAB", "starts_at": "2026-12-20T10:00", "duration_minutes": 60,
        "location": "", "agenda_days": 14, "attendees": [agent.pk]})
    made = CabMeeting.objects.get(title="Extra CAB")
    assert made.chair == change_manager and list(made.attendees.all()) == [agent]
    # A normal change gets no emergency CAB: the refusal names the field.
    refused = client.post(reverse("changes:cab-create"), {
        "starts_at": "2026-12-20T10:00", "duration_minutes": 30, "agenda_days": 1,
        "emergency_change": normal.number})
    assert refused.status_code == 400 and "emergency CAB" in refused.text
    client.post(reverse("changes:cab-schedule-create"), {
        "name": "Weekly CAB", "weekday": 1, "start_time": "10:00", "duration_minutes": 60,
        "every_weeks": 1, "time_zone": "Europe/Berlin", "first_date": "2026-01-05",
        "location": "Room 4", "chair": change_manager.pk, "agenda_days": 14,
        "is_active": "on", "members": [agent.pk]})
    schedule = CabSchedule.objects.get(name="Weekly CAB")
    assert schedule.meetings.count() == 4


def test_the_change_page_shows_its_meetings_and_release(client, agent, meeting, on_agenda,
                                                       release):
    releases.add_change(release, on_agenda, actor=agent)
    client.force_login(agent)
    page = client.get(reverse("changes:detail", args=[on_agenda.number]))
    assert "Weekly CAB" in page.text and "Not decided yet" in page.text
    assert "2026.3" in page.text


def test_the_changes_queue_links_the_cab_and_releases(client, agent):
    client.force_login(agent)
    page = client.get(reverse("changes:list"))
    assert reverse("changes:cab") in page.text and reverse("changes:releases") in page.text


def test_the_meeting_page_does_not_grow_with_its_agenda(client, change_manager, agent,
                                                        service, meeting, count_queries):
    client.force_login(change_manager)
    more_changes(agent, service, meeting, 2)
    cab.build_agenda(meeting)
    url = reverse("changes:cab-meeting", args=[meeting.pk])
    few = count_queries(client, url)
    more_changes(agent, service, meeting, 4)
    cab.build_agenda(meeting)
    assert count_queries(client, url) == few
    few = count_queries(client, reverse("changes:cab"))
    cab.create_meeting(actor=change_manager, title="Another", starts_at=timezone.now())
    assert count_queries(client, reverse("changes:cab")) == few


def test_release_pages_edit_and_move_on(client, agent, manager, normal, team):
    Change.objects.filter(pk=normal.pk).update(status="scheduled")  # authorised
    launch = ServiceFactory(name="Payroll", code="payroll", owner_team=team,
                            lifecycle=Lifecycle.PLANNED)
    client.force_login(manager)
    assert client.get(reverse("changes:release-create")).status_code == 403
    client.force_login(agent)
    client.post(reverse("changes:release-create"), {
        "name": "2026.3", "planned_date": "2026-03-20", "owner_team": team.pk,
        "notes": "Spring.", "launches": [launch.pk]})
    release = Release.objects.get(name="2026.3")
    assert list(release.launches.all()) == [launch]
    client.post(reverse("changes:release-change", args=[release.pk]), {"change": normal.number})
    assert Change.objects.get(pk=normal.pk).release == release
    page = client.get(reverse("changes:release", args=[release.pk]))
    assert normal.number in page.text and "Payroll" in page.text and "Support path" in page.text
    client.post(reverse("changes:release-status", args=[release.pk]), {"status": "in_progress"})
    refused = client.post(reverse("changes:release-status", args=[release.pk]),
                          {"status": "deployed"}, follow=True)
    assert "may not go live yet" in refused.text
    assert Release.objects.get(pk=release.pk).status == "in_progress"
    client.force_login(manager)
    assert client.post(reverse("changes:release-status", args=[release.pk]),
                       {"status": "rolled_back"}).status_code == 403
    client.force_login(agent)
    client.post(reverse("changes:release-change", args=[release.pk]),
                {"change": normal.number, "remove": "1"})
    assert Change.objects.get(pk=normal.pk).release is None


def test_the_release_list_does_not_grow_with_releases(client, agent, count_queries, team):
    client.force_login(agent)
    releases.create_release(actor=agent, name="1", planned_date=date(2026, 1, 1))
    few = count_queries(client, reverse("changes:releases"))
    for name in ("2", "3", "4"):
        releases.create_release(actor=agent, name=name, planned_date=date(2026, 1, 1),
                                owner_team=team)
    assert count_queries(client, reverse("changes:releases")) == few
