"""Operational acceptance: every gap of a service named, going live refused while gaps
remain, and a change manager's override recorded on the service and opening one
improvement suggestion; an agent may not override."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalog import acceptance
from catalog.models import Lifecycle, Service, ServiceLevelAgreement, SupportLevel
from improvement.models import Suggestion
from tests.factories import ServiceFactory, make_office


@pytest.fixture
def bare(db):
    """A planned service with nothing of what operations needs."""
    return ServiceFactory(name="Payroll", code="payroll", owner_team=None,
                          lifecycle=Lifecycle.PLANNED)


def complete(service, team):
    service.owner_team = team
    service.description = "Pays people."
    service.operations_notes = "Nightly batch at 02:00."
    service.support_notes = "Escalate to payroll ops."
    service.save()
    ServiceLevelAgreement.objects.create(name="Payroll SLA", service=service,
                                         calendar=make_office())
    SupportLevel.objects.create(service=service, position=1, team=team)
    return service


def test_a_bare_service_lacks_everything(bare):
    assert acceptance.gaps(bare) == ["an owner team", "an active SLA", "a support path",
                                     "a description", "operational notes", "support notes"]


@pytest.mark.parametrize("point", ["owner_team", "sla", "support_path", "description",
                                   "operations_notes", "support_notes"])
def test_each_point_is_a_gap_on_its_own(bare, team, point):
    service = complete(bare, team)
    if point == "owner_team":
        Service.objects.filter(pk=service.pk).update(owner_team=None)
    elif point == "sla":
        ServiceLevelAgreement.objects.filter(service=service).update(is_active=False)
    elif point == "support_path":
        SupportLevel.objects.filter(service=service).delete()
    else:
        Service.objects.filter(pk=service.pk).update(**{point: "  "})
    checks = {check.key: check.ok for check in acceptance.checklist(service)}
    assert [key for key, ok in checks.items() if not ok] == [point]


def test_a_service_that_takes_orders_goes_live_with_its_request_items(bare, team):
    from catalog.models import RequestItem

    service = complete(bare, team)
    assert "request_items" not in {check.key for check in acceptance.checklist(service)}
    Service.objects.filter(pk=service.pk).update(takes_orders=True)
    assert acceptance.gaps(service) == ["request items to order"]
    item = RequestItem.objects.create(service=service, name="Payslip copy", is_active=False)
    assert acceptance.gaps(service) == ["request items to order"]  # none offered
    RequestItem.objects.filter(pk=item.pk).update(is_active=True)
    assert acceptance.gaps(service) == []


def test_an_inactive_owner_team_is_no_owner(bare, team):
    service = complete(bare, team)
    team.is_active = False
    team.save()
    assert acceptance.gaps(service) == ["an owner team"]


def test_going_live_is_refused_while_gaps_remain(bare, agent, change_manager):
    with pytest.raises(ValidationError) as refused:
        acceptance.go_live(bare, actor=change_manager)
    assert "lifecycle" in refused.value.message_dict
    assert "an owner team" in refused.value.message_dict["lifecycle"][0]
    assert Service.objects.get(pk=bare.pk).lifecycle == Lifecycle.PLANNED
    assert not bare.revisions.exists() and not Suggestion.objects.exists()


def test_a_complete_service_goes_live_as_a_revision(bare, team, agent):
    service = complete(bare, team)
    revision = acceptance.go_live(service, actor=agent)
    assert Service.objects.get(pk=service.pk).lifecycle == Lifecycle.LIVE
    assert revision.author == agent and revision.changed == ["lifecycle"]
    assert revision.summary == "Went live"
    assert not Suggestion.objects.exists()
    with pytest.raises(ValidationError):
        acceptance.go_live(service, actor=agent)


def test_a_change_manager_overrides_and_one_suggestion_opens(bare, change_manager, team):
    bare.owner_team = team
    bare.save()
    acceptance.go_live(bare, actor=change_manager, override_reason="Payday is Friday.")
    service = Service.objects.get(pk=bare.pk)
    assert service.lifecycle == Lifecycle.LIVE
    revision = service.revisions.order_by("-number").first()
    assert revision.author == change_manager and "Payday is Friday." in revision.summary
    assert "an active SLA" in revision.summary
    suggestion = Suggestion.objects.get()
    assert (suggestion.source, suggestion.service, suggestion.owner_team, suggestion.status,
            suggestion.created_by) == ("acceptance", service, team, "new", change_manager)
    assert "a support path" in suggestion.description
    assert "Payday is Friday." in suggestion.description


def test_an_agent_may_not_override_and_nothing_changes(bare, agent, manager):
    with pytest.raises(PermissionDenied):
        acceptance.go_live(bare, actor=agent, override_reason="Trust me.")
    with pytest.raises(PermissionDenied):
        acceptance.go_live(bare, actor=manager, override_reason="Trust me.")
    assert Service.objects.get(pk=bare.pk).lifecycle == Lifecycle.PLANNED
    assert not Suggestion.objects.exists() and not bare.revisions.exists()


def test_the_checklists_of_many_services_take_one_query(django_assert_num_queries, team):
    services = [ServiceFactory(owner_team=team) for _ in range(5)]
    with django_assert_num_queries(1):
        found = acceptance.checklists(services)
    assert len(found) == 5


def test_the_api_takes_a_service_live(api_as, agent, change_manager, bare):
    url = f"/api/v1/catalog/services/{bare.pk}/go-live/"
    refused = api_as(change_manager).post(url, {}, format="json")
    assert refused.status_code == 400 and "lifecycle" in refused.data
    assert api_as(agent).post(url, {"override_reason": "Now"}, format="json"
                              ).status_code == 403
    done = api_as(change_manager).post(url, {"override_reason": "Now"}, format="json")
    assert done.status_code == 200 and done.data["lifecycle"] == "live"
    assert Suggestion.objects.count() == 1


def test_the_service_page_shows_the_checklist_and_takes_it_live(client, change_manager, bare,
                                                                manager):
    client.force_login(manager)
    page = client.get(f"/catalog/services/{bare.code}/")
    assert "Operational acceptance" in page.text and "Take live" not in page.text
    client.force_login(change_manager)
    page = client.get(f"/catalog/services/{bare.code}/")
    assert "Take live" in page.text and "Go live with gaps, because" in page.text
    refused = client.post(f"/catalog/services/{bare.code}/go-live/", follow=True)
    assert "may not go live yet" in refused.text
    client.post(f"/catalog/services/{bare.code}/go-live/", {"override_reason": "Now"})
    assert Service.objects.get(pk=bare.pk).lifecycle == Lifecycle.LIVE
    client.force_login(manager)
    assert client.post(f"/catalog/services/{bare.code}/go-live/").status_code == 403


def test_the_admin_keeps_a_service_with_gaps_planned(client, admin, bare, team):
    client.force_login(admin)
    data = {"name": bare.name, "code": bare.code, "description": "", "operations_notes": "",
            "support_notes": "", "category": "", "owner_team": team.pk,
            "service_type": "business", "criticality": "medium", "lifecycle": "live",
            "is_active": "on", "asks_satisfaction": "on", "acceptance_override": "",
            "support_levels-TOTAL_FORMS": "0", "support_levels-INITIAL_FORMS": "0",
            "support_levels-MIN_NUM_FORMS": "0", "support_levels-MAX_NUM_FORMS": "1000"}
    response = client.post(f"/admin/catalog/service/{bare.pk}/change/", data, follow=True)
    assert response.status_code == 200
    assert "may not go live yet" in response.text
    service = Service.objects.get(pk=bare.pk)
    assert service.lifecycle == Lifecycle.PLANNED and service.owner_team == team
    client.post(f"/admin/catalog/service/{bare.pk}/change/",
                {**data, "acceptance_override": "Board decision."})
    assert Service.objects.get(pk=bare.pk).lifecycle == Lifecycle.LIVE
    assert Suggestion.objects.count() == 1


def test_new_services_in_the_admin_start_planned(client, admin):
    client.force_login(admin)
    page = client.get("/admin/catalog/service/add/")
    assert 'value="planned" selected' in page.text

