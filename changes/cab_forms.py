"""Forms of the CAB pages and release pages; they parse input, `changes.cab` and
`changes.releases` decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from catalog.models import Service, Team

from .cab import desk_people
from .choices import AgendaOutcome, ReleaseStatus
from .forms import WHEN
from .models import CabSchedule, Change, Release

TEXT_MAX = 20_000


class PeopleField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=desk_people(), required=False, **kwargs)

    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.username


def _when(label) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, widget=forms.DateTimeInput(
        attrs=WHEN, format="%Y-%m-%dT%H:%M"))


class MeetingForm(forms.Form):
    """An ad hoc meeting; with an emergency change named, that change's emergency CAB."""

    title = forms.CharField(label=_("Title"), max_length=200, required=False,
                            help_text=_("Empty for an emergency CAB: it is named after "
                                        "its change."))
    starts_at = _when(_("Starts"))
    duration_minutes = forms.IntegerField(label=_("Length (minutes)"), min_value=15,
                                          max_value=600, initial=60)
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    emergency_change = forms.CharField(
        label=_("Emergency change"), max_length=20, required=False,
        help_text=_("The number of an emergency change awaiting authorisation: the meeting "
                    "is its emergency CAB, with it as its agenda."))
    agenda_days = forms.IntegerField(label=_("Agenda covers (days)"), min_value=1,
                                     max_value=90, initial=14)
    attendees = PeopleField(label=_("Attendees"))

    def clean_emergency_change(self) -> Change | None:
        number = self.cleaned_data["emergency_change"].strip().upper()
        if not number:
            return None
        change = Change.objects.filter(number=number).first()
        if change is None:
            raise forms.ValidationError(_("No change %(number)s.") % {"number": number})
        return change

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("title", "").strip() and not data.get("emergency_change"):
            self.add_error("title", _("Give the meeting a title."))
        return data


class ScheduleForm(forms.ModelForm):
    """A board's cadence; its meetings are planned four weeks ahead from it."""

    members = PeopleField(label=_("Members"))

    class Meta:
        model = CabSchedule
        fields = ("name", "weekday", "start_time", "duration_minutes", "every_weeks",
                  "time_zone", "first_date", "location", "chair", "agenda_days",
                  "is_active")
        widgets = {"start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                   "first_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = desk_people()
        self.fields["chair"].label_from_instance = lambda user: (user.get_full_name()
                                                                 or user.username)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=AgendaOutcome.choices)
    note = forms.CharField(label=_("Note"), max_length=TEXT_MAX, required=False,
                           widget=forms.TextInput)


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=pgettext_lazy("of a meeting", "Minutes"),
                              max_length=TEXT_MAX, required=False,
                              widget=forms.Textarea(attrs={"rows": 8}))


class ReleaseForm(forms.ModelForm):
    launches = forms.ModelMultipleChoiceField(
        label=_("Services it brings live"), required=False,
        queryset=Service.objects.filter(is_active=True).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They go live when the release is deployed, each through its "
                    "operational acceptance."))

    class Meta:
        model = Release
        fields = ("name", "planned_date", "owner_team", "notes")
        widgets = {"planned_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "notes": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_team"].queryset = Team.objects.filter(is_active=True)


class ReleaseChangeForm(forms.Form):
    change = forms.CharField(label=_("Change"), max_length=20,
                             help_text=_("Its number, e.g. CHG0000042."))

    def clean_change(self) -> Change:
        number = self.cleaned_data["change"].strip().upper()
        change = Change.objects.filter(number=number).first()
        if change is None:
            raise forms.ValidationError(_("No change %(number)s.") % {"number": number})
        return change


class ReleaseStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ReleaseStatus.choices)
    override_reason = forms.CharField(label=_("Deploy with acceptance gaps, because"),
                                      max_length=2000, required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))
