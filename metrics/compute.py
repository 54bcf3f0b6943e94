"""The KPI engine: every KPI of `metrics.definitions` as SQL aggregates over the facts
tickets store (and outages and time worked), written to `KpiValue`.

Days are the base. A day's figures are counted from the tickets; a week's or a
month's are its days' stored figures added up (numerators and denominators are sums),
and its levels (backlog, backlog age) are those of its last day (for the current
period: today's, at now). Only tickets per person-day, a count of distinct tickets, is
counted per period from the time entries. So:

* `recompute()` (the nightly beat task, `manage.py recompute_kpis`, after an import or
  the demo history): per dimension, one streamed grouped query per family over the
  whole span, by day, written a window at a time (memory stays flat whatever the
  number of tickets); then weeks and months from the stored days, one query each.
* `mark()` (on every ticket write, in its transaction; `outage_marks` and
  `effort_marks` likewise) notes which days and slices the write touched, and which
  part of the figures (events, levels, availability, effort); `refresh()` (a task sent
  on commit, and every minute) recomputes just those days for just those keys, in one
  query per family for all dimensions at once, adds their weeks and months up again,
  and deletes the marks. Marks are rows, so a broker outage loses nothing and many
  writes on one day cost one recompute.

Periods are calendar periods in the organisation's time zone (settings.TIME_ZONE). A
ticket is counted in the period of the moment its family names (DESIGN.md §4); its
service, team, customer, priority, channel and kind are those it has now. A period
with nothing to count has no value, not zero.
"""

from __future__ import annotations

import bisect
import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import cached_property, reduce
from operator import or_
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Count, F, Func, Q, Sum, Value
from django.db.models.functions import Coalesce, Trunc
from django.utils import timezone

from catalog.models import ServiceLevelAgreement, working_calendar_of
from itsm import registry
from itsm.base.business_time import working_intervals
from itsm.facts import MOMENTS, VALUES
from itsm.models import Outage, Ticket, TimeEntry
from knowledge.models import ArticleUse, ArticleView, ArticleVote

from . import availability, caching, periods
from .definitions import (
    AVAILABILITY_DIMENSIONS,
    BY_KEY,
    DIMENSION_LABELS,
    DIMENSIONS,
    FAMILY_MOMENT,
    HOUR,
    KNOWLEDGE_DIMENSIONS,
    Aggregation,
    Family,
    Granularity,
    Kpi,
    Unit,
    computed,
    kinds_of,
    measured_in,
    of_family,
)
from .models import KpiMark, KpiValue

Part = KpiMark.Part
DAY = Granularity.DAY
ROLLED_UP = (Granularity.WEEK, Granularity.MONTH)  # counted from the stored days
WINDOW = 31  # days a recompute reads and writes at a time
EVENT_FAMILIES = (Family.CREATED, Family.RESPONDED, Family.RESOLVED, Family.SURVEYED,
                  Family.ANSWERED, Family.APPROVED, Family.DIAGNOSED, Family.CLOSED)
# The part of the figures that holds each event family alone (its marks name the days
# of that family's moment only).
FAMILY_PART = {Family.CREATED: Part.CREATED, Family.RESPONDED: Part.RESPONDED,
               Family.RESOLVED: Part.RESOLVED, Family.SURVEYED: Part.SURVEYED,
               Family.ANSWERED: Part.ANSWERED, Family.APPROVED: Part.APPROVED,
               Family.DIAGNOSED: Part.DIAGNOSED, Family.CLOSED: Part.CLOSED}
EVENT_PARTS = (Part.EVENTS, *FAMILY_PART.values())
# The families of each part of the figures a mark names.
PART_FAMILIES = {Part.EVENTS: EVENT_FAMILIES,
                 **{part: (family,) for family, part in FAMILY_PART.items()},
                 Part.LEVELS: (Family.LEVEL,),
                 Part.AVAILABILITY: (Family.AVAILABILITY,), Part.EFFORT: (Family.EFFORT,),
                 Part.KNOWLEDGE: (Family.KNOWLEDGE,)}
# Slices of one query's conditional aggregates (the rest: another query).
SLICES_PER_QUERY = 8


def organisation_tz() -> tzinfo:
    return ZoneInfo(settings.TIME_ZONE)


def kpis_of(part: str, chosen: Iterable[Kpi] | None = None) -> list[Kpi]:
    """The computed KPIs (of `chosen`, if given) a part of the figures holds."""
    families = PART_FAMILIES[part]
    return [kpi for kpi in (computed() if chosen is None else chosen)
            if kpi.family in families]


class Epoch(Func):
    """Seconds since 1970 of a timestamp, as a float, on PostgreSQL and SQLite."""

    output_field = models.FloatField()

    def as_sql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, template="EXTRACT(EPOCH FROM %(expressions)s)",
                              **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection,
                              template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
                              **extra)


@dataclass(frozen=True)
class Figure:
    """A KPI's numerator and denominator for one period and key, before it is stored."""

    kpi: Kpi
    period_start: date
    key: str
    numerator: float
    denominator: float | None


def _key(value: Any) -> str:
    return "" if value is None else str(value)


def _day_runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Days as runs of consecutive ones, [first, day after last) (pure)."""
    runs: list[list[date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] == day:
            runs[-1][1] = day + timedelta(days=1)
        else:
            runs.append([day, day + timedelta(days=1)])
    return [(lo, hi) for lo, hi in runs]


def _within(field: str, runs: Iterable[tuple[Any, Any]]) -> Q:
    """`field` in any of the half-open runs [lo, hi)."""
    return reduce(or_, [Q(**{f"{field}__gte": lo, f"{field}__lt": hi}) for lo, hi in runs])


def _keyed(column: str | None, keys: Iterable[str] | None) -> Q:
    """The rows with `keys` in `column` (with any key, if None; every row, for no
    column: "overall")."""
    if column is None:
        return Q()
    if keys is None:
        return Q(**{f"{column}__isnull": False})
    return Q(**{f"{column}__in": list(keys)})


def _slice_filter(dimension: str, keys: Iterable[str] | None) -> Q:
    """The tickets of one dimension's keys (every ticket, for "overall")."""
    return _keyed(DIMENSIONS[dimension], keys)


def _chunks(slices: list[tuple[str, str]]) -> Iterator[list[tuple[str, str]]]:
    for at in range(0, len(slices), SLICES_PER_QUERY):
        yield slices[at:at + SLICES_PER_QUERY]


def _only(chunk: list[tuple[str, str]]) -> Q:
    """The tickets any slice of `chunk` counts (all of them, if one is "overall")."""
    if any(DIMENSIONS[dimension] is None for dimension, _key in chunk):
        return Q()
    return reduce(or_, (Q(**{DIMENSIONS[dimension]: key}) for dimension, key in chunk))


