"""FilterSets of the CAB's meetings and of releases, for their API lists."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from .choices import MeetingStatus, ReleaseStatus
from .models import CabMeeting, Release


class CabMeetingFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=MeetingStatus.choices,
                                                 label=_("Status"))
    emergency = django_filters.BooleanFilter(label=_("Emergency CAB"))
    starts_after = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="gte",
                                                    label=_("Starts from"))
    starts_before = django_filters.IsoDateTimeFilter(field_name="starts_at", lookup_expr="lt",
                                                     label=_("Starts before"))

    class Meta:
        model = CabMeeting
        fields = ("status", "emergency", "schedule")


class ReleaseFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ReleaseStatus.choices,
                                                 label=_("Status"))
    planned_after = django_filters.DateFilter(field_name="planned_date", lookup_expr="gte",
                                              label=_("Planned from"))
    planned_before = django_filters.DateFilter(field_name="planned_date", lookup_expr="lte",
                                               label=_("Planned until"))

    class Meta:
        model = Release
        fields = ("status", "owner_team")
