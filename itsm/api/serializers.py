"""Serializers of the ticket core: tokens, tickets of every kind, comments, events, files.

Read serializers show; write serializers parse and check input and hand it to the
services (`itsm.workflow`, `itsm.services`). None of them sets status, assignment or
any counter itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.contrib.auth import authenticate
from django.core.exceptions import FieldDoesNotExist
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import ISO_8601, serializers
from rest_framework.relations import ManyRelatedField, RelatedField
from rest_framework.settings import api_settings

from catalog.api.serializers import (
    BriefConfigurationItemSerializer,
    BriefCustomerSerializer,
    BriefServiceCategorySerializer,
    BriefServiceSerializer,
    BriefTeamSerializer,
)
from itsm import workflow
from itsm.choices import Channel, TicketKind
from itsm.models import ApiToken, Attachment, Comment, Ticket, TicketEvent

from .fields import BriefUserSerializer, PlainBriefMixin

# Impact and urgency: 1 high – 3 low (DESIGN.md §2).
LEVELS = [(1, _lazy("1 - High")), (2, _lazy("2 - Medium")), (3, _lazy("3 - Low"))]


# --- input plumbing -------------------------------------------------------------------


class StrictInputMixin:
    """Refuse keys the serializer does not know, naming each one.

    DRF drops unknown keys silently, so `{"priority": 1}` or a misspelt field would
    "succeed" and change nothing; a client should hear about it.
    """

    unknown_field_message = _lazy("Unknown field; it cannot be set here.")
    # Sent by the browsable API's HTML forms, not by the client's intent.
    ignored_keys = frozenset({"csrfmiddlewaretoken"})

    def to_internal_value(self, data: Any) -> Any:
        unknown = {}
        if isinstance(data, Mapping):
            writable = {name for name, f in self.fields.items() if not f.read_only}
            unknown = {key: [str(self.unknown_field_message)]
                       for key in data if key not in writable and key not in self.ignored_keys}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**unknown, **exc.detail}) from exc
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


# --- tokens ---------------------------------------------------------------------------


class TokenRequestSerializer(StrictInputMixin, serializers.Serializer):
    """Credentials exchanged for a token."""

    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False,
                                     style={"input_type": "password"}, write_only=True)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                 help_text=_lazy("A label to recognise the token by later."))

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
        help_text=_lazy("True for the token that authenticated this request.")
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


# --- read plumbing --------------------------------------------------------------------


# Field kinds whose `to_representation` reads nothing but the value (no context, no
# request, no parent): their readers can be built once per class and shared.
CONTEXT_FREE_FIELDS = (
    serializers.BooleanField, serializers.CharField, serializers.ChoiceField,
    serializers.DateField, serializers.DateTimeField, serializers.DecimalField,
    serializers.FloatField, serializers.IntegerField, serializers.JSONField,
    serializers.ReadOnlyField, serializers.SlugRelatedField,
)
# (serializer class, time zone) -> its read plan; see CompiledReadMixin.
_READ_PLANS: dict[tuple[type, str], list[tuple[str, str, Any]] | None] = {}


class CompiledReadMixin:
    """A read-only ModelSerializer whose fields are looked up once, not once per row.

    DRF's `to_representation` walks its field machinery for every field of every row
    (`get_attribute`, `SkipField`, `PKOnlyObject`): for a page of 50 tickets with ~40
    fields that was the largest single cost of the list. Here each field becomes one
    reader, a function of the instance: a model field or forward relation is read with
    `getattr` and then handed to the field's own `to_representation` (None stays None,
    as in DRF); a method field calls its method.

    The readers are planned once per serializer class and time zone, from a serializer
    built without context, when every field is of a context-free kind
    (`CONTEXT_FREE_FIELDS`, brief forms): building DRF's fields took a list response
    ~5 ms. Otherwise they are built once per serializer. Any other kind of field
    (dotted sources, many-relations, pk-only relations) makes the serializer fall back
    to DRF's walk, so the output is always DRF's own (tests/incidents/test_api_list.py
    compares them byte for byte).
    """

    def to_representation(self, instance: Any) -> dict[str, Any]:
        readers = self.__dict__.get("_readers")
        if readers is None:
            readers = self._readers = self._bind_readers()
        if not readers:
            return super().to_representation(instance)
        return {name: read(instance) for name, read in readers}

    def _bind_readers(self) -> list[tuple[str, Callable[[Any], Any]]]:
        key = (type(self), timezone.get_current_timezone_name())
        if key not in _READ_PLANS:
            _READ_PLANS[key] = type(self)()._plan(shared=True)
        plan = _READ_PLANS[key] or self._plan(shared=False)
        if not plan:
            return []
        return [(name, getattr(self, payload) if kind == "method" else payload)
                for name, kind, payload in plan]

    def _plan(self, shared: bool) -> list[tuple[str, str, Any]] | None:
        """(name, "method", method name) or (name, "read", reader) per field; None if a
        field needs DRF's walk, or (when `shared`) may read its context."""
        plan = []
        for field in self._readable_fields:
            if isinstance(field, serializers.SerializerMethodField):
                plan.append((field.field_name, "method", field.method_name))
                continue
            if shared and not isinstance(field, (*CONTEXT_FREE_FIELDS, PlainBriefMixin)):
                return None
            read = self._reader(field)
            if read is None:
                return None
            plan.append((field.field_name, "read", read))
        return plan

    def _reader(self, field: serializers.Field) -> Callable[[Any], Any] | None:
        if (len(field.source_attrs) != 1
                or isinstance(field, ManyRelatedField | serializers.ListSerializer)
                or (isinstance(field, RelatedField) and field.use_pk_only_optimization())):
            return None
        attr = field.source_attrs[0]
        try:
            model_field = self.Meta.model._meta.get_field(attr)
        except FieldDoesNotExist:  # a property or method: DRF calls callables, so let it
            return None
        if not model_field.concrete or model_field.many_to_many:
            return None  # reverse relations: DRF turns DoesNotExist into None
        represent = field.to_representation
        if isinstance(field, serializers.DateTimeField):
            represent = iso_datetime(field) or represent

        def read(instance: Any) -> Any:
            value = getattr(instance, attr)
            return None if value is None else represent(value)

        return read