def _of_slice(dimension: str, key: str) -> Q:
    column = DIMENSIONS[dimension]
    return Q() if column is None else Q(**{column: key})


# --- events: tickets counted in the period of one of their moments ---------------------


class Aggregates:
    """Each KPI's numerator and denominator as conditional aggregates of one query:
    one per distinct (function, column, condition), so KPIs that count the same
    tickets the same way (the resolved requests behind volume, reopen rate and
    reassignment share, say) share one."""

    def __init__(self) -> None:
        self.expressions: dict[str, Any] = {}  # what the query annotates
        self._aliases: dict[str, str] = {}  # "<prefix><kpi>__num" → its expression
        self._by_signature: dict[tuple, str] = {}

    def add(self, kpis: list[Kpi], within: Q | None = None, prefix: str = "") -> Aggregates:
        """The numerator and denominator of each KPI over the tickets of its kinds (of
        those `within` picks)."""
        every_kind = kinds_of(kpis)
        for kpi in kpis:
            counted = ((within or Q()) & (Q() if set(kpi.kinds) == every_kind else
                                          Q(kind__in=kpi.kinds)) & kpi.counts)
            name = f"{prefix}{kpi.key}"
            if kpi.aggregation == Aggregation.MEAN:
                self._add(f"{name}__num", Sum, kpi.measure, counted)
                self._add(f"{name}__den", Count, kpi.measure, counted)
            elif kpi.aggregation == Aggregation.SHARE:
                self._add(f"{name}__num", Count, "pk", counted & kpi.where)
                self._add(f"{name}__den", Count, "pk", counted)
            else:
                self._add(f"{name}__num", Count, "pk", counted)
        return self

    def _add(self, name: str, function: type, column: str, condition: Q) -> None:
        signature = (function.__name__, column, condition)
        alias = self._by_signature.get(signature)
        if alias is None:
            alias = self._by_signature[signature] = f"agg{len(self._by_signature)}"
            self.expressions[alias] = function(column, filter=condition)
        self._aliases[name] = alias

    def figure(self, kpi: Kpi, period_start: date, key: str, row: dict[str, Any],
               prefix: str = "") -> Figure | None:
        """The KPI's figure from a row of the query (None: nothing counted)."""
        name = f"{prefix}{kpi.key}"
        numerator = row[self._aliases[f"{name}__num"]] or 0
        denominator = (row[self._aliases[f"{name}__den"]] if f"{name}__den" in self._aliases
                       else None)
        if (denominator if kpi.aggregation != Aggregation.COUNT else numerator) == 0:
            return None  # nothing counted: no value
        if kpi.unit == Unit.HOURS:  # durations are stored in seconds
            numerator /= HOUR
        return Figure(kpi, period_start, key, float(numerator),
                      None if denominator is None else float(denominator))


def _happened(family: Family, runs: Iterable[tuple[date, date]], kinds: Iterable[str]
              ) -> models.QuerySet:
    """Tickets of `kinds` whose family's moment falls on the days of `runs`."""
    tz = organisation_tz()
    return Ticket.objects.filter(
        _within(FAMILY_MOMENT[family], ((periods.midnight(lo, tz), periods.midnight(hi, tz))
                                        for lo, hi in runs)),
        kind__in=set(kinds))


def _by_day(family: Family) -> Trunc:
    return Trunc(FAMILY_MOMENT[family], DAY, output_field=models.DateField(),
                 tzinfo=organisation_tz())


def event_figures(family: Family, dimension: str, lo: date, hi: date,
                  keys: Iterable[str] | None = None, *, kpis: list[Kpi] | None = None
                  ) -> Iterator[Figure]:
    """The family's figures for every day in [lo, hi) and every key of the dimension
    (or `keys`), in day order: one streamed grouped query."""
    kpis = kpis or of_family(family)
    column = DIMENSIONS[dimension]
    aggregates = Aggregates().add(kpis)
    rows = (_happened(family, [(lo, hi)], kinds_of(kpis)).filter(_slice_filter(dimension, keys))
            .annotate(period=_by_day(family)).values("period", *([column] if column else []))
            .annotate(**aggregates.expressions).order_by("period"))
    for row in rows.iterator():
        key = _key(row[column]) if column else ""
        for kpi in kpis:
            figure = aggregates.figure(kpi, row["period"], key, row)
            if figure is not None:
                yield figure


def slice_event_figures(family: Family, days: Iterable[date], slices: list[tuple[str, str]],
                        kpis: list[Kpi]) -> Iterator[tuple[str, Figure]]:
    """(dimension, figure) of the family's KPIs on `days` for each (dimension, key)
    slice: one query for up to SLICES_PER_QUERY slices, each slice a set of
    conditional aggregates, so a ticket's every dimension costs one read of its days."""
    runs = _day_runs(days)
    tickets = _happened(family, runs, kinds_of(kpis)).annotate(period=_by_day(family))
    for chunk in _chunks(slices):
        aggregates = Aggregates()
        for at, (dimension, key) in enumerate(chunk):
            aggregates.add(kpis, _of_slice(dimension, key), prefix=f"s{at}_")
        for row in (tickets.filter(_only(chunk)).values("period")
                    .annotate(**aggregates.expressions).order_by("period")):
            for at, (dimension, key) in enumerate(chunk):
                for kpi in kpis:
                    figure = aggregates.figure(kpi, row["period"], key, row, prefix=f"s{at}_")
                    if figure is not None:
                        yield dimension, figure


# --- levels: what is open at the end of a day --------------------------------------------

LEVEL_KPIS = ("backlog", "backlog_age")
LEVEL_KINDS = tuple(BY_KEY["backlog"].kinds)
ENDED = Coalesce("resolved_at", "closed_at")  # resolved first, else closed (cancelled)


def _level_figures(period_start: date, key: str, open_count: int, age_seconds: float
                   ) -> list[Figure]:
    """Backlog and backlog age from the count of open tickets and the sum of their
    ages (seconds) at the end."""
    if open_count <= 0:
        return []
    # Whole seconds, as every fact is: SQLite's julianday leaves a trace of float error.
    age_hours = round(age_seconds) / HOUR
    return [Figure(BY_KEY["backlog"], period_start, key, float(open_count), None),
            Figure(BY_KEY["backlog_age"], period_start, key, age_hours, float(open_count))]


def _day_end(day: date, tz: tzinfo, now: datetime) -> datetime:
    """Where a day's levels are taken: its end, or now for today."""
    return min(periods.midnight(day + timedelta(days=1), tz), now)


