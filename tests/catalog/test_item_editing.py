"""Owners edit their service's request items on the dossier: settings, order form,
approval steps and fulfilment tasks, each save a revision; bad input comes back with
its errors and writes nothing."""

from __future__ import annotations

import json

import pytest

from catalog.models import ApprovalStep, RequestItem, TaskTemplate

pytestmark = pytest.mark.django_db
FORM = [{"name": "model", "label": "Model", "kind": "text", "required": True}]


def post_data(base_revision=0, **overrides):
    data = {"base_revision": str(base_revision),
        "name": "Laptop", "description": "A laptop", "fulfilment_days": "3",
        "order_form": json.dumps(FORM), "is_active": "on", "summary": "Laptops",
        "step-TOTAL_FORMS": "1", "step-INITIAL_FORMS": "0",
        "step-0-position": "1", "step-0-name": "Manager", "step-0-approvers": "manager",
        "step-0-rule": "any", "step-0-due_hours": "24",
        "task-TOTAL_FORMS": "2", "task-INITIAL_FORMS": "0",
        "task-0-position": "1", "task-0-title": "Order it",
        "task-1-position": "2", "task-1-title": "Set it up", "task-1-parallel": "on",
    }
    data.update(overrides)
    return data


def test_an_owner_adds_an_item_and_the_history_keeps_it(client, team_lead, service):
    client.force_login(team_lead)
    assert client.get(f"/catalog/services/{service.code}/items/new/").status_code == 200
    saved = client.post(f"/catalog/services/{service.code}/items/new/", post_data())
    assert saved.status_code == 302, saved.context and saved.context["form"].errors
    item = RequestItem.objects.get(service=service)
    assert item.order_form == FORM and item.fulfilment_days == 3
    assert list(item.approval_steps.values_list("name", flat=True)) == ["Manager"]
    assert list(item.task_templates.values_list("title", "parallel")) == [
        ("Order it", False), ("Set it up", True)]
    revision = service.revisions.order_by("-number").first()
    assert revision.author == team_lead and "request_items" in revision.changed
    assert "approval: Manager" in revision.content["request_items"][0]
    page = client.get(f"/catalog/services/{service.code}/").content.decode()
    assert f"/catalog/services/{service.code}/items/{item.pk}/edit/" in page


def test_an_edit_removes_a_step_and_is_a_new_revision(client, team_lead, service):
    client.force_login(team_lead)
    client.post(f"/catalog/services/{service.code}/items/new/", post_data())
    item = RequestItem.objects.get()
    step, tasks = item.approval_steps.get(), list(item.task_templates.order_by("position"))
    revisions = service.revisions.count()
    latest = service.revisions.order_by("-number").first().number
    edited = client.post(f"/catalog/services/{service.code}/items/{item.pk}/edit/", post_data(
        latest,
        **{"step-INITIAL_FORMS": "1", "step-0-id": str(step.pk), "step-0-item": str(item.pk),
           "step-0-DELETE": "on", "task-INITIAL_FORMS": "2",
           "task-0-id": str(tasks[0].pk), "task-1-id": str(tasks[1].pk),
           "task-0-item": str(item.pk), "task-1-item": str(item.pk)}))
    assert edited.status_code == 302
    assert not ApprovalStep.objects.exists() and TaskTemplate.objects.count() == 2
    assert service.revisions.count() == revisions + 1


@pytest.mark.parametrize(("overrides", "where"), [
    ({"order_form": json.dumps([{"name": "Bad Name", "label": "x", "kind": "text"}])},
     "order_form"),
    ({"order_form": "not json"}, "order_form"),
    ({"step-0-approvers": "team"}, "step"),  # a team step names its team
    ({"step-0-rule": "count"}, "step"),  # a number needs its number
    ({"task-1-position": "1"}, "task"),  # two tasks at one position
    ({"fulfilment_days": "0"}, "fulfilment_days"),
])
def test_bad_input_comes_back_with_its_error_and_writes_nothing(client, team_lead, service,
                                                                overrides, where):
    client.force_login(team_lead)
    page = client.post(f"/catalog/services/{service.code}/items/new/", post_data(**overrides))
    assert page.status_code == 400
    context = page.context
    if where in ("step", "task"):
        formset = context["formsets"][0 if where == "step" else 1][0]
        assert formset.errors != [{}] * len(formset.forms) or formset.non_form_errors()
    else:
        assert where in context["form"].errors
    assert not RequestItem.objects.exists()


def test_a_duplicate_name_is_refused_not_a_500(client, team_lead, service):
    RequestItem.objects.create(service=service, name="Laptop")
    client.force_login(team_lead)
    page = client.post(f"/catalog/services/{service.code}/items/new/", post_data())
    assert page.status_code == 400 and "name" in page.context["form"].errors


def test_only_owners_edit_items(client, other_team_agent, manager, requester, service):
    for person, status in ((other_team_agent, 403), (manager, 403), (requester, 404)):
        client.force_login(person)
        assert client.post(f"/catalog/services/{service.code}/items/new/",
                           post_data()).status_code == status
    assert not RequestItem.objects.exists()


def test_swapping_two_positions_saves(client, team_lead, service):
    client.force_login(team_lead)
    client.post(f"/catalog/services/{service.code}/items/new/", post_data())
    item = RequestItem.objects.get()
    first, second = item.task_templates.order_by("position")
    latest = service.revisions.order_by("-number").first().number
    step = item.approval_steps.get()
    swapped = client.post(f"/catalog/services/{service.code}/items/{item.pk}/edit/", post_data(
        latest, **{"step-INITIAL_FORMS": "1", "step-0-id": str(step.pk),
                   "task-INITIAL_FORMS": "2", "task-0-id": str(first.pk),
                   "task-1-id": str(second.pk), "task-0-position": "2",
                   "task-1-position": "1"}))
    assert swapped.status_code == 302
    assert list(item.task_templates.order_by("position").values_list("title", flat=True)) == [
        "Set it up", "Order it"]
    assert item.approval_steps.get().position == 1  # the row left alone kept its place


def test_an_edit_over_a_newer_save_is_refused(client, team_lead, service):
    client.force_login(team_lead)
    client.post(f"/catalog/services/{service.code}/items/new/", post_data())
    stale = client.post(f"/catalog/services/{service.code}/items/new/",
                        post_data(0, name="Second"))
    assert stale.status_code == 409 and b"while you were editing" in stale.content
    assert RequestItem.objects.count() == 1
