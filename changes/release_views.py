"""Release pages: the releases, one release with its changes and the services it brings
live (each with its operational acceptance), and editing one. The desk edits; managers
read. Views parse and check; `changes.releases` writes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog import acceptance
from itsm.base.forms import apply_errors
from itsm.base.views import require_worker, staff_page

from . import releases
from .cab_forms import ReleaseChangeForm, ReleaseForm, ReleaseStatusForm
from .choices import ReleaseStatus
from .models import Change, Release

# The buttons that move a release on, by where they take it.
MOVE_LABELS = {ReleaseStatus.IN_PROGRESS: gettext_lazy("Start deploying"),
               ReleaseStatus.DEPLOYED: gettext_lazy("Mark deployed"),
               ReleaseStatus.ROLLED_BACK: gettext_lazy("Mark rolled back")}
CHANGE_FIELDS = ("kind", "number", "title", "status", "change_type", "close_code",
                 "planned_start", "planned_end", "release")


def _release(request: HttpRequest, pk: int) -> Release:
    return get_object_or_404(Release.objects.visible_to(request.user)
                             .select_related("owner_team", "created_by"), pk=pk)


def _said(exc: Exception) -> str:
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


@require_GET
@staff_page
def release_list(request: HttpRequest) -> HttpResponse:
    """Every release, the latest planned first, with how many changes and launches."""
    found = (Release.objects.visible_to(request.user).select_related("owner_team")
             .annotate(change_count=Count("changes", distinct=True),
                       launch_count=Count("launches", distinct=True)))
    return render(request, "changes/release/release_list.html", {
        "releases": list(found), "editor": releases.may_edit(request.user)})


@require_GET
@staff_page
def release_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One release: its changes with how they went, its notes, and the services it
    brings live with their acceptance checklists."""
    release = _release(request, pk)
    editor = releases.may_edit(request.user)
    targets = sorted(releases.MOVES.get(release.status, ()))
    return render(request, "changes/release/release_detail.html", {
        "release": release,
        "changes": list(release.changes.select_related(None).only(*CHANGE_FIELDS)
                        .order_by("planned_start", "number")),
        "launches": releases.launches_with_checks(release),
        "editor": editor, "open": bool(targets),
        "moves": [(target, MOVE_LABELS[target]) for target in targets],
        "may_override": acceptance.may_override(request.user),
        "change_form": ReleaseChangeForm(),
    })


@require_http_methods(["GET", "POST"])
@staff_page
def release_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create a release, or edit one that is not deployed or rolled back yet."""
    require_worker(request)
    release = _release(request, pk) if pk is not None else None
    form = ReleaseForm(request.POST or None, instance=release, initial={
        "launches": list(release.launches.values_list("pk", flat=True))} if release else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data[name] for name in releases.FIELDS}
        try:
            if release is None:
                release = releases.create_release(actor=request.user,
                                                  launches=data["launches"], **fields)
            else:
                releases.update_release(release, actor=request.user,
                                        launches=data["launches"], **fields)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Release %(name)s saved.") % {"name": release.name})
            return redirect("changes:release", pk=release.pk)
    return render(request, "changes/release/release_form.html", {
        "form": form, "release": release}, status=400 if form.is_bound else 200)


@require_POST
@staff_page
def release_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the release on; deploying takes its launches live."""
    require_worker(request)
    release = _release(request, pk)
    form = ReleaseStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values()
                                         for error in errors))
        return redirect("changes:release", pk=release.pk)
    try:
        releases.set_status(release, form.cleaned_data["status"], actor=request.user,
                            override_reason=form.cleaned_data["override_reason"])
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _said(exc))
    else:
        messages.success(request, _("Release %(name)s is %(status)s.") % {
            "name": release.name,
            "status": ReleaseStatus(form.cleaned_data["status"]).label.lower()})
    return redirect("changes:release", pk=release.pk)


@require_POST
@staff_page
def release_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a change (typed by number) to the release, or with `remove` take it out."""
    require_worker(request)
    release = _release(request, pk)
    form = ReleaseChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("change", [])))
        return redirect("changes:release", pk=release.pk)
    change: Change = form.cleaned_data["change"]
    removing = "remove" in request.POST
    try:
        if removing:
            releases.remove_change(release, change, actor=request.user)
        else:
            releases.add_change(release, change, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _said(exc))
    else:
        messages.success(request, (_("%(number)s is out of the release.") if removing else
                                   _("%(number)s is in the release.")) % {
            "number": change.number})
    return redirect("changes:release", pk=release.pk)
