"""The incident workflow: every allowed transition works, every other one is refused."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from incidents.choices import IncidentStatus as S
from incidents.models import Incident
from incidents.workflow import INCIDENT_WORKFLOW
from itsm import workflow
from itsm.choices import EventKind
from itsm.models import TicketEvent

pytestmark = pytest.mark.django_db

# (source, target) -> the fields that transition needs.
ALLOWED = {
    (S.NEW, S.IN_PROGRESS): {},
    (S.NEW, S.CANCELLED): {"note": "Logged twice"},
    (S.IN_PROGRESS, S.ON_HOLD): {"on_hold_reason": "awaiting_caller"},
    (S.IN_PROGRESS, S.RESOLVED): {"resolution_code": "solved_permanently",
                                  "resolution_notes": "Restarted the service"},
    (S.IN_PROGRESS, S.CANCELLED): {"note": "Not an incident"},
    (S.ON_HOLD, S.IN_PROGRESS): {},
    (S.ON_HOLD, S.RESOLVED): {"resolution_code": "solved_workaround",
                              "resolution_notes": "Workaround given"},
    (S.ON_HOLD, S.CANCELLED): {"note": "Caller withdrew"},
    (S.RESOLVED, S.CLOSED): {},
    (S.RESOLVED, S.IN_PROGRESS): {"note": "Still broken"},
}

# How to bring a fresh incident into each status.
PATH_TO = {
    S.NEW: [],
    S.IN_PROGRESS: [S.IN_PROGRESS],
    S.ON_HOLD: [S.IN_PROGRESS, S.ON_HOLD],
    S.RESOLVED: [S.IN_PROGRESS, S.RESOLVED],
    S.CLOSED: [S.IN_PROGRESS, S.RESOLVED, S.CLOSED],
    S.CANCELLED: [S.CANCELLED],
}


def bring_to(incident: Incident, status: str, actor) -> Incident:
    source = incident.status
    for target in PATH_TO[status]:
        workflow.transition(incident, target, actor=actor, **ALLOWED[(source, target)])
        source = target
    return incident


def test_declared_transitions_are_exactly_the_allowed_table():
    declared = {(src, t.target) for t in INCIDENT_WORKFLOW.transitions for src in t.sources}
    assert declared == set(ALLOWED)


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_allowed_transition_moves_status_and_writes_an_event(source, target, incident, agent):
    bring_to(incident, source, agent)
    before = incident.events.count()
    version = incident.version

    workflow.transition(incident, target, actor=agent, **ALLOWED[(source, target)])

    incident.refresh_from_db()
    assert incident.status == target
    assert incident.version == version + 1
    status_event = incident.events.filter(kind=EventKind.STATUS).last()
    assert (status_event.old_value, status_event.new_value) == (source, target)
    assert status_event.actor == agent
    assert incident.events.count() > before


REFUSED = sorted(
    (src, dst) for src, dst in itertools.product(S.values, S.values)
    if (src, dst) not in ALLOWED and src != dst
)


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_refused_transition_is_a_validation_error_and_changes_nothing(
    source, target, incident, agent
):
    bring_to(incident, source, agent)
    incident.refresh_from_db()
    version, events = incident.version, incident.events.count()

    with pytest.raises(ValidationError) as excinfo:
        workflow.transition(incident, target, actor=agent)

    assert "status" in excinfo.value.message_dict
    incident.refresh_from_db()
    assert (incident.status, incident.version, incident.events.count()) == (
        source, version, events)


@pytest.mark.parametrize(("source", "target", "missing"), [
    (S.IN_PROGRESS, S.RESOLVED, "resolution_code"),
    (S.IN_PROGRESS, S.RESOLVED, "resolution_notes"),
    (S.IN_PROGRESS, S.ON_HOLD, "on_hold_reason"),
    (S.NEW, S.CANCELLED, "note"),
    (S.RESOLVED, S.IN_PROGRESS, "note"),
])
def test_transition_names_the_missing_field(source, target, missing, incident, agent):
    bring_to(incident, source, agent)
    values = {k: v for k, v in ALLOWED[(source, target)].items() if k != missing}
    with pytest.raises(ValidationError) as excinfo:
        workflow.transition(incident, target, actor=agent, **values)
    assert missing in excinfo.value.message_dict
    incident.refresh_from_db()
    assert incident.status == source


def test_invalid_choice_is_refused_with_the_field_name(incident, agent):
    bring_to(incident, S.IN_PROGRESS, agent)
    with pytest.raises(ValidationError) as excinfo:
        workflow.transition(incident, S.RESOLVED, actor=agent, resolution_code="magic",
                            resolution_notes="x")
    assert "resolution_code" in excinfo.value.message_dict
    incident.refresh_from_db()
    assert incident.status == S.IN_PROGRESS


def test_leaving_new_stamps_responded_at_once(incident, agent):
    assert incident.responded_at is None
    workflow.transition(incident, S.IN_PROGRESS, actor=agent)
    first = incident.responded_at
    assert first is not None
    workflow.transition(incident, S.ON_HOLD, actor=agent, on_hold_reason="awaiting_caller")
    workflow.transition(incident, S.IN_PROGRESS, actor=agent)
    assert incident.responded_at == first


def test_resolve_and_close_stamp_their_times(incident, agent):
    bring_to(incident, S.RESOLVED, agent)
    assert incident.resolved_at is not None and incident.closed_at is None
    workflow.transition(incident, S.CLOSED, actor=agent)
    assert incident.closed_at is not None


def test_confirming_a_resolution_closes_without_a_reopen(incident, agent, requester):
    bring_to(incident, S.RESOLVED, agent)
    resolved_at = incident.resolved_at
    workflow.transition(incident, S.CLOSED, actor=requester)
    incident.refresh_from_db()
    assert incident.status == S.CLOSED and incident.reopen_count == 0
    assert incident.resolved_at == resolved_at and incident.closed_at >= resolved_at


def test_on_hold_time_is_accumulated(incident, agent):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        bring_to(incident, S.IN_PROGRESS, agent)
        workflow.transition(incident, S.ON_HOLD, actor=agent, on_hold_reason="awaiting_caller")
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        workflow.transition(incident, S.IN_PROGRESS, actor=agent)
    with time_machine.travel(start + timedelta(minutes=40), tick=False):
        workflow.transition(incident, S.ON_HOLD, actor=agent, on_hold_reason="awaiting_supplier")
    with time_machine.travel(start + timedelta(minutes=55), tick=False):
        workflow.transition(incident, S.RESOLVED, actor=agent, resolution_code="solved_permanently",
                            resolution_notes="Supplier fixed it")
    incident.refresh_from_db()
    assert incident.on_hold_seconds == 45 * 60
    assert incident.on_hold_since is None
    assert incident.on_hold_reason == ""


def test_reopen_counts_and_clears_the_resolution(incident, agent):
    bring_to(incident, S.RESOLVED, agent)
    workflow.transition(incident, S.IN_PROGRESS, actor=agent, note="Came back")
    incident.refresh_from_db()
    assert incident.reopen_count == 1
    assert incident.resolved_at is None
    assert incident.resolution_code == "" and incident.resolution_notes == ""
    assert incident.events.filter(kind=EventKind.STATUS).last().note == "Came back"


def test_cancel_closes_without_resolving(incident, agent):
    workflow.transition(incident, S.CANCELLED, actor=agent, note="Duplicate call")
    assert incident.closed_at is not None and incident.resolved_at is None


# --- who may do what -----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["requester", "other_requester", "manager"], indirect=True)
def test_non_workers_cannot_start_work(persona, incident):
    with pytest.raises(PermissionDenied):
        workflow.transition(incident, S.IN_PROGRESS, actor=persona)
    incident.refresh_from_db()
    assert incident.status == S.NEW
    assert not incident.events.filter(kind=EventKind.STATUS).exists()


@pytest.mark.parametrize("persona", ["agent", "team_lead", "change_manager", "admin"],
                         indirect=True)
def test_every_worker_role_can_work_incidents(persona, incident):
    workflow.transition(incident, S.IN_PROGRESS, actor=persona)
    assert incident.status == S.IN_PROGRESS


def test_requester_may_reopen_within_the_window(incident, agent, requester, settings):
    settings.WORKFLOWS = {"incident": {"reopen_window_days": 3}}
    bring_to(incident, S.RESOLVED, agent)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        workflow.transition(incident, S.IN_PROGRESS, actor=requester, note="Broken again")
    assert incident.status == S.IN_PROGRESS and incident.reopen_count == 1


def test_requester_may_not_reopen_after_the_window(incident, agent, requester, settings):
    settings.WORKFLOWS = {"incident": {"reopen_window_days": 3}}
    bring_to(incident, S.RESOLVED, agent)
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        with pytest.raises(PermissionDenied, match="reopen window"):
            workflow.transition(incident, S.IN_PROGRESS, actor=requester, note="Broken again")
        assert S.IN_PROGRESS not in [t.target for t in
                                     workflow.allowed_transitions(incident, requester)]
        # Agents are not bound by the window.
        workflow.transition(incident, S.IN_PROGRESS, actor=agent, note="Found more")
    assert incident.reopen_count == 1


def test_other_requester_cannot_reopen_or_close(incident, agent, other_requester):
    bring_to(incident, S.RESOLVED, agent)
    for target, values in ((S.IN_PROGRESS, {"note": "x"}), (S.CLOSED, {})):
        with pytest.raises(PermissionDenied):
            workflow.transition(incident, target, actor=other_requester, **values)
    incident.refresh_from_db()
    assert incident.status == S.RESOLVED


def test_requester_may_confirm_the_resolution(incident, agent, requester):
    bring_to(incident, S.RESOLVED, agent)
    workflow.transition(incident, S.CLOSED, actor=requester)
    assert incident.status == S.CLOSED


def test_allowed_transitions_depend_on_role(incident, agent, requester, manager):
    assert {t.target for t in workflow.allowed_transitions(incident, agent)} == {
        S.IN_PROGRESS, S.CANCELLED}
    assert workflow.allowed_transitions(incident, requester) == []
    assert workflow.allowed_transitions(incident, manager) == []


# --- optimistic concurrency ------------------------------------------------------------


def test_a_stale_writer_is_refused_and_loses_nothing(incident, agent, team_lead):
    mine = Incident.objects.get(pk=incident.pk)
    theirs = Incident.objects.get(pk=incident.pk)
    workflow.transition(mine, S.IN_PROGRESS, actor=agent)

    with pytest.raises(workflow.StaleVersion) as excinfo:
        workflow.update(theirs, actor=team_lead, editable=["title"], title="Overwritten")
    assert excinfo.value.current_version == mine.version

    incident.refresh_from_db()
    assert incident.title == "Outlook cannot connect"
    assert incident.status == S.IN_PROGRESS
    assert not TicketEvent.objects.filter(ticket=incident, field="title").exists()


def test_an_explicit_expected_version_must_match(incident, agent):
    with pytest.raises(workflow.StaleVersion):
        workflow.transition(incident, S.IN_PROGRESS, actor=agent,
                            expected_version=incident.version - 1)
    incident.refresh_from_db()
    assert incident.status == S.NEW


def test_a_named_transition_is_not_taken_by_another_with_the_same_target(incident, agent):
    bring_to(incident, S.ON_HOLD, agent)
    with pytest.raises(ValidationError) as excinfo:
        workflow.transition(incident, S.IN_PROGRESS, actor=agent, via="reopen", note="x")
    assert "status" in excinfo.value.message_dict
    incident.refresh_from_db()
    assert incident.status == S.ON_HOLD and incident.reopen_count == 0
    workflow.transition(incident, S.IN_PROGRESS, actor=agent, via="resume")
    assert incident.status == S.IN_PROGRESS
