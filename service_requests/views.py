"""Pages of request fulfilment: the catalog where requesters order, the desk's order
for a caller, the request's own part of its pages, and "my approvals" with the
one-click link of the approval email.

Every page hands its input to the services (`ordering`, `approvals`), which decide;
the forms only parse.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from catalog.models import RequestItem
from catalog.order_forms import OrderForm
from itsm import registry
from itsm.base import roles
from itsm.base.views import require_worker, staff_page
from itsm.choices import TicketKind
from itsm.models import Task, Ticket

from . import approvals, ordering
from .choices import Decision, StageState
from .forms import DecisionForm, DeskOrderForm, OrderDetailsForm
from .models import Approval, ServiceRequest

SEARCH_LIMIT = 200


# --- what a request shows on its pages ----------------------------------------------


def request_part(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    """The order's answers, its approval steps with each decision, and the tasks still
    to come; the desk page's panel and the portal's part read it."""
    order = ticket if isinstance(ticket, ServiceRequest) else (
        ServiceRequest.objects.get(pk=ticket.pk))
    stages = list(order.approval_stages.prefetch_related(Prefetch(
        "approvals", queryset=Approval.objects.select_related("approver", "decided_by")
        .order_by("pk"))))
    return {
        "order": order,
        "stages": stages,
        "to_come": [step for step in order.plan if step["stage"] > order.opened_stage],
        "mine": {approval.pk for stage in stages for approval in stage.approvals.all()
                 if approval.decision == Decision.PENDING and stage.state == StageState.PENDING
                 and approvals.may_decide(approval, request.user)},
    }


def portal_part(request: HttpRequest, ticket: Ticket) -> dict[str, Any] | None:
    """The portal's part of a request's page: the same, with its tasks in plain words."""
    if ticket.kind != TicketKind.SERVICE_REQUEST:
        return None
    part = request_part(request, ticket)
    part["tasks"] = list(Task.objects.filter(parent=ticket).select_related("assignment_team")
                         .only("number", "title", "status", "kind", "assignment_team__name",
                               "closed_at").order_by("created_at", "pk"))
    return part


# --- the catalog (portal) -------------------------------------------------------------


def _search(items, query: str):
    if query:
        items = items.filter(Q(name__icontains=query) | Q(description__icontains=query)
                             | Q(service__name__icontains=query))
    return items


def _grouped(items) -> list[tuple[str, list[RequestItem]]]:
    groups: dict[str, list[RequestItem]] = {}
    for item in items:
        category = item.service.category.name if item.service.category_id else _("Other")
        groups.setdefault(category, []).append(item)
    return sorted(groups.items(), key=lambda group: group[0])


@login_required
def portal_catalog(request: HttpRequest) -> HttpResponse:
    """What the requester may order, by category; search by name, description or
    service."""
    query = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "")
    items = ordering.orderable(request.user)
    categories = sorted({item.service.category.name for item in items
                         if item.service.category_id})
    items = _search(items, query)
    if category:
        items = items.filter(service__category__name=category)
    items = list(items.order_by("service__category__name", "name")[:SEARCH_LIMIT])
    return render(request, "service_requests/portal_catalog.html", {
        "groups": _grouped(items), "query": query, "category": category,
        "categories": categories, "found": len(items)})


def delivery(item: RequestItem) -> dict[str, Any]:
    """What the item page promises: approval steps in plain words, working days."""
    return {"steps": list(item.approval_steps.select_related("team").order_by("position")),
            "days": item.fulfilment_days}


@require_http_methods(["GET", "POST"])
@login_required
def portal_item(request: HttpRequest, pk: int) -> HttpResponse:
    """An item's page: its description, what to expect, and its order form."""
    item = get_object_or_404(ordering.orderable(request.user), pk=pk)
    on_behalf = item.on_behalf or roles.is_worker(request.user)
    data = request.POST if request.method == "POST" else None
    form = OrderForm(item.order_fields(), data=data, prefix="answer")
    details = OrderDetailsForm(data, on_behalf=on_behalf)
    if data is not None and form.is_valid() and details.is_valid():
        try:
            placed = ordering.order(
                item, actor=request.user, answers=request.POST, prefix="answer",
                requester=details.cleaned_data.get("requester") or request.user,
                description=details.cleaned_data["description"])
        except ValidationError as exc:
            _apply(exc, form, details)
        else:
            messages.success(request, _("Thank you. Your order %(number)s is placed; "
                                        "follow it here.") % {"number": placed.number})
            return redirect("portal:ticket", number=placed.number)
    return render(request, "service_requests/portal_item.html", {
        "item": item, "form": form, "rows": rows(form), "details": details,
        **delivery(item)}, status=400 if data is not None else 200)


def rows(form: OrderForm) -> list[dict[str, Any]]:
    """Each field of an order form with the condition that shows it, for the page."""
    found = []
    for spec in form.specs:
        row = {"spec": spec, "field": form[spec.name]}
        if spec.shown_when is not None:
            row["when"] = form.add_prefix(spec.shown_when[0])
            row["equals"] = json.dumps(spec.shown_when[1])
        found.append(row)
    return found


