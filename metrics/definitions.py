"""The metric dictionary: every KPI the desk measures, defined once, in code.

Each `Kpi` says what it means (name, formula in words, unit, which way is better),
which tickets it covers and how it aggregates. `metrics.compute` turns the
definitions into SQL aggregates over the facts each ticket stores (`itsm.facts`); the
API serves the dictionary at `/api/v1/metrics/definitions/`. The formulas are
DESIGN.md §4's.

A KPI belongs to a *family*: the moment that places a ticket in a period (created,
responded, resolved, its requester asked or answering how satisfied they are), or
"level" for what is open at the end of a period. A KPI with no family is defined here
and fed by another part of the desk (routines) once that exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from changes.choices import SUCCESSFUL, ChangeType, CloseCode
from changes.models import Change
from incidents.choices import ResolutionCode
from incidents.models import Incident
from itsm.choices import TicketKind
from problems.models import ProblemLink


class Unit(StrEnum):
    HOURS = "hours"
    PERCENT = "percent"
    COUNT = "count"
    SCORE = "score"
    MONEY = "money"  # in the currency the team rates are in
    PER_PERSON_DAY = "per_person_day"


class Direction(StrEnum):
    LOWER = "lower"  # lower is better
    HIGHER = "higher"
    NEUTRAL = "neutral"  # a volume: neither is better


class Aggregation(StrEnum):
    MEAN = "mean"  # of a value, over the tickets counted
    SHARE = "share"  # of the tickets counted that meet a condition, in percent
    COUNT = "count"  # of the tickets counted
    LEVEL = "level"  # what is open at the end of the period (count, or mean age)
    SUM = "sum"  # of a quantity (hours worked, their cost)
    RATIO = "ratio"  # numerator / denominator


class Family(StrEnum):
    CREATED = "created"
    RESPONDED = "responded"
    RESOLVED = "resolved"
    SURVEYED = "surveyed"  # the requester was asked how satisfied they are
    ANSWERED = "answered"  # ... and answered
    APPROVED = "approved"  # its approval was complete (an order, a change)
    DIAGNOSED = "diagnosed"  # its cause was found (a problem's known error)
    CLOSED = "closed"  # it was closed (a change, with how it went)
    KNOWLEDGE = "knowledge"  # the knowledge base's use: readings, votes, tickets solved
    LEVEL = "level"
    AVAILABILITY = "availability"  # service hours less outages, not ticket moments
    EFFORT = "effort"  # time logged, in the period of the day worked


# The moment that places a ticket of each event family in a period.
FAMILY_MOMENT = {Family.CREATED: "created_at", Family.RESPONDED: "responded_at",
                 Family.RESOLVED: "resolved_at", Family.SURVEYED: "survey_sent_at",
                 Family.ANSWERED: "survey_answered_at", Family.APPROVED: "approved_at",
                 Family.DIAGNOSED: "diagnosed_at", Family.CLOSED: "closed_at"}

INCIDENTS = (TicketKind.INCIDENT,)
EVERY_KIND = tuple(TicketKind.values)
# The work a requester waits for: what backlog, volume and SLA compliance count.
REQUESTED_WORK = (TicketKind.INCIDENT, TicketKind.SERVICE_REQUEST)
REQUESTS = (TicketKind.SERVICE_REQUEST,)
PROBLEMS = (TicketKind.PROBLEM,)
CHANGES = (TicketKind.CHANGE,)
CLOSED_NOT_CANCELLED = ~Q(status="cancelled")


def of_a_problem() -> Q:
    """Incidents that belong to a problem (a subquery: no join on the tickets)."""
    return Q(pk__in=ProblemLink.objects.values("incident_id"))


def change_succeeded() -> Q:
    """Changes closed as successful (with issues or not) that caused no incident."""
    return Q(pk__in=Change.objects.filter(close_code__in=SUCCESSFUL, caused__isnull=True)
             .values("pk"))


def change_caused_incidents() -> Q:
    return Q(pk__in=Change.objects.filter(caused__isnull=False).values("pk"))


def change_of_type(change_type: str) -> Callable[[], Q]:
    return lambda: Q(pk__in=Change.objects.filter(change_type=change_type).values("pk"))


def change_closed_as(code: str) -> Callable[[], Q]:
    return lambda: Q(pk__in=Change.objects.filter(close_code=code).values("pk"))


def by_workaround() -> Q:
    """Incidents resolved with a known error's workaround."""
    return Q(pk__in=Incident.objects.filter(
        resolution_code=ResolutionCode.WORKAROUND_APPLIED).values("pk"))


