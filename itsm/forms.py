"""Forms of the ticket pages of every kind: log, edit, assign, transition, comment,
attach, add a task; and the type-ahead pickers they use.

Forms only parse input; `itsm.services` and `itsm.workflow` decide and write, and
`apply_errors` puts their ValidationError back on the form's fields.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.models import fields_for_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from catalog.models import ConfigurationItem, Customer, Service, Team

from .base import roles
from .base.forms import KeyedModelChoiceField, VersionedForm
from .choices import Channel
from .models import Ticket, TimeEntry, User
from .registry import Process
from .workflow import Transition

# --- people and pickers ---------------------------------------------------------------


workers = roles.workers


def members_of(team: Team | int | None) -> QuerySet:
    """The people a ticket of `team` may be assigned to: its active working members
    (every worker while no team is chosen)."""
    people = workers()
    if team is None:
        return people
    return people.filter(teams=team)


def active_teams() -> QuerySet:
    return Team.objects.filter(is_active=True).only("pk", "name")


class LookupInput(forms.TextInput):
    """A text box that suggests matches as one types (a `<datalist>` filled by a small
    lookup view through htmx); without JavaScript one types the name or code."""

    template_name = "itsm/widgets/lookup_input.html"

    def __init__(self, url_name: str, *, attrs=None) -> None:
        super().__init__({"autocomplete": "off", **(attrs or {})})
        self.url_name = url_name

    def get_context(self, name: str, value: Any, attrs) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["list_id"] = f"{widget['attrs'].get('id') or name}-options"
        widget["lookup_url"] = f"{reverse(self.url_name)}?field={name}"
        return context


class LookupField(KeyedModelChoiceField):
    """A related object typed by its natural key, with suggestions as one types."""

    def __init__(self, queryset, *, key: str, lookup: str, **kwargs: Any) -> None:
        kwargs.setdefault("widget", LookupInput(lookup))
        super().__init__(queryset, key=key, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        """Show the natural key the user types, not the id."""
        if hasattr(value, "_meta"):
            return getattr(value, self.key)
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            found = self.queryset.model._base_manager.filter(pk=value).values_list(
                self.key, flat=True).first()
            return found if found is not None else value
        return value


def person_field(label, **kwargs: Any) -> LookupField:
    """Anyone active, typed by username."""
    return LookupField(User.objects.filter(is_active=True), key="username",
                       lookup="lookup-people", label=label, **kwargs)


def worker_field(label, **kwargs: Any) -> LookupField:
    """Someone who works tickets, typed by username."""
    return LookupField(workers(), key="username", lookup="lookup-workers", label=label,
                       **kwargs)


def service_field(**kwargs: Any) -> LookupField:
    return LookupField(Service.objects.filter(is_active=True), key="code",
                       lookup="lookup-services", label=_("Service"), **kwargs)


def ci_field(**kwargs: Any) -> LookupField:
    return LookupField(ConfigurationItem.objects.filter(is_active=True), key="name",
                       lookup="lookup-cis", label=_("Configuration item"), **kwargs)


def assignee_field(team: Team | int | None, *, bound: bool,
                   **kwargs: Any) -> forms.ModelChoiceField:
    """A select of the team's members; changing the team reloads it (htmx). A posted
    choice may be any worker: the workflow says whether they are in the team, in words
    a "Select a valid choice" would not."""
    field = forms.ModelChoiceField(queryset=workers() if bound else members_of(team),
                              required=False, empty_label=_("Unassigned"), label=_("Assignee"),
                              **kwargs)
    field.widget.attrs.update({"data-members-of": "assignment_team"})
    return field


def team_field(**kwargs: Any) -> forms.ModelChoiceField:
    field = forms.ModelChoiceField(queryset=active_teams(), label=_("Team"), **kwargs)
    field.widget.attrs.update({
        "hx-get": reverse("lookup-members"), "hx-target": "next [data-members-of]",
        "hx-swap": "innerHTML", "hx-trigger": "change",
    })
    return field


class AssignmentChoices:
    """The teams, and the members of a ticket's team, read once for every form on a
    page that offers them (assign, add a task)."""

    def __init__(self, team: Team | int | None) -> None:
        self.team = team

    @cached_property
    def teams(self) -> list[tuple[int, str]]:
        return list(active_teams().values_list("pk", "name"))

    @cached_property
    def members(self) -> list[tuple[int, str]]:
        return [(person.pk, str(person)) for person in members_of(self.team)]

    def offer(self, team: forms.ModelChoiceField, assignee: forms.ModelChoiceField) -> None:
        """Show these lists in an unbound form's selects (a bound one validates, and
        is shown, with its own querysets)."""
        team.widget.choices = [("", team.empty_label), *self.teams]
        assignee.widget.choices = [("", assignee.empty_label), *self.members]


# --- logging and editing --------------------------------------------------------------


class TicketCreateForm(forms.Form):
    """Log a ticket on someone's behalf (phone, walk-in, email)."""

    def __init__(self, *args: Any, process: Process, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.process = process
        model_fields = fields_for_model(process.model, fields=(
            "title", "description", "impact", "urgency", "channel"))
        self.fields["title"] = model_fields["title"]
        self.fields["title"].widget.attrs["autofocus"] = True
        self.fields["description"] = model_fields["description"]
        self.fields["description"].widget.attrs["rows"] = 5
        self.fields["requester"] = person_field(
            _("Requester"), help_text=_("Type a name or username."))
        self.fields["customer"] = forms.ModelChoiceField(
            label=_("Customer"), queryset=Customer.objects.filter(is_active=True), required=False,
            empty_label=_("The requester's customer"))
        self.fields["channel"] = model_fields["channel"]
        self.fields["channel"].initial = Channel.PHONE
        self.fields["service"] = service_field(required=False,
                                               help_text=_("Empty: the triage team decides."))
        self.fields["configuration_item"] = ci_field(required=False)
        self.fields["impact"] = model_fields["impact"]
        self.fields["urgency"] = model_fields["urgency"]
        self.fields["assignment_team"] = team_field(
            required=False, empty_label=_("The service's owner team"))
        self.fields["assignee"] = assignee_field(None, bound=self.is_bound)

    def service_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `itsm.services.create_ticket` (besides kind and actor)."""
        data = dict(self.cleaned_data)
        data["team"] = data.pop("assignment_team")
        return data


class PortalTicketForm(forms.Form):
    """What a requester tells us when they log a ticket in the portal."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Ticket, fields=("title", "description", "urgency")))
        self.fields["title"].label = _("What is wrong?")
        self.fields["title"].widget.attrs["autofocus"] = True
        self.fields["description"].label = _("Details")
        self.fields["description"].help_text = _(
            "What you were doing, what you expected, any error message.")
        self.fields["description"].widget.attrs["rows"] = 6
        self.fields["service"] = forms.ModelChoiceField(
            label=_("Service"), queryset=Service.objects.filter(is_active=True).only("pk", "name"),
            required=False, empty_label=_("I don't know"))
        self.fields["urgency"].label = _("How urgent is it for you?")
        self.order_fields(("title", "description", "service", "urgency"))


class TicketEditForm(VersionedForm):
    """The fields an agent edits directly (the process's `editable_fields`), or one
    part of them (`part`: the priority or the service, edited in place)."""

    PARTS = {"priority": ("impact", "urgency"), "service": ("service",)}

    def __init__(self, *args: Any, ticket: Ticket, process: Process, part: str = "",
                 **kwargs: Any) -> None:
        names = self.names(process, part)
        # The related objects themselves (already read for the page), not their ids.
        initial = {name: getattr(ticket, name) for name in names}
        initial["version"] = ticket.version
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.ticket, self.part = ticket, part
        model_fields = fields_for_model(type(ticket), fields=names)
        for name in names:
            if name == "service":
                self.fields[name] = service_field(required=False)
            elif name == "configuration_item":
                self.fields[name] = ci_field(required=False)
            elif name in model_fields:
                self.fields[name] = model_fields[name]
        if "description" in self.fields:
            self.fields["description"].widget.attrs["rows"] = 4
        if "customer" in self.fields:
            self.fields["customer"].queryset = Customer.objects.filter(is_active=True)
            self.fields["customer"].empty_label = _("None")

    @classmethod
    def names(cls, process: Process, part: str) -> tuple[str, ...]:
        if part in cls.PARTS:
            return cls.PARTS[part]
        model_fields = {f.name for f in process.model._meta.get_fields()}
        return tuple(name for name in process.editable_fields if name in model_fields)

    def changes(self) -> dict[str, Any]:
        """Only the fields whose value differs from the ticket's."""
        return {name: value for name, value in self.cleaned_data.items()
                if name != "version" and getattr(self.ticket, name) != value}


class AssignForm(VersionedForm):
    """Set the assignment team and assignee (empty assignee: unassigned)."""

    def __init__(self, *args: Any, ticket: Ticket, choices: AssignmentChoices | None = None,
                 **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).update(
            version=ticket.version, team=ticket.assignment_team_id, assignee=ticket.assignee_id)
        super().__init__(*args, **kwargs)
        self.fields["team"] = team_field(required=False, empty_label=_("No team"))
        self.fields["assignee"] = assignee_field(ticket.assignment_team_id, bound=self.is_bound)
        if choices is not None and not self.is_bound:
            choices.offer(self.fields["team"], self.fields["assignee"])


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker (in the user's time zone, as Django reads it)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class TaskForm(forms.Form):
    """Add a task to a ticket, for a team (the ticket's team by default)."""

    title = forms.CharField(label=_("Task"), max_length=200)
    description = forms.CharField(label=_("Instructions"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    planned_start = forms.DateTimeField(label=_("Planned start"), required=False,
                                        widget=LocalDateTimeInput())
    planned_end = forms.DateTimeField(label=_("Planned end"), required=False,
                                      widget=LocalDateTimeInput())

    def __init__(self, *args: Any, parent: Ticket, choices: AssignmentChoices | None = None,
                 **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).update(assignment_team=parent.assignment_team_id)
        super().__init__(*args, **kwargs)
        self.fields["assignment_team"] = team_field(required=False,
                                                    empty_label=_("The ticket's team"))
        self.fields["assignee"] = assignee_field(parent.assignment_team_id, bound=self.is_bound)
        if choices is not None and not self.is_bound:
            choices.offer(self.fields["assignment_team"], self.fields["assignee"])


# --- working a ticket -----------------------------------------------------------------


class CommentForm(forms.Form):
    """A comment; agents choose public reply or internal note, requesters always reply."""

    VISIBILITY = (("internal", _("Internal note")), ("public", _("Reply to requester")))

    body = forms.CharField(
        label=_("Comment"), max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=VISIBILITY, initial="internal",
        widget=forms.RadioSelect,
    )

    minutes = forms.IntegerField(label=_("Time spent (minutes)"), required=False, min_value=1,
                                 max_value=24 * 60,
                                 widget=forms.NumberInput(attrs={"class": "narrow-input"}),
                                 help_text=_("Logged as time worked today, with the comment."))

    def __init__(self, *args, can_choose_visibility: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_choose_visibility:  # a requester: no internal notes, no time sheet
            del self.fields["visibility"]
            del self.fields["minutes"]

    @property
    def is_public(self) -> bool:
        return self.cleaned_data.get("visibility", "public") == "public"


class AttachmentForm(forms.Form):
    """One file; size and type are checked by `itsm.services.validate_upload`."""

    file = forms.FileField(label=_("File"), allow_empty_file=True)


def transition_form(ticket: Ticket, transition: Transition, data=None) -> VersionedForm:
    """A form with exactly the fields `transition` requires, prefixed by its name."""
    fields: dict[str, forms.Field] = {}
    for name in transition.requires:
        if name == "note":
            fields[name] = forms.CharField(
                label=_("Reason"), max_length=5_000, widget=forms.Textarea(attrs={"rows": 2})
            )
            continue
        field = ticket._meta.get_field(name).formfield()
        field.required = True
        if getattr(field, "choices", None) and field.choices[0][0] == "":
            field.choices = [("", _("Choose…")), *field.choices[1:]]
        if isinstance(field.widget, forms.Textarea):
            field.widget.attrs["rows"] = 3
        fields[name] = field
    form_class = type(f"{transition.name.title()}TransitionForm", (VersionedForm,), fields)
    # What the ticket holds already (a root cause recorded while investigating) is
    # offered, not asked for again.
    held = {name: getattr(ticket, name) for name in fields if name != "note"
            and getattr(ticket, name, None) not in (None, "")}
    form = form_class(data, prefix=transition.name,
                      initial={"version": ticket.version, **held})
    form.transition = transition
    return form


def transition_values(form: VersionedForm) -> tuple[str, dict]:
    """The (note, field values) to hand to `workflow.transition` from a valid form."""
    values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
    return values.pop("note", ""), values


class PreferencesForm(forms.Form):
    """A person's language, which notifications they also get by email, and who
    decides their approvals while they are away."""

    language = forms.ChoiceField(label=_("Language"), required=False)
    emailed = forms.MultipleChoiceField(
        label=_("Also by email"), required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Every notification shows in the app; tick those you want by email too."))
    delegate = person_field(
        _("Approval delegate"), required=False,
        help_text=_("The username of whoever decides your approvals while you are away."))
    away_until = forms.DateField(
        label=_("Away until"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Your delegate decides for you up to and including this day."))

    def __init__(self, *args: Any, preferences, **kwargs: Any) -> None:
        from django.conf import settings

        from .models import Notification

        self.user = preferences.user
        kwargs.setdefault("initial", {}).update(
            language=preferences.language,
            emailed=[kind for kind in Notification.Kind.values
                     if kind not in preferences.email_muted],
            delegate=self.user.delegate,
            away_until=self.user.away_until)
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("As my browser says")),
                                           *settings.LANGUAGES]
        self.fields["emailed"].choices = Notification.Kind.choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        delegate = cleaned.get("delegate")
        if delegate is not None and delegate.pk == self.user.pk:
            self.add_error("delegate", _("Choose someone other than yourself."))
        if cleaned.get("away_until") and delegate is None and "delegate" not in self.errors:
            self.add_error("delegate", _("Name who decides for you while you are away."))
        return cleaned


class ApiTokenForm(forms.Form):
    """A new API token: only a name to remember it by."""

    name = forms.CharField(
        label=_("Name"), max_length=100, required=False,
        help_text=_("What the token is for, e.g. “monitoring integration”."),
    )


class OutageForm(forms.Form):
    """An outage the desk enters or corrects (`itsm.outages`)."""

    service = service_field()
    configuration_item = ci_field(required=False)
    started_at = forms.DateTimeField(label=_("Started"), widget=LocalDateTimeInput())
    ended_at = forms.DateTimeField(label=_("Ended"), required=False, widget=LocalDateTimeInput(),
                                   help_text=_("Empty while the outage goes on."))
    planned = forms.BooleanField(label=_("Planned"), required=False,
                                 help_text=_("Planned outages do not count against "
                                             "availability."))
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))


class TimeEntryForm(forms.Form):
    """Time worked on a ticket (`itsm.effort.log_time`)."""

    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=24 * 60)
    worked_on = forms.DateField(label=_("Day"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}),
                                help_text=_("Empty: today."))
    activity = forms.ChoiceField(label=_("Activity"), required=False,
                                 choices=[("", "—"), *TimeEntry.Activity.choices])
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
