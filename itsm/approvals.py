"""The rules every approval step follows, whatever it approves (an order, a change).

A step has approvers and a rule: any one of them, all, a number or a percentage. It
is approved once it has the approvals its rule requires. Under "any one" the first
decision decides it either way; under the others a refusal rejects it as soon as the
approvals still possible fall short. The processes keep their own steps and decisions
(`service_requests.approvals`, `changes.approvals`) and ask these two functions.
"""

from __future__ import annotations

import math

from catalog.models import ApprovalRule

from .choices import Decision, StageState


def required_for(rule: str, needed: int | None, count: int) -> int:
    """How many approvals a step of `count` approvers needs under its rule."""
    if rule == ApprovalRule.ALL:
        return count
    if rule == ApprovalRule.COUNT:
        return min(needed or 1, count)
    if rule == ApprovalRule.PERCENT:
        return min(count, max(1, math.ceil(count * (needed or 100) / 100)))
    return 1


def outcome(rule: str, required: int, decisions: list[str], latest: str) -> str | None:
    """The state a step's decisions settle it in (approved or rejected), or None while
    it is still open; `latest` is the decision just taken."""
    approved = decisions.count(Decision.APPROVED)
    pending = decisions.count(Decision.PENDING)
    if approved >= required:
        return StageState.APPROVED
    if (rule == ApprovalRule.ANY and latest == Decision.REJECTED) or (
            approved + pending < required):
        return StageState.REJECTED
    return None
