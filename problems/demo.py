"""The problems of the demo: clusters of its incidents traced to their causes, lived
through the real services (`problems.services`, the workflow), cut off at `now`.

Five problems, each behind one repeated incident of the history: a known error whose
workaround the desk applies to the incidents that keep coming, one resolved with its
open incidents resolved by it, one resolved that came back, one still under
investigation, and one closed long ago. `Process.demo` of problems: it runs after the
incidents' step, on the incidents that step wrote; the same seed gives the same history.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from incidents.models import Incident
from incidents.services import create_incident
from itsm import demo, workflow
from itsm.choices import Channel
from itsm.demo import Desk

from . import services
from .choices import CauseCategory, ProblemResolution, ProblemStatus
from .models import Problem


@dataclass(frozen=True)
class ProblemSpec:
    service: str  # the demo service's code
    symptom: str  # the title of the incidents it is behind
    title: str
    symptoms: str
    cause: str
    root_cause: str
    workaround: str
    fix: str
    fate: str  # "known_error", "resolved", "recurring", "investigating", "closed"
    opened_days_ago: int


PROBLEMS = (
    ProblemSpec(
        "email", "Outlook keeps asking for my password",
        "Outlook prompts for the password again and again",
        "Outlook shows the sign-in window every few minutes; webmail works.",
        CauseCategory.CONFIGURATION,
        "The mail servers' new certificate is not trusted by the legacy authentication "
        "of Outlook 2016 clients; they fall back to basic authentication and fail.",
        "Close Outlook, delete the saved credentials for the mail server in Windows "
        "Credential Manager, and start Outlook again: it signs in with modern "
        "authentication.",
        "", "known_error", 75),
    ProblemSpec(
        "vpn", "VPN disconnects every few minutes",
        "VPN gateway drops idle sessions",
        "Home workers lose the VPN every few minutes, most often in video calls.",
        CauseCategory.CONFIGURATION,
        "The gateway's idle timeout was set to 120 s after the firmware upgrade; clients "
        "with power saving on send keep-alives every 150 s.",
        "Turn off power saving for the network adapter, or reconnect.",
        "Restored the gateway idle timeout to 30 minutes and pinned it in the "
        "configuration baseline.",
        "resolved", 70),
    ProblemSpec(
        "workplace-devices", "Printer on floor 3 prints blank pages",
        "Floor 3 printer prints blank pages",
        "Jobs to the floor 3 printer come out blank; other printers work.",
        CauseCategory.HARDWARE,
        "The transfer belt of the floor 3 printer is worn; toner does not reach the paper.",
        "Print to the floor 2 printer (PRN-F2) meanwhile.",
        "Replaced the transfer belt under the service contract.",
        "recurring", 100),
    ProblemSpec(
        "erp", "ERP very slow since this morning",
        "ERP slows down every Monday morning",
        "Screens take 20–60 seconds to open on Monday mornings.",
        CauseCategory.CAPACITY, "", "", "", "investigating", 35),
    ProblemSpec(
        "reporting", "Daily sales dashboard not refreshed",
        "Nightly ETL load fails after source schema changes",
        "The daily sales dashboard shows yesterday's figures until noon.",
        CauseCategory.SOFTWARE,
        "A column added to the sales source table broke the ETL mapping; the load "
        "stopped at the first error.",
        "Restart the ETL job by hand after correcting the mapping.",
        "Made the ETL mapping tolerate new columns and added an alert on a failed load.",
        "closed", 170),
)


# Of the incidents that keep coming with the same symptom, the first this many are
# considered for linking.
LINKED_LATER = 20


def write_history(desk: Desk, rng: random.Random, now: datetime, *, days: int,
                  per_day: float, progress: Callable[[str, int, int], None]) -> int:
    """The problems of the demo; returns how many were opened."""
    written = 0
    by_code = {spec.code: service for spec, service, _cis in desk.services}
    for done, spec in enumerate(PROBLEMS, start=1):
        service = by_code.get(spec.service)
        if service is not None and spec.opened_days_ago < days:
            written += _live(desk, rng, now, spec, service)
        progress(str(_("Problems")), done, len(PROBLEMS))
    return written


def _live(desk: Desk, rng: random.Random, now: datetime, spec: ProblemSpec, service) -> int:
    start = now - timedelta(days=spec.opened_days_ago)
    behind = list(Incident.objects.filter(service=service, title=spec.symptom,
                                          created_at__gte=start - timedelta(days=14))
                  .order_by("created_at"))
    if len(behind) < 3:
        return 0
    team = service.owner_team
    manager = desk.agent(rng, team)
    opened = demo.office_time(max(behind[2].created_at, start) + timedelta(hours=3), rng)
    problem = services.create_problem(
        actor=manager, incidents=[i for i in behind if i.created_at <= opened],
        title=spec.title, symptoms=spec.symptoms, service=service, team=team,
        assignee=manager, impact=2, urgency=2, when=opened,
        description=_("Opened from %(count)d incidents of “%(symptom)s”.")
        % {"count": sum(1 for i in behind if i.created_at <= opened), "symptom": spec.symptom})
    known = resolved = None
    if spec.workaround:
        known = demo.office_time(opened + timedelta(days=rng.uniform(2, 6)), rng)
        workflow.transition(problem, ProblemStatus.KNOWN_ERROR, actor=manager, when=known,
                            cause_category=spec.cause, root_cause=spec.root_cause,
                            workaround=spec.workaround)
    if spec.fix:
        resolved = demo.office_time((known or opened) + timedelta(days=rng.uniform(8, 25)),
                                    rng)
    # Incidents keep coming: linked as they arrive; after the known error the desk
    # applies its workaround to those still open; after the fix, a returning one is
    # the problem coming back.
    until = min(resolved or now, now)
    later = [incident for incident in behind if opened < incident.created_at <= until]
    for incident in later[:LINKED_LATER]:
        if rng.random() < 0.6:  # the desk notices most of them
            services.link(problem, incident, actor=manager,
                          when=min(incident.created_at + timedelta(minutes=20), now))
    if known is not None:
        _workarounds(desk, rng, spec, service, problem, manager, known, until)
    if resolved is not None and resolved <= now:
        problem = Problem.objects.get(pk=problem.pk)
        workflow.transition(problem, ProblemStatus.RESOLVED, actor=manager, when=resolved,
                            resolution_code=ProblemResolution.FIXED,
                            resolution_notes=spec.fix)
        services.resolve_incidents(Problem.objects.get(pk=problem.pk), actor=manager,
                                   note=spec.fix, when=resolved)
        if spec.fate == "recurring":
            again = resolved + timedelta(days=rng.uniform(5, 12))
            if again <= now:
                returned = _incident(desk, rng, spec, service, again)
                services.link(Problem.objects.get(pk=problem.pk), returned, actor=manager,
                              when=again + timedelta(hours=1))
        elif spec.fate == "closed":
            closes = resolved + timedelta(days=14)
            if closes <= now:
                workflow.transition(Problem.objects.get(pk=problem.pk), ProblemStatus.CLOSED,
                                    actor=manager, when=closes)
    return 1


def _incident(desk: Desk, rng: random.Random, spec: ProblemSpec, service, when: datetime
              ) -> Incident:
    customer = rng.choice(desk.customers)
    requester = rng.choice(desk.requesters[customer.pk])
    agent = desk.agent(rng, desk.teams[demo.FIRST_LINE])
    return create_incident(actor=agent, requester=requester, service=service,
                           title=spec.symptom, channel=Channel.PHONE, impact=3, urgency=2,
                           description=spec.symptoms, team=desk.teams[demo.FIRST_LINE],
                           assignee=agent, when=when)


def _workarounds(desk: Desk, rng: random.Random, spec: ProblemSpec, service,
                 problem: Problem, manager, known: datetime, until: datetime) -> None:
    """Later callers with the same symptom: the desk links each to the known error and
    resolves it with the workaround within the hour."""
    moment = known
    while True:
        moment = demo.office_time(moment + timedelta(days=rng.uniform(1.5, 5)), rng)
        resolved_at = moment + timedelta(minutes=rng.uniform(10, 50))
        if resolved_at > until:
            return
        incident = _incident(desk, rng, spec, service, moment)
        services.apply_workaround(incident, Problem.objects.get(pk=problem.pk),
                                  actor=incident.assignee, when=resolved_at)
