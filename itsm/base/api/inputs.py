"""Strict input: a key the serializer does not know is an error naming it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, serializers


class StrictInputMixin:
    """Refuse keys the serializer does not know, naming each one.

    DRF drops unknown keys silently, so `{"priority": 1}` or a misspelt field would
    "succeed" and change nothing; a client should hear about it.
    """

    unknown_field_message = gettext_lazy("Unknown field; it cannot be set here.")
    # Sent by the browsable API's HTML forms, not by the client's intent.
    ignored_keys = frozenset({"csrfmiddlewaretoken"})

    def to_internal_value(self, data: Any) -> Any:
        unknown = {}
        if isinstance(data, Mapping):
            writable = {name for name, f in self.fields.items() if not f.read_only}
            unknown = {key: [str(self.unknown_field_message)]
                       for key in data if key not in writable and key not in self.ignored_keys}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**unknown, **exc.detail}) from exc
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


def require_mapping(data: Any) -> Mapping:
    """The request body as a JSON object; arrays, strings and null are a 400."""
    if not isinstance(data, Mapping):
        raise exceptions.ValidationError({"non_field_errors": [
            _("Expected a JSON object, got %(type)s.") % {"type": type(data).__name__}
        ]})
    return data
