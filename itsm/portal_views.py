"""The requester portal: my tickets, one ticket's public timeline, comment, attach,
confirm or reopen. Works for every kind of ticket; logging an incident lives in
`incidents.views` (the core knows no process).

Requesters see only what `visible_to` gives them (their own tickets, and their
customer's when it shares); the timeline shown here is always the public one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import services, workflow
from .base import roles
from .forms import AttachmentForm, CommentForm, PageForms, transition_form, transition_values
from .models import Attachment, Ticket, TicketEvent
from .views import STALE_MESSAGE, perform

PAGE_SIZE = 25
LIST_FIELDS = (
    "number", "kind", "title", "status", "priority", "created_at", "updated_at",
    "requester__username", "requester__first_name", "requester__last_name",
    "service__name",
)
# How the portal names a transition where the desk's wording would puzzle a requester.
PORTAL_LABELS = {"close": gettext_lazy("Confirm resolution"), "reopen": gettext_lazy("Reopen")}


@cache
def _kind_models() -> dict[str, type[Ticket]]:
    """Ticket kind -> the concrete model that extends Ticket (multi-table inheritance)."""
    return {
        rel.related_model._meta.model_name: rel.related_model
        for rel in Ticket._meta.related_objects if rel.one_to_one and rel.parent_link
    }


def _ticket_or_404(request: HttpRequest, number: str) -> Ticket:
    """The visible ticket with this number, as its concrete kind (Incident, …)."""
    found = get_object_or_404(Ticket.objects.visible_to(request.user).only("pk", "kind"),
                              number=number)
    model = _kind_models().get(found.kind.replace("_", ""), Ticket)
    return model.objects.select_related("service", "requester", "assignment_team").get(
        pk=found.pk
    )


@login_required
def portal_home(request: HttpRequest) -> HttpResponse:
    """My tickets: the ones I can follow, newest activity first."""
    user = request.user
    tickets = Ticket.objects.visible_to(user)
    if roles.is_staff_reader(user):
        tickets = tickets.filter(requester=user)  # the desk sees all; here, only mine
    show = "all" if request.GET.get("show") == "all" else "active"
    if show == "active":
        tickets = tickets.filter(closed_at__isnull=True)
    tickets = (
        tickets.select_related("requester", "service").only(*LIST_FIELDS)
        .order_by("-updated_at", "-id")
    )
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "itsm/portal/home.html", {"page_obj": page, "show": show})


def _portal_transitions(ticket: Ticket, user) -> list:
    return [t for t in workflow.allowed_transitions(ticket, user) if t.requester_may]


def _render_ticket(request: HttpRequest, ticket: Ticket, *, status: int = 200,
                   bound: forms.Form | None = None, bound_name: str = "",
                   stale: bool = False) -> HttpResponse:
    user = request.user
    read_only = roles.is_staff_reader(user) and not roles.is_worker(user)
    open_ticket = ticket.closed_at is None and not read_only

    page_forms = PageForms(bound, bound_name)

    flow = workflow.workflow_for(ticket)
    transition_forms = []
    refusals = []
    if not read_only:
        for t in _portal_transitions(ticket, user):
            form = page_forms.get(f"transition:{t.name}", lambda t=t: transition_form(ticket, t))
            form.portal_label = PORTAL_LABELS.get(t.name, t.label)
            transition_forms.append(form)
        if ticket.requester_id == user.pk:
            # Say why a requester's usual action (e.g. reopen) is no longer offered.
            refusals = [
                reason for t in flow.transitions_from(ticket.status) if t.requester_may
                for reason in [workflow.may_transition(ticket, t, user)] if reason
            ]
    context: dict[str, Any] = {
        "ticket": ticket,
        "status_label": flow.label(ticket.status),
        "timeline": TicketEvent.objects.visible_to(user).filter(ticket=ticket, is_public=True)
        .select_related("actor", "comment"),
        "attachments": Attachment.objects.visible_to(user).filter(ticket=ticket)
        .select_related("uploaded_by"),
        "is_resolved": ticket.status in flow.resolved,
        "reopen_window_days": settings.REOPEN_WINDOW_DAYS,
        "transition_forms": transition_forms,
        "refusals": refusals,
        "stale": stale,
        "stale_message": STALE_MESSAGE,
        "max_upload": settings.ATTACHMENT_MAX_BYTES,
    }
    if open_ticket:
        context["comment_form"] = page_forms.get("comment", CommentForm)
        context["attachment_form"] = page_forms.get("attach", AttachmentForm)
    context["orphan_errors"] = page_forms.orphan_errors()
    return render(request, "itsm/portal/ticket.html", context, status=status)


@login_required
def portal_ticket(request: HttpRequest, number: str) -> HttpResponse:
    """One ticket as the requester sees it: status, public timeline, files, actions."""
    return _render_ticket(request, _ticket_or_404(request, number))


def _perform(request: HttpRequest, number: str, form: forms.Form, name: str,
             action: Callable[[Ticket], str]) -> HttpResponse:
    """Run `action` through the shared form flow; errors land next to the form."""
    return perform(
        request, form, load=lambda: _ticket_or_404(request, number), action=action,
        render_page=lambda ticket, **kw: _render_ticket(request, ticket, bound=form,
                                                        bound_name=name, **kw),
        success_url=reverse("portal:ticket", kwargs={"number": number}),
    )


@require_POST
@login_required
def portal_comment(request: HttpRequest, number: str) -> HttpResponse:
    """Add a comment (always public: the desk and the requester see it)."""
    form = CommentForm(request.POST)

    def comment(ticket: Ticket) -> str:
        services.add_comment(ticket, author=request.user, body=form.cleaned_data["body"],
                             is_public=True)
        return _("Your comment is added.")

    return _perform(request, number, form, "comment", comment)


@require_POST
@login_required
def portal_attach(request: HttpRequest, number: str) -> HttpResponse:
    """Attach a file (size and type checked by the service)."""
    form = AttachmentForm(request.POST, request.FILES)

    def attach(ticket: Ticket) -> str:
        attachment = services.add_attachment(ticket, uploaded_by=request.user,
                                             upload=form.cleaned_data["file"])
        return _("%(name)s is attached.") % {"name": attachment.original_name}

    return _perform(request, number, form, "attach", attach)


@require_POST
@login_required
def portal_transition(request: HttpRequest, number: str, name: str) -> HttpResponse:
    """Confirm a resolution (close) or reopen with a reason; the workflow decides."""
    ticket = _ticket_or_404(request, number)
    flow = workflow.workflow_for(ticket)
    transition = flow.named(name)
    if transition is None or not transition.requester_may:
        raise Http404
    form = transition_form(ticket, transition, request.POST)

    def move(ticket: Ticket) -> str:
        note, values = transition_values(form)
        workflow.transition(ticket, transition.target, actor=request.user, note=note,
                            via=transition.name,
                            expected_version=form.cleaned_data["version"], **values)
        if transition.reopens:
            return _("Your ticket is reopened; the desk will pick it up again.")
        return _("Thank you for confirming. The ticket is closed.")

    return _perform(request, number, form, f"transition:{name}", move)
