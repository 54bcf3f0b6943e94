"""The brief forms of a page's related objects: a few columns each, read in one go.

A ticket row embeds seven related objects in brief (service, category, CI, customer,
requester, team, assignee). Loading them as model instances, joined or prefetched,
was a third of a list response: planning the joins, building some 250 instances and
Django's prefetch bookkeeping, all for two or three columns each. Here the related
objects of a whole page are read with `values_list`, for the ids the page holds,
straight into what the page shows: relations to the same model (requester and
assignee) share a read, and reads of text columns share one UNION ALL query.

The API's lists take their relations from the serializer's own fields
(`itsm.api.serializers.CompiledReadMixin`); the incident queue names its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Model, QuerySet, Value


@dataclass(frozen=True)
class BriefRelation:
    """One related object of a row, read as `build(values)` of `columns` (pk first)."""

    name: str  # the field in the response, e.g. "requester"
    id_attr: str  # the row's attribute holding the related id, e.g. "requester_id"
    model: type[Model]
    columns: tuple[str, ...]
    build: Callable[[tuple], Any]


@dataclass(eq=False)
class _Read:
    """One query's worth: the `ids` of `model` that `relations` point at."""

    model: type[Model]
    columns: tuple[str, ...]
    build: Callable[[tuple], Any]
    ids: set[Any]
    relations: list[BriefRelation]
    found: dict[Any, Any] = field(default_factory=dict)

    def rows(self, *padding: Any) -> QuerySet:
        return (self.model._base_manager.filter(pk__in=self.ids).order_by()
                .values_list(*self.columns, *padding))

    def all_text(self) -> bool:
        """Whether every column but the pk holds text (so reads can share a UNION)."""
        return all(isinstance(self.model._meta.get_field(name),
                              models.CharField | models.TextField)
                   for name in self.columns[1:])


def load(relations: Iterable[BriefRelation], rows: list[Any]) -> dict[str, dict[Any, Any]]:
    """{relation name: {related id: brief}} for the related objects `rows` point at.

    Relations to the same model with the same columns share a read, and relations no
    row sets cost none. Reads whose columns are all text (every brief of a ticket) go
    to the database as one UNION ALL query; the rest one query each. The model's base
    manager reads them, as Django's own related-object access does.
    """
    groups: dict[tuple, list[BriefRelation]] = defaultdict(list)
    for relation in relations:
        groups[(relation.model, relation.columns, relation.build)].append(relation)
    reads = []
    for (model, columns, build), group in groups.items():
        ids = {getattr(row, relation.id_attr) for relation in group for row in rows}
        ids.discard(None)
        reads.append(_Read(model, columns, build, ids, group))
    wanted = [read for read in reads if read.ids]
    together = [read for read in wanted if read.all_text()]
    if len(together) > 1:
        _read_together(together)
    else:
        together = []
    for read in wanted:
        if read not in together:
            read.found = {values[0]: read.build(values) for values in read.rows()}
    return {relation.name: read.found for read in reads for relation in read.relations}


def _read_together(reads: list[_Read]) -> None:
    """Several reads in one UNION ALL: each part is tagged with its read's index and
    padded with NULLs to the widest part's columns."""
    width = max(len(read.columns) for read in reads)
    parts = [read.rows(*[Value(None, output_field=models.CharField())]
                       * (width - len(read.columns)), Value(index))
             for index, read in enumerate(reads)]
    for *values, index in parts[0].union(*parts[1:], all=True):
        read = reads[index]
        values = tuple(values[:len(read.columns)])
        read.found[values[0]] = read.build(values)
