"""Authorisation of changes: the policy's steps per type and risk, who decides each,
the rules (any, all, a number, a share), refusals, rounds after a send-back, delegates
and the CAB's decisions in a meeting."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from changes import approvals, services
from changes.choices import ChangeApprovers
from changes.models import ApprovalPolicyStep, CabMeeting, Change, ChangeApproval
from itsm import workflow
from itsm.models import Notification, TicketEvent
from tests.changes.conftest import authorise
from tests.factories import TeamFactory, UserFactory


def submit(change, actor):
    for target in ("assessment", "authorization"):
        workflow.transition(Change.objects.get(pk=change.pk), target, actor=actor)
    return Change.objects.get(pk=change.pk)


def steps(change):
    return [(stage.name, stage.state) for stage in change.approval_stages.order_by("position")]


def pending(change):
    return ChangeApproval.objects.filter(change=change, decision="pending")


@pytest.fixture
def policy(db):
    ApprovalPolicyStep.objects.create(change_type="normal", position=1,
                                      name="Technical owner", approvers=ChangeApprovers.OWNER)
    ApprovalPolicyStep.objects.create(change_type="normal", risk="medium", position=2,
                                      name="Change manager")
    ApprovalPolicyStep.objects.create(change_type="normal", risk="high", position=2,
                                      name="CAB")


def test_with_no_policy_any_change_manager_authorises(normal, agent, change_manager):
    change = submit(normal, agent)
    assert steps(change) == [("Change manager", "pending")]
    assert list(pending(change).values_list("approver__username", flat=True)) == ["frank"]
    assert Notification.objects.filter(user=change_manager, kind="approval").count() == 1
    change = authorise(change, change_manager)
    assert change.status == "scheduled" and change.approved_at is not None
    event = TicketEvent.objects.filter(ticket=change, kind="approval").get()
    assert (event.actor, event.field, event.new_value) == (change_manager, "Change manager",
                                                           "approved")


def test_the_steps_follow_the_type_and_the_risk_in_order(policy, normal, agent, team_lead,
                                                         change_manager):
    change = submit(normal, agent)  # medium risk
    assert steps(change) == [("Technical owner", "pending"), ("Change manager", "waiting")]
    # The technical owner is the lead of the service's owner team.
    assert list(pending(change).values_list("approver", flat=True)) == [team_lead.pk]
    assert not approvals.waiting_for(change_manager).exists()  # not theirs yet
    change = authorise(change, team_lead)
    assert change.status == "authorization"
    assert steps(change) == [("Technical owner", "approved"), ("Change manager", "pending")]
    assert authorise(change, change_manager).status == "scheduled"


def test_a_low_risk_change_has_only_the_steps_for_every_risk(policy, agent, service, window,
                                                            team_lead):
    low = services.create_change(actor=agent, title="Tidy", service=service,
                                 risk_answers={"outage": False}, implementation_plan="Do.",
                                 backout_plan="Undo.", **window)
    change = submit(low, agent)
    assert steps(change) == [("Technical owner", "pending")]
    assert authorise(change, team_lead).status == "scheduled"


def test_whoever_raised_it_never_decides_and_change_managers_stand_in(
        policy, team_lead, service, window, change_manager):
    own = services.create_change(actor=team_lead, title="Mine", service=service,
                                 risk_answers={"outage": False}, implementation_plan="Do.",
                                 backout_plan="Undo.", **window)
    change = submit(own, team_lead)
    assert list(pending(change).values_list("approver", flat=True)) == [change_manager.pk]


@pytest.mark.parametrize(("rule", "needed", "approvals_to_schedule"), [
    ("all", None, 3), ("count", 2, 2), ("percent", 60, 2), ("any", None, 1)])
def test_the_rule_says_how_many_approvals_a_step_needs(rule, needed, approvals_to_schedule,
                                                       normal, agent):
    board = [UserFactory(username=f"cab{n}", roles=["agent"]) for n in range(3)]
    cab = TeamFactory(name="CAB", members=board)
    ApprovalPolicyStep.objects.create(change_type="normal", position=1, name="CAB",
                                      approvers=ChangeApprovers.TEAM, team=cab, rule=rule,
                                      needed=needed)
    change = submit(normal, agent)
    for number, member in enumerate(board, start=1):
        change = authorise(change, member)
        expected = "scheduled" if number >= approvals_to_schedule else "authorization"
        assert change.status == expected
        if expected == "scheduled":
            break
    assert not pending(change).exists()  # the others are not needed any more


def test_a_refusal_sends_a_normal_change_back_with_the_reason(normal, agent,
                                                             change_manager):
    change = submit(normal, agent)
    approval = pending(change).get()
    with pytest.raises(ValidationError) as refused:
        approvals.decide(approval, user=change_manager, approve=False)
    assert "comment" in refused.value.message_dict
    approvals.decide(approval, user=change_manager, approve=False, comment="No back-out test.")
    change = Change.objects.get(pk=change.pk)
    assert change.status == "assessment"
    assert Notification.objects.filter(user=agent, kind="rejected").exists()
    assert "No back-out test." in change.events.filter(kind="status").last().note
    with pytest.raises(ValidationError):
        approvals.decide(approval, user=change_manager, approve=True)  # decided already
    # Submitted again: a new round of steps, the first kept as it was decided.
    workflow.transition(change, "authorization", actor=agent)
    assert steps(change) == [("Change manager", "rejected"), ("Change manager", "pending")]


def test_an_emergency_change_refused_is_cancelled(agent, change_manager, service, window):
    change = services.create_change(actor=agent, title="Patch now", change_type="emergency",
                                    service=service, **window)
    workflow.transition(change, "authorization", actor=agent)
    approvals.decide(pending(change).get(), user=change_manager, approve=False,
                     comment="Wait for the vendor's fix.")
    assert Change.objects.get(pk=change.pk).status == "cancelled"


def test_a_send_back_or_a_cancel_ends_the_round(normal, agent, change_manager):
    change = submit(normal, agent)
    workflow.transition(change, "assessment", actor=change_manager, note="Add a test plan.")
    assert steps(Change.objects.get(pk=change.pk)) == [("Change manager", "cancelled")]
    assert pending(change).count() == 0
    assert approvals.waiting_for(change_manager).count() == 0


def test_only_the_approver_or_their_delegate_while_away_decides(normal, agent,
                                                               change_manager, team_lead):
    change = submit(normal, agent)
    approval = pending(change).get()
    with pytest.raises(PermissionDenied):
        approvals.decide(approval, user=team_lead, approve=True)
    change_manager.delegate = team_lead
    change_manager.away_until = date.today() + timedelta(days=3)
    change_manager.save()
    assert list(approvals.waiting_for(team_lead)) == [approval]
    approvals.decide(approval, user=team_lead, approve=True)
    assert Change.objects.get(pk=change.pk).status == "scheduled"
    assert f"for {change_manager}" in TicketEvent.objects.get(ticket=change, kind="approval").note


def test_a_cab_meeting_decides_for_its_attendees(normal, agent, change_manager, manager):
    board = [UserFactory(username=f"cab{n}", roles=["agent"]) for n in range(3)]
    cab = TeamFactory(name="CAB", members=board)
    ApprovalPolicyStep.objects.create(change_type="normal", position=1, name="CAB",
                                      approvers=ChangeApprovers.TEAM, team=cab, rule="count",
                                      needed=2)
    change = submit(normal, agent)
    meeting = CabMeeting.objects.create(title="Weekly CAB", starts_at=timezone.now(),
                                        chair=change_manager)
    meeting.attendees.set([board[2]])
    with pytest.raises(PermissionDenied):
        approvals.decide_in_meeting(change, meeting=meeting, actor=agent, approve=True)
    approvals.decide_in_meeting(change, meeting=meeting, actor=change_manager, approve=True,
                                comment="Go.")
    assert Change.objects.get(pk=change.pk).status == "authorization"  # one of two
    meeting.attendees.add(board[0])
    taken = approvals.decide_in_meeting(change, meeting=meeting, actor=change_manager,
                                        approve=True)
    assert [approval.approver for approval in taken] == [board[0]]
    assert Change.objects.get(pk=change.pk).status == "scheduled"
    assert meeting.decisions.count() == 2
    empty = CabMeeting.objects.create(title="Other", starts_at=timezone.now(),
                                      chair=manager)
    with pytest.raises(ValidationError):
        approvals.decide_in_meeting(change, meeting=empty, actor=change_manager, approve=True)


def test_change_managers_see_everything_awaiting_authorization_in_few_queries(
        normal, agent, change_manager, service, window, django_assert_max_num_queries):
    for n in range(4):
        submit(services.create_change(actor=agent, title=f"C{n}", service=service,
                                      risk_answers={"outage": False}, implementation_plan="Do.",
                                      backout_plan="Undo.", **window), agent)
    with django_assert_max_num_queries(4):
        waiting = list(approvals.awaiting_authorization())
        assert all(change.open_stages[0].approvals.all() for change in waiting)
    assert len(waiting) == 4


def test_the_approvals_page_shows_each_role_what_is_theirs(client, normal, agent, requester,
                                                           change_manager, manager):
    change = submit(normal, agent)
    client.force_login(requester)
    assert client.get("/changes/approvals/").status_code == 404
    client.force_login(agent)
    page = client.get("/changes/approvals/").content.decode()
    assert "Nothing waits for your decision" in page
    assert "Everything awaiting authorization" not in page
    client.force_login(change_manager)
    page = client.get("/changes/approvals/").content.decode()
    assert f'id="approval-{pending(change).get().pk}"' in page  # waiting for me
    assert "Everything awaiting authorization" in page
    detail = client.get(f"/changes/{change.number}/").content.decode()
    assert "Your decision at" in detail and "Authorization" in detail


def test_deciding_on_the_desk_refuses_without_a_reason_and_schedules_with_an_approval(
        client, normal, agent, change_manager):
    change = submit(normal, agent)
    approval = pending(change).get()
    client.force_login(agent)
    assert client.post(f"/changes/approvals/{approval.pk}/decide/",
                       {"decision": "approve"}).status_code == 404  # not theirs
    client.force_login(change_manager)
    response = client.post(f"/changes/approvals/{approval.pk}/decide/",
                           {"decision": "reject", "comment": ""}, follow=True)
    assert "Say why you refuse" in response.content.decode()
    assert Change.objects.get(pk=change.pk).status == "authorization"
    response = client.post(f"/changes/approvals/{approval.pk}/decide/",
                           {"decision": "approve", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == f"/changes/{change.number}/"
    assert Change.objects.get(pk=change.pk).status == "scheduled"


def test_a_change_manager_decides_from_the_calendar(client, normal, agent, change_manager):
    change = submit(normal, agent)
    day = change.planned_start.date().isoformat()
    client.force_login(agent)
    assert "Awaiting your decision" not in client.get(
        f"/changes/calendar/?date={day}").content.decode()
    client.force_login(change_manager)
    page = client.get(f"/changes/calendar/?date={day}").content.decode()
    assert "Awaiting your decision" in page and f'id="decide-{change.number}"' in page
    approval = pending(change).get()
    response = client.post(f"/changes/approvals/{approval.pk}/decide/", {
        "decision": "approve", "next": f"/changes/calendar/?date={day}"})
    assert response["Location"] == f"/changes/calendar/?date={day}"
    assert Change.objects.get(pk=change.pk).status == "scheduled"


def test_approvers_are_reminded_once_before_their_step_falls_due(settings, normal, agent,
                                                                change_manager):
    settings.APPROVAL_REMINDER_HOURS = 4
    change = submit(normal, agent)
    stage = change.approval_stages.get()
    assert approvals.remind_due() == 0  # due in 48 hours
    later = stage.due_at - timedelta(hours=3)
    assert approvals.remind_due(now=later) == 1
    assert approvals.remind_due(now=later) == 0  # once
    reminder = Notification.objects.get(user=change_manager, kind="approval_reminder")
    assert reminder.ticket_id == change.pk
