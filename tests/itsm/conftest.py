"""Fixtures of the core's SLA and notification tests."""

from __future__ import annotations

import pytest

from tests.factories import berlin, log, make_sla


@pytest.fixture
def late(agent, requester, service, office):
    """Berlin office hours, P3, logged Monday 2026-03-02 17:00: response warned at 17:45,
    due 18:00; resolution warned Tuesday 10:00, due 11:00."""
    make_sla(service, office)
    return log(agent, requester, service, berlin(2026, 3, 2, 17))

