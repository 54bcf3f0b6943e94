"""`manage.py seed_demo`: one login per role and a week of history that the services wrote."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.utils import timezone

from catalog.models import Customer, Service, ServiceRevision, SupportLevel
from incidents.choices import IncidentStatus
from incidents.models import Incident
from itsm.base import roles
from itsm.choices import EventKind
from itsm.management.commands.seed_demo import DEMO_LOGINS, DEMO_PASSWORD
from itsm.models import Comment, Task, TaskStatus, TicketEvent, User

from ..factories import make_incident

pytestmark = pytest.mark.django_db


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded():
    # A fixed week: which tickets the seeded draw makes urgent (and so given tasks)
    # depends on the days it spans.
    with time_machine.travel(datetime(2026, 12, 1, 10, tzinfo=UTC), tick=True):
        yield seed(days=7, seed=7, per_day=12)


def test_one_login_per_role_with_the_printed_password(seeded):
    for role, username in DEMO_LOGINS:
        user = User.objects.get(username=username)
        assert role in roles.roles_of(user)
        assert user.check_password(DEMO_PASSWORD)
    assert {role for role, _username in DEMO_LOGINS} == set(roles.ALL_ROLES)


def test_history_has_open_resolved_and_closed_incidents(seeded):
    statuses = set(Incident.objects.values_list("status", flat=True))
    assert {IncidentStatus.RESOLVED, IncidentStatus.CLOSED} <= statuses
    assert statuses & {IncidentStatus.NEW, IncidentStatus.IN_PROGRESS, IncidentStatus.ON_HOLD}
    assert Incident.objects.count() > 50  # about 12 a day
    assert Incident.objects.filter(reassignment_count__gt=0).exists()
    assert Comment.objects.filter(is_public=False).exists()
    assert Comment.objects.filter(is_public=True).exists()


def test_every_timestamp_has_the_event_that_set_it(seeded):
    now = timezone.now()
    status_events = {}
    for ticket_id, value, at in TicketEvent.objects.filter(kind=EventKind.STATUS).values_list(
        "ticket_id", "new_value", "created_at"
    ).order_by("created_at", "id"):
        status_events.setdefault(ticket_id, []).append((value, at))
    for incident in Incident.objects.all():
        events = status_events.get(incident.pk, [])
        if incident.status == IncidentStatus.NEW:
            assert incident.responded_at is None and not events
            continue
        assert events[-1][0] == incident.status, incident.number
        if incident.status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
            last_resolution = [at for value, at in events if value == IncidentStatus.RESOLVED][-1]
            assert incident.resolved_at == last_resolution, incident.number
            assert incident.resolution_code and incident.resolution_notes
        if incident.status in (IncidentStatus.CLOSED, IncidentStatus.CANCELLED):
            assert incident.closed_at == events[-1][1]
        if incident.status == IncidentStatus.ON_HOLD:
            assert incident.on_hold_since == events[-1][1] and incident.on_hold_reason
    # Every ticket has its creation event; nothing happens before it or after now.
    for incident in Incident.objects.annotate(created=Count("events")).filter(created=0):
        pytest.fail(f"{incident.number} has no events")
    for created_at, first_event in Incident.objects.values_list("created_at", "events__created_at"):
        assert created_at <= first_event <= now


def test_tasks_are_done_before_their_ticket_is_resolved(seeded):
    tasks = Task.objects.select_related("parent")
    assert tasks.filter(status=TaskStatus.DONE).exists()
    assert tasks.filter(closed_at=None).exists()  # work still going on
    for task in tasks:
        if task.title.startswith("Post-incident"):
            assert task.created_at > task.parent.resolved_at  # the review follows
            continue
        ended = task.parent.resolved_at or task.parent.closed_at
        if ended is not None:
            assert task.closed_at is not None and task.closed_at <= ended, task.number


def test_reassignment_counts_match_team_changes(seeded):
    moves = dict(
        TicketEvent.objects.filter(kind=EventKind.ASSIGNMENT, field="assignment_team")
        .exclude(old_value="").values("ticket_id").annotate(n=Count("id"))
        .values_list("ticket_id", "n")
    )
    for pk, count in Incident.objects.values_list("pk", "reassignment_count"):
        assert count == moves.get(pk, 0)


def test_children_resolve_with_their_major_incident():
    seed(days=45, seed=3, per_day=3)
    parents = Incident.objects.filter(is_major=True, resolved_at__isnull=False)
    assert parents.exists()
    for parent in parents:
        for child in parent.children.all():
            assert child.resolved_at == parent.resolved_at
            assert child.resolution_code == "resolved_by_parent"


def test_a_second_run_changes_nothing(seeded):
    counts = (User.objects.count(), Incident.objects.count(), TicketEvent.objects.count())
    out = seed(days=7)
    assert "already loaded" in out
    assert (User.objects.count(), Incident.objects.count(), TicketEvent.objects.count()) == counts


def test_reset_with_the_same_seed_writes_the_same_history():
    def history():
        return list(Incident.objects.order_by("number").values_list(
            "number", "title", "status", "priority", "created_at", "resolved_at"))

    with time_machine.travel(datetime(2026, 3, 4, 12, 0, tzinfo=UTC), tick=False):
        seed(days=2, seed=11)
        first = history()
        seed(days=2, seed=11, reset=True)
        assert history() == first


def test_refuses_a_database_with_other_tickets(agent):
    make_incident(actor=agent)
    with pytest.raises(CommandError, match="already has tickets"):
        seed(days=1)


def test_calendars_and_an_sla_for_every_service(seeded):
    from catalog.models import Calendar, ServiceLevelAgreement, sla_for
    from itsm.demo import CUSTOMER_SLA, OFFICE_CALENDAR, SERVICES

    office = Calendar.objects.get(name=OFFICE_CALENDAR)
    assert sorted(office.periods.values_list("weekday", flat=True)) == [0, 1, 2, 3, 4]
    assert office.holidays.exists()  # Sweden by default
    assert {sla.calendar for sla in ServiceLevelAgreement.objects.all()} == {
        office, Calendar.default()}
    for spec in SERVICES:
        service = Service.objects.get(code=spec.code)
        general = sla_for(service, None)
        assert general is not None and general.customer is None, spec.code
        assert general.targets.count() == 4
    # The customer's own agreement wins over the service's general one.
    customer_code, service_code, _targets = CUSTOMER_SLA
    premium = sla_for(Service.objects.get(code=service_code),
                      Customer.objects.get(code=customer_code))
    assert premium.customer.code == customer_code


def test_tickets_have_due_times_and_some_are_breached(seeded):
    with_sla = Incident.objects.filter(sla__isnull=False, resolution_due__isnull=False)
    assert with_sla.count() == Incident.objects.count()
    breached = Incident.objects.filter(Q(response_breached=True) | Q(resolution_breached=True))
    assert breached.exists()
    assert Incident.objects.exclude(pk__in=breached).exists()
    # Each flag has its SLA event, dated when the moment was crossed.
    for incident in breached.filter(resolution_breached=True):
        event = incident.events.get(kind=EventKind.SLA, field="resolution_breached")
        assert event.created_at == incident.resolution_due


def test_breaches_escalated_along_the_support_path(seeded):
    escalated = TicketEvent.objects.filter(kind=EventKind.SLA, field="escalated")
    assert escalated.exists()
    for event in escalated[:50]:
        # Each escalation is a breach's, at the breach's moment, to a level of the path.
        assert event.ticket.events.filter(
            kind=EventKind.SLA, field__in=("response_breached", "resolution_breached"),
            created_at=event.created_at).exists()
        path = {str(level.party) for level in event.ticket.service.support_levels.all()}
        assert event.new_value in path


def test_the_catalog_is_documented(seeded):
    from catalog import acceptance

    # The one still planned is the release's new service: its gaps are the point.
    planned = Service.objects.get(lifecycle="planned")
    assert acceptance.gaps(planned)
    for service in Service.objects.exclude(pk=planned.pk):
        assert service.category is not None and service.description
        assert SupportLevel.objects.filter(service=service).count() >= 2
        assert ServiceRevision.objects.filter(service=service).count() == 2
    assert Incident.objects.filter(category__isnull=True).count() == 0


def test_unknown_country_skips_holidays():
    from catalog.models import Calendar

    out = seed(days=1, seed=1, country="XX")
    assert "No public holidays" in out
    assert not Calendar.objects.get(name="Office hours").holidays.exists()


def test_requesters_answered_surveys_with_a_spread_the_kpis_measure(seeded):
    from metrics.models import KpiValue, Survey

    resolved = Incident.objects.filter(resolved_at__isnull=False)
    asked = Survey.objects.filter(ticket__in=resolved)
    assert asked.count() == resolved.count()  # each asked once, at its resolution
    answered = asked.filter(answered_at__isnull=False)
    assert 0 < answered.count() < asked.count()
    assert len(set(answered.values_list("rating", flat=True))) >= 3
    assert TicketEvent.objects.filter(kind=EventKind.FEEDBACK,
                                      ticket__in=resolved).count() == answered.count()
    # Fulfilled requests are asked too.
    assert Survey.objects.filter(ticket__kind="service_request").exists()
    assert KpiValue.objects.filter(kpi="csat", granularity="week").exists()
    assert KpiValue.objects.filter(kpi="survey_response_rate", dimension="team").exists()
