from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import StandardChange
from changes import services


@pytest.fixture
def window():
    start = timezone.now() + timedelta(days=2)
    return {"planned_start": start, "planned_end": start + timedelta(hours=2)}


@pytest.fixture
def template(service):
    return StandardChange.objects.create(service=service, name="Raise a mailbox quota",
                                         implementation_plan="Set the quota.",
                                         backout_plan="Set it back.")


@pytest.fixture
def normal(agent, service, window):
    return services.create_change(
        actor=agent, title="Upgrade the mail relay", service=service,
        risk_answers={"customer_facing": True, "outage": True}, implementation_plan="Upgrade.",
        backout_plan="Restore the snapshot.", **window)
