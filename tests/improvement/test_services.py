"""The register's first slice: a suggestion goes to its service's owner team unless
another is chosen, and starts new."""

from improvement.models import Suggestion
from improvement.services import open_suggestion


def test_a_suggestion_goes_to_its_services_owner_team(service, team, other_team, agent):
    found = open_suggestion(title="Document the backup restore", service=service,
                            source="ticket", actor=agent)
    assert (found.owner_team, found.status, found.source, found.created_by) == (
        team, "new", "ticket", agent)
    chosen = open_suggestion(title="Monitor the relay", service=service, owner_team=other_team)
    assert chosen.owner_team == other_team and chosen.source == "entered"


def test_the_register_is_the_desks(service, requester, manager):
    open_suggestion(title="Add a runbook", service=service)
    assert Suggestion.objects.visible_to(manager).count() == 1
    assert not Suggestion.objects.visible_to(requester).exists()
