"""`/api/v1/outages/`: the desk reads and enters outages; an incident's follows it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from itsm import outages
from itsm.models import Outage, OutageChange

pytestmark = pytest.mark.django_db
URL = "/api/v1/outages/"


def test_an_agent_enters_an_outage_by_service_code_and_corrects_it(api_as, agent, service):
    client = api_as(agent)
    started = timezone.now() - timedelta(hours=3)
    response = client.post(URL, {"service": service.code, "started_at": started.isoformat(),
                                 "note": "Mail relay down"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["service"]["code"] == service.code and body["ended_at"] is None
    assert body["source"] == "entered" and body["created_by"] == agent.username

    ended = started + timedelta(hours=1)
    response = client.patch(f"{URL}{body['id']}/", {"ended_at": ended.isoformat()},
                            format="json")
    assert response.status_code == 200
    assert OutageChange.objects.filter(outage_id=body["id"], field="ended_at").exists()
    assert client.get(URL, {"ongoing": "false"}).json()["count"] == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"started_at": "2026-03-03T09:00:00Z"}, "service"),
    ({"service": "email", "started_at": "soon"}, "started_at"),
    ({"service": "nowhere", "started_at": "2026-03-03T09:00:00Z"}, "service"),
    ({"service": "email", "started_at": "2026-03-03T09:00:00Z",
      "ended_at": "2026-03-03T08:00:00Z"}, "ended_at"),
    ({"service": "email", "started_at": "2099-03-03T09:00:00Z"}, "started_at"),
    ({"service": "email", "started_at": "2026-03-03T09:00:00Z", "colour": "red"}, "colour"),
])
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(api_as, agent, service,
                                                                body, field):
    response = api_as(agent).post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Outage.objects.exists()


def test_who_reads_and_who_writes(api_as, requester, manager, service):
    outages.record(actor=None, service=service,
                   started_at=timezone.now() - timedelta(hours=1))
    assert api_as(requester).get(URL).json()["count"] == 0
    assert api_as(manager).get(URL).json()["count"] == 1
    refused = api_as(manager).post(URL, {"service": service.code,
                                         "started_at": timezone.now().isoformat()},
                                   format="json")
    assert refused.status_code == 403
    assert api_as(requester).post(URL, {}, format="json").status_code == 403
    assert Outage.objects.count() == 1


def test_an_incidents_outage_is_corrected_on_the_incident(api_as, agent, incident):
    outages.follow_ticket(incident, active=True, actor=agent)
    outage = Outage.objects.get(ticket=incident)
    response = api_as(agent).patch(f"{URL}{outage.pk}/", {"planned": True}, format="json")
    assert response.status_code == 409
    assert incident.number in response.json()["detail"]
    outage.refresh_from_db()
    assert outage.planned is False


def test_an_incident_is_flagged_as_an_outage_through_its_resource(api_as, agent, incident):
    response = api_as(agent).patch(f"/api/v1/incidents/{incident.number}/",
                                   {"version": incident.version, "is_outage": True},
                                   format="json")
    assert response.status_code == 200, response.content
    assert response.json()["is_outage"] is True
    assert Outage.objects.get(ticket=incident).started_at == incident.created_at