@dataclass(frozen=True)
class Kpi:
    key: str
    name: str | Promise
    formula: str | Promise
    unit: Unit
    direction: Direction
    aggregation: Aggregation
    kinds: tuple[str, ...] = ()
    family: Family | None = None
    # MEAN: the stored fact averaged (seconds); LEVEL: "age" for the mean age.
    measure: str | None = None
    # SHARE: the condition met; every aggregation: which tickets count at all. Either
    # may be a function giving the Q, for one that reads other tables (a subquery
    # cannot be built while the models load).
    condition: Q | Callable[[], Q] | None = None
    among: Q | Callable[[], Q] | None = None
    # Where the figures come from when not from the tickets' facts.
    fed_by: str | Promise = ""

    @property
    def computed(self) -> bool:
        return self.family is not None

    @property
    def where(self) -> Q | None:
        """The condition a SHARE counts as met."""
        return self.condition() if callable(self.condition) else self.condition

    @property
    def counts(self) -> Q:
        """Which tickets count at all (every one of its kinds, unless `among` says)."""
        among = self.among() if callable(self.among) else self.among
        return among or Q()

    def value(self, numerator: float, denominator: float | None) -> float | None:
        """The figure from its numerator and denominator (pure): a mean, a share in
        percent, or a count; None when nothing was counted."""
        if self.aggregation in (Aggregation.COUNT, Aggregation.SUM) or (
                self.aggregation == Aggregation.LEVEL and self.measure is None):
            return numerator
        if not denominator:
            return None
        ratio = numerator / denominator
        return 100 * ratio if self.aggregation == Aggregation.SHARE else ratio


# Tickets measured against an SLA: the desk's own, and imported ones whose source
# judged them (its verdict is in the breach flags).
UNDER_SLA = Q(sla__isnull=False) | Q(external_sla=True)

HOUR = 3600  # seconds; durations are stored in seconds and reported in hours

