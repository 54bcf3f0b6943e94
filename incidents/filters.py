"""The incident queue's and API's filters: the core's, with the incident's own."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from itsm.base.filters import StrictBooleanFilter
from itsm.filters import TicketFilterSet

from .choices import IncidentStatus
from .models import Incident


class IncidentFilterSet(TicketFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=IncidentStatus.choices,
                                                 label=_("Status"), distinct=False)
    is_major = StrictBooleanFilter(label=_("Major incident"))
    kind = None

    class Meta(TicketFilterSet.Meta):
        model = Incident
