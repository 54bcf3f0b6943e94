"""`/api/v1/changes/calendar/`: the change calendar of a span (at most 100 days): the
booked changes with how many conflicts each has and of which kinds, the releases and
the freezes. For the desk's roles; requesters are refused (403)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import ConfigurationItem, Service, Team
from itsm.base import roles
from itsm.base.api.fields import KeyedRelatedField
from itsm.base.api.inputs import StrictInputMixin
from itsm.base.spans import validate_year

from .. import calendar, conflicts
from ..choices import ChangeStatus, ChangeType, ReleaseStatus
from ..conflicts import KINDS_HELP

MAX_DAYS = 100
DATE_OR_TIME = ["iso-8601", "%Y-%m-%d"]


class IsStaffReader(BasePermission):
    message = gettext_lazy("The change calendar is the desk's.")

    def has_permission(self, request, view) -> bool:
        return roles.is_staff_reader(request.user)


def _related(model: type, key: str) -> KeyedRelatedField:
    return KeyedRelatedField(queryset=model.objects.all(), key=key, required=False,
                             allow_null=True)


class ChangeCalendarQuerySerializer(StrictInputMixin, serializers.Serializer):
    """The span (a date is its midnight in the desk's time zone) and the filters."""

    start = serializers.DateTimeField(input_formats=DATE_OR_TIME, validators=[validate_year])
    end = serializers.DateTimeField(input_formats=DATE_OR_TIME, validators=[validate_year],
                                    help_text=gettext_lazy(
                                        "After the start, at most 100 days later."))
    service = _related(Service, "code")
    ci = _related(ConfigurationItem, "name")
    team = _related(Team, "name")
    type = serializers.ChoiceField(choices=ChangeType.choices, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": [gettext_lazy(
                "The end comes after the start.")]})
        if attrs["end"] - attrs["start"] > timedelta(days=MAX_DAYS):
            raise serializers.ValidationError({"end": [gettext_lazy(
                "Ask for at most 100 days at once.")]})
        return attrs


class ChangeCalendarConflictsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    kinds = serializers.ListField(child=serializers.CharField(), help_text=KINDS_HELP)


class ChangeCalendarEntrySerializer(serializers.Serializer):
    number = serializers.CharField()
    title = serializers.CharField()
    type = serializers.CharField(source="change_type", help_text=gettext_lazy(
        "standard, normal or emergency."))
    status = serializers.ChoiceField(choices=ChangeStatus.choices)
    planned_start = serializers.DateTimeField()
    planned_end = serializers.DateTimeField()
    service = serializers.CharField(source="service.code", allow_null=True)
    team = serializers.CharField(source="assignment_team.name", allow_null=True)
    conflicts = ChangeCalendarConflictsSerializer(source="found")


class ChangeCalendarReleaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    planned_date = serializers.DateField()
    status = serializers.ChoiceField(choices=ReleaseStatus.choices)


class ChangeCalendarFreezeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    service = serializers.CharField(source="service.code", allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    reason = serializers.CharField()


class ChangeCalendarSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    changes = ChangeCalendarEntrySerializer(many=True)
    releases = ChangeCalendarReleaseSerializer(many=True)
    freezes = ChangeCalendarFreezeSerializer(many=True)


class ChangeCalendarView(APIView):
    """The booked changes (awaiting authorisation, scheduled, implementing) whose window
    shares time with [start, end), soonest first, each with its conflicts counted by
    kind; the releases planned on a day of the span; the freezes in it. Filters: a
    service (id or code: its own or affected changes), a CI (id or name), the assigned
    team (id or name), the type."""

    permission_classes = [IsAuthenticated, IsStaffReader]

    @extend_schema(parameters=[ChangeCalendarQuerySerializer],
                   responses={200: ChangeCalendarSerializer,
                              400: OpenApiResponse(description=gettext_lazy(
                                  "A bad or too long span, or an unknown filter: the "
                                  "field and why."))})
    def get(self, request: Request) -> Response:
        query = ChangeCalendarQuerySerializer(data=request.query_params.dict(),
                                        context={"request": request})
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = calendar.CalendarFilters(service=data.get("service"), ci=data.get("ci"),
                                           team=data.get("team"),
                                           change_type=data.get("type", ""))
        start, end = data["start"], data["end"]
        changes = calendar.booked_changes(request.user, start, end, filters)
        found = conflicts.conflicts_for(changes)
        for change in changes:
            kinds = [conflict.kind for conflict in found.get(change.pk, [])]
            change.found = {"count": len(kinds), "kinds": sorted(set(kinds))}
        first = timezone.localtime(start).date()
        last = timezone.localtime(end - timedelta(microseconds=1)).date() \
            + timedelta(days=1)
        return Response(ChangeCalendarSerializer({
            "start": start, "end": end, "changes": changes,
            "releases": calendar.releases_in(request.user, first, last, filters),
            "freezes": calendar.freezes_in(request.user, start, end, filters),
        }).data)
