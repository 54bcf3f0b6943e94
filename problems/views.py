"""Pages of problem management: opening a problem (on its own or from ticked
incidents), the problem's own part of its page (its incidents, their count over time,
the known error, resolving its incidents), the problem part of an incident's page
(its problem, the known errors of its service or CI, "apply workaround"), and the
problem candidates.

Views parse and check; `problems.services` writes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from incidents.choices import OPEN_STATUSES as OPEN_INCIDENT
from incidents.models import Incident
from itsm import registry
from itsm.base import roles
from itsm.base.forms import apply_errors
from itsm.base.views import require_worker, staff_page
from itsm.choices import TicketKind
from itsm.models import Ticket

from . import candidates, services
from .forms import (
    CandidatesForm,
    LinkForm,
    ProblemCreateForm,
    ProblemNumberForm,
    ResolveIncidentsForm,
)
from .models import Problem, ProblemLink
from .process import flags_of

SHOWN_INCIDENTS = 25  # the newest; the count says how many there are
INCIDENT_FIELDS = ("number", "title", "status", "kind", "priority", "created_at",
                   "resolved_at", "assignee__username", "assignee__first_name",
                   "assignee__last_name")


def _problem(request: HttpRequest, number: str) -> Problem:
    return get_object_or_404(Problem.objects.visible_to(request.user), number=number)


def _incident(request: HttpRequest, number: str) -> Incident:
    return get_object_or_404(Incident.objects.visible_to(request.user),
                             number=number.strip().upper())


def _attempt(request: HttpRequest, act: Callable[[], Any], said: str) -> None:
    """Do what `act` does through the services; say `said` if it was done, else why
    not."""
    try:
        act()
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
    else:
        messages.success(request, said)


# --- opening a problem ----------------------------------------------------------------------


@staff_page
def problem_create(request: HttpRequest, kind: str = TicketKind.PROBLEM) -> HttpResponse:
    """Open a problem. From the queue's bulk bar the ticked incidents arrive as
    `ticket` numbers: the form opens with them listed and the first one's title."""
    require_worker(request)
    ticked = [n.strip().upper() for n in request.POST.getlist("ticket") if n.strip()]
    if ticked and "title" not in request.POST:  # from the bulk bar: show the form
        found = list(Incident.objects.visible_to(request.user).filter(number__in=ticked)
                     .select_related("service", "configuration_item").order_by("created_at"))
        if not found:
            messages.error(request, _("Tick one or more incidents first."))
            return redirect("incidents:list")
        form = ProblemCreateForm(initial={
            "title": found[0].title, "incidents": ",".join(i.number for i in found),
            "service": found[0].service if len({i.service_id for i in found}) == 1 else None})
        return _create_page(request, form, found)
    form = ProblemCreateForm(request.POST or None)
    chosen = list(Incident.objects.visible_to(request.user).filter(number__in=form.numbers())
                  .order_by("created_at")) if form.is_bound else []
    if request.method == "POST" and form.is_valid():
        try:
            problem = services.create_problem(actor=request.user, incidents=chosen,
                                              **form.service_kwargs())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, ngettext(
                "%(number)s is open, with %(count)d incident linked.",
                "%(number)s is open, with %(count)d incidents linked.", len(chosen))
                % {"number": problem.number, "count": len(chosen)})
            return redirect("problems:detail", number=problem.number)
    return _create_page(request, form, chosen)


def _create_page(request: HttpRequest, form: ProblemCreateForm, incidents: list) -> HttpResponse:
    return render(request, "problems/problem_form.html", {
        "form": form, "incidents": incidents, "process": registry.process_for("problem")},
        status=400 if form.is_bound and form.errors else 200)


# --- the problem's page -------------------------------------------------------------------


