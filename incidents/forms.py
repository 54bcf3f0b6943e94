"""The incident's part of the ticket forms: its parent, typed by number."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from itsm.forms import TicketEditForm

from .models import Incident


class IncidentEditForm(TicketEditForm):
    """The core's edit form; the parent incident is typed by its number."""

    def __init__(self, *args: Any, ticket: Incident, **kwargs: Any) -> None:
        super().__init__(*args, ticket=ticket, **kwargs)
        if "parent" in self.fields:
            self.fields["parent"] = forms.CharField(
                label=_("Parent incident"), max_length=20, required=False,
                help_text=_("Number of the parent, e.g. INC0000042; empty for none."))
            self.initial["parent"] = ticket.parent.number if ticket.parent_id else ""

    def clean_parent(self) -> Incident | None:
        number = self.cleaned_data["parent"].strip().upper()
        if not number:
            return None
        parent = Incident.objects.filter(number=number).first()
        if parent is None:
            raise forms.ValidationError(_("No incident %(number)s.") % {"number": number})
        return parent
