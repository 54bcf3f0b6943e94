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
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Model, Value


@dataclass(frozen=True)
class BriefRelation:
    """One related object of a row, read as `build(values)` of `columns` (pk first)."""

    name: str  # the field in the response, e.g. "requester"
    id_attr: str  # the row's attribute holding the related id, e.g. "requester_id"
    model: type[Model]
    columns: tuple[str, ...]
    build: Callable[[tuple], Any]


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
    reads = []  # (model, columns, build, ids, relations)
    briefs: dict[str, dict[Any, Any]] = {}
    for (model, columns, build), group in groups.items():
        ids = {getattr(row, relation.id_attr) for relation in group for row in rows}
        ids.discard(None)
        if ids:
            reads.append((model, columns, build, ids, group))
        else:
            briefs.update((relation.name, {}) for relation in group)
    together = [read for read in reads if text_columns(read[0], read[1])]
    if len(together) < 2:
        together = []
    for model, columns, build, ids, group in reads:
        if not any(read[4] is group for read in together):
            found = {values[0]: build(values) for values in
                     model._base_manager.filter(pk__in=ids).order_by().values_list(*columns)}
            briefs.update((relation.name, found) for relation in group)
    if together:
        briefs.update(_read_together(together))
    return briefs


def text_columns(model: type[Model], columns: tuple[str, ...]) -> bool:
    """Whether every column but the pk holds text (so reads can share a UNION)."""
    return all(isinstance(model._meta.get_field(name), models.CharField | models.TextField)
               for name in columns[1:])


def _read_together(reads: list[tuple]) -> dict[str, dict[Any, Any]]:
    """Several models' briefs in one UNION ALL: each part is tagged with its read's
    index and padded with NULLs to the widest part's columns."""
    width = max(len(columns) for _model, columns, *_rest in reads)
    parts = [
        model._base_manager.filter(pk__in=ids).order_by().values_list(
            Value(index), *columns,
            *[Value(None, output_field=models.CharField())] * (width - len(columns)))
        for index, (model, columns, _build, ids, _group) in enumerate(reads)
    ]
    found: list[dict[Any, Any]] = [{} for _read in reads]
    for index, *values in parts[0].union(*parts[1:], all=True):
        _model, columns, build, _ids, _group = reads[index]
        values = tuple(values[:len(columns)])
        found[index][values[0]] = build(values)
    return {relation.name: found[index]
            for index, (*_read, group) in enumerate(reads) for relation in group}
