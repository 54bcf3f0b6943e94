"""The change calendar through the API, a change's conflicts in its detail (and a flat
list), the freeze override and the next-slot action."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from catalog.models import FreezeWindow
from changes.models import Change, Release
from tests.factories import ConfigurationItemFactory, ServiceFactory

from .scheduling import at

pytestmark = pytest.mark.django_db
URL = "/api/v1/changes/calendar/"
SPAN = {"start": "2030-01-07", "end": "2030-01-14"}


@pytest.mark.parametrize("params, field", [
    ({}, "start"),
    ({"start": "2030-01-07"}, "end"),
    ({"start": "next week", "end": "2030-01-14"}, "start"),
    ({"start": "2030-01-14", "end": "2030-01-07"}, "end"),
    ({"start": "2030-01-01", "end": "2030-04-15"}, "end"),  # 104 days
    ({**SPAN, "type": "weird"}, "type"),
    ({**SPAN, "service": "no-such"}, "service"),
    ({**SPAN, "colour": "red"}, "colour"),
])
def test_a_bad_span_or_filter_is_a_400_naming_the_field(api_as, agent, params, field):
    response = api_as(agent).get(URL, params)
    assert response.status_code == 400 and field in response.data, response.data


def test_the_calendar_lists_booked_changes_releases_and_freezes(api_as, agent, book, plan):
    first = book(at(0, 10), title="Patch")
    second = book(at(0, 11), title="Overlaps it")
    plan(at(1, 10))  # not booked
    book(at(9, 10))  # outside the span
    release = Release.objects.create(name="R-2030.1", planned_date=date(2030, 1, 8))
    Change.objects.filter(pk=first.pk).update(release=release)  # a release of Email's
    Release.objects.create(name="R-2030.0", planned_date=date(2030, 1, 8))  # of nothing
    Release.objects.create(name="R-2030.2", planned_date=date(2030, 1, 14))  # the day after
    FreezeWindow.objects.create(name="Close", starts_at=at(2), ends_at=at(3))
    response = api_as(agent).get(URL, {"start": "2030-01-07", "end": "2030-01-14",
                                       "service": "email"})
    assert response.status_code == 200, response.data
    rows = response.data["changes"]
    assert [row["number"] for row in rows] == [first.number, second.number]
    assert rows[0]["conflicts"] == {"count": 1, "kinds": ["overlap"]}
    assert rows[0]["type"] == "standard" and rows[0]["status"] == "scheduled"
    assert rows[0]["service"] == "email"
    assert [release["name"] for release in response.data["releases"]] == ["R-2030.1"]
    assert [freeze["name"] for freeze in response.data["freezes"]] == ["Close"]
    everything = api_as(agent).get(URL, SPAN).data
    assert [release["name"] for release in everything["releases"]] == ["R-2030.0", "R-2030.1"]
    other = api_as(agent).get(URL, {**SPAN, "service": "web"})
    assert other.status_code == 400  # there is no service "web"
    ServiceFactory(code="web")
    assert api_as(agent).get(URL, {**SPAN, "service": "web"}).data["changes"] == []


def test_the_calendar_is_for_the_desk(api_as, requester, manager):
    assert api_as(requester).get(URL, SPAN).status_code == 403
    assert api_as(manager).get(URL, SPAN).status_code == 200


def test_the_calendar_runs_as_many_queries_for_many_changes(api_as, agent, book,
                                                            count_queries):
    client = api_as(agent)
    client.get(URL, SPAN)
    book(at(0, 10), configuration_item=ConfigurationItemFactory(), assignee=agent)
    few = count_queries(client, URL, **SPAN)
    for day in range(6):
        book(at(day, 12), configuration_item=ConfigurationItemFactory(), assignee=agent)
    assert count_queries(client, URL, **SPAN) == few
    assert len(count_queries.last_response.data["changes"]) == 7


def test_a_changes_detail_carries_its_conflicts(api_as, agent, book, plan):
    other = book(at(0, 10))
    mine = plan(at(0, 11))
    data = api_as(agent).get(f"/api/v1/changes/{mine.number}/").data
    assert data["conflicts"] == [{"kind": "overlap", "message": data["conflicts"][0]["message"],
                                  "other": {"type": "change", "number": other.number,
                                            "title": other.title}}]


def test_the_change_list_reads_conflicts_for_the_page_at_once(api_as, agent, book,
                                                              count_queries):
    client = api_as(agent)
    client.get("/api/v1/changes/")
    book(at(0, 10), configuration_item=ConfigurationItemFactory(), assignee=agent)
    book(at(0, 11), assignee=agent)
    few = count_queries(client, "/api/v1/changes/")
    for day in range(6):
        book(at(day, 12), configuration_item=ConfigurationItemFactory(), assignee=agent)
    assert count_queries(client, "/api/v1/changes/") == few
    listed = {row["number"]: row["conflicts"] for row in count_queries.last_response.data[
        "results"]}
    assert any(listed.values()) and len(listed) == 8


def test_the_api_takes_the_freeze_override(api_as, agent, plan):
    mine = plan(at(0, 10))
    FreezeWindow.objects.create(name="Close", starts_at=at(3), ends_at=at(4))
    client = api_as(agent)
    url = f"/api/v1/changes/{mine.number}/"
    refused = client.patch(url, {"version": mine.version, "planned_start": at(3, 10),
                                 "planned_end": at(3, 12)}, format="json")
    assert refused.status_code == 400 and "Close" in refused.data["freeze_override"][0]
    moved = client.patch(url, {"version": mine.version, "planned_start": at(3, 10),
                               "planned_end": at(3, 12), "freeze_override": "Audit."},
                         format="json")
    assert moved.status_code == 200, moved.data
    assert moved.data["freeze_override"] == "Audit."
    assert [c["kind"] for c in moved.data["conflicts"]] == ["freeze"]
    created = client.post("/api/v1/changes/", {"title": "In the freeze",
                                               "planned_start": at(3, 1),
                                               "planned_end": at(3, 2)}, format="json")
    assert created.status_code == 400 and "freeze_override" in created.data


def test_next_slot_get_proposes_and_post_moves(api_as, agent, manager, book, plan):
    book(at(0, 10), hours=3)
    mine = plan(at(0, 11))
    url = f"/api/v1/changes/{mine.number}/next-slot/"
    with time_machine.travel(at(0, 9), tick=False):
        proposed = api_as(agent).get(url)
        assert proposed.status_code == 200
        assert proposed.data == {"start": "2030-01-07T13:00:00Z", "end": "2030-01-07T15:00:00Z"}
        assert Change.objects.get(pk=mine.pk).planned_start == at(0, 11)  # GET writes nothing
        assert api_as(manager).post(url, {}, format="json").status_code == 403
        stale = api_as(agent).post(url, {"version": mine.version + 5}, format="json")
        assert stale.status_code == 409
        moved = api_as(agent).post(url, {"version": mine.version}, format="json")
    assert moved.status_code == 200, moved.data
    assert moved.data["planned_start"] == "2030-01-07T13:00:00Z"
    assert moved.data["conflicts"] == []


def test_next_slot_with_no_free_window_is_a_400(api_as, agent, plan):
    FreezeWindow.objects.create(name="Long", starts_at=at(0), ends_at=at(100))
    mine = Change.objects.get(pk=plan(at(0, 10), freeze_override="Needed.").pk)
    url = f"/api/v1/changes/{mine.number}/next-slot/"
    with time_machine.travel(at(0, 9), tick=False):
        assert api_as(agent).get(url).data == {"start": None, "end": None}
        response = api_as(agent).post(url, {}, format="json")
    assert response.status_code == 400 and "planned_start" in response.data
