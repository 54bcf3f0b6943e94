"""Forms of ordering and approving; they parse input, the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from itsm.choices import Channel
from itsm.forms import person_field

LEVELS = [(1, _("1 - High")), (2, _("2 - Medium")), (3, _("3 - Low"))]
DESK_CHANNELS = [(value, label) for value, label in Channel.choices
                 if value in (Channel.PHONE, Channel.EMAIL, Channel.WALK_IN, Channel.PORTAL)]


class OrderDetailsForm(forms.Form):
    """What an order says besides the item's own form: for whom, and anything else."""

    requester = person_field(_("For"), required=False,
                             help_text=_("Leave empty to order for yourself."))
    description = forms.CharField(label=_("Anything else we should know"), required=False,
                                  max_length=5_000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, on_behalf: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not on_behalf:
            del self.fields["requester"]


class DeskOrderForm(OrderDetailsForm):
    """The desk orders for a caller: who it is for, how they asked, how urgent."""

    requester = person_field(_("Requester"), help_text=_("Who the order is for."))
    channel = forms.ChoiceField(label=_("Channel"), choices=DESK_CHANNELS,
                                initial=Channel.PHONE)
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=LEVELS, coerce=int,
                                     initial=3)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))],
                                 widget=forms.HiddenInput)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=5_000,
                              widget=forms.Textarea(attrs={"rows": 2}),
                              help_text=_("Required to reject: the requester is told why."))

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"
