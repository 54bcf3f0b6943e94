"""List plumbing shared by every API: strict ordering, filter choices scoped to the
user, and the all-kinds ticket filter."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import django_filters
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

from catalog.models import Customer, Service, Team
from itsm import roles
from itsm.choices import NUMBER_PREFIX, TicketKind
from itsm.models import Ticket, User


def visible(model: type[Model]) -> Callable[[object], QuerySet]:
    """A filter's choices: the rows of `model` the requesting user may see.

    Over `Model.objects.all()` a filter answers "Select a valid choice" only for ids
    that do not exist, which tells anyone which ids do. Scoped to `visible_to(user)`,
    an id the user may not see gets the same 400 as one that does not exist.
    """

    def queryset(request) -> QuerySet:
        if request is None:
            return model.objects.none()
        return model.objects.visible_to(request.user)

    return queryset


def visible_users(request) -> QuerySet:
    """A user filter's choices: every user for desk staff, only oneself for others.

    Users have no `visible_to`; a requester may still filter on themself (their own
    tickets), and learns nothing about who else has an account.
    """
    if request is None:
        return User.objects.none()
    user = request.user
    if roles.is_staff_reader(user):
        return User.objects.all()
    if getattr(user, "is_authenticated", False):
        return User.objects.filter(pk=user.pk)
    return User.objects.none()


class LeanFilterBackend(DjangoFilterBackend):
    """django-filter, with only the filters the request names.

    Building the FilterSet copies every filter and builds and validates a form field
    for each: a few milliseconds per list request, nearly all for filters the request
    does not use (and an absent filter filters nothing). So the FilterSet is narrowed
    to the named filters (one subclass per combination, made once), and with none named
    (the commonest request, the plain list) it is skipped altogether.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        named = named_filters(request, filterset_class)
        if not named:
            return queryset
        # Only for filtering: the browsable API's filter form (`to_html`) shows them all.
        filterset = narrowed_filterset(filterset_class, named)(
            **self.get_filterset_kwargs(request, queryset, view))
        if not filterset.is_valid() and self.raise_exception:
            raise translate_validation(filterset.errors)
        return filterset.qs


def named_filters(request, filterset_class: type[django_filters.FilterSet]) -> frozenset[str]:
    return frozenset(request.query_params.keys() & filterset_class.base_filters.keys())


@lru_cache(maxsize=512)
def narrowed_filterset(filterset_class: type[django_filters.FilterSet],
                       names: frozenset[str]) -> type[django_filters.FilterSet]:
    """`filterset_class` with only the filters in `names`; methods and Meta inherited."""
    narrowed = type(filterset_class.__name__, (filterset_class,), {
        "__module__": filterset_class.__module__,
        "__doc__": filterset_class.__doc__,
    })
    narrowed.base_filters = {name: f for name, f in filterset_class.base_filters.items()
                             if name in names}
    return narrowed


class StrictOrderingFilter(OrderingFilter):
    """`?ordering=` from the view's explicit allow-list; an unknown field is a 400.

    DRF silently drops unknown terms, so a typo returns rows in an order the client
    did not ask for. A tiebreaker on the primary key keeps pages stable.
    """

    def get_ordering(self, request, queryset: QuerySet, view) -> list[str]:
        allowed = {name for name, _label in self.get_valid_fields(queryset, view,
                                                                  {"request": request})}
        raw = request.query_params.get(self.ordering_param)
        if raw:
            terms = [term.strip() for term in raw.split(",") if term.strip()]
            unknown = [term for term in terms if term.lstrip("-") not in allowed]
            if unknown:
                raise ValidationError({self.ordering_param: [
                    _("Cannot order by %(fields)s. Choose from: %(allowed)s.")
                    % {"fields": ", ".join(unknown), "allowed": ", ".join(sorted(allowed))}
                ]})
        else:
            terms = list(self.get_default_ordering(view) or ())
        tiebreaker = getattr(view, "ordering_tiebreaker", "pk")
        if terms and not any(term.lstrip("-") in {"pk", "id"} for term in terms):
            terms.append(tiebreaker)
        return terms

    def get_valid_fields(self, queryset, view, context=None):
        if getattr(view, "ordering_fields", None) in (None, "__all__"):
            raise AssertionError(f"{view.__class__.__name__} needs an explicit ordering_fields")
        return super().get_valid_fields(queryset, view, context or {})


class TicketFilterSet(django_filters.FilterSet):
    """Filters for the read-only list of tickets of every kind."""

    q = django_filters.CharFilter(method="filter_text", label=_lazy("Search"))
    # distinct=False on columns of the row itself: no duplicates, no SELECT DISTINCT.
    kind = django_filters.MultipleChoiceFilter(choices=TicketKind.choices, label=_lazy("Kind"),
                                               distinct=False)
    status = django_filters.CharFilter(label=_lazy("Status"))
    priority = django_filters.MultipleChoiceFilter(
        choices=[(1, "P1"), (2, "P2"), (3, "P3"), (4, "P4")], label=_lazy("Priority"),
        distinct=False,
    )
    team = django_filters.ModelChoiceFilter(field_name="assignment_team",
                                            queryset=visible(Team), label=_lazy("Team"))
    assignee = django_filters.ModelChoiceFilter(queryset=visible_users,
                                                label=_lazy("Assignee"))
    requester = django_filters.ModelChoiceFilter(queryset=visible_users,
                                                 label=_lazy("Requester"))
    service = django_filters.ModelChoiceFilter(queryset=visible(Service),
                                               label=_lazy("Service"))
    customer = django_filters.ModelChoiceFilter(queryset=visible(Customer),
                                                label=_lazy("Customer"))
    is_open = django_filters.BooleanFilter(method="filter_open", label=_lazy("Open"))
    breached = django_filters.BooleanFilter(method="filter_breached", label=_lazy("Breached"))
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte",
                                                     label=_lazy("Created after"))
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt",
                                                      label=_lazy("Created before"))
    resolved_after = django_filters.IsoDateTimeFilter(field_name="resolved_at",
                                                      lookup_expr="gte",
                                                      label=_lazy("Resolved after"))
    resolved_before = django_filters.IsoDateTimeFilter(field_name="resolved_at",
                                                       lookup_expr="lt",
                                                       label=_lazy("Resolved before"))

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        upper = value.upper()
        if upper[:3] in NUMBER_PREFIX.values() and upper[3:].isdigit():
            return queryset.filter(number=upper)
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

    def filter_open(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        is_open = Q(resolved_at__isnull=True, closed_at__isnull=True)
        return queryset.filter(is_open) if value else queryset.exclude(is_open)

    def filter_breached(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        breached = Q(response_breached=True) | Q(resolution_breached=True)
        return queryset.filter(breached) if value else queryset.exclude(breached)
