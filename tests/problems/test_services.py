"""Problems: their workflow, their incidents, known errors and what follows."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from incidents.choices import ResolutionCode
from incidents.models import Incident
from itsm import workflow
from itsm.choices import EventKind
from itsm.models import Notification
from knowledge.choices import ArticleState, ArticleType
from problems import services
from problems.models import Problem, ProblemLink
from tests.factories import make_incident

from .conftest import known_error


def test_a_problem_from_incidents_links_each_and_takes_their_service(problem, incidents,
                                                                      service):
    assert problem.number.startswith("PRB")
    assert problem.service == service
    assert problem.status == "investigating"  # assigned: investigation started
    assert set(Incident.objects.filter(problem_link__problem=problem)) == set(incidents)
    for incident in incidents:
        event = incident.events.get(kind=EventKind.LINK)
        assert (event.field, event.new_value) == ("problem", problem.number)
    assert problem.events.filter(kind=EventKind.LINK, field="incident").count() == 3


def test_a_problem_has_no_sla_clock(problem):
    assert problem.sla_id is None and problem.resolution_due is None


def test_an_incident_belongs_to_one_problem_at_most(problem, incidents, agent):
    other = services.create_problem(actor=agent, title="Another")
    with pytest.raises(ValidationError) as refused:
        services.link(other, incidents[0], actor=agent)
    assert problem.number in refused.value.message_dict["incident"][0]
    assert ProblemLink.objects.get(incident=incidents[0]).problem == problem
    assert services.link(problem, incidents[0], actor=agent).problem == problem  # no-op


def test_unlinking_is_an_event_on_both(problem, incidents, agent):
    services.unlink(problem, incidents[0], actor=agent)
    assert not ProblemLink.objects.filter(incident=incidents[0]).exists()
    assert incidents[0].events.filter(kind=EventKind.LINK, old_value=problem.number).exists()
    assert problem.events.filter(kind=EventKind.LINK, old_value=incidents[0].number).exists()
    with pytest.raises(ValidationError):
        services.unlink(problem, incidents[0], actor=agent)


def test_only_incidents_link_and_closed_problems_take_none(problem, agent, incidents):
    with pytest.raises(ValidationError):
        services.link(problem, problem, actor=agent)
    workflow.transition(problem, "cancelled", actor=agent, note="Duplicate")
    fresh = make_incident(actor=agent, title="Another one")
    with pytest.raises(ValidationError):
        services.link(problem, fresh, actor=agent)


def test_managers_and_requesters_do_not_work_problems(problem, incidents, manager, requester):
    for person in (manager, requester):
        with pytest.raises(PermissionDenied):
            services.unlink(problem, incidents[0], actor=person)
        with pytest.raises(PermissionDenied):
            services.create_problem(actor=person, title="x")
        with pytest.raises(PermissionDenied):
            workflow.transition(problem, "cancelled", actor=person, note="no")
    assert Problem.objects.get(pk=problem.pk).status == "investigating"


@pytest.mark.parametrize("missing", ["cause_category", "root_cause", "workaround"])
def test_a_known_error_needs_a_root_cause_and_a_workaround(problem, agent, missing):
    given = {"cause_category": "software", "root_cause": "Bug", "workaround": "Restart"}
    given.pop(missing)
    with pytest.raises(ValidationError) as refused:
        workflow.transition(problem, "known_error", actor=agent, **given)
    assert missing in refused.value.message_dict
    assert Problem.objects.get(pk=problem.pk).status == "investigating"


def test_the_workflow_refuses_moves_it_does_not_have(problem, agent):
    with pytest.raises(ValidationError):
        workflow.transition(problem, "closed", actor=agent)
    with pytest.raises(ValidationError):
        workflow.transition(problem, "new", actor=agent)


def test_a_known_error_publishes_its_article(problem, agent, team):
    known_error(problem, agent)
    problem = Problem.objects.get(pk=problem.pk)
    article = problem.known_error_article
    assert (article.article_type, article.state) == (ArticleType.KNOWN_ERROR,
                                                     ArticleState.PUBLISHED)
    assert "Restart the Outlook profile" in article.body
    assert "connection limit is 50" in article.body
    assert article.service_id == problem.service_id and article.owner_team == team
    assert problem.known_error_at is not None
    # Editing the workaround brings the article up to date.
    from itsm.services import update_ticket

    update_ticket(problem, actor=agent, workaround="Use webmail meanwhile.")
    article.refresh_from_db()
    assert "Use webmail meanwhile." in article.body and article.revision == 2


def test_apply_workaround_links_and_resolves_in_one_action(problem, agent, requester,
                                                           service):
    known_error(problem, agent)
    problem = Problem.objects.get(pk=problem.pk)
    later = make_incident(actor=agent, requester=requester, service=service,
                          title="Outlook keeps disconnecting")
    assert list(services.known_errors_for(later)) == [problem]
    services.apply_workaround(later, problem, actor=agent)
    later = Incident.objects.get(pk=later.pk)
    assert later.status == "resolved"
    assert later.resolution_code == ResolutionCode.WORKAROUND_APPLIED
    assert "Restart the Outlook profile" in later.resolution_notes
    assert ProblemLink.objects.get(incident=later).problem == problem
    assert Notification.objects.filter(user=requester, ticket=later,
                                       kind=Notification.Kind.RESOLVED).exists()


def test_no_workaround_is_applied_before_a_known_error(problem, agent, incidents):
    with pytest.raises(ValidationError):
        services.apply_workaround(incidents[0], problem, actor=agent)
    assert Incident.objects.get(pk=incidents[0].pk).status == "new"


def test_resolving_offers_to_resolve_the_open_incidents_with_a_note(problem, agent,
                                                                    incidents, requester):
    with pytest.raises(ValidationError):
        services.resolve_incidents(problem, actor=agent, note="Fixed")
    workflow.transition(incidents[2], "in_progress", actor=agent)
    workflow.transition(incidents[2], "resolved", actor=agent,
                        resolution_code="solved_remotely", resolution_notes="Done")
    workflow.transition(problem, "resolved", actor=agent, resolution_code="fixed",
                        resolution_notes="Raised the relay's connection limit.")
    done, refused = services.resolve_incidents(
        Problem.objects.get(pk=problem.pk), actor=agent,
        note="We raised the mail relay's limit; it is fixed.")
    assert done == [incidents[0].number, incidents[1].number] and refused == {}
    for incident in Incident.objects.filter(pk__in=[i.pk for i in incidents[:2]]):
        assert incident.status == "resolved"
        assert incident.resolution_code == ResolutionCode.RESOLVED_BY_PROBLEM
        assert incident.resolution_notes == "We raised the mail relay's limit; it is fixed."
    assert Notification.objects.filter(user=requester, kind=Notification.Kind.RESOLVED,
                                       body__contains="raised the mail relay").count() == 2


def test_a_problem_whose_incident_reopens_after_resolution_is_flagged(problem, agent,
                                                                       incidents):
    workflow.transition(problem, "resolved", actor=agent, resolution_code="fixed",
                        resolution_notes="Fixed")
    services.resolve_incidents(Problem.objects.get(pk=problem.pk), actor=agent, note="Fixed")
    incident = Incident.objects.get(pk=incidents[0].pk)
    workflow.transition(incident, "in_progress", actor=agent, note="Back again")
    problem = Problem.objects.get(pk=problem.pk)
    assert problem.recurred_at is not None and problem.recurrence_count == 1
    assert problem.events.filter(kind=EventKind.LINK, field="recurrence",
                                 new_value=incident.number).exists()
    assert Notification.objects.filter(user=agent, ticket=problem,
                                       kind=Notification.Kind.PROBLEM_RECURRED).exists()


def test_an_incident_reopening_while_the_problem_is_open_is_no_recurrence(problem, agent,
                                                                          incidents):
    incident = incidents[0]
    workflow.transition(incident, "in_progress", actor=agent)
    workflow.transition(incident, "resolved", actor=agent, resolution_code="solved_remotely",
                        resolution_notes="x")
    workflow.transition(incident, "in_progress", actor=agent, note="again")
    assert Problem.objects.get(pk=problem.pk).recurred_at is None


def test_a_new_incident_linked_to_a_resolved_problem_is_a_recurrence(problem, agent):
    workflow.transition(problem, "resolved", actor=agent, resolution_code="fixed",
                        resolution_notes="Fixed")
    services.link(Problem.objects.get(pk=problem.pk), make_incident(actor=agent), actor=agent)
    assert Problem.objects.get(pk=problem.pk).recurrence_count == 1


def test_an_incident_with_open_tasks_is_left_open_with_the_reason(problem, agent, incidents,
                                                                  team):
    from itsm.task_kind import add_task

    add_task(incidents[0], actor=agent, title="Call the supplier", team=team)
    workflow.transition(problem, "resolved", actor=agent, resolution_code="fixed",
                        resolution_notes="Fixed")
    done, refused = services.resolve_incidents(Problem.objects.get(pk=problem.pk),
                                               actor=agent, note="Fixed for good.")
    assert done == [incidents[1].number, incidents[2].number]
    assert list(refused) == [incidents[0].number] and "TSK" in refused[incidents[0].number]
    assert Incident.objects.get(pk=incidents[0].pk).status == "new"


def test_the_weekly_count_shows_weeks_without_incidents_as_none(agent, service):
    from datetime import UTC, datetime

    weeks = [datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 3, 9, tzinfo=UTC),
             datetime(2026, 3, 23, 9, tzinfo=UTC)]
    behind = [make_incident(actor=agent, service=service, when=when) for when in weeks]
    problem = services.create_problem(actor=agent, incidents=behind, title="Relay")
    counts = [count for _week, count in services.weekly_counts(problem)]
    assert counts == [2, 0, 0, 1]
