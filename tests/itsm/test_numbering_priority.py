"""Human numbers per kind and priority from the impact × urgency matrix."""

from __future__ import annotations

import pytest

from itsm.models import PriorityRule
from itsm.priority import DEFAULT_MATRIX, priority_for
from itsm.workflow import next_number
from tests.factories import make_incident

pytestmark = pytest.mark.django_db


def test_incidents_are_numbered_in_sequence(agent):
    numbers = [make_incident(actor=agent).number for _ in range(3)]
    assert numbers == ["INC0000001", "INC0000002", "INC0000003"]


@pytest.mark.parametrize(("kind", "prefix"), [("incident", "INC"), ("task", "TSK")])
def test_each_kind_has_its_own_prefix_and_sequence(kind, prefix):
    assert next_number(kind) == f"{prefix}0000001"
    assert next_number(kind) == f"{prefix}0000002"


def test_every_registered_kind_numbers_with_its_own_prefix():
    from itsm import registry

    prefixes = {process.kind: process.prefix for process in registry.processes()}
    assert len(set(prefixes.values())) == len(prefixes)
    for kind, prefix in prefixes.items():
        assert next_number(kind) == f"{prefix}0000001"


@pytest.mark.parametrize(("impact", "urgency", "expected"), [
    (1, 1, 1), (1, 2, 2), (1, 3, 3),
    (2, 1, 2), (2, 2, 3), (2, 3, 4),
    (3, 1, 3), (3, 2, 4), (3, 3, 4),
])
def test_default_matrix(impact, urgency, expected):
    assert priority_for(impact, urgency) == expected == DEFAULT_MATRIX[(impact, urgency)]


def test_the_matrix_is_editable(agent):
    PriorityRule.objects.filter(impact=2, urgency=2).update(priority=2)
    assert make_incident(actor=agent, impact=2, urgency=2).priority == 2


def test_changing_impact_recomputes_priority_with_an_event(agent):
    from incidents.services import update_incident

    incident = make_incident(actor=agent, impact=3, urgency=3)
    assert incident.priority == 4
    update_incident(incident, actor=agent, impact=1, urgency=1)
    incident.refresh_from_db()
    assert incident.priority == 1
    event = incident.events.get(kind="priority")
    assert (event.old_value, event.new_value) == ("4", "1")
