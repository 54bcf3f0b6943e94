"""The request's demo step: the demo catalog's items get order forms, approval steps
and fulfilment tasks, requesters get managers, and months of orders are lived through
the real services (`ordering`, `approvals`, the task workflow), cut off at `now`.

`Process.demo` of requests: `seed_demo` calls it with the desk the core built; the
same seed gives the same history.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from catalog.models import (
    ApprovalRule,
    ApprovalStep,
    ApproverKind,
    RequestItem,
    Service,
    TaskTemplate,
    Team,
)
from itsm import demo, services, workflow
from itsm.choices import Channel
from itsm.demo import Desk
from itsm.models import Task, TaskStatus, User

from . import approvals, ordering
from .choices import Decision, RequestStatus
from .models import Approval, ServiceRequest

WORKPLACE, IAM, APPS, MESSAGING = ("Workplace services", "Identity and access",
                                   "Application operations", "Workplace services")


def _field(name, label, kind, **extra) -> dict[str, Any]:
    return {"name": name, "label": label, "kind": kind, **extra}


# item name -> (service code, order form, approval steps, tasks, weight of the volume).
# A step: (name, approvers, rule, needed, whose); a task: (title, team, in parallel).
ITEMS: dict[str, tuple[str, list, list, list, int]] = {
    "Standard laptop": ("workplace-devices", [
        _field("model", "Model", "choice", required=True,
               choices=[["standard", "Standard 14-inch"], ["developer", "Developer 16-inch"]]),
        _field("reason", "Why the developer model", "long_text", required=True,
               shown_when={"field": "model", "equals": "developer"}),
        _field("monitor", "Extra monitor", "yes_no", default=False),
        _field("layout", "Keyboard layout", "choice", default="us",
               choices=[["us", "US"], ["se", "Swedish"], ["nl", "Dutch"], ["cn", "Chinese"]]),
        _field("needed_by", "Needed by", "date"),
    ], [("Manager", ApproverKind.MANAGER, ApprovalRule.ANY, None, None),
        ("Budget owner", ApproverKind.PEOPLE, ApprovalRule.ANY, None, "manager")],
        [("Order the laptop from the supplier", WORKPLACE, False),
         ("Image and set up the laptop", WORKPLACE, False),
         ("Hand over and collect the old device", WORKPLACE, False)], 8),
    "Shared mailbox": ("email", [
        _field("address", "Mailbox address", "text", required=True,
               help="For example team-finance@example.com"),
        _field("members", "Members (one per line)", "long_text", required=True),
        _field("owner", "Owner of the mailbox", "person", required=True),
    ], [("Mailbox service owner", ApproverKind.PEOPLE, ApprovalRule.ANY, None, "lead")],
        [("Create the mailbox", MESSAGING, False),
         ("Grant the members access", MESSAGING, False)], 4),
    "Software installation": ("workplace-devices", [
        _field("software", "Software", "choice", required=True,
               choices=[["office", "Office add-in"], ["pdf", "PDF editor"],
                        ["viz", "Visio"], ["other", "Other"]]),
        _field("other", "Which software", "text", required=True,
               shown_when={"field": "software", "equals": "other"}),
        _field("licence", "I have a licence already", "yes_no"),
    ], [], [("Install the software", WORKPLACE, False)], 10),
    "New employee account": ("access", [
        _field("full_name", "Name of the new employee", "text", required=True),
        _field("start", "First working day", "date", required=True),
        _field("kit", "Equipment", "multi_choice",
               choices=[["laptop", "Laptop"], ["phone", "Mobile phone"],
                        ["badge", "Building badge"]]),
    ], [("Manager", ApproverKind.MANAGER, ApprovalRule.ANY, None, None)],
        [("Create the account and mailbox", IAM, False),
         ("Prepare a laptop", WORKPLACE, True),
         ("Order a building badge", IAM, True),
         ("Send the welcome pack", IAM, False)], 3),
    "ERP user role": ("erp", [
        _field("role", "Role", "choice", required=True,
               choices=[["ap", "Accounts payable"], ["ar", "Accounts receivable"],
                        ["gl", "General ledger (read)"]]),
        _field("until", "Needed until", "date"),
    ], [("Manager", ApproverKind.MANAGER, ApprovalRule.ANY, None, None),
        ("ERP process owners", ApproverKind.TEAM, ApprovalRule.PERCENT, 50, APPS)],
        [("Grant the ERP role", APPS, False)], 3),
    "Access to a file share": ("access", [
        _field("share", "Share path", "text", required=True, help="\\\\files\\team"),
        _field("write", "Write access", "yes_no", required=True),
    ], [("Manager", ApproverKind.MANAGER, ApprovalRule.ANY, None, None)],
        [("Grant access to the share", IAM, False)], 6),
}
REFUSALS = ("Not in this quarter's budget.", "Please use the standard model.",
            "This role needs the four-eyes training first.",
            "The team already has a mailbox for this.")
TEXTS = ("Finance team", "Project Atlas", "As discussed with my manager", "Replacement")


def shape_catalog(desk: Desk) -> list[RequestItem]:
    """Give the demo items their forms, steps and tasks (creating the new ones), and
    every requester a manager: each customer's first colleague, and the demo manager
    for the demo requester's customer."""
    teams = {team.name: team for team in Team.objects.all()}
    managers = [desk.logins["manager"]]
    for customer in desk.customers:
        people = desk.requesters[customer.pk]
        boss = desk.logins["manager"] if customer == desk.customers[0] else people[1]
        User.objects.filter(pk__in=[p.pk for p in people if p.pk != boss.pk]).update(
            manager=boss)
        managers.append(boss)
    items = []
    for name, (code, form, steps, tasks, _weight) in ITEMS.items():
        service = Service.objects.get(code=code)
        item, _created = RequestItem.objects.get_or_create(
            service=service, name=name, defaults={"description": name, "fulfilment_days": 3})
        item.order_form = form
        item.full_clean()
        item.save(update_fields=["order_form"])
        item.approval_steps.all().delete()
        for position, (step, kind, rule, needed, whose) in enumerate(steps, start=1):
            made = ApprovalStep.objects.create(
                item=item, position=position, name=step, approvers=kind, rule=rule,
                needed=needed, team=teams.get(whose) if kind == ApproverKind.TEAM else None)
            if whose == "manager":
                made.people.add(desk.logins["manager"])
            elif whose == "lead":
                made.people.add(service.owner_team.lead)
        TaskTemplate.objects.bulk_create(
            TaskTemplate(item=item, position=position, title=title, team=teams[team],
                         parallel=parallel,
                         instructions=_("Follow the service's routine for this item."))
            for position, (title, team, parallel) in enumerate(tasks, start=1))
        items.append(item)
    return items