def _open_at(end: datetime) -> tuple[models.QuerySet, models.QuerySet]:
    """Tickets open at `end` (created before it, neither resolved nor closed by then),
    as two disjoint sets: those open now (read from the open-ticket index alone) and
    those that ended after `end` (recent resolutions and closes)."""
    tickets = Ticket.objects.filter(kind__in=LEVEL_KINDS, created_at__lt=end)
    return (tickets.filter(resolved_at__isnull=True, closed_at__isnull=True),
            tickets.filter(Q(resolved_at__gte=end)
                           | Q(resolved_at__isnull=True, closed_at__gte=end)))


def _ages_at(end: datetime, within: Q | None = None, prefix: str = "") -> dict[str, Any]:
    """How many tickets, and the sum of their ages at `end`: an interval sum, exact
    to the microsecond and cheaper than one of epoch numbers. (It holds days as a
    32-bit count: a billion ticket-days open at once, and it would overflow.)"""
    age = Value(end, output_field=models.DateTimeField()) - F("created_at")
    return {f"{prefix}n": Count("pk", filter=within),
            f"{prefix}age": Sum(age, filter=within, output_field=models.DurationField())}


def _seconds(age: timedelta | None) -> float:
    return 0.0 if age is None else age.total_seconds()


def level_figures_at(granularity: str, dimension: str, start: date,
                     keys: Iterable[str] | None = None, *, now: datetime | None = None
                     ) -> list[Figure]:
    """Backlog and backlog age at the end of one period (for the current one: now),
    counted directly from the tickets open then, per key."""
    tz, now = organisation_tz(), now or timezone.now()
    end = min(periods.bounds(start, granularity, tz)[1], now)
    column = DIMENSIONS[dimension]
    counts: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for tickets in _open_at(end):
        tickets = tickets.filter(_slice_filter(dimension, keys))
        rows = ([tickets.aggregate(**_ages_at(end))] if column is None else
                tickets.values(column).annotate(**_ages_at(end)).order_by())
        for row in rows:
            total = counts[_key(row[column]) if column else ""]
            total[0] += row["n"]
            total[1] += _seconds(row["age"])
    return [figure for key, (n, age) in counts.items()
            for figure in _level_figures(start, key, int(n), age)]


def slice_level_figures(day: date, slices: list[tuple[str, str]], *, now: datetime
                        ) -> Iterator[tuple[str, Figure]]:
    """(dimension, figure) of the levels at the end of `day` for each (dimension, key)
    slice, counted directly: two queries (open now; ended since) for up to
    SLICES_PER_QUERY slices."""
    end = _day_end(day, organisation_tz(), now)
    for chunk in _chunks(slices):
        sums: dict[str, Any] = {}
        for at, (dimension, key) in enumerate(chunk):
            sums |= _ages_at(end, _of_slice(dimension, key), prefix=f"s{at}_")
        rows = [tickets.filter(_only(chunk)).aggregate(**sums) for tickets in _open_at(end)]
        for at, (dimension, key) in enumerate(chunk):
            n = sum(row[f"s{at}_n"] for row in rows)
            age = sum(_seconds(row[f"s{at}_age"]) for row in rows)
            for figure in _level_figures(day, key, n, age):
                yield dimension, figure


def _created_sums() -> dict[str, Any]:
    return {"n": Count("pk"), "created": Sum(Epoch("created_at"))}


def level_figures(dimension: str, first: date, last: date, keys: Iterable[str] | None = None,
                  *, now: datetime) -> Iterator[Figure]:
    """Backlog and backlog age at the end of every day from `first` to `last`, in day
    order, by running sums: what was created, less what ended, before each day's end.
    One grouped query for what came before `first` and two streamed ones (creations
    and ends by day), however many days; the direct count of `slice_level_figures`
    would read history once per day."""
    tz = organisation_tz()
    column = DIMENSIONS[dimension]
    tickets = (Ticket.objects.filter(kind__in=LEVEL_KINDS).annotate(ended=ENDED)
               .filter(_slice_filter(dimension, keys)))
    names = [column] if column else []

    def grouped(by: str | None, **where: Any) -> Iterator[tuple[date | None, str, int, float]]:
        chosen = tickets.filter(**where)
        if not names and by is None:
            rows: Iterable[dict[str, Any]] = [chosen.aggregate(**_created_sums())]
        else:
            if by is not None:
                chosen = chosen.annotate(period=Trunc(by, DAY, tzinfo=tz,
                                                      output_field=models.DateField()))
            group = (["period"] if by else []) + names
            rows = (chosen.values(*group).annotate(**_created_sums())
                    .order_by(*(["period"] if by else [])).iterator())
        for row in rows:
            yield (row["period"] if by else None, _key(row[column]) if column else "",
                   row["n"], row["created"] or 0.0)

    lo_at = periods.midnight(first, tz)
    hi_at = periods.midnight(last + timedelta(days=1), tz)
    # Per key: [open count, sum of the open tickets' creation times].
    open_now: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    for _start, key, n, created in grouped(None, created_at__lt=lo_at):
        open_now[key][0] += n
        open_now[key][1] += created
    for _start, key, n, created in grouped(None, ended__lt=lo_at):
        open_now[key][0] -= n
        open_now[key][1] -= created
    changes = heapq.merge(
        grouped("created_at", created_at__gte=lo_at, created_at__lt=hi_at),
        ((start, key, -n, -created) for start, key, n, created in
         grouped("ended", ended__gte=lo_at, ended__lt=hi_at)),
        key=lambda change: change[0])
    pending = next(changes, None)
    day = first
    while day <= last:
        while pending is not None and pending[0] <= day:
            _start, key, n, created = pending
            open_now[key][0] += n
            open_now[key][1] += created
            pending = next(changes, None)
        end = _day_end(day, tz, now)
        for key, (open_count, created_sum) in list(open_now.items()):
            if open_count <= 0:
                del open_now[key]
                continue
            yield from _level_figures(day, key, int(open_count),
                                      open_count * end.timestamp() - created_sum)
        day += timedelta(days=1)


# --- availability: service hours less unplanned outages --------------------------------


def _service_calendars(keys: Iterable[str] | None) -> dict[int, Any]:
    """The working calendar of each active service's general SLA (the one for every
    customer): its service hours are what the business agreed to."""
    slas = ServiceLevelAgreement.objects.filter(is_active=True, customer__isnull=True,
                                                service__isnull=False, service__is_active=True)
    if keys is not None:
        slas = slas.filter(service_id__in=[int(key) for key in keys if key.isdigit()])
    return {service_id: working_calendar_of(sla_id)
            for service_id, sla_id in slas.values_list("service_id", "pk")}


