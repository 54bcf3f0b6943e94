import pytest

from knowledge import services
from knowledge.choices import Audience


@pytest.fixture
def article(agent, team, service):
    """A published how-to of the Email service for requesters, owned by the desk."""
    return services.create_article(
        actor=agent, title="Connect Outlook to the mail server", owner_team=team,
        service=service, audience=Audience.REQUESTERS, publish_now=True,
        summary="Settings for Outlook when it cannot connect.",
        body="# Outlook cannot connect\n\n1. Open **File** › Account settings.\n"
             "2. Choose *Repair*.\n")


@pytest.fixture
def agents_article(agent, team, service):
    """A published article for agents only."""
    return services.create_article(
        actor=agent, title="Reset the mail relay queue", owner_team=team, service=service,
        audience=Audience.AGENTS, publish_now=True, body="Run `postsuper -r ALL` on relay01.")
