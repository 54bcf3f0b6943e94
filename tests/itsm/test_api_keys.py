"""The API takes related objects the way it shows them: by id or by natural key (a
service's or customer's code, a team's or CI's name, a person's username), in writes
and in filters; and every answer under /api/ is JSON, even for a URL no route knows."""

from __future__ import annotations

import pytest

from itsm.models import Ticket

from ..factories import ConfigurationItemFactory

pytestmark = pytest.mark.django_db
INCIDENTS = "/api/v1/incidents/"


def test_a_ticket_is_logged_with_codes_names_and_usernames(api_as, agent, requester, service,
                                                          team, customer):
    ci = ConfigurationItemFactory(name="mail-gw-01")
    response = api_as(agent).post(INCIDENTS, {
        "title": "Mail gateway drops mail", "service": "email", "customer": customer.code,
        "configuration_item": "mail-gw-01", "requester": "alice",
        "assignment_team": team.name, "assignee": "carol",
    }, format="json")
    assert response.status_code == 201, response.data
    ticket = Ticket.objects.get(number=response.data["number"])
    assert (ticket.service, ticket.customer, ticket.configuration_item) == (service, customer, ci)
    assert (ticket.requester, ticket.assignment_team, ticket.assignee) == (requester, team, agent)


def test_ids_still_work_and_a_patch_takes_keys_too(api_as, agent, incident, other_team):
    client = api_as(agent)
    response = client.patch(f"{INCIDENTS}{incident.number}/",
                            {"version": incident.version, "assignment_team": other_team.pk},
                            format="json")
    assert response.status_code == 200, response.data
    response = client.patch(f"{INCIDENTS}{incident.number}/",
                            {"version": response.data["version"], "service": "email"},
                            format="json")
    assert response.status_code == 200 and response.data["service"]["code"] == "email"


@pytest.mark.parametrize(("field", "value", "says"), [
    ("requester", "nobody", "No user “nobody”."),
    ("service", "no-such-code", "No service “no-such-code”."),
    ("assignment_team", "Nowhere", "No team “Nowhere”."),
    ("service", 99999, "No service “99999”."),
    ("service", True, "Give the service's id (a number) or its code (a string)."),
    ("service", 1.5, "Give the service's id (a number) or its code (a string)."),
])
def test_an_unknown_key_is_a_400_that_says_what_was_not_found(api_as, agent, service, field,
                                                              value, says):
    response = api_as(agent).post(INCIDENTS, {"title": "x", field: value}, format="json")
    assert response.status_code == 400
    assert response.data[field] == [says]
    assert "%(" not in str(response.data)


def test_filters_take_keys(api_as, agent, incident, service, team):
    client = api_as(agent)
    for params in ({"service": "email"}, {"service": service.pk}, {"team": team.name},
                   {"requester": "alice"}, {"customer": "retail"}):
        response = client.get(INCIDENTS, params)
        assert response.status_code == 200, (params, response.data)
        assert [row["number"] for row in response.data["results"]] == [incident.number]


@pytest.mark.parametrize("path", ["/api/v1/incidents/INC-42/", "/api/v1/nothing/",
                                  "/api/v1/tickets/%00/"])
def test_an_unknown_api_url_is_a_json_404(api_as, agent, path):
    response = api_as(agent).get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_the_readme_patch_example_sends_the_version():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    patches = [block for block in readme.split("```") if "PATCH" in block and "curl" in block]
    assert patches and all('"version"' in block for block in patches)
