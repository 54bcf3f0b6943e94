"""Time worked on tickets: logged, costed at the team's dated rate, read by the desk."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from catalog.models import TeamRate
from itsm import effort, registry
from itsm.models import TimeEntry
from metrics import compute
from metrics.models import KpiValue

pytestmark = pytest.mark.django_db


def test_cost_is_minutes_at_the_hourly_rate_to_the_cent():
    assert effort.cost_of(50, Decimal("80.00")) == Decimal("66.67")
    assert effort.cost_of(50, None) is None


def test_a_rate_change_does_not_rewrite_the_cost_of_earlier_work(agent, incident, team):
    incident.created_at = timezone.now() - timedelta(days=30)
    TeamRate.objects.create(team=team, hourly_rate=Decimal("60"), valid_from=date(2020, 1, 1))
    before = effort.log_time(incident, person=agent, minutes=30,
                             worked_on=timezone.localdate() - timedelta(days=10))
    TeamRate.objects.create(team=team, hourly_rate=Decimal("90"),
                            valid_from=timezone.localdate() - timedelta(days=5))
    after = effort.log_time(incident, person=agent, minutes=30)
    assert (before.cost, after.cost) == (Decimal("30.00"), Decimal("45.00"))
    before.refresh_from_db()
    assert before.cost == Decimal("30.00")
    assert after.team == team


@pytest.mark.parametrize(("fields", "field"), [
    ({"minutes": 0}, "minutes"),
    ({"minutes": 1441}, "minutes"),
    ({"minutes": 30, "worked_on": date(2999, 1, 1)}, "worked_on"),
    ({"minutes": 30, "worked_on": date(2000, 1, 1)}, "worked_on"),
    ({"minutes": 30, "activity": "napping"}, "activity"),
])
def test_bad_time_is_refused_naming_the_field(agent, incident, fields, field):
    with pytest.raises(ValidationError) as refused:
        effort.log_time(incident, person=agent, **fields)
    assert field in refused.value.message_dict
    assert not TimeEntry.objects.exists()


def test_only_the_desk_logs_time(requester, manager, incident):
    for person in (requester, manager):
        with pytest.raises(PermissionDenied):
            effort.log_time(incident, person=person, minutes=10)


def test_an_agent_logs_time_on_the_page_and_with_a_comment(client, agent, incident):
    client.force_login(agent)
    page_url = registry.ticket_url(incident.kind, incident.number)
    response = client.post(f"{page_url}log-time/", {"minutes": "45", "activity": "diagnosis",
                                                    "note": "Traced the relay"})
    assert response.status_code == 302
    response = client.post(f"{page_url}comment/", {"body": "Restarted it",
                                                   "visibility": "internal", "minutes": "15"})
    assert response.status_code == 302
    entries = TimeEntry.objects.filter(ticket=incident).order_by("pk")
    assert [entry.minutes for entry in entries] == [45, 15]
    assert entries[1].comment is not None
    page = client.get(page_url).content.decode()
    assert "Time worked" in page and "1 h 0 min" in page


def test_the_api_lists_and_logs_time(api_as, agent, requester, incident):
    url = f"/api/v1/tickets/{incident.number}/time/"
    response = api_as(agent).post(url, {"minutes": 20, "note": "Call"}, format="json")
    assert response.status_code == 201
    assert response.json()["person"] == agent.username
    assert api_as(agent).get(url).json()["count"] == 1
    assert api_as(requester).get(url).status_code == 403
    bad = api_as(agent).post(url, {"minutes": "lots"}, format="json")
    assert bad.status_code == 400 and "minutes" in bad.json()


def test_effort_kpis_add_up_hours_cost_and_tickets_per_person_day(agent, incident, team,
                                                                  service, requester):
    """Two tickets, 3 h and 1 h on the same day at 100 an hour: 4 h, 400, and 2 tickets
    over half a person-day = 4 tickets per person-day."""
    from tests.factories import make_incident

    day = timezone.localdate()
    TeamRate.objects.create(team=team, hourly_rate=Decimal("100"), valid_from=day)
    other = make_incident(actor=agent, requester=requester, service=service, title="Second")
    with time_machine.travel(timezone.now(), tick=False):
        effort.log_time(incident, person=agent, minutes=180)
        effort.log_time(other, person=agent, minutes=60)
        compute.refresh()
    values = {kpi: (value, numerator, denominator) for kpi, value, numerator, denominator in
              KpiValue.objects.filter(granularity="day", dimension="overall", period_start=day,
                                      kpi__startswith="effort").values_list(
                  "kpi", "value", "numerator", "denominator")}
    assert values == {"effort_hours": (4.0, 4.0, None), "effort_cost": (400.0, 400.0, None)}
    per_day = KpiValue.objects.get(kpi="tickets_per_person_day", granularity="day",
                                   dimension="overall", period_start=day)
    assert (per_day.value, per_day.numerator, per_day.denominator) == (4.0, 2.0, 0.5)
    by_team = KpiValue.objects.get(kpi="effort_hours", granularity="month", dimension="team",
                                   key=str(team.pk))
    assert by_team.value == 4.0
