"""Type-ahead suggestions for the pickers (`itsm.forms.LookupInput`): a few `<option>`s
for a `<datalist>`, scoped to what the user may see, one small query each.

The field being typed in names its parameter (`?field=requester`), as htmx sends the
input under its own name.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog.models import ConfigurationItem, Service

from ..base import roles
from ..base.people import display_name
from ..base.views import staff_page
from ..forms import members_of
from ..models import User

LIMIT = 15


def _typed(request: HttpRequest) -> str:
    name = request.GET.get("field", "q")
    return request.GET.get(name, request.GET.get("q", "")).strip()[:100]


def _matching(queryset: QuerySet, typed: str, *fields: str) -> QuerySet:
    """The rows where any of `fields` contains what was typed (all, if nothing was)."""
    if not typed:
        return queryset
    return queryset.filter(reduce(or_, (Q(**{f"{name}__icontains": typed}) for name in fields)))


def _options(request: HttpRequest, options: list[tuple[str, str]]) -> HttpResponse:
    return render(request, "itsm/widgets/options.html", {"options": options})


def _people(request: HttpRequest, people: QuerySet) -> HttpResponse:
    people = _matching(people, _typed(request), "username", "first_name", "last_name")
    people = people.order_by("first_name", "last_name", "username").values_list(
        "username", "first_name", "last_name")[:LIMIT]
    return _options(request, [(username, display_name(username, first, last))
                              for username, first, last in people])


@require_GET
@staff_page
def people(request: HttpRequest) -> HttpResponse:
    """Active people whose name or username contains what was typed."""
    return _people(request, User.objects.filter(is_active=True))


@require_GET
@staff_page
def workers(request: HttpRequest) -> HttpResponse:
    """The same among those who work tickets (for an assignee)."""
    return _people(request, roles.workers())


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
    found = _matching(Service.objects.visible_to(request.user).filter(is_active=True),
                      _typed(request), "name", "code")
    return _options(request, list(found.order_by("name").values_list("code", "name")[:LIMIT]))


@require_GET
@staff_page
def cis(request: HttpRequest) -> HttpResponse:
    found = _matching(ConfigurationItem.objects.visible_to(request.user).filter(is_active=True),
                      _typed(request), "name")
    names = found.order_by("name").values_list("name", flat=True)[:LIMIT]
    return _options(request, [(name, name) for name in names])
