"""Calendars and SLAs as rows: the pure calendar they build, their validation, which SLA
applies to a ticket, and the read-only API over them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from catalog.models import (
    Calendar,
    Holiday,
    ServiceLevelAgreement,
    SLATarget,
    WorkingPeriod,
    sla_for,
)
from itsm.base.business_time import add_business_minutes

from ..factories import CustomerFactory, ServiceFactory, berlin, make_office, make_sla

pytestmark = pytest.mark.django_db

BASE = "/api/v1/catalog"


# --- the calendar the arithmetic reads ------------------------------------------------

def test_working_calendar_from_rows_gives_the_fixed_case():
    cal = make_office().working_calendar()
    # Monday 2026-03-02 17:00 + 4 h of office time → Tuesday 11:00.
    due = add_business_minutes(cal, berlin(2026, 3, 2, 17, 0), 240)
    assert due == berlin(2026, 3, 3, 11, 0)
    # And the warning at 75 % of the target: Tuesday 10:00, not midnight.
    assert add_business_minutes(cal, berlin(2026, 3, 2, 17, 0), 180) == berlin(2026, 3, 3, 10)


def test_working_calendar_honours_holidays_from_rows():
    calendar = make_office()
    Holiday.objects.create(calendar=calendar, date=date(2026, 4, 6), name="Easter Monday")
    cal = calendar.working_calendar()
    assert cal.holidays == frozenset({date(2026, 4, 6)})
    # Friday 16:00 before the Easter Monday holiday → Tuesday 10:00.
    assert add_business_minutes(cal, berlin(2026, 4, 3, 16), 240) == berlin(2026, 4, 7, 10)


def test_working_calendar_keeps_several_periods_a_day_in_order():
    calendar = Calendar.objects.create(name="Split shift", time_zone="UTC")
    WorkingPeriod.objects.create(calendar=calendar, weekday=0, start=time(13), end=time(17))
    WorkingPeriod.objects.create(calendar=calendar, weekday=0, start=time(8), end=time(12))
    cal = calendar.working_calendar()
    assert cal.week[0] == ((time(8), time(12)), (time(13), time(17)))
    # Monday 11:00 + 2 h: one hour before lunch, one after.
    due = add_business_minutes(cal, datetime(2026, 3, 2, 11, tzinfo=UTC), 120)
    assert due == datetime(2026, 3, 2, 14, tzinfo=UTC)


def test_working_calendar_runs_one_query_each_and_none_when_prefetched():
    make_office()
    calendar = Calendar.objects.get(name="Berlin office")
    with CaptureQueriesContext(connection) as queries:
        calendar.working_calendar()
    assert len(queries) == 2
    prefetched = Calendar.objects.prefetch_related("periods", "holidays").get(pk=calendar.pk)
    with CaptureQueriesContext(connection) as queries:
        prefetched.working_calendar()
    assert len(queries) == 0


def test_the_default_calendar_is_24x7_and_unique():
    default = Calendar.default()
    assert default.name == "24×7"
    assert Calendar.objects.filter(is_default=True).count() == 1
    cal = default.working_calendar()
    assert all(cal.week[day] == ((time(0), time(0)),) for day in range(7))
    start = datetime(2026, 3, 7, 23, 30, tzinfo=UTC)  # a Saturday night
    assert add_business_minutes(cal, start, 60) == datetime(2026, 3, 8, 0, 30, tzinfo=UTC)

    second = Calendar(name="Another default", time_zone="UTC", is_default=True)
    with pytest.raises(ValidationError, match="already the default"):
        second.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


# --- validation names the field ---------------------------------------------------------

def errors_of(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


def test_an_unknown_time_zone_is_refused_naming_the_field():
    errors = errors_of(Calendar(name="Mars", time_zone="Mars/Olympus_Mons"))
    assert "Mars/Olympus_Mons" in errors["time_zone"][0]
    assert "not a known time zone" in errors["time_zone"][0]


def test_a_period_must_start_before_it_ends():
    calendar = Calendar.objects.create(name="Office", time_zone="UTC")
    errors = errors_of(WorkingPeriod(calendar=calendar, weekday=0, start=time(18), end=time(8)))
    assert "end" in errors
    errors = errors_of(WorkingPeriod(calendar=calendar, weekday=0, start=time(8), end=time(8)))
    assert "end" in errors
    # 00:00 as the end is midnight at the end of the day: 22:00–24:00 and the whole day.
    WorkingPeriod(calendar=calendar, weekday=0, start=time(22), end=time(0)).full_clean()
    WorkingPeriod(calendar=calendar, weekday=1, start=time(0), end=time(0)).full_clean()


def test_periods_of_one_weekday_may_not_overlap():
    calendar = make_office()
    errors = errors_of(WorkingPeriod(calendar=calendar, weekday=0, start=time(17),
                                     end=time(20)))
    assert "overlaps Monday 08:00–18:00" in errors["start"][0]
    # Touching periods and other weekdays are fine.
    WorkingPeriod(calendar=calendar, weekday=0, start=time(18), end=time(20)).full_clean()
    WorkingPeriod(calendar=calendar, weekday=5, start=time(9), end=time(12)).full_clean()
    # An existing period re-validated does not overlap itself.
    WorkingPeriod.objects.filter(calendar=calendar, weekday=0).get().full_clean()


def test_a_response_target_longer_than_resolution_is_refused(service):
    sla = make_sla(service, targets=False)
    errors = errors_of(SLATarget(sla=sla, priority=1, response_minutes=240,
                                 resolution_minutes=60))
    assert "response_minutes" in errors
    with pytest.raises(IntegrityError), transaction.atomic():
        SLATarget.objects.create(sla=sla, priority=1, response_minutes=240,
                                 resolution_minutes=60)


@pytest.mark.parametrize("threshold", [0, 100])
def test_the_warning_threshold_is_between_1_and_99(service, threshold):
    sla = ServiceLevelAgreement(name="SLA", service=service, calendar=Calendar.default(),
                                warning_threshold=threshold)
    assert "warning_threshold" in errors_of(sla)
    with pytest.raises(IntegrityError), transaction.atomic():
        sla.save()


def test_the_availability_target_is_a_percentage(service):
    sla = ServiceLevelAgreement(name="SLA", service=service, calendar=Calendar.default(),
                                availability_target=Decimal("100.5"))
    assert "availability_target" in errors_of(sla)


def test_one_active_sla_per_service_and_customer(service, customer):
    make_sla(service, targets=False)
    make_sla(service, customer=customer, targets=False)
    assert "already has an active SLA for all customers" in str(errors_of(
        ServiceLevelAgreement(name="Again", service=service, calendar=Calendar.default())))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_sla(service, customer=customer, name="Again", targets=False)
    # Inactive ones may pile up (history of old terms).
    make_sla(service, customer=customer, name="Old terms", is_active=False, targets=False)
    make_sla(service, name="Older terms", is_active=False, targets=False)


# --- which SLA applies ------------------------------------------------------------------------

def test_sla_for_prefers_the_customers_own_sla(service, customer, other_customer):
    general = make_sla(service, name="General", targets=False)
    own = make_sla(service, customer=customer, name="Retail", targets=False)
    assert sla_for(service, customer) == own
    assert sla_for(service, other_customer) == general
    assert sla_for(service, None) == general
    assert sla_for(service.pk, customer.pk) == own


def test_sla_for_ignores_inactive_slas(service, customer):
    general = make_sla(service, name="General", targets=False)
    make_sla(service, customer=customer, name="Retail, expired", is_active=False,
             targets=False)
    assert sla_for(service, customer) == general
    general.is_active = False
    general.save()
    assert sla_for(service, customer) is None


def test_sla_for_a_service_without_sla_is_none(service, customer):
    other = ServiceFactory(name="Printing", code="printing")
    make_sla(other, customer=customer, targets=False)
    assert sla_for(service, customer) is None


def test_sla_for_runs_one_query_and_brings_its_calendar(service, customer):
    make_sla(service, name="General", targets=False)
    make_sla(service, customer=customer, name="Retail", targets=False)
    with CaptureQueriesContext(connection) as queries:
        sla = sla_for(service, customer)
        assert sla.calendar.name == "24×7"
    assert len(queries) == 1


# --- the API ----------------------------------------------------------------------------

def add_calendars(first: int, count: int) -> None:
    for n in range(first, first + count):
        calendar = make_office(f"Office {n}")
        Holiday.objects.create(calendar=calendar, date=date(2026, 1, 1), name="New Year")


def add_slas(first: int, count: int) -> None:
    calendar, _ = Calendar.objects.get_or_create(name="SLA office", time_zone="UTC")
    for n in range(first, first + count):
        service = ServiceFactory(name=f"Service {n}", code=f"svc-{n}")
        sla = make_sla(service, customer=CustomerFactory(name=f"Customer {n}", code=f"cust-{n}"),
                       calendar=calendar, name=f"SLA {n}", targets=False)
        SLATarget.objects.bulk_create(
            SLATarget(sla=sla, priority=p, response_minutes=30 * p, resolution_minutes=240 * p)
            for p in (1, 2, 3, 4)
        )


def list_queries(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries), response.data["count"]


@pytest.mark.parametrize("resource, grow", [("calendars", add_calendars), ("slas", add_slas)],
                         ids=["calendars", "slas"])
def test_list_query_count_does_not_grow_with_rows(api_as, agent, resource, grow):
    client = api_as(agent)
    client.get(f"{BASE}/{resource}/")  # the token's last_used_at is written once
    grow(0, 1)
    few, rows = list_queries(client, f"{BASE}/{resource}/")
    grow(1, 4)
    many, more_rows = list_queries(client, f"{BASE}/{resource}/")
    assert more_rows == rows + 4
    assert many == few


def test_api_shapes(api_as, manager, service, customer):
    calendar = make_office()
    Holiday.objects.create(calendar=calendar, date=date(2026, 4, 6), name="Easter Monday")
    sla = make_sla(service, customer=customer, calendar=calendar, name="Email for retail",
                   targets=False)
    SLATarget.objects.create(sla=sla, priority=1, response_minutes=15, resolution_minutes=240)
    client = api_as(manager)

    data = client.get(f"{BASE}/calendars/{calendar.pk}/").data
    assert data["time_zone"] == "Europe/Berlin"
    assert data["periods"][0] == {"weekday": 0, "start": "08:00:00", "end": "18:00:00"}
    assert data["holidays"] == [{"date": "2026-04-06", "name": "Easter Monday"}]

    data = client.get(f"{BASE}/slas/{sla.pk}/").data
    assert data["service"]["name"] == "Email"
    assert data["customer"]["code"] == "retail"
    assert data["calendar"] == {"id": calendar.pk, "name": "Berlin office",
                                "time_zone": "Europe/Berlin"}
    assert data["warning_threshold"] == 75
    assert data["availability_target"] == "99.900"
    assert data["targets"] == [{"priority": 1, "response_minutes": 15,
                                "resolution_minutes": 240}]


def test_requesters_see_no_calendars_or_slas(api_as, requester, service):
    make_sla(service, targets=False)
    client = api_as(requester)
    assert client.get(f"{BASE}/calendars/").data["results"] == []
    assert client.get(f"{BASE}/slas/").data["results"] == []
    assert client.get(f"{BASE}/calendars/{Calendar.default().pk}/").status_code == 404
