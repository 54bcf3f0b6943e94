"""`/api/v1/changes/cab-meetings/`: the CAB's meetings with their agendas. Every desk
role reads them (requesters get a 403); change managers and administrators plan one
(an emergency one for an emergency change), build its agenda, record the outcome per
change, hold and cancel it. `changes.cab` writes."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from itsm.api.views import ERROR_RESPONSES
from itsm.base import roles
from itsm.base.api.fields import BriefUserSerializer, KeyedRelatedField
from itsm.base.api.inputs import StrictInputMixin
from itsm.base.api.permissions import ScopedQuerysetMixin

from .. import cab
from ..cab import desk_people
from ..choices import AgendaOutcome, MeetingStatus
from ..filters import CabMeetingFilterSet
from ..models import AgendaItem, CabMeeting, Change

TEXT_LIMIT = 20_000


class DeskReaders(BasePermission):
    """The desk's records: every desk role reads them; anyone else is refused (403)."""

    message = gettext_lazy("Only the service desk reads these.")

    def has_permission(self, request, view) -> bool:
        return roles.is_staff_reader(request.user)


class CabRunnersWrite(BasePermission):
    message = gettext_lazy("Only change managers run CAB meetings.")

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or cab.may_run(request.user)


class AgendaItemSerializer(serializers.ModelSerializer):
    """A change on the agenda, with what the board weighs, and its outcome."""

    change = serializers.SlugRelatedField(slug_field="number", read_only=True)
    title = serializers.CharField(source="change.title", read_only=True)
    change_type = serializers.CharField(source="change.change_type", read_only=True)
    risk = serializers.CharField(source="change.risk", read_only=True)
    planned_start = serializers.DateTimeField(source="change.planned_start", read_only=True)
    planned_end = serializers.DateTimeField(source="change.planned_end", read_only=True)
    service = serializers.CharField(source="change.service.code", read_only=True,
                                    allow_null=True, default=None)
    outcome = serializers.ChoiceField(choices=AgendaOutcome.choices, allow_blank=True,
                                      read_only=True)

    class Meta:
        model = AgendaItem
        fields = ("id", "position", "change", "title", "change_type", "risk",
                  "planned_start", "planned_end", "service", "outcome", "note")
        read_only_fields = fields


class CabMeetingSerializer(serializers.ModelSerializer):
    chair = BriefUserSerializer(read_only=True)
    attendees = BriefUserSerializer(many=True, read_only=True)
    status = serializers.ChoiceField(choices=MeetingStatus.choices, read_only=True)
    agenda = AgendaItemSerializer(many=True, read_only=True)

    class Meta:
        model = CabMeeting
        fields = ("id", "title", "schedule", "starts_at", "duration_minutes", "location",
                  "emergency", "chair", "attendees", "agenda_days", "status", "minutes",
                  "agenda", "created_at")
        read_only_fields = fields
        select_related = ("chair",)
        prefetch_related = ("attendees", Prefetch(
            "agenda", AgendaItem.objects.select_related("change__service")
            .order_by("position", "pk")))


def _person(**kwargs: Any) -> KeyedRelatedField:
    """Someone who may sit on the board (the desk's people), by username."""
    return KeyedRelatedField(queryset=desk_people(), key="username", **kwargs)


class CabMeetingCreateSerializer(StrictInputMixin, serializers.Serializer):
    """A meeting outside the schedules; with `emergency_change`, that emergency
    change's emergency CAB (its title and agenda follow from it)."""

    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(min_value=15, max_value=600, required=False)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    agenda_days = serializers.IntegerField(min_value=1, max_value=90, required=False)
    chair = _person(required=False)
    attendees = serializers.ListField(child=_person(), required=False, max_length=200)
    emergency_change = serializers.SlugRelatedField(
        slug_field="number", queryset=Change.objects.all(), required=False,
        help_text=gettext_lazy("An emergency change awaiting authorisation, by number."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("title", "").strip() and not attrs.get("emergency_change"):
            raise serializers.ValidationError({"title": [_("Give the meeting a title.")]})
        return attrs


class OutcomeSerializer(StrictInputMixin, serializers.Serializer):
    change = serializers.CharField(max_length=20, help_text=gettext_lazy(
        "The number of a change on the agenda."))
    outcome = serializers.ChoiceField(choices=AgendaOutcome.choices)
    note = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True,
                                 help_text=gettext_lazy("Needed to reject."))


class HoldSerializer(StrictInputMixin, serializers.Serializer):
    minutes = serializers.CharField(max_length=TEXT_LIMIT)
    attendees = serializers.ListField(child=_person(), required=False, max_length=200,
                                      help_text=gettext_lazy("Who attended (default: as "
                                                             "planned)."))


class CancelSerializer(StrictInputMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class CabMeetingViewSet(ScopedQuerysetMixin, mixins.ListModelMixin,
                        mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """CAB meetings, soonest first; filter by status, emergency, schedule and start."""

    serializer_class = CabMeetingSerializer
    permission_classes = [IsAuthenticated, DeskReaders, CabRunnersWrite]
    filterset_class = CabMeetingFilterSet
    ordering_fields = ("starts_at", "id")
    ordering = ("starts_at",)

    def _render(self, meeting: CabMeeting, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=meeting.pk)).data,
                        status=code)

    @extend_schema(request=CabMeetingCreateSerializer,
                   responses={201: CabMeetingSerializer, **ERROR_RESPONSES})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = CabMeetingCreateSerializer(data=request.data,
                                          context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        change = data.pop("emergency_change", None)
        options = {key: data[key] for key in ("duration_minutes", "location") if key in data}
        if change is not None:
            meeting = cab.call_emergency_cab(change, actor=request.user,
                                             starts_at=data["starts_at"],
                                             attendees=data.get("attendees", ()), **options)
        else:
            meeting = cab.create_meeting(
                actor=request.user, title=data["title"], starts_at=data["starts_at"],
                chair=data.get("chair"), attendees=data.get("attendees", ()),
                agenda_days=data.get("agenda_days", 14), **options)
        return self._render(meeting, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: CabMeetingSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def agenda(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Append the changes that wait for this meeting to its agenda."""
        meeting = self.get_object()
        cab.build_agenda(meeting, actor=request.user)
        return self._render(meeting)

    @extend_schema(request=OutcomeSerializer,
                   responses={200: CabMeetingSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record what the meeting made of a change on its agenda: approved or rejected
        (on the change's open approval step, for the attendees who approve it) or
        deferred."""
        meeting = self.get_object()
        body = OutcomeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        number = body.validated_data["change"].strip().upper()
        item = meeting.agenda.filter(change__number=number).first()
        if item is None:
            raise serializers.ValidationError(
                {"change": [_("%(number)s is not on this meeting's agenda.")
                            % {"number": number}]})
        cab.record_outcome(item, actor=request.user, outcome=body.validated_data["outcome"],
                           note=body.validated_data.get("note", ""))
        return self._render(meeting)

    @extend_schema(request=HoldSerializer,
                   responses={200: CabMeetingSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def hold(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The meeting took place: its minutes and who attended; what it left undecided
        is deferred."""
        meeting = self.get_object()
        body = HoldSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        cab.hold(meeting, actor=request.user, minutes=body.validated_data["minutes"],
                 attendees=body.validated_data.get("attendees"))
        return self._render(meeting)

    @extend_schema(request=CancelSerializer,
                   responses={200: CabMeetingSerializer, **ERROR_RESPONSES})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        meeting = self.get_object()
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        cab.cancel(meeting, actor=request.user, reason=body.validated_data.get("reason", ""))
        return self._render(meeting)
