"""`/api/v1/catalog/freeze-windows/` and `/api/v1/catalog/maintenance-windows/`.

Every desk role reads the change windows; change managers and administrators create,
edit and delete them (through `catalog.windows`, which checks them and names a bad
field); requesters are refused (403), as they are the rest of the desk's planning.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from rest_framework import serializers, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission

from itsm.base import roles
from itsm.base.api.fields import KeyedRelatedField
from itsm.base.api.inputs import StrictInputMixin
from itsm.base.api.permissions import ScopedQuerysetMixin

from ..models import ConfigurationItem, FreezeWindow, MaintenanceWindow, Service
from ..windows import delete_window, may_keep_windows, save_window


class WindowAccess(BasePermission):
    """Desk roles read; the keepers of the windows write."""

    message = gettext_lazy("Only change managers and administrators keep the change "
                           "windows.")

    def has_permission(self, request, view) -> bool:
        if not roles.is_staff_reader(request.user):
            return False
        return request.method in SAFE_METHODS or may_keep_windows(request.user)


def _related(model: type, key: str, **kwargs: Any) -> KeyedRelatedField:
    return KeyedRelatedField(queryset=model.objects.all(), key=key, required=False,
                             allow_null=True, **kwargs)


class WindowSerializer(StrictInputMixin, serializers.ModelSerializer):
    """Writes go through `catalog.windows.save_window`, which runs the model's checks
    (a ValidationError there is a 400 naming the field)."""

    def create(self, validated_data: dict[str, Any]):
        return save_window(self.Meta.model(**validated_data),
                           actor=self.context["request"].user)

    def update(self, instance, validated_data: dict[str, Any]):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return save_window(instance, actor=self.context["request"].user)


class FreezeWindowSerializer(WindowSerializer):
    service = _related(Service, "code", help_text=gettext_lazy(
        "The service frozen (id or code); empty: every service."))

    class Meta:
        model = FreezeWindow
        fields = ("id", "name", "service", "starts_at", "ends_at", "reason")
        select_related = ("service",)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        starts = attrs.get("starts_at", getattr(self.instance, "starts_at", None))
        ends = attrs.get("ends_at", getattr(self.instance, "ends_at", None))
        if starts and ends and ends <= starts:
            raise serializers.ValidationError(
                {"ends_at": [gettext_lazy("A freeze ends after it starts.")]})
        return attrs


class MaintenanceWindowSerializer(WindowSerializer):
    service = _related(Service, "code")
    configuration_item = _related(ConfigurationItem, "name")
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), min_length=1, max_length=7,
        help_text=gettext_lazy("The days the window opens, 0 (Monday) to 6 (Sunday)."))

    class Meta:
        model = MaintenanceWindow
        fields = ("id", "name", "service", "configuration_item", "weekdays", "start_time",
                  "duration_minutes", "time_zone")
        select_related = ("service", "configuration_item")

    def validate_weekdays(self, value: list[int]) -> list[int]:
        return sorted(set(value))


class WindowViewSet(ScopedQuerysetMixin, viewsets.ModelViewSet):
    permission_classes = [WindowAccess]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_destroy(self, instance) -> None:
        delete_window(instance, actor=self.request.user)


class FreezeWindowViewSet(WindowViewSet):
    """Freezes: spans in which no change runs without a recorded reason, everywhere or
    on one service."""

    serializer_class = FreezeWindowSerializer
    ordering_fields = ("starts_at", "ends_at", "name", "id")
    ordering = ("starts_at", "id")
    filterset_fields = ("service",)


class MaintenanceWindowViewSet(WindowViewSet):
    """Weekly slots in which a service or a CI may be worked on."""

    serializer_class = MaintenanceWindowSerializer
    ordering_fields = ("name", "id")
    ordering = ("name", "id")
    filterset_fields = ("service", "configuration_item")
