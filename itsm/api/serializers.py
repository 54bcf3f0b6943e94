"""Serializers of the ticket core: tokens, tickets of every kind, comments, events, files.

Read serializers show; write serializers parse and check input and hand it to the
services (`itsm.workflow`, `itsm.services`). None of them sets status, assignment or
any counter itself.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from django.contrib.auth import authenticate
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.api.serializers import (
    BriefConfigurationItemSerializer,
    BriefCustomerSerializer,
    BriefServiceCategorySerializer,
    BriefServiceSerializer,
    BriefTeamSerializer,
)
from catalog.models import ConfigurationItem, Customer, Service, Team
from itsm import registry, workflow
from itsm.base import roles
from itsm.base.api.fields import BriefUserSerializer, KeyedRelatedField, VisibleSlugRelatedField
from itsm.base.api.inputs import StrictInputMixin
from itsm.base.api.readers import BriefingListSerializer, PreparedReadMixin
from itsm.choices import Channel, TicketKind
from itsm.models import (
    ApiToken,
    Attachment,
    Comment,
    Outage,
    Task,
    TaskStatus,
    Ticket,
    TicketEvent,
    TimeEntry,
    User,
)
from itsm.services import create_ticket, update_ticket
from itsm.task_kind import add_task

# Impact and urgency: 1 high – 3 low (DESIGN.md §2).
LEVELS = [(1, gettext_lazy("1 - High")), (2, gettext_lazy("2 - Medium")),
          (3, gettext_lazy("3 - Low"))]
TEXT_LIMIT = 50_000


# --- tokens ---------------------------------------------------------------------------


class TokenRequestSerializer(StrictInputMixin, serializers.Serializer):
    """Credentials exchanged for a token."""

    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False,
                                     style={"input_type": "password"}, write_only=True)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                 help_text=gettext_lazy("A label to recognise the token by later."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        request = self.context.get("request")
        user = authenticate(getattr(request, "_request", request),
                            username=attrs["username"], password=attrs["password"])
        if user is None:
            # One message whether the username or the password was wrong.
            raise serializers.ValidationError(
                {"password": _("Unable to log in with this username and password.")}
            )
        attrs["user"] = user
        return attrs


class TokenCreatedSerializer(serializers.Serializer):
    """The answer to a token request; the key is shown this once and never again."""

    token = serializers.CharField(read_only=True)
    prefix = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its owner lists it: never the key."""

    current = serializers.SerializerMethodField(
        help_text=gettext_lazy("True for the token that authenticated this request.")
    )

    class Meta:
        model = ApiToken
        fields = ("prefix", "name", "created_at", "last_used_at", "current")
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_current(self, token: ApiToken) -> bool:
        request = self.context.get("request")
        auth = getattr(request, "auth", None)
        return isinstance(auth, ApiToken) and auth.pk == token.pk


# --- tickets --------------------------------------------------------------------------


