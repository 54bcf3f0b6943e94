"""The catalog's pages of change windows: every desk role reads the freezes and the
maintenance windows; change managers and administrators keep them
(`catalog.windows`)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from itsm.base.forms import apply_errors
from itsm.base.views import staff_page

from .forms import FreezeWindowForm, MaintenanceWindowForm
from .models import FreezeWindow, MaintenanceWindow
from .windows import delete_window, may_keep_windows, save_window

# The two kinds of window, as the URLs name them: (model, form, singular label).
KINDS = {
    "freeze": (FreezeWindow, FreezeWindowForm, gettext_lazy("freeze window")),
    "maintenance": (MaintenanceWindow, MaintenanceWindowForm,
                    gettext_lazy("maintenance window")),
}
PAST_SHOWN = 20


def _kind(kind: str):
    if kind not in KINDS:
        raise Http404
    return KINDS[kind]


def _require_keeper(request: HttpRequest) -> None:
    if not may_keep_windows(request.user):
        raise PermissionDenied(_("Only change managers and administrators keep the "
                                 "change windows."))


@require_GET
@staff_page
def window_list(request: HttpRequest) -> HttpResponse:
    """The freezes now and to come (the last few past ones below), and every
    maintenance window by what it belongs to."""
    now = timezone.now()
    freezes = FreezeWindow.objects.visible_to(request.user).select_related("service")
    maintenance = (MaintenanceWindow.objects.visible_to(request.user)
                   .select_related("service", "configuration_item")
                   .order_by("service__name", "configuration_item__name", "name", "pk"))
    return render(request, "catalog/windows.html", {
        "freezes": freezes.filter(ends_at__gt=now).order_by("starts_at", "pk"),
        "past_freezes": freezes.filter(ends_at__lte=now).order_by("-ends_at", "-pk")[
            :PAST_SHOWN],
        "maintenance": maintenance,
        "now": now,
        "may_keep": may_keep_windows(request.user),
    })


@require_http_methods(["GET", "POST"])
@staff_page
def window_edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    """Create or edit a window of `kind`; the service checks it and names a bad field."""
    model, form_class, label = _kind(kind)
    _require_keeper(request)
    window = (get_object_or_404(model.objects.visible_to(request.user), pk=pk)
              if pk is not None else model())
    form = form_class(request.POST if request.method == "POST" else None, instance=window)
    if request.method == "POST" and form.is_valid():
        try:
            save_window(form.save(commit=False), actor=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": window.name})
            return redirect("catalog:windows")
    return render(request, "catalog/window_form.html", {
        "form": form, "window": window, "kind": kind, "label": label,
    }, status=400 if form.is_bound else 200)


@require_POST
@staff_page
def window_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model, _form, _label = _kind(kind)
    _require_keeper(request)
    window = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
    delete_window(window, actor=request.user)
    messages.success(request, _("Deleted %(name)s.") % {"name": window.name})
    return redirect("catalog:windows")
