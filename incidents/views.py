"""Incident pages: the agent queue, create form and detail page, and the requester's
"log an incident" form in the portal.

Views parse, check, call a service, render. Every queryset starts from
`visible_to(user)`; every write goes through `incidents.services` or `itsm.workflow`,
which raise ValidationError (shown on the form), PermissionDenied (403) or
StaleVersion (someone else changed the incident: 409 with a reload message).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from itsm import services, workflow
from itsm.base import roles
from itsm.base.pagination import CappedCountPaginator
from itsm.base.views import require_worker, staff_page
from itsm.forms import (
    AttachmentForm,
    CommentForm,
    PageForms,
    VersionedForm,
    apply_errors,
    transition_form,
    transition_values,
)
from itsm.models import Attachment, TicketEvent
from itsm.sla_timeline import timeline_for
from itsm.views import STALE_MESSAGE, perform

from .filters import Queue
from .forms import (
    AssignForm,
    IncidentCreateForm,
    IncidentEditForm,
    IncidentQueueFilterSet,
    PortalIncidentForm,
)
from .models import Incident
from .services import create_incident, update_incident
from .templatetags import incident_queue as queue

PAGE_SIZE = 50

# ?ordering= allow-list: the URL key -> the ORM ordering. Anything else is ignored.
ORDERINGS: dict[str, tuple[str, ...]] = {
    "number": ("number",),
    "title": ("title",),
    "priority": ("priority",),
    "status": ("status",),
    "created_at": ("created_at",),
    "updated_at": ("updated_at",),
    "assignee": ("assignee__first_name", "assignee__last_name", "assignee__username"),
}
DEFAULT_ORDERING = "-created_at"

# The queue's columns: (key, label, sortable).
COLUMNS = (
    ("number", gettext_lazy("Number"), True),
    ("title", gettext_lazy("Title"), True),
    ("priority", gettext_lazy("Priority"), True),
    ("status", gettext_lazy("Status"), True),
    ("service", gettext_lazy("Service"), False),
    ("team", gettext_lazy("Team"), False),
    ("assignee", gettext_lazy("Assignee"), True),
    ("created_at", gettext_lazy("Created"), True),
    ("updated_at", gettext_lazy("Updated"), True),
)

# Only what the queue shows is loaded: one query for the rows whatever their number.
DETAIL_RELATED = (
    "service", "category", "configuration_item", "customer", "requester", "assignment_team",
    "assignee", "parent",
)



# --- the queue ------------------------------------------------------------------------


def _ordering(requested: str | None) -> tuple[str, tuple[str, ...]]:
    """The allowed ordering for `?ordering=` (default newest first), as (key, ORM)."""
    key = (requested or "").strip()
    name = key.removeprefix("-")
    if name not in ORDERINGS:
        key, name = DEFAULT_ORDERING, DEFAULT_ORDERING.removeprefix("-")
    prefix = "-" if key.startswith("-") else ""
    return key, tuple(prefix + field for field in ORDERINGS[name]) + (prefix + "id",)


def _columns(current: str) -> list[dict[str, Any]]:
    """Header cells: label, the ordering a click asks for, and aria-sort."""
    columns = []
    for key, label, sortable in COLUMNS:
        sort = None
        if current == key:
            sort = "ascending"
        elif current == f"-{key}":
            sort = "descending"
        columns.append({
            "key": key, "label": label, "sortable": sortable, "sort": sort,
            "next": f"-{key}" if sort == "ascending" else key,
        })
    return columns


@staff_page
def incident_list(request: HttpRequest) -> HttpResponse:
    """The agent queue: IncidentFilterSet, an ordering allow-list, 50 rows a page."""
    data = request.GET.copy()
    if data.getlist("status") and data.get("queue") == Queue.OPEN:
        data["queue"] = ""  # chosen statuses replace the "open" default, not narrow it
    elif "queue" not in data and "status" not in data:
        data["queue"] = Queue.OPEN
    filterset = IncidentQueueFilterSet(data, queryset=Incident.objects.visible_to(request.user),
                                       request=request)
    ordering, order_by = _ordering(request.GET.get("ordering"))
    page = CappedCountPaginator(filterset.qs.order_by(*order_by), PAGE_SIZE).get_page(
        request.GET.get("page"))
    # The count above reads ids only; the page's rows are read as the columns they show.
    page.object_list = page.object_list.values_list(*queue.COLUMNS, named=True)
    return render(request, "incidents/incident_list.html", {
        "filterset": filterset,
        "filter_form": filterset.form,
        "page_obj": page,
        "queue": data.get("queue", ""),
        "queues": Queue.CHOICES,
        "columns": _columns(ordering),
        "ordering": ordering,
        # One reverse() per page rather than per row.
        "detail_prefix": reverse("incidents:detail", kwargs={"number": "INC0"})[:-5],
    })


# --- create ---------------------------------------------------------------------------


@staff_page
def incident_create(request: HttpRequest) -> HttpResponse:
    """Log an incident for a requester (phone, walk-in, email)."""
    require_worker(request)
    form = IncidentCreateForm(request.POST if request.method == "POST" else None,
                              user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            incident = create_incident(actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(number)s is logged.") % {"number": incident.number})
            return redirect("incidents:detail", number=incident.number)
    status = 400 if form.is_bound else 200
    return render(request, "incidents/incident_form.html", {"form": form}, status=status)


# --- detail ---------------------------------------------------------------------------


def _incident_or_404(request: HttpRequest, number: str) -> Incident:
    return get_object_or_404(
        # Prefetched rather than joined: see itsm.base.api.permissions.ScopedQuerysetMixin.
        Incident.objects.visible_to(request.user).prefetch_related(*DETAIL_RELATED),
        number=number,
    )


def _timeline(request: HttpRequest, incident: Incident) -> list[TicketEvent]:
    return list(
        TicketEvent.objects.visible_to(request.user).filter(ticket=incident)
        .select_related("actor", "comment")
    )


def _render_detail(request: HttpRequest, incident: Incident, *, status: int = 200,
                   stale: bool = False, bound: forms.Form | None = None,
                   bound_name: str = "") -> HttpResponse:
    """The detail page; `bound` is the submitted form to show with its errors."""
    user = request.user
    worker = roles.is_worker(user)
    workable = worker and incident.closed_at is None

    page_forms = PageForms(bound, bound_name)

    context: dict[str, Any] = {
        "incident": incident,
        "status_label": workflow.workflow_for(incident).label(incident.status),
        "children": Incident.objects.visible_to(user).filter(parent=incident)
        .only("number", "title", "status", "kind", "priority").order_by("number"),
        "timeline": _timeline(request, incident),
        "sla_timeline": timeline_for(incident),
        "attachments": Attachment.objects.visible_to(user).filter(ticket=incident)
        .select_related("uploaded_by"),
        "worker": worker,
        "workable": workable,
        "stale": stale,
        "stale_message": STALE_MESSAGE,
        "max_upload": settings.ATTACHMENT_MAX_BYTES,
    }
    if workable:
        my_teams = set(user.teams.filter(is_active=True).values_list("pk", flat=True))
        context.update(
            can_take=incident.assignee_id != user.pk and (
                incident.assignment_team_id is None or incident.assignment_team_id in my_teams
            ),
            take_form=page_forms.get("take", lambda: VersionedForm(
                initial={"version": incident.version})),
            assign_form=page_forms.get("assign", lambda: AssignForm(incident=incident)),
            edit_form=page_forms.get("edit", lambda: IncidentEditForm(incident=incident)),
            comment_form=page_forms.get("comment", lambda: CommentForm(
                can_choose_visibility=True)),
            attachment_form=page_forms.get("attach", AttachmentForm),
        )
    if worker:
        context["transition_forms"] = [
            page_forms.get(f"transition:{t.name}", lambda t=t: transition_form(incident, t))
            for t in workflow.allowed_transitions(incident, user)
        ]
    context["orphan_errors"] = page_forms.orphan_errors()
    return render(request, "incidents/incident_detail.html", context, status=status)


@staff_page
def incident_detail(request: HttpRequest, number: str) -> HttpResponse:
    """Everything about one incident, its timeline, and the forms to work it."""
    return _render_detail(request, _incident_or_404(request, number))


def _perform(request: HttpRequest, number: str, form: forms.Form, name: str,
             action: Callable[[Incident], str]) -> HttpResponse:
    """Run `action` through the shared form flow; errors land next to the form."""
    return perform(
        request, form, load=lambda: _incident_or_404(request, number), action=action,
        render_page=lambda incident, **kw: _render_detail(request, incident, bound=form,
                                                          bound_name=name, **kw),
        success_url=reverse("incidents:detail", kwargs={"number": number}),
    )


@require_POST
@staff_page
def incident_take(request: HttpRequest, number: str) -> HttpResponse:
    """Assign to me."""
    require_worker(request)

    def take(incident: Incident) -> str:
        workflow.assign(incident, actor=request.user, assignee=request.user,
                        expected_version=form.cleaned_data["version"])
        return _("%(number)s is assigned to you.") % {"number": number}

    form = VersionedForm(request.POST)
    return _perform(request, number, form, "take", take)


@require_POST
@staff_page
def incident_assign(request: HttpRequest, number: str) -> HttpResponse:
    """Set the assignment team and assignee."""
    require_worker(request)
    incident = _incident_or_404(request, number)
    form = AssignForm(request.POST, incident=incident)

    def assign(incident: Incident) -> str:
        workflow.assign(incident, actor=request.user, team=form.cleaned_data["team"],
                        assignee=form.cleaned_data["assignee"],
                        expected_version=form.cleaned_data["version"])
        return _("Assignment saved.")

    return _perform(request, number, form, "assign", assign)


@require_POST
@staff_page
def incident_transition(request: HttpRequest, number: str, name: str) -> HttpResponse:
    """Take one workflow transition with the fields it requires."""
    require_worker(request)
    incident = _incident_or_404(request, number)
    flow = workflow.workflow_for(incident)
    transition = flow.named(name)
    if transition is None:
        raise Http404
    form = transition_form(incident, transition, request.POST)

    def move(incident: Incident) -> str:
        note, values = transition_values(form)
        workflow.transition(incident, transition.target, actor=request.user, note=note,
                            via=transition.name,
                            expected_version=form.cleaned_data["version"], **values)
        return _("%(number)s: %(status)s.") % {
            "number": number, "status": flow.label(transition.target)}

    return _perform(request, number, form, f"transition:{name}", move)


@require_POST
@staff_page
def incident_edit(request: HttpRequest, number: str) -> HttpResponse:
    """Change the editable fields; only the changed ones reach the service."""
    require_worker(request)
    incident = _incident_or_404(request, number)
    form = IncidentEditForm(request.POST, incident=incident)

    def edit(incident: Incident) -> str:
        changes = form.changes()
        if not changes:
            return _("Nothing changed.")
        update_incident(incident, actor=request.user,
                        expected_version=form.cleaned_data["version"], **changes)
        return _("Changes saved.")

    return _perform(request, number, form, "edit", edit)


@require_POST
@staff_page
def incident_comment(request: HttpRequest, number: str) -> HttpResponse:
    """Add a public reply or an internal note."""
    require_worker(request)
    form = CommentForm(request.POST, can_choose_visibility=True)

    def comment(incident: Incident) -> str:
        services.add_comment(incident, author=request.user, body=form.cleaned_data["body"],
                             is_public=form.is_public)
        return _("Reply sent to the requester.") if form.is_public else _("Note added.")

    return _perform(request, number, form, "comment", comment)


@require_POST
@staff_page
def incident_attach(request: HttpRequest, number: str) -> HttpResponse:
    """Attach a file (size and type checked by the service)."""
    require_worker(request)
    form = AttachmentForm(request.POST, request.FILES)

    def attach(incident: Incident) -> str:
        attachment = services.add_attachment(incident, uploaded_by=request.user,
                                             upload=form.cleaned_data["file"])
        return _("%(name)s is attached.") % {"name": attachment.original_name}

    return _perform(request, number, form, "attach", attach)


# --- the requester's side -------------------------------------------------------------


@login_required
def portal_incident_create(request: HttpRequest) -> HttpResponse:
    """Log an incident from the portal, for oneself."""
    form = PortalIncidentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = create_incident(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Thank you. Your incident %(number)s is logged; "
                                        "we will keep you posted here.")
                             % {"number": incident.number})
            return redirect("portal:ticket", number=incident.number)
    status = 400 if form.is_bound else 200
    return render(request, "incidents/portal_incident_form.html", {"form": form},
                  status=status)
