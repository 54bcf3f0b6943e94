"""Problems as the API shows them, and the ways to write them: the core's ticket
serializers with the problem's own fields, and the link, workaround and candidate
bodies."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from incidents.models import Incident
from itsm.api.serializers import (
    TEXT_LIMIT,
    TicketCreateSerializer,
    TicketKindSerializer,
    TicketUpdateSerializer,
)
from itsm.base.api.inputs import StrictInputMixin
from itsm.choices import TicketKind

from ..choices import CauseCategory, ProblemResolution, ProblemStatus
from ..models import Problem
from ..services import create_problem

PROBLEM_TEXT = ("symptoms", "root_cause", "analysis_notes", "workaround")


class ProblemSerializer(TicketKindSerializer):
    """A problem: the investigation, its known-error article, its incidents."""

    status = serializers.ChoiceField(choices=ProblemStatus.choices, read_only=True)
    cause_category = serializers.ChoiceField(choices=CauseCategory.choices, allow_blank=True,
                                             read_only=True)
    resolution_code = serializers.ChoiceField(choices=ProblemResolution.choices,
                                              allow_blank=True, read_only=True)
    known_error_article = serializers.SerializerMethodField()
    incidents = serializers.SerializerMethodField()

    class Meta(TicketKindSerializer.Meta):
        model = Problem
        fields = (*TicketKindSerializer.Meta.fields[:-1], "symptoms", "cause_category",
                  "root_cause", "analysis_notes", "workaround", "resolution_code",
                  "resolution_notes", "known_error_article", "known_error_at", "recurred_at",
                  "recurrence_count", "incidents", "allowed_transitions")
        read_only_fields = fields
        prefetch_related = ("links__incident",)

    def get_known_error_article(self, problem: Problem) -> int | None:
        return problem.known_error_article_id

    def get_incidents(self, problem: Problem) -> list[str]:
        """The numbers of its incidents, oldest link first."""
        return [link.incident.number for link in problem.links.all()]


class ProblemCreateSerializer(TicketCreateSerializer):
    """Open a problem; `incidents` are the numbers of those to link to it."""

    kind = TicketKind.PROBLEM
    symptoms = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    incidents = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, max_length=200,
        help_text=gettext_lazy("Numbers of incidents to link to the new problem."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("requester", "channel", "customer"):  # a problem is the desk's own
            self.fields.pop(name, None)

    def validate_incidents(self, numbers: list[str]) -> list[Incident]:
        wanted = list(dict.fromkeys(number.strip().upper() for number in numbers))
        user = self.context["request"].user
        found = Incident.objects.visible_to(user).in_bulk(wanted, field_name="number")
        missing = [number for number in wanted if number not in found]
        if missing:
            raise serializers.ValidationError(
                _("No incident %(numbers)s.") % {"numbers": ", ".join(missing)})
        return [found[number] for number in wanted]

    def create(self, validated_data: dict[str, Any]) -> Problem:
        data = dict(validated_data)
        return create_problem(actor=self.context["request"].user,
                              incidents=data.pop("incidents", []),
                              team=data.pop("assignment_team", None),
                              assignee=data.pop("assignee", None), **data)


class ProblemUpdateSerializer(TicketUpdateSerializer):
    status = serializers.ChoiceField(choices=ProblemStatus.choices, required=False)
    symptoms = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    cause_category = serializers.ChoiceField(choices=CauseCategory.choices, required=False,
                                             allow_blank=True)
    root_cause = serializers.CharField(max_length=TEXT_LIMIT, required=False,
                                       allow_blank=True)
    analysis_notes = serializers.CharField(max_length=TEXT_LIMIT, required=False,
                                           allow_blank=True)
    workaround = serializers.CharField(max_length=TEXT_LIMIT, required=False,
                                       allow_blank=True)
    resolution_code = serializers.ChoiceField(choices=ProblemResolution.choices,
                                              required=False)
    resolution_notes = serializers.CharField(max_length=TEXT_LIMIT, required=False)

    transition_fields = ("note", "resolution_code", "resolution_notes")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("channel", "customer"):
            self.fields.pop(name, None)


class IncidentNumberSerializer(StrictInputMixin, serializers.Serializer):
    incident = serializers.CharField(max_length=20, help_text=gettext_lazy(
        "The incident's number."))


class ResolveIncidentsSerializer(StrictInputMixin, serializers.Serializer):
    note = serializers.CharField(max_length=TEXT_LIMIT, help_text=gettext_lazy(
        "Sent to each requester with their incident's resolution."))


class ResolvedIncidentsSerializer(serializers.Serializer):
    resolved = serializers.ListField(child=serializers.CharField())
    not_resolved = serializers.DictField(child=serializers.CharField(), help_text=gettext_lazy(
        "Incidents that could not be resolved (open tasks, say), with the reason."))


class CandidateSerializer(serializers.Serializer):
    scope = serializers.CharField(help_text=gettext_lazy("service, ci or category"))
    key = serializers.IntegerField()
    name = serializers.CharField()
    title = serializers.CharField()
    count = serializers.IntegerField()
    first = serializers.DateTimeField()
    last = serializers.DateTimeField()
    incidents = serializers.ListField(child=serializers.CharField(), source="numbers")


class CandidateQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=365, default=30)
    threshold = serializers.IntegerField(min_value=2, max_value=1000, default=5)
    scope = serializers.ChoiceField(choices=["service", "ci", "category"], required=False)
