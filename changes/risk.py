"""The risk of a change from a short questionnaire (pure: no database).

Each question's answer adds its points; the total decides the level. The answers are
kept on the change with the level, so the assessment can be read later as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .choices import ChangeRisk


@dataclass(frozen=True)
class Question:
    name: str
    text: str | Promise
    points: int  # added when the answer is yes


QUESTIONS = (
    Question("customer_facing", _("Does it touch a service customers use while it runs?"), 3),
    Question("no_backout", _("Is there no tested way back?"), 4),
    Question("untested", _("Has it not been done before, or not tested elsewhere?"), 2),
    Question("outage", _("Does it need the service down?"), 2),
    Question("many_cis", _("Does it change more than one configuration item?"), 1),
)
BY_NAME = {question.name: question for question in QUESTIONS}
MEDIUM_FROM, HIGH_FROM = 3, 6


def score(answers: dict[str, bool]) -> int:
    """The points of the yes answers; unknown questions count nothing."""
    return sum(BY_NAME[name].points for name, yes in answers.items()
               if yes and name in BY_NAME)


def level(answers: dict[str, bool]) -> str:
    """Low, medium or high from the answers."""
    points = score(answers)
    if points >= HIGH_FROM:
        return ChangeRisk.HIGH
    if points >= MEDIUM_FROM:
        return ChangeRisk.MEDIUM
    return ChangeRisk.LOW
