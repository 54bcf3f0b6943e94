"""The requester portal: my tickets, logging a ticket of any kind the registry offers
there, and one ticket's page with the requester's rights (comment, attach, confirm
or reopen), through the same actions as the desk's page (`itsm.views.pages`).

Requesters see only what `visible_to` gives them (their own tickets, and their
customer's when it shares); the timeline shown here is always the public one, told in
plain sentences.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from catalog.models import ServiceLevelAgreement

from .. import registry, services, timeline, workflow
from ..base import roles
from ..base.forms import PageForms, apply_errors
from ..choices import TicketKind
from ..forms import AttachmentForm, CommentForm
from ..models import Ticket, TicketEvent
from .pages import TicketPage

PAGE_SIZE = 25
# Planned work on the services a requester uses is told this far ahead.
PLANNED_WORK_AHEAD = timedelta(days=14)
USED_LATELY = timedelta(days=180)
LIST_FIELDS = (
    "number", "kind", "title", "status", "priority", "created_at", "updated_at",
    "requester__username", "requester__first_name", "requester__last_name",
    "service__name",
)
# How the portal names a transition where the desk's wording would puzzle a requester.
PORTAL_LABELS = {"close": gettext_lazy("Confirm resolution"), "reopen": gettext_lazy("Reopen")}


@login_required
def portal_home(request: HttpRequest) -> HttpResponse:
    """My tickets: the ones I can follow, newest activity first; and what I can ask for."""
    user = request.user
    # A task shows on the page of the ticket it is part of.
    tickets = Ticket.objects.visible_to(user).exclude(kind=TicketKind.TASK)
    if roles.is_staff_reader(user):
        tickets = tickets.filter(requester=user)  # the desk sees all; here, only mine
    show = "all" if request.GET.get("show") == "all" else "active"
    if show == "active":
        tickets = tickets.filter(closed_at__isnull=True)
    # One kind's (my requests, my incidents), among the kinds the portal offers.
    kinds = [process for process, _offer in registry.portal_offers()]
    kind = next((p.kind for p in kinds if p.kind == request.GET.get("kind")), "")
    if kind:
        tickets = tickets.filter(kind=kind)
    tickets = (
        tickets.select_related("requester", "service").only(*LIST_FIELDS)
        .order_by("-updated_at", "-id")
    )
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "itsm/portal/home.html",
                  {"page_obj": page, "show": show, "kind": kind, "kinds": kinds,
                   "planned_work": planned_work_for(user)})


def planned_work_for(user) -> list[registry.PlannedWork]:
    """The planned work of the coming days on the services the user uses that they may
    notice, each piece of work once (on the first of their services it touches)."""
    now, found, told = timezone.now(), [], set()
    for work in registry.planned_work(services_used_by(user), now, now + PLANNED_WORK_AHEAD):
        if work.disruptive and work.number not in told:
            told.add(work.number)
            found.append(work)
    return found


def services_used_by(user) -> set[int]:
    """The services a requester uses: those their customer has an agreement for, and
    those they logged tickets about lately."""
    used = set(Ticket.objects.filter(requester=user, service__isnull=False,
                                     created_at__gte=timezone.now() - USED_LATELY)
               .order_by().values_list("service_id", flat=True).distinct())
    if user.customer_id:
        used |= set(ServiceLevelAgreement.objects.filter(
            customer_id=user.customer_id, is_active=True, service__isnull=False)
            .values_list("service_id", flat=True))
    return used


@login_required
def portal_create(request: HttpRequest, kind: str) -> HttpResponse:
    """Log a ticket of `kind` from the portal, for oneself."""
    process = registry.process_for(kind)  # mounted for each of registry.portal_offers()
    form = process.get_portal_form()(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.create_ticket(kind, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Thank you. Your ticket %(number)s is logged; "
                                        "we will keep you posted here.")
                             % {"number": ticket.number})
            return redirect("portal:ticket", number=ticket.number)
    status = 400 if form.is_bound else 200
    return render(request, "itsm/portal/ticket_form.html",
                  {"form": form, "process": process, "offer": process.portal_offer,
                   "parts": registry.parts_for("portal-form", request, None)},
                  status=status)


class PortalPage(TicketPage):
    """A ticket as its requester (or their customer's members) sees it."""

    template = "itsm/portal/ticket.html"
    namespace = "portal"
    page_name = "ticket"
    audience = "portal"

    def may_offer(self, transition: workflow.Transition) -> bool:
        return transition.requester_may

    def offered(self, ticket: Ticket) -> list[workflow.Transition]:
        return [t for t in super().offered(ticket) if t.requester_may]

    def transition_label(self, transition: workflow.Transition) -> str:
        return PORTAL_LABELS.get(transition.name, transition.label)

    def context(self, ticket: Ticket, page_forms: PageForms) -> dict[str, Any]:
        context = super().context(ticket, page_forms)
        user = self.request.user
        read_only = roles.is_staff_reader(user) and not roles.is_worker(user)
        flow = self.process.workflow
        entries = timeline.entries(
            TicketEvent.objects.visible_to(user).filter(ticket=ticket, is_public=True)
            .select_related("actor", "comment"))
        for entry in entries:
            entry.said = timeline.sentences(entry, ticket, user)
        transition_forms, refusals = [], []
        if not read_only:
            transition_forms = self.transition_forms(ticket, page_forms)
            if ticket.requester_id == user.pk:
                # Say why a requester's usual action (e.g. reopen) is no longer offered.
                refusals = [
                    reason for t in flow.transitions_from(ticket.status) if t.requester_may
                    for reason in [workflow.may_transition(ticket, t, user)] if reason
                ]
        context.update(
            timeline=entries,
            transition_forms=transition_forms,
            refusals=refusals,
            reopen_window_days=(flow.setting("reopen_window_days")
                                if "reopen_window_days" in flow.defaults else None),
        )
        if ticket.closed_at is None and not read_only:
            context["comment_form"] = page_forms.get("comment", CommentForm)
            context["attachment_form"] = page_forms.get("attach", AttachmentForm)
        return context

    def moved_message(self, ticket: Ticket, transition: workflow.Transition) -> str:
        if transition.reopens:
            return _("Your ticket is reopened; the desk will pick it up again.")
        return _("Thank you for confirming. The ticket is closed.")


@login_required
def portal_ticket(request: HttpRequest, number: str) -> HttpResponse:
    """One ticket as the requester sees it: status, public timeline, files, actions."""
    return PortalPage(request, number).show()


@require_POST
@login_required
def portal_comment(request: HttpRequest, number: str) -> HttpResponse:
    """Add a comment (always public: the desk and the requester see it)."""
    return PortalPage(request, number).comment()


@require_POST
@login_required
def portal_attach(request: HttpRequest, number: str) -> HttpResponse:
    """Attach a file (size and type checked by the service)."""
    return PortalPage(request, number).attach()


@require_POST
@login_required
def portal_transition(request: HttpRequest, number: str, name: str) -> HttpResponse:
    """Confirm a resolution (close) or reopen with a reason; the workflow decides."""
    return PortalPage(request, number).transition(name)
