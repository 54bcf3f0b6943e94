"""Fulfilment: the item's tasks open stage by stage for their teams, the request is
fulfilled when the last is done, and the workflow allows and refuses what DESIGN.md
§2 says."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalog.models import TaskTemplate
from itsm import services, workflow
from itsm.models import Notification, Task, TaskStatus
from service_requests import approvals, ordering
from service_requests.choices import RequestStatus as S
from service_requests.workflow import REQUEST_WORKFLOW

from .conftest import order_laptop

pytestmark = pytest.mark.django_db


def approved(item, requester, boss):
    order = order_laptop(item, requester)
    approvals.decide(order.approvals.get(), user=boss, approve=True)
    order.refresh_from_db()
    return order


def complete(task, agent):
    workflow.transition(task, TaskStatus.DONE, actor=agent)


def test_tasks_open_one_after_the_other_and_fulfil_the_request(item, requester, boss,
                                                                agent, team):
    order = approved(item, requester, boss)
    first = Task.objects.get(parent=order)
    assert (first.title, first.assignment_team) == ("Order the laptop", team)
    assert first.requester == requester
    complete(first, agent)
    second = Task.objects.get(parent=order, status=TaskStatus.OPEN)
    assert second.title == "Set it up"
    order.refresh_from_db()
    assert order.status == S.IN_PROGRESS
    complete(second, agent)
    order.refresh_from_db()
    assert order.status == S.FULFILLED and order.resolved_at is not None
    assert Notification.objects.filter(user=requester, kind=Notification.Kind.RESOLVED,
                                       subject__startswith="Fulfilled").exists()


def test_parallel_tasks_open_together_and_the_next_waits_for_both(item, requester, boss,
                                                                   agent, other_team):
    TaskTemplate.objects.filter(item=item, position=2).update(parallel=True, team=other_team)
    TaskTemplate.objects.create(item=item, position=3, title="Hand over")
    order = approved(item, requester, boss)
    opened = list(Task.objects.filter(parent=order).order_by("pk"))
    assert [t.title for t in opened] == ["Order the laptop", "Set it up"]
    assert opened[1].assignment_team == other_team
    complete(opened[0], agent)
    assert not Task.objects.filter(parent=order, title="Hand over").exists()
    complete(opened[1], agent)
    assert Task.objects.filter(parent=order, title="Hand over", status="open").exists()


def test_an_item_without_approval_starts_its_tasks_at_once(item, requester):
    item.approval_steps.all().delete()
    order = order_laptop(item, requester)
    assert order.status == S.IN_PROGRESS
    assert Task.objects.filter(parent=order).count() == 1


def test_an_agent_fulfils_an_item_without_tasks(plain_item, requester, agent):
    order = ordering.order(plain_item, actor=requester)
    workflow.transition(order, S.IN_PROGRESS, actor=agent)
    with pytest.raises(ValidationError) as caught:
        workflow.transition(order, S.FULFILLED, actor=agent)
    assert "fulfilment_notes" in caught.value.message_dict
    workflow.transition(order, S.FULFILLED, actor=agent, fulfilment_notes="Installed.")
    assert order.status == S.FULFILLED


def test_an_agent_cannot_fulfil_while_tasks_are_to_come(item, requester, boss, agent):
    order = approved(item, requester, boss)
    with pytest.raises(PermissionDenied):  # the first task is open, the next to come
        workflow.transition(order, S.FULFILLED, actor=agent, fulfilment_notes="Done")
    workflow.transition(Task.objects.get(parent=order), TaskStatus.CANCELLED, actor=agent,
                        note="Not needed")
    # The next task opened; fulfilling by hand waits for the plan.
    with pytest.raises(PermissionDenied):
        workflow.transition(order, S.FULFILLED, actor=agent, fulfilment_notes="Done")


def test_nobody_takes_the_approval_moves_by_hand(item, requester, boss, agent, admin):
    order = order_laptop(item, requester)
    for person in (agent, admin, requester, boss):
        with pytest.raises(PermissionDenied):
            workflow.transition(order, S.IN_PROGRESS, actor=person)
        with pytest.raises(PermissionDenied):
            workflow.transition(order, S.REJECTED, actor=person, note="No")


@pytest.mark.parametrize(("source", "target"), [
    (S.NEW, S.FULFILLED), (S.NEW, S.CLOSED), (S.AWAITING_APPROVAL, S.FULFILLED),
    (S.FULFILLED, S.IN_PROGRESS), (S.REJECTED, S.IN_PROGRESS), (S.CLOSED, S.CANCELLED),
    (S.CANCELLED, S.IN_PROGRESS), (S.ON_HOLD, S.CLOSED),
])
def test_the_workflow_refuses_what_design_does_not_allow(source, target):
    assert REQUEST_WORKFLOW.find(source, target) is None


@pytest.mark.parametrize(("source", "target"), [
    (S.NEW, S.AWAITING_APPROVAL), (S.NEW, S.IN_PROGRESS), (S.AWAITING_APPROVAL, S.IN_PROGRESS),
    (S.AWAITING_APPROVAL, S.REJECTED), (S.IN_PROGRESS, S.ON_HOLD), (S.ON_HOLD, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.FULFILLED), (S.ON_HOLD, S.FULFILLED), (S.FULFILLED, S.CLOSED),
    *((source, S.CANCELLED) for source in (S.NEW, S.AWAITING_APPROVAL, S.IN_PROGRESS,
                                           S.ON_HOLD)),
])
def test_the_workflow_allows_what_design_says(source, target):
    assert REQUEST_WORKFLOW.find(source, target) is not None


def test_hold_resume_and_the_requester_closes_or_cancels(plain_item, requester, agent):
    order = ordering.order(plain_item, actor=requester)
    workflow.transition(order, S.IN_PROGRESS, actor=agent)
    with pytest.raises(ValidationError):
        workflow.transition(order, S.ON_HOLD, actor=agent)  # needs a reason
    workflow.transition(order, S.ON_HOLD, actor=agent, on_hold_reason="awaiting_requester")
    services.add_comment(order, author=requester, body="Here is the licence key")
    order.refresh_from_db()
    assert order.status == S.IN_PROGRESS  # the requester's reply resumed it
    with pytest.raises(PermissionDenied):
        workflow.transition(order, S.FULFILLED, actor=requester, fulfilment_notes="x")
    workflow.transition(order, S.FULFILLED, actor=agent, fulfilment_notes="Installed")
    workflow.transition(order, S.CLOSED, actor=requester)
    assert order.closed_at is not None


def test_cancelling_cancels_the_open_tasks(item, requester, boss, agent):
    order = approved(item, requester, boss)
    workflow.transition(order, S.CANCELLED, actor=requester, note="Found a spare one")
    assert set(Task.objects.filter(parent=order).values_list("status", flat=True)) == {
        TaskStatus.CANCELLED}


def test_a_fulfilled_request_closes_itself_after_the_configured_days(plain_item, requester,
                                                                      agent):
    from datetime import timedelta

    order = ordering.order(plain_item, actor=requester)
    workflow.transition(order, S.IN_PROGRESS, actor=agent)
    workflow.transition(order, S.FULFILLED, actor=agent, fulfilment_notes="Done")
    assert services.auto_close_resolved(now=order.resolved_at + timedelta(days=4)) == 0
    assert services.auto_close_resolved(now=order.resolved_at + timedelta(days=6)) == 1
    order.refresh_from_db()
    assert order.status == S.CLOSED