def _apply(exc: ValidationError, form: OrderForm, details) -> None:
    """A service's errors go next to the field they name, on whichever form has it."""
    for name, errors in exc.message_dict.items():
        target = form if name in form.fields else details
        target.add_error(name if name in target.fields else None, errors)


# --- the desk orders for a caller -----------------------------------------------------


@staff_page
def desk_order(request: HttpRequest, kind: str) -> HttpResponse:
    """`/requests/new/`: pick an item, then order it for a caller (phone, walk-in)."""
    require_worker(request)
    item_id = str(request.POST.get("item") or request.GET.get("item") or "")
    if not (item_id.isascii() and item_id.isdigit()):
        query = request.GET.get("q", "").strip()[:100]
        items = list(_search(ordering.orderable(request.user), query)
                     .order_by("service__category__name", "name")[:SEARCH_LIMIT])
        return render(request, "service_requests/desk_pick.html",
                      {"groups": _grouped(items), "query": query,
                       "process": registry.process_for(kind)})
    item = get_object_or_404(ordering.orderable(request.user), pk=item_id)
    data = request.POST if request.method == "POST" else None
    form = OrderForm(item.order_fields(), data=data, prefix="answer")
    details = DeskOrderForm(data)
    if data is not None and form.is_valid() and details.is_valid():
        try:
            placed = ordering.order(
                item, actor=request.user, answers=request.POST, prefix="answer",
                requester=details.cleaned_data["requester"],
                description=details.cleaned_data["description"],
                urgency=details.cleaned_data["urgency"], channel=details.cleaned_data["channel"])
        except ValidationError as exc:
            _apply(exc, form, details)
        else:
            messages.success(request, _("%(number)s is ordered.") % {"number": placed.number})
            return redirect(registry.ticket_url(placed.kind, placed.number))
    return render(request, "service_requests/desk_order.html", {
        "item": item, "form": form, "rows": rows(form), "details": details,
        **delivery(item), "process": registry.process_for(kind)},
        status=400 if data is not None else 200)


# --- approvals --------------------------------------------------------------------------


def _approvals_page(request: HttpRequest, audience: str) -> HttpResponse:
    waiting = list(approvals.waiting_for(request.user))
    return render(request, "service_requests/approvals.html", {
        "waiting": waiting, "decided": list(approvals.decided_by(request.user)[:20]),
        "audience": audience, "form": DecisionForm()})


@login_required
def portal_approvals(request: HttpRequest) -> HttpResponse:
    """Everything waiting for my decision, and what I decided lately."""
    return _approvals_page(request, "portal")


@staff_page
def desk_approvals(request: HttpRequest) -> HttpResponse:
    return _approvals_page(request, "desk")


@require_POST
@login_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or reject one approval of mine (or of whom I stand in for)."""
    approval = get_object_or_404(Approval.objects.for_user(request.user), pk=pk)
    back = request.POST.get("next") or reverse("portal:requests:approvals")
    if not back.startswith("/") or back.startswith("//"):
        back = reverse("portal:requests:approvals")
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            approvals.decide(approval, user=request.user, approve=form.approve,
                             comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            for problem in exc.messages:
                messages.error(request, problem)
        else:
            messages.success(request, _decided_message(approval, form.approve))
    else:
        messages.error(request, _("Choose approve or reject."))
    return redirect(back)


def _decided_message(approval: Approval, approved: bool) -> str:
    number = approval.request.number
    return (_("You approved %(number)s.") if approved else _("You rejected %(number)s.")) % {
        "number": number}


@require_http_methods(["GET", "POST"])
def approval_link(request: HttpRequest, token: str) -> HttpResponse:
    """The approval email's one-click link: it shows the order and asks to confirm;
    it works once, for the approver it was sent to (or their delegate)."""
    found = approvals.from_token(token)
    if found is None:
        return render(request, "service_requests/approval_link.html",
                      {"invalid": True}, status=400)
    approval, sent_to = found
    # Signed out, the link stands for the person it was sent to (and says so).
    user = request.user if request.user.is_authenticated else sent_to
    if user.pk != sent_to.pk or not approvals.may_decide(approval, user):
        raise PermissionDenied(_("This link was sent to someone else; open it signed in as "
                                 "its approver, or signed out."))
    settled = (approval.decision != Decision.PENDING
               or approval.stage.state != StageState.PENDING)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not settled and form.is_valid():
        try:
            approvals.decide(approval, user=user, approve=form.approve,
                             comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            form.add_error("comment" if "comment" in getattr(exc, "error_dict", {}) else None,
                           exc.messages)
        else:
            return render(request, "service_requests/approval_link.html", {
                "approval": approval, "done": _decided_message(approval, form.approve)})
    approval.refresh_from_db()
    return render(request, "service_requests/approval_link.html", {
        "approval": approval, "form": form, "settled": settled},
        status=400 if request.method == "POST" else 200)

