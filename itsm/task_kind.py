"""The Task kind (TSK…): work items with a parent ticket.

open → in_progress → done; cancelled from open or in progress (DESIGN.md §2). A task
is the core's own kind, because every process splits work off into tasks (request
fulfilment, change implementation, routine runs); it registers with the process
registry like any other kind (`ItsmConfig.ready`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import registry
from .base.spans import check_window
from .choices import TicketKind
from .models import Task, TaskStatus, Ticket
from .workflow import Transition, Workflow

S = TaskStatus


def _settled(task, transition, actor, when) -> None:
    """A task that is done or cancelled tells its parent's process (the next task of a
    request's fulfilment opens, say)."""
    if transition.target in (S.DONE, S.CANCELLED):
        parent_id = getattr(task, "parent_id", None) or (
            Task.objects.filter(pk=task.pk).values_list("parent_id", flat=True).get())
        parent = Ticket.objects.only("kind").get(pk=parent_id)
        registry.process_for(parent).task_settled(parent, task, actor=actor, when=when)


TASK_WORKFLOW = Workflow(
    kind=TicketKind.TASK,
    statuses=TaskStatus,
    initial=S.OPEN,
    resolved=frozenset({S.DONE}),
    closed=frozenset({S.DONE, S.CANCELLED}),
    after_transition=_settled,
    transitions=(
        Transition("start", gettext_lazy("Start work"), frozenset({S.OPEN}), S.IN_PROGRESS),
        Transition("complete", gettext_lazy("Complete"), frozenset({S.OPEN, S.IN_PROGRESS}),
                   S.DONE),
        Transition("cancel", gettext_lazy("Cancel"), frozenset({S.OPEN, S.IN_PROGRESS}),
                   S.CANCELLED, requires=("note",)),
    ),
)


class TaskProcess(registry.Process):
    kind = TicketKind.TASK
    prefix = "TSK"
    model = Task
    workflow = TASK_WORKFLOW
    label = gettext_lazy("Task")
    label_plural = gettext_lazy("Tasks")
    url_namespace = "tasks"
    urls = "itsm.task_urls"
    api_urls = "itsm.api.task_urls"
    position = 90
    editable_fields = ("title", "description", "impact", "urgency", "planned_start",
                       "planned_end")
    detail_panel = "itsm/tasks/_panel.html"
    has_tasks = False
    requesters_may_log = False
    desk_create = False

    @property
    def demo(self):
        return demo

    def get_filterset(self) -> type:
        from .filters import TaskFilterSet

        return TaskFilterSet

    def prepare(self, fields: dict[str, Any], *, actor, requester, when=None
                ) -> dict[str, Any]:
        parent = fields.get("parent")
        if parent is None:
            raise ValidationError({"parent": _("A task needs the ticket it is part of.")})
        if parent.kind == TicketKind.TASK:
            raise ValidationError({"parent": _("%(number)s is itself a task; add the task "
                                               "to the ticket it belongs to.")
                                   % {"number": parent.number}})
        if parent.closed_at is not None and (when is None or when >= parent.closed_at):
            raise ValidationError({"parent": _("%(number)s is closed.")
                                   % {"number": parent.number}})
        # A task runs on its parent's service and for its customer.
        for name in ("service", "customer", "configuration_item"):
            if fields.get(name) is None:
                fields[name] = getattr(parent, name)
        fields.setdefault("channel", parent.channel)
        check_window(fields.get("planned_start"), fields.get("planned_end"))
        return fields

    def validate_changes(self, ticket: Ticket, changes: dict[str, Any]) -> dict[str, Any]:
        if {"planned_start", "planned_end"} & set(changes):
            check_window(changes.get("planned_start", ticket.planned_start),
                          changes.get("planned_end", ticket.planned_end))
        return changes

    def detail_context(self, request, ticket: Ticket) -> dict[str, Any]:
        return {"parent": Ticket.objects.visible_to(request.user)
                .filter(pk=ticket.parent_id).only("number", "kind", "title", "status").first()}


