"""Page-number pagination with a client-chosen page size capped at 200, and a count
that stops at 1,000 unless the client asks for the exact one.

Counting every match of a list means reading every matching row: 5-10 ms for 100,000
incidents, a third of a list request, on every page. So `count` is exact up to
`COUNT_CAP` matches; past it the response says `"count_is_capped": true` and `count`
is the cap ("1,000 or more"). `?exact_count=true` pays for the exact number. Paging
works the same either way: `next` is there while more rows follow, even past the cap.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, InvalidPage, Page, PageNotAnInteger
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from itsm.base.pagination import CappedCountPaginator

COUNT_CAP = CappedCountPaginator.cap
EXACT_COUNT_PARAM = "exact_count"
# Past this the OFFSET would overflow PostgreSQL's bigint: a 404 like any page past the end.
MAX_OFFSET = 2**62


class OpenEndedPage(Page):
    """A page past a capped count: whether another follows comes from the rows fetched."""

    def __init__(self, object_list, number, paginator, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more


class ApiPaginator(CappedCountPaginator):
    """`CappedCountPaginator` whose pages go on past the cap (`cap=None`: exact count).

    Within the count the pages are Django's own. Past a capped count a page reads one
    row more than it shows, to know whether there is a next page.
    """

    def __init__(self, object_list, per_page, cap: int | None = COUNT_CAP):
        super().__init__(object_list, per_page)
        self.cap = cap
        self.pages_seen = 0  # past a capped count: the pages a page read has shown exist

    @property
    def num_pages(self) -> int:
        """The pages known: past a capped count, at least up to the page read (and the
        next one when it has rows), for the browsable API's page links."""
        pages = super().num_pages
        return max(pages, self.pages_seen) if self.count_is_capped else pages

    def validate_number(self, number) -> int:
        if not self.count_is_capped:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(_("That page number is not an integer")) from exc
        if number < 1:
            raise EmptyPage(_("That page number is less than 1"))
        if (number - 1) * self.per_page > MAX_OFFSET:
            raise EmptyPage(_("That page contains no results"))
        return number

    def page(self, number) -> Page:
        number = self.validate_number(number)
        if not self.count_is_capped:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom:bottom + self.per_page + 1])
        if not rows:
            raise EmptyPage(_("That page contains no results"))
        more = len(rows) > self.per_page
        self.pages_seen = number + more
        return OpenEndedPage(rows[:self.per_page], number, self, more=more)


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    count_cap = COUNT_CAP

    def get_page_size(self, request) -> int:
        """`page_size` from 1 up (more than 200 is 200); anything else is a 400 naming
        it, not silently the default."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        if not raw.strip().isdigit() or int(raw) < 1:
            raise ValidationError({self.page_size_query_param: [
                _("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}]})
        return min(int(raw), self.max_page_size)

    def get_count_cap(self, request, number) -> int | None:
        """None (count exactly) when asked to, or for `?page=last`, which needs the total."""
        exact = request.query_params.get(EXACT_COUNT_PARAM, "").strip().lower()
        if exact in {"1", "true", "yes"} or number in self.last_page_strings:
            return None
        return self.count_cap

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        number = request.query_params.get(self.page_query_param) or 1
        paginator = ApiPaginator(queryset, page_size, cap=self.get_count_cap(request, number))
        if number in self.last_page_strings:
            number = paginator.num_pages
        try:
            self.page = paginator.page(number)
        except InvalidPage as exc:
            raise NotFound(self.invalid_page_message.format(
                page_number=number, message=str(exc))) from exc
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True  # the browsable API's page links
        return list(self.page)

    def get_paginated_response(self, data) -> Response:
        paginator = self.page.paginator
        return Response({
            "count": paginator.count,
            "count_is_capped": paginator.count_is_capped,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": data,
        })

    def get_paginated_response_schema(self, schema: dict) -> dict:
        response = super().get_paginated_response_schema(schema)
        properties = response["properties"]
        properties["count"]["description"] = (
            f"Matching rows; at most {self.count_cap:,} unless `{EXACT_COUNT_PARAM}=true` "
            "(see `count_is_capped`)."
        )
        properties["count_is_capped"] = {
            "type": "boolean",
            "description": (
                f"True when more than {self.count_cap:,} rows match: `count` is then the cap, "
                f"not the total. Ask with `{EXACT_COUNT_PARAM}=true` for the total; `next` "
                "leads on past the cap either way."
            ),
        }
        response["required"] = [*response.get("required", []), "count_is_capped"]
        # Keep the documented order of the body: count, count_is_capped, next, ...
        response["properties"] = {
            "count": properties.pop("count"),
            "count_is_capped": properties.pop("count_is_capped"),
            **properties,
        }
        return response

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [*super().get_schema_operation_parameters(view), {
            "name": EXACT_COUNT_PARAM,
            "required": False,
            "in": "query",
            "description": (
                f"true: count every match (slower on large lists) instead of stopping at "
                f"{self.count_cap:,}."
            ),
            "schema": {"type": "boolean"},
        }]
