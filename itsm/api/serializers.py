"""Serializers of the ticket core: tokens, tickets of every kind, comments, events, files.

Read serializers show; write serializers parse and check input and hand it to the
services (`itsm.workflow`, `itsm.services`). None of them sets status, assignment or
any counter itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

from django.contrib.auth import authenticate
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Manager
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
from itsm import briefs, workflow
from itsm.base.api.fields import BriefUserSerializer, PlainBriefMixin
from itsm.choices import Channel, TicketKind
from itsm.models import ApiToken, Attachment, Comment, Ticket, TicketEvent

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
# A reader: (serializer, instance) -> the field's value in the response.
Reader = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class ReadPlan:
    """How a serializer reads an instance: one reader per field, and the relations
    a list may read in brief (`itsm.briefs`)."""

    readers: tuple[tuple[str, Reader], ...]
    relations: tuple[briefs.BriefRelation, ...]


# (serializer class, time zone) -> its shared read plan, None if it has none.
_READ_PLANS: dict[tuple[type, str], ReadPlan | None] = {}


class CompiledReadMixin:
    """A read-only ModelSerializer whose fields are looked up once, not once per row.

    DRF's `to_representation` walks its field machinery for every field of every row
    (`get_attribute`, `SkipField`, `PKOnlyObject`): for a page of 50 tickets with ~40
    fields that was the largest single cost of the list. Here each field becomes one
    reader, a function of the serializer and the instance: a model field is read with
    `getattr` and handed to the field's own `to_representation` (None stays None, as
    in DRF); a method field calls its method; a related object in brief (a
    `PlainBriefMixin` serializer or a slug) is looked up among those a list has
    loaded for the whole page (`load_briefs`), or read from the instance otherwise.

    The plan is made once per serializer class and time zone, from a serializer built
    without context, when every field is of a context-free kind (`CONTEXT_FREE_FIELDS`,
    brief forms): building DRF's fields took a list response ~5 ms. Otherwise it is
    made once per serializer. Any other kind of field (dotted sources,
    many-relations, pk-only relations) makes the serializer fall back to DRF's walk,
    so the output is always DRF's own (tests/incidents/test_api_list.py compares them
    byte for byte).
    """

    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan = self.read_plan()
        if plan is None:
            return super().to_representation(instance)
        return {name: read(self, instance) for name, read in plan.readers}

    def read_plan(self) -> ReadPlan | None:
        if "_read_plan" not in self.__dict__:
            key = (type(self), timezone.get_current_timezone_name())
            if key not in _READ_PLANS:
                _READ_PLANS[key] = type(self)()._make_plan(shared=True)
            self._read_plan = _READ_PLANS[key] or self._make_plan(shared=False)
        return self._read_plan

    def load_briefs(self, rows: list[Any]) -> None:
        """Read the brief related objects of `rows` (a list's page) in one go."""
        plan = self.read_plan()
        relations = plan.relations if plan else ()
        self._briefs = briefs.load(relations, rows) if relations else None

    def _make_plan(self, shared: bool) -> ReadPlan | None:
        """None if a field needs DRF's walk, or (when `shared`) may read its context."""
        readers, relations = [], []
        for field in self._readable_fields:
            if isinstance(field, serializers.SerializerMethodField):
                readers.append((field.field_name, getattr(type(self), field.method_name)))
                continue
            if shared and not isinstance(field, (*CONTEXT_FREE_FIELDS, PlainBriefMixin)):
                return None
            model_field = self._model_field(field)
            if model_field is None:
                return None
            relation = brief_relation(field, model_field)
            if relation is not None:
                relations.append(relation)
                readers.append((field.field_name, brief_reader(field, relation)))
            else:
                readers.append((field.field_name, value_reader(field, model_field)))
        return ReadPlan(tuple(readers), tuple(relations))

    def _model_field(self, field: serializers.Field) -> Any:
        """The concrete model field `field` reads, None if DRF must read it."""
        if (len(field.source_attrs) != 1
                or isinstance(field, ManyRelatedField | serializers.ListSerializer)
                or (isinstance(field, RelatedField) and field.use_pk_only_optimization())):
            return None
        try:
            model_field = self.Meta.model._meta.get_field(field.source_attrs[0])
        except FieldDoesNotExist:  # a property or method: DRF calls callables, so let it
            return None
        if not model_field.concrete or model_field.many_to_many:
            return None  # reverse relations: DRF turns DoesNotExist into None
        return model_field


# Serializer fields whose `to_representation` hands back any value of these model
# fields unchanged (`str` of a str, `int` of an int, `bool` of a bool).
AS_STORED = (
    (serializers.CharField, (models.CharField, models.TextField)),
    (serializers.IntegerField, (models.IntegerField, models.AutoField)),
    (serializers.BooleanField, (models.BooleanField,)),
)


def represents_as_stored(field: serializers.Field, model_field: Any) -> bool:
    """Whether DRF would show this model field's values exactly as stored.

    Then the reader skips the call: a list row has some thirty such fields. A choice
    field qualifies when every choice has the stored values' type (its lookup then
    maps a value to itself); a field class that overrides `to_representation` never.
    """
    if type(field).to_representation is serializers.ChoiceField.to_representation:
        if isinstance(model_field, models.CharField):
            return all(isinstance(choice, str) for choice in field.choices)
        if isinstance(model_field, models.IntegerField):
            return all(type(choice) is int for choice in field.choices)
        return False
    return any(type(field).to_representation is kind.to_representation
               and isinstance(model_field, model_kinds) for kind, model_kinds in AS_STORED)


def value_reader(field: serializers.Field, model_field: Any = None) -> Reader:
    """Read the attribute and represent it as the field does; None stays None."""
    attr = field.source_attrs[0]
    if model_field is not None and represents_as_stored(field, model_field):
        return lambda _serializer, instance: getattr(instance, attr)
    represent = field.to_representation
    if isinstance(field, serializers.DateTimeField):
        represent = iso_datetime(field) or represent

    def read(_serializer: Any, instance: Any) -> Any:
        value = getattr(instance, attr)
        return None if value is None else represent(value)

    return read


def brief_relation(field: serializers.Field, model_field: Any) -> briefs.BriefRelation | None:
    """How a list reads this forward relation without instances, if it can."""
    if not (model_field.many_to_one or model_field.one_to_one):
        return None
    related = model_field.related_model
    if isinstance(field, PlainBriefMixin):
        columns, build = type(field).brief_columns(), type(field).brief_from_values
    elif isinstance(field, serializers.SlugRelatedField):
        columns, build = ("pk", field.slug_field), itemgetter(1)
    else:
        return None
    for column in columns[1:]:
        try:
            if not related._meta.get_field(column).concrete:
                return None
        except FieldDoesNotExist:
            return None
    return briefs.BriefRelation(field.field_name, model_field.attname, related, columns, build)


def brief_reader(field: serializers.Field, relation: briefs.BriefRelation) -> Reader:
    """The loaded brief when the list has loaded them, else the instance's attribute."""
    read_attribute = value_reader(field)
    name, id_attr = relation.name, relation.id_attr

    def read(serializer: Any, instance: Any) -> Any:
        loaded = serializer.__dict__.get("_briefs")
        if loaded is not None:
            key = getattr(instance, id_attr)
            if key is None:
                return None
            brief = loaded[name].get(key)
            if brief is not None:
                # Each row its own dict, as DRF gives: rows share the loaded one.
                return brief.copy() if isinstance(brief, dict) else brief
        return read_attribute(serializer, instance)

    return read


class BriefingListSerializer(serializers.ListSerializer):
    """A list that loads its rows' brief related objects once for the page."""

    def to_representation(self, data: Any) -> list[Any]:
        rows = list(data.all() if isinstance(data, Manager) else data)
        if isinstance(self.child, CompiledReadMixin):
            self.child.load_briefs(rows)
        return super().to_representation(rows)


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
        list_serializer_class = BriefingListSerializer

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
