"""Catalog resources as the API shows them, plus the brief forms tickets embed."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from itsm.base.api.fields import BriefUserSerializer
from itsm.base.api.readers import PlainBriefMixin

from ..models import (
    ApprovalStep,
    Calendar,
    CIRelation,
    ConfigurationItem,
    ContractTarget,
    Customer,
    Holiday,
    RequestItem,
    Service,
    ServiceCategory,
    ServiceLevelAgreement,
    ServiceRevision,
    SLATarget,
    StandardChange,
    Supplier,
    SupportLevel,
    TaskTemplate,
    Team,
    UnderpinningContract,
    WorkingPeriod,
)


class BriefCustomerSerializer(PlainBriefMixin, serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ("id", "name", "code")
        read_only_fields = fields


class BriefTeamSerializer(PlainBriefMixin, serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ("id", "name")
        read_only_fields = fields


class BriefServiceSerializer(PlainBriefMixin, serializers.ModelSerializer):
    class Meta:
        model = Service
        fields = ("id", "name", "code")
        read_only_fields = fields


class BriefConfigurationItemSerializer(PlainBriefMixin, serializers.ModelSerializer):
    class Meta:
        model = ConfigurationItem
        fields = ("id", "name", "ci_type")
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ("id", "name", "code", "share_tickets", "is_active")
        read_only_fields = fields




class BriefServiceCategorySerializer(PlainBriefMixin, serializers.ModelSerializer):
    class Meta:
        model = ServiceCategory
        fields = ("id", "name", "code")
        read_only_fields = fields


class ServiceCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceCategory
        fields = ("id", "name", "code", "description", "position")
        read_only_fields = fields


class SupportLevelSerializer(serializers.ModelSerializer):
    """One level of the support path: `team` or `supplier` is set, never both."""

    team = BriefTeamSerializer(read_only=True, allow_null=True)
    supplier = serializers.SerializerMethodField()

    class Meta:
        model = SupportLevel
        fields = ("position", "team", "supplier", "note")
        read_only_fields = fields

    def get_supplier(self, level: SupportLevel) -> dict | None:
        if level.supplier is None:
            return None
        return {"id": level.supplier.pk, "name": level.supplier.name}


class TeamSerializer(serializers.ModelSerializer):
    """A management / support group: its people and what it owns."""

    lead = BriefUserSerializer(read_only=True)
    members = BriefUserSerializer(many=True, read_only=True)
    owned_services = BriefServiceSerializer(many=True, read_only=True)
    owned_cis = BriefConfigurationItemSerializer(many=True, read_only=True)

    class Meta:
        model = Team
        fields = ("id", "name", "email", "description", "lead", "members", "meeting_cadence",
                  "owned_services", "owned_cis", "is_active")
        read_only_fields = fields
        select_related = ("lead",)
        prefetch_related = ("members", "owned_services", "owned_cis")


class ServiceSerializer(serializers.ModelSerializer):
    """A service with its documentation text and support path (first line first)."""

    owner_team = BriefTeamSerializer(read_only=True)
    category = BriefServiceCategorySerializer(read_only=True, allow_null=True)
    depends_on = BriefServiceSerializer(many=True, read_only=True)
    support_path = SupportLevelSerializer(source="support_levels", many=True, read_only=True)

    class Meta:
        model = Service
        fields = ("id", "name", "code", "description", "category", "owner_team",
                  "service_type", "criticality", "lifecycle", "depends_on", "support_path",
                  "operations_notes", "support_notes", "takes_orders", "asks_satisfaction",
                  "is_active")
        read_only_fields = fields
        select_related = ("owner_team", "category")
        prefetch_related = ("depends_on", Prefetch(
            "support_levels", SupportLevel.objects.select_related("team", "supplier")))


class GoLiveSerializer(serializers.Serializer):
    override_reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True,
        help_text=gettext_lazy("Why it goes live before its operational acceptance is "
                               "complete (a change manager's)."))


class ApprovalStepSerializer(serializers.ModelSerializer):
    team = BriefTeamSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ApprovalStep
        fields = ("position", "name", "approvers", "team", "rule", "needed", "due_hours")
        read_only_fields = fields


class TaskTemplateSerializer(serializers.ModelSerializer):
    team = BriefTeamSerializer(read_only=True, allow_null=True)

    class Meta:
        model = TaskTemplate
        fields = ("position", "title", "instructions", "team", "parallel")
        read_only_fields = fields


class RequestItemSerializer(serializers.ModelSerializer):
    """An item with its order form definition (an integration renders and submits the
    form from it: `POST /api/v1/requests/` with `answers`), its approval steps and
    fulfilment tasks."""

    service = BriefServiceSerializer(read_only=True)
    fulfilment_team = BriefTeamSerializer(read_only=True, allow_null=True)
    requires_approval = serializers.BooleanField(read_only=True)
    approval_steps = ApprovalStepSerializer(many=True, read_only=True)
    task_templates = TaskTemplateSerializer(many=True, read_only=True)
    customers = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    roles = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = RequestItem
        fields = ("id", "name", "description", "service", "fulfilment_team",
                  "requires_approval", "fulfilment_days", "order_form", "on_behalf",
                  "customers", "roles", "approval_steps", "task_templates", "is_active")
        read_only_fields = fields
        select_related = ("service", "fulfilment_team")
        prefetch_related = ("customers", "roles",
                            Prefetch("approval_steps",
                                     ApprovalStep.objects.select_related("team")),
                            Prefetch("task_templates",
                                     TaskTemplate.objects.select_related("team")))


class StandardChangeSerializer(serializers.ModelSerializer):
    service = BriefServiceSerializer(read_only=True)

    class Meta:
        model = StandardChange
        fields = ("id", "name", "description", "service", "risk", "implementation_plan",
                  "backout_plan", "is_active")
        read_only_fields = fields
        select_related = ("service",)


class ServiceRevisionSerializer(serializers.ModelSerializer):
    """The documentation as it stood after one edit; `changed` names the parts it
    changed, `content` holds every part."""

    service = BriefServiceSerializer(read_only=True)
    author = BriefUserSerializer(read_only=True, allow_null=True)
    content = serializers.DictField(read_only=True)
    changed = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ServiceRevision
        fields = ("id", "service", "number", "author", "created_at", "summary", "changed",
                  "content")
        read_only_fields = fields
        select_related = ("service", "author")


class CIRelationSerializer(serializers.ModelSerializer):
    """An outgoing relation: this CI `kind` (depends on / runs on) `target`."""

    target = BriefConfigurationItemSerializer(read_only=True)

    class Meta:
        model = CIRelation
        fields = ("kind", "target")
        read_only_fields = fields


class ConfigurationItemSerializer(serializers.ModelSerializer):
    owner_team = BriefTeamSerializer(read_only=True)
    services = BriefServiceSerializer(many=True, read_only=True)
    relations = CIRelationSerializer(source="relations_out", many=True, read_only=True)

    class Meta:
        model = ConfigurationItem
        fields = ("id", "name", "ci_type", "owner_team", "services", "relations",
                  "is_active")
        read_only_fields = fields
        select_related = ("owner_team",)
        prefetch_related = ("services", Prefetch(
            "relations_out", CIRelation.objects.select_related("target")))


class WorkingPeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkingPeriod
        fields = ("weekday", "start", "end")
        read_only_fields = fields


class HolidaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Holiday
        fields = ("date", "name")
        read_only_fields = fields


class CalendarSerializer(serializers.ModelSerializer):
    """A calendar with its working periods (an end of 00:00 is 24:00) and holidays."""

    periods = WorkingPeriodSerializer(many=True, read_only=True)
    holidays = HolidaySerializer(many=True, read_only=True)

    class Meta:
        model = Calendar
        fields = ("id", "name", "time_zone", "is_default", "description", "periods",
                  "holidays")
        read_only_fields = fields
        prefetch_related = ("periods", "holidays")


class BriefCalendarSerializer(PlainBriefMixin, serializers.ModelSerializer):
    class Meta:
        model = Calendar
        fields = ("id", "name", "time_zone")
        read_only_fields = fields


class SLATargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = SLATarget
        fields = ("priority", "response_minutes", "resolution_minutes")
        read_only_fields = fields


class ServiceLevelAgreementSerializer(serializers.ModelSerializer):
    service = BriefServiceSerializer(read_only=True, allow_null=True)  # null: the default SLA
    customer = BriefCustomerSerializer(read_only=True, allow_null=True)
    calendar = BriefCalendarSerializer(read_only=True)
    targets = SLATargetSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceLevelAgreement
        fields = ("id", "name", "service", "customer", "calendar", "warning_threshold",
                  "availability_target", "compliance_target", "is_active", "targets")
        read_only_fields = fields
        select_related = ("service", "customer", "calendar")
        prefetch_related = ("targets",)


class BriefSupplierSerializer(PlainBriefMixin, serializers.ModelSerializer):
    class Meta:
        model = Supplier
        fields = ("id", "name")
        read_only_fields = fields


class SupplierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Supplier
        fields = ("id", "name", "contact_email", "phone", "notes", "is_active")
        read_only_fields = fields


class ContractTargetSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContractTarget
        fields = ("priority", "response_minutes", "resolution_minutes")
        read_only_fields = fields


class UnderpinningContractSerializer(serializers.ModelSerializer):
    supplier = BriefSupplierSerializer(read_only=True)
    service = BriefServiceSerializer(read_only=True, allow_null=True)
    targets = ContractTargetSerializer(many=True, read_only=True)

    class Meta:
        model = UnderpinningContract
        fields = ("id", "name", "reference", "supplier", "service", "valid_from", "valid_to",
                  "targets")
        read_only_fields = fields
        select_related = ("supplier", "service")
        prefetch_related = ("targets",)


class OwnershipReportSerializer(serializers.Serializer):
    """What no management group answers for (see `catalog.ownership.unowned`)."""

    services_without_owner = BriefServiceSerializer(many=True, read_only=True)
    cis_without_owner = BriefConfigurationItemSerializer(many=True, read_only=True)
    services_without_sla = BriefServiceSerializer(many=True, read_only=True)
    no_triage_team = serializers.BooleanField(
        read_only=True, help_text=gettext_lazy("No team is the triage team: tickets that "
                                               "name no service go to no team's queue."))
    no_default_sla = serializers.BooleanField(
        read_only=True, help_text=gettext_lazy("No default SLA: tickets that name no "
                                               "service run without an SLA clock."))
