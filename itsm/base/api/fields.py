"""Serializer fields shared by every API: strict ids, user references, brief users.

DRF's `PrimaryKeyRelatedField` hands whatever it gets to the database: `true`,
`1.9` or `"1"` all find the row with id 1, and an id past the column's range reaches
the driver. The fields here accept an integer id and nothing else, so bad input is a
400 naming the field, never a surprise match or a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from itsm.base.people import display_name

# Ids are 64-bit signed integers in every supported database.
MAX_ID = 2**63 - 1


def parse_id(value: Any) -> int | None:
    """The integer id in `value` (an int or a string of digits), or None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related object by its integer id; anything else is "incorrect type"."""

    def to_internal_value(self, data: Any) -> Any:
        pk = parse_id(data)
        if pk is None:
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(pk)


@extend_schema_field(
    {"oneOf": [{"type": "integer"}, {"type": "string"}],
     "description": "A user's id (integer) or username (string)."}
)
class UserReferenceField(serializers.RelatedField):
    """A user given by id (a JSON integer) or by username (a JSON string)."""

    default_error_messages = {
        "does_not_exist": _("No active user “%(value)s”."),
        "incorrect_type": _("Give a user id (integer) or a username (string)."),
    }

    def to_internal_value(self, data: Any) -> Any:
        queryset = self.get_queryset()
        if isinstance(data, str) and data.strip():
            user = queryset.filter(username=data.strip()).first()
        elif isinstance(data, int) and not isinstance(data, bool):
            pk = parse_id(data)
            user = queryset.filter(pk=pk).first() if pk is not None else None
        else:
            self.fail("incorrect_type")
        if user is None:
            self.fail("does_not_exist", value=data)
        return user

    def to_representation(self, value: Any) -> Any:
        return value.pk


class PlainBriefMixin:
    """Brief forms are embedded several times in every list row; reading the attributes
    straight into a dict skips DRF's per-field machinery, a large share of a page's time.
    Only for read-only serializers of plain attributes.

    A list reads them without model instances (`itsm.briefs`): `brief_columns`
    are fetched with `values_list` (the pk first) and `brief_from_values` makes the
    same dict `to_representation` makes of an instance.
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


class BriefUserSerializer(PlainBriefMixin, serializers.ModelSerializer):
    """A user as other resources show them: id, username and display name."""

    name = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ("id", "username", "name")
        read_only_fields = fields

    @classmethod
    def brief_columns(cls) -> tuple[str, ...]:
        return ("pk", "username", "first_name", "last_name")

    @classmethod
    def brief_from_values(cls, values: tuple) -> dict[str, Any]:
        pk, username, first_name, last_name = values
        return {"id": pk, "username": username,
                "name": display_name(username, first_name, last_name)}

    @extend_schema_field(OpenApiTypes.STR)
    def get_name(self, user) -> str:
        return display_name(user.username, user.first_name, user.last_name)

    def to_representation(self, user: Any) -> dict[str, Any]:
        return {"id": user.pk, "username": user.username, "name": self.get_name(user)}
