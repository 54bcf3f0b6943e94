"""Authorising changes from the desk: what waits for me (and, for change managers,
everything awaiting authorization) in one place, the steps on a change's page, and
deciding one of my approvals. Every decision is `changes.approvals`'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from itsm.base import roles
from itsm.base.views import staff_page
from itsm.choices import Decision, StageState

from . import approvals
from .models import Change, ChangeApproval


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", gettext_lazy("Approve")),
                                          ("reject", gettext_lazy("Reject"))],
                                 widget=forms.HiddenInput)
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False,
                              max_length=5_000, widget=forms.Textarea(attrs={"rows": 2}))

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


def is_change_manager(user) -> bool:
    return bool(roles.roles_of(user) & {roles.CHANGE_MANAGER, roles.ADMIN})


def steps_part(request: HttpRequest, change: Change) -> dict[str, Any]:
    """The change's approval steps with their decisions, and the approval of mine
    that is open on it, if any."""
    stages = list(change.approval_stages.prefetch_related(Prefetch(
        "approvals", ChangeApproval.objects.select_related("approver", "decided_by",
                                                           "meeting")))
        .order_by("position"))
    for stage in stages:
        for approval in stage.approvals.all():
            approval.change = change  # read once, not per approval
    mine = next((approval for stage in stages for approval in stage.approvals.all()
                 if approval.decision == Decision.PENDING and stage.state == StageState.PENDING
                 and approvals.may_decide(approval, request.user)), None)
    return {"approval_stages": stages, "my_approval": mine}


@staff_page
def approvals_page(request: HttpRequest) -> HttpResponse:
    """Everything waiting for my decision; for change managers, every change awaiting
    authorization with the step it is at and who is asked."""
    return render(request, "changes/approvals.html", {
        "waiting": list(approvals.waiting_for(request.user)),
        "awaiting": list(approvals.awaiting_authorization()[:200])
        if is_change_manager(request.user) else None,
        "decided": list(approvals.decided_by(request.user)[:20]),
    })


@require_POST
@staff_page
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or reject one approval of mine (or of whom I stand in for)."""
    approval = get_object_or_404(ChangeApproval.objects.for_user(request.user)
                                 .select_related("change"), pk=pk)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("changes:detail", args=[approval.change.number])
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or reject."))
        return redirect(back)
    try:
        approvals.decide(approval, user=request.user, approve=form.approve,
                         comment=form.cleaned_data["comment"])
    except (ValidationError, PermissionDenied) as exc:
        for problem in getattr(exc, "messages", [str(exc)]):
            messages.error(request, problem)
    else:
        messages.success(request, (_("You approved %(number)s.") if form.approve else
                                   _("You refused %(number)s."))
                         % {"number": approval.change.number})
    return redirect(back)

