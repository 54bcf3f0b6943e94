"""Request items to order: a laptop with a form, a manager step and two tasks in
sequence, and the people who approve."""

from __future__ import annotations

import pytest

from catalog.models import ApprovalRule, ApprovalStep, ApproverKind, RequestItem, TaskTemplate
from service_requests import ordering

from ..factories import UserFactory, make_office, make_sla

LAPTOP_FORM = [
    {"name": "model", "label": "Model", "kind": "choice", "required": True,
     "choices": [["std", "Standard"], ["dev", "Developer"]]},
    {"name": "reason", "label": "Why the developer model", "kind": "long_text",
     "required": True, "shown_when": {"field": "model", "equals": "dev"}},
    {"name": "monitor", "label": "Extra monitor", "kind": "yes_no"},
]


@pytest.fixture
def boss(requester):
    """The requester's manager, a requester too (business people approve in the portal)."""
    person = UserFactory(username="mona", roles=["requester"], customer=requester.customer)
    requester.manager = person
    requester.save(update_fields=["manager"])
    return person


@pytest.fixture
def item(service, team):
    """A laptop: manager approval, then "order" then "set up" by the service's team."""
    laptop = RequestItem.objects.create(service=service, name="Laptop", order_form=LAPTOP_FORM,
                                        fulfilment_days=3)
    ApprovalStep.objects.create(item=laptop, position=1, name="Manager",
                                approvers=ApproverKind.MANAGER)
    TaskTemplate.objects.create(item=laptop, position=1, title="Order the laptop", team=team)
    TaskTemplate.objects.create(item=laptop, position=2, title="Set it up", team=team)
    return laptop


@pytest.fixture
def plain_item(service):
    """Software: no form, no approval, no tasks; an agent fulfils it."""
    return RequestItem.objects.create(service=service, name="Software")


@pytest.fixture
def people_step(item):
    """Turn the laptop's step into one of three named approvers under `rule`."""
    def make(rule: str, needed: int | None = None):
        approvers = [UserFactory(username=f"approver{n}", roles=["requester"])
                     for n in range(3)]
        step = item.approval_steps.get()
        step.approvers, step.rule, step.needed = ApproverKind.PEOPLE, rule, needed
        step.save()
        step.people.set(approvers)
        return approvers
    return make


def order_laptop(item, actor, **kwargs):
    answers = kwargs.pop("answers", {"model": "std", "monitor": "yes"})
    return ordering.order(item, actor=actor, answers=answers, **kwargs)


@pytest.fixture
def office_sla(service):
    calendar = make_office()
    make_sla(service, calendar)
    return calendar


__all__ = ["ApprovalRule", "order_laptop"]
