"""Requests and approvals as the API shows them, and the ways to write them: an order
from a catalog item (answers checked exactly as the portal checks them), a PATCH
through the workflow, an approval's decision."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import RequestItem
from itsm.api import approvals as approval_api
from itsm.api.serializers import (
    LEVELS,
    TEXT_LIMIT,
    TicketKindSerializer,
    TicketUpdateSerializer,
)
from itsm.base.api.fields import BriefUserSerializer, KeyedRelatedField
from itsm.base.api.inputs import StrictInputMixin
from itsm.base.api.readers import PlainBriefMixin
from itsm.choices import Channel
from itsm.models import User

from .. import ordering
from ..choices import OnHoldReason, RequestStatus
from ..models import Approval, ApprovalStage, ServiceRequest


class BriefItemSerializer(PlainBriefMixin, serializers.ModelSerializer):
    class Meta:
        model = RequestItem
        fields = ("id", "name")
        read_only_fields = fields


class AnswerSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField()
    value = serializers.JSONField()
    shown = serializers.CharField(help_text=gettext_lazy("The answer as people read it."))


class StageDecisionSerializer(serializers.ModelSerializer):
    approver = BriefUserSerializer(read_only=True)
    decided_by = BriefUserSerializer(read_only=True)

    class Meta:
        model = Approval
        fields = ("id", "approver", "decision", "decided_by", "decided_at", "comment")
        read_only_fields = fields


class StageSerializer(serializers.ModelSerializer):
    approvals = StageDecisionSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalStage
        fields = ("position", "name", "rule", "required", "state", "started_at", "due_at",
                  "decided_at", "approvals")
        read_only_fields = fields


class ServiceRequestSerializer(TicketKindSerializer):
    """A request: the ticket, what was ordered with the answers as the form then stood,
    its approval steps and decisions."""

    status = serializers.ChoiceField(choices=RequestStatus.choices, read_only=True)
    request_item = BriefItemSerializer(read_only=True)
    # Stored as the form stood: read as it is (a list serializer would walk each row).
    answers = extend_schema_field(AnswerSerializer(many=True))(
        serializers.JSONField(read_only=True))
    ordered_by = BriefUserSerializer(read_only=True)
    on_hold_reason = serializers.ChoiceField(choices=OnHoldReason.choices, allow_blank=True,
                                             read_only=True)
    approval_steps = serializers.SerializerMethodField()

    class Meta(TicketKindSerializer.Meta):
        model = ServiceRequest
        fields = (*TicketKindSerializer.Meta.fields[:-1], "request_item", "item_name",
                  "answers", "ordered_by", "fulfilment_days", "approved_at",
                  "on_hold_reason", "fulfilment_notes", "approval_steps",
                  "allowed_transitions")
        read_only_fields = fields
        # A page's steps and decisions in two queries, not three per request.
        prefetch_related = (Prefetch("approval_stages", ApprovalStage.objects.prefetch_related(
            Prefetch("approvals", Approval.objects.select_related("approver", "decided_by")
                     .order_by("pk")))),)

    @extend_schema_field(StageSerializer(many=True))
    def get_approval_steps(self, order: ServiceRequest) -> list[dict[str, Any]]:
        return StageSerializer(order.approval_stages.all(), many=True).data


class ServiceRequestCreateSerializer(StrictInputMixin, serializers.Serializer):
    """Order a catalog item: `item` is its id; `answers` an object of the item's form
    fields by name (see `/api/v1/catalog/items/<id>/`), checked exactly as the portal
    checks them. The desk may order for anyone (`requester`) and say how they asked."""

    item = serializers.PrimaryKeyRelatedField(queryset=RequestItem.objects.all())
    answers = serializers.DictField(required=False, default=dict,
                                    help_text=gettext_lazy("Answers by field name; yes/no "
                                                           "as true or false, several choices "
                                                           "as a list."))
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=TEXT_LIMIT, required=False,
                                        allow_blank=True)
    urgency = serializers.ChoiceField(choices=LEVELS, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False,
                                      help_text=gettext_lazy("Defaults to “api” for the desk."))
    requester = KeyedRelatedField(queryset=User.objects.filter(is_active=True), key="username",
                                  required=False, help_text=gettext_lazy("Defaults to you."))

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:  # only what the caller may order is found
            fields["item"].queryset = ordering.orderable(request.user)
        return fields

    def create(self, validated_data: dict[str, Any]) -> ServiceRequest:
        user = self.context["request"].user
        data = dict(validated_data)
        answers = {name: ("yes" if value else "no") if isinstance(value, bool) else value
                   for name, value in data.pop("answers").items()}
        try:
            return ordering.order(data.pop("item"), actor=user, answers=answers,
                                  requester=data.pop("requester", None) or user,
                                  channel=data.pop("channel", None) or Channel.API, **data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(_answer_errors(exc)) from exc


def _answer_errors(exc: DjangoValidationError) -> dict[str, Any]:
    """A service's errors for the API: the form's fields under `answers`."""
    if not hasattr(exc, "error_dict"):
        return {"non_field_errors": exc.messages}
    outer = {"item", "requester", "title", "description", "urgency", "channel"}
    errors: dict[str, Any] = {}
    for name, messages in exc.message_dict.items():
        if name in outer:
            errors[name] = messages
        elif name == "request_item":
            errors["item"] = messages
        else:
            errors.setdefault("answers", {})[name] = messages
    return errors


class ServiceRequestUpdateSerializer(TicketUpdateSerializer):
    status = serializers.ChoiceField(choices=RequestStatus.choices, required=False)
    on_hold_reason = serializers.ChoiceField(choices=OnHoldReason.choices, required=False)
    fulfilment_notes = serializers.CharField(max_length=TEXT_LIMIT, required=False)
    # An order's service is its item's.
    service = None

    transition_fields = ("note", "on_hold_reason", "fulfilment_notes")


class ApprovalSerializer(approval_api.ApprovalSerializer):
    """One approval: the request it decides, the step, the approver and the decision."""

    request = serializers.SlugRelatedField(slug_field="number", read_only=True)
    title = serializers.CharField(source="request.title", read_only=True)
    item_name = serializers.CharField(source="request.item_name", read_only=True)
    requester = BriefUserSerializer(source="request.requester", read_only=True)
    answers = AnswerSerializer(source="request.answers", many=True, read_only=True)

    class Meta:
        model = Approval
        fields = ("id", "request", "title", "item_name", "requester", "answers",
                  *approval_api.ApprovalSerializer.DECIDED)
        read_only_fields = fields
        select_related = ("request__requester", "stage", "approver", "decided_by")
