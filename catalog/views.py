"""Catalog pages for agents and managers; requesters get a 404 (they use the portal).

The service documentation dossier lives here: one page per service that every desk
role reads, an edit page for its owners, and its history of revisions.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from itsm.base import roles
from itsm.base.forms import apply_errors
from itsm.base.views import require_worker, staff_page

from . import acceptance
from .forms import (
    ApprovalStepFormSet,
    DossierForm,
    RequestItemForm,
    SupportPathFormSet,
    TaskTemplateFormSet,
)
from .models import (
    Lifecycle,
    RequestItem,
    Service,
    ServiceLevelAgreement,
    ServiceRevision,
    SLATarget,
    Team,
)
from .ownership import unowned
from .services import (
    DOSSIER_PARTS,
    DOSSIER_TEXT,
    StaleDossier,
    edit_dossier,
    latest_revision,
    may_edit_dossier,
    revision_changes,
    save_request_item,
)


@require_GET
@staff_page
def ownership_report(request: HttpRequest) -> HttpResponse:
    """What no management group answers for: unowned services and CIs, services
    without an active SLA."""
    return render(request, "catalog/ownership_report.html", {"gaps": unowned()})


@require_GET
@staff_page
def service_list(request: HttpRequest) -> HttpResponse:
    """The catalog: every service, grouped by category."""
    active_sla = ServiceLevelAgreement.objects.filter(service=OuterRef("pk"), is_active=True)
    services = (Service.objects.visible_to(request.user)
                .select_related("category", "owner_team")
                .annotate(has_sla=Exists(active_sla))
                .order_by("category__position", "category__name", "name"))
    return render(request, "catalog/service_list.html", {"services": services})


@require_GET
@staff_page
def team_list(request: HttpRequest) -> HttpResponse:
    """The management groups: who leads them, how often they meet, what they own."""
    teams = (Team.objects.visible_to(request.user).select_related("lead")
             .annotate(member_count=Count("members", distinct=True),
                       service_count=Count("owned_services", distinct=True),
                       ci_count=Count("owned_cis", distinct=True)))
    return render(request, "catalog/team_list.html", {"teams": teams})


@require_GET
@staff_page
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One management group: its people and everything it answers for."""
    team = get_object_or_404(Team.objects.visible_to(request.user).select_related("lead"),
                             pk=pk)
    return render(request, "catalog/team_detail.html", {
        "team": team,
        "members": team.members.order_by("first_name", "last_name", "username"),
        "services": team.owned_services.select_related("category").order_by("name"),
        "cis": team.owned_cis.order_by("name"),
        "levels": team.support_levels.select_related("service").order_by("service__name"),
    })


def _service(request: HttpRequest, code: str) -> Service:
    return get_object_or_404(
        Service.objects.visible_to(request.user).select_related("category", "owner_team__lead"),
        code=code)


@require_GET
@staff_page
def service_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The service's documentation: description, operational tasks, service levels,
    orders, standard changes, support path and suppliers."""
    service = _service(request, code)
    slas = (service.slas.filter(is_active=True).select_related("calendar", "customer")
            .prefetch_related(Prefetch("targets", SLATarget.objects.order_by("priority")))
            .order_by("customer__name"))
    contracts = (service.underpinning_contracts.select_related("supplier")
                 .prefetch_related("targets").order_by("supplier__name", "name"))
    revisions = service.revisions.aggregate(count=Count("pk"))["count"]
    return render(request, "catalog/service_detail.html", {
        "service": service,
        "depends_on": service.depends_on.order_by("name"),
        "supports": service.supports.order_by("name"),
        "slas": slas,
        "support_path": service.support_levels.select_related("team__lead", "supplier"),
        "request_items": service.request_items.filter(is_active=True)
                                 .select_related("fulfilment_team")
                                 .prefetch_related("approval_steps"),
        "standard_changes": service.standard_changes.filter(is_active=True),
        "contracts": contracts,
        "cis": service.configuration_items.filter(is_active=True).select_related("owner_team"),
        "latest": service.revisions.select_related("author").order_by("-number").first(),
        "revision_count": revisions,
        "may_edit": may_edit_dossier(request.user, service),
        "acceptance": acceptance.checklist(service),
        "may_go_live": service.lifecycle != Lifecycle.LIVE and roles.is_worker(request.user),
        "may_override": acceptance.may_override(request.user),
    })


@require_POST
@staff_page
def service_go_live(request: HttpRequest, code: str) -> HttpResponse:
    """Take a service live through its operational acceptance (`catalog.acceptance`)."""
    require_worker(request)
    service = _service(request, code)
    try:
        acceptance.go_live(service, actor=request.user,
                           override_reason=request.POST.get("override_reason", "")[:2000])
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", None) or [str(exc)]))
    else:
        messages.success(request, _("%(service)s is live.") % {"service": service.name})
    return redirect("catalog:service", code=service.code)


@require_http_methods(["GET", "POST"])
@staff_page
def service_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Owners edit the documentation text and the support path; every save is a
    revision. A save over someone else's newer one is refused (409), not merged."""
    service = _service(request, code)
    if not may_edit_dossier(request.user, service):
        raise PermissionDenied(_("Only the owner team edits this service's documentation."))
    latest = latest_revision(service)
    if request.method == "POST":
        form = DossierForm(request.POST)
        path = SupportPathFormSet(request.POST, prefix="level")
        if form.is_valid() and path.is_valid():
            try:
                edit_dossier(service, actor=request.user,
                             base_revision=form.cleaned_data["base_revision"],
                             texts={name: form.cleaned_data[name] for name in DOSSIER_TEXT},
                             path=path.levels(), summary=form.cleaned_data["summary"])
            except StaleDossier as stale:
                return render(request, "catalog/service_edit.html", {
                    "service": service, "form": form, "path": path, "stale": stale.latest,
                }, status=409)
            except ValidationError as error:
                for name, messages in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, messages)
            else:
                return redirect("catalog:service", code=service.code)
        status = 400
    else:
        form = DossierForm(initial={
            "base_revision": latest.number if latest else 0,
            **{name: getattr(service, name) for name in DOSSIER_TEXT},
        })
        path = SupportPathFormSet(prefix="level", initial=[
            {"team": level.team, "supplier": level.supplier, "note": level.note}
            for level in service.support_levels.select_related("team", "supplier")
        ])
        status = 200
    return render(request, "catalog/service_edit.html",
                  {"service": service, "form": form, "path": path}, status=status)


