"""Forms shared by every kind of ticket page: comments, files, transitions, tokens.

Forms only parse input; the services in `itsm.workflow` and `itsm.services` decide and
write. `apply_errors` puts a service's ValidationError back on the form's fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.forms import ModelChoiceField
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .base import roles
from .models import Ticket, User
from .workflow import Transition


class VersionedForm(forms.Form):
    """A form that carries the ticket version it was rendered from (lost-update guard)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CommentForm(forms.Form):
    """A comment; agents choose public reply or internal note, requesters always reply."""

    VISIBILITY = (("internal", _("Internal note")), ("public", _("Reply to requester")))

    body = forms.CharField(
        label=_("Comment"), max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=VISIBILITY, initial="internal",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, can_choose_visibility: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_choose_visibility:
            del self.fields["visibility"]

    @property
    def is_public(self) -> bool:
        return self.cleaned_data.get("visibility", "public") == "public"


class AttachmentForm(forms.Form):
    """One file; size and type are checked by `itsm.services.validate_upload`."""

    file = forms.FileField(label=_("File"), allow_empty_file=True)


def transition_form(ticket: Ticket, transition: Transition, data=None) -> VersionedForm:
    """A form with exactly the fields `transition` requires, prefixed by its name."""
    fields: dict[str, forms.Field] = {}
    for name in transition.requires:
        if name == "note":
            fields[name] = forms.CharField(
                label=_("Reason"), max_length=5_000, widget=forms.Textarea(attrs={"rows": 2})
            )
            continue
        field = ticket._meta.get_field(name).formfield()
        field.required = True
        if getattr(field, "choices", None) and field.choices[0][0] == "":
            field.choices = [("", _("Choose…")), *field.choices[1:]]
        if isinstance(field.widget, forms.Textarea):
            field.widget.attrs["rows"] = 3
        fields[name] = field
    form_class = type(f"{transition.name.title()}TransitionForm", (VersionedForm,), fields)
    form = form_class(data, prefix=transition.name, initial={"version": ticket.version})
    form.transition = transition
    return form


def transition_values(form: VersionedForm) -> tuple[str, dict]:
    """The (note, field values) to hand to `workflow.transition` from a valid form."""
    values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
    return values.pop("note", ""), values


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form's fields (or the form itself)."""
    if hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


def workers() -> QuerySet:
    """Active users who work tickets: the people a ticket may be assigned to."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name__in=roles.WORKER_ROLES) | Q(is_superuser=True))
        .distinct().order_by("first_name", "last_name", "username")
    )


class ApiTokenForm(forms.Form):
    """A new API token: only a name to remember it by."""

    name = forms.CharField(
        label=_("Name"), max_length=100, required=False,
        help_text=_("What the token is for, e.g. “monitoring integration”."),
    )


class QuickSelect(forms.Select):
    """A <select> built in Python: same markup, but Django's template-per-option
    rendering costs a queue page several milliseconds for a few dozen options."""

    def render(self, name: str, value: Any, attrs=None, renderer=None) -> str:
        return self.markup(name, attrs, self.options_of(name, value, attrs))

    def options_of(self, name: str, value: Any, attrs) -> Iterable[tuple[Any, bool, Any]]:
        """(value, selected, label) of every option."""
        context = self.get_context(name, value, attrs)["widget"]
        return ((option["value"], option["selected"], option["label"])
                for _group, group_options, _index in context["optgroups"]
                for option in group_options)

    def markup(self, name: str, attrs, options: Iterable[tuple[Any, bool, Any]]) -> str:
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        return format_html(
            "<select name=\"{}\"{}>{}</select>", name, flatatt(attrs),
            format_html_join("", "<option value=\"{}\"{}>{}</option>", (
                (value, mark_safe(" selected") if selected else "", label)
                for value, selected, label in options)),
        )


class QuickModelSelect(QuickSelect):
    """A QuickSelect for a model choice field that reads its options as columns, not
    as model instances (half of a queue page's filter bar was building them).

    `label(*columns)` must say what the model's `str()` says: e.g. `("name",)` for a
    team, or a user's name parts with `display_name`.
    """

    def __init__(self, columns: tuple[str, ...], label: Callable[..., str] | None = None,
                 attrs=None) -> None:
        super().__init__(attrs)
        self.columns, self.label = columns, label

    def options_of(self, name: str, value: Any, attrs) -> Iterable[tuple[Any, bool, Any]]:
        field = getattr(self.choices, "field", None)  # a ModelChoiceIterator's field
        if (field is None or getattr(field, "null_label", None) is not None
                or field.to_field_name
                or type(field).label_from_instance is not ModelChoiceField.label_from_instance):
            return super().options_of(name, value, attrs)  # what only instances can say
        chosen = {str(v) for v in self.format_value(value)}
        options = [("", "" in chosen, field.empty_label)] if field.empty_label is not None else []
        for pk, *columns in field.queryset.values_list("pk", *self.columns):
            label = self.label(*columns) if self.label else columns[0]
            options.append((pk, str(pk) in chosen, label))
        return options


class QuickCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes as `<label><input …>Label</label>` in a row, built in Python: the
    markup a template loop over the choices gave (`{{ choice.tag }}{{ choice.choice_label
    }}`), without a template rendered per choice."""

    def render(self, name: str, value: Any, attrs=None, renderer=None) -> str:
        attrs = self.build_attrs(self.attrs, attrs)
        options = (option for _group, group_options, _index
                   in self.optgroups(name, self.format_value(value), attrs)
                   for option in group_options)
        return format_html_join(
            "", '<label><input type="checkbox" name="{}" value="{}"{}>{}</label>',
            ((option["name"], option["value"], flatatt(option["attrs"]), option["label"])
             for option in options))


class PageForms:
    """The forms of a ticket page: each built fresh, except the one just submitted,
    which comes back with its errors. A submitted form the page no longer offers (the
    status moved on) has its errors reported at the top instead."""

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
