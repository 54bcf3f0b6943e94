"""Forms of the incident pages. They parse input; `incidents.services` and
`itsm.workflow` validate the domain rules and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import fields_for_model, model_to_dict
from django.utils.translation import gettext_lazy as _

from catalog.models import ConfigurationItem, Customer, Service, Team
from itsm.base.people import display_name
from itsm.choices import Channel
from itsm.forms import QuickCheckboxes, QuickModelSelect, QuickSelect, VersionedForm, workers
from itsm.models import User

from .filters import IncidentFilterSet
from .models import Incident

# The editable fields the edit form offers as model fields; `parent` is typed by number.
EDIT_MODEL_FIELDS = (
    "title", "description", "impact", "urgency", "service", "configuration_item",
    "customer", "channel", "is_major",
)


def _active_teams():
    return Team.objects.filter(is_active=True)


class IncidentQueueFilterSet(IncidentFilterSet):
    """The shared IncidentFilterSet with widgets fit for the dense queue page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The form fields are built below, from the widgets chosen here. A filter copied
        # from the class may carry a field already built (the API schema reads some),
        # which would keep its plain widget: drop it.
        for copied in self.filters.values():
            copied.__dict__.pop("_field", None)
        self.filters["status"].extra["widget"] = QuickCheckboxes
        self.filters["priority"].extra["widget"] = QuickCheckboxes
        self.filters["team"].queryset = _active_teams()
        self.filters["team"].extra["empty_label"] = _("Any team")
        # Only people who work tickets can be assignees; listing every user is slow.
        self.filters["assignee"].queryset = workers()
        self.filters["assignee"].extra["empty_label"] = _("Anyone")
        self.filters["service"].extra["empty_label"] = _("Any service")
        self.filters["category"].extra["empty_label"] = _("Any category")
        for name in ("team", "service", "category"):
            self.filters[name].extra["widget"] = QuickModelSelect(columns=("name",))
        self.filters["assignee"].extra["widget"] = QuickModelSelect(
            columns=("username", "first_name", "last_name"), label=display_name)
        self.filters["breached"].extra["widget"] = QuickSelect(
            choices=[("", _("Any")), ("true", _("Breached")), ("false", _("Not breached"))]
        )
        self.filters["q"].extra["widget"] = forms.TextInput(attrs={
            "type": "search", "placeholder": _("Search number, title, description"),
            "data-shortcut": "search", "autocomplete": "off",
        })


class IncidentCreateForm(forms.Form):
    """Log an incident on someone's behalf (phone, walk-in, email)."""

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("requester", user.pk)
        super().__init__(*args, **kwargs)
        model_fields = fields_for_model(Incident, fields=(
            "title", "description", "customer", "service", "configuration_item",
            "impact", "urgency", "channel",
        ))
        self.fields["title"] = model_fields["title"]
        self.fields["description"] = model_fields["description"]
        self.fields["requester"] = forms.ModelChoiceField(
            label=_("Requester"),
            queryset=User.objects.filter(is_active=True).order_by("first_name", "last_name"),
        )
        for name in ("customer", "service", "configuration_item", "impact", "urgency",
                     "channel"):
            self.fields[name] = model_fields[name]
        self.fields["customer"].queryset = Customer.objects.filter(is_active=True)
        self.fields["customer"].empty_label = _("The requester's customer")
        self.fields["service"].queryset = Service.objects.filter(is_active=True)
        self.fields["service"].empty_label = _("Not known yet")
        self.fields["configuration_item"].queryset = ConfigurationItem.objects.filter(
            is_active=True
        )
        self.fields["configuration_item"].empty_label = _("None")
        self.fields["channel"].initial = Channel.PHONE
        self.fields["assignment_team"] = forms.ModelChoiceField(
            label=_("Assignment team"), queryset=_active_teams(), required=False,
            empty_label=_("The service's owner team"),
        )
        self.fields["assignee"] = forms.ModelChoiceField(
            label=_("Assignee"), queryset=workers(), required=False,
            empty_label=_("Unassigned"),
        )
        self.fields["description"].widget.attrs["rows"] = 5
        self.fields["title"].widget.attrs["autofocus"] = True

    def service_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `create_incident` (besides the actor)."""
        data = dict(self.cleaned_data)
        data["team"] = data.pop("assignment_team")
        return data


class PortalIncidentForm(forms.Form):
    """What a requester tells us when they log an incident in the portal."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_fields = fields_for_model(
            Incident, fields=("title", "description", "service", "urgency")
        )
        self.fields.update(model_fields)
        self.fields["title"].label = _("What is wrong?")
        self.fields["title"].widget.attrs["autofocus"] = True
        self.fields["description"].label = _("Details")
        self.fields["description"].help_text = _(
            "What you were doing, what you expected, any error message."
        )
        self.fields["description"].widget.attrs["rows"] = 6
        self.fields["service"].queryset = Service.objects.filter(is_active=True)
        self.fields["service"].empty_label = _("I don't know")
        self.fields["urgency"].label = _("How urgent is it for you?")


class AssignForm(VersionedForm):
    """Set the assignment team and assignee (empty assignee: unassigned)."""

    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(),
                                      required=False, empty_label=_("Unassigned"))

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).update(
            version=incident.version, team=incident.assignment_team_id,
            assignee=incident.assignee_id,
        )
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = _active_teams()
        self.fields["team"].empty_label = _("No team")
        self.fields["assignee"].queryset = workers()


class IncidentEditForm(VersionedForm):
    """The fields an agent may edit directly (incidents.services.EDITABLE_FIELDS)."""

    parent = forms.CharField(
        label=_("Parent incident"), max_length=20, required=False,
        help_text=_("Number of the parent, e.g. INC0000042; empty for none."),
    )

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any) -> None:
        initial = model_to_dict(incident, fields=EDIT_MODEL_FIELDS)
        initial.update(version=incident.version,
                       parent=incident.parent.number if incident.parent else "")
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.incident = incident
        self.fields.update(fields_for_model(Incident, fields=EDIT_MODEL_FIELDS))
        self.order_fields(("version", *EDIT_MODEL_FIELDS, "parent"))
        self.fields["description"].widget.attrs["rows"] = 4
        self.fields["service"].queryset = Service.objects.filter(is_active=True)
        self.fields["customer"].queryset = Customer.objects.filter(is_active=True)
        self.fields["configuration_item"].queryset = ConfigurationItem.objects.filter(
            is_active=True
        )
        for name in ("service", "customer", "configuration_item"):
            self.fields[name].empty_label = _("None")

    def clean_parent(self) -> Incident | None:
        number = self.cleaned_data["parent"].strip().upper()
        if not number:
            return None
        parent = Incident.objects.filter(number=number).first()
        if parent is None:
            raise forms.ValidationError(_("No incident %(number)s.") % {"number": number})
        return parent

    def changes(self) -> dict[str, Any]:
        """Only the fields whose value differs from the incident's."""
        return {
            name: value for name, value in self.cleaned_data.items()
            if name != "version" and getattr(self.incident, name) != value
        }
