"""Changes: the types and their paths through the workflow, the risk questionnaire,
reviews, and the incidents a change caused."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from changes import risk, services
from changes.models import Change
from itsm import workflow
from tests.changes.conftest import authorise
from tests.factories import make_incident


def move(change, target, actor, **values):
    return workflow.transition(Change.objects.get(pk=change.pk), target, actor=actor, **values)


def test_the_risk_follows_the_answers():
    assert risk.level({}) == "low"
    assert risk.level({"customer_facing": True}) == "medium"
    assert risk.level({"customer_facing": True, "no_backout": True}) == "high"
    assert risk.level({"nonsense": True}) == "low"


def test_a_normal_change_is_assessed_authorised_by_a_change_manager_and_reviewed(
        normal, agent, change_manager):
    assert (normal.number[:3], normal.status, normal.risk) == ("CHG", "new", "medium")
    move(normal, "assessment", agent)
    move(normal, "authorization", agent)
    for anyone in (agent, change_manager):
        with pytest.raises(PermissionDenied):
            move(normal, "scheduled", anyone)  # only the approval steps authorise
    authorise(normal, change_manager)
    assert Change.objects.get(pk=normal.pk).approved_at is not None
    move(normal, "implementing", agent)
    move(normal, "review", agent, close_code="successful", close_notes="Done.")
    done = Change.objects.get(pk=normal.pk)
    assert done.actual_start and done.actual_end and not done.needs_review
    move(done, "closed", agent)
    assert Change.objects.get(pk=normal.pk).status == "closed"


def test_a_normal_change_goes_to_authorization_only_assessed_and_planned(agent, service):
    bare = services.create_change(actor=agent, title="Tweak", service=service)
    move(bare, "assessment", agent)
    with pytest.raises(PermissionDenied) as refused:
        move(bare, "authorization", agent)
    assert "risk" in str(refused.value) and "back-out plan" in str(refused.value)


def test_a_standard_change_takes_its_template_and_is_scheduled_at_once(agent, template,
                                                                      window):
    change = services.create_change(actor=agent, change_type="standard",
                                    standard_change=template, **window)
    assert (change.title, change.implementation_plan, change.risk) == (
        "Raise a mailbox quota", "Set the quota.", "low")
    with pytest.raises(PermissionDenied):
        move(change, "assessment", agent)
    move(change, "scheduled", agent)
    assert Change.objects.get(pk=change.pk).status == "scheduled"


def test_a_standard_change_needs_its_template_and_only_it_has_one(agent, template, service):
    with pytest.raises(ValidationError) as refused:
        services.create_change(actor=agent, change_type="standard", title="x")
    assert "standard_change" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.create_change(actor=agent, title="x", standard_change=template)


def test_an_emergency_change_skips_assessment_and_is_reviewed_before_it_closes(
        agent, change_manager, service, window):
    change = services.create_change(actor=agent, title="Patch the firewall now",
                                    change_type="emergency", service=service, **window)
    with pytest.raises(PermissionDenied):
        move(change, "assessment", agent)
    move(change, "authorization", agent)
    authorise(change, change_manager)
    move(change, "implementing", agent)
    move(change, "review", agent, close_code="successful", close_notes="Patched.")
    with pytest.raises(PermissionDenied) as refused:
        move(change, "closed", agent)
    assert "reviewed" in str(refused.value)
    from itsm.services import update_ticket

    update_ticket(Change.objects.get(pk=change.pk), actor=agent,
                  review_findings="Patched in 20 minutes.", review_lessons="Keep the runbook.")
    move(change, "closed", agent)


def test_a_backed_out_change_is_reviewed_too(normal, agent, change_manager):
    for target in ("assessment", "authorization"):
        move(normal, target, agent)
    authorise(normal, change_manager)
    move(normal, "implementing", agent)
    move(normal, "review", agent, close_code="backed_out", close_notes="Rolled back.")
    assert Change.objects.get(pk=normal.pk).needs_review


def test_the_window_ends_after_it_starts(agent, window):
    with pytest.raises(ValidationError) as refused:
        services.create_change(actor=agent, title="x", planned_start=window["planned_end"],
                               planned_end=window["planned_start"])
    assert "planned_end" in refused.value.message_dict


def test_requesters_and_managers_log_no_changes(requester, manager):
    for person in (requester, manager):
        with pytest.raises(PermissionDenied):
            services.create_change(actor=person, title="x")


def test_an_incident_caused_by_a_change_is_linked_once(normal, agent, service):
    incident = make_incident(actor=agent, service=service, title="Mail down after upgrade")
    services.record_cause(normal, incident, actor=agent)
    assert incident.caused_by_change.change == normal
    other = services.create_change(actor=agent, title="Other")
    with pytest.raises(ValidationError):
        services.record_cause(other, incident, actor=agent)


def test_a_problem_raises_a_change_linked_both_ways(agent, service):
    from problems import services as problems

    problem = problems.create_problem(actor=agent, title="Relay limit", service=service)
    change = services.raise_from_problem(problem, actor=agent)
    assert change.raised_from == problem and change.service == service
    assert list(problem.changes.all()) == [change]
    assert problem.events.filter(kind="link", field="change", new_value=change.number).exists()


def test_a_change_names_what_it_affects_and_shows_the_services_hit_through_its_cis(
        normal, agent, service, team):
    from catalog.models import CIRelation
    from tests.factories import ConfigurationItemFactory, ServiceFactory

    crm = ServiceFactory(name="CRM", code="crm", owner_team=team)
    db, app = ConfigurationItemFactory(name="db-01"), ConfigurationItemFactory(name="crm-app")
    app.services.add(crm)
    CIRelation.objects.create(source=app, target=db, kind="depends_on")
    services.set_scope(normal, actor=agent, cis=[db])
    assert [s.code for s in services.impacted(normal)] == ["crm"]
    services.set_scope(normal, actor=agent, services=[crm])
    assert services.impacted(normal) == []
    assert normal.events.filter(field="affected_cis", new_value="db-01").exists()
