"""The SLA clock explains itself: a ticket's SLA timeline replayed from its events.

The replay is pure (no database); one view test shows it on the incident page for a
ticket built through the real services.
"""

from __future__ import annotations

from datetime import datetime, time

import pytest
from django.urls import reverse

from incidents.choices import IncidentStatus as S
from itsm import sla, workflow
from itsm.base.business_time import WorkingCalendar
from itsm.sla_timeline import format_minutes, sla_timeline, timeline_for
from tests.factories import BERLIN, berlin, log, make_sla

OFFICE = WorkingCalendar(tz=BERLIN, week={day: [(time(8), time(18))] for day in range(5)})
CREATED = datetime(2026, 3, 2, 9, tzinfo=BERLIN)  # a Monday
HOLD = frozenset({"on_hold"})
RESOLVED = frozenset({"resolved"})


def at(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=BERLIN)


def status(when: datetime, old: str, new: str) -> tuple:
    return (when, "status", "status", old, new)


def flag(when: datetime, name: str) -> tuple:
    return (when, "sla", name, "False", "True")


CLOSED = frozenset({"closed", "cancelled"})


def replay(events=(), *, responded_at=None, resolved_at=None, now, response=60,
           resolution=240):
    return sla_timeline(OFFICE, CREATED, list(events), HOLD, RESOLVED, responded_at,
                        resolved_at, response, resolution, 0.75, now, closed=CLOSED)


def kinds(timeline) -> list[str]:
    return [entry.kind for entry in timeline.entries]


def test_a_ticket_on_track_shows_business_time_used_and_left():
    timeline = replay([status(at(9, 10), "new", "in_progress")], now=at(10, 30))
    resolution = timeline.resolution
    assert (resolution.state, resolution.used, resolution.left) == ("running", 90, 150)
    assert resolution.due == at(13) and resolution.percent == 37
    assert (resolution.used_hm, resolution.target_hm, resolution.left_hm) == ("1:30", "4:00",
                                                                             "2:30")
    assert timeline.response.state == "breached"  # 60 minutes, not responded
    assert kinds(timeline) == ["started"]


def test_business_time_counts_only_working_hours():
    # Monday 09:00 to Tuesday 09:00 is 9 + 1 business hours, not 24.
    timeline = replay(now=at(9, day=3), resolution=16 * 60)
    assert timeline.resolution.used == 600 and timeline.resolution.due == at(15, day=3)


def test_a_pause_stops_the_resolution_clock_and_moves_due():
    events = [status(at(9, 30), "new", "in_progress"),
              status(at(10), "in_progress", "on_hold"),
              status(at(11), "on_hold", "in_progress")]
    timeline = replay(events, responded_at=at(9, 30), now=at(12))
    resolution = timeline.resolution
    assert (resolution.state, resolution.used, resolution.paused) == ("running", 120, 60)
    assert resolution.due == at(14)  # 13:00 plus the hour on hold
    assert kinds(timeline) == ["started", "responded", "paused", "resumed"]
    resumed = timeline.entries[-1]
    assert resumed.minutes_hm == "1:00" and resumed.status == "in_progress"
    assert timeline.response.used == 30  # the response clock never pauses


def test_a_ticket_still_on_hold_is_paused_and_its_held_time_is_not_used():
    events = [status(at(10), "new", "on_hold")]
    timeline = replay(events, now=at(16))
    assert timeline.resolution.state == "paused"
    assert (timeline.resolution.used, timeline.resolution.paused) == (60, 360)
    assert kinds(timeline) == ["started", "paused"]


def test_warned_then_breached_in_time_order_and_late_by():
    events = [flag(at(12), "resolution_warned"), flag(at(9, 45), "response_warned"),
              flag(at(10), "response_breached"), flag(at(13), "resolution_breached")]
    timeline = replay(events, now=at(14))
    assert kinds(timeline) == ["started", "warned", "breached", "warned", "breached"]
    assert [e.clock for e in timeline.entries[1:]] == ["response", "response",
                                                       "resolution", "resolution"]
    resolution = timeline.resolution
    assert (resolution.state, resolution.left, resolution.late) == ("breached", -60, True)
    assert resolution.left_hm == "1:00" and resolution.percent == 100


