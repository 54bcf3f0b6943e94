"""Pagination for the HTML queues."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedCountPaginator(Paginator):
    """Counts at most `cap` rows; the page then says "1,000+" instead of the total.

    Counting every match of a queue means joining each ticket row to its process table:
    tens of milliseconds for tens of thousands of open incidents, on every page view.
    Past a thousand matches nobody pages on; they narrow the filters. `cap=None`
    counts them all.
    """

    cap: int | None = 1000

    @cached_property
    def _counted(self) -> int:
        if self.cap is None:
            return self.object_list.count()
        # Without the list's ORDER BY, the database stops at the cap in whatever order
        # is cheapest instead of sorting every match first.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def count(self) -> int:
        return self._counted if self.cap is None else min(self._counted, self.cap)

    @property
    def count_is_capped(self) -> bool:
        return self.cap is not None and self._counted > self.cap
