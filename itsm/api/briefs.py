"""The brief forms of a page's related objects, read in one query per related model.

A ticket row embeds seven related objects in brief (service, category, CI, customer,
requester, team, assignee). Loading them as model instances, joined or prefetched,
was a third of a list response: planning the joins, building some 250 instances and
Django's prefetch bookkeeping, all for two or three columns each. Here each related
model is read once per page with `values_list`, for the ids the page holds, straight
into the dicts the response shows; relations to the same model (requester and
assignee) share one query.

Which relations are read this way, and how, comes from the serializer's own fields
(`CompiledReadMixin`): a brief serializer (`PlainBriefMixin`) or a slug field on a
forward relation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Model


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

    One query per (model, columns, build), none for a relation no row sets. The
    model's base manager reads them, as Django's own related-object access does.
    """
    groups: dict[tuple, list[BriefRelation]] = defaultdict(list)
    for relation in relations:
        groups[(relation.model, relation.columns, relation.build)].append(relation)
    briefs: dict[str, dict[Any, Any]] = {}
    for (model, columns, build), group in groups.items():
        ids = {getattr(row, relation.id_attr) for relation in group for row in rows}
        ids.discard(None)
        found = {}
        if ids:
            found = {values[0]: build(values) for values in
                     model._base_manager.filter(pk__in=ids).order_by().values_list(*columns)}
        for relation in group:
            briefs[relation.name] = found
    return briefs