def iso_datetime(field: serializers.DateTimeField) -> Callable[[Any], Any] | None:
    """`field.to_representation` for aware datetimes with the time zone looked up once.

    DRF looks the current time zone up (a context-local read) for every value; a list
    row has eight datetimes. None if the field is not ISO 8601 in a time zone.
    """
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if zone is None or not isinstance(output_format, str) or output_format.lower() != ISO_8601:
        return None
    represent = field.to_representation

    def to_iso(value: Any) -> Any:
        if not isinstance(value, datetime) or value.utcoffset() is None:
            return represent(value)  # naive (or not a datetime): DRF's own checks
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return to_iso


# --- tickets --------------------------------------------------------------------------


def status_label(ticket: Ticket) -> str:
    try:
        return workflow.workflow_for(ticket).label(ticket.status)
    except KeyError:  # a kind whose process app is not installed yet
        return ticket.status


class TicketSerializer(CompiledReadMixin, serializers.ModelSerializer):
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

    select_related = ("service", "category", "configuration_item", "customer", "requester",
                      "assignment_team", "assignee")
    join_related = ("service", "customer", "assignment_team")

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

    @extend_schema_field(OpenApiTypes.STR)
    def get_status_label(self, ticket: Ticket) -> str:
        # Translated once per status and response, not once per row.
        labels = self.__dict__.setdefault("_status_labels", {})
        key = (ticket.kind, ticket.status)
        if key not in labels:
            labels[key] = status_label(ticket)
        return labels[key]


class TransitionSerializer(serializers.Serializer):
    """A status change the requesting user may make now, and what it needs."""

    status = serializers.CharField(source="target", help_text=_lazy("PATCH this as `status`."))
    name = serializers.CharField()
    label = serializers.CharField()
    requires = serializers.ListField(
        child=serializers.CharField(),
        help_text=_lazy("Fields to send with the status (`note` or model fields)."),
    )


# --- comments, events, attachments ----------------------------------------------------


class CommentSerializer(StrictInputMixin, serializers.ModelSerializer):
    """A comment; requesters' comments are always public."""

    author = BriefUserSerializer(read_only=True)
    body = serializers.CharField(max_length=20_000)
    is_public = serializers.BooleanField(
        default=True, help_text=_lazy("False for an internal note (service desk only)."),
    )

    class Meta:
        model = Comment
        fields = ("id", "author", "body", "is_public", "created_at")
        read_only_fields = ("id", "author", "created_at")


class TicketEventSerializer(serializers.ModelSerializer):
    """One entry of the timeline: who changed what, from what, to what."""

    actor = BriefUserSerializer(read_only=True, allow_null=True)
    comment = serializers.SerializerMethodField()

    class Meta:
        model = TicketEvent
        fields = ("id", "created_at", "kind", "actor", "field", "old_value", "new_value",
                  "note", "comment", "is_public")
        read_only_fields = fields

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

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, attachment: Attachment) -> str:
        number = self.context.get("ticket_number") or attachment.ticket.number
        path = attachment_download_path(number, attachment.pk)
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class AttachmentUploadSerializer(StrictInputMixin, serializers.Serializer):
    """A multipart upload: one file in the `file` part."""

    file = serializers.FileField(max_length=255, allow_empty_file=False)
