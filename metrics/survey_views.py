"""The survey's pages: the answer page the email links to (no sign-in; it shows only
the ticket's number and title), the form on the requester's portal page of the
ticket, and the answer on the desk's page of it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from itsm.base import roles
from itsm.base.forms import apply_errors
from itsm.models import Ticket
from itsm.registry import TicketPart

from . import surveys
from .forms import SurveyForm
from .models import Survey


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """Rate a resolved ticket from the link its requester was sent; a second answer
    replaces the first while the survey is open."""
    survey = surveys.from_token(token)
    if survey is None:
        raise Http404
    status = 200
    if request.method == "POST":
        form = SurveyForm(request.POST)
        if form.is_valid():
            try:
                surveys.answer(survey, rating=form.cleaned_data["rating"],
                               comment=form.cleaned_data["comment"])
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                thanks = _("Thank you for your answer.")
                back = request.POST.get("next", "")
                if url_has_allowed_host_and_scheme(back, {request.get_host()},
                                                   require_https=request.is_secure()):
                    messages.success(request, thanks)
                    return redirect(back)
                return render(request, "metrics/survey_thanks.html",
                              {"number": survey.ticket.number, "thanks": thanks})
        status = 400
    else:
        initial = {"rating": survey.rating or request.GET.get("rating"),
                   "comment": survey.comment}
        form = SurveyForm(initial=initial)
    return render(request, "metrics/survey.html", {
        "number": survey.ticket.number, "title": survey.ticket.title, "form": form,
        "survey": survey, "is_open": survey.is_open(),
        "closed": surveys.closed_message(survey)}, status=status)


def portal_part(request: HttpRequest, ticket: Ticket) -> dict[str, Any] | None:
    """The requester's survey of the ticket, while it is open (or once answered)."""
    survey = Survey.objects.filter(ticket=ticket, requester_id=request.user.pk).first()
    if survey is None or not (survey.is_open() or survey.answered_at):
        return None
    form = SurveyForm(initial={"rating": survey.rating, "comment": survey.comment})
    return {"survey": survey, "form": form, "is_open": survey.is_open(),
            "action": surveys.answer_url(survey), "next": request.get_full_path()}


def desk_part(request: HttpRequest, ticket: Ticket) -> dict[str, Any] | None:
    """The requester's answer, for the desk (agents see the comment)."""
    if not roles.is_staff_reader(request.user):
        return None
    survey = Survey.objects.filter(ticket=ticket).first()
    return None if survey is None else {"survey": survey}


PORTAL_PART = TicketPart("portal", "metrics/parts/portal_survey.html", portal_part)
DESK_PART = TicketPart("desk", "metrics/parts/desk_survey.html", desk_part)
