"""Forms of the metrics pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import RATINGS
from .surveys import COMMENT_MAX


class SurveyForm(forms.Form):
    """A requester's answer: how satisfied (1–5), and anything they want to add."""

    rating = forms.TypedChoiceField(label=_("How satisfied are you with how we handled it?"),
                                    choices=RATINGS, coerce=int, widget=forms.RadioSelect,
                                    error_messages={"required": _("Choose a rating.")})
    comment = forms.CharField(label=_("Anything you want to tell us? (optional)"),
                              required=False, max_length=COMMENT_MAX,
                              widget=forms.Textarea(attrs={"rows": 4}))
