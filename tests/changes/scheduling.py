"""Changes booked at known moments, for the tests of conflicts, the calendar and its
API: a week from MONDAY (day 0), booked standard changes and planned normal ones, and
a weekend maintenance window."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from catalog.models import MaintenanceWindow
from changes import services
from changes.models import Change
from itsm import workflow

MONDAY = datetime(2030, 1, 7, tzinfo=UTC)  # a Monday, far enough ahead


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment of the week of MONDAY (day 0) or after."""
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


@pytest.fixture
def book(agent, template):
    """A standard change scheduled through the workflow (booked): on a service, a CI."""
    def book(start, hours=2, *, title="Booked change", **fields):
        fields.setdefault("service", template.service)
        change = services.create_change(
            actor=agent, change_type="standard", standard_change=template, title=title,
            planned_start=start, planned_end=start + timedelta(hours=hours), **fields)
        workflow.transition(change, "scheduled", actor=agent)
        return Change.objects.get(pk=change.pk)
    return book


@pytest.fixture
def plan(agent, service):
    """A new normal change with a window (not booked yet)."""
    def plan(start, hours=2, **fields):
        fields.setdefault("service", service)
        return services.create_change(actor=agent, title="Planned change", planned_start=start,
                                      planned_end=start + timedelta(hours=hours), **fields)
    return plan


@pytest.fixture
def weekend(service):
    """Email's maintenance window: Saturday 22:00 for six hours (into Sunday)."""
    return MaintenanceWindow.objects.create(name="Weekend", service=service, weekdays=[5],
                                            start_time=time(22), duration_minutes=360,
                                            time_zone="UTC")


