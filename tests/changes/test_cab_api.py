"""The API of the CAB's meetings and of releases: reads, the writes of those who may,
400s that name the field, and lists whose query count does not grow."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from catalog.models import Lifecycle
from changes import cab, releases
from changes.models import CabMeeting, Change, Release
from itsm import workflow
from tests.factories import ServiceFactory

CAB = "/api/v1/changes/cab-meetings/"
RELEASES = "/api/v1/changes/releases/"


def submit(change, actor) -> Change:
    for target in ("assessment", "authorization"):
        workflow.transition(Change.objects.get(pk=change.pk), target, actor=actor)
    return Change.objects.get(pk=change.pk)


@pytest.fixture
def meeting(change_manager):
    return cab.create_meeting(actor=change_manager, title="Weekly CAB",
                              starts_at=timezone.now() + timedelta(days=1),
                              attendees=[change_manager])


def test_a_change_manager_runs_a_meeting_through_the_api(api_as, change_manager, agent,
                                                         normal, meeting):
    change = submit(normal, agent)
    client = api_as(change_manager)
    built = client.post(f"{CAB}{meeting.pk}/agenda/")
    assert built.status_code == 200, built.data
    assert [item["change"] for item in built.data["agenda"]] == [change.number]
    assert built.data["agenda"][0]["service"] == "email"
    bad = client.post(f"{CAB}{meeting.pk}/outcome/", {"change": change.number,
                                                     "outcome": "rejected"})
    assert bad.status_code == 400 and "note" in bad.data
    missing = client.post(f"{CAB}{meeting.pk}/outcome/", {"change": "CHG9999999",
                                                         "outcome": "approved"})
    assert missing.status_code == 400 and "change" in missing.data
    done = client.post(f"{CAB}{meeting.pk}/outcome/", {"change": change.number,
                                                      "outcome": "approved"})
    assert done.status_code == 200 and done.data["agenda"][0]["outcome"] == "approved"
    assert Change.objects.get(pk=change.pk).status == "scheduled"
    empty = client.post(f"{CAB}{meeting.pk}/hold/", {"minutes": ""})
    assert empty.status_code == 400 and "minutes" in empty.data
    held = client.post(f"{CAB}{meeting.pk}/hold/", {"minutes": "Done.",
                                                   "attendees": [agent.username]})
    assert held.status_code == 200 and held.data["status"] == "held"
    assert [person["username"] for person in held.data["attendees"]] == ["carol"]


def test_creating_meetings_through_the_api(api_as, change_manager, agent, service, window):
    client = api_as(change_manager)
    bad = client.post(CAB, {"starts_at": "2026-12-20T10:00:00Z"})
    assert bad.status_code == 400 and "title" in bad.data
    unknown = client.post(CAB, {"title": "x", "starts_at": "2026-12-20T10:00:00Z",
                                "attendees": ["nobody"]})
    assert unknown.status_code == 400 and "attendees" in unknown.data
    made = client.post(CAB, {"title": "Extra", "starts_at": "2026-12-20T10:00:00Z",
                             "attendees": [agent.username]})
    assert made.status_code == 201 and made.data["chair"]["username"] == "frank"
    from changes import services

    emergency = services.create_change(actor=agent, title="Patch now", service=service,
                                       change_type="emergency", **window)
    early = client.post(CAB, {"starts_at": "2026-12-20T10:00:00Z",
                              "emergency_change": emergency.number})
    assert early.status_code == 400 and "change" in early.data
    workflow.transition(Change.objects.get(pk=emergency.pk), "authorization", actor=agent)
    ecab = client.post(CAB, {"starts_at": "2026-12-20T10:00:00Z",
                             "emergency_change": emergency.number})
    assert ecab.status_code == 201 and ecab.data["emergency"] is True
    assert [item["change"] for item in ecab.data["agenda"]] == [emergency.number]


def test_the_meeting_list_does_not_grow(api_as, agent, change_manager, count_queries, normal):
    client = api_as(agent)
    cab.create_meeting(actor=change_manager, title="One", starts_at=timezone.now(),
                       attendees=[agent])
    count_queries(client, CAB)  # the token's first use is recorded once
    few = count_queries(client, CAB)
    for index in range(3):
        meeting = cab.create_meeting(actor=change_manager, title=f"M{index}",
                                     starts_at=timezone.now() + timedelta(days=index),
                                     attendees=[agent, change_manager])
    submit(normal, agent)
    cab.build_agenda(meeting)
    assert count_queries(client, CAB) == few
    assert len(count_queries.last_response.data["results"]) == 4


def test_releases_through_the_api(api_as, agent, change_manager, manager, normal, team):
    Change.objects.filter(pk=normal.pk).update(status="scheduled")  # authorised
    ServiceFactory(name="Payroll", code="payroll", owner_team=team, lifecycle=Lifecycle.PLANNED)
    client = api_as(agent)
    bad = client.post(RELEASES, {"name": "2026.3"})
    assert bad.status_code == 400 and "planned_date" in bad.data
    made = client.post(RELEASES, {"name": "2026.3", "planned_date": "2026-03-20",
                                  "owner_team": team.name, "launches": ["payroll"]})
    assert made.status_code == 201, made.data
    url = f"{RELEASES}{made.data['id']}/"
    assert made.data["launches"][0]["gaps"][:2] == ["an active SLA", "a support path"]
    assert client.post(RELEASES, {"name": "2026.3", "planned_date": "2026-03-20"}
                       ).data.keys() == {"name"}
    added = client.post(f"{url}add-change/", {"change": normal.number})
    assert added.status_code == 200 and added.data["changes"][0]["number"] == normal.number
    assert client.post(f"{url}add-change/", {"change": "CHG9999999"}).status_code == 400
    wrong = client.patch(url, {"status": "deployed"})
    assert wrong.status_code == 400 and "status" in wrong.data
    assert client.patch(url, {"status": "in_progress", "notes": "Go"}).data["status"] == \
        "in_progress"
    gaps = client.patch(url, {"status": "deployed"})
    assert gaps.status_code == 400 and "status" in gaps.data
    assert client.patch(url, {"status": "deployed", "override_reason": "Now"}
                        ).status_code == 403
    assert api_as(manager).patch(url, {"notes": "Managers read."}).status_code == 403
    deployed = api_as(change_manager).patch(url, {"status": "deployed",
                                                  "override_reason": "Now"})
    assert deployed.status_code == 200 and deployed.data["deployed_at"]
    assert deployed.data["launches"][0]["lifecycle"] == "live"
    assert Release.objects.get().status == "deployed"


def test_the_release_list_does_not_grow(api_as, agent, count_queries, team):
    client = api_as(agent)
    releases.create_release(actor=agent, name="1", planned_date=date(2026, 1, 1))
    count_queries(client, RELEASES)  # the token's first use is recorded once
    few = count_queries(client, RELEASES)
    for name in ("2", "3"):
        launch = ServiceFactory(name=f"S{name}", code=f"s{name}", owner_team=team)
        releases.create_release(actor=agent, name=name, planned_date=date(2026, 1, 1),
                                launches=[launch], owner_team=team)
    # One more for the launches' checklists once any release brings a service live.
    assert count_queries(client, RELEASES) == few + 1
    more = count_queries(client, RELEASES)
    launch = ServiceFactory(name="S4", code="s4", owner_team=team)
    releases.create_release(actor=agent, name="4", planned_date=date(2026, 1, 1),
                            launches=[launch])
    assert count_queries(client, RELEASES) == more


def test_requesters_are_refused(api_as, requester, meeting):
    client = api_as(requester)
    assert client.get(CAB).status_code == 403
    assert client.get(RELEASES).status_code == 403
    assert client.get(f"{CAB}{meeting.pk}/").status_code == 403
    assert CabMeeting.objects.count() == 1