class TicketSerializer(PreparedReadMixin, serializers.ModelSerializer):
    """What every kind of ticket has (DESIGN.md §2); read-only."""

    kind = serializers.ChoiceField(choices=TicketKind.choices, read_only=True)
    status_label = serializers.SerializerMethodField()
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True)
    service = BriefServiceSerializer(read_only=True)
    category = BriefServiceCategorySerializer(read_only=True)
    configuration_item = BriefConfigurationItemSerializer(read_only=True)
    customer = BriefCustomerSerializer(read_only=True)
    requester = BriefUserSerializer(read_only=True)
    assignment_team = BriefTeamSerializer(read_only=True)
    assignee = BriefUserSerializer(read_only=True)

    class Meta:
        model = Ticket
        fields = (
            "number", "kind", "title", "description", "status", "status_label", "priority",
            "impact", "urgency", "channel", "service", "category", "configuration_item",
            "customer", "requester", "assignment_team", "assignee", "created_at", "updated_at",
            "responded_at", "resolved_at", "closed_at", "response_due", "resolution_due",
            "response_breached", "resolution_breached", "on_hold_seconds",
            "reassignment_count", "reopen_count", "version",
        )
        read_only_fields = fields
        list_serializer_class = BriefingListSerializer

    @cached_property
    def _per_response(self) -> dict[tuple, Any]:
        return {}

    def once(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """`compute()` once per response for what every row with this `key` shares
        (a translated label, a URL prefix): a list's rows share one serializer."""
        cache = self._per_response
        if key not in cache:
            cache[key] = compute()
        return cache[key]

    @extend_schema_field(OpenApiTypes.STR)
    def get_status_label(self, ticket: Ticket) -> str:
        return self.once(("status", ticket.kind, ticket.status),
                         lambda: workflow.status_label(ticket.kind, ticket.status))


class TransitionSerializer(serializers.Serializer):
    """A status change the requesting user may make now, and what it needs."""

    status = serializers.CharField(source="target",
                                   help_text=gettext_lazy("PATCH this as `status`."))
    name = serializers.CharField()
    label = serializers.CharField()
    requires = serializers.ListField(
        child=serializers.CharField(),
        help_text=gettext_lazy("Fields to send with the status (`note` or model fields)."),
    )


# --- one kind's resource -------------------------------------------------------------


class TicketKindSerializer(TicketSerializer):
    """A ticket as its kind's resource shows it: where it lives, and the status changes
    the requesting user may make now. A process adds its own fields."""

    url = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = ("url", *TicketSerializer.Meta.fields, "allowed_transitions")
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, ticket: Ticket) -> str:
        prefix = self.once(("list url", ticket.kind), lambda: self.list_url(ticket))
        return f"{prefix}{ticket.number}/"

    def list_url(self, ticket: Ticket) -> str:
        """The kind's resource, where each ticket lives at `<number>/`."""
        path = reverse(f"{registry.process_for(ticket).url_namespace}-api:ticket-list")
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(TransitionSerializer(many=True))
    def get_allowed_transitions(self, ticket: Ticket) -> list[dict[str, Any]]:
        request = self.context.get("request")
        if request is None:
            return []
        return [{"status": t.target, "name": t.name,
                 "label": self.once(("transition", ticket.kind, t.name), lambda t=t: str(t.label)),
                 "requires": list(t.requires)}
                for t in workflow.allowed_transitions(ticket, request.user)]


def related(model: type, key: str, **kwargs: Any) -> KeyedRelatedField:
    """An optional related object by id or natural key (`key`)."""
    kwargs = {"required": False, "allow_null": True, **kwargs}
    return KeyedRelatedField(queryset=model.objects.all(), key=key, **kwargs)


class TicketCreateSerializer(StrictInputMixin, serializers.Serializer):
    """Log a ticket of `kind`. Related objects by id or natural key: a service or
    customer by code, a team or CI by name, people by username.

    A requester logs for themself and chooses title, description, urgency and service;
    the service desk may also set the rest.
    """

    kind: str
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    impact = serializers.ChoiceField(choices=LEVELS, required=False)
    urgency = serializers.ChoiceField(choices=LEVELS, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False,
                                      help_text=gettext_lazy("Defaults to “api” for the desk."))
    service = related(Service, "code")
    configuration_item = related(ConfigurationItem, "name")
    customer = related(Customer, "code", help_text=gettext_lazy("Defaults to the requester's "
                                                         "customer."))
    requester = KeyedRelatedField(queryset=User.objects.filter(is_active=True), key="username",
                                  required=False, help_text=gettext_lazy("Defaults to you."))
    assignment_team = related(Team, "name", help_text=gettext_lazy("Defaults to the service's "
                                                            "owner team."))
    assignee = related(User, "username")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = self.context["request"].user
        process = registry.process_for(self.kind)
        if not roles.is_worker(user) and process.requesters_may_log:
            # A requester chooses what the process lets them (`requester_fields`).
            errors = {name: [_("Only the service desk sets this field.")] for name in attrs
                      if name not in (*process.requester_fields, "requester")}
            if attrs.get("requester") not in (None, user):
                errors["requester"] = [_("You can log tickets only for yourself.")]
            if errors:
                raise serializers.ValidationError(errors)
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Ticket:
        user = self.context["request"].user
        data = dict(validated_data)
        team = data.pop("assignment_team", None)
        assignee = data.pop("assignee", None)
        requester = data.pop("requester", None)
        if roles.is_worker(user):
            data.setdefault("channel", Channel.API)
        return create_ticket(self.kind, actor=user, requester=requester, team=team,
                             assignee=assignee, **data)


