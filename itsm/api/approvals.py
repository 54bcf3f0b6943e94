"""The API of approvals, whatever they approve: the approvals that wait for the
caller's decision (as approver, or as the delegate of someone away) or that they
decided, and approve / reject with a comment. A process gives its approval model and
its engine (`waiting_for`, `decided_by`, `decide`): `/api/v1/requests/approvals/` and
`/api/v1/changes/approvals/`."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from itsm.base.api.fields import BriefUserSerializer
from itsm.base.api.inputs import StrictInputMixin
from itsm.base.api.parsers import GuardedJSONParser
from itsm.choices import Decision, StageState


class DecisionSerializer(StrictInputMixin, serializers.Serializer):
    comment = serializers.CharField(max_length=5_000, required=False, allow_blank=True,
                                    help_text=gettext_lazy("Required to reject."))


class ApprovalSerializer(serializers.ModelSerializer):
    """One approval: the step, the approver and the decision; a process adds the ticket
    it decides (and lists its fields in `Meta.fields`, `DECIDED` last)."""

    DECIDED = ("step", "rule", "required", "due_at", "approver", "decision", "decided_by",
               "decided_at", "comment", "open")
    step = serializers.CharField(source="stage.name", read_only=True)
    rule = serializers.CharField(source="stage.rule", read_only=True)
    required = serializers.IntegerField(source="stage.required", read_only=True)
    due_at = serializers.DateTimeField(source="stage.due_at", read_only=True)
    approver = BriefUserSerializer(read_only=True)
    decided_by = BriefUserSerializer(read_only=True)
    open = serializers.SerializerMethodField(
        help_text=gettext_lazy("True while it waits for a decision."))

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_open(self, approval) -> bool:
        return (approval.decision == Decision.PENDING
                and approval.stage.state == StageState.PENDING)


def service_errors(exc: DjangoValidationError) -> dict[str, Any]:
    return exc.message_dict if hasattr(exc, "error_dict") else {
        "non_field_errors": exc.messages}


@extend_schema(parameters=[OpenApiParameter(
    "state", str, enum=["waiting", "decided"],
    description="waiting (default): what waits for your decision; decided: what you "
                "decided.")])
class ApprovalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    """Approvals that are yours to decide, and approve / reject with a comment."""

    engine: ModuleType  # the process's approvals module
    permission_classes = [IsAuthenticated]
    parser_classes = [GuardedJSONParser]
    filter_backends: list = []  # the list is what waits (or was decided), soonest due first

    def get_queryset(self) -> QuerySet:
        user = self.request.user
        model = self.queryset.model
        if getattr(self, "action", None) == "list" and \
                self.request.query_params.get("state") == "decided":
            found = self.engine.decided_by(user)
        elif getattr(self, "action", None) == "list":
            found = self.engine.waiting_for(user)
        else:
            found = model.objects.for_user(user) | model.objects.filter(decided_by=user)
        return found.select_related(*self.serializer_class.Meta.select_related).distinct()

    def _decide(self, request: Request, approve: bool) -> Response:
        approval = self.get_object()
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            self.engine.decide(approval, user=request.user, approve=approve,
                               comment=body.validated_data.get("comment", ""))
        except PermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(service_errors(exc)) from exc
        approval.refresh_from_db()
        return Response(self.get_serializer(approval).data)

    @extend_schema(request=DecisionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._decide(request, True)

    @extend_schema(request=DecisionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._decide(request, False)
