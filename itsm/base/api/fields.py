"""Serializer fields shared by every API: related objects by id or natural key, and
brief users.

DRF's `PrimaryKeyRelatedField` hands whatever it gets to the database: `true`,
`1.9` or `"1"` all find the row with id 1, and an id past the column's range reaches
the driver. `KeyedRelatedField` takes an integer id (or a string of digits) or the
object's natural key as a string (a service's code, a person's username), and
anything else is a 400 naming the field, never a surprise match or a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from itsm.base.forms import lookup_by_key
from itsm.base.people import display_name

from .readers import PlainBriefMixin


class VisibleRelatedMixin:
    """A related field that looks its objects up among those the requesting user may
    see (its queryset's `visible_to`, where the model has one), so an id the user may not
    see gets the same 400 as one that does not exist."""

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is not None and hasattr(queryset, "visible_to"):
            return queryset.visible_to(request.user)
        return queryset


class VisibleSlugRelatedField(VisibleRelatedMixin, serializers.SlugRelatedField):
    """A related object by a unique field (e.g. a ticket by its number), among those
    the user may see."""


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}]})
class KeyedRelatedField(VisibleRelatedMixin, serializers.RelatedField):
    """A related object by its id (a JSON integer) or its natural key (a string: a
    service's or customer's code, a team's or CI's name, a person's username), among
    those the user may see."""

    default_error_messages = {
        "does_not_exist": _("No {model} “{value}”."),
        "incorrect_type": _("Give the {model}'s id (a number) or its {natural_key} (a string)."),
    }

    def __init__(self, *, key: str, **kwargs: Any) -> None:
        self.key = key
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        queryset = self.get_queryset()
        model = queryset.model._meta
        if isinstance(data, bool) or not isinstance(data, int | str) or data == "":
            self.fail("incorrect_type", model=model.verbose_name,
                      natural_key=model.get_field(self.key).verbose_name)
        found = lookup_by_key(queryset, data, self.key)
        if found is None:
            self.fail("does_not_exist", model=model.verbose_name, value=data)
        return found

    def to_representation(self, value: Any) -> Any:
        return value.pk


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