class TicketUpdateSerializer(StrictInputMixin, serializers.Serializer):
    """A PATCH: any of the editable fields, the assignment, and/or a new `status`.

    Send `version` (or If-Match) with the version you read. A status change takes the
    fields its transition requires (see `allowed_transitions`). Requesters may send
    only `status` (to close or reopen their ticket) and `note`.
    """

    version = serializers.IntegerField(min_value=1, required=False,
                                       help_text=gettext_lazy("The version you read; or If-Match."))
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    impact = serializers.ChoiceField(choices=LEVELS, required=False)
    urgency = serializers.ChoiceField(choices=LEVELS, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    service = related(Service, "code")
    configuration_item = related(ConfigurationItem, "name")
    customer = related(Customer, "code")
    # Assignment (itsm.workflow.assign).
    assignment_team = related(Team, "name")
    assignee = related(User, "username")
    # Status (itsm.workflow.transition) and what a transition may need.
    status = serializers.CharField(required=False)
    note = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)

    assignment_fields = ("assignment_team", "assignee")
    # What a status change may carry; each transition says which it requires.
    transition_fields: tuple[str, ...] = ("note",)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "status" not in attrs:
            stray = [name for name in self.transition_fields if name in attrs]
            if stray:
                raise serializers.ValidationError(
                    {name: [_("Only used with a change of status.")] for name in stray}
                )
        return attrs

    def update(self, instance: Ticket, validated_data: dict[str, Any]) -> Ticket:
        """Apply fields, then assignment, then status; the caller holds the transaction.

        Assignment goes before status so that "assign and resolve" works in one PATCH
        (assigning a new ticket may start it).
        """
        actor = self.context["request"].user
        data = dict(validated_data)
        data.pop("version", None)
        target = data.pop("status", None)
        # What the move takes: the fields it requires go with it (a problem's root
        # cause given with its move to known error), not before it as an edit.
        move = workflow.workflow_for(instance).find(instance.status, target) if target else None
        takes = {*self.transition_fields, *(move.requires if move else ())}
        extras = {name: data.pop(name) for name in takes if name in data}
        assignment = {name: data.pop(name) for name in self.assignment_fields if name in data}
        if data:
            update_ticket(instance, actor=actor, **data)
        if assignment:
            workflow.assign(instance, actor=actor,
                            team=assignment.get("assignment_team", workflow.UNSET),
                            assignee=assignment.get("assignee", workflow.UNSET))
        if target is not None and (target != instance.status or extras):
            note = extras.pop("note", "")
            workflow.transition(instance, target, actor=actor, note=note, **extras)
        return instance


# --- tasks ----------------------------------------------------------------------------


class TaskSerializer(TicketKindSerializer):
    """A task, with the ticket it is part of."""

    status = serializers.ChoiceField(choices=TaskStatus.choices, read_only=True)
    parent = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta(TicketKindSerializer.Meta):
        model = Task
        fields = (*TicketKindSerializer.Meta.fields[:-1], "parent", "planned_start",
                  "planned_end", "allowed_transitions")
        read_only_fields = fields


class TaskCreateSerializer(TicketCreateSerializer):
    """Add a task to a ticket: `parent` is its number. The task runs on the parent's
    service and goes to the parent's team unless `assignment_team` says otherwise."""

    kind = TicketKind.TASK
    parent = VisibleSlugRelatedField(
        slug_field="number", queryset=Ticket.objects.all(),
        help_text=gettext_lazy("The number of the ticket the task is part of, e.g. INC0000042."))
    planned_start = serializers.DateTimeField(required=False)
    planned_end = serializers.DateTimeField(required=False)
    # A task takes these from its parent.
    impact = urgency = channel = service = configuration_item = customer = requester = None

    def create(self, validated_data: dict[str, Any]) -> Ticket:
        data = validated_data
        return add_task(data["parent"], actor=self.context["request"].user, title=data["title"],
                        description=data.get("description", ""),
                        team=data.get("assignment_team"), assignee=data.get("assignee"),
                        planned_start=data.get("planned_start"),
                        planned_end=data.get("planned_end"))


class TaskUpdateSerializer(TicketUpdateSerializer):
    status = serializers.ChoiceField(choices=TaskStatus.choices, required=False)
    planned_start = serializers.DateTimeField(required=False)
    planned_end = serializers.DateTimeField(required=False)