def availability_figures(granularity: str, dimension: str, lo: date, hi: date,
                         keys: Iterable[str] | None = None, *, now: datetime
                         ) -> Iterator[Figure]:
    """Availability per service (or over all services) for the periods starting in
    [lo, hi), in period order: agreed minutes of each SLA calendar's service hours (to
    now, in the current period), less the unplanned outages clipped to them and merged
    (`metrics.availability`), less what of them fell inside approved changes' windows.
    One query each for the calendars, the outages and the planned work."""
    if dimension not in AVAILABILITY_DIMENSIONS:
        return
    tz, kpi = organisation_tz(), BY_KEY["availability"]
    calendars = _service_calendars(keys if dimension == "service" else None)
    if not calendars:
        return
    lo_at, hi_at = periods.midnight(lo, tz), min(periods.midnight(hi, tz), now)
    down: dict[int, list[availability.Interval]] = defaultdict(list)
    for service_id, started, ended in (
            Outage.objects.filter(planned=False, service_id__in=list(calendars))
            .overlapping(lo_at, hi_at).values_list("service_id", "started_at", "ended_at")):
        down[service_id].append((started, ended or now))
    planned: dict[int, list[availability.Interval]] = defaultdict(list)
    for work in registry.planned_work(down, lo_at, hi_at):
        planned[work.service_id].append((work.start, work.end))
    for service_id, holes in planned.items():
        down[service_id] = availability.without(down[service_id], holes)
    start = lo
    while start < hi:
        period_lo, period_hi = periods.bounds(start, granularity, tz)
        period_hi = min(period_hi, now)
        if period_lo >= period_hi:
            break
        agreed_total = up_total = 0.0
        for service_id, calendar in sorted(calendars.items()):
            agreed = working_intervals(calendar, period_lo, period_hi)
            agreed_minutes, down_minutes = availability.agreed_and_down(
                agreed, down.get(service_id, ()))
            if not agreed_minutes:
                continue
            agreed_total += agreed_minutes
            up_total += agreed_minutes - down_minutes
            if dimension == "service":
                yield Figure(kpi, start, str(service_id), agreed_minutes - down_minutes,
                             agreed_minutes)
        if dimension == "overall" and agreed_total:
            yield Figure(kpi, start, "", up_total, agreed_total)
        start = periods.next_start(start, granularity)


# --- effort: time logged, in the period of the day worked --------------------------------

# The column of a time entry that keys each dimension: its ticket's, but the team the
# work was for.
EFFORT_DIMENSIONS = {dimension: None if column is None else
                     "team_id" if dimension == "team" else f"ticket__{column}"
                     for dimension, column in DIMENSIONS.items()}
PERSON_DAY_MINUTES = 8 * 60


def effort_figures(granularity: str, dimension: str, lo: date, hi: date,
                   keys: Iterable[str] | None = None) -> Iterator[Figure]:
    """Hours, cost and tickets per person-day for the periods starting in [lo, hi), in
    period order: one grouped query over the time entries."""
    column = EFFORT_DIMENSIONS[dimension]
    entries = TimeEntry.objects.filter(_keyed(column, keys), worked_on__gte=lo,
                                       worked_on__lt=hi)
    rows = (entries.annotate(period=Trunc("worked_on", granularity,
                                          output_field=models.DateField()))
            .values("period", *([column] if column else []))
            .annotate(minutes=Sum("minutes"), cost=Sum("cost"),
                      tickets=Count("ticket", distinct=True))
            .order_by("period"))
    hours, cost, rate = (BY_KEY[key] for key in ("effort_hours", "effort_cost",
                                                 "tickets_per_person_day"))
    for row in rows.iterator():
        key = _key(row[column]) if column else ""
        yield Figure(hours, row["period"], key, row["minutes"] / 60, None)
        if row["cost"] is not None:
            yield Figure(cost, row["period"], key, float(row["cost"]), None)
        yield Figure(rate, row["period"], key, float(row["tickets"]),
                     row["minutes"] / PERSON_DAY_MINUTES)


def effort_marks(entries: Iterable[TimeEntry]) -> set[Mark]:
    """The days and slices new time entries count in (pure, given their tickets)."""
    found = set()
    for entry in entries:
        ticket = entry.ticket
        for dimension, column in DIMENSIONS.items():
            key = "" if column is None else _key(
                entry.team_id if dimension == "team" else getattr(ticket, column, None))
            if dimension == "overall" or key:
                found.add((Part.EFFORT, entry.worked_on, dimension, key))
    return found


# --- the knowledge base's use: readings, votes, tickets solved, deflections ----------------


def knowledge_figures(dimension: str, lo: date, hi: date, keys: Iterable[str] | None = None
                      ) -> Iterator[Figure]:
    """The knowledge KPIs for every day in [lo, hi) and every key of the dimension (or
    `keys`), in day order: one grouped query per kind of use."""
    column = KNOWLEDGE_DIMENSIONS[dimension]
    tz = organisation_tz()
    start, end = periods.midnight(lo, tz), periods.midnight(hi, tz)
    views, helpful, solved, deflected = (BY_KEY[key] for key in (
        "kb_views", "kb_helpful", "kb_tickets_solved", "kb_deflections"))
    counted: dict[tuple[date, str], list[Figure]] = defaultdict(list)

    def grouped(rows: models.QuerySet, moment: str, **aggregates: Any) -> Iterator[dict]:
        return (rows.filter(_keyed(column, keys), **{f"{moment}__gte": start,
                                                     f"{moment}__lt": end})
                .annotate(period=Trunc(moment, DAY, output_field=models.DateField(),
                                       tzinfo=tz))
                .values("period", *([column] if column else []))
                .annotate(**aggregates).order_by().iterator())

    def add(row: dict, kpi: Kpi, numerator: int, denominator: int | None = None) -> None:
        if numerator or denominator:
            key = _key(row[column]) if column else ""
            counted[(row["period"], key)].append(
                Figure(kpi, row["period"], key, float(numerator),
                       None if denominator is None else float(denominator)))

    for row in grouped(ArticleView.objects.all(), "viewed_at", read=Count("pk"),
                       deflections=Count("pk", filter=Q(deflected=True))):
        add(row, views, row["read"])
        add(row, deflected, row["deflections"])
    for row in grouped(ArticleVote.objects.all(), "voted_at", votes=Count("pk"),
                       yes=Count("pk", filter=Q(helpful=True))):
        add(row, helpful, row["yes"], row["votes"])
    for row in grouped(ArticleUse.objects.all(), "used_at", uses=Count("pk")):
        add(row, solved, row["uses"])
    for period_key in sorted(counted):
        yield from counted[period_key]


