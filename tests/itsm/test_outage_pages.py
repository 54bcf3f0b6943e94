"""The desk's outage pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from itsm import outages, registry
from itsm.models import Outage

pytestmark = pytest.mark.django_db


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_the_list_is_for_the_desk(client, agent, manager, requester, service):
    outages.record(actor=agent, service=service, started_at=timezone.now() - timedelta(hours=2),
                   note="Relay down")
    for person, status in ((agent, 200), (manager, 200), (requester, 404)):
        client.force_login(person)
        response = client.get("/outages/")
        assert response.status_code == status
        if status == 200:
            assert "Relay down" in response.content.decode()
    client.force_login(agent)
    page = client.get("/outages/", {"ongoing": "true"}).content.decode()
    assert "Relay down" in page and "going on" in page


def test_an_agent_records_an_outage_and_a_bad_one_is_refused_in_the_form(client, agent,
                                                                         service):
    client.force_login(agent)
    started = timezone.now() - timedelta(hours=3)
    response = client.post("/outages/new/", {"service": service.code,
                                             "started_at": local(started),
                                             "ended_at": local(started - timedelta(hours=1))})
    assert response.status_code == 200
    assert "cannot end before it starts" in response.content.decode()
    assert not Outage.objects.exists()
    response = client.post("/outages/new/", {"service": service.code,
                                             "started_at": local(started), "note": "Disk full"})
    assert response.status_code == 302
    outage = Outage.objects.get()
    response = client.post(f"/outages/{outage.pk}/", {
        "service": service.code, "started_at": local(started),
        "ended_at": local(started + timedelta(minutes=30)), "note": "Disk full"})
    assert response.status_code == 302
    outage.refresh_from_db()
    assert outage.ended_at is not None
    page = client.get(f"/outages/{outage.pk}/").content.decode()
    assert "ended" in page.lower() and "recorded it" in page


def test_a_manager_reads_but_cannot_record(client, manager, service):
    client.force_login(manager)
    response = client.post("/outages/new/", {"service": service.code,
                                             "started_at": local(timezone.now())})
    assert response.status_code == 403
    assert not Outage.objects.exists()


def test_an_incidents_outage_sends_you_to_the_incident(client, agent, incident):
    outages.follow_ticket(incident, active=True, actor=agent)
    client.force_login(agent)
    response = client.get(f"/outages/{Outage.objects.get().pk}/")
    assert response.status_code == 302
    assert response["Location"] == registry.ticket_url(incident.kind, incident.number)


def test_the_list_speaks_the_readers_language(client, agent):
    client.force_login(agent)
    page = client.get("/outages/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Pågår" in page and "Oplanerade" in page
