"""The desk's outage pages: the list, entering one, correcting one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import outages, registry
from ..base import roles
from ..base.forms import apply_errors
from ..base.views import require_worker, staff_page
from ..filters import OutageFilterSet
from ..forms import OutageForm
from ..models import Outage

PAGE_SIZE = 50
# The list's views, as filters of OutageFilterSet.
VIEWS = (("", gettext_lazy("All")), ("ongoing=true", gettext_lazy("Going on")),
         ("planned=false", gettext_lazy("Unplanned")), ("planned=true", gettext_lazy("Planned")))


@staff_page
def outage_list(request: HttpRequest) -> HttpResponse:
    """Every outage, newest first: what was down, when, for how long, and why."""
    filterset = OutageFilterSet(request.GET, queryset=Outage.objects.visible_to(
        request.user).select_related("service", "configuration_item", "ticket"))
    rows = filterset.qs if filterset.is_valid() else Outage.objects.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for outage in page:
        outage.ticket_url = (registry.ticket_url(outage.ticket.kind, outage.ticket.number)
                             if outage.ticket_id else "")
    _show_planned_work(list(page))
    return render(request, "itsm/outages/list.html", {
        "page_obj": page, "filterset": filterset, "section": "outages",
        "views": [(query, label, request.GET.urlencode() == query) for query, label in VIEWS],
        "may_write": roles.is_worker(request.user)})


def _show_planned_work(outages_: list[Outage]) -> None:
    """Mark each unplanned outage with the planned work (an approved change's window)
    it overlaps: that part of it does not count against availability."""
    unplanned = [outage for outage in outages_ if not outage.planned]
    if not unplanned:
        return
    now = timezone.now()
    works = registry.planned_work({outage.service_id for outage in unplanned},
                                  min(outage.started_at for outage in unplanned),
                                  max(outage.ended_at or now for outage in unplanned))
    for outage in unplanned:
        outage.planned_work = [work for work in works if work.service_id == outage.service_id
                               and work.start < (outage.ended_at or now)
                               and work.end > outage.started_at]


def _saved(form: OutageForm, write) -> Outage | None:
    """Run the service's write; its refusal becomes the form's errors."""
    try:
        return write()
    except ValidationError as exc:
        apply_errors(form, exc)
    return None


@staff_page
def outage_create(request: HttpRequest) -> HttpResponse:
    require_worker(request)
    form = OutageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outage = _saved(form, lambda: outages.record(actor=request.user, **form.cleaned_data))
        if outage is not None:
            messages.success(request, _("Outage of %(service)s recorded.")
                             % {"service": outage.service})
            return redirect("outages:list")
    return render(request, "itsm/outages/form.html", {"form": form, "section": "outages"})


@staff_page
def outage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    outage = get_object_or_404(Outage.objects.visible_to(request.user)
                               .select_related("service", "configuration_item", "ticket"), pk=pk)
    if outage.source == Outage.Source.INCIDENT and outage.ticket_id:
        messages.info(request, _("This outage follows %(number)s; change the incident "
                                 "instead.") % {"number": outage.ticket.number})
        return redirect(registry.ticket_url(outage.ticket.kind, outage.ticket.number))
    if request.method == "POST":
        require_worker(request)
    initial = {name: getattr(outage, name) for name in outages.EDITABLE}
    form = OutageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if _saved(form, lambda: outages.change(outage, actor=request.user,
                                               **changes)) is not None:
            messages.success(request, _("Outage corrected."))
            return redirect("outages:list")
    return render(request, "itsm/outages/form.html", {
        "form": form, "outage": outage, "section": "outages",
        "changes": _labelled(outage.changes.select_related("actor")),
        "may_write": roles.is_worker(request.user)})


def _labelled(changes) -> list:
    """Each change with its field as the form names it."""
    changes = list(changes)
    for change in changes:
        change.label = (Outage._meta.get_field(change.field).verbose_name
                        if change.field in outages.EDITABLE else change.field)
    return changes