def knowledge_marks(uses: Iterable[tuple[datetime, int | None, int]]) -> set[Mark]:
    """The days and slices uses of articles count in (pure): each (moment, service id,
    article id)."""
    tz = organisation_tz()
    found = set()
    for moment, service_id, article_id in uses:
        day = moment.astimezone(tz).date()
        found |= {(Part.KNOWLEDGE, day, "overall", ""),
                  (Part.KNOWLEDGE, day, "article", _key(article_id))}
        if service_id is not None:
            found.add((Part.KNOWLEDGE, day, "service", _key(service_id)))
    return found


# --- storing ----------------------------------------------------------------------------

VALUE_FIELDS = ("value", "numerator", "denominator", "computed_at")
UNIQUE_FIELDS = ("kpi", "granularity", "dimension", "key", "period_start")


@dataclass(frozen=True)
class Slice:
    """What a store replaces: the values of `kpis` of one granularity and dimension for
    the periods starting in [lo, hi) (only those in `starts`, if given; only `keys`, if
    given)."""

    kpis: tuple[Kpi, ...]
    granularity: str
    dimension: str
    lo: date
    hi: date
    starts: frozenset[date] | None = None
    keys: frozenset[str] | None = None

    def scope(self) -> Q:
        scope = Q(kpi__in=sorted(self.kpi_keys), granularity=self.granularity,
                  dimension=self.dimension)
        if self.starts is not None:
            scope &= Q(period_start__in=sorted(self.starts))
        else:
            scope &= Q(period_start__gte=self.lo, period_start__lt=self.hi)
        if self.keys is not None:
            scope &= Q(key__in=sorted(self.keys))
        return scope

    @cached_property
    def kpi_keys(self) -> frozenset[str]:
        return frozenset(kpi.key for kpi in self.kpis)

    def holds(self, figure: Figure) -> bool:
        return (figure.kpi.key in self.kpi_keys and self.lo <= figure.period_start < self.hi
                and (self.starts is None or figure.period_start in self.starts)
                and (self.keys is None or figure.key in self.keys))

    def rows(self, figures: Iterable[Figure], computed_at: datetime) -> Iterator[KpiValue]:
        for figure in figures:
            if not measured_in(figure.kpi, self.dimension):
                continue  # counted with its family, not kept in this dimension
            value = figure.kpi.value(figure.numerator, figure.denominator)
            if value is not None:
                yield KpiValue(kpi=figure.kpi.key, granularity=self.granularity,
                               dimension=self.dimension, key=figure.key,
                               period_start=figure.period_start, value=value,
                               numerator=figure.numerator, denominator=figure.denominator,
                               computed_at=computed_at)


def store(figures: Iterable[Figure], *, kpis: list[Kpi], granularity: str, dimension: str,
          lo: date, hi: date, keys: Iterable[str] | None = None) -> int:
    """Replace one slice's stored values with `figures` (see `store_slices`)."""
    return store_slices([(Slice(tuple(kpis), granularity, dimension, lo, hi,
                                keys=None if keys is None else frozenset(keys)), figures)])


def store_slices(pairs: list[tuple[Slice, Iterable[Figure]]]) -> int:
    """Replace the stored values of each slice with its figures: upserted, and what is
    no longer there deleted, all in one transaction, so a reader sees the old values or
    the new, never a gap. Idempotent: two runs at once write the same rows (the upsert
    lets both succeed). Returns the rows written."""
    if not pairs:
        return 0
    now = timezone.now()
    rows = {(row.kpi, row.granularity, row.dimension, row.key, row.period_start): row
            for part, figures in pairs for row in part.rows(figures, now)}
    with transaction.atomic():
        KpiValue.objects.bulk_create(rows.values(), batch_size=2000, update_conflicts=True,
                                     unique_fields=UNIQUE_FIELDS, update_fields=VALUE_FIELDS)
        _delete_stale([part for part, _figures in pairs], now)
        transaction.on_commit(caching.values_changed)
    return len(rows)


def _delete_stale(slices: list[Slice], written_at: datetime) -> None:
    """Delete the slices' values the upsert did not write: what is no longer there.
    Slices that differ only in their KPIs (the event families of one day and slice)
    are one condition of the DELETE."""
    merged: dict[tuple, set[Kpi]] = defaultdict(set)
    for part in slices:
        merged[(part.granularity, part.dimension, part.lo, part.hi, part.starts,
                part.keys)].update(part.kpis)
    scopes = [Slice(tuple(sorted(kpis, key=lambda kpi: kpi.key)), *where).scope()
              for where, kpis in merged.items()]
    KpiValue.objects.filter(reduce(or_, scopes), computed_at__lt=written_at).delete()


# --- weeks and months: their days added up ------------------------------------------------


def _days_of(granularity: str, starts: Iterable[date]) -> list[tuple[date, date]]:
    """The days of the periods starting at `starts`, as runs (pure)."""
    return _day_runs(day for start in starts for day in
                     _dates(start, periods.next_start(start, granularity)))


def _dates(lo: date, hi: date) -> Iterator[date]:
    day = lo
    while day < hi:
        yield day
        day += timedelta(days=1)


def _last_day(start: date, granularity: str, today: date) -> date:
    """The day whose levels are the period's: its last, or today for the current one."""
    return min(periods.next_start(start, granularity) - timedelta(days=1), today)


def rolled_up(granularity: str, dimensions: Iterable[str], starts: Iterable[date],
              keys: Iterable[str] | None, kpis: list[Kpi], *, today: date
              ) -> Iterator[tuple[str, Figure]]:
    """(dimension, figure) of the periods of `granularity` starting at `starts`, for
    the `dimensions` and `keys` (every key, if None), from the stored day values, in
    period order: sums of the additive KPIs' numerators and denominators (one grouped
    query) and the levels of each period's last day (one more). Every key of every
    dimension is read: what a caller did not ask for, it leaves."""
    additive = [kpi.key for kpi in kpis if kpi.family not in (Family.LEVEL, Family.EFFORT)]
    levels = [kpi.key for kpi in kpis if kpi.family == Family.LEVEL]
    starts = sorted(set(starts))
    values = KpiValue.objects.filter(granularity=DAY, dimension__in=sorted(set(dimensions)))
    if keys is not None:
        values = values.filter(key__in=sorted(set(keys)))
    if additive:
        rows = (values.filter(_within("period_start", _days_of(granularity, starts)),
                              kpi__in=additive)
                .annotate(period=Trunc("period_start", granularity,
                                       output_field=models.DateField()))
                .values("dimension", "kpi", "key", "period")
                .annotate(total=Sum("numerator"), over=Sum("denominator"))
                .order_by("period"))
        for row in rows.iterator():
            yield row["dimension"], Figure(BY_KEY[row["kpi"]], row["period"], row["key"],
                                           row["total"], row["over"])
    if levels:
        rows = (values.filter(kpi__in=levels, period_start__in=[
                    _last_day(start, granularity, today) for start in starts])
                .values_list("dimension", "kpi", "key", "period_start", "numerator",
                             "denominator")
                .order_by("period_start"))
        for dimension, kpi, key, day, numerator, denominator in rows.iterator():
            yield dimension, Figure(BY_KEY[kpi], periods.start_of(day, granularity), key,
                                    numerator, denominator)


