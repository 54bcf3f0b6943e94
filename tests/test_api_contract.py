"""The API contract: every resource × every role → the status the design promises.

One table (CASES) says, per operation, what each role gets; anonymous is always 401.
For every refused write the test also asserts that nothing changed: the incident's and
the task's version and status, and the number of tickets, events, comments and files.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from catalog.models import ApprovalStep, FreezeWindow, MaintenanceWindow, RequestItem
from changes import cab
from changes import releases as change_releases
from changes import services as changes
from changes.models import AgendaItem, CabMeeting, Change, ChangeApproval, ChangeCause, Release
from itsm import workflow
from itsm.models import Attachment, Comment, Ticket, TicketEvent
from itsm.task_kind import add_task
from knowledge import services as knowledge
from knowledge.models import Article
from metrics import surveys
from problems import services as problems
from problems.models import ProblemLink
from service_requests import ordering
from service_requests.models import Approval

from .factories import ConfigurationItemFactory, make_incident

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "requester", "other_requester", "agent", "other_team_agent",
         "team_lead", "change_manager", "manager", "admin")


def expect(default: int, **overrides: int) -> dict[str, int]:
    """Status per role: `default` for every signed-in role unless overridden."""
    table = {role: default for role in ROLES}
    table["anonymous"] = 401
    table.update(overrides)
    return table


@dataclass
class World:
    incident: Ticket
    task: Ticket
    customer_id: int
    service_id: int
    team_id: int
    ci_id: int
    survey_id: int
    order: Ticket
    item_id: int
    approval_id: int
    problem: Ticket
    linked: Ticket  # an incident of the problem
    article_id: int  # published, for requesters
    agents_article_id: int  # published, for agents only
    draft_id: int
    change: Ticket  # a normal change, new
    change_approval_id: int  # the change manager's, on a change awaiting authorization
    meeting_id: int  # a planned CAB meeting with that change on its agenda
    meeting_change: str  # that change's number
    release_id: int  # a planned release holding that change
    freeze_id: int  # a global freeze window
    maintenance_id: int  # a maintenance window of the service


@dataclass(frozen=True)
class Case:
    resource: str
    action: str
    method: str
    url: Callable[[World], str]
    expected: dict[str, int]
    body: Callable[[World], Any] | None = None
    multipart: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        # No parameter id may contain "services": conftest would take it for the marker.
        return f"{self.resource.replace('services', 'svc')}-{self.action}"


def incident_url(w: World) -> str:
    return f"/api/v1/incidents/{w.incident.number}/"


def ticket_url(w: World) -> str:
    return f"/api/v1/tickets/{w.incident.number}/"


def child(what: str) -> Callable[[World], str]:
    return lambda w: f"/api/v1/tickets/{w.incident.number}/{what}/"


def order_url(w: World) -> str:
    return f"/api/v1/requests/{w.order.number}/"


def problem_url(what: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/problems/{w.problem.number}/{what + '/' if what else ''}"


def change_url(what: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/changes/{w.change.number}/{what + '/' if what else ''}"


def article_url(which: str, what: str = "") -> Callable[[World], str]:
    return lambda w: (f"/api/v1/kb/articles/{getattr(w, which)}/"
                      f"{what + '/' if what else ''}")


def const(url: str) -> Callable[[World], str]:
    return lambda w: url


OWNER_ONLY = {"other_requester": 404}
KPI_READERS = {"team_lead": 200, "manager": 200, "admin": 200}
KPI_WRITERS_REFUSED = {"team_lead": 405, "manager": 405, "admin": 405}
DESK_ONLY = {"requester": 404, "other_requester": 404}
# Problem management is the desk's work: requesters and managers write none of it.
NO_PROBLEM_WORK = {"requester": 403, "other_requester": 403, "manager": 403}
# An article's owners (the desk team's members and administrators) write it.
ARTICLE_OWNERS = {"agent": 200, "team_lead": 200, "admin": 200}

def meeting_url(what: str = "") -> Callable[[World], str]:
    return lambda w: (f"/api/v1/changes/cab-meetings/{w.meeting_id}/"
                      f"{what + '/' if what else ''}")


def release_url(what: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/changes/releases/{w.release_id}/{what + '/' if what else ''}"


NOT_FOR_REQUESTERS = {"requester": 403, "other_requester": 403}
CAB_RUNNERS = {"change_manager": 200, "admin": 200}
CAB_CASES = [
    Case("changes/cab-meetings", "list", "get", const("/api/v1/changes/cab-meetings/"),
         expect(200, **NOT_FOR_REQUESTERS)),
    Case("changes/cab-meetings", "retrieve", "get", meeting_url(),
         expect(200, **NOT_FOR_REQUESTERS)),
    Case("changes/cab-meetings", "create", "post", const("/api/v1/changes/cab-meetings/"),
         expect(403, change_manager=201, admin=201),
         body=lambda w: {"title": "Extra CAB", "starts_at": "2026-12-20T10:00:00Z"}),
    Case("changes/cab-meetings", "create-untitled", "post",
         const("/api/v1/changes/cab-meetings/"), expect(403, change_manager=400, admin=400),
         body=lambda w: {"starts_at": "2026-12-20T10:00:00Z"}),
    Case("changes/cab-meetings", "delete", "delete", meeting_url(),
         expect(403, change_manager=405, admin=405)),
    Case("changes/cab-meetings/agenda", "post", "post", meeting_url("agenda"),
         expect(403, **CAB_RUNNERS)),
    Case("changes/cab-meetings/outcome", "post-approve", "post", meeting_url("outcome"),
         expect(403, **CAB_RUNNERS),
         body=lambda w: {"change": w.meeting_change, "outcome": "approved"}),
    Case("changes/cab-meetings/outcome", "post-reject-unexplained", "post",
         meeting_url("outcome"), expect(403, change_manager=400, admin=400),
         body=lambda w: {"change": w.meeting_change, "outcome": "rejected"}),
    Case("changes/cab-meetings/outcome", "post-not-on-agenda", "post",
         meeting_url("outcome"), expect(403, change_manager=400, admin=400),
         body=lambda w: {"change": "CHG9999999", "outcome": "deferred"}),
    Case("changes/cab-meetings/hold", "post", "post", meeting_url("hold"),
         expect(403, **CAB_RUNNERS), body=lambda w: {"minutes": "We met."}),
    Case("changes/cab-meetings/hold", "post-without-minutes", "post", meeting_url("hold"),
         expect(403, change_manager=400, admin=400), body=lambda w: {"minutes": ""}),
    Case("changes/cab-meetings/cancel", "post", "post", meeting_url("cancel"),
         expect(403, **CAB_RUNNERS), body=lambda w: {"reason": "Nothing to decide"}),
]
RELEASE_WRITERS_ONLY = {**NOT_FOR_REQUESTERS, "manager": 403}
RELEASE_CASES = [
    Case("changes/releases", "list", "get", const("/api/v1/changes/releases/"),
         expect(200, **NOT_FOR_REQUESTERS)),
    Case("changes/releases", "retrieve", "get", release_url(),
         expect(200, **NOT_FOR_REQUESTERS)),
    Case("changes/releases", "create", "post", const("/api/v1/changes/releases/"),
         expect(201, **RELEASE_WRITERS_ONLY),
         body=lambda w: {"name": "2026.4", "planned_date": "2026-04-17"}),
    Case("changes/releases", "create-undated", "post", const("/api/v1/changes/releases/"),
         expect(400, **RELEASE_WRITERS_ONLY), body=lambda w: {"name": "2026.4"}),
    Case("changes/releases", "patch-status", "patch", release_url(),
         expect(200, **RELEASE_WRITERS_ONLY), body=lambda w: {"status": "in_progress"}),
    Case("changes/releases", "patch-skip-a-status", "patch", release_url(),
         expect(400, **RELEASE_WRITERS_ONLY), body=lambda w: {"status": "deployed"}),
    Case("changes/releases", "delete", "delete", release_url(),
         expect(405, **RELEASE_WRITERS_ONLY)),
    Case("changes/releases/add-change", "post", "post", release_url("add-change"),
         expect(200, **RELEASE_WRITERS_ONLY), body=lambda w: {"change": w.change.number}),
    Case("changes/releases/remove-change", "post", "post", release_url("remove-change"),
         expect(200, **RELEASE_WRITERS_ONLY), body=lambda w: {"change": w.meeting_change}),
]

KEEPERS = {"change_manager": 200, "admin": 200}  # of the change windows
WINDOW_CASES = [
    Case("catalog/freeze-windows", "list", "get", const("/api/v1/catalog/freeze-windows/"),
         expect(200, **NOT_FOR_REQUESTERS)),
    Case("catalog/freeze-windows", "retrieve", "get",
         lambda w: f"/api/v1/catalog/freeze-windows/{w.freeze_id}/",
         expect(200, **NOT_FOR_REQUESTERS)),
    Case("catalog/freeze-windows", "create", "post", const("/api/v1/catalog/freeze-windows/"),
         expect(403, change_manager=201, admin=201),
         body=lambda w: {"name": "Contract freeze", "starts_at": "2030-01-01T00:00:00Z",
                         "ends_at": "2030-01-02T00:00:00Z"}),
    Case("catalog/freeze-windows", "create-backwards", "post",
         const("/api/v1/catalog/freeze-windows/"), expect(403, change_manager=400, admin=400),
         body=lambda w: {"name": "Backwards", "starts_at": "2030-01-02T00:00:00Z",
                         "ends_at": "2030-01-01T00:00:00Z"}),
    Case("catalog/freeze-windows", "patch", "patch",
         lambda w: f"/api/v1/catalog/freeze-windows/{w.freeze_id}/", expect(403, **KEEPERS),
         body=lambda w: {"name": "Renamed freeze"}),
    Case("catalog/freeze-windows", "delete", "delete",
         lambda w: f"/api/v1/catalog/freeze-windows/{w.freeze_id}/",
         expect(403, change_manager=204, admin=204)),
    Case("catalog/maintenance-windows", "list", "get",
         const("/api/v1/catalog/maintenance-windows/"), expect(200, **NOT_FOR_REQUESTERS)),
    Case("catalog/maintenance-windows", "create", "post",
         const("/api/v1/catalog/maintenance-windows/"),
         expect(403, change_manager=201, admin=201),
         body=lambda w: {"name": "Sundays", "service": w.service_id, "weekdays": [6],
                         "start_time": "02:00", "duration_minutes": 180}),
    Case("catalog/maintenance-windows", "patch-weekday-out-of-range", "patch",
         lambda w: f"/api/v1/catalog/maintenance-windows/{w.maintenance_id}/",
         expect(403, change_manager=400, admin=400), body=lambda w: {"weekdays": [7]}),
    Case("catalog/maintenance-windows", "delete", "delete",
         lambda w: f"/api/v1/catalog/maintenance-windows/{w.maintenance_id}/",
         expect(403, change_manager=204, admin=204)),
]
SCHEDULE_CASES = [
    Case("changes/calendar", "get", "get",
         const("/api/v1/changes/calendar/?start=2030-01-01&end=2030-02-01"),
         expect(200, **NOT_FOR_REQUESTERS)),
    Case("changes/calendar", "get-too-long", "get",
         const("/api/v1/changes/calendar/?start=2030-01-01&end=2030-06-01"),
         expect(400, **NOT_FOR_REQUESTERS)),
    Case("changes/next-slot", "get", "get", lambda w: f"/api/v1/changes/{w.meeting_change}/"
         "next-slot/", expect(200, **DESK_ONLY)),
    Case("changes/next-slot", "post", "post", lambda w: f"/api/v1/changes/{w.meeting_change}/"
         "next-slot/", expect(200, **NO_PROBLEM_WORK), body=lambda w: {}),
    # A change with no window has no slot to move to.
    Case("changes/next-slot", "post-unplanned", "post", change_url("next-slot"),
         expect(400, **NO_PROBLEM_WORK), body=lambda w: {}),
]

CASES = [
    # incidents
    Case("incidents", "list", "get", const("/api/v1/incidents/"), expect(200)),
    Case("incidents", "retrieve", "get", incident_url, expect(200, **OWNER_ONLY)),
    Case("incidents", "create", "post", const("/api/v1/incidents/"),
         expect(201, manager=403), body=lambda w: {"title": "Contract"}),
    Case("incidents", "patch-fields", "patch", incident_url,
         expect(200, requester=403, other_requester=404, manager=403),
         body=lambda w: {"version": w.incident.version, "title": "Edited"}),
    Case("incidents", "patch-status", "patch", incident_url,
         expect(200, requester=403, other_requester=404, manager=403),
         body=lambda w: {"version": w.incident.version, "status": "in_progress"}),
    Case("incidents", "patch-assign", "patch", incident_url,
         expect(200, requester=403, other_requester=404, manager=403),
         body=lambda w: {"version": w.incident.version, "assignment_team": w.team_id}),
    Case("incidents", "patch-no-version", "patch", incident_url,
         expect(428, requester=403, other_requester=404, manager=403),
         body=lambda w: {"title": "Unversioned"}),
    Case("incidents", "patch-stale-version", "patch", incident_url,
         expect(409, requester=403, other_requester=404, manager=403),
         body=lambda w: {"version": w.incident.version - 1, "title": "Stale"}),
    Case("incidents", "patch-stale-if-match", "patch", incident_url,
         expect(412, requester=403, other_requester=404, manager=403),
         body=lambda w: {"title": "Stale"}, extra={"HTTP_IF_MATCH": '"1"'}),
    Case("incidents", "put", "put", incident_url, expect(405, manager=403),
         body=lambda w: {"version": w.incident.version, "title": "Put"}),
    Case("incidents", "delete", "delete", incident_url, expect(405, manager=403)),
    # tasks: the desk's work items; requesters see none
    Case("tasks", "list", "get", const("/api/v1/tasks/"), expect(200)),
    Case("tasks", "retrieve", "get", lambda w: f"/api/v1/tasks/{w.task.number}/",
         expect(200, **DESK_ONLY)),
    Case("tasks", "create", "post", const("/api/v1/tasks/"),
         expect(201, requester=403, other_requester=403, manager=403),
         body=lambda w: {"title": "Check the gateway", "parent": w.incident.number}),
    Case("tasks", "patch-status", "patch", lambda w: f"/api/v1/tasks/{w.task.number}/",
         expect(200, requester=403, other_requester=403, manager=403),
         body=lambda w: {"version": w.task.version, "status": "in_progress"}),
    Case("tasks", "delete", "delete", lambda w: f"/api/v1/tasks/{w.task.number}/",
         expect(405, requester=403, other_requester=403, manager=403)),
    # tickets of every kind (read-only)
    Case("tickets", "list", "get", const("/api/v1/tickets/"), expect(200)),
    Case("tickets", "retrieve", "get", ticket_url, expect(200, **OWNER_ONLY)),
    Case("tickets", "create", "post", const("/api/v1/tickets/"), expect(405),
         body=lambda w: {"title": "Direct"}),
    Case("tickets", "patch", "patch", ticket_url, expect(405),
         body=lambda w: {"version": w.incident.version, "title": "Direct"}),
    Case("tickets", "delete", "delete", ticket_url, expect(405)),
    # comments, events, attachments
    Case("tickets/comments", "list", "get", child("comments"), expect(200, **OWNER_ONLY)),
    Case("tickets/comments", "create", "post", child("comments"),
         expect(201, other_requester=404, manager=403), body=lambda w: {"body": "Hello"}),
    Case("tickets/comments", "create-internal", "post", child("comments"),
         expect(201, requester=400, other_requester=404, manager=403),
         body=lambda w: {"body": "Desk only", "is_public": False}),
    Case("tickets/events", "list", "get", child("events"), expect(200, **OWNER_ONLY)),
    Case("tickets/events", "create", "post", child("events"), expect(405, manager=403),
         body=lambda w: {"kind": "status"}),
    Case("tickets/attachments", "list", "get", child("attachments"), expect(200, **OWNER_ONLY)),
    Case("tickets/attachments", "create", "post", child("attachments"),
         expect(201, other_requester=404, manager=403), multipart=True,
         body=lambda w: {"file": SimpleUploadedFile("log.txt", b"trace")}),
    # catalog (read-only; requesters: active services and their own customer)
    Case("catalog/customers", "list", "get", const("/api/v1/catalog/customers/"), expect(200)),
    Case("catalog/customers", "retrieve", "get",
         lambda w: f"/api/v1/catalog/customers/{w.customer_id}/", expect(200, **OWNER_ONLY)),
    Case("catalog/services", "list", "get", const("/api/v1/catalog/services/"), expect(200)),
    Case("catalog/services", "retrieve", "get",
         lambda w: f"/api/v1/catalog/services/{w.service_id}/", expect(200)),
    Case("catalog/services", "create", "post", const("/api/v1/catalog/services/"),
         expect(405), body=lambda w: {"name": "New", "code": "new"}),
    # A live service goes live no more; only the desk takes services live.
    Case("catalog/services/go-live", "post-live-already", "post",
         lambda w: f"/api/v1/catalog/services/{w.service_id}/go-live/",
         expect(400, requester=403, other_requester=403, manager=403), body=lambda w: {}),
    Case("catalog/teams", "list", "get", const("/api/v1/catalog/teams/"), expect(200)),
    Case("catalog/teams", "retrieve", "get",
         lambda w: f"/api/v1/catalog/teams/{w.team_id}/", expect(200, **DESK_ONLY)),
    Case("catalog/teams", "delete", "delete",
         lambda w: f"/api/v1/catalog/teams/{w.team_id}/", expect(405)),
    Case("catalog/cis", "list", "get", const("/api/v1/catalog/cis/"), expect(200)),
    Case("catalog/cis", "retrieve", "get",
         lambda w: f"/api/v1/catalog/cis/{w.ci_id}/", expect(200, **DESK_ONLY)),
    Case("catalog/cis", "patch", "patch",
         lambda w: f"/api/v1/catalog/cis/{w.ci_id}/", expect(405),
         body=lambda w: {"name": "renamed"}),
    Case("catalog/calendars", "list", "get", const("/api/v1/catalog/calendars/"), expect(200)),
    Case("catalog/calendars", "create", "post", const("/api/v1/catalog/calendars/"),
         expect(405), body=lambda w: {"name": "New", "time_zone": "UTC"}),
    Case("catalog/slas", "list", "get", const("/api/v1/catalog/slas/"), expect(200)),
    Case("catalog/slas", "create", "post", const("/api/v1/catalog/slas/"),
         expect(405), body=lambda w: {"name": "New"}),
    # tokens
    Case("auth/token", "list", "get", const("/api/v1/auth/token/"), expect(200)),
    # suppliers, underpinning contracts, the ownership report (desk roles only)
    Case("catalog/suppliers", "list", "get", const("/api/v1/catalog/suppliers/"), expect(200)),
    Case("catalog/suppliers", "create", "post", const("/api/v1/catalog/suppliers/"),
         expect(405), body=lambda w: {"name": "New"}),
    Case("catalog/contracts", "list", "get", const("/api/v1/catalog/contracts/"), expect(200)),
    Case("catalog/contracts", "create", "post", const("/api/v1/catalog/contracts/"),
         expect(405), body=lambda w: {"name": "New"}),
    # categories, orders, standard changes and documentation history
    Case("catalog/categories", "list", "get", const("/api/v1/catalog/categories/"),
         expect(200)),
    Case("catalog/items", "list", "get", const("/api/v1/catalog/items/"), expect(200)),
    Case("catalog/items", "create", "post", const("/api/v1/catalog/items/"), expect(405),
         body=lambda w: {"name": "New"}),
    Case("catalog/standard-changes", "list", "get",
         const("/api/v1/catalog/standard-changes/"), expect(200)),
    Case("catalog/revisions", "list", "get", const("/api/v1/catalog/revisions/"),
         expect(200)),
    Case("catalog/revisions", "create", "post", const("/api/v1/catalog/revisions/"),
         expect(405), body=lambda w: {"summary": "Forged"}),
    Case("catalog/ownership", "get", "get", const("/api/v1/catalog/ownership/"),
         expect(200, requester=403, other_requester=403)),
    Case("catalog/ownership", "post", "post", const("/api/v1/catalog/ownership/"),
         expect(405, requester=403, other_requester=403), body=lambda w: {}),
    Case("tickets/time", "list", "get", child("time"),
         expect(200, requester=403, other_requester=403)),
    Case("tickets/time", "create", "post", child("time"),
         expect(201, requester=403, other_requester=403, manager=403),
         body=lambda w: {"minutes": 30}),
    # outages: the desk reads; those who work tickets enter them
    Case("outages", "list", "get", const("/api/v1/outages/"), expect(200)),
    Case("outages", "create", "post", const("/api/v1/outages/"),
         expect(201, requester=403, other_requester=403, manager=403),
         body=lambda w: {"service": w.service_id, "started_at": "2026-01-05T09:00:00Z"}),
    # metrics: managers, team leads and administrators read; nobody writes
    Case("metrics/kpis", "list", "get", const("/api/v1/metrics/kpis/?kpi=mttr"),
         expect(403, **KPI_READERS)),
    Case("metrics/kpis", "create", "post", const("/api/v1/metrics/kpis/"),
         expect(403, **KPI_WRITERS_REFUSED), body=lambda w: {"kpi": "mttr", "value": 1}),
    Case("metrics/kpis/tickets", "list", "get",
         const("/api/v1/metrics/kpis/mttr/tickets/?period_start=2026-03-01"),
         expect(403, **KPI_READERS)),
    Case("metrics/definitions", "list", "get", const("/api/v1/metrics/definitions/"),
         expect(403, **KPI_READERS)),
    # surveys: the desk reads every one, a requester their own; only they answer
    Case("surveys", "list", "get", const("/api/v1/surveys/"), expect(200)),
    Case("surveys", "detail", "get", lambda w: f"/api/v1/surveys/{w.survey_id}/",
         expect(200, other_requester=404)),
    Case("surveys", "answer", "patch", lambda w: f"/api/v1/surveys/{w.survey_id}/",
         expect(403, requester=200, other_requester=404), body=lambda w: {"rating": 4}),
    Case("surveys", "delete", "delete", lambda w: f"/api/v1/surveys/{w.survey_id}/",
         expect(405)),
    # requests: ordered by anyone who may order, a requester sees their own
    Case("requests", "list", "get", const("/api/v1/requests/"), expect(200)),
    Case("requests", "retrieve", "get", order_url, expect(200, **OWNER_ONLY)),
    Case("requests", "create", "post", const("/api/v1/requests/"), expect(201, manager=403),
         body=lambda w: {"item": w.item_id, "answers": {"reason": "New starter"}}),
    Case("requests", "create-bad-answers", "post", const("/api/v1/requests/"),
         expect(400, manager=403), body=lambda w: {"item": w.item_id, "answers": {}}),
    Case("requests", "patch-cancel", "patch", order_url,
         expect(200, other_requester=404, manager=403),
         body=lambda w: {"version": w.order.version, "status": "cancelled", "note": "No"}),
    Case("requests", "patch-fields", "patch", order_url,
         expect(200, requester=403, other_requester=404, manager=403),
         body=lambda w: {"version": w.order.version, "title": "Edited"}),
    Case("requests", "delete", "delete", order_url, expect(405, manager=403)),
    # approvals: each approver (here the requester's manager) decides their own
    Case("requests/approvals", "list", "get", const("/api/v1/requests/approvals/"),
         expect(200)),
    Case("requests/approvals", "retrieve", "get",
         lambda w: f"/api/v1/requests/approvals/{w.approval_id}/", expect(404, manager=200)),
    Case("requests/approvals/approve", "post", "post",
         lambda w: f"/api/v1/requests/approvals/{w.approval_id}/approve/",
         expect(404, manager=200), body=lambda w: {"comment": "Fine"}),
    Case("requests/approvals/reject", "post", "post",
         lambda w: f"/api/v1/requests/approvals/{w.approval_id}/reject/",
         expect(404, manager=200), body=lambda w: {"comment": "Not this year"}),
    # problems: the desk works them, managers read, requesters never see them
    Case("problems", "list", "get", const("/api/v1/problems/"), expect(200)),
    Case("problems", "retrieve", "get", problem_url(), expect(200, **DESK_ONLY)),
    Case("problems", "create", "post", const("/api/v1/problems/"),
         expect(201, **NO_PROBLEM_WORK),
         body=lambda w: {"title": "Contract problem", "incidents": [w.incident.number]}),
    Case("problems", "create-unknown-incident", "post", const("/api/v1/problems/"),
         expect(400, **NO_PROBLEM_WORK),
         body=lambda w: {"title": "Contract problem", "incidents": ["INC9999999"]}),
    Case("problems", "patch-status", "patch", problem_url(),
         expect(200, **NO_PROBLEM_WORK),
         body=lambda w: {"version": w.problem.version, "status": "cancelled",
                         "note": "Duplicate"}),
    Case("problems", "patch-known-error-without-cause", "patch", problem_url(),
         expect(400, **NO_PROBLEM_WORK),
         body=lambda w: {"version": w.problem.version, "status": "resolved"}),
    Case("problems", "delete", "delete", problem_url(), expect(405, **NO_PROBLEM_WORK)),
    Case("problems/link", "post", "post", problem_url("link"),
         expect(200, **NO_PROBLEM_WORK), body=lambda w: {"incident": w.incident.number}),
    Case("problems/unlink", "post", "post", problem_url("unlink"),
         expect(200, **NO_PROBLEM_WORK), body=lambda w: {"incident": w.linked.number}),
    Case("problems/apply-workaround", "post", "post", problem_url("apply-workaround"),
         expect(200, **NO_PROBLEM_WORK), body=lambda w: {"incident": w.linked.number}),
    Case("problems/apply-workaround", "post-open-tasks", "post",
         problem_url("apply-workaround"), expect(400, **NO_PROBLEM_WORK),
         body=lambda w: {"incident": w.incident.number}),
    Case("problems/resolve-incidents", "post-unresolved", "post",
         problem_url("resolve-incidents"), expect(400, **NO_PROBLEM_WORK),
         body=lambda w: {"note": "Fixed"}),
    Case("problems/candidates", "list", "get", const("/api/v1/problems/candidates/?days=7"),
         expect(200, **DESK_ONLY)),
    Case("problems/candidates", "bad-days", "get",
         const("/api/v1/problems/candidates/?days=0"), expect(400, **DESK_ONLY)),
    # knowledge: read per audience, written by the article's owners
    Case("kb/articles", "list", "get", const("/api/v1/kb/articles/?q=mail"), expect(200)),
    Case("kb/articles", "retrieve", "get", article_url("article_id"), expect(200)),
    Case("kb/articles", "retrieve-agents-only", "get", article_url("agents_article_id"),
         expect(200, **DESK_ONLY)),
    Case("kb/articles", "retrieve-draft", "get", article_url("draft_id"),
         expect(200, **DESK_ONLY)),
    Case("kb/articles", "create", "post", const("/api/v1/kb/articles/"),
         expect(201, requester=403, other_requester=403, manager=403,
                other_team_agent=400, change_manager=400),
         body=lambda w: {"title": "New", "body": "Text", "owner_team": w.team_id}),
    Case("kb/articles", "patch", "patch", article_url("article_id"),
         expect(403, **ARTICLE_OWNERS), body=lambda w: {"title": "Edited", "revision": 1}),
    Case("kb/articles", "patch-stale", "patch", article_url("article_id"),
         expect(403, agent=409, team_lead=409, admin=409),
         body=lambda w: {"title": "Edited", "revision": 0}),
    Case("kb/articles", "put", "put", article_url("article_id"), expect(405),
         body=lambda w: {"title": "Put"}),
    Case("kb/articles", "delete", "delete", article_url("article_id"), expect(405)),
    Case("kb/articles/publish", "post", "post", article_url("draft_id", "publish"),
         expect(403, agent=200, team_lead=200, admin=200)),
    Case("kb/articles/retire", "post", "post", article_url("article_id", "retire"),
         expect(403, **ARTICLE_OWNERS)),
    Case("kb/articles/vote", "post", "post", article_url("article_id", "vote"),
         expect(200), body=lambda w: {"helpful": True}),
    Case("kb/articles/vote", "post-agents-only", "post",
         article_url("agents_article_id", "vote"), expect(200, **DESK_ONLY),
         body=lambda w: {"helpful": False}),
    Case("kb/articles/solved", "post", "post", article_url("article_id", "solved"),
         expect(200, requester=403, other_requester=403, manager=403),
         body=lambda w: {"ticket": w.incident.number}),
    Case("kb/usage", "list", "get", const("/api/v1/kb/usage/"), expect(200, **DESK_ONLY)),
    # changes: the desk logs and implements them, change managers authorise
    Case("changes", "list", "get", const("/api/v1/changes/"), expect(200)),
    Case("changes", "retrieve", "get", change_url(), expect(200, **DESK_ONLY)),
    Case("changes", "create", "post", const("/api/v1/changes/"),
         expect(201, **NO_PROBLEM_WORK),
         body=lambda w: {"title": "Contract change", "risk_answers": {"outage": True}}),
    Case("changes", "create-bad-answers", "post", const("/api/v1/changes/"),
         expect(400, **NO_PROBLEM_WORK),
         body=lambda w: {"title": "Contract change", "risk_answers": {"outage": "maybe"}}),
    Case("changes", "patch-assess", "patch", change_url(), expect(200, **NO_PROBLEM_WORK),
         body=lambda w: {"version": w.change.version, "status": "assessment"}),
    # A guard's refusal (only a standard change is scheduled from new) is a 403.
    Case("changes", "patch-schedule-a-normal-one", "patch", change_url(),
         expect(403, **NO_PROBLEM_WORK),
         body=lambda w: {"version": w.change.version, "status": "scheduled"}),
    Case("changes", "delete", "delete", change_url(), expect(405, **NO_PROBLEM_WORK)),
    Case("changes/caused", "post", "post", change_url("caused"),
         expect(200, **NO_PROBLEM_WORK), body=lambda w: {"incident": w.linked.number}),
    # change approvals: each approver (here the change manager) decides their own
    Case("changes/approvals", "list", "get", const("/api/v1/changes/approvals/"),
         expect(200)),
    Case("changes/approvals", "retrieve", "get",
         lambda w: f"/api/v1/changes/approvals/{w.change_approval_id}/",
         expect(404, change_manager=200)),
    Case("changes/approvals/approve", "post", "post",
         lambda w: f"/api/v1/changes/approvals/{w.change_approval_id}/approve/",
         expect(404, change_manager=200), body=lambda w: {"comment": "Go"}),
    Case("changes/approvals/reject", "post", "post",
         lambda w: f"/api/v1/changes/approvals/{w.change_approval_id}/reject/",
         expect(404, change_manager=200), body=lambda w: {"comment": "Not in the freeze"}),
    Case("changes/approvals/reject-unexplained", "post", "post",
         lambda w: f"/api/v1/changes/approvals/{w.change_approval_id}/reject/",
         expect(404, change_manager=400), body=lambda w: {"comment": ""}),
    # CAB meetings: the desk reads them, change managers (and administrators) run them
    *CAB_CASES,
    # releases: the desk reads them, those who work tickets write them
    *RELEASE_CASES,
    # change windows: the desk reads them, change managers (and administrators) keep them
    *WINDOW_CASES,
    # the change calendar and a change's next free slot
    *SCHEDULE_CASES,
]


@pytest.fixture
def world(incident, customer, service, team, other_requester, other_team_agent, team_lead,
          change_manager, manager, admin) -> World:
    ci = ConfigurationItemFactory(name="mail-01", owner_team=team)
    task = add_task(incident, actor=team_lead, title="Call the mail supplier", team=team)
    survey = surveys.ask(incident)  # as if it had been resolved
    item = RequestItem.objects.create(service=service, name="Laptop", order_form=[
        {"name": "reason", "label": "Why", "kind": "text", "required": True}])
    ApprovalStep.objects.create(item=item, name="Manager")
    requester = incident.requester
    requester.manager = manager
    requester.save(update_fields=["manager"])
    order = ordering.order(item, actor=requester, answers={"reason": "Old one broke"})
    agent = team.members.exclude(pk=team_lead.pk).get()
    linked = make_incident(actor=agent, service=service, title="Mail bounces")
    problem = problems.create_problem(actor=agent, incidents=[linked], title="Relay limits",
                                      assignee=agent)
    problem = workflow.transition(problem, "known_error", actor=agent,
                                  cause_category="capacity", root_cause="Relay limit 50",
                                  workaround="Retry in a minute.")
    article = knowledge.create_article(actor=agent, title="Mail settings", body="Use IMAP.",
                                       owner_team=team, audience="requesters",
                                       publish_now=True)
    agents_only = knowledge.create_article(actor=agent, title="Relay mail queue", body="x",
                                           owner_team=team, publish_now=True)
    draft = knowledge.create_article(actor=agent, title="Draft mail", body="x",
                                     owner_team=team, audience="requesters")
    change = changes.create_change(actor=agent, title="Upgrade the relay", service=service)
    start = timezone.now() + timedelta(days=3)
    pending = changes.create_change(actor=agent, title="Move the relay", service=service,
                                    risk_answers={"outage": True}, implementation_plan="Do.",
                                    backout_plan="Undo.", planned_start=start,
                                    planned_end=start + timedelta(hours=1))
    for target in ("assessment", "authorization"):
        pending = workflow.transition(pending, target, actor=agent)
    meeting = cab.create_meeting(actor=change_manager, title="Weekly CAB",
                                 starts_at=timezone.now() + timedelta(days=1),
                                 attendees=[change_manager])
    cab.build_agenda(meeting)
    release = change_releases.create_release(actor=agent, name="2026.3",
                                             planned_date=start.date())
    change_releases.add_change(release, pending, actor=agent)
    return World(incident=incident, task=task, customer_id=customer.pk, service_id=service.pk,
                 team_id=team.pk, ci_id=ci.pk, survey_id=survey.pk, order=order,
                 item_id=item.pk, approval_id=order.approvals.get().pk, problem=problem,
                 linked=linked, article_id=article.pk, agents_article_id=agents_only.pk,
                 draft_id=draft.pk, change=change,
                 change_approval_id=ChangeApproval.objects.get(change=pending).pk,
                 meeting_id=meeting.pk, meeting_change=pending.number, release_id=release.pk,
                 freeze_id=FreezeWindow.objects.create(
                     name="Year end", starts_at=start + timedelta(days=30),
                     ends_at=start + timedelta(days=40)).pk,
                 maintenance_id=MaintenanceWindow.objects.create(
                     name="Nightly", service=service, weekdays=list(range(7)),
                     start_time=time(0), duration_minutes=1440).pk)


def snapshot(w: World) -> tuple:
    ticket = Ticket.objects.get(pk=w.incident.pk)
    task = Ticket.objects.get(pk=w.task.pk)
    return (ticket.version, ticket.status, ticket.title, ticket.assignment_team_id,
            task.version, task.status,
            Ticket.objects.count(), TicketEvent.objects.count(), Comment.objects.count(),
            Attachment.objects.count(), Ticket.objects.get(pk=w.order.pk).version,
            list(Approval.objects.values_list("decision", flat=True)),
            list(ChangeApproval.objects.values_list("decision", flat=True)),
            list(CabMeeting.objects.order_by("pk").values_list("status", "minutes")),
            list(AgendaItem.objects.order_by("pk").values_list("change_id", "outcome")),
            list(Release.objects.order_by("pk").values_list("name", "status")),
            list(Change.objects.order_by("pk").values_list("release_id", flat=True)),
            list(FreezeWindow.objects.order_by("pk").values_list("name", "ends_at")),
            list(MaintenanceWindow.objects.order_by("pk").values_list("name", "weekdays")),
            Ticket.objects.get(pk=w.problem.pk).version, ProblemLink.objects.count(),
            Ticket.objects.get(pk=w.change.pk).version, ChangeCause.objects.count(),
            list(Article.objects.order_by("pk").values_list(
                "title", "state", "revision", "helpful_count", "unhelpful_count",
                "solved_count")))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_contract(request, api, api_as, world, case: Case, role: str):
    client = api if role == "anonymous" else api_as(request.getfixturevalue(role))
    before = snapshot(world)
    kwargs: dict[str, Any] = dict(case.extra)
    if case.body is not None:
        kwargs["data"] = case.body(world)
        kwargs["format"] = "multipart" if case.multipart else "json"
    response = getattr(client, case.method)(case.url(world), **kwargs)

    expected = case.expected[role]
    assert response.status_code == expected, (
        f"{case.method.upper()} {case.resource} {case.action} as {role}: "
        f"{response.status_code} {getattr(response, 'data', response.content)!r}"
    )
    if case.method != "get" and expected >= 400:
        assert snapshot(world) == before, "a refused write changed something"


def api_resources() -> set[str]:
    """Every mounted /api/v1/ route as a resource name: the path without parameters."""
    from django.urls import get_resolver

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    names = set()
    for route in walk(get_resolver().url_patterns):
        if not route.startswith("api/v1/"):
            continue
        path = re.sub(r"\(\?P<\w+>[^)]*\)|<[^>]+>|[\^$]", "", route.removeprefix("api/v1/"))
        names.add("/".join(part for part in path.split("/") if part))
    return names


def test_every_api_route_is_in_the_contract():
    """A new endpoint must get rows in CASES before it ships."""
    resources = api_resources()
    assert "incidents" in resources and "tickets/comments" in resources
    missing = resources - {case.resource for case in CASES}
    assert not missing, f"routes without contract cases: {sorted(missing)}"
