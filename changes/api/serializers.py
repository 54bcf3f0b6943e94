"""Changes as the API shows them, and the ways to write them: the core's ticket
serializers with the change's own fields."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import ChangeRisk, ConfigurationItem, Service, StandardChange
from itsm.api import approvals as approval_api
from itsm.api.serializers import (
    TEXT_LIMIT,
    TicketCreateSerializer,
    TicketKindSerializer,
    TicketUpdateSerializer,
    related,
)
from itsm.base import roles
from itsm.base.api.fields import BriefUserSerializer
from itsm.base.api.inputs import StrictInputMixin
from itsm.choices import TicketKind

from .. import conflicts
from ..choices import ChangeStatus, ChangeType, CloseCode
from ..conflicts import KINDS_HELP
from ..models import Change, ChangeApproval, ChangeApprovalStage
from ..services import create_change, impacted, set_scope

PLANS = ("implementation_plan", "backout_plan", "test_plan")
BRIEFS = ("service", "category", "configuration_item", "customer", "requester",
          "assignment_team", "assignee")
REVIEW = ("review_findings", "review_lessons", "review_actions")


class ChangeDecisionSerializer(serializers.ModelSerializer):
    approver = BriefUserSerializer(read_only=True)
    decided_by = BriefUserSerializer(read_only=True)

    class Meta:
        model = ChangeApproval
        fields = ("id", "approver", "decision", "decided_by", "decided_at", "comment",
                  "meeting")
        read_only_fields = fields


class ChangeStageSerializer(serializers.ModelSerializer):
    approvals = ChangeDecisionSerializer(many=True, read_only=True)

    class Meta:
        model = ChangeApprovalStage
        fields = ("position", "name", "approvers", "rule", "required", "state", "started_at",
                  "due_at", "decided_at", "approvals")
        read_only_fields = fields


class ChangeApprovalSerializer(approval_api.ApprovalSerializer):
    """One approval of a change: the change, the step, the approver and the decision."""

    change = serializers.SlugRelatedField(slug_field="number", read_only=True)
    title = serializers.CharField(source="change.title", read_only=True)
    change_type = serializers.CharField(source="change.change_type", read_only=True)
    risk = serializers.CharField(source="change.risk", read_only=True)
    planned_start = serializers.DateTimeField(source="change.planned_start", read_only=True)
    planned_end = serializers.DateTimeField(source="change.planned_end", read_only=True)
    requester = BriefUserSerializer(source="change.requester", read_only=True)

    class Meta:
        model = ChangeApproval
        fields = ("id", "change", "title", "change_type", "risk", "planned_start",
                  "planned_end", "requester", "meeting", *approval_api.ApprovalSerializer.DECIDED)
        read_only_fields = fields
        select_related = ("change__requester", "stage", "approver", "decided_by")


class ConflictOtherSerializer(serializers.Serializer):
    type = serializers.CharField(help_text=gettext_lazy(
        "change (with its number and title), freeze_window or maintenance_window (with "
        "its id and name)."))
    number = serializers.CharField(required=False)
    title = serializers.CharField(required=False)
    id = serializers.IntegerField(required=False)
    name = serializers.CharField(required=False)


class ConflictSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=KINDS_HELP)
    message = serializers.CharField()
    other = ConflictOtherSerializer(allow_null=True)


class ChangeSerializer(TicketKindSerializer):
    """A change: type, risk (with the answers), window, plans, outcome, review, the
    problem it was raised from and the incidents it caused."""

    status = serializers.ChoiceField(choices=ChangeStatus.choices, read_only=True)
    change_type = serializers.ChoiceField(choices=ChangeType.choices, read_only=True)
    risk = serializers.ChoiceField(choices=ChangeRisk.choices, allow_blank=True,
                                   read_only=True)
    close_code = serializers.ChoiceField(choices=CloseCode.choices, allow_blank=True,
                                         read_only=True)
    standard_change = serializers.PrimaryKeyRelatedField(read_only=True)
    raised_from = serializers.SlugRelatedField(slug_field="number", read_only=True)
    affected_services = serializers.SlugRelatedField(slug_field="code", many=True,
                                                     read_only=True)
    affected_cis = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    impacted_services = serializers.SerializerMethodField()
    caused_incidents = serializers.SerializerMethodField()
    conflicts = serializers.SerializerMethodField(help_text=gettext_lazy(
        "What its planned window collides with (`changes.conflicts`): kind, message and "
        "the change, freeze or maintenance window it collides with."))
    approval_steps = ChangeStageSerializer(source="approval_stages", many=True,
                                           read_only=True)

    class Meta(TicketKindSerializer.Meta):
        model = Change
        fields = (*TicketKindSerializer.Meta.fields[:-1], "change_type", "standard_change",
                  "risk", "risk_answers", "planned_start", "planned_end", "actual_start",
                  "actual_end", *PLANS, "close_code", "close_notes", *REVIEW, "raised_from",
                  "affected_services", "affected_cis", "impacted_services",
                  "caused_incidents", "approval_steps", "freeze_override", "conflicts",
                  "allowed_transitions")
        read_only_fields = fields
        # The many-relations make DRF walk each row: the briefs every ticket shows are
        # read for the page here (one query each), so a list stays flat.
        prefetch_related = (*BRIEFS, "caused__incident", "raised_from", "affected_services",
                            "affected_cis", Prefetch(
                                "approval_stages", ChangeApprovalStage.objects.prefetch_related(
                                    Prefetch("approvals", ChangeApproval.objects.select_related(
                                        "approver", "decided_by")))))

    def get_impacted_services(self, change: Change) -> list[str]:
        """Services its CIs' failure would hit that it does not name (read per change:
        shown on one change, not on lists)."""
        if self.parent is not None:  # a list: the walk is the detail's
            return []
        return [service.code for service in impacted(change)]

    def get_caused_incidents(self, change: Change) -> list[str]:
        return [cause.incident.number for cause in change.caused.all()]

    # What only the desk reads of a change a requester may see through their customer
    # (its conflicts too: `get_conflicts`), as the requester reads it.
    DESK_ONLY = {"approval_steps": [], "freeze_override": ""}

    def to_representation(self, change: Change) -> dict[str, Any]:
        data = super().to_representation(change)
        if not roles.is_staff_reader(self.context["request"].user):
            data.update(self.DESK_ONLY)
        return data

    @extend_schema_field(ConflictSerializer(many=True))
    def get_conflicts(self, change: Change) -> list[dict[str, Any]]:
        """One change's read alone; a page's read together, once for the page (the
        desk's only)."""
        if not roles.is_staff_reader(self.context["request"].user):
            return []
        if not isinstance(self.parent, serializers.ListSerializer):
            found = conflicts.conflicts_of(change)
        else:
            page = self.once(("conflicts",), lambda: conflicts.conflicts_for(
                self.parent.instance))
            found = page.get(change.pk, [])
        return [conflicts.describe(conflict) for conflict in found]


def _answers_field() -> serializers.DictField:
    return serializers.DictField(child=serializers.BooleanField(), required=False,
                                 help_text=gettext_lazy(
                                     "The risk questions answered true or false; the risk "
                                     "follows from them."))


class ChangeCreateSerializer(TicketCreateSerializer):
    kind = TicketKind.CHANGE
    title = serializers.CharField(max_length=200, required=False)
    change_type = serializers.ChoiceField(choices=ChangeType.choices, required=False)
    standard_change = related(StandardChange, "name")
    risk_answers = _answers_field()
    planned_start = serializers.DateTimeField(required=False)
    planned_end = serializers.DateTimeField(required=False)
    freeze_override = serializers.CharField(
        max_length=TEXT_LIMIT, required=False, allow_blank=True, help_text=gettext_lazy(
            "Why the change must run in a freeze its window falls in (needed then)."))
    implementation_plan = serializers.CharField(max_length=TEXT_LIMIT, required=False)
    backout_plan = serializers.CharField(max_length=TEXT_LIMIT, required=False)
    test_plan = serializers.CharField(max_length=TEXT_LIMIT, required=False)
    affected_services = serializers.ListField(child=related(Service, "code", allow_null=False),
                                              required=False, max_length=50)
    affected_cis = serializers.ListField(child=related(ConfigurationItem, "name",
                                                       allow_null=False),
                                         required=False, max_length=200)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("requester", "channel", "customer"):  # a change is the desk's own
            self.fields.pop(name, None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if not attrs.get("title") and not attrs.get("standard_change"):
            raise serializers.ValidationError({"title": [gettext_lazy("This field is required.")]})
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Change:
        data = dict(validated_data)
        actor = self.context["request"].user
        scope = {"services": data.pop("affected_services", None),
                 "cis": data.pop("affected_cis", None)}
        change = create_change(actor=actor, team=data.pop("assignment_team", None),
                               assignee=data.pop("assignee", None), **data)
        if any(value is not None for value in scope.values()):
            set_scope(change, actor=actor, **scope)
        return change


class ChangeUpdateSerializer(TicketUpdateSerializer):
    status = serializers.ChoiceField(choices=ChangeStatus.choices, required=False)
    risk = serializers.ChoiceField(choices=ChangeRisk.choices, required=False)
    planned_start = serializers.DateTimeField(required=False)
    planned_end = serializers.DateTimeField(required=False)
    freeze_override = serializers.CharField(
        max_length=TEXT_LIMIT, required=False, allow_blank=True, help_text=gettext_lazy(
            "Why the change must run in a freeze its window falls in (needed then)."))
    implementation_plan = serializers.CharField(max_length=TEXT_LIMIT, required=False,
                                                allow_blank=True)
    backout_plan = serializers.CharField(max_length=TEXT_LIMIT, required=False,
                                         allow_blank=True)
    test_plan = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    review_findings = serializers.CharField(max_length=TEXT_LIMIT, required=False,
                                            allow_blank=True)
    review_lessons = serializers.CharField(max_length=TEXT_LIMIT, required=False,
                                           allow_blank=True)
    review_actions = serializers.CharField(max_length=TEXT_LIMIT, required=False,
                                           allow_blank=True)
    close_code = serializers.ChoiceField(choices=CloseCode.choices, required=False)
    close_notes = serializers.CharField(max_length=TEXT_LIMIT, required=False)
    affected_services = serializers.ListField(child=related(Service, "code", allow_null=False),
                                              required=False, max_length=50)
    affected_cis = serializers.ListField(child=related(ConfigurationItem, "name",
                                                       allow_null=False),
                                         required=False, max_length=200)

    transition_fields = ("note", "close_code", "close_notes")

    def update(self, instance: Change, validated_data: dict[str, Any]) -> Change:
        data = dict(validated_data)
        scope = {"services": data.pop("affected_services", None),
                 "cis": data.pop("affected_cis", None)}
        if any(value is not None for value in scope.values()):
            set_scope(instance, actor=self.context["request"].user, **scope)
        return super().update(instance, data)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("channel", "customer"):
            self.fields.pop(name, None)


class NextSlotSerializer(serializers.Serializer):
    """The next free window of a change (both null: none within 90 days)."""

    start = serializers.DateTimeField(allow_null=True)
    end = serializers.DateTimeField(allow_null=True)


class NextSlotMoveSerializer(StrictInputMixin, serializers.Serializer):
    version = serializers.IntegerField(min_value=1, required=False, help_text=gettext_lazy(
        "The version you read."))

