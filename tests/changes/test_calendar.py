"""The change calendar: its layout (pure), its pages per role and filter, the
conflicts panel on a change's page with its next-slot button, and the iCalendar feed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
import time_machine
from django.urls import reverse

from catalog.models import FreezeWindow
from changes import calendar
from changes.models import CalendarFeed, Change, Release
from tests.factories import ConfigurationItemFactory, ServiceFactory, UserFactory

from .scheduling import at

pytestmark = pytest.mark.django_db
URL = "/changes/calendar/"


# --- layout, without a database --------------------------------------------------------


def test_a_month_is_whole_weeks_from_monday():
    weeks = calendar.month_weeks(date(2030, 1, 15))
    assert weeks[0][0] == date(2029, 12, 31) and weeks[0][0].weekday() == 0
    assert weeks[-1][-1] == date(2030, 2, 3) and all(len(week) == 7 for week in weeks)
    assert len(calendar.month_weeks(date(2027, 2, 1))) == 4  # Feb 2027 starts on a Monday


def test_the_spans_of_each_view_and_their_neighbours():
    first, last, previous, following = calendar.span_of("week", date(2030, 1, 9))
    assert (first, last) == (date(2030, 1, 7), date(2030, 1, 14))
    assert (previous, following) == (date(2030, 1, 2), date(2030, 1, 16))
    first, last, previous, following = calendar.span_of("list", date(2030, 1, 9))
    assert (first, last, previous, following) == (date(2030, 1, 1), date(2030, 2, 1),
                                                  date(2029, 12, 1), date(2030, 2, 1))


def test_spans_that_share_time_take_side_by_side_lanes():
    hour = datetime(2030, 1, 7, tzinfo=UTC)
    spans = [(hour, hour + timedelta(hours=2)), (hour + timedelta(hours=1), hour +
             timedelta(hours=3)), (hour + timedelta(hours=2), hour + timedelta(hours=4))]
    alone = (hour + timedelta(hours=5), hour + timedelta(hours=6))
    assert calendar.lanes([*spans, alone]) == [(0, 2), (1, 2), (0, 2), (0, 1)]
    assert calendar.lanes([]) == []


def test_where_a_span_falls_in_a_day(settings):
    settings.TIME_ZONE = "UTC"
    day = date(2030, 1, 7)
    start = datetime(2030, 1, 7, 6, tzinfo=UTC)
    assert calendar.day_share(day, start, start + timedelta(hours=6)) == (25.0, 25.0)
    assert calendar.day_share(day + timedelta(days=1), start, start + timedelta(hours=6)) \
        is None
    assert calendar.day_share(day, start - timedelta(days=1), start + timedelta(days=1)) == \
        (0.0, 100.0)


# --- the page ---------------------------------------------------------------------------


@pytest.fixture
def then():
    """The clock on MONDAY 08:00 (of the booked changes' week)."""
    with time_machine.travel(at(0, 8), tick=False):
        yield


def page(client, **params):
    return client.get(URL, {"date": "2030-01-07", **params})


def test_requesters_never_see_the_calendar(client, requester):
    client.force_login(requester)
    assert page(client).status_code == 404
    client.logout()
    assert page(client).status_code == 302  # to the login page


@pytest.mark.parametrize("persona", ["agent", "change_manager", "manager"], indirect=True)
@pytest.mark.parametrize("view", ["month", "week", "list"])
def test_desk_roles_see_each_view_with_the_changes_releases_and_freezes(
        client, persona, view, book, plan):
    emergency = book(at(0, 10), title="Patch the relay")
    Change.objects.filter(pk=emergency.pk).update(change_type="emergency")
    book(at(0, 11), title="Overlapping one")
    plan(at(1, 10))  # new: not on the calendar
    Release.objects.create(name="R-2030.1", planned_date=date(2030, 1, 8))
    FreezeWindow.objects.create(name="January close", starts_at=at(2), ends_at=at(3))
    client.force_login(persona)
    response = page(client, view=view)
    assert response.status_code == 200
    text = response.text
    assert emergency.number in text and reverse("changes:detail",
                                                args=[emergency.number]) in text
    assert "January close" in text and "Planned change" not in text
    assert "cal-conflict" in text  # the two overlap
    assert ("R-2030.1" in text) == (view != "week")
    assert "is-emergency" in text or "EMERGENCY" in text


def test_the_filters_narrow_the_calendar_and_stay_across_views(client, agent, book, team):
    web = ServiceFactory(code="web", name="Web shop")
    ci = ConfigurationItemFactory(name="db-01")
    on_web = book(at(0, 10), title="Web change", service=web)
    on_ci = book(at(0, 14), title="Database change", configuration_item=ci)
    for_team = book(at(1, 10), title="Team change", team=team)
    client.force_login(agent)
    text = page(client, service="web").text
    assert on_web.number in text and on_ci.number not in text
    assert "view=week" in text and "service=web" in text  # the view links keep it
    text = page(client, ci="db-01").text
    assert on_ci.number in text and on_web.number not in text
    text = page(client, team=team.pk, view="list").text
    assert for_team.number in text and on_web.number not in text
    text = page(client, type="normal").text
    assert on_web.number not in text  # they are all standard
    assert page(client, ci="no-such-ci").status_code == 200  # the error shows, not a 500


def test_the_calendar_page_runs_as_many_queries_for_many_changes(client, agent, book,
                                                                 count_queries):
    client.force_login(agent)
    for view in ("month", "week", "list"):
        # What each change may need read (a CI, a person on it) is there from the start.
        book(at(0, 10), configuration_item=ConfigurationItemFactory(), assignee=agent)
        few = count_queries(client, URL, date="2030-01-07", view=view)
        for day in range(6):
            book(at(day, 12), configuration_item=ConfigurationItemFactory(), assignee=agent)
        assert count_queries(client, URL, date="2030-01-07", view=view) == few, view


# --- the change's page -----------------------------------------------------------------


def test_a_changes_page_lists_its_conflicts_and_moves_it_to_the_next_free_slot(
        then, client, agent, book, plan):
    other = book(at(0, 10), hours=3)
    mine = plan(at(0, 11))
    client.force_login(agent)
    text = client.get(reverse("changes:detail", args=[mine.number])).text
    assert "Schedule conflicts" in text and other.number in text
    assert "Next free slot" in text and "Move it there" in text
    response = client.post(reverse("changes:next-slot", args=[mine.number]),
                           {"version": mine.version})
    assert response.status_code == 302
    moved = Change.objects.get(pk=mine.pk)
    assert moved.planned_start == at(0, 13)  # the first free window from its own start
    assert moved.version == mine.version + 1
    assert moved.events.filter(field="planned_start").exists()


def test_a_stale_move_moves_nothing(client, agent, book, plan):
    book(at(0, 10), hours=3)
    mine = plan(at(0, 11))
    client.force_login(agent)
    client.post(reverse("changes:next-slot", args=[mine.number]), {"version": 99})
    assert Change.objects.get(pk=mine.pk).planned_start == at(0, 11)


def test_readers_see_conflicts_but_move_nothing(client, manager, book, plan):
    book(at(0, 10), hours=3)
    mine = plan(at(0, 11))
    client.force_login(manager)
    text = client.get(reverse("changes:detail", args=[mine.number])).text
    assert "Schedule conflicts" in text and "Move it there" not in text
    assert client.post(reverse("changes:next-slot", args=[mine.number])).status_code == 403
    assert Change.objects.get(pk=mine.pk).planned_start == at(0, 11)


def test_the_edit_form_takes_the_freeze_override(client, agent, plan):
    mine = plan(at(0, 10))
    FreezeWindow.objects.create(name="January close", starts_at=at(0), ends_at=at(1))
    client.force_login(agent)
    text = client.get(reverse("changes:detail", args=[mine.number])).text
    assert 'name="freeze_override"' in text


# --- the feed ---------------------------------------------------------------------------


def feed_of(user) -> CalendarFeed:
    return calendar.feed_for(user)


def test_the_feed_is_an_icalendar_of_the_booked_changes(then, client, agent, book, plan):
    booked = book(at(0, 10), title="Patch the relay")
    plan(at(1, 10))
    key = feed_of(agent).token
    response = client.get(reverse("changes:calendar-feed"), {"key": key})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    parsed = icalendar.Calendar.from_ical(response.content)
    events = list(parsed.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert str(event["summary"]) == f"{booked.number} Patch the relay"
    assert event.decoded("dtstart") == at(0, 10) and event.decoded("dtend") == at(0, 12)
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["uid"]).startswith(booked.number.lower() + "@")
    assert "Standard" in str(event["description"]) and booked.number in str(event["url"])
    again = icalendar.Calendar.from_ical(client.get(reverse("changes:calendar-feed"),
                                                    {"key": key}).content)
    assert [str(e["uid"]) for e in again.walk("VEVENT")] == [str(event["uid"])]


def test_the_feed_takes_the_calendars_filters(then, client, agent, book):
    book(at(0, 10), title="On email")
    book(at(0, 12), title="On web", service=ServiceFactory(code="web"))
    key = feed_of(agent).token
    parsed = icalendar.Calendar.from_ical(client.get(
        reverse("changes:calendar-feed"), {"key": key, "service": "web"}).content)
    assert [str(e["summary"]).split(" ", 1)[1] for e in parsed.walk("VEVENT")] == ["On web"]


def test_an_unknown_replaced_or_disabled_key_is_a_404(client, agent, book):
    book(at(0, 10))
    url = reverse("changes:calendar-feed")
    assert client.get(url, {"key": "nope"}).status_code == 404
    assert client.get(url).status_code == 404
    old = feed_of(agent).token
    new = calendar.regenerate_feed(agent).token
    assert new != old
    assert client.get(url, {"key": old}).status_code == 404
    assert client.get(url, {"key": new}).status_code == 200
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert client.get(url, {"key": new}).status_code == 404


def test_a_requesters_key_opens_nothing(client):
    someone = UserFactory(username="rita", roles=["requester"])
    assert client.get(reverse("changes:calendar-feed"),
                      {"key": feed_of(someone).token}).status_code == 404


def test_the_page_makes_and_remakes_the_link(client, agent):
    client.force_login(agent)
    assert "Make my calendar link" in page(client).text
    response = client.post(reverse("changes:calendar-link"),
                           {"next": "?view=week&service=email"})
    assert response.status_code == 302 and response["Location"].endswith(
        "?view=week&service=email")
    first = CalendarFeed.objects.get(user=agent).token
    text = page(client, service="email").text
    assert first in text and "service=email" in text
    client.post(reverse("changes:calendar-link"), {"next": "https://elsewhere.test/"})
    assert CalendarFeed.objects.get(user=agent).token != first
