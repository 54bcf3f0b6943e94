"""The change demo: months of changes of each type, lived through the workflow."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from changes import demo
from changes.models import Change
from itsm import demo as desk_demo


@pytest.mark.django_db
def test_the_demo_writes_changes_of_each_type_through_the_workflow():
    desk = desk_demo.build_desk()
    now = timezone.now()
    desk_demo.build_service_levels(desk, now, 60, "SE", say=lambda *_: None)
    written = demo.write_history(desk, random.Random(3), now, days=60, per_day=30,
                                 progress=lambda *_: None)
    changes = Change.objects.all()
    assert written == changes.count() > 20
    assert set(changes.values_list("change_type", flat=True)) == {
        "standard", "normal", "emergency"}
    for change in changes.filter(status="closed"):
        assert change.close_code and change.actual_start and change.actual_end
        assert not change.needs_review or change.reviewed
        assert change.events.filter(kind="status").exists()
    assert not changes.filter(planned_start__lt=now - timedelta(days=1),
                              status="new").exists()
