"""Form plumbing shared by every page: the version guard, errors from services, the
forms of a page, and fields that take a related object by id or natural key.

Forms only parse input; the services decide and write. `apply_errors` puts a
service's ValidationError back on the form's fields.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Ids are 64-bit signed integers in every supported database.
MAX_ID = 2**63 - 1


class VersionedForm(forms.Form):
    """A form that carries the version of the record it was rendered from (the
    lost-update guard)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form's fields (or the form itself)."""
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


class PageForms:
    """The forms of a page: each built fresh, except the one just submitted, which
    comes back with its errors. A submitted form the page no longer offers (the
    record moved on) has its errors reported at the top instead."""

    def __init__(self, bound: forms.Form | None = None, bound_name: str = "") -> None:
        self.bound, self.bound_name, self.bound_shown = bound, bound_name, False

    def get(self, name: str, build) -> forms.Form:
        if self.bound is not None and name == self.bound_name:
            self.bound_shown = True
            return self.bound
        return build()

    def orphan_errors(self) -> list[str]:
        if self.bound is None or self.bound_shown:
            return []
        return [error for errors in self.bound.errors.values() for error in errors]


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


def lookup_by_key(queryset, value: Any, key: str):
    """The row of `queryset` named by `value`: its id (digits) or its natural key
    (`key`, e.g. a service's code or a person's username); None if there is none."""
    pk = parse_id(value)
    if pk is not None:
        found = queryset.filter(pk=pk).first()
        if found is not None or not isinstance(value, str):
            return found
    if not isinstance(value, str) or not value.strip() or len(value) > 255:
        return None
    return queryset.filter(**{key: value.strip()}).first()


class KeyedModelChoiceField(forms.ModelChoiceField):
    """A related object chosen by id, or typed by its natural key: a service or
    customer by code, a team or CI by name, a person by username."""

    def __init__(self, queryset, *, key: str, **kwargs: Any) -> None:
        super().__init__(queryset, **kwargs)
        self.key = key

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        found = lookup_by_key(self.queryset, value, self.key)
        if found is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                  params={"value": value})
        return found


class StrictNullBooleanField(forms.NullBooleanField):
    """Yes, no or not given; anything else is an error, not "not given"."""

    TRUE = frozenset({"true", "1", "yes", "on"})
    FALSE = frozenset({"false", "0", "no", "off"})
    default_error_messages = {"invalid": _("Give true or false.")}
    widget = forms.TextInput

    def to_python(self, value: Any) -> bool | None:
        if value in (True, False):
            return value
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError(self.error_messages["invalid"], code="invalid")

    def validate(self, value: Any) -> None:
        pass