def test_an_escalation_says_who_was_told():
    events = [flag(at(13), "resolution_breached"),
              (at(13), "sla", "escalated", "Service desk", "Application operations")]
    timeline = replay(events, now=at(14))
    assert kinds(timeline) == ["started", "breached", "escalated"]
    assert timeline.entries[-1].to == "Application operations"


def test_resolved_in_time_is_met():
    events = [status(at(12), "in_progress", "resolved")]
    timeline = replay(events, responded_at=at(9, 20), resolved_at=at(12), now=at(16))
    assert timeline.resolution.state == "met" and timeline.resolution.used == 180
    resolved = timeline.entries[-1]
    assert (resolved.kind, resolved.outcome, resolved.minutes_hm) == ("resolved", "met", "3:00")


def test_resolved_late_is_missed_and_stops_the_clock():
    events = [status(at(15), "in_progress", "resolved")]
    timeline = replay(events, responded_at=at(11), resolved_at=at(15), now=at(17, day=4))
    assert (timeline.resolution.state, timeline.resolution.used) == ("missed", 360)
    assert timeline.entries[-1].outcome == "missed"
    assert timeline.response.state == "missed"


def test_a_reopened_ticket_shows_both_resolutions_and_runs_again():
    events = [status(at(10), "in_progress", "resolved"),
              status(at(11), "resolved", "in_progress")]
    timeline = replay(events, responded_at=at(9, 5), now=at(12))
    assert kinds(timeline) == ["started", "responded", "resolved", "reopened"]
    assert timeline.resolution.state == "running" and timeline.resolution.used == 180


def test_closing_a_resolved_ticket_is_not_a_reopen():
    timeline = replay([status(at(9, 10), "new", "in_progress"),
                       status(at(11), "in_progress", "resolved"),
                       status(at(9, day=3), "resolved", "closed")],
                      responded_at=at(9, 10), resolved_at=at(11), now=at(12, day=4))
    assert "reopened" not in kinds(timeline)
    assert timeline.resolution.state == "met"


def test_response_met_by_responded_at():
    timeline = replay(responded_at=at(9, 40), now=at(15))
    response = timeline.response
    assert (response.state, response.used, response.left, response.due) == ("met", 40, 20,
                                                                            at(10))
    responded = timeline.entries[-1]
    assert (responded.kind, responded.clock, responded.outcome) == ("responded", "response",
                                                                    "met")


def test_minutes_read_as_hours_and_minutes():
    assert [format_minutes(m) for m in (0, 59.6, 240, 1625, -75)] == ["0:00", "1:00", "4:00",
                                                                      "27:05", "1:15"]


# --- on the page ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_incident_page_tells_the_sla_story(client, agent, requester, service,
                                               office):
    make_sla(service, office)
    incident = log(agent, requester, service, berlin(2026, 3, 2, 9))  # P3: 1 h / 4 h
    workflow.transition(incident, S.IN_PROGRESS, actor=agent, when=berlin(2026, 3, 2, 9, 20))
    workflow.transition(incident, S.ON_HOLD, actor=agent, on_hold_reason="awaiting_caller",
                        when=berlin(2026, 3, 2, 10))
    workflow.transition(incident, S.IN_PROGRESS, actor=agent, when=berlin(2026, 3, 2, 11))
    sla.scan(berlin(2026, 3, 2, 16))  # due 14:00 after the hour on hold
    incident.refresh_from_db()

    timeline = timeline_for(incident, now=berlin(2026, 3, 2, 16))
    assert timeline is not None and timeline.resolution.due == incident.resolution_due
    assert [e.kind for e in timeline.entries] == ["started", "responded", "paused", "resumed",
                                                  "warned", "breached"]

    client.force_login(agent)
    page = client.get(reverse("incidents:detail", args=[incident.number])).content.decode()
    for text in ("SLA timeline", "Clock started", "Response met", "Paused", "Resumed",
                 "Resolution warned", "Resolution breached", "Late by", "0:20 / 1:00"):
        assert text in page, text


@pytest.mark.django_db
def test_without_an_sla_the_page_says_so(client, agent, requester, service):
    incident = log(agent, requester, service, berlin(2026, 3, 2, 9))
    assert timeline_for(incident) is None
    client.force_login(agent)
    page = client.get(reverse("incidents:detail", args=[incident.number])).content.decode()
    assert "No SLA applies" in page
