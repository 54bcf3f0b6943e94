"""Forms of the metrics pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Customer, Service, Team

from .access import Access
from .models import RATINGS, Digest
from .surveys import COMMENT_MAX


class SurveyForm(forms.Form):
    """A requester's answer: how satisfied (1–5), and anything they want to add."""

    rating = forms.TypedChoiceField(label=_("How satisfied are you with how we handled it?"),
                                    choices=RATINGS, coerce=int, widget=forms.RadioSelect,
                                    error_messages={"required": _("Choose a rating.")})
    comment = forms.CharField(label=_("Anything you want to tell us? (optional)"),
                              required=False, max_length=COMMENT_MAX,
                              widget=forms.Textarea(attrs={"rows": 4}))


class DigestForm(forms.Form):
    """Subscribe to a digest of a dashboard the subscriber reads."""

    frequency = forms.ChoiceField(label=_("How often"), choices=Digest.Frequency.choices,
                                  widget=forms.RadioSelect, initial=Digest.Frequency.WEEKLY)
    view = forms.ChoiceField(label=_("Dashboard"), choices=Digest.View.choices)

    def __init__(self, data=None, *, access: Access) -> None:
        super().__init__(data)
        self.access = access
        teams = Team.objects.order_by("name")
        services = Service.objects.filter(is_active=True).order_by("name")
        if not access.whole_desk:
            teams = teams.filter(pk__in=access.teams)
            services = services.filter(pk__in=access.services)
        views = [(value, label) for value, label in Digest.View.choices
                 if (value == Digest.View.IT and access.reads_it)
                 or (value == Digest.View.SERVICE and access.reads_services)
                 or (value == Digest.View.CUSTOMER and access.whole_desk)]
        self.fields["view"].choices = views
        if access.reads_it:
            self.fields["team"] = forms.ModelChoiceField(
                label=_("Team (IT operations)"), queryset=teams, required=not access.whole_desk,
                empty_label=_("The whole desk") if access.whole_desk else None)
        if access.reads_services:
            self.fields["service"] = forms.ModelChoiceField(
                label=_("Service"), queryset=services, required=False)
        if access.whole_desk:
            self.fields["customer"] = forms.ModelChoiceField(
                label=_("Customer"), queryset=Customer.objects.filter(is_active=True)
                .order_by("name"), required=False)

    def clean(self):
        cleaned = super().clean()
        view = cleaned.get("view")
        if view == Digest.View.SERVICE and not cleaned.get("service"):
            self.add_error("service", _("Choose the service."))
        if view == Digest.View.CUSTOMER and not cleaned.get("customer"):
            self.add_error("customer", _("Choose the customer."))
        # Only what the chosen view is of.
        for name, of in (("team", Digest.View.IT), ("service", Digest.View.SERVICE),
                         ("customer", Digest.View.CUSTOMER)):
            if view != of:
                cleaned[name] = None
        return cleaned