# --- recomputing ------------------------------------------------------------------------

Progress = Callable[[int, int], None]


def recompute(*, since: date | None = None, kpis: Iterable[str] | None = None,
              dimensions: Iterable[str] = tuple(DIMENSION_LABELS),
              progress: Progress | None = None, now: datetime | None = None) -> int:
    """Recompute the KPIs (every one the tickets feed, or `kpis`) for every period from
    the one holding `since` (else the first ticket's) to now; return the rows written.

    Per dimension: the days (one streamed query per event family, three for the
    levels, one each for availability and effort, over the whole span, written a
    window of days at a time, so memory stays flat), then each week and month from
    the stored days (two queries each) and effort per period. `progress` is called
    with (steps done, steps in all), a step being a dimension."""
    now = now or timezone.now()
    tz = organisation_tz()
    chosen = [BY_KEY[key] for key in kpis] if kpis is not None else list(computed())
    if since is None:
        first = Ticket.objects.order_by("created_at").values_list("created_at", flat=True).first()
        if first is None:
            KpiValue.objects.filter(kpi__in=[kpi.key for kpi in chosen]).delete()
            return 0
        since = first.astimezone(tz).date()
    today = now.astimezone(tz).date()
    # From the first day of the earliest period that holds `since`, so each week and
    # month is added up from days counted now.
    lo = min(periods.start_of(since, granularity) for granularity in Granularity)
    windows = list(periods.windows(lo, today, DAY, WINDOW))
    hi = windows[-1][1]
    dimensions = list(dimensions)
    written = 0
    for step, dimension in enumerate(dimensions, start=1):
        def days(kpis: list[Kpi], figures: Iterable[Figure], dimension: str = dimension
                 ) -> int:
            return _store_windows(figures, windows, kpis=kpis, granularity=DAY,
                                  dimension=dimension) if kpis else 0

        kept = [kpi for kpi in chosen if measured_in(kpi, dimension)]
        for family in EVENT_FAMILIES:
            family_kpis = [kpi for kpi in kept if kpi.family == family]
            if family_kpis:
                written += days(family_kpis, event_figures(family, dimension, lo, hi,
                                                           kpis=family_kpis))
        if levels := kpis_of(Part.LEVELS, kept):
            written += days(levels, level_figures(dimension, lo, today, now=now))
        if uptime := kpis_of(Part.AVAILABILITY, kept):
            written += days(uptime, availability_figures(DAY, dimension, lo, hi, now=now))
        if knowledge := kpis_of(Part.KNOWLEDGE, kept):
            written += days(knowledge, knowledge_figures(dimension, lo, hi))
        effort = kpis_of(Part.EFFORT, kept)
        if effort:
            written += days(effort, effort_figures(DAY, dimension, lo, hi))
        # Sums and levels apart: each comes in period order.
        summed = [[kpi for kpi in kept if kpi.family not in (Family.EFFORT, Family.LEVEL)],
                  levels]
        for granularity in ROLLED_UP:
            span = list(periods.windows(lo, today, granularity, WINDOW))
            starts = list(periods.starts(lo, today, granularity))
            for part in filter(None, summed):
                written += _store_windows(
                    (figure for _dimension, figure in
                     rolled_up(granularity, [dimension], starts, None, part, today=today)),
                    span, kpis=part, granularity=granularity, dimension=dimension)
            if effort:
                written += _store_windows(
                    effort_figures(granularity, dimension, span[0][0], span[-1][1]), span,
                    kpis=effort, granularity=granularity, dimension=dimension)
        if progress is not None:
            progress(step, len(dimensions))
    _analyze_values()
    return written