def _answers(rng: random.Random, item: RequestItem, requester: User,
             created: datetime) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for spec in item.order_fields():
        if not spec.shown(answers):
            continue
        if spec.kind in ("choice",):
            answers[spec.name] = rng.choice(spec.choices)[0]
        elif spec.kind == "multi_choice":
            answers[spec.name] = [value for value, _label in spec.choices if rng.random() < 0.6]
        elif spec.kind == "yes_no":
            answers[spec.name] = rng.random() < 0.4
        elif spec.kind == "date":
            answers[spec.name] = (created + timedelta(days=rng.randint(5, 30))).date().isoformat()
        elif spec.kind == "person":
            answers[spec.name] = requester.username
        elif spec.kind in ("text", "long_text"):
            answers[spec.name] = rng.choice(TEXTS)
    return {name: ("yes" if value else "no") if isinstance(value, bool) else value
            for name, value in answers.items()}


def write_history(desk: Desk, rng: random.Random, now: datetime, *, days: int,
                  per_day: float, progress: Callable[[str, int, int], None]) -> int:
    """Orders arriving over `days` (about a fifth of the incident volume), approved or
    now and then refused, fulfilled task by task by their teams."""
    items = shape_catalog(desk)
    weights = {item: ITEMS[item.name][4] for item in items}
    arrivals = [moment for moment in demo.arrivals(rng, now, days, per_day / 5)
                if moment.weekday() < 5 or rng.random() < 0.2]
    written = 0
    for done, created in enumerate(arrivals, start=1):
        item = demo.weighted(rng, weights)
        customer = rng.choice(desk.customers)
        requester = rng.choice(desk.requesters[customer.pk])
        by_phone = rng.random() < 0.25
        actor = desk.agent(rng, desk.teams[demo.FIRST_LINE]) if by_phone else requester
        request = ordering.order(item, actor=actor, requester=requester,
                                 answers=_answers(rng, item, requester, created),
                                 channel=Channel.PHONE if by_phone else None, when=created)
        written += 1
        _live(desk, rng, now, request, created)
        if done % 50 == 0 or done == len(arrivals):
            progress(str(_("Requests")), done, len(arrivals))
    return written


def _live(desk: Desk, rng: random.Random, now: datetime, request: ServiceRequest,
          moment: datetime) -> None:
    """Decide its approvals, work its tasks and close it, each in its time."""
    while True:
        request.refresh_from_db()
        if request.status == RequestStatus.AWAITING_APPROVAL:
            pending = list(Approval.objects.filter(request=request, decision=Decision.PENDING)
                           .select_related("approver").order_by("pk"))
            moment = demo.office_time(moment + timedelta(hours=rng.uniform(1, 30)), rng)
            if not pending or moment > now or rng.random() < 0.1 and moment > now - \
                    timedelta(days=3):
                return  # still waiting
            approval = pending[0]
            refuse = rng.random() < 0.1
            approvals.decide(approval, user=approval.approver, approve=not refuse,
                             comment=rng.choice(REFUSALS) if refuse else "", when=moment)
            continue
        if request.status in (RequestStatus.NEW,):
            return  # an agent will pick it up
        if request.status == RequestStatus.FULFILLED:
            closes = request.resolved_at + timedelta(
                days=workflow.workflow_for(request).setting("auto_close_days"))
            if closes <= now:
                services.auto_close(request, when=closes)
            return
        if request.status != RequestStatus.IN_PROGRESS:
            return
        tasks = list(Task.objects.filter(parent=request).open()
                     .select_related("assignment_team").order_by("pk"))
        if not tasks:
            return
        plan = []
        for task in tasks:
            if task.assignment_team_id not in desk.members:
                continue
            begun = demo.office_time(moment + timedelta(hours=rng.uniform(0.5, 20)), rng)
            finished = demo.office_time(begun + timedelta(hours=rng.uniform(0.5, 16)), rng)
            if begun <= now:
                plan.append((task, desk.agent(rng, task.assignment_team), begun, finished))
        for task, worker, begun, _finished in sorted(plan, key=lambda step: step[2]):
            workflow.assign(task, actor=worker, assignee=worker, when=begun)
            workflow.transition(task, TaskStatus.IN_PROGRESS, actor=worker, when=begun)
        # Finished in their order, so that the next stage opens when the last one ends.
        done = sorted((step for step in plan if step[3] <= now), key=lambda step: step[3])
        for task, worker, _begun, finished in done:
            workflow.transition(task, TaskStatus.DONE, actor=worker, when=finished)
        if len(done) < len(tasks):
            return
        latest = done[-1][3]
        moment = latest
