from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import StandardChange
from changes import approvals, services
from changes.models import Change, ChangeApproval

from .scheduling import book, plan, weekend  # noqa: F401 (booked changes, by moment)


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


def authorise(change, user) -> Change:
    """`user` approves the change's open step (their own approval in it)."""
    approval = ChangeApproval.objects.for_user(user).pending().get(change=change)
    approvals.decide(approval, user=user, approve=True)
    return Change.objects.get(pk=change.pk)
