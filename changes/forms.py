"""Forms of change management; they parse input, the services and workflow decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from catalog.models import ConfigurationItem, Service, StandardChange, Team
from itsm.base.spans import validate_year
from itsm.forms import TicketCreateForm

from . import risk
from .calendar import CalendarFilters
from .choices import ChangeType
from .models import Change

WHEN = {"type": "datetime-local"}


class ChangeCreateForm(TicketCreateForm):
    """Log a change: its type (a standard one from the catalog), window, plans and the
    risk questions; the desk's own work, so no requester or channel."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("requester", "customer", "channel"):
            del self.fields[name]
        own = fields_for_model(Change, fields=(
            "change_type", "planned_start", "planned_end", "freeze_override",
            "implementation_plan", "backout_plan", "test_plan"))
        self.fields.update(own)
        self.fields["title"].required = False
        self.fields["title"].help_text = _("Empty for a standard change: its template's name.")
        self.fields["standard_change"] = forms.ModelChoiceField(
            queryset=StandardChange.objects.filter(is_active=True).select_related("service"),
            required=False, label=_("Standard change"),
            help_text=_("For a standard change: the catalog's pre-authorised change it "
                        "follows (its plans and risk come with it)."))
        for name in ("planned_start", "planned_end"):
            self.fields[name] = forms.DateTimeField(
                label=own[name].label, required=False,
                widget=forms.DateTimeInput(attrs=WHEN, format="%Y-%m-%dT%H:%M"))
        for name in ("implementation_plan", "backout_plan", "test_plan"):
            self.fields[name].widget.attrs["rows"] = 3
        self.fields["freeze_override"].widget.attrs["rows"] = 2
        self.fields["freeze_override"].help_text = _(
            "Only for a window in a freeze: why it must run then.")
        for question in risk.QUESTIONS:
            self.fields[f"risk_{question.name}"] = forms.BooleanField(
                label=question.text, required=False)
        self.order_fields(("title", "description", "change_type", "standard_change",
                           "service", "configuration_item", "planned_start", "planned_end",
                           "freeze_override", "impact", "urgency", "assignment_team", "assignee",
                           "implementation_plan", "backout_plan", "test_plan"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("title") and not data.get("standard_change"):
            self.add_error("title", _("Give the change a title."))
        return data

    @property
    def risk_fields(self) -> list:
        return [self[f"risk_{question.name}"] for question in risk.QUESTIONS]

    def service_kwargs(self) -> dict[str, Any]:
        data = super().service_kwargs()
        data["risk_answers"] = {question.name: data.pop(f"risk_{question.name}")
                                for question in risk.QUESTIONS}
        if not data.get("title"):
            data.pop("title", None)
        if data.get("standard_change") is None:
            data.pop("standard_change", None)
        return data


class CalendarFilterForm(forms.Form):
    """The change calendar's filters (a GET form, kept across its views): a service by
    code, a CI by name, the assigned team, the type; the view and the day shown."""

    view = forms.ChoiceField(choices=[("month", _("Month")), ("week", _("Week")),
                                      ("list", _("List"))], required=False)
    date = forms.DateField(label=_("Date"), required=False, validators=[validate_year])
    service = forms.ModelChoiceField(
        label=_("Service"), queryset=Service.objects.filter(is_active=True).order_by("name"),
        to_field_name="code", required=False, empty_label=_("All services"))
    ci = forms.ModelChoiceField(
        label=_("Configuration item"), queryset=ConfigurationItem.objects.all(),
        to_field_name="name", required=False, widget=forms.TextInput(
            attrs={"placeholder": _("CI name"), "list": "calendar-cis"}))
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.filter(is_active=True).order_by("name"),
        required=False, empty_label=_("All teams"))
    type = forms.ChoiceField(label=_("Type"), required=False,
                             choices=[("", _("All types")), *ChangeType.choices])

    def filters(self) -> CalendarFilters:
        self.is_valid()  # the valid fields filter; a bad one shows its error
        data = self.cleaned_data
        return CalendarFilters(service=data.get("service"), ci=data.get("ci"),
                               team=data.get("team"), change_type=data.get("type") or "")

