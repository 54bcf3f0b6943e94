"""`/api/v1/changes/releases/`: releases with their changes and the services they
bring live. Every desk role reads them (requesters get a 403); those who work tickets
create and edit them, move them on (`PATCH {"status": …}`) and add or take out
changes; managers read. `changes.releases` writes."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import acceptance
from catalog.models import Service, Team
from itsm.api.views import ERROR_RESPONSES
from itsm.base.api.fields import BriefUserSerializer, KeyedRelatedField
from itsm.base.api.inputs import StrictInputMixin
from itsm.base.api.permissions import ScopedQuerysetMixin, WorkersWrite

from .. import releases
from ..choices import CloseCode, ReleaseStatus
from ..filters import ReleaseFilterSet
from ..models import Change, Release
from .cab import DeskReaders

TEXT_LIMIT = 20_000


class ReleaseChangeSerializer(serializers.ModelSerializer):
    """A change of the release: where it stands and how it went."""

    close_code = serializers.ChoiceField(choices=CloseCode.choices, allow_blank=True,
                                         read_only=True)

    class Meta:
        model = Change
        fields = ("number", "title", "change_type", "status", "planned_start", "planned_end",
                  "close_code")
        read_only_fields = fields


class LaunchSerializer(serializers.ModelSerializer):
    """A service the release brings live, with what its acceptance still lacks."""

    gaps = serializers.SerializerMethodField()

    class Meta:
        model = Service
        fields = ("id", "code", "name", "lifecycle", "gaps")
        read_only_fields = fields

    def get_gaps(self, service: Service) -> list[str]:
        checks = self.context.get("acceptance", {})
        found = checks.get(service.pk)
        if found is None:
            found = acceptance.checklist(service)
        return [str(check.missing) for check in found if not check.ok]


class ReleaseSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=ReleaseStatus.choices, read_only=True)
    owner_team = serializers.SlugRelatedField(slug_field="name", read_only=True)
    created_by = BriefUserSerializer(read_only=True)
    changes = ReleaseChangeSerializer(many=True, read_only=True)
    launches = LaunchSerializer(many=True, read_only=True)

    class Meta:
        model = Release
        fields = ("id", "name", "planned_date", "status", "notes", "owner_team", "changes",
                  "launches", "created_by", "created_at", "deployed_at")
        read_only_fields = fields
        select_related = ("owner_team", "created_by")
        prefetch_related = (Prefetch("changes", Change.objects.select_related(None).only(
            "pk", "kind", "number", "title", "change_type", "status", "planned_start",
            "planned_end", "close_code", "release").order_by("planned_start", "number")),
            Prefetch("launches", Service.objects.order_by("name")))


class ReleaseWriteSerializer(StrictInputMixin, serializers.Serializer):
    """A release's fields; launches by service id or code. On PATCH, `status` moves it
    on (with `override_reason` when a launch lacks something of its acceptance)."""

    name = serializers.CharField(max_length=200)
    planned_date = serializers.DateField()
    notes = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    owner_team = KeyedRelatedField(queryset=Team.objects.all(), key="name", required=False,
                                   allow_null=True)
    launches = serializers.ListField(
        child=KeyedRelatedField(queryset=Service.objects.all(), key="code"),
        required=False, max_length=100)
    status = serializers.ChoiceField(choices=ReleaseStatus.choices, required=False)
    override_reason = serializers.CharField(max_length=2000, required=False,
                                            allow_blank=True, help_text=gettext_lazy(
                                                "Why it deploys although a service it "
                                                "brings live lacks something (a change "
                                                "manager's)."))


class ReleaseChangeInputSerializer(StrictInputMixin, serializers.Serializer):
    change = serializers.CharField(max_length=20, help_text=gettext_lazy(
        "The change's number, e.g. CHG0000042."))


class ReleaseViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    """Releases, the latest planned first; filter by status, owner team and date."""

    serializer_class = ReleaseSerializer
    permission_classes = [IsAuthenticated, DeskReaders, WorkersWrite]
    filterset_class = ReleaseFilterSet
    ordering_fields = ("planned_date", "name", "id")
    ordering = ("-planned_date", "name")
    http_method_names = ("get", "post", "patch", "head", "options")

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "acceptance": getattr(
            self, "_acceptance", {})}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        # Every launch's checklist in one query for the page.
        self._acceptance = acceptance.checklists(
            {service.pk for release in rows for service in release.launches.all()})
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def _render(self, release: Release, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=release.pk)).data,
                        status=code)

    @extend_schema(request=ReleaseWriteSerializer,
                   responses={201: ReleaseSerializer, **ERROR_RESPONSES})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = ReleaseWriteSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        if "status" in data or "override_reason" in data:
            raise exceptions.ValidationError({"status": [_(
                "A release starts planned; move it on once it exists.")]})
        release = releases.create_release(actor=request.user, **data)
        return self._render(release, status.HTTP_201_CREATED)

    @extend_schema(request=ReleaseWriteSerializer,
                   responses={200: ReleaseSerializer, **ERROR_RESPONSES})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        release = self.get_object()
        body = ReleaseWriteSerializer(data=request.data, partial=True,
                                      context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        target = data.pop("status", None)
        reason = data.pop("override_reason", "")
        launches = data.pop("launches", None)
        with transaction.atomic():  # all of the edit, or none of it
            if data or launches is not None:
                releases.update_release(release, actor=request.user, launches=launches,
                                        **data)
            if target is not None:
                releases.set_status(release, target, actor=request.user,
                                    override_reason=reason)
        return self._render(release)

    @extend_schema(request=ReleaseChangeInputSerializer,
                   responses={200: ReleaseSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"], url_path="add-change")
    def add_change(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Put a change into the release (a change belongs to one release at most)."""
        release = self.get_object()
        releases.add_change(release, self._change(request), actor=request.user)
        return self._render(release)

    @extend_schema(request=ReleaseChangeInputSerializer,
                   responses={200: ReleaseSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"], url_path="remove-change")
    def remove_change(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        release = self.get_object()
        releases.remove_change(release, self._change(request), actor=request.user)
        return self._render(release)

    def _change(self, request: Request) -> Change:
        body = ReleaseChangeInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        number = body.validated_data["change"].strip().upper()
        change = Change.objects.visible_to(request.user).filter(number=number).first()
        if change is None:
            raise exceptions.ValidationError({"change": [_("No change %(number)s.")
                                                         % {"number": number}]})
        return change
