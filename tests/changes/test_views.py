"""Change pages: logging one at the desk, its panel, and an incident's cause."""

from django.urls import reverse

from changes.models import Change
from tests.factories import make_incident


def test_the_desk_logs_a_change_with_its_risk_questions(client, agent, service):
    client.force_login(agent)
    assert client.get(reverse("changes:create")).status_code == 200
    response = client.post(reverse("changes:create"), {
        "title": "Upgrade the relay", "description": "", "change_type": "normal",
        "standard_change": "", "service": service.code, "configuration_item": "",
        "planned_start": "2026-12-20T08:00", "planned_end": "2026-12-20T10:00",
        "impact": 2, "urgency": 2, "assignment_team": "", "assignee": "",
        "implementation_plan": "Upgrade.", "backout_plan": "Restore.", "test_plan": "",
        "risk_no_backout": "on", "risk_outage": "on"})
    assert response.status_code == 302, response.content[:500]
    change = Change.objects.get(title="Upgrade the relay")
    assert change.risk == "high" and change.risk_answers["outage"] is True
    page = client.get(reverse("changes:detail", args=[change.number]))
    assert "Back-out plan" in page.text and "Start assessment" in page.text


def test_an_incident_is_recorded_as_caused_by_a_change_from_its_page(client, agent, normal,
                                                                     service):
    incident = make_incident(actor=agent, service=service, title="Mail down")
    client.force_login(agent)
    page = client.get(reverse("incidents:detail", args=[incident.number]))
    assert "Caused by a change" in page.text
    client.post(reverse("changes:record-cause", args=[incident.number]),
                {"number": normal.number})
    assert incident.caused_by_change.change == normal
    page = client.get(reverse("changes:detail", args=[normal.number]))
    assert incident.number in page.text


def test_managers_read_changes_and_requesters_never_see_them(client, manager, requester,
                                                             normal):
    client.force_login(manager)
    assert client.get(reverse("changes:detail", args=[normal.number])).status_code == 200
    assert client.get(reverse("changes:create")).status_code == 403
    client.force_login(requester)
    assert client.get(reverse("changes:detail", args=[normal.number]),
                      follow=True).status_code == 404


def test_the_desk_sets_what_a_change_affects(client, agent, normal, service):
    from tests.factories import ConfigurationItemFactory

    ConfigurationItemFactory(name="relay-01")
    client.force_login(agent)
    client.post(reverse("changes:scope", args=[normal.number]),
                {"cis": "relay-01", "services": service.code})
    assert [ci.name for ci in normal.affected_cis.all()] == ["relay-01"]
    refused = client.post(reverse("changes:scope", args=[normal.number]),
                          {"cis": "nope-99", "services": ""}, follow=True)
    assert "nope-99" in refused.text and normal.affected_cis.count() == 1


def test_the_api_takes_and_shows_the_scope(api_as, agent, normal, service):
    from tests.factories import ConfigurationItemFactory

    ConfigurationItemFactory(name="relay-01")
    client = api_as(agent)
    response = client.patch(f"/api/v1/changes/{normal.number}/", {
        "version": normal.version, "affected_cis": ["relay-01"]}, format="json")
    assert response.status_code == 200, response.data
    assert response.data["affected_cis"] == ["relay-01"]
    bad = client.patch(f"/api/v1/changes/{normal.number}/", {
        "version": normal.version, "affected_cis": ["nope"]}, format="json")
    assert bad.status_code == 400 and "affected_cis" in bad.data
    listed = client.get("/api/v1/changes/")
    assert listed.data["results"][0]["affected_cis"] == ["relay-01"]
