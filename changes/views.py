"""The change's own part of its desk page, the change part of an incident's page, and
recording an incident as caused by a change."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog.models import ConfigurationItem, Service
from incidents.models import Incident
from itsm.base import roles
from itsm.base.views import require_worker, staff_page
from itsm.choices import TicketKind
from itsm.models import Ticket

from . import risk, services
from .approval_views import steps_part
from .cab_views import change_part as cab_part
from .models import Change, ChangeCause


def change_part(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    change = ticket if isinstance(ticket, Change) else Change.objects.get(pk=ticket.pk)
    answers = [(question.text, change.risk_answers.get(question.name))
               for question in risk.QUESTIONS if question.name in change.risk_answers]
    return {"change": change, "risk_answers": answers, **steps_part(request, change),
            **cab_part(request, change),
            "affected_services": list(change.affected_services.all()),
            "affected_cis": list(change.affected_cis.all()),
            "impacted": services.impacted(change),
            "caused": list(Incident.objects.filter(caused_by_change__change=change)
                           .only("number", "title", "status", "kind").order_by("number"))}


def incident_part(request: HttpRequest, ticket: Ticket) -> dict[str, Any] | None:
    """On an incident's page: the change that caused it, or a way to record one."""
    if ticket.kind != TicketKind.INCIDENT or not roles.is_staff_reader(request.user):
        return None
    cause = ChangeCause.objects.filter(incident_id=ticket.pk).select_related("change").first()
    return {"cause": cause, "worker": roles.is_worker(request.user)}


@require_POST
@staff_page
def set_scope(request: HttpRequest, number: str) -> HttpResponse:
    """The services and CIs a change touches, typed as codes and names, comma-separated."""
    require_worker(request)
    change = get_object_or_404(Change.objects.visible_to(request.user), number=number)
    chosen, unknown = {}, []
    for field, model, key in (("services", Service, "code"), ("cis", ConfigurationItem, "name")):
        typed = [part.strip() for part in request.POST.get(field, "").split(",") if part.strip()]
        found = {getattr(item, key): item
                 for item in model.objects.filter(**{f"{key}__in": typed[:200]})}
        unknown += [name for name in typed if name not in found]
        chosen[field] = list(found.values())
    if unknown:
        messages.error(request, _("Not in the catalog: %(names)s.")
                       % {"names": ", ".join(unknown[:10])})
    else:
        try:
            services.set_scope(change, actor=request.user, **chosen)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Saved what %(number)s affects.")
                             % {"number": change.number})
    return redirect("changes:detail", number=change.number)


@require_POST
@staff_page
def record_cause(request: HttpRequest, number: str) -> HttpResponse:
    """From an incident's page: the change (typed by number) caused it."""
    require_worker(request)
    incident = get_object_or_404(Incident.objects.visible_to(request.user), number=number)
    typed = request.POST.get("number", "").strip().upper()[:20]
    change = Change.objects.visible_to(request.user).filter(number=typed).first()
    if change is None:
        messages.error(request, _("No change %(number)s.") % {"number": typed})
    else:
        try:
            services.record_cause(change, incident, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(incident)s is recorded as caused by %(change)s.")
                             % {"incident": incident.number, "change": change.number})
    return redirect("incidents:detail", number=incident.number)
