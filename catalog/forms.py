"""Forms of the catalog pages: an owner's edit of a service's documentation and of
the request items it offers.

Forms only parse input; `catalog.services.edit_dossier` decides and writes.
"""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from itsm.base.roles import ROLE_LABELS

from .models import (
    ApprovalStep,
    ConfigurationItem,
    FreezeWindow,
    MaintenanceWindow,
    RequestItem,
    Service,
    Supplier,
    TaskTemplate,
    Team,
    Weekday,
)
from .services import LevelSpec

TEXT_MAX = 50_000


class DossierForm(forms.Form):
    """The documentation text, an edit summary, and the revision it started from."""

    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the service is, who uses it and what for."))
    operations_notes = forms.CharField(
        label=_("Operational notes"), required=False, max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=Service._meta.get_field("operations_notes").help_text)
    support_notes = forms.CharField(
        label=_("Support notes"), required=False, max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=Service._meta.get_field("support_notes").help_text)
    summary = forms.CharField(
        label=_("Edit summary"), required=False, max_length=255,
        help_text=_("What you changed and why, for the history."))


class SupportLevelForm(forms.Form):
    """One level of the support path: one of our teams, or a supplier."""

    team = forms.ModelChoiceField(label=_("Team"), required=False,
                                  queryset=Team.objects.filter(is_active=True))
    supplier = forms.ModelChoiceField(label=_("Supplier"), required=False,
                                      queryset=Supplier.objects.filter(is_active=True))
    note = forms.CharField(label=_("Note"), required=False, max_length=255)

    def clean(self):
        data = super().clean()
        if data.get("team") and data.get("supplier"):
            raise ValidationError(_("Choose a team or a supplier for a level, not both."))
        if data.get("note") and not (data.get("team") or data.get("supplier")):
            raise ValidationError(_("Choose the team or supplier this note is about."))
        return data

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("team") or data.get("supplier"))


class BaseSupportPathFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        teams = [form.cleaned_data["team"] for form in self.forms
                 if not form.is_blank and form.cleaned_data.get("team")]
        if len(teams) != len(set(teams)):
            raise ValidationError(_("A team can be on the support path only once."))

    def levels(self) -> list[LevelSpec]:
        """The filled rows in the order given: the first is level 1."""
        return [LevelSpec(team=form.cleaned_data.get("team"),
                          supplier=form.cleaned_data.get("supplier"),
                          note=form.cleaned_data.get("note", ""))
                for form in self.forms if not form.is_blank]


SupportPathFormSet = forms.formset_factory(
    SupportLevelForm, formset=BaseSupportPathFormSet, extra=3, max_num=10, validate_max=True)


# --- request items, as their owners edit them on the dossier ---------------------------


class IndentedJSONField(forms.JSONField):
    """JSON shown one field per line, so an owner can read and edit it."""

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)


class RequestItemForm(forms.ModelForm):
    """An item's own settings and its order form definition (JSON, checked field by
    field by the item's `clean`)."""

    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    summary = forms.CharField(
        label=_("Edit summary"), required=False, max_length=255,
        help_text=_("What you changed and why, for the history."))

    class Meta:
        model = RequestItem
        fields = ("name", "description", "fulfilment_team", "fulfilment_days", "on_behalf",
                  "customers", "roles", "is_active", "order_form")
        field_classes = {"order_form": IndentedJSONField}
        widgets = {"order_form": forms.Textarea(attrs={"rows": 12, "class": "mono"}),
                   "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, service: Service, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.service = self.instance.service = service
        self.fields["fulfilment_team"].queryset = Team.objects.filter(is_active=True)
        self.fields["customers"].required = False
        self.fields["roles"].required = False
        self.fields["roles"].label_from_instance = lambda group: ROLE_LABELS.get(group.name,
                                                                                 group.name)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        taken = RequestItem.objects.filter(service=self.service, name=name).exclude(
            pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(_("This service already offers an item of that name."))
        return name


MAX_POSITION = 999


class PositionedFormSet(forms.BaseInlineFormSet):
    """Steps or tasks numbered by their position: two rows may not share one."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = [form.cleaned_data.get("position") for form in self.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        if len(kept) != len(set(kept)):
            raise ValidationError(_("Two rows have the same position."))
        if any(position is not None and position > MAX_POSITION for position in kept):
            raise ValidationError(_("Positions run from 1 to %(n)d.") % {"n": MAX_POSITION})

    def validate_unique(self) -> None:
        """Positions are checked above, over the rows as they will stand."""


ApprovalStepFormSet = forms.inlineformset_factory(
    RequestItem, ApprovalStep, formset=PositionedFormSet, extra=1, can_delete=True,
    fields=("position", "name", "approvers", "people", "team", "rule", "needed",
            "due_hours"))
TaskTemplateFormSet = forms.inlineformset_factory(
    RequestItem, TaskTemplate, formset=PositionedFormSet, extra=1, can_delete=True,
    fields=("position", "title", "instructions", "team", "parallel"),
    widgets={"instructions": forms.Textarea(attrs={"rows": 2})})


# --- change windows --------------------------------------------------------------------

WHEN = {"type": "datetime-local"}


class FreezeWindowForm(forms.ModelForm):
    """A freeze: everywhere, or on one service; `catalog.windows` saves it."""

    class Meta:
        model = FreezeWindow
        fields = ("name", "service", "starts_at", "ends_at", "reason")
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(is_active=True)
        self.fields["service"].empty_label = _("Every service")
        for name in ("starts_at", "ends_at"):
            self.fields[name] = forms.DateTimeField(
                label=self.fields[name].label,
                widget=forms.DateTimeInput(attrs=WHEN, format="%Y-%m-%dT%H:%M"))


class MaintenanceWindowForm(forms.ModelForm):
    """A weekly slot of a service or a CI: the days it opens, when and for how long."""

    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"), choices=Weekday.choices, coerce=int,
        widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = MaintenanceWindow
        fields = ("name", "service", "configuration_item", "weekdays", "start_time",
                  "duration_minutes", "time_zone")
        widgets = {"start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(is_active=True)
        self.fields["configuration_item"].queryset = ConfigurationItem.objects.filter(
            is_active=True)
        self.fields["configuration_item"].help_text = _(
            "A window of a CI governs the changes to it; one of a service, the changes "
            "to the service.")
