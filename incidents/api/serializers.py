"""Incidents as the API shows them, and the two ways to write one: the core's ticket
serializers with the incident's own fields."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from itsm.api.serializers import (
    TEXT_LIMIT,
    TicketCreateSerializer,
    TicketKindSerializer,
    TicketUpdateSerializer,
)
from itsm.base.api.fields import VisibleSlugRelatedField
from itsm.choices import TicketKind

from ..choices import IncidentStatus, OnHoldReason, ResolutionCode
from ..models import Incident


def _parent_field(**kwargs) -> VisibleSlugRelatedField:
    return VisibleSlugRelatedField(
        slug_field="number", queryset=Incident.objects.all(), required=False, allow_null=True,
        help_text=gettext_lazy("The number of the major incident this one is part of."), **kwargs)


class IncidentSerializer(TicketKindSerializer):
    """An incident, with the status changes the requesting user may make now."""

    status = serializers.ChoiceField(choices=IncidentStatus.choices, read_only=True)
    parent = serializers.SlugRelatedField(slug_field="number", read_only=True)
    on_hold_reason = serializers.ChoiceField(choices=OnHoldReason.choices, allow_blank=True,
                                             read_only=True)
    resolution_code = serializers.ChoiceField(choices=ResolutionCode.choices, allow_blank=True,
                                              read_only=True)

    class Meta(TicketKindSerializer.Meta):
        model = Incident
        fields = (*TicketKindSerializer.Meta.fields[:-1], "is_major", "is_outage", "parent",
                  "on_hold_reason", "resolution_code", "resolution_notes",
                  "allowed_transitions")
        read_only_fields = fields


class IncidentCreateSerializer(TicketCreateSerializer):
    kind = TicketKind.INCIDENT
    is_major = serializers.BooleanField(required=False)
    is_outage = serializers.BooleanField(required=False)
    parent = _parent_field()


class IncidentUpdateSerializer(TicketUpdateSerializer):
    is_major = serializers.BooleanField(required=False)
    is_outage = serializers.BooleanField(required=False)
    parent = _parent_field()
    status = serializers.ChoiceField(choices=IncidentStatus.choices, required=False)
    resolution_code = serializers.ChoiceField(choices=ResolutionCode.choices, required=False)
    resolution_notes = serializers.CharField(max_length=TEXT_LIMIT, required=False)
    on_hold_reason = serializers.ChoiceField(choices=OnHoldReason.choices, required=False)

    transition_fields = ("note", "resolution_code", "resolution_notes", "on_hold_reason")
