"""Problem pages: opening one from ticked incidents, its panel, the incident's part,
the candidates page."""

from django.urls import reverse

from incidents.models import Incident
from problems.models import Problem, ProblemLink
from tests.factories import make_incident

from .conftest import known_error


def test_the_incident_queue_offers_to_open_a_problem_from_ticked_incidents(client, agent,
                                                                           incidents):
    client.force_login(agent)
    queue = client.get(reverse("incidents:list"))
    assert reverse("problems:from-incidents") in queue.text
    form = client.post(reverse("problems:from-incidents"),
                       {"ticket": [i.number for i in incidents]})
    assert form.status_code == 200
    for incident in incidents:
        assert incident.number in form.text
    response = client.post(reverse("problems:create"), {
        "title": "Outlook cannot connect", "description": "", "symptoms": "",
        "impact": 2, "urgency": 2, "service": "", "configuration_item": "",
        "assignment_team": "", "assignee": "",
        "incidents": ",".join(i.number for i in incidents)})
    assert response.status_code == 302
    problem = Problem.objects.get(title="Outlook cannot connect")
    assert ProblemLink.objects.filter(problem=problem).count() == 3


def test_the_problem_page_lists_its_incidents_and_their_weekly_count(client, agent, problem,
                                                                      incidents):
    client.force_login(agent)
    page = client.get(reverse("problems:detail", args=[problem.number]))
    assert page.status_code == 200
    for incident in incidents:
        assert incident.number in page.text
    assert "weekly-bars" in page.text and "3 incidents" in page.text


def test_linking_and_unlinking_from_the_problem_page(client, agent, problem, service):
    client.force_login(agent)
    other = make_incident(actor=agent, service=service, title="Another")
    client.post(reverse("problems:link", args=[problem.number]), {"number": other.number})
    assert ProblemLink.objects.get(incident=other).problem == problem
    client.post(reverse("problems:unlink", args=[problem.number, other.number]))
    assert not ProblemLink.objects.filter(incident=other).exists()


def test_a_new_incident_shows_the_known_error_and_applies_its_workaround(client, agent,
                                                                         problem, service):
    known_error(problem, agent)
    later = make_incident(actor=agent, service=service, title="Outlook disconnects")
    client.force_login(agent)
    page = client.get(reverse("incidents:detail", args=[later.number]))
    assert problem.number in page.text and "Link and apply workaround" in page.text
    client.post(reverse("problems:apply-workaround", args=[later.number, problem.number]))
    later = Incident.objects.get(pk=later.pk)
    assert later.status == "resolved" and later.resolution_code == "workaround_applied"


def test_the_known_error_transition_offers_what_was_recorded(client, agent, problem):
    from itsm.services import update_ticket

    update_ticket(problem, actor=agent, root_cause="Relay limit")
    client.force_login(agent)
    page = client.get(reverse("problems:detail", args=[Problem.objects.get(pk=problem.pk)
                                                        .number]))
    assert "Relay limit</textarea>" in page.text


def test_resolving_offers_the_open_incidents(client, agent, problem, incidents):
    from itsm import workflow

    workflow.transition(problem, "resolved", actor=agent, resolution_code="fixed",
                        resolution_notes="Raised the relay limit.")
    client.force_login(agent)
    page = client.get(reverse("problems:detail", args=[problem.number]))
    assert "3 linked incidents are still open." in page.text
    client.post(reverse("problems:resolve-incidents", args=[problem.number]),
                {"note": "Fixed for good."})
    assert not Incident.objects.filter(problem_link__problem=problem,
                                       status__in=["new", "in_progress"]).exists()


def test_managers_read_problems_and_requesters_never_see_them(client, manager, requester,
                                                              problem):
    client.force_login(manager)
    page = client.get(reverse("problems:detail", args=[problem.number]))
    assert page.status_code == 200 and "Unlink" not in page.text
    assert client.post(reverse("problems:link", args=[problem.number]),
                       {"number": "INC1"}).status_code == 403
    client.force_login(requester)
    # A desk link sends a requester to the portal's page, which knows no such ticket.
    assert client.get(reverse("problems:detail", args=[problem.number]),
                      follow=True).status_code == 404
    assert client.get(reverse("problems:candidates")).status_code == 404


def test_the_candidates_page_opens_a_problem_from_a_group(client, agent, service):
    for _n in range(3):
        make_incident(actor=agent, service=service, title="Mail is slow")
    client.force_login(agent)
    page = client.get(reverse("problems:candidates"), {"days": 7, "threshold": 3})
    assert "Mail is slow" in page.text and reverse("problems:from-incidents") in page.text
    assert client.get(reverse("problems:candidates"), {"days": "x"}).status_code == 200


def test_the_problem_list_query_count_does_not_grow(client, agent, count_queries):
    from problems import services

    client.force_login(agent)
    services.create_problem(actor=agent, title="One")
    few = count_queries(client, reverse("problems:list"))
    for n in range(5):
        services.create_problem(actor=agent, title=f"More {n}")
    assert count_queries(client, reverse("problems:list")) == few


def test_an_incidents_page_opens_a_problem_from_it(client, agent, incidents):
    client.force_login(agent)
    page = client.get(reverse("incidents:detail", args=[incidents[0].number]))
    assert "Open a problem from this incident" in page.text
    form = client.post(reverse("problems:from-incidents"), {"ticket": incidents[0].number})
    assert form.status_code == 200 and incidents[0].title in form.text
