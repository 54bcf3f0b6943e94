"""Priority from impact × urgency: a matrix kept in the database, with a default."""

from __future__ import annotations

# (impact, urgency) -> priority; 1 is highest. DESIGN.md §2.
DEFAULT_MATRIX: dict[tuple[int, int], int] = {
    (1, 1): 1, (1, 2): 2, (1, 3): 3,
    (2, 1): 2, (2, 2): 3, (2, 3): 4,
    (3, 1): 3, (3, 2): 4, (3, 3): 4,
}


def priority_for(impact: int, urgency: int) -> int:
    """The priority for an impact and urgency, as the editable matrix says."""
    from .models import PriorityRule

    rule = (
        PriorityRule.objects.filter(impact=impact, urgency=urgency)
        .values_list("priority", flat=True).first()
    )
    if rule is not None:
        return rule
    return DEFAULT_MATRIX.get((impact, urgency), 4)
