"""Read-only serializers that read each field with one prepared function, and read
the related objects of a whole page in brief, one query per related model.

Why: DRF's `to_representation` walks its field machinery for every field of every row
(`get_attribute`, `SkipField`, `PKOnlyObject`), and loading a row's related objects as
model instances (joined or prefetched) means planning the joins and building a few
hundred instances for two or three columns each. For a page of 50 tickets those were
most of a list response (DRF's walk 11.3 ms, these readers 6.1 ms, in-process).

How: `PreparedReadMixin` turns each of a serializer's fields into a reader, a function
of the serializer and the instance: a model field is read with `getattr` and handed to
the field's own `to_representation` (None stays None, as in DRF); a method field calls
its method; a related object in brief (a `PlainBriefMixin` serializer or a slug) is
looked up among those `load_briefs` read for the page, or read from the instance
otherwise. A field of any other shape (dotted sources, many-relations, pk-only
relations) makes the serializer use DRF's own walk, so the output is always DRF's: the
tests render every kind's list both ways and compare the bytes.

Every ticket kind's serializer uses it; how a serializer reads its relations is
declared by its fields alone, so a view has nothing to say about it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Manager, Model
from rest_framework import serializers
from rest_framework.relations import ManyRelatedField, RelatedField

# A reader: (serializer, instance) -> the field's value in the response.
Reader = Callable[[Any, Any], Any]


class PlainBriefMixin:
    """A brief form of a related object: a few plain attributes, embedded in many rows.

    `to_representation` reads the attributes straight into a dict. A list reads briefs
    without model instances: `brief_columns` are fetched with `values_list` (the pk
    first) and `brief_from_values` makes the same dict of them.
    """

    @classmethod
    def brief_columns(cls) -> tuple[str, ...]:
        fields = cls.Meta.fields
        return fields if fields[0] in ("id", "pk") else ("pk", *fields)

    @classmethod
    def brief_from_values(cls, values: tuple) -> dict[str, Any]:
        fields = cls.Meta.fields
        return dict(zip(fields, values[len(values) - len(fields):], strict=True))

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return {name: getattr(instance, name) for name in self.Meta.fields}


@dataclass(frozen=True)
class BriefRelation:
    """One related object of a row, read as `build(values)` of `columns` (pk first)."""

    name: str  # the field in the response, e.g. "requester"
    id_attr: str  # the row's attribute holding the related id, e.g. "requester_id"
    model: type[Model]
    columns: tuple[str, ...]
    build: Callable[[tuple], Any]


def load_briefs(relations: Iterable[BriefRelation], rows: list[Any]
                ) -> dict[str, dict[Any, Any]]:
    """{relation name: {related id: brief}} for the related objects `rows` point at.

    One `values_list` query per related model and set of columns: relations to the
    same model (a ticket's requester and assignee) share it, and relations no row sets
    cost none. The model's base manager reads them, as Django's related-object access
    does.
    """
    groups: dict[tuple, list[BriefRelation]] = defaultdict(list)
    for relation in relations:
        groups[(relation.model, relation.columns, relation.build)].append(relation)
    loaded: dict[str, dict[Any, Any]] = {}
    for (model, columns, build), group in groups.items():
        ids = {getattr(row, relation.id_attr) for relation in group for row in rows}
        ids.discard(None)
        found = {}
        if ids:
            found = {values[0]: build(values) for values in
                     model._base_manager.filter(pk__in=ids).order_by().values_list(*columns)}
        for relation in group:
            loaded[relation.name] = found
    return loaded


@dataclass(frozen=True)
class ReadPlan:
    """How a serializer reads an instance: one reader per field, and the relations
    a page reads in brief."""

    readers: tuple[tuple[str, Reader], ...]
    relations: tuple[BriefRelation, ...]


class PreparedReadMixin:
    """A read-only ModelSerializer whose fields are looked up once per response, not
    once per row (see the module's docstring)."""

    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan = self.read_plan()
        if plan is None:
            return super().to_representation(instance)
        if plan.relations and self.parent is None and "_briefs" not in self.__dict__:
            self.load_briefs([instance])  # one instance: its briefs as a page of one
        return {name: read(self, instance) for name, read in plan.readers}

    def read_plan(self) -> ReadPlan | None:
        if "_read_plan" not in self.__dict__:
            self._read_plan = self._make_plan()
        return self._read_plan

    def load_briefs(self, rows: list[Any]) -> None:
        """Read the brief related objects of `rows` (a page, or one instance) in one go."""
        plan = self.read_plan()
        self._briefs = load_briefs(plan.relations, rows) if plan and plan.relations else None

    def _make_plan(self) -> ReadPlan | None:
        """None if some field needs DRF's own walk."""
        readers, relations = [], []
        for field in self._readable_fields:
            if isinstance(field, serializers.SerializerMethodField):
                readers.append((field.field_name, getattr(type(self), field.method_name)))
                continue
            model_field = self._model_field(field)
            if model_field is None:
                return None
            relation = brief_relation(field, model_field)
            if relation is not None:
                relations.append(relation)
                readers.append((field.field_name, brief_reader(field, relation)))
            else:
                readers.append((field.field_name, value_reader(field)))
        return ReadPlan(tuple(readers), tuple(relations))

    def _model_field(self, field: serializers.Field) -> Any:
        """The concrete model field `field` reads, None if DRF must read it."""
        if (len(field.source_attrs) != 1
                or isinstance(field, ManyRelatedField | serializers.ListSerializer)
                or (isinstance(field, RelatedField) and field.use_pk_only_optimization())):
            return None
        try:
            model_field = self.Meta.model._meta.get_field(field.source_attrs[0])
        except FieldDoesNotExist:  # a property or method: DRF calls callables, so let it
            return None
        if not model_field.concrete or model_field.many_to_many:
            return None  # reverse relations: DRF turns DoesNotExist into None
        return model_field


def value_reader(field: serializers.Field) -> Reader:
    """Read the attribute and represent it as the field does; None stays None."""
    attr, represent = field.source_attrs[0], field.to_representation

    def read(_serializer: Any, instance: Any) -> Any:
        value = getattr(instance, attr)
        return None if value is None else represent(value)

    return read


def brief_relation(field: serializers.Field, model_field: Any) -> BriefRelation | None:
    """How a page reads this forward relation without instances, if it can."""
    if not (model_field.many_to_one or model_field.one_to_one):
        return None
    related = model_field.related_model
    if isinstance(field, PlainBriefMixin):
        columns, build = type(field).brief_columns(), type(field).brief_from_values
    elif isinstance(field, serializers.SlugRelatedField):
        columns, build = ("pk", field.slug_field), itemgetter(1)
    else:
        return None
    for column in columns[1:]:
        try:
            if not related._meta.get_field(column).concrete:
                return None
        except FieldDoesNotExist:
            return None
    return BriefRelation(field.field_name, model_field.attname, related, columns, build)


def brief_reader(field: serializers.Field, relation: BriefRelation) -> Reader:
    """The loaded brief when the page has loaded them, else the instance's attribute."""
    read_attribute = value_reader(field)
    name, id_attr = relation.name, relation.id_attr

    def read(serializer: Any, instance: Any) -> Any:
        loaded = serializer.__dict__.get("_briefs")
        if loaded is not None:
            key = getattr(instance, id_attr)
            if key is None:
                return None
            brief = loaded[name].get(key)
            if brief is not None:
                # Each row its own dict, as DRF gives: rows share the loaded one.
                return brief.copy() if isinstance(brief, dict) else brief
        return read_attribute(serializer, instance)

    return read


class BriefingListSerializer(serializers.ListSerializer):
    """A list that loads its rows' brief related objects once for the page."""

    def to_representation(self, data: Any) -> list[Any]:
        rows = list(data.all() if isinstance(data, Manager) else data)
        if isinstance(self.child, PreparedReadMixin):
            self.child.load_briefs(rows)
        return super().to_representation(rows)
