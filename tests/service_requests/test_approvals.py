"""Approvals: the rules (any, all, a number, a share), steps in sequence, refusals,
delegates while away, reminders and the one-click signed link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from catalog.models import ApprovalRule, ApprovalStep, ApproverKind
from itsm.models import Notification, TicketEvent
from service_requests import approvals
from service_requests.choices import Decision, RequestStatus, StageState
from service_requests.models import Approval

from ..factories import UserFactory
from .conftest import order_laptop

pytestmark = pytest.mark.django_db


def decide(order, person, approve=True, comment=""):
    approval = order.approvals.get(approver=person)
    return approvals.decide(approval, user=person, approve=approve,
                            comment=comment or ("" if approve else "No budget"))


def test_the_managers_approval_sends_the_order_to_fulfilment(item, requester, boss):
    order = order_laptop(item, requester)
    assert Notification.objects.filter(user=boss, kind=Notification.Kind.APPROVAL).exists()
    decide(order, boss, comment="Go ahead")
    order.refresh_from_db()
    assert order.status == RequestStatus.IN_PROGRESS and order.approved_at is not None
    event = TicketEvent.objects.get(ticket=order, kind="approval")
    assert (event.actor, event.new_value, event.note) == (boss, "approved", "Go ahead")
    assert [t.title for t in order.tasks.all()] == ["Order the laptop"]


def test_a_refusal_rejects_the_order_and_tells_the_requester_why(item, requester, boss):
    order = order_laptop(item, requester)
    decide(order, boss, approve=False, comment="Not this year")
    order.refresh_from_db()
    assert order.status == RequestStatus.REJECTED and order.closed_at is not None
    told = Notification.objects.get(user=requester, kind=Notification.Kind.REJECTED)
    assert "Not this year" in told.body
    assert not order.tasks.exists()


def test_a_refusal_needs_a_reason(item, requester, boss):
    order = order_laptop(item, requester)
    with pytest.raises(ValidationError) as caught:
        approvals.decide(order.approvals.get(), user=boss, approve=False)
    assert "comment" in caught.value.message_dict


def test_nobody_else_decides_and_nobody_decides_twice(item, requester, boss, agent):
    order = order_laptop(item, requester)
    approval = order.approvals.get()
    with pytest.raises(PermissionDenied):
        approvals.decide(approval, user=agent, approve=True)
    with pytest.raises(PermissionDenied):
        approvals.decide(approval, user=requester, approve=True)  # not one's own
    approvals.decide(approval, user=boss, approve=True)
    with pytest.raises(ValidationError):
        approvals.decide(approval, user=boss, approve=False, comment="Changed my mind")


@pytest.mark.parametrize(("rule", "needed", "approving", "outcome"), [
    (ApprovalRule.ANY, None, 1, StageState.APPROVED),
    (ApprovalRule.ALL, None, 2, StageState.PENDING),
    (ApprovalRule.ALL, None, 3, StageState.APPROVED),
    (ApprovalRule.COUNT, 2, 1, StageState.PENDING),
    (ApprovalRule.COUNT, 2, 2, StageState.APPROVED),
    (ApprovalRule.PERCENT, 50, 1, StageState.PENDING),  # half of three is two
    (ApprovalRule.PERCENT, 50, 2, StageState.APPROVED),
])
def test_a_step_is_approved_by_what_its_rule_requires(item, requester, people_step,
                                                       rule, needed, approving, outcome):
    people = people_step(rule, needed)
    order = order_laptop(item, requester)
    for person in people[:approving]:
        decide(order, person)
    stage = order.approval_stages.get()
    assert stage.state == outcome
    if outcome == StageState.APPROVED:
        assert set(stage.approvals.values_list("decision", flat=True)) <= {
            Decision.APPROVED, Decision.NOT_NEEDED}


@pytest.mark.parametrize(("rule", "needed", "refusing", "outcome"), [
    (ApprovalRule.ANY, None, 1, RequestStatus.REJECTED),  # the first answer decides
    (ApprovalRule.ALL, None, 1, RequestStatus.REJECTED),
    (ApprovalRule.COUNT, 2, 1, RequestStatus.AWAITING_APPROVAL),  # two can still approve
    (ApprovalRule.COUNT, 2, 2, RequestStatus.REJECTED),
    (ApprovalRule.PERCENT, 100, 1, RequestStatus.REJECTED),
])
def test_a_step_is_rejected_once_its_approvals_cannot_be_reached(
        item, requester, people_step, rule, needed, refusing, outcome):
    people = people_step(rule, needed)
    order = order_laptop(item, requester)
    for person in people[:refusing]:
        decide(order, person, approve=False)
    order.refresh_from_db()
    assert order.status == outcome


def test_steps_run_in_sequence(item, requester, boss, team_lead):
    ApprovalStep.objects.create(item=item, position=2, name="Budget owner",
                                approvers=ApproverKind.PEOPLE).people.add(team_lead)
    order = order_laptop(item, requester)
    assert list(order.approval_stages.values_list("state", flat=True)) == [
        StageState.PENDING, StageState.WAITING]
    assert not Approval.objects.filter(approver=team_lead).exists()  # not asked yet
    decide(order, boss)
    order.refresh_from_db()
    assert order.status == RequestStatus.AWAITING_APPROVAL
    assert list(approvals.waiting_for(team_lead)) == [order.approvals.get(approver=team_lead)]
    decide(order, team_lead)
    order.refresh_from_db()
    assert order.status == RequestStatus.IN_PROGRESS


def test_a_team_step_asks_its_members_but_not_the_requester(item, requester, team, agent,
                                                            team_lead):
    team.members.add(requester)
    step = item.approval_steps.get()
    step.approvers, step.team = ApproverKind.TEAM, team
    step.save()
    order = order_laptop(item, requester)
    assert set(order.approvals.values_list("approver__username", flat=True)) == {
        agent.username, team_lead.username}


def test_without_a_manager_the_owner_teams_lead_decides(item, requester, team_lead):
    order = order_laptop(item, requester)
    assert order.approvals.get().approver == team_lead


def test_a_step_nobody_can_decide_refuses_the_order(item, requester, team):
    team.lead = None
    team.save()
    with pytest.raises(ValidationError):
        order_laptop(item, requester)


def test_a_delegate_decides_while_the_approver_is_away(item, requester, boss):
    deputy = UserFactory(username="dora", roles=["requester"])
    boss.delegate = deputy
    boss.save()
    order = order_laptop(item, requester)
    assert list(approvals.waiting_for(deputy)) == []  # the approver is not away
    boss.away_until = timezone.localdate() + timedelta(days=3)
    boss.save()
    approval = order.approvals.get()
    assert list(approvals.waiting_for(deputy)) == [approval]
    approvals.decide(approval, user=deputy, approve=True)
    approval.refresh_from_db()
    assert (approval.approver, approval.decided_by) == (boss, deputy)


def test_cancelling_an_order_withdraws_its_approvals(item, requester, boss):
    from itsm import workflow

    order = order_laptop(item, requester)
    workflow.transition(order, RequestStatus.CANCELLED, actor=requester, note="Not needed")
    assert list(approvals.waiting_for(boss)) == []
    assert order.approvals.get().decision == Decision.CANCELLED


def test_approvers_are_reminded_once_before_the_step_is_due(item, requester, boss):
    order = order_laptop(item, requester)
    stage = order.approval_stages.get()
    assert approvals.remind_due() == 0  # due in 24 hours
    later = stage.due_at - timedelta(hours=1)
    assert approvals.remind_due(now=later) == 1
    assert approvals.remind_due(now=later) == 0
    assert Notification.objects.filter(user=boss,
                                       kind=Notification.Kind.APPROVAL_REMINDER).count() == 1


# --- the one-click link -------------------------------------------------------------


def link_of(order):
    approval = order.approvals.get()
    return f"/portal/requests/approvals/link/{approvals.token_of(approval)}/"


def test_the_link_asks_to_confirm_then_works_once(client, item, requester, boss):
    order = order_laptop(item, requester)
    url = link_of(order)
    page = client.get(url)
    assert page.status_code == 200 and b"Please confirm" in page.content
    assert order.approvals.get().decision == Decision.PENDING  # a GET decides nothing
    assert client.post(url, {"decision": "approve"}).status_code == 200
    assert order.approvals.get().decided_by == boss
    again = client.post(url, {"decision": "reject", "comment": "Oops"})
    assert again.status_code == 400 and b"already decided" in again.content
    assert order.approvals.get().decision == Decision.APPROVED


def test_the_link_refuses_another_signed_in_user(client, item, requester, boss, agent):
    order = order_laptop(item, requester)
    client.force_login(agent)
    assert client.post(link_of(order), {"decision": "approve"}).status_code == 403
    assert order.approvals.get().decision == Decision.PENDING


def test_an_expired_or_forged_link_is_refused(client, settings, item, requester, boss):
    order = order_laptop(item, requester)
    url = link_of(order)
    forged = url.replace("/link/", "/link/x")
    assert client.get(forged).status_code == 400
    settings.APPROVAL_LINK_MAX_AGE_DAYS = -1  # every link is older than that
    assert client.post(url, {"decision": "approve"}).status_code == 400
    assert order.approvals.get().decision == Decision.PENDING


def test_a_link_for_another_approver_is_refused(client, item, requester, boss):
    order = order_laptop(item, requester)
    approval = order.approvals.get()
    token = signing.TimestampSigner(salt=approvals.SALT).sign(f"{approval.pk}.{requester.pk}")
    assert client.get(f"/portal/requests/approvals/link/{token}/").status_code == 400


def test_a_requester_never_decides_their_own_order_as_a_delegate(item, requester, boss):
    boss.delegate, boss.away_until = requester, timezone.localdate() + timedelta(days=3)
    boss.save()
    order = order_laptop(item, requester)
    approval = order.approvals.get()
    assert list(approvals.waiting_for(requester)) == []
    with pytest.raises(PermissionDenied):
        approvals.decide(approval, user=requester, approve=True)


def test_a_delegate_who_is_also_an_approver_counts_once(item, requester, people_step):
    first, second, third = people_step(ApprovalRule.ALL)
    first.delegate, first.away_until = second, timezone.localdate() + timedelta(days=3)
    first.save()
    order = order_laptop(item, requester)
    approvals.decide(order.approvals.get(approver=second), user=second, approve=True)
    with pytest.raises(ValidationError):
        approvals.decide(order.approvals.get(approver=first), user=second, approve=True)


def test_the_delegate_gets_a_link_of_their_own(client, item, requester, boss):
    deputy = UserFactory(username="dora", roles=["requester"])
    boss.delegate, boss.away_until = deputy, timezone.localdate() + timedelta(days=3)
    boss.save()
    order = order_laptop(item, requester)
    approval = order.approvals.get()
    told = Notification.objects.get(user=deputy, kind=Notification.Kind.APPROVAL)
    token = approvals.token_of(approval, deputy)
    assert token in told.body and approvals.token_of(approval) not in told.body
    client.post(f"/portal/requests/approvals/link/{token}/", {"decision": "approve"})
    approval.refresh_from_db()
    assert (approval.approver, approval.decided_by) == (boss, deputy)
