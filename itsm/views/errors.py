"""Error pages: styled, with the menu, in the user's language; and JSON under /api/.

Every answer under `/api/` is JSON, even for a URL no route matches (a malformed
ticket number, say), so a client never has to parse an HTML error page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from drf_spectacular.views import SpectacularSwaggerView


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _page(request: HttpRequest, status: int, title: str, message: str, *,
          api_message: str | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": api_message or message}, status=status)
    return render(request, "errors/error.html",
                  {"status": status, "title": title, "message": message}, status=status)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _page(request, 400, _("Bad request"),
                 _("The request could not be understood. Please go back and try again."))


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    message = str(exception) if exception is not None and str(exception) else _(
        "Your role may not do this.")
    return _page(request, 403, _("Not allowed"), message)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _page(request, 404, _("Not found"),
                 _("There is no such page, or it is not visible to you."),
                 api_message=_("Not found."))


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request's context (no context processors, so no session or
    # database): whatever failed may fail again.
    if _is_api(request):
        return JsonResponse({"detail": _("Something went wrong on our side; it is logged. "
                                         "Please try again.")}, status=500)
    return HttpResponseServerError(loader.get_template("errors/500.html").render())


class ApiDocsView(SpectacularSwaggerView):
    """Swagger UI with a way back to the app."""

    template_name = "itsm/api_docs.html"
