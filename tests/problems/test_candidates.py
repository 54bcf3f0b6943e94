"""Problem candidates: repeated similar incidents per service, CI and category."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from problems import candidates, services
from tests.factories import ConfigurationItemFactory, ServiceFactory, make_incident


def test_titles_are_normalised_to_what_they_say():
    assert candidates.normalised("VPN is not working!") == candidates.normalised(
        "vpn not WORKING again")
    assert candidates.normalised("Printer 3rd floor jammed") == "floor jammed printer rd"
    assert candidates.normalised("the a of") == ""


@pytest.fixture
def window():
    now = timezone.now()
    return {"since": now - timedelta(days=30), "until": now + timedelta(minutes=1)}


def _log(agent, service, titles, **fields):
    return [make_incident(actor=agent, service=service, title=title, **fields)
            for title in titles]


def test_repeated_incidents_of_a_service_reach_the_threshold(agent, service, team, window):
    vpn = ServiceFactory(name="VPN", code="vpn", owner_team=team)
    mail = _log(agent, service, ["Mail is slow", "mail is slow!", "Mail is slow again"])
    _log(agent, service, ["Printer jammed"])
    _log(agent, vpn, ["Mail is slow", "VPN drops"])

    found = candidates.find(threshold=3, scopes=("service",), **window)
    assert [(c.scope, c.name, c.count) for c in found] == [("service", "Email", 3)]
    assert set(found[0].numbers) == {i.number for i in mail}
    assert found[0].title.lower().startswith("mail is slow")
    assert candidates.find(threshold=4, scopes=("service",), **window) == []


def test_cis_and_categories_are_scopes_too_and_one_group_shows_once(agent, service, window):
    relay = ConfigurationItemFactory(name="relay01")
    _log(agent, service, ["Relay timeout", "relay timeout", "Relay  timeout"],
         configuration_item=relay)
    scopes = {c.scope: c for c in candidates.find(threshold=3, **window)}
    assert set(scopes) == {"ci"}  # the service's group is the same incidents
    _log(agent, service, ["Relay timeout"])  # one more, on no CI
    scopes = {c.scope: c for c in candidates.find(threshold=3, **window)}
    assert (scopes["ci"].count, scopes["service"].count) == (3, 4)
    assert "category" not in scopes  # the test service has no category


def test_incidents_of_a_problem_and_older_ones_are_no_candidates(agent, service, window):
    grouped = _log(agent, service, ["Mail is slow"] * 3)
    services.create_problem(actor=agent, incidents=grouped[:1], title="Slow mail")
    assert candidates.find(threshold=3, **window) == []
    assert len(candidates.find(threshold=2, **window)[0].numbers) == 2
    later = {"since": window["until"], "until": window["until"] + timedelta(days=1)}
    assert candidates.find(threshold=2, **later) == []


@pytest.mark.services
def test_on_postgresql_similar_titles_group_by_trigrams(agent, service, window):
    assert connection.vendor == "postgresql"
    similar = _log(agent, service, ["Outlook cannot connect to Exchange",
                                    "Outlook can't connect to exchange server",
                                    "outlook cannot connect exchange"])
    _log(agent, service, ["Printer on floor 3 is jammed"])
    found = candidates.find(threshold=3, scopes=("service",), **window)
    assert len(found) == 1 and set(found[0].numbers) == {i.number for i in similar}