def problem_part(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    """What the problem's panel shows: investigation, incidents, their weekly count,
    and what may be done with them now."""
    problem = ticket if isinstance(ticket, Problem) else Problem.objects.get(pk=ticket.pk)
    linked = Incident.objects.filter(problem_link__problem=problem)
    incidents = list(linked.select_related("assignee").only(*INCIDENT_FIELDS)
                     .order_by("-created_at")[:SHOWN_INCIDENTS])
    counts = services.weekly_counts(problem)
    tallest = max((count for _week, count in counts), default=0)
    worker = roles.is_worker(request.user)
    still_open = linked.filter(status__in=OPEN_INCIDENT).count()
    return {
        "problem": problem, "incidents": incidents, "still_open": still_open,
        "incident_count": linked.count(),
        "weeks": [(week, count, round(100 * count / tallest) if tallest else 0)
                  for week, count in counts],
        "link_form": LinkForm() if worker and problem.closed_at is None else None,
        "resolve_form": ResolveIncidentsForm(initial={"note": problem.resolution_notes})
        if worker and still_open and problem.resolved_at is not None else None,
        "head_flags": flags_of(problem.recurred_at),
    }


@require_POST
@staff_page
def link_incident(request: HttpRequest, number: str) -> HttpResponse:
    require_worker(request)
    problem = _problem(request, number)
    form = LinkForm(request.POST)
    if form.is_valid():
        incident = Incident.objects.visible_to(request.user).filter(
            number=form.cleaned_data["number"].strip().upper()).first()
        if incident is None:
            messages.error(request, _("No incident %(number)s.")
                           % {"number": form.cleaned_data["number"]})
        else:
            _link(request, problem, incident)
    return redirect("problems:detail", number=problem.number)


def _link(request: HttpRequest, problem: Problem, incident: Incident) -> None:
    _attempt(request, lambda: services.link(problem, incident, actor=request.user),
             _("%(incident)s is linked to %(problem)s.")
             % {"incident": incident.number, "problem": problem.number})


@require_POST
@staff_page
def unlink_incident(request: HttpRequest, number: str, incident: str) -> HttpResponse:
    require_worker(request)
    problem = _problem(request, number)
    found = _incident(request, incident)
    _attempt(request, lambda: services.unlink(problem, found, actor=request.user),
             _("%(incident)s is no longer linked to %(problem)s.")
             % {"incident": found.number, "problem": problem.number})
    back = request.POST.get("back") == "incident"
    return redirect("incidents:detail" if back else "problems:detail",
                    number=found.number if back else problem.number)


@require_POST
@staff_page
def resolve_incidents(request: HttpRequest, number: str) -> HttpResponse:
    require_worker(request)
    problem = _problem(request, number)
    form = ResolveIncidentsForm(request.POST)
    if form.is_valid():
        try:
            done, refused = services.resolve_incidents(problem, actor=request.user,
                                                       note=form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if done:
                messages.success(request, ngettext(
                    "%(count)d incident resolved: %(numbers)s.",
                    "%(count)d incidents resolved: %(numbers)s.", len(done))
                    % {"count": len(done), "numbers": ", ".join(done)})
            for number, reason in refused.items():
                messages.error(request, _("%(number)s not resolved: %(reason)s")
                               % {"number": number, "reason": reason})
    else:
        messages.error(request, _("Write the note to the requesters."))
    return redirect("problems:detail", number=problem.number)


# --- on an incident's page -----------------------------------------------------------------


def incident_part(request: HttpRequest, ticket: Ticket) -> dict[str, Any] | None:
    """The problem part of an incident's desk page: its problem, or the known errors
    that may explain it, each with "link and apply workaround"."""
    if ticket.kind != TicketKind.INCIDENT or not roles.is_staff_reader(request.user):
        return None
    linked = (ProblemLink.objects.filter(incident_id=ticket.pk)
              .select_related("problem__known_error_article").first())
    problem = linked.problem if linked else None
    known = [] if problem else list(services.known_errors_for(ticket)[:5])
    worker = roles.is_worker(request.user)
    return {"problem": problem, "known_errors": known, "worker": worker,
            "workable": worker and ticket.status in OPEN_INCIDENT,
            "link_form": ProblemNumberForm() if worker and problem is None else None}


@require_POST
@staff_page
def apply_workaround(request: HttpRequest, number: str, problem: str) -> HttpResponse:
    require_worker(request)
    incident = _incident(request, number)
    found = _problem(request, problem)
    _attempt(request, lambda: services.apply_workaround(incident, found, actor=request.user),
             _("%(incident)s is linked to %(problem)s and resolved with its workaround.")
             % {"incident": incident.number, "problem": found.number})
    return redirect("incidents:detail", number=incident.number)


@require_POST
@staff_page
def link_to_problem(request: HttpRequest, number: str) -> HttpResponse:
    """From an incident's page: link it to the problem whose number is typed."""
    require_worker(request)
    incident = _incident(request, number)
    form = ProblemNumberForm(request.POST)
    typed = form.cleaned_data["number"].strip().upper() if form.is_valid() else ""
    problem = Problem.objects.visible_to(request.user).filter(number=typed).first()
    if problem is None:
        messages.error(request, _("No problem %(number)s.") % {"number": typed})
    else:
        _link(request, problem, incident)
    return redirect("incidents:detail", number=incident.number)


# --- candidates -------------------------------------------------------------------------------


@require_GET
@staff_page
def candidate_list(request: HttpRequest) -> HttpResponse:
    form = CandidatesForm(request.GET or None)
    days, threshold = form.value("days"), form.value("threshold")
    scope = form.value("scope")
    until = timezone.now()
    found = candidates.find(since=until - timedelta(days=days), until=until,
                            threshold=threshold,
                            scopes=(scope,) if scope else tuple(candidates.SCOPES))
    return render(request, "problems/candidates.html", {
        "form": form, "candidates": found, "days": days, "threshold": threshold,
        "worker": roles.is_worker(request.user)})