KPIS: tuple[Kpi, ...] = (
    Kpi("mttr", _("Mean time to resolve"),
        _("Mean of resolved − created over incidents resolved in the period, in hours."),
        Unit.HOURS, Direction.LOWER, Aggregation.MEAN, INCIDENTS, Family.RESOLVED,
        measure="resolution_seconds"),
    Kpi("mttr_business", _("Mean time to resolve (SLA clock)"),
        _("Mean business time from created to resolved on the SLA calendar, less time on "
          "hold, over incidents resolved in the period, in hours."),
        Unit.HOURS, Direction.LOWER, Aggregation.MEAN, INCIDENTS, Family.RESOLVED,
        measure="resolution_business_seconds"),
    Kpi("response_time", _("Mean time to respond"),
        _("Mean of responded − created over incidents responded to in the period, in "
          "hours; responded is the first time an agent acknowledged it (started work or "
          "commented)."),
        Unit.HOURS, Direction.LOWER, Aggregation.MEAN, INCIDENTS, Family.RESPONDED,
        measure="response_seconds"),
    Kpi("response_time_business", _("Mean time to respond (SLA clock)"),
        _("Mean business time from created to responded on the SLA calendar over "
          "incidents responded to in the period, in hours."),
        Unit.HOURS, Direction.LOWER, Aggregation.MEAN, INCIDENTS, Family.RESPONDED,
        measure="response_business_seconds"),
    Kpi("sla_compliance_resolution", _("SLA compliance (resolution)"),
        _("Share of tickets with an SLA resolved in the period whose resolution was not "
          "breached."),
        Unit.PERCENT, Direction.HIGHER, Aggregation.SHARE, REQUESTED_WORK, Family.RESOLVED,
        condition=Q(resolution_breached=False), among=UNDER_SLA),
    Kpi("sla_compliance_response", _("SLA compliance (response)"),
        _("Share of tickets with an SLA responded to in the period whose response was "
          "not breached."),
        Unit.PERCENT, Direction.HIGHER, Aggregation.SHARE, REQUESTED_WORK, Family.RESPONDED,
        condition=Q(response_breached=False), among=UNDER_SLA),
    Kpi("fcr", _("First contact resolution"),
        _("Share of incidents resolved in the period that were never reassigned and were "
          "resolved by the first team assigned."),
        Unit.PERCENT, Direction.HIGHER, Aggregation.SHARE, INCIDENTS, Family.RESOLVED,
        condition=Q(reassignment_count=0, resolved_by_first_team=True)),
    Kpi("reopen_rate", _("Reopen rate"),
        _("Share of tickets resolved in the period that were reopened at least once; a "
          "ticket counts in the period of its last resolution."),
        Unit.PERCENT, Direction.LOWER, Aggregation.SHARE, REQUESTED_WORK, Family.RESOLVED,
        condition=Q(reopen_count__gt=0)),
    Kpi("reassignment_share", _("Reassignment share"),
        _("Share of tickets resolved in the period that moved between teams at least "
          "once."),
        Unit.PERCENT, Direction.LOWER, Aggregation.SHARE, REQUESTED_WORK, Family.RESOLVED,
        condition=Q(reassignment_count__gt=0)),
    Kpi("fulfilment_time", _("Mean time to fulfil"),
        _("Mean of fulfilled − ordered over requests fulfilled in the period, in hours."),
        Unit.HOURS, Direction.LOWER, Aggregation.MEAN, REQUESTS, Family.RESOLVED,
        measure="resolution_seconds"),
    Kpi("fulfilment_time_business", _("Mean time to fulfil (fulfilment clock)"),
        _("Mean business time from ordered to fulfilled on the SLA calendar, less the "
          "time awaiting approval or on hold, over requests fulfilled in the period, in "
          "hours."),
        Unit.HOURS, Direction.LOWER, Aggregation.MEAN, REQUESTS, Family.RESOLVED,
        measure="resolution_business_seconds"),
    Kpi("approval_time", _("Mean time to approve"),
        _("Mean of approved − ordered over requests whose approval was complete in the "
          "period, in hours."),
        Unit.HOURS, Direction.LOWER, Aggregation.MEAN, REQUESTS, Family.APPROVED,
        measure="approval_seconds"),
    Kpi("on_time_fulfilment", _("On-time fulfilment"),
        _("Share of requests with an SLA fulfilled in the period by their due time (the "
          "item's fulfilment target where it sets one)."),
        Unit.PERCENT, Direction.HIGHER, Aggregation.SHARE, REQUESTS, Family.RESOLVED,
        condition=Q(resolution_breached=False), among=UNDER_SLA),
    Kpi("requests_ordered", _("Requests ordered"),
        _("Number of requests ordered in the period."),
        Unit.COUNT, Direction.NEUTRAL, Aggregation.COUNT, REQUESTS, Family.CREATED),
    Kpi("problems_opened", _("Problems opened"),
        _("Number of problems opened in the period."),
        Unit.COUNT, Direction.NEUTRAL, Aggregation.COUNT, PROBLEMS, Family.CREATED),
    Kpi("problems_resolved", _("Problems resolved"),
        _("Number of problems resolved in the period (last resolution)."),
        Unit.COUNT, Direction.HIGHER, Aggregation.COUNT, PROBLEMS, Family.RESOLVED),
    Kpi("problem_resolution_time", _("Mean time to resolve problems"),
        _("Mean of resolved − opened over problems resolved in the period, in hours."),
        Unit.HOURS, Direction.LOWER, Aggregation.MEAN, PROBLEMS, Family.RESOLVED,
        measure="resolution_seconds"),
    Kpi("known_error_time", _("Mean time to known error"),
        _("Mean of known error − opened over problems whose root cause and workaround "
          "were recorded in the period, in hours."),
        Unit.HOURS, Direction.LOWER, Aggregation.MEAN, PROBLEMS, Family.DIAGNOSED,
        measure="diagnosis_seconds"),
    Kpi("incidents_with_problem", _("Incidents linked to problems"),
        _("Share of incidents resolved in the period that belong to a problem (a link "
          "made after the resolution counts from the next nightly recompute)."),
        Unit.PERCENT, Direction.NEUTRAL, Aggregation.SHARE, INCIDENTS, Family.RESOLVED,
        condition=of_a_problem),
    Kpi("workaround_resolutions", _("Incidents resolved by workaround"),
        _("Number of incidents resolved in the period with a known error's workaround."),
        Unit.COUNT, Direction.NEUTRAL, Aggregation.COUNT, INCIDENTS, Family.RESOLVED,
        among=by_workaround),
    Kpi("kb_views", _("Articles read"),
        _("Readings of knowledge articles in the period (drafts not counted)."),
        Unit.COUNT, Direction.NEUTRAL, Aggregation.COUNT, (), Family.KNOWLEDGE,
        fed_by=_("the knowledge base")),
    Kpi("kb_helpful", _("Articles found helpful"),
        _("Share of the votes on knowledge articles cast in the period that found the "
          "article helpful; a reader's changed vote counts on the day they changed it."),
        Unit.PERCENT, Direction.HIGHER, Aggregation.SHARE, (), Family.KNOWLEDGE,
        fed_by=_("the knowledge base")),
    Kpi("kb_tickets_solved", _("Tickets solved with an article"),
        _("Number of tickets an agent recorded in the period as solved with a knowledge "
          "article."),
        Unit.COUNT, Direction.HIGHER, Aggregation.COUNT, (), Family.KNOWLEDGE,
        fed_by=_("the knowledge base")),
    Kpi("kb_deflections", _("Tickets deflected"),
        _("Articles suggested while a requester was logging a ticket, read in the "
          "period, after which the requester logged no ticket within the deflection "
          "window (KB_DEFLECTION_MINUTES)."),
        Unit.COUNT, Direction.HIGHER, Aggregation.COUNT, (), Family.KNOWLEDGE,
        fed_by=_("the knowledge base")),
    Kpi("volume_created", _("Tickets created"),
        _("Number of incidents and requests created in the period."),
        Unit.COUNT, Direction.NEUTRAL, Aggregation.COUNT, REQUESTED_WORK, Family.CREATED),
    Kpi("volume_resolved", _("Tickets resolved"),
        _("Number of incidents and requests resolved in the period (last resolution)."),
        Unit.COUNT, Direction.NEUTRAL, Aggregation.COUNT, REQUESTED_WORK, Family.RESOLVED),
    Kpi("backlog", _("Backlog"),
        _("Number of incidents and requests open at the end of the period (created "
          "before it ended, neither resolved nor closed by then); no value when none "
          "was open."),
        Unit.COUNT, Direction.LOWER, Aggregation.LEVEL, REQUESTED_WORK, Family.LEVEL),
    Kpi("backlog_age", _("Backlog age"),
        _("Mean age in hours of the incidents and requests open at the end of the "
          "period (for the current period: now)."),
        Unit.HOURS, Direction.LOWER, Aggregation.LEVEL, REQUESTED_WORK, Family.LEVEL,
        measure="age"),
    Kpi("effort_hours", _("Effort"),
        _("Hours the desk logged on tickets, in the period of the day worked."),
        Unit.HOURS, Direction.NEUTRAL, Aggregation.SUM, EVERY_KIND, Family.EFFORT),
    Kpi("effort_cost", _("Cost of effort"),
        _("The hours logged on tickets at each team's hourly rate on the day worked."),
        Unit.MONEY, Direction.LOWER, Aggregation.SUM, EVERY_KIND, Family.EFFORT),
    Kpi("tickets_per_person_day", _("Tickets per person-day"),
        _("Tickets worked on in the period divided by the person-days logged (8 hours "
          "each)."),
        Unit.PER_PERSON_DAY, Direction.HIGHER, Aggregation.RATIO, EVERY_KIND, Family.EFFORT),
    Kpi("availability", _("Availability"),
        _("(Agreed minutes − unplanned outage minutes) / agreed minutes × 100, per "
          "service; agreed minutes are the SLA calendar's service hours in the period, "
          "outages are clipped to them and merged where they overlap."),
        Unit.PERCENT, Direction.HIGHER, Aggregation.SHARE, family=Family.AVAILABILITY,
        fed_by=_("outage records")),
    Kpi("change_success_rate", _("Change success rate"),
        _("Changes closed in the period as successful or successful with issues that "
          "caused no incident, divided by all changes closed in the period (cancelled "
          "excluded)."),
        Unit.PERCENT, Direction.HIGHER, Aggregation.SHARE, CHANGES, Family.CLOSED,
        condition=change_succeeded, among=CLOSED_NOT_CANCELLED),
    Kpi("emergency_change_share", _("Emergency changes"),
        _("Share of the changes closed in the period (cancelled excluded) that were "
          "emergency changes."),
        Unit.PERCENT, Direction.LOWER, Aggregation.SHARE, CHANGES, Family.CLOSED,
        condition=change_of_type(ChangeType.EMERGENCY), among=CLOSED_NOT_CANCELLED),
    Kpi("backed_out_share", _("Changes backed out"),
        _("Share of the changes closed in the period (cancelled excluded) that were "
          "backed out."),
        Unit.PERCENT, Direction.LOWER, Aggregation.SHARE, CHANGES, Family.CLOSED,
        condition=change_closed_as(CloseCode.BACKED_OUT), among=CLOSED_NOT_CANCELLED),
    Kpi("changes_causing_incidents", _("Changes that caused incidents"),
        _("Number of the changes closed in the period that caused at least one "
          "incident (an incident recorded after the change closed counts from the next "
          "nightly recompute)."),
        Unit.COUNT, Direction.LOWER, Aggregation.COUNT, CHANGES, Family.CLOSED,
        among=change_caused_incidents),
    Kpi("routine_completion", _("Routine completion"),
        _("Share of routine occurrences due in the period that were done within their "
          "due window."),
        Unit.PERCENT, Direction.HIGHER, Aggregation.SHARE, (TicketKind.TASK,),
        fed_by=_("routines")),
    Kpi("csat", _("Customer satisfaction"),
        _("Mean rating (1–5) of the survey answers received in the period; a ticket "
          "counts once, with its latest answer."),
        Unit.SCORE, Direction.HIGHER, Aggregation.MEAN, REQUESTED_WORK, Family.ANSWERED,
        measure="survey_rating"),
    Kpi("csat_satisfied", _("Satisfied customers"),
        _("Share of the survey answers received in the period rating 4 or 5."),
        Unit.PERCENT, Direction.HIGHER, Aggregation.SHARE, REQUESTED_WORK, Family.ANSWERED,
        condition=Q(survey_rating__gte=4)),
    Kpi("survey_response_rate", _("Survey response rate"),
        _("Share of the surveys sent in the period that were answered."),
        Unit.PERCENT, Direction.HIGHER, Aggregation.SHARE, REQUESTED_WORK, Family.SURVEYED,
        condition=Q(survey_answered_at__isnull=False)),
)

