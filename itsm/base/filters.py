"""django-filter filters shared by the pages and the API: strict where the library is
lenient, so that a bad parameter is a 400 naming it rather than silently ignored."""

from __future__ import annotations

from typing import Any

import django_filters

from .forms import KeyedModelChoiceField, StrictNullBooleanField


class KeyedModelChoiceFilter(django_filters.ModelChoiceFilter):
    """Filter on a related object given by id or natural key (see KeyedModelChoiceField)."""

    field_class = KeyedModelChoiceField

    def __init__(self, *args: Any, key: str, **kwargs: Any) -> None:
        super().__init__(*args, key=key, **kwargs)


class StrictBooleanFilter(django_filters.BooleanFilter):
    """true / false (or 1 / 0, yes / no); `maybe` is an error."""

    field_class = StrictNullBooleanField
