"""The changes of the demo: months of standard, normal and emergency changes across
the services, lived through the real services (`changes.services`, the workflow), cut
off at `now` — mostly successful, some with issues, now and then one backed out or
unsuccessful (and reviewed), a few that caused an incident of their service.

`Process.demo` of changes: it runs after the incidents', so a change can be recorded
as the cause of an incident the history already holds. Same seed, same history.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from catalog.models import StandardChange
from incidents.models import Incident
from itsm import demo, workflow
from itsm.demo import Desk
from itsm.services import update_ticket

from . import cab, demo_board, risk, services
from .choices import ChangeApprovers, ChangeStatus, ChangeType, CloseCode
from .models import ApprovalPolicyStep, Change, ChangeCause

TYPES = {ChangeType.STANDARD: 50, ChangeType.NORMAL: 38, ChangeType.EMERGENCY: 12}
OUTCOMES = {CloseCode.SUCCESSFUL: 80, CloseCode.SUCCESSFUL_WITH_ISSUES: 10,
            CloseCode.UNSUCCESSFUL: 4, CloseCode.BACKED_OUT: 6}
NORMAL_TITLES = ("Upgrade %(service)s to the new release", "Patch the servers of %(service)s",
                 "Move %(service)s to the new storage", "Renew the certificates of %(service)s",
                 "Tune the database of %(service)s")
EMERGENCY_TITLES = ("Emergency patch for a vulnerability in %(service)s",
                    "Restart %(service)s with the fixed configuration")
NOTES = {CloseCode.SUCCESSFUL: "Done as planned; checks passed.",
         CloseCode.SUCCESSFUL_WITH_ISSUES: "Done; a step took longer than planned.",
         CloseCode.UNSUCCESSFUL: "The new version failed its checks; left as it was.",
         CloseCode.BACKED_OUT: "Errors after the switch; rolled back within the window."}
# Normal changes logged this recently mostly still await their authorisation.
AWAITING = timedelta(days=7)
CAUSES_INCIDENT = 0.08  # of completed changes: one of the next day's incidents is theirs


def write_history(desk: Desk, rng: random.Random, now: datetime, *, days: int,
                  per_day: float, progress: Callable[[str, int, int], None]) -> int:
    """About one change per working day for every fifteen incidents a day."""
    services_ = [service for _spec, service, _cis in desk.services]
    templates = list(StandardChange.objects.filter(service__in=services_, is_active=True)
                     .select_related("service"))
    boss = desk.logins["change_manager"]
    _policy()
    demo_board.windows(desk, now, days=days)
    demo_board.board(desk, now, days=days)
    arrivals = [moment for moment in demo.arrivals(rng, now, days, per_day / 15)
                if moment.weekday() < 5]
    written = 0
    for done, logged in enumerate(arrivals, start=1):
        change_type = demo.weighted(rng, TYPES if templates else {
            ChangeType.NORMAL: 80, ChangeType.EMERGENCY: 20})
        written += _live(desk, rng, now, boss, demo.office_time(logged, rng), change_type,
                         rng.choice(templates) if templates else None, services_)
        if done % 25 == 0 or done == len(arrivals):
            progress(str(_("Changes")), done, len(arrivals))
    demo_board.hold_past(desk, now)
    demo_board.release_plan(desk, rng, now)
    written += demo_board.booked_over(desk, rng, now)
    cab.build_upcoming(now)
    return written


def _live(desk, rng, now, boss, logged, change_type, template, services_) -> int:
    service = template.service if change_type == ChangeType.STANDARD else rng.choice(services_)
    team = service.owner_team
    agent = desk.agent(rng, team)
    lead = timedelta(hours=rng.uniform(2, 8)) if change_type == ChangeType.EMERGENCY else \
        timedelta(days=rng.uniform(2, 10))
    start = (logged + lead).replace(minute=0, second=0, microsecond=0)
    length = timedelta(hours=rng.choice((1, 2, 2, 4)))
    fields = {"planned_start": start, "planned_end": start + length}
    if (freeze := demo_board.in_freeze(start, start + length)) is not None:
        if change_type == ChangeType.EMERGENCY:  # it cannot wait for the books
            fields["freeze_override"] = _("A security fix that cannot wait for the close.")
        else:  # planned after the close instead
            fields = {"planned_start": freeze.ends_at + timedelta(hours=2),
                      "planned_end": freeze.ends_at + timedelta(hours=2) + length}
            start = fields["planned_start"]
    if change_type == ChangeType.STANDARD:
        fields["standard_change"] = template
    else:
        titles = EMERGENCY_TITLES if change_type == ChangeType.EMERGENCY else NORMAL_TITLES
        fields.update(
            title=rng.choice(titles) % {"service": service.name},
            implementation_plan=_("Follow the runbook of the service."),
            backout_plan=_("Restore the snapshot taken before the change."),
            risk_answers={question.name: rng.random() < 0.3 for question in risk.QUESTIONS})
    change = services.create_change(actor=agent, change_type=change_type, service=service,
                                    team=team, assignee=agent, when=logged, **fields)

    def move(target: str, actor, when: datetime, **values) -> bool:
        if when > now:
            return False
        workflow.transition(Change.objects.get(pk=change.pk), target, actor=actor, when=when,
                            **values)
        return True

    if change_type == ChangeType.NORMAL:
        if not move(ChangeStatus.ASSESSMENT, agent, logged + timedelta(hours=1)):
            return 1
        if not move(ChangeStatus.AUTHORIZATION, agent, logged + timedelta(hours=20)):
            return 1
        if logged > now - AWAITING and rng.random() < 0.6:
            return 1  # the change manager has yet to decide
        authorised = demo.office_time(logged + timedelta(days=1, hours=rng.uniform(1, 20)), rng)
        if not demo_board.authorise(change, boss, min(authorised, start - timedelta(hours=1)),
                                    now):
            return 1
    elif change_type == ChangeType.EMERGENCY:
        if not move(ChangeStatus.AUTHORIZATION, agent, logged + timedelta(minutes=10)):
            return 1
        if not demo_board.authorise(change, boss, logged + timedelta(minutes=40), now):
            return 1
    elif not move(ChangeStatus.SCHEDULED, agent, logged + timedelta(minutes=30)):
        return 1
    if not move(ChangeStatus.IMPLEMENTING, agent, start):
        return 1
    code = demo.weighted(rng, OUTCOMES)
    if not move(ChangeStatus.REVIEW, agent, fields["planned_end"], close_code=code,
                close_notes=NOTES[code]):
        return 1
    ended = fields["planned_end"]
    if rng.random() < CAUSES_INCIDENT:
        _caused(change, agent, ended, now)
    change = Change.objects.get(pk=change.pk)
    reviewed = demo.office_time(ended + timedelta(days=rng.uniform(1, 3)), rng)
    if change.needs_review:
        if reviewed > now:
            return 1
        update_ticket(change, actor=agent, when=reviewed,
                      review_findings=_("%(notes)s The cause was found in the review.")
                      % {"notes": change.close_notes},
                      review_lessons=_("Test the step on the staging system first."),
                      review_actions=_("Add the check to the runbook."))
    move(ChangeStatus.CLOSED, agent, reviewed + timedelta(hours=1))
    return 1


def _policy() -> None:
    """Normal changes pass their technical owner, then (at medium and high risk) the
    CAB; an emergency one any change manager, fast."""
    if ApprovalPolicyStep.objects.exists():
        return
    ApprovalPolicyStep.objects.bulk_create([
        ApprovalPolicyStep(change_type=ChangeType.NORMAL, position=1,
                           name=_("Technical owner"), approvers=ChangeApprovers.OWNER),
        ApprovalPolicyStep(change_type=ChangeType.NORMAL, risk="medium", position=2,
                           name=demo_board.cab_step()),
        ApprovalPolicyStep(change_type=ChangeType.NORMAL, risk="high", position=2,
                           name=demo_board.cab_step()),
        ApprovalPolicyStep(change_type=ChangeType.EMERGENCY, position=1,
                           name=_("Emergency authorization"), due_hours=4),
    ])


def _caused(change: Change, agent, ended: datetime, now: datetime) -> None:
    """One of the incidents of its service in the day after it is the change's doing."""
    found = (Incident.objects.filter(service=change.service, created_at__gte=ended,
                                     created_at__lt=ended + timedelta(days=1))
             .exclude(pk__in=ChangeCause.objects.values("incident_id")).order_by("created_at")
             .first())
    if found is not None and found.created_at + timedelta(hours=2) <= now:
        services.record_cause(change, found, actor=agent,
                              when=found.created_at + timedelta(hours=2))