# --- comments, events, attachments ----------------------------------------------------


class CommentSerializer(StrictInputMixin, serializers.ModelSerializer):
    """A comment; requesters' comments are always public."""

    author = BriefUserSerializer(read_only=True)
    body = serializers.CharField(max_length=20_000)
    is_public = serializers.BooleanField(
        default=True, help_text=gettext_lazy("False for an internal note (service desk only)."),
    )

    class Meta:
        model = Comment
        fields = ("id", "author", "body", "is_public", "created_at")
        read_only_fields = ("id", "author", "created_at")
        select_related = ("author",)


class TicketEventSerializer(serializers.ModelSerializer):
    """One entry of the timeline: who changed what, from what, to what."""

    actor = BriefUserSerializer(read_only=True, allow_null=True)
    comment = serializers.SerializerMethodField()

    class Meta:
        model = TicketEvent
        fields = ("id", "created_at", "kind", "actor", "field", "old_value", "new_value",
                  "note", "comment", "is_public")
        read_only_fields = fields
        select_related = ("actor", "comment")

    @extend_schema_field({"type": "string", "nullable": True})
    def get_comment(self, event: TicketEvent) -> str | None:
        return event.comment.body if event.comment_id else None


def attachment_download_path(ticket_number: str, attachment_id: int) -> str:
    """Where the web app serves an attachment (as a download, after a visibility check)."""
    try:
        return reverse("tickets:attachment-download",
                       kwargs={"number": ticket_number, "pk": attachment_id})
    except NoReverseMatch:  # the web pages are not mounted (an API-only deployment)
        return f"/tickets/{ticket_number}/attachments/{attachment_id}/download/"


class AttachmentSerializer(serializers.ModelSerializer):
    """A file on a ticket and where to download it."""

    uploaded_by = BriefUserSerializer(read_only=True)
    name = serializers.CharField(source="original_name", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ("id", "name", "content_type", "size", "uploaded_by", "created_at",
                  "download_url")
        read_only_fields = fields
        select_related = ("uploaded_by",)

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment: Attachment) -> str:
        number = self.context.get("ticket_number") or attachment.ticket.number
        path = attachment_download_path(number, attachment.pk)
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class AttachmentUploadSerializer(StrictInputMixin, serializers.Serializer):
    """A multipart upload: one file in the `file` part."""

    file = serializers.FileField(max_length=255, allow_empty_file=False)


# --- outages ----------------------------------------------------------------------------


class OutageSerializer(serializers.ModelSerializer):
    """An outage as read: its service and CI in brief, its ticket by number."""

    service = BriefServiceSerializer(read_only=True)
    configuration_item = BriefConfigurationItemSerializer(read_only=True)
    ticket = serializers.SlugRelatedField(slug_field="number", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Outage
        fields = ("id", "service", "configuration_item", "started_at", "ended_at", "planned",
                  "source", "ticket", "note", "created_by", "created_at")
        read_only_fields = fields
        select_related = ("service", "configuration_item", "ticket", "created_by")


class OutageWriteSerializer(StrictInputMixin, serializers.Serializer):
    """What the desk enters or corrects: service (id or code), CI (id or name), start,
    end (empty while it goes on), planned, note. An incident's outage follows the
    incident and is corrected there."""

    service = related(Service, "code", required=True, allow_null=False)
    configuration_item = related(ConfigurationItem, "name")
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(required=False, allow_null=True)
    planned = serializers.BooleanField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=TEXT_LIMIT)


# --- time worked ------------------------------------------------------------------------


class TimeEntrySerializer(serializers.ModelSerializer):
    person = serializers.SlugRelatedField(slug_field="username", read_only=True)
    team = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = TimeEntry
        fields = ("id", "person", "team", "minutes", "worked_on", "activity", "note", "cost",
                  "created_at")
        read_only_fields = fields
        select_related = ("person", "team")


class TimeEntryInputSerializer(StrictInputMixin, serializers.Serializer):
    """Time worked: minutes (1–1440), the day (default today), an activity, a note."""

    minutes = serializers.IntegerField(min_value=1, max_value=24 * 60)
    worked_on = serializers.DateField(required=False)
    activity = serializers.ChoiceField(choices=TimeEntry.Activity.choices, required=False,
                                       allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)
