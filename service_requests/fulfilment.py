"""Fulfilment of service requests: the item's task templates become Task tickets for
their teams, stage by stage (tasks of one stage run in parallel; the next stage opens
once every task of the stages before it is done or cancelled), and the request is
fulfilled when the last of them is done.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import RequestItem, Team
from itsm import workflow
from itsm.models import Task, Ticket
from itsm.task_kind import add_task

from .choices import RequestStatus
from .models import ServiceRequest


def plan_of(item: RequestItem) -> list[dict[str, Any]]:
    """The item's fulfilment tasks as plain values, numbered by stage."""
    plan, stage = [], 0
    for template in item.task_templates.select_related("team").order_by("position"):
        if not (template.parallel and stage):
            stage += 1
        team = template.team or item.team()
        plan.append({"title": template.title, "instructions": template.instructions,
                     "team": team.pk if team else None, "team_name": str(team or ""),
                     "stage": stage})
    return plan


def begin(request: ServiceRequest, *, when=None, started: bool = False) -> list[Task]:
    """Start fulfilment: the request goes in progress (unless it is already) and the
    first stage of its plan opens."""
    now = when or timezone.now()
    if not started:
        workflow.transition(request, RequestStatus.IN_PROGRESS, actor=None, when=now,
                            note=_("Fulfilment begins."))
    return open_stage(request, 1, when=now)


def open_stage(request: ServiceRequest, stage: int, *, when) -> list[Task]:
    """Create the tasks of `stage` of the request's plan, each for its team."""
    steps = [step for step in request.plan if step["stage"] == stage]
    teams = Team.objects.in_bulk([step["team"] for step in steps if step["team"]])
    created = []
    for step in steps:
        team = teams.get(step["team"])
        if team is not None and not team.is_active:
            team = None  # the plan's team was retired: the request's own team takes it
        created.append(add_task(request, actor=None, title=step["title"],
                                description=step["instructions"],
                                team=team or request.assignment_team, when=when,
                                requester=request.requester))
    ServiceRequest.objects.filter(pk=request.pk).update(opened_stage=stage)
    request.opened_stage = stage
    return created


def task_settled(parent: Ticket, *, when=None) -> None:
    """A task of `parent` is done or cancelled: open the next stage when this one is
    settled; fulfil the request once its whole plan is and a task of it was done."""
    # Two tasks settling at once must not both see the other still open.
    request = ServiceRequest.objects.select_for_update().filter(pk=parent.pk).first()
    if request is None or request.status not in (RequestStatus.IN_PROGRESS,
                                                  RequestStatus.ON_HOLD):
        return
    if Task.objects.filter(parent=request).open().exists():
        return
    now = when or timezone.now()
    if request.opened_stage < request.last_stage:
        open_stage(request, request.opened_stage + 1, when=now)
        return
    if not request.plan or not Task.objects.filter(parent=request, status="done").exists():
        return  # nothing planned, or every task dropped: an agent decides
    workflow.transition(request, RequestStatus.FULFILLED, actor=None, when=now,
                        fulfilment_notes=_("Every fulfilment task is done."))
