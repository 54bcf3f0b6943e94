"""The incident queue's and API's filters: the core's, with the incident's own.

Like every kind's FilterSet it filters the ticket table (a kind's list reads the
ticket rows of its kind and joins the kind's own table only for a filter on one of
its fields, `incident__…`).
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from itsm.base.filters import StrictBooleanFilter
from itsm.filters import TicketFilterSet

from .choices import IncidentStatus


class IncidentFilterSet(TicketFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=IncidentStatus.choices,
                                                 label=_("Status"), distinct=False)
    is_major = StrictBooleanFilter(field_name="incident__is_major", label=_("Major incident"))
    kind = None
