"""Core pages: the landing redirect, the health check, attachment downloads, and the
decorator of every desk page."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET

from ..base import roles
from ..base.views import staff_page
from ..models import Attachment, Ticket


def _to_portal(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    if "number" in kwargs:
        return redirect("portal:ticket", number=kwargs["number"])
    return redirect("portal:home")


# A page of the desk: anonymous users log in; a requester who opens one (a link from an
# email, say) is sent to the portal: to its page of the same ticket when the URL names
# one. A requester's POST to a desk page is a 404.
desk_page = partial(staff_page, otherwise=_to_portal)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send desk staff to the queue of all work and everyone else to the portal."""
    if roles.is_staff_reader(request.user):
        return redirect("work")
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
    return serve_file(attachment)


def serve_file(stored) -> HttpResponse:
    """A stored upload (its `file`, `original_name`, `content_type`) as a download
    the browser never renders."""
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=stored.original_name,
                            content_type=stored.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-cache"
    return response
