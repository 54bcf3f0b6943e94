"""Core pages: the landing redirect, the health check, attachment downloads, and the
decorators every staff page uses to scope access by role."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from . import workflow
from .base import roles
from .forms import apply_errors
from .models import Attachment, Ticket

STALE_MESSAGE = gettext_lazy(
    "This ticket was changed by someone else since you opened it, so your change was "
    "not saved. Reload the page to see the current state, then try again."
)

View = Callable[..., HttpResponse]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send desk staff to the incident queue and everyone else to the portal."""
    if roles.is_staff_reader(request.user):
        return redirect("incidents:list")
    return redirect("portal:home")


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
@login_required
def attachment_download(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """Serve a ticket's file as a download, only to users who can see the ticket.

    The attachment is looked up *within* the visible ticket, so guessing another
    ticket's attachment id gives a 404 (no IDOR). The stored content type comes from
    the upload allow-list; nosniff and a sandbox CSP stop the browser rendering it.
    """
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user).only("pk"),
                               number=number)
    attachment = get_object_or_404(Attachment.objects.visible_to(request.user),
                                   pk=pk, ticket=ticket)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-cache"
    return response


def perform(request: HttpRequest, form, *, load: Callable[[], Ticket],
            action: Callable[[Ticket], str], render_page: Callable[..., HttpResponse],
            success_url: str) -> HttpResponse:
    """Validate `form`, run `action` on the ticket and redirect with its message.

    A stale `version` re-renders the page with 409 and nothing written; a refused write
    re-renders with 400 and the service's errors on the form's fields. The page is
    always rendered from a fresh load, as the failed write may have touched the instance.
    """
    ticket = load()
    if form.is_valid():
        version = form.cleaned_data.get("version")
        try:
            if version is not None and version != ticket.version:
                raise workflow.StaleVersion(ticket.version)
            message = action(ticket)
        except workflow.StaleVersion:
            form.add_error(None, STALE_MESSAGE)
            return render_page(load(), status=409, stale=True)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if message:
                messages.success(request, message)
            return redirect(success_url)
    return render_page(load(), status=400)
