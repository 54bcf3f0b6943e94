"""`/api/v1/requests/` and `/api/v1/requests/approvals/`: an integration reads an item's
form, orders with answers checked as the portal checks them, follows the approvals and
works the request through the workflow."""

from __future__ import annotations

import pytest

from itsm.models import Task
from service_requests.models import ServiceRequest

from .conftest import order_laptop

pytestmark = pytest.mark.django_db


def test_an_integration_renders_the_form_from_the_item_and_orders(api_as, requester, boss,
                                                                   item):
    client = api_as(requester)
    described = client.get(f"/api/v1/catalog/items/{item.pk}/").json()
    assert [field["name"] for field in described["order_form"]] == ["model", "reason",
                                                                     "monitor"]
    assert described["approval_steps"][0]["approvers"] == "manager"
    assert [task["title"] for task in described["task_templates"]] == ["Order the laptop",
                                                                       "Set it up"]
    answered = client.post("/api/v1/requests/", {
        "item": item.pk, "answers": {"model": "dev", "reason": "Builds", "monitor": True}},
        format="json")
    assert answered.status_code == 201, answered.json()
    body = answered.json()
    assert body["number"].startswith("REQ") and body["status"] == "awaiting_approval"
    assert answered["Location"] == f"/api/v1/requests/{body['number']}/"
    assert {a["name"]: a["value"] for a in body["answers"]} == {
        "model": "dev", "reason": "Builds", "monitor": True}
    assert body["approval_steps"][0]["approvals"][0]["approver"]["username"] == "mona"


def test_bad_answers_are_a_400_naming_each_field(api_as, requester, boss, item):
    response = api_as(requester).post("/api/v1/requests/", {
        "item": item.pk, "answers": {"model": "gold", "monitor": "perhaps"}}, format="json")
    assert response.status_code == 400
    assert set(response.json()["answers"]) == {"model", "monitor"}
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize("body", [
    {"item": 999999}, {"item": "laptop"}, {"answers": {}}, {"item": 1, "answers": []},
    {"item": 1, "priority": 1},
])
def test_malformed_orders_are_a_400(api_as, requester, item, body):
    assert api_as(requester).post("/api/v1/requests/", body, format="json").status_code == 400


def test_a_requester_orders_only_for_themself_unless_the_item_allows(api_as, requester,
                                                                     other_requester, item):
    response = api_as(requester).post("/api/v1/requests/", {
        "item": item.pk, "answers": {"model": "std"},
        "requester": other_requester.username}, format="json")
    assert response.status_code == 400 and "requester" in response.json()


def test_the_approver_decides_through_the_api(api_as, requester, boss, item):
    order = order_laptop(item, requester)
    client = api_as(boss)
    waiting = client.get("/api/v1/requests/approvals/").json()["results"]
    assert [(a["request"], a["step"], a["open"]) for a in waiting] == [
        (order.number, "Manager", True)]
    refused = client.post(f"/api/v1/requests/approvals/{waiting[0]['id']}/reject/", {},
                          format="json")
    assert refused.status_code == 400 and "comment" in refused.json()
    approved = client.post(f"/api/v1/requests/approvals/{waiting[0]['id']}/approve/",
                           {"comment": "ok"}, format="json")
    assert approved.status_code == 200 and approved.json()["decision"] == "approved"
    again = client.post(f"/api/v1/requests/approvals/{waiting[0]['id']}/approve/", {},
                        format="json")
    assert again.status_code == 400
    assert client.get("/api/v1/requests/approvals/").json()["results"] == []
    decided = client.get("/api/v1/requests/approvals/?state=decided").json()["results"]
    assert [a["decision"] for a in decided] == ["approved"]


def test_agents_work_a_request_through_the_workflow_with_its_version(api_as, agent,
                                                                      requester, plain_item):
    from service_requests import ordering

    order = ordering.order(plain_item, actor=requester)
    client = api_as(agent)
    url = f"/api/v1/requests/{order.number}/"
    started = client.patch(url, {"version": order.version, "status": "in_progress"},
                           format="json")
    assert started.status_code == 200
    version = started.json()["version"]
    missing = client.patch(url, {"version": version, "status": "fulfilled"}, format="json")
    assert missing.status_code == 400 and "fulfilment_notes" in missing.json()
    stale = client.patch(url, {"version": version - 1, "status": "fulfilled",
                               "fulfilment_notes": "Done"}, format="json")
    assert stale.status_code == 409
    done = client.patch(url, {"version": version, "status": "fulfilled",
                              "fulfilment_notes": "Installed"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "fulfilled"


def test_the_system_moves_are_refused_to_clients(api_as, agent, requester, boss, item):
    order = order_laptop(item, requester)
    response = api_as(agent).patch(f"/api/v1/requests/{order.number}/", {
        "version": order.version, "status": "in_progress"}, format="json")
    assert response.status_code == 403


def test_tasks_of_a_request_are_in_the_tasks_api(api_as, agent, requester, boss, item):
    from service_requests import approvals

    order = order_laptop(item, requester)
    approvals.decide(order.approvals.get(), user=boss, approve=True)
    task = Task.objects.get(parent=order)
    listed = api_as(agent).get(f"/api/v1/tasks/{task.number}/").json()
    assert listed["parent"] == order.number


@pytest.mark.parametrize("answer", [5, ["x"], {"a": 1}, True])
def test_an_answer_of_the_wrong_shape_is_a_400_naming_it(api_as, requester, boss, item,
                                                         answer):
    item.order_form = [*item.order_form, {"name": "when", "label": "When", "kind": "date"}]
    item.save()
    response = api_as(requester).post("/api/v1/requests/", {
        "item": item.pk, "answers": {"model": "std", "when": answer}}, format="json")
    assert response.status_code == 400 and "when" in response.json()["answers"]


def test_the_request_list_reads_the_same_queries_however_many_orders(
        api_as, count_queries, requester, boss, item, agent):
    client = api_as(agent)
    order_laptop(item, requester)
    client.get("/api/v1/requests/")  # the token's first use is stamped once
    few = count_queries(client, "/api/v1/requests/")
    for _n in range(4):
        order_laptop(item, requester)
    assert count_queries(client, "/api/v1/requests/") == few
