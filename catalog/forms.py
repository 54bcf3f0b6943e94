"""Forms of the catalog pages: an owner's edit of a service's documentation.

Forms only parse input; `catalog.services.edit_dossier` decides and writes.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Service, Supplier, Team
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
