"""The decorators every desk page uses to scope access by role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from . import roles

View = Callable[..., HttpResponse]


def staff_page(view: View, *, otherwise: View | None = None) -> View:
    """Desk pages: anonymous users log in; requesters get a 404 (they use the portal),
    or for a GET whatever `otherwise(request, *args, **kwargs)` answers."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not roles.is_staff_reader(request.user):
            if otherwise is None or request.method != "GET":
                raise Http404
            return otherwise(request, *args, **kwargs)
        return view(request, *args, **kwargs)

    return wrapped


def require_worker(request: HttpRequest) -> None:
    """Refuse (403) a write by someone who reads tickets but does not work them."""
    if not roles.is_worker(request.user):
        raise PermissionDenied(_("Your role can read tickets but not change them."))
