"""The queue's rows, rendered in Python for speed, are the markup the row template had:
queue_row_reference.html is that markup, kept as the reference."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from incidents.choices import IncidentStatus as S
from incidents.models import Incident
from incidents.templatetags.incident_queue import COLUMNS, queue_rows
from itsm import workflow
from tests.factories import make_incident

pytestmark = pytest.mark.django_db

# The row markup as the template wrote it before the rows moved to Python.
REFERENCE = Template((Path(__file__).parent / "queue_row_reference.html").read_text())


def squeeze(html: str) -> str:
    """Whitespace as the browser sees it: runs are one space, and none around table
    rows and cells (where it renders nothing)."""
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(</?t[rd][^>]*>)\s*", r"\1", html).strip()


@pytest.mark.parametrize("language", ["en", "de"])
def test_rows_match_the_reference_markup(agent, requester, service, language):
    plain = make_incident(actor=agent, requester=requester, service=service,
                          title='Printer says "<PC LOAD LETTER>" & stops')
    worked = make_incident(actor=agent, requester=requester, service=service, is_major=True,
                           title="Mail down", impact=1, urgency=1)
    workflow.assign(worked, actor=agent, assignee=agent)
    workflow.transition(worked, S.ON_HOLD, actor=agent, on_hold_reason="awaiting_caller")
    Incident.objects.filter(pk=worked.pk).update(resolution_breached=True)
    bare = make_incident(actor=requester, requester=requester, title="No service")
    chosen = Incident.objects.filter(pk__in=[plain.pk, worked.pk, bare.pk]).order_by("pk")
    incidents = list(chosen.select_related("service", "assignment_team", "assignee"))

    with translation.override(language):
        expected = REFERENCE.render(Context({"incidents": incidents,
                                             "detail_prefix": "/incidents/"}))
        actual = queue_rows(chosen.values_list(*COLUMNS, named=True), "/incidents/")

    assert squeeze(actual) == squeeze(expected)
    assert "&lt;PC LOAD LETTER&gt;" in actual  # escaped like the template escaped


@pytest.mark.parametrize("language", ["en", "de", "fr"])
@pytest.mark.parametrize("format_name", ["SHORT_DATETIME_FORMAT", "DATETIME_FORMAT"])
def test_the_page_date_formatter_says_what_django_says(language, format_name):
    import zoneinfo
    from datetime import UTC, datetime, timedelta

    from django.utils import formats, timezone

    from incidents.templatetags.incident_queue import date_formatter

    moments = [datetime(2026, month, day, hour, minute) for month, day, hour, minute in
               [(1, 1, 0, 0), (3, 9, 12, 0), (5, 31, 9, 5), (9, 15, 23, 59), (12, 31, 13, 30)]]
    moments += [moments[1] + timedelta(seconds=37)]
    # Stored times are aware; the queue shows them in the current time zone.
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    moments += [timezone.localtime(m.replace(tzinfo=UTC), berlin) for m in moments]
    with translation.override(language):
        fast = date_formatter(format_name)
        assert [fast(m) for m in moments] == [formats.date_format(m, format_name)
                                               for m in moments]
