"""Type-ahead suggestions for the pickers (`itsm.forms.LookupInput`): a few `<option>`s
for a `<datalist>`, scoped to what the user may see, one small query each.

The field being typed in names its parameter (`?field=requester`), as htmx sends the
input under its own name.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog.models import ConfigurationItem, Service

from ..base.people import display_name
from ..base.views import staff_page
from ..forms import members_of
from ..models import User

LIMIT = 15


def _typed(request: HttpRequest) -> str:
    name = request.GET.get("field", "q")
    return request.GET.get(name, request.GET.get("q", "")).strip()[:100]


def _options(request: HttpRequest, options: list[tuple[str, str]]) -> HttpResponse:
    return render(request, "itsm/widgets/options.html", {"options": options})


@require_GET
@staff_page
def people(request: HttpRequest) -> HttpResponse:
    """Active people whose name or username contains what was typed."""
    typed = _typed(request)
    users = User.objects.filter(is_active=True)
    if typed:
        users = users.filter(Q(username__icontains=typed) | Q(first_name__icontains=typed)
                             | Q(last_name__icontains=typed))
    users = users.order_by("first_name", "last_name", "username").values_list(
        "username", "first_name", "last_name")[:LIMIT]
    return _options(request, [(username, display_name(username, first, last))
                              for username, first, last in users])


@require_GET
@staff_page
def members(request: HttpRequest) -> HttpResponse:
    """The assignee select's options for the chosen team (all workers for none)."""
    team = request.GET.get("team") or request.GET.get("assignment_team") or None
    if team is not None and not str(team).isdigit():
        team = None
    people = members_of(int(team) if team else None)
    return render(request, "itsm/widgets/member_options.html", {"people": people})


@require_GET
@staff_page
def services(request: HttpRequest) -> HttpResponse:
    typed = _typed(request)
    found = Service.objects.visible_to(request.user).filter(is_active=True)
    if typed:
        found = found.filter(Q(name__icontains=typed) | Q(code__icontains=typed))
    return _options(request, list(found.order_by("name").values_list("code", "name")[:LIMIT]))


@require_GET
@staff_page
def cis(request: HttpRequest) -> HttpResponse:
    typed = _typed(request)
    found = ConfigurationItem.objects.visible_to(request.user).filter(is_active=True)
    if typed:
        found = found.filter(name__icontains=typed)
    names = found.order_by("name").values_list("name", flat=True)[:LIMIT]
    return _options(request, [(name, name) for name in names])
