"""`manage.py seed_holidays`: a year of public holidays into a calendar, idempotently."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Calendar, Holiday

pytestmark = pytest.mark.django_db


@pytest.fixture
def calendar():
    return Calendar.objects.create(name="Munich office", time_zone="Europe/Berlin")


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_holidays", *args, stdout=out)
    return out.getvalue()


def test_seeds_a_countrys_public_holidays(calendar):
    output = seed("--calendar", "Munich office", "--country", "DE", "--year", "2026")
    days = set(calendar.holidays.values_list("date", flat=True))
    assert {date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 12, 25)} <= days
    assert all(day.year == 2026 for day in days)
    assert f"{len(days)} added, 0 updated, 0 unchanged" in output
    assert date(2026, 4, 6) in calendar.working_calendar().holidays


def test_running_it_again_changes_nothing(calendar):
    args = ("--calendar", "Munich office", "--country", "DE", "--year", "2026")
    seed(*args)
    before = list(Holiday.objects.values_list("pk", "date", "name"))
    output = seed(*args)
    assert list(Holiday.objects.values_list("pk", "date", "name")) == before
    assert f"0 added, 0 updated, {len(before)} unchanged" in output


def test_a_renamed_holiday_is_updated_and_hand_entered_ones_stay(calendar):
    Holiday.objects.create(calendar=calendar, date=date(2026, 4, 6), name="Old name")
    Holiday.objects.create(calendar=calendar, date=date(2026, 12, 31), name="Office closed")
    output = seed("--calendar", "Munich office", "--country", "DE", "--year", "2026")
    assert "1 updated" in output
    assert calendar.holidays.get(date=date(2026, 4, 6)).name != "Old name"
    assert calendar.holidays.get(date=date(2026, 12, 31)).name == "Office closed"


def test_a_subdivision_adds_its_own_holidays(calendar):
    seed("--calendar", "Munich office", "--country", "DE", "--subdiv", "BY", "--year", "2026")
    # Epiphany and Corpus Christi are public holidays in Bavaria, not nationwide.
    assert calendar.holidays.filter(date__in=[date(2026, 1, 6), date(2026, 6, 4)]).count() == 2


def test_an_unknown_country_is_an_error_naming_it(calendar):
    with pytest.raises(CommandError, match="Unknown country 'XX'"):
        seed("--calendar", "Munich office", "--country", "XX", "--year", "2026")
    assert not Holiday.objects.exists()


def test_an_unknown_subdivision_is_an_error_naming_it(calendar):
    with pytest.raises(CommandError, match="Unknown subdivision 'ZZ' of DE"):
        seed("--calendar", "Munich office", "--country", "DE", "--subdiv", "ZZ",
             "--year", "2026")


def test_an_unknown_calendar_is_an_error_naming_it(calendar):
    with pytest.raises(CommandError, match="No calendar named 'Paris office'"):
        seed("--calendar", "Paris office", "--country", "FR", "--year", "2026")
