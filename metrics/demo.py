"""The demo's KPI targets, its customer contact, and its satisfaction history: how
the requesters of the resolved demo tickets answered, with a believable spread (most
are content; slow or breached tickets fare worse; about a third answer at all),
written through `metrics.surveys`."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.contrib.auth.models import Permission

from itsm.models import Ticket, User

from . import surveys
from .access import REPORT_PERMISSION
from .models import KpiTarget

RESPONSE_RATE = 0.35
# Chances of ratings 1–5: for a ticket resolved within its SLA, and one that breached.
RATINGS = (1, 2, 3, 4, 5)
WITHIN_SLA = (0.03, 0.05, 0.12, 0.35, 0.45)
BREACHED = (0.15, 0.25, 0.25, 0.25, 0.10)
COMMENTS = {
    1: ("Took far too long and nobody told me what was going on.",
        "The problem came back the next day."),
    2: ("Fixed in the end, but I had to chase it twice.",
        "I was asked the same questions three times."),
    3: ("It works now.", ""),
    4: ("Thanks, quick and friendly.", ""),
    5: ("Excellent service, thank you!", "Sorted within the hour, great job.", ""),
}


# The organisation's targets (the services' SLAs set their own availability and
# compliance targets): (KPI, target, warning level).
TARGETS = (("mttr", 48, 72), ("response_time", 4, 8), ("sla_compliance_resolution", 90, 80),
           ("sla_compliance_response", 95, 85), ("fcr", 70, 60), ("reopen_rate", 5, 8),
           ("reassignment_share", 25, 35), ("csat", 4.0, 3.5), ("survey_response_rate", 30, 20),
           ("availability", 99.5, 99.0), ("on_time_fulfilment", 90, 80),
           ("fulfilment_time", 72, 120), ("approval_time", 24, 48),
           ("known_error_time", 120, 240), ("kb_helpful", 75, 60),
           ("change_success_rate", 90, 80))


# The demo requester is also their customer's contact: they read its service report.
REPORT_READER = "requester"


def reporting(desk, rng: random.Random, now: datetime, *, days: int) -> int:
    """The organisation's KPI targets, as a service manager would set them, and the
    customer contact who reads the customer's page."""
    written = KpiTarget.objects.bulk_create(
        [KpiTarget(kpi=kpi, target=target, warning=warning) for kpi, target, warning in TARGETS],
        ignore_conflicts=True)
    reader = User.objects.filter(username=REPORT_READER, customer__isnull=False).first()
    if reader is not None:
        app, codename = REPORT_PERMISSION.split(".")
        reader.user_permissions.add(Permission.objects.get(content_type__app_label=app,
                                                           codename=codename))
    return len(written)


def survey_answers(desk, rng: random.Random, now: datetime, *, days: int) -> int:
    """Ask the requester of every resolved demo ticket, as the desk would have, and
    answer some of the surveys."""
    tickets = (Ticket.objects.filter(kind__in=surveys.ASKED_KINDS, resolved_at__isnull=False)
               .select_related("requester", "service").order_by("resolved_at", "pk"))
    answers = []
    for ticket in tickets.iterator(chunk_size=1000):
        sent = ticket.resolved_at
        answered_at = sent + timedelta(hours=rng.expovariate(1 / 20))
        if rng.random() < RESPONSE_RATE and answered_at < now:
            chances = BREACHED if ticket.is_breached else WITHIN_SLA
            rating = rng.choices(RATINGS, weights=chances)[0]
            comment = rng.choice(COMMENTS[rating])
        else:
            rating, comment = None, ""
        answers.append((ticket, sent, rating, comment, answered_at))
    return surveys.write_history(answers)
