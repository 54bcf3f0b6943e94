"""The KPI fixture: six incidents (and their satisfaction surveys) whose every figure
is worked out by hand in test_compute's docstring."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from incidents.choices import IncidentStatus as S
from incidents.choices import OnHoldReason, ResolutionCode
from itsm import facts, sla
from itsm.workflow import assign, transition
from metrics import surveys
from metrics.models import KpiMark
from tests.factories import ServiceFactory, log, make_sla

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 6, 15, 12, tzinfo=BERLIN)
FIXED = ResolutionCode.SOLVED_PERMANENTLY


def b(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def resolve(ticket, agent, when):
    transition(ticket, S.RESOLVED, actor=agent, when=when, resolution_code=FIXED,
               resolution_notes="Fixed.")


def start(ticket, agent, when):
    transition(ticket, S.IN_PROGRESS, actor=agent, when=when)


@pytest.fixture
def desk(settings, agent, requester, service, office, other_team, other_team_agent):
    """The six tickets of the module docstring, written as history at NOW: one
    recompute at the end (the KPI engine listens to `history_written`), no marks."""
    settings.TIME_ZONE = "Europe/Berlin"
    make_sla(service, office)  # "office": the service fixture, P3 60 / 240 minutes
    printing = ServiceFactory(name="Printing", code="printing", owner_team=service.owner_team)
    with time_machine.travel(NOW, tick=False), facts.history():
        t5 = log(agent, requester, printing, b(2026, 2, 20, 10))
        t6 = log(agent, requester, printing, b(2026, 2, 25, 9))
        start(t6, agent, b(2026, 2, 25, 9, 15))
        resolve(t6, agent, b(2026, 3, 5, 9))

        t1 = log(agent, requester, service, b(2026, 3, 2, 9))
        start(t1, agent, b(2026, 3, 2, 9, 30))
        transition(t1, S.ON_HOLD, actor=agent, when=b(2026, 3, 3, 9),
                   on_hold_reason=OnHoldReason.AWAITING_CALLER)
        transition(t1, S.IN_PROGRESS, actor=agent, when=b(2026, 3, 3, 10))
        resolve(t1, agent, b(2026, 3, 3, 12))

        t2 = log(agent, requester, printing, b(2026, 3, 28, 12))
        start(t2, agent, b(2026, 3, 28, 13))
        resolve(t2, agent, b(2026, 3, 29, 12))

        t3 = log(agent, requester, service, b(2026, 3, 4, 10))
        start(t3, agent, b(2026, 3, 4, 10, 30))
        resolve(t3, agent, b(2026, 3, 4, 14))
        transition(t3, S.IN_PROGRESS, actor=agent, when=b(2026, 3, 6, 9), note="Back again")
        resolve(t3, agent, b(2026, 4, 2, 10))

        t4 = log(agent, requester, service, b(2026, 3, 10, 9))
        start(t4, agent, b(2026, 3, 10, 9, 30))
        assign(t4, actor=agent, team=other_team, assignee=other_team_agent,
               when=b(2026, 3, 10, 10))
        resolve(t4, other_team_agent, b(2026, 3, 10, 12))
        sla.flag_history(NOW)
        surveys.write_history([
            (t6, b(2026, 3, 5, 9), 2, "Slow.", b(2026, 3, 6, 10)),
            (t1, b(2026, 3, 3, 12), 3, "", b(2026, 4, 1, 8)),
            (t2, b(2026, 3, 29, 12), None, "", None),
            (t3, b(2026, 3, 4, 14), 4, "", b(2026, 3, 4, 18)),
            (t4, b(2026, 3, 10, 12), 5, "Quick!", b(2026, 3, 10, 15)),
        ])
    assert not KpiMark.objects.exists()
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "t6": t6, "office": service,
            "printing": printing, "other_team": other_team}