def _analyze_values() -> None:
    """Let PostgreSQL's planner know the values just rewritten (as autovacuum would,
    later): the refresh reads them by the slice index at once."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {KpiValue._meta.db_table}")


def _store_windows(figures: Iterable[Figure], windows: list[tuple[date, date]], *,
                   kpis: list[Kpi], granularity: str, dimension: str) -> int:
    """Store figures that come in period order, a window at a time, and empty the
    windows that held values but have no figures now."""
    starts = [lo for lo, _hi in windows]
    held = {bisect.bisect_right(starts, start) - 1 for start in
            KpiValue.objects.filter(kpi__in=[kpi.key for kpi in kpis],
                                    granularity=granularity, dimension=dimension,
                                    period_start__gte=windows[0][0],
                                    period_start__lt=windows[-1][1])
            .values_list("period_start", flat=True).distinct().order_by()}
    written, done = 0, set()

    def flush(index: int, bucket: list[Figure]) -> int:
        done.add(index)
        lo, hi = windows[index]
        return store(bucket, kpis=kpis, granularity=granularity, dimension=dimension,
                     lo=lo, hi=hi)

    current, bucket = None, []
    for figure in figures:
        index = bisect.bisect_right(starts, figure.period_start) - 1
        if index != current:
            if current is not None:
                written += flush(current, bucket)
            current, bucket = index, []
        bucket.append(figure)
    if current is not None:
        written += flush(current, bucket)
    for index in sorted(held - done):
        written += flush(index, [])
    return written


# --- the tickets behind a value ----------------------------------------------------------


def tickets_behind(kpi: Kpi, granularity: str, period_start: date, dimension: str,
                   key: str = "", *, now: datetime | None = None) -> models.QuerySet:
    """The tickets a stored value counts (for a share: all it was taken over; for a
    level: those open at the period's end; for effort: those worked on), by the same
    filters as the figure."""
    start = periods.start_of(period_start, granularity)
    return tickets_between(kpi, start, periods.next_start(start, granularity), dimension,
                           key, now=now)


def tickets_between(kpi: Kpi, start: date, hi: date, dimension: str, key: str = "", *,
                    now: datetime | None = None) -> models.QuerySet:
    """The tickets the KPI counts over the days [start, hi) (a span of periods): for a
    level, those open at its end (or now)."""
    tz = organisation_tz()
    if kpi.family == Family.KNOWLEDGE:
        # Only "tickets solved" counts tickets: those the articles solved.
        if kpi.key != "kb_tickets_solved":
            return Ticket.objects.none()
        uses = ArticleUse.objects.filter(used_at__gte=periods.midnight(start, tz),
                                         used_at__lt=periods.midnight(hi, tz))
        column = KNOWLEDGE_DIMENSIONS[dimension]
        if column is not None:
            uses = uses.filter(**{column: key})
        return Ticket.objects.filter(pk__in=uses.values("ticket"))
    column = DIMENSIONS[dimension]
    if kpi.family == Family.LEVEL:
        end = min(periods.midnight(hi, tz), now or timezone.now())
        still_open, ended_since = _open_at(end)
        tickets = still_open | ended_since
    elif kpi.family == Family.AVAILABILITY:
        down = Outage.objects.filter(planned=False).overlapping(
            periods.midnight(start, tz), periods.midnight(hi, tz))
        if dimension == "service":
            down = down.filter(service_id=key)
        return Ticket.objects.filter(pk__in=down.filter(ticket__isnull=False).values("ticket"))
    elif kpi.family == Family.EFFORT:
        entries = TimeEntry.objects.filter(worked_on__gte=start, worked_on__lt=hi)
        if column is not None:
            entries = entries.filter(**{EFFORT_DIMENSIONS[dimension]: key})
        return Ticket.objects.filter(pk__in=entries.values("ticket"))
    elif kpi.family is not None:
        tickets = _happened(kpi.family, [(start, hi)], kpi.kinds).filter(kpi.counts)
        if kpi.measure is not None:
            tickets = tickets.filter(**{f"{kpi.measure}__isnull": False})
    else:
        return Ticket.objects.none()
    return tickets.filter(**{column: key}) if column else tickets


# --- marks: what a write changed, recomputed soon ----------------------------------------

Mark = tuple[str, date, str, str]  # (part, day, dimension, key)
# The moments that open and end a ticket: what a level counts.
LEVEL_MOMENTS = ("created_at", "resolved_at", "closed_at")


def _fields(condition: Q | None) -> set[str]:
    """The ticket fields a condition reads (pure)."""
    if condition is None:
        return set()
    found: set[str] = set()
    for child in condition.children:
        found |= _fields(child) if isinstance(child, Q) else {child[0].split("__")[0]}
    return found


# The moments each event family's figures read: its own, and those its KPIs'
# conditions name (the response rate of the surveys sent counts those answered).
FAMILY_READS = {family: {FAMILY_MOMENT[family]} | {
    name for kpi in of_family(family)
    for name in _fields(kpi.where) | _fields(kpi.counts) | {kpi.measure} if name in MOMENTS}
    for family in EVENT_FAMILIES}


def marks_for(before: dict[str, Any] | None, after: dict[str, Any], now: datetime
              ) -> set[Mark]:
    """The (part, day, dimension, key) whose figures a ticket write changed (pure).

    Events, per family: a family counts the ticket on the day of its moment, so a
    changed moment moves it between the old day and the new one, and a changed value
    (a fact, a flag, a counter) changes each family's day. Levels: a changed opening
    or ending moment changes every day's end from it to today. A changed key moves the
    ticket, every day of its life and the time logged on it, from one slice to
    another."""
    before = before or dict.fromkeys(after)
    tz = organisation_tz()
    today = now.astimezone(tz).date()

    def day(moment: datetime) -> date:
        return moment.astimezone(tz).date()

    def changed(names: Iterable[str]) -> list[datetime]:
        return [value for name in names if before[name] != after[name]
                for value in (before[name], after[name]) if value is not None]

    every = [value for name in MOMENTS for value in (before[name], after[name])
             if value is not None]
    values_changed = any(before[name] != after[name] for name in VALUES)
    # The families whose figures the write changed where the ticket stays in its
    # slices: all, if a value changed; else those reading a changed moment.
    touched = [family for family in EVENT_FAMILIES
               if values_changed or any(before[m] != after[m] for m in FAMILY_READS[family])]
    found: set[Mark] = set()
    for dimension, field in DIMENSIONS.items():  # ticket columns, as the snapshot names them
        if field is not None and before.get(field) != after.get(field):
            keys = {_key(value) for value in (before.get(field), after.get(field))
                    if value is not None}
            families, levels_from = EVENT_FAMILIES, min(every, default=None)
            effort_from = None if dimension == "team" else levels_from  # an entry's team
        else:
            if field is not None and after.get(field) is None:
                continue  # not in any slice of this dimension
            keys = {_key(after[field]) if field else ""}
            families = touched
            levels_from, effort_from = min(changed(LEVEL_MOMENTS), default=None), None
        # A family counts the ticket on the day of its moment alone: the old and new.
        events = [(FAMILY_PART[family], moment) for family in families
                  for name in [FAMILY_MOMENT[family]]
                  for moment in (before[name], after[name]) if moment is not None]
        for key in keys:
            found |= {(part, day(moment), dimension, key) for part, moment in events}
            if levels_from is not None:
                found |= {(Part.LEVELS, each, dimension, key)
                          for each in _dates(min(day(levels_from), today),
                                             today + timedelta(days=1))}
            if effort_from is not None:
                found |= {(Part.EFFORT, each, dimension, key)
                          for each in _dates(min(day(effort_from), today),
                                             today + timedelta(days=1))}
    return found


def _kept(part: str, dimension: str) -> bool:
    """Whether the dimension keeps any KPI of the part (a CI keeps only its volume)."""
    return any(measured_in(kpi, dimension) for kpi in kpis_of(part))


def outage_marks(services: Iterable[int], moments: list[datetime]) -> set[Mark]:
    """The days an outage change touched (from its earliest moment to its latest), for
    its services and overall (pure)."""
    tz = organisation_tz()
    first = min(moments).astimezone(tz).date()
    last = max(moments).astimezone(tz).date()
    slices = [("overall", ""), *(("service", str(pk)) for pk in services)]
    return {(Part.AVAILABILITY, day, dimension, key) for day in
            _dates(first, last + timedelta(days=1)) for dimension, key in slices}


def mark(before: dict[str, Any] | None, after: dict[str, Any], now: datetime | None = None
         ) -> int:
    """Note what a ticket write changed, in the writer's transaction; return the marks."""
    return save_marks(marks_for(before, after, now or timezone.now()))


def save_marks(marks: set[Mark]) -> int:
    """Write (part, day, dimension, key) marks, but of parts the dimension keeps;
    ones already there stay."""
    marks = {mark for mark in marks if _kept(mark[0], mark[2])}
    KpiMark.objects.bulk_create(
        [KpiMark(part=part, day=day, dimension=dimension, key=key)
         for part, day, dimension, key in marks], ignore_conflicts=True)
    return len(marks)


REFRESH_BATCH = 500
# A dimension's marked levels over more days than this are walked by running sums,
# not counted day by day.
DIRECT_LEVEL_DAYS = 3


def refresh(*, now: datetime | None = None, limit: int = REFRESH_BATCH) -> int:
    """Recompute the marked days and slices, and the weeks and months that hold them,
    a batch of marks at a time, and delete the marks; return how many were done. Safe
    on several workers at once: each claims its marks (SKIP LOCKED), so a mark is
    recomputed by one, and a mark written while it runs is left for the next run."""
    done = 0
    now = now or timezone.now()
    while True:
        with transaction.atomic():
            claimed = list(KpiMark.objects.select_for_update(skip_locked=True)
                           .order_by("pk")[:limit])
            if not claimed:
                return done
            marked: Marked = defaultdict(lambda: defaultdict(lambda: (set(), set())))
            for item in claimed:
                days, keys = marked[item.part][item.dimension]
                days.add(item.day)
                keys.add(item.key)
            _refresh(marked, now=now)
            KpiMark.objects.filter(pk__in=[item.pk for item in claimed]).delete()
        done += len(claimed)


Marked = dict[str, dict[str, tuple[set[date], set[str]]]]  # part → dimension → (days, keys)


def _refresh(marked: Marked, *, now: datetime) -> None:
    """Each part's marked days for its marked slices, then the weeks and months that
    hold them, from the stored days."""
    store_slices(_recounted_days(marked, now=now))
    store_slices(_rolled_up_periods(marked, today=now.astimezone(organisation_tz()).date()))


def _recounted_days(marked: Marked, *, now: datetime) -> list[tuple[Slice, Iterable[Figure]]]:
    """The marked days' figures of each part, counted from the tickets (every
    dimension's in one query per family), and effort per period. Widens `marked` to
    the days it counted."""
    days_pairs: list[tuple[Slice, Iterable[Figure]]] = []
    found: dict[tuple[str, str], list[Figure]] = defaultdict(list)  # (part, dimension)

    def day_slice(part: str, dimension: str, days: set[date], keys: set[str]) -> Slice:
        return Slice(tuple(kpis_of(part)), DAY, dimension, min(days),
                     max(days) + timedelta(days=1), frozenset(days), frozenset(keys))

    for part in EVENT_PARTS:
        if not (events := marked.get(part)):
            continue
        every_day = set().union(*(days for days, _keys in events.values()))
        slices = [(dimension, key) for dimension, (_days, keys) in events.items()
                  for key in sorted(keys)]
        for family in PART_FAMILIES[part]:
            for dimension, figure in slice_event_figures(family, every_day, slices,
                                                         of_family(family)):
                found[(part, dimension)].append(figure)
        # Every dimension was counted on every marked day: store them all.
        marked[part] = {dimension: (every_day, keys)
                        for dimension, (_days, keys) in events.items()}
    if levels := marked.get(Part.LEVELS):
        direct: dict[date, list[tuple[str, str]]] = defaultdict(list)
        for dimension, (days, keys) in levels.items():
            if len(days) <= DIRECT_LEVEL_DAYS:
                for day in days:
                    direct[day] += [(dimension, key) for key in sorted(keys)]
            else:
                found[(Part.LEVELS, dimension)] += level_figures(
                    dimension, min(days), max(days), keys, now=now)
                levels[dimension] = (set(_dates(min(days), max(days) + timedelta(days=1))),
                                     keys)
        for day, slices in direct.items():
            for dimension, figure in slice_level_figures(day, slices, now=now):
                found[(Part.LEVELS, dimension)].append(figure)
    for dimension, (days, keys) in marked.get(Part.AVAILABILITY, {}).items():
        for lo, hi in _day_runs(days):
            found[(Part.AVAILABILITY, dimension)] += availability_figures(
                DAY, dimension, lo, hi, None if dimension == "overall" else keys, now=now)
    for dimension, (days, keys) in marked.get(Part.KNOWLEDGE, {}).items():
        for lo, hi in _day_runs(days):
            found[(Part.KNOWLEDGE, dimension)] += knowledge_figures(
                dimension, lo, hi, None if KNOWLEDGE_DIMENSIONS[dimension] is None else keys)
    for part, by_dimension in marked.items():
        for dimension, (days, keys) in by_dimension.items():
            if part == Part.EFFORT or not _kept(part, dimension):
                continue
            days_pairs.append((day_slice(part, dimension, days, keys),
                               found[(part, dimension)]))
    effort_pairs = []
    for dimension, (days, keys) in marked.get(Part.EFFORT, {}).items():
        chosen = None if DIMENSIONS[dimension] is None else keys
        for granularity in Granularity:
            starts = frozenset(periods.start_of(day, granularity) for day in days)
            lo, hi = min(starts), periods.next_start(max(starts), granularity)
            effort_pairs.append((
                Slice(tuple(kpis_of(Part.EFFORT)), granularity, dimension, lo, hi, starts,
                      frozenset(keys)),
                [figure for figure in effort_figures(granularity, dimension, lo, hi, chosen)
                 if figure.period_start in starts]))
    return days_pairs + effort_pairs


def _rolled_up_periods(marked: Marked, *, today: date) -> list[tuple[Slice, Iterable[Figure]]]:
    """The weeks and months holding the marked days, from the stored days."""
    summed = [part for part in (*EVENT_PARTS, Part.LEVELS, Part.AVAILABILITY, Part.KNOWLEDGE)
              if part in marked]
    rolled: list[tuple[Slice, Iterable[Figure]]] = []
    for granularity in ROLLED_UP:
        slices = [Slice(tuple(kpis_of(part)), granularity, dimension, min(starts),
                        periods.next_start(max(starts), granularity), frozenset(starts),
                        frozenset(keys))
                  for part in summed for dimension, (days, keys) in marked[part].items()
                  if _kept(part, dimension)
                  for starts in [{periods.start_of(day, granularity) for day in days}]]
        if not slices:
            continue
        figures: dict[str, list[Figure]] = defaultdict(list)
        for dimension, figure in rolled_up(
                granularity, {part.dimension for part in slices},
                set().union(*(part.starts for part in slices)),
                set().union(*(part.keys for part in slices)),
                [kpi for part in summed for kpi in kpis_of(part)], today=today):
            figures[dimension].append(figure)
        rolled += [(part, [figure for figure in figures[part.dimension] if part.holds(figure)])
                   for part in slices]
    return rolled
