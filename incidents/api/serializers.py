"""Incidents as the API shows them, and the two ways to write one.

`IncidentCreateSerializer` hands its input to `incidents.services.create_incident`;
`IncidentUpdateSerializer` splits a PATCH into plain fields
(`update_incident`), assignment (`workflow.assign`) and a status change
(`workflow.transition`). Neither sets status, assignment or priority itself.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import ConfigurationItem, Customer, Service, Team
from itsm import workflow
from itsm.api.serializers import LEVELS, StrictInputMixin, TicketSerializer, TransitionSerializer
from itsm.base import roles
from itsm.base.api.fields import StrictPrimaryKeyRelatedField, UserReferenceField
from itsm.choices import Channel
from itsm.models import User

from ..choices import IncidentStatus, OnHoldReason, ResolutionCode
from ..models import Incident
from ..services import EDITABLE_FIELDS, create_incident, update_incident

TEXT_LIMIT = 50_000
ASSIGNMENT_FIELDS = ("assignment_team", "assignee")
# What a status change may carry; each transition says which it requires.
TRANSITION_FIELDS = ("note", "resolution_code", "resolution_notes", "on_hold_reason")
# What a requester may send in a PATCH: a status they may take (close, reopen).
REQUESTER_PATCH_FIELDS = frozenset({"status", "note", "version"})
# What only the service desk sets when logging an incident.
DESK_ONLY_ON_CREATE = ("customer", "configuration_item", "assignment_team", "assignee",
                       "is_major", "parent", "channel", "impact")


class IncidentSerializer(TicketSerializer):
    """An incident, with the status changes the requesting user may make now."""

    url = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=IncidentStatus.choices, read_only=True)
    parent = serializers.SlugRelatedField(slug_field="number", read_only=True)
    on_hold_reason = serializers.ChoiceField(choices=OnHoldReason.choices, allow_blank=True,
                                             read_only=True)
    resolution_code = serializers.ChoiceField(choices=ResolutionCode.choices, allow_blank=True,
                                              read_only=True)
    allowed_transitions = serializers.SerializerMethodField()

    select_related = (*TicketSerializer.select_related, "parent")

    class Meta(TicketSerializer.Meta):
        model = Incident
        fields = ("url", *TicketSerializer.Meta.fields, "is_major", "parent", "on_hold_reason",
                  "resolution_code", "resolution_notes", "allowed_transitions")
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, incident: Incident) -> str:
        # One reverse() per response, not per row: a page of 50 spent ~5 ms reversing.
        prefix = self.context.get("_incident_url_prefix")
        if prefix is None:
            path = reverse("incidents-api:incident-detail", kwargs={"number": "INC0"})[:-5]
            request = self.context.get("request")
            prefix = request.build_absolute_uri(path) if request else path
            self.context["_incident_url_prefix"] = prefix
        return f"{prefix}{incident.number}/"

    @extend_schema_field(TransitionSerializer(many=True))
    def get_allowed_transitions(self, incident: Incident) -> list[dict[str, Any]]:
        request = self.context.get("request")
        if request is None:
            return []
        # Plain dicts: a serializer built per row deep-copies its fields for every row;
        # and each label is translated once per response, not once per row.
        labels = self.__dict__.setdefault("_transition_labels", {})
        allowed = []
        for t in workflow.allowed_transitions(incident, request.user):
            if t.name not in labels:
                labels[t.name] = str(t.label)
            allowed.append({"status": t.target, "name": t.name, "label": labels[t.name],
                            "requires": list(t.requires)})
        return allowed


class ScopedRelationsMixin:
    """Related objects are looked up among those the requesting user may see."""

    scoped_fields = {
        "service": Service, "configuration_item": ConfigurationItem, "customer": Customer,
        "assignment_team": Team, "parent": Incident,
    }

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            for name, model in self.scoped_fields.items():
                if name in fields:
                    fields[name].queryset = model.objects.visible_to(request.user)
        return fields


def _id_field(model, **kwargs: Any) -> StrictPrimaryKeyRelatedField:
    return StrictPrimaryKeyRelatedField(queryset=model.objects.all(), required=False,
                                        allow_null=True, **kwargs)


class IncidentCreateSerializer(ScopedRelationsMixin, StrictInputMixin, serializers.Serializer):
    """Log an incident. Related objects by id; the requester by id or username.

    A requester logs for themself and chooses title, description, impact, urgency and
    service; the service desk may also set the rest.
    """

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    impact = serializers.ChoiceField(choices=LEVELS, required=False)
    urgency = serializers.ChoiceField(choices=LEVELS, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False,
                                      help_text=_lazy("Defaults to “api” for the desk."))
    service = _id_field(Service)
    configuration_item = _id_field(ConfigurationItem)
    customer = _id_field(Customer, help_text=_lazy("Defaults to the requester's customer."))
    requester = UserReferenceField(queryset=User.objects.filter(is_active=True), required=False,
                                   help_text=_lazy("Defaults to you."))
    assignment_team = _id_field(Team, help_text=_lazy("Defaults to the service's owner team."))
    assignee = _id_field(User)
    is_major = serializers.BooleanField(required=False)
    parent = serializers.SlugRelatedField(slug_field="number", queryset=Incident.objects.all(),
                                          required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = self.context["request"].user
        if not roles.is_worker(user):
            errors = {name: [_("Only the service desk sets this field.")]
                      for name in DESK_ONLY_ON_CREATE if name in attrs}
            if attrs.get("requester") not in (None, user):
                errors["requester"] = [_("You can log incidents only for yourself.")]
            if errors:
                raise serializers.ValidationError(errors)
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Incident:
        user = self.context["request"].user
        data = dict(validated_data)
        team = data.pop("assignment_team", None)
        assignee = data.pop("assignee", None)
        requester = data.pop("requester", None)
        if roles.is_worker(user):
            data.setdefault("channel", Channel.API)
        return create_incident(actor=user, requester=requester, team=team, assignee=assignee,
                               **data)


class IncidentUpdateSerializer(ScopedRelationsMixin, StrictInputMixin, serializers.Serializer):
    """A PATCH: any of the editable fields, the assignment, and/or a new `status`.

    Send `version` (or If-Match) with the version you read. A status change takes the
    fields its transition requires (see `allowed_transitions` on the incident).
    Requesters may send only `status` (to close or reopen their incident) and `note`.
    """

    version = serializers.IntegerField(min_value=1, required=False,
                                       help_text=_lazy("The version you read; or If-Match."))
    # Plain fields (incidents.services.EDITABLE_FIELDS).
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    impact = serializers.ChoiceField(choices=LEVELS, required=False)
    urgency = serializers.ChoiceField(choices=LEVELS, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    service = _id_field(Service)
    configuration_item = _id_field(ConfigurationItem)
    customer = _id_field(Customer)
    is_major = serializers.BooleanField(required=False)
    parent = serializers.SlugRelatedField(slug_field="number", queryset=Incident.objects.all(),
                                          required=False, allow_null=True)
    # Assignment (itsm.workflow.assign).
    assignment_team = _id_field(Team)
    assignee = _id_field(User)
    # Status (itsm.workflow.transition) and what a transition may need.
    status = serializers.ChoiceField(choices=IncidentStatus.choices, required=False)
    note = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    resolution_code = serializers.ChoiceField(choices=ResolutionCode.choices, required=False)
    resolution_notes = serializers.CharField(max_length=TEXT_LIMIT, required=False)
    on_hold_reason = serializers.ChoiceField(choices=OnHoldReason.choices, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "status" not in attrs:
            stray = [name for name in TRANSITION_FIELDS if name in attrs]
            if stray:
                raise serializers.ValidationError(
                    {name: [_("Only used with a change of status.")] for name in stray}
                )
        return attrs

    def update(self, instance: Incident, validated_data: dict[str, Any]) -> Incident:
        """Apply fields, then assignment, then status; the caller holds the transaction.

        Assignment goes before status so that "assign and resolve" works in one PATCH
        (assigning a new incident starts it).
        """
        actor = self.context["request"].user
        data = dict(validated_data)
        data.pop("version", None)
        target = data.pop("status", None)
        extras = {name: data.pop(name) for name in TRANSITION_FIELDS if name in data}
        assignment = {name: data.pop(name) for name in ASSIGNMENT_FIELDS if name in data}
        fields = {name: value for name, value in data.items() if name in EDITABLE_FIELDS}

        if fields:
            update_incident(instance, actor=actor, **fields)
        if assignment:
            workflow.assign(instance, actor=actor,
                            team=assignment.get("assignment_team", workflow.UNSET),
                            assignee=assignment.get("assignee", workflow.UNSET))
        if target is not None and (target != instance.status or extras):
            note = extras.pop("note", "")
            workflow.transition(instance, target, actor=actor, note=note, **extras)
        return instance
