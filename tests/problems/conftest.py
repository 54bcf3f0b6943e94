import pytest

from problems import services
from tests.factories import make_incident


@pytest.fixture
def incidents(agent, requester, service):
    """Three incidents of the Email service that look alike."""
    return [make_incident(actor=agent, requester=requester, service=service,
                          title=f"Outlook cannot connect to the server {n}") for n in range(3)]


@pytest.fixture
def problem(agent, incidents):
    """A problem behind the three incidents, being investigated by the agent."""
    return services.create_problem(actor=agent, incidents=incidents,
                                   title="Mail relay drops connections", assignee=agent)


def known_error(problem, actor):
    """Move a problem under investigation to known error."""
    from itsm import workflow

    return workflow.transition(problem, "known_error", actor=actor,
                               cause_category="configuration",
                               root_cause="The relay's connection limit is 50.",
                               workaround="Restart the Outlook profile; it reconnects.")