BY_KEY = {kpi.key: kpi for kpi in KPIS}


class Granularity(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


GRANULARITY_LABELS = {Granularity.DAY: _("Day"), Granularity.WEEK: _("Week"),
                      Granularity.MONTH: _("Month")}

# Availability is a service's: it has these dimensions only.
AVAILABILITY_DIMENSIONS = ("overall", "service")

# The dimensions a KPI is broken down by, and the ticket column that keys each.
DIMENSIONS: dict[str, str | None] = {
    "overall": None,
    "service": "service_id",
    "team": "assignment_team_id",
    "customer": "customer_id",
    "priority": "priority",
    "channel": "channel",
    "kind": "kind",
    "ci": "configuration_item_id",
    "item": "request_item_id",
    # A change's own (`ChangeProcess.fact_keys`).
    "change_type": "change__change_type",
    "risk": "change__risk",
}
# The knowledge base's use is counted per service and per article (the article's
# service at the moment of use), not by the tickets' dimensions.
KNOWLEDGE_DIMENSIONS: dict[str, str | None] = {
    "overall": None, "service": "service_id", "article": "article_id"}
DIMENSION_LABELS = {"overall": _("Overall"), "service": _("Service"), "team": _("Team"),
                    "customer": _("Customer"), "priority": _("Priority"),
                    "channel": _("Channel"), "kind": _("Kind"),
                    "ci": _("Configuration item"), "item": _("Request item"),
                    "article": _("Article"), "change_type": _("Change type"),
                    "risk": _("Risk")}


# A dimension of many keys holds only the KPIs read per key: a CI's ticket volume (its
# place among the CIs with most tickets), not every figure of every CI every day.
NARROW_DIMENSIONS: dict[str, frozenset[str]] = {
    "ci": frozenset({"volume_created", "volume_resolved"}),
    # Per catalog item: what its orders take and how many there are.
    "item": frozenset({"requests_ordered", "approval_time", "fulfilment_time",
                       "on_time_fulfilment"}),
    # Per change type and risk: how changes went.
    **{dimension: frozenset({"change_success_rate", "backed_out_share",
                             "changes_causing_incidents"}) for dimension in ("change_type",
                                                                              "risk")},
}


def measured_in(kpi: Kpi, dimension: str) -> bool:
    """Whether the engine keeps the KPI's values broken down by `dimension`."""
    if kpi.family == Family.KNOWLEDGE:
        return dimension in KNOWLEDGE_DIMENSIONS
    if dimension not in DIMENSIONS:
        return False
    if kpi.family == Family.AVAILABILITY and dimension not in AVAILABILITY_DIMENSIONS:
        return False
    return kpi.key in NARROW_DIMENSIONS.get(dimension, (kpi.key,))


def of_family(family: Family) -> list[Kpi]:
    return [kpi for kpi in KPIS if kpi.family == family]


def computed() -> Iterator[Kpi]:
    return (kpi for kpi in KPIS if kpi.computed)


def kinds_of(kpis: list[Kpi]) -> set[str]:
    return {kind for kpi in kpis for kind in kpi.kinds}