@require_http_methods(["GET", "POST"])
@staff_page
def request_item_edit(request: HttpRequest, code: str, pk: int | None = None) -> HttpResponse:
    """Owners edit a request item of their service: its settings, order form, approval
    steps and fulfilment tasks; every save is a revision of the documentation."""
    service = _service(request, code)
    if not may_edit_dossier(request.user, service):
        raise PermissionDenied(_("Only the owner team edits this service's documentation."))
    item = (get_object_or_404(service.request_items, pk=pk) if pk is not None
            else RequestItem(service=service))
    data = request.POST if request.method == "POST" else None
    latest = latest_revision(service)
    form = RequestItemForm(data, instance=item, service=service,
                           initial={"base_revision": latest.number if latest else 0})
    steps = ApprovalStepFormSet(data, instance=item, prefix="step")
    tasks = TaskTemplateFormSet(data, instance=item, prefix="task")
    status, context = 400, {}
    if data is not None and form.is_valid() and steps.is_valid() and tasks.is_valid():
        try:
            save_request_item(service, actor=request.user, form=form, steps=steps,
                              tasks=tasks, base_revision=form.cleaned_data["base_revision"],
                              summary=form.cleaned_data["summary"])
        except StaleDossier as stale:
            status, context = 409, {"stale": stale.latest}
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("catalog:service", code=service.code)
    return render(request, "catalog/request_item_edit.html", {
        **context, "service": service, "item": item, "form": form, "formsets": [
            (steps, _("Approval steps"), _("In order: each step is decided before the next "
                                           "opens. A number or a share says how many "
                                           "approvals a step needs. Tick delete to remove "
                                           "one.")),
            (tasks, _("Fulfilment tasks"), _("In order: each opens when the ones before it "
                                             "are done, unless it runs alongside the one "
                                             "before. Tick delete to remove one."))]},
        status=status if data is not None else 200)


@require_GET
@staff_page
def service_history(request: HttpRequest, code: str) -> HttpResponse:
    """Every saved revision of the documentation: who, when, what changed."""
    service = _service(request, code)
    revisions = service.revisions.select_related("author").order_by("-number")
    labels = {part: str(label) for part, label in DOSSIER_PARTS.items()}
    return render(request, "catalog/service_history.html", {
        "service": service,
        "revisions": [(revision, [labels.get(part, part) for part in revision.changed])
                      for revision in revisions],
    })


@require_GET
@staff_page
def service_revision(request: HttpRequest, code: str, number: int) -> HttpResponse:
    """One revision: the documentation as it then stood, and what it changed."""
    service = _service(request, code)
    revision = get_object_or_404(ServiceRevision.objects.select_related("author"),
                                 service=service, number=number)
    previous = (service.revisions.filter(number__lt=number).order_by("-number").first())
    newer = service.revisions.filter(number__gt=number).order_by("number").first()
    content = revision.content
    return render(request, "catalog/service_revision.html", {
        "service": service, "revision": revision, "previous": previous, "newer": newer,
        "changes": revision_changes(revision, previous),
        # (label, text, lines): the support path is a list of lines, the rest text.
        "parts": [(str(label), *((None, value) if isinstance(value, list) else (value, None)))
                  for part, label in DOSSIER_PARTS.items()
                  if (value := content.get(part)) is not None],
    })
