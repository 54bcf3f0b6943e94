"""Forms of problem management; they parse input, `problems.services` decides."""

from __future__ import annotations

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from itsm.forms import assignee_field, ci_field, service_field, team_field

from .models import Problem

NUMBER = forms.CharField(max_length=20)


class ProblemCreateForm(forms.Form):
    """Open a problem, on its own or from ticked incidents (`incidents`: their numbers,
    carried along as hidden fields)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_fields = fields_for_model(Problem, fields=("title", "description", "symptoms",
                                                         "impact", "urgency"))
        self.fields.update(model_fields)
        self.fields["title"].widget.attrs["autofocus"] = True
        self.fields["description"].widget.attrs["rows"] = 4
        self.fields["symptoms"].widget.attrs["rows"] = 3
        self.fields["service"] = service_field(required=False)
        self.fields["configuration_item"] = ci_field(required=False)
        self.fields["assignment_team"] = team_field(
            required=False, empty_label=_("The service's owner team"))
        self.fields["assignee"] = assignee_field(None, bound=self.is_bound)
        self.fields["incidents"] = forms.CharField(required=False, widget=forms.HiddenInput)
        self.order_fields(("title", "description", "symptoms", "service",
                           "configuration_item", "impact", "urgency", "assignment_team",
                           "assignee"))

    def numbers(self) -> list[str]:
        raw = self.data.get("incidents", "") if self.is_bound else self.initial.get(
            "incidents", "")
        return [n for n in dict.fromkeys(p.strip().upper() for p in raw.split(",")) if n]

    def service_kwargs(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "incidents"}
        data["team"] = data.pop("assignment_team")
        return data


class LinkForm(forms.Form):
    number = forms.CharField(label=_("Incident number"), max_length=20)


class ProblemNumberForm(forms.Form):
    number = forms.CharField(label=_("Problem number"), max_length=20)


class ResolveIncidentsForm(forms.Form):
    note = forms.CharField(
        label=_("Note to each requester"), max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent with each incident's resolution."))


class CandidatesForm(forms.Form):
    days = forms.IntegerField(label=_("Days back"), min_value=1, max_value=365, initial=30,
                              required=False)
    threshold = forms.IntegerField(label=_("At least this many incidents"), min_value=2,
                                   max_value=1000, initial=5, required=False)
    scope = forms.ChoiceField(label=_("Grouped by"), required=False, choices=[
        ("", _("Service, CI and category")), ("service", _("Service")),
        ("ci", _("Configuration item")), ("category", _("Category"))])

    def value(self, name: str):
        data = self.cleaned_data if self.is_valid() else {}
        return data.get(name) or self.fields[name].initial
