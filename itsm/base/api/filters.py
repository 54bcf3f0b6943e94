"""List plumbing shared by every API: strict ordering."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter


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