def add_task(parent: Ticket, *, actor, title: str, description: str = "", team=None,
             assignee=None, when=None, requester=None, planned_start=None,
             planned_end=None) -> Task:
    """Add a task to `parent`, for `team` (the parent's team by default), asked for by
    `requester` (the actor by default; the system's tasks name the parent's), booked
    for its planned time when it has one (a change's implementation step)."""
    from .services import create_ticket

    if team is None and assignee is None:
        team = parent.assignment_team
    return create_ticket(TicketKind.TASK, actor=actor, requester=requester or actor, team=team,
                         assignee=assignee, when=when, parent=parent, title=title,
                         description=description, impact=parent.impact,
                         urgency=parent.urgency, planned_start=planned_start,
                         planned_end=planned_end)



# What the desk splits off its urgent tickets: (title, instructions, which team).
DEMO_TASKS = (
    ("Inform the affected business units",
     "Post a status update on the intranet and mail the business contacts of the customers "
     "affected; repeat every hour until the ticket is resolved.", "first line"),
    ("Check the monitoring for related alerts",
     "Look for alerts on the service's CIs in the hour before the ticket was logged and "
     "note them here.", "owner"),
    ("Post-incident review",
     "Collect the timeline, the cause and the fix; propose how to prevent a repeat.",
     "owner"),
)
# What the first line asks of a service's team on an everyday ticket.
DEMO_CHECK = ("Check on the service's side",
              "The first line needs your view: look at the service's CIs and its recent "
              "changes for this user, and note what you find.", "owner")


def demo(desk, rng, now, *, days: int, per_day: float, progress) -> int:
    """Tasks on the tickets the other kinds' demo steps wrote (the urgent ones and some
    still open): worked by their teams while the parent was open, done by the time it
    was resolved; a review after the resolution. Those of open tickets and of recent
    reviews are partly still open."""
    from datetime import timedelta

    from django.db.models import Q

    from .demo import FIRST_LINE
    from .workflow import assign, transition

    parents = list(Ticket.objects.exclude(kind=TicketKind.TASK)
                   .filter(Q(priority__lte=2) | Q(resolved_at=None, closed_at=None))
                   .exclude(assignment_team=None).select_related("service__owner_team")
                   .order_by("created_at", "pk"))
    written = 0
    for done, parent in enumerate(parents, start=1):
        if parent.priority == 1:
            chosen = DEMO_TASKS
        elif parent.priority == 2:
            chosen = DEMO_TASKS[:rng.randint(0, 2)]
        else:  # an open ticket of lower priority: now and then one task split off
            chosen = (DEMO_CHECK,) if rng.random() < 0.2 else ()
        for title, instructions, who in chosen:
            review = title.startswith("Post-incident")
            if review and parent.resolved_at is None:
                continue
            team = (desk.teams[FIRST_LINE] if who == "first line" or parent.service is None
                    else parent.service.owner_team)
            start = parent.created_at + timedelta(minutes=rng.uniform(10, 40))
            # The parent's own work is done by the time it is resolved (or cancelled);
            # the review follows the resolution.
            ends = None if review else parent.resolved_at or parent.closed_at
            if review:
                start = parent.resolved_at + timedelta(hours=rng.uniform(2, 20))
            if start > now or (ends and start >= ends) or (
                    parent.closed_at is not None and start >= parent.closed_at):
                continue
            lead = team.lead or desk.agent(rng, team)
            task = add_task(parent, actor=lead, title=title, description=instructions,
                            team=team, when=start)
            written += 1
            # Work still going on: the tasks of open tickets, the reviews of recent ones.
            settled = ends is not None or (review and parent.resolved_at < now - timedelta(days=2))
            if not settled and rng.random() < 0.25:
                continue  # not picked up yet
            worker = desk.agent(rng, team)
            begun = start + timedelta(minutes=rng.uniform(5, 60))
            if ends:
                begun = min(begun, start + (ends - start) / 3)
            if begun > now:
                continue
            assign(task, actor=worker, assignee=worker, when=begun)
            transition(task, S.IN_PROGRESS, actor=worker, when=begun)
            finished = begun + timedelta(minutes=rng.uniform(20, 240))
            if ends:
                finished = min(finished, ends)
            if finished <= now and (settled or rng.random() < 0.4):
                transition(task, S.DONE, actor=worker, when=finished)
        if done % 50 == 0 or done == len(parents):
            progress(str(TaskProcess.label_plural), done, len(parents))
    return written
