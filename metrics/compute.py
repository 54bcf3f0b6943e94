"""The KPI engine: every KPI of `metrics.definitions` as SQL aggregates over the facts
tickets store (and outages and time worked), written to `KpiValue`.

Two ways in, one arithmetic:

* `recompute()` (the nightly beat task, `manage.py recompute_kpis`, after an import or
  the demo history): per granularity and dimension, one streamed grouped query per
  family over the whole span, written a window of periods at a time, so memory stays
  flat whatever the number of tickets.
* `mark()` (on every ticket write, in its transaction; `outage_marks` and
  `effort_marks` likewise) notes which periods and slices the write touched;
  `refresh()` (a task sent on commit, and every minute) recomputes just those, for the
  keys marked, and deletes the marks. Marks are rows, so a broker outage loses nothing
  and many writes in one period cost one recompute.

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
from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models, transaction
from django.db.models import Count, Func, Q, Sum
from django.db.models.functions import Coalesce, Trunc
from django.utils import timezone

from catalog.models import ServiceLevelAgreement, working_calendar_of
from itsm.base.business_time import working_intervals
from itsm.facts import MOMENTS, VALUES
from itsm.models import Outage, Ticket, TimeEntry

from . import availability, periods
from .definitions import (
    AVAILABILITY_DIMENSIONS,
    BY_KEY,
    DIMENSIONS,
    FAMILY_MOMENT,
    HOUR,
    Aggregation,
    Family,
    Granularity,
    Kpi,
    computed,
    kinds_of,
    of_family,
)
from .models import KpiMark, KpiValue

# Periods a recompute reads and writes at a time, per granularity.
WINDOW = {Granularity.DAY: 31, Granularity.WEEK: 13, Granularity.MONTH: 12}
EVENT_FAMILIES = (Family.CREATED, Family.RESPONDED, Family.RESOLVED)
LEVEL_KPIS = ("backlog", "backlog_age")


def organisation_tz() -> tzinfo:
    return ZoneInfo(settings.TIME_ZONE)


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


# --- events: tickets counted in the period of one of their moments ---------------------


def _aggregates(kpis: list[Kpi]) -> dict[str, models.Aggregate]:
    """Numerator and denominator of each KPI, as conditional aggregates of one query."""
    found: dict[str, models.Aggregate] = {}
    for kpi in kpis:
        counted = Q(kind__in=kpi.kinds) & (kpi.among or Q())
        if kpi.aggregation == Aggregation.MEAN:
            found[f"{kpi.key}__num"] = Sum(kpi.measure, filter=counted)
            found[f"{kpi.key}__den"] = Count(kpi.measure, filter=counted)
        elif kpi.aggregation == Aggregation.SHARE:
            found[f"{kpi.key}__num"] = Count("pk", filter=counted & kpi.condition)
            found[f"{kpi.key}__den"] = Count("pk", filter=counted)
        else:
            found[f"{kpi.key}__num"] = Count("pk", filter=counted)
    return found


def _figure(kpi: Kpi, period_start: date, key: str, row: dict[str, Any]) -> Figure | None:
    numerator = row[f"{kpi.key}__num"] or 0
    denominator = row.get(f"{kpi.key}__den")
    if (denominator if kpi.aggregation != Aggregation.COUNT else numerator) == 0:
        return None  # nothing counted: no value
    if kpi.aggregation == Aggregation.MEAN:
        numerator /= HOUR
    return Figure(kpi, period_start, key, float(numerator),
                  None if denominator is None else float(denominator))


def _sliced(tickets: models.QuerySet, dimension: str, keys: Iterable[str] | None
            ) -> tuple[models.QuerySet, str | None]:
    column = DIMENSIONS[dimension]
    if column is None:
        return tickets, None
    tickets = tickets.filter(**{f"{column}__isnull": False})
    if keys is not None:
        tickets = tickets.filter(**{f"{column}__in": list(keys)})
    return tickets, column


def _happened(family: Family, lo: date, hi: date, kinds: Iterable[str]) -> models.QuerySet:
    """Tickets of `kinds` whose family's moment falls in the periods from `lo` to `hi`."""
    tz, moment = organisation_tz(), FAMILY_MOMENT[family]
    return Ticket.objects.filter(kind__in=set(kinds), **{
        f"{moment}__gte": periods.midnight(lo, tz), f"{moment}__lt": periods.midnight(hi, tz)})


def event_figures(family: Family, granularity: str, dimension: str, lo: date, hi: date,
                  keys: Iterable[str] | None = None, *, kpis: list[Kpi] | None = None
                  ) -> Iterator[Figure]:
    """The figures of the family's KPIs for the periods starting in [lo, hi): one
    grouped query."""
    kpis = kpis or of_family(family)
    tz = organisation_tz()
    moment = FAMILY_MOMENT[family]
    tickets, column = _sliced(_happened(family, lo, hi, kinds_of(kpis)), dimension, keys)
    period = Trunc(moment, granularity, output_field=models.DateField(), tzinfo=tz)
    rows = (tickets.annotate(period=period).values("period", *([column] if column else []))
            .annotate(**_aggregates(kpis)).order_by("period"))
    for row in rows.iterator():
        key = _key(row[column]) if column else ""
        for kpi in kpis:
            figure = _figure(kpi, row["period"], key, row)
            if figure is not None:
                yield figure


# --- levels: what is open at the end of a period ---------------------------------------

LEVEL_KINDS = tuple(BY_KEY["backlog"].kinds)
ENDED = Coalesce("resolved_at", "closed_at")  # resolved first, else closed (cancelled)


def _level_figures(period_start: date, key: str, open_count: int, created_sum: float,
                   end: datetime) -> list[Figure]:
    """Backlog and backlog age from the count of open tickets at `end` and the sum of
    their creation times (epoch seconds)."""
    if open_count <= 0:
        return []
    # Whole seconds, as every fact is: SQLite's julianday leaves a trace of float error.
    age_hours = round(open_count * end.timestamp() - created_sum) / HOUR
    return [Figure(BY_KEY["backlog"], period_start, key, float(open_count), None),
            Figure(BY_KEY["backlog_age"], period_start, key, age_hours, float(open_count))]


def _level_end(start: date, granularity: str, tz: tzinfo, now: datetime) -> datetime:
    return min(periods.bounds(start, granularity, tz)[1], now)


def _open_at(end: datetime) -> models.QuerySet:
    """Tickets open at `end`: created before it, neither resolved nor closed by then
    (the partial index of open tickets, and the recent resolutions and closes)."""
    return Ticket.objects.filter(
        Q(resolved_at__isnull=True, closed_at__isnull=True) | Q(resolved_at__gte=end)
        | Q(resolved_at__isnull=True, closed_at__gte=end),
        kind__in=LEVEL_KINDS, created_at__lt=end)


def level_figures_at(granularity: str, dimension: str, start: date,
                     keys: Iterable[str] | None = None, *, now: datetime | None = None,
                     counted: dict | None = None) -> list[Figure]:
    """Backlog and backlog age at the end of one period (for the current one: now),
    counted directly: created before the end, and open then (still open, or resolved
    or closed after it). Reads the open-ticket index and recent resolutions. Counts
    kept in `counted` are reused: the current day, week and month all end now."""
    tz, now = organisation_tz(), now or timezone.now()
    end = _level_end(start, granularity, tz, now)
    keys = None if keys is None else frozenset(keys)
    counted = {} if counted is None else counted
    if (end, dimension, keys) not in counted:
        tickets, column = _sliced(_open_at(end), dimension, keys)
        counted[(end, dimension, keys)] = [
            (_key(row[column]) if column else "", row["n"], row["created"] or 0)
            for row in _per_key(tickets, [column] if column else [])]
    return [figure for key, n, created in counted[(end, dimension, keys)]
            for figure in _level_figures(start, key, n, created, end)]


def _per_key(tickets: models.QuerySet, names: list[str], order_by: tuple[str, ...] = ()
             ) -> Iterator[dict[str, Any]]:
    """How many tickets, and the sum of their creation times, per group of `names`
    (one row in all when there are none)."""
    sums = {"n": Count("pk"), "created": Sum(Epoch("created_at"))}
    if not names:
        yield tickets.aggregate(**sums)
        return
    yield from tickets.values(*names).annotate(**sums).order_by(*order_by).iterator()


def level_figures(granularity: str, dimension: str, first: date, last: date, *,
                  now: datetime) -> Iterator[Figure]:
    """Backlog and backlog age at the end of every period from the one starting at
    `first` to the one holding `last`, in period order, by running sums: what was
    created, less what ended, before each period's end. One grouped query for what
    came before `first` and two streamed ones (creations and ends by period), however
    many periods; the direct count of `level_figures_at` would read history once per
    period."""
    tz = organisation_tz()
    column = DIMENSIONS[dimension]
    tickets = _sliced(Ticket.objects.filter(kind__in=LEVEL_KINDS).annotate(ended=ENDED),
                      dimension, None)[0]
    names = [column] if column else []

    def grouped(by: str | None, **where: Any) -> Iterator[tuple[date | None, str, int, float]]:
        chosen = tickets.filter(**where)
        if by is not None:
            chosen = chosen.annotate(period=Trunc(by, granularity, tzinfo=tz,
                                                  output_field=models.DateField()))
        rows = _per_key(chosen, (["period"] if by else []) + names,
                        order_by=("period",) if by else ())
        for row in rows:
            yield (row["period"] if by else None, _key(row[column]) if column else "",
                   row["n"], row["created"] or 0.0)

    lo_at = periods.midnight(first, tz)
    hi_at = periods.midnight(periods.next_start(periods.start_of(last, granularity),
                                                granularity), tz)
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
    for start in periods.starts(first, last, granularity):
        while pending is not None and pending[0] <= start:
            _start, key, n, created = pending
            open_now[key][0] += n
            open_now[key][1] += created
            pending = next(changes, None)
        end = _level_end(start, granularity, tz, now)
        for key, (open_count, created_sum) in list(open_now.items()):
            if open_count <= 0:
                del open_now[key]
                continue
            yield from _level_figures(start, key, int(open_count), created_sum, end)


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
    (`metrics.availability`). One query for the calendars and one for the outages."""
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
    entries = TimeEntry.objects.filter(worked_on__gte=lo, worked_on__lt=hi)
    if column is not None:
        entries = entries.filter(**{f"{column}__isnull": False})
        if keys is not None:
            entries = entries.filter(**{f"{column}__in": list(keys)})
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


def effort_marks(entries: Iterable[TimeEntry]) -> set[tuple[str, date, str, str]]:
    """The periods and slices new time entries count in (pure, given their tickets)."""
    found = set()
    for entry in entries:
        ticket = entry.ticket
        keys = {dimension: "" if column is None else
                _key(entry.team_id if dimension == "team" else getattr(ticket, column))
                for dimension, column in DIMENSIONS.items()}
        for granularity in Granularity:
            start = periods.start_of(entry.worked_on, granularity)
            found |= {(granularity, start, dimension, key) for dimension, key in keys.items()
                      if dimension == "overall" or key}
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

    def scope(self) -> models.QuerySet:
        scope = KpiValue.objects.filter(
            kpi__in=[kpi.key for kpi in self.kpis], granularity=self.granularity,
            dimension=self.dimension, period_start__gte=self.lo, period_start__lt=self.hi)
        if self.starts is not None:
            scope = scope.filter(period_start__in=list(self.starts))
        if self.keys is not None:
            scope = scope.filter(key__in=list(self.keys))
        return scope

    def rows(self, figures: Iterable[Figure], computed_at: datetime) -> Iterator[KpiValue]:
        for figure in figures:
            value = figure.kpi.value(figure.numerator, figure.denominator)
            if value is not None:
                yield KpiValue(kpi=figure.kpi.key, granularity=self.granularity,
                               dimension=self.dimension, key=figure.key,
                               period_start=figure.period_start, value=value,
                               numerator=figure.numerator, denominator=figure.denominator,
                               computed_at=computed_at)


def store(figures: Iterable[Figure], *, kpis: list[Kpi], granularity: str, dimension: str,
          lo: date, hi: date, starts: Iterable[date] | None = None,
          keys: Iterable[str] | None = None) -> int:
    """Replace one slice's stored values with `figures` (see `store_slices`)."""
    return store_slices([(Slice(tuple(kpis), granularity, dimension, lo, hi,
                                None if starts is None else frozenset(starts),
                                None if keys is None else frozenset(keys)), figures)])


def store_slices(pairs: list[tuple[Slice, Iterable[Figure]]]) -> int:
    """Replace the stored values of each slice with its figures: upserted, and what is
    no longer there deleted, all in one transaction, so a reader sees the old values or
    the new, never a gap. Idempotent: two runs at once write the same rows (the upsert
    lets both succeed). Returns the rows written."""
    now = timezone.now()
    rows = {(row.kpi, row.granularity, row.dimension, row.key, row.period_start): row
            for part, figures in pairs for row in part.rows(figures, now)}
    with transaction.atomic():
        for part, _figures in pairs:
            part.scope().delete()
        KpiValue.objects.bulk_create(rows.values(), batch_size=2000, update_conflicts=True,
                                     unique_fields=UNIQUE_FIELDS, update_fields=VALUE_FIELDS)
    return len(rows)


def _event_figures(granularity: str, dimension: str, lo: date, hi: date,
                   keys: Iterable[str] | None, kpis: list[Kpi]) -> Iterator[Figure]:
    """Every event family's figures for the chosen KPIs: one query per family."""
    for family in EVENT_FAMILIES:
        family_kpis = [kpi for kpi in kpis if kpi.family == family]
        if family_kpis:
            yield from event_figures(family, granularity, dimension, lo, hi, keys,
                                     kpis=family_kpis)


# --- recomputing ------------------------------------------------------------------------

Progress = Callable[[int, int], None]


def recompute(*, since: date | None = None, kpis: Iterable[str] | None = None,
              granularities: Iterable[str] = tuple(Granularity),
              dimensions: Iterable[str] = tuple(DIMENSIONS),
              progress: Progress | None = None, now: datetime | None = None) -> int:
    """Recompute the KPIs (every one the tickets feed, or `kpis`) for every period from
    the one holding `since` (else the first ticket's) to now; return the rows written.

    Per granularity and dimension: one streamed query per event family and three for
    the levels, over the whole span, written a window of periods at a time (so memory
    stays flat), and only the windows that have figures or held values before.
    `progress` is called with (steps done, steps in all), a step being a granularity
    and dimension."""
    now = now or timezone.now()
    tz = organisation_tz()
    chosen = [BY_KEY[key] for key in kpis] if kpis is not None else list(computed())
    events = [kpi for kpi in chosen if kpi.family in EVENT_FAMILIES]
    levels = [kpi for kpi in chosen if kpi.family == Family.LEVEL]
    uptime = [kpi for kpi in chosen if kpi.family == Family.AVAILABILITY]
    effort = [kpi for kpi in chosen if kpi.family == Family.EFFORT]
    if since is None:
        first = Ticket.objects.order_by("created_at").values_list("created_at", flat=True).first()
        if first is None:
            KpiValue.objects.filter(kpi__in=[kpi.key for kpi in chosen]).delete()
            return 0
        since = first.astimezone(tz).date()
    today = now.astimezone(tz).date()
    steps = [(granularity, dimension) for granularity in granularities
             for dimension in dimensions]
    written = 0
    for step, (granularity, dimension) in enumerate(steps, start=1):
        windows = list(periods.windows(since, today, granularity, WINDOW[granularity]))
        lo, hi = windows[0][0], windows[-1][1]
        for family in EVENT_FAMILIES:
            family_kpis = [kpi for kpi in events if kpi.family == family]
            if family_kpis:
                written += _store_windows(
                    event_figures(family, granularity, dimension, lo, hi, kpis=family_kpis),
                    windows, kpis=family_kpis, granularity=granularity, dimension=dimension)
        if levels:
            written += _store_windows(
                level_figures(granularity, dimension, lo, today, now=now), windows,
                kpis=levels, granularity=granularity, dimension=dimension)
        if effort:
            written += _store_windows(effort_figures(granularity, dimension, lo, hi), windows,
                                      kpis=effort, granularity=granularity, dimension=dimension)
        if uptime and dimension in AVAILABILITY_DIMENSIONS:
            written += _store_windows(
                availability_figures(granularity, dimension, lo, hi, now=now), windows,
                kpis=uptime, granularity=granularity, dimension=dimension)
        if progress is not None:
            progress(step, len(steps))
    return written


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
    level: those open at the period's end), by the same filters as the figure."""
    start = periods.start_of(period_start, granularity)
    hi = periods.next_start(start, granularity)
    if kpi.family == Family.LEVEL:
        end = _level_end(start, granularity, organisation_tz(), now or timezone.now())
        tickets = _open_at(end)
    elif kpi.family == Family.AVAILABILITY:
        tz = organisation_tz()
        down = Outage.objects.filter(planned=False).overlapping(
            periods.midnight(start, tz), periods.midnight(hi, tz))
        if dimension == "service":
            down = down.filter(service_id=key)
        return Ticket.objects.filter(pk__in=down.filter(ticket__isnull=False).values("ticket"))
    elif kpi.family is not None:
        tickets = _happened(kpi.family, start, hi, kpi.kinds)
        tickets = tickets.filter(kpi.among or Q())
        if kpi.measure is not None:
            tickets = tickets.filter(**{f"{kpi.measure}__isnull": False})
    else:
        return Ticket.objects.none()
    column = DIMENSIONS[dimension]
    return tickets.filter(**{column: key}) if column else tickets


# --- marks: what a ticket write changed, recomputed soon --------------------------------


def marks_for(before: dict[str, Any] | None, after: dict[str, Any], now: datetime
              ) -> set[tuple[str, date, str, str]]:
    """The (granularity, period start, dimension, key) whose KPIs a write changed
    (pure). A moment that changed moves the ticket between periods and changes the
    levels of every period from it to now; a changed value (a fact, a flag, a
    counter) changes the periods of each of the ticket's moments; a changed key moves
    the ticket, and every period of its life, from one slice to another."""
    before = before or dict.fromkeys(after)
    tz = organisation_tz()
    moments_of = {name: [value for value in (before[name], after[name]) if value is not None]
                  for name in MOMENTS}
    changed = [value for name in MOMENTS if before[name] != after[name]
               for value in moments_of[name]]
    every = [value for values in moments_of.values() for value in values]
    values_changed = any(before[name] != after[name] for name in VALUES)
    found = set()
    for dimension, field in DIMENSIONS.items():  # ticket columns, as the snapshot names them
        if field is not None and before[field] != after[field]:
            keys = {_key(value) for value in (before[field], after[field]) if value is not None}
            events, since = every, min(every, default=None)
        else:
            if field is not None and after[field] is None:
                continue  # not in any slice of this dimension
            keys = {_key(after[field]) if field else ""}
            events, since = (every if values_changed else changed), min(changed, default=None)
        for granularity in Granularity:
            starts = {periods.period_of(moment, granularity, tz) for moment in events}
            if since is not None:
                starts.update(periods.starts(since.astimezone(tz).date(),
                                             now.astimezone(tz).date(), granularity))
            found |= {(granularity, start, dimension, key) for start in starts for key in keys}
    return found


def outage_marks(services: Iterable[int], moments: list[datetime]
                 ) -> set[tuple[str, date, str, str]]:
    """The periods an outage change touched (from its earliest moment to its latest),
    for its services and overall (pure)."""
    tz = organisation_tz()
    first = min(moments).astimezone(tz).date()
    last = max(moments).astimezone(tz).date()
    slices = [("overall", ""), *(("service", str(pk)) for pk in services)]
    return {(granularity, start, dimension, key) for granularity in Granularity
            for start in periods.starts(first, last, granularity) for dimension, key in slices}


def mark(before: dict[str, Any] | None, after: dict[str, Any], now: datetime | None = None
         ) -> int:
    """Note what a ticket write changed, in the writer's transaction; return the marks."""
    return save_marks(marks_for(before, after, now or timezone.now()))


def save_marks(marks: set[tuple[str, date, str, str]]) -> int:
    """Write (granularity, period start, dimension, key) marks; ones already there stay."""
    KpiMark.objects.bulk_create(
        [KpiMark(granularity=g, period_start=start, dimension=d, key=key)
         for g, start, d, key in marks], ignore_conflicts=True)
    return len(marks)


REFRESH_BATCH = 500


def refresh(*, now: datetime | None = None, limit: int = REFRESH_BATCH) -> int:
    """Recompute the marked periods and slices, a batch at a time, and delete their
    marks; return how many were done. Safe on several workers at once: each claims its
    marks (SKIP LOCKED), so a mark is recomputed by one, and a mark written while it
    runs is left for the next run."""
    done = 0
    now = now or timezone.now()  # one "now" for the run: its current periods share levels
    counted: dict = {}
    while True:
        with transaction.atomic():
            claimed = list(KpiMark.objects.select_for_update(skip_locked=True)
                           .order_by("pk")[:limit])
            if not claimed:
                return done
            by_dimension: dict[str, dict[str, set[date]]] = defaultdict(
                lambda: defaultdict(set))
            keys: dict[str, set[str]] = defaultdict(set)
            for item in claimed:
                by_dimension[item.dimension][item.granularity].add(item.period_start)
                keys[item.dimension].add(item.key)
            for dimension, starts in by_dimension.items():
                _refresh(dimension, starts, keys[dimension], now=now, counted=counted)
            KpiMark.objects.filter(pk__in=[item.pk for item in claimed]).delete()
        done += len(claimed)


# What a refresh computes by day and adds up into weeks and months: every figure whose
# numerator and denominator are sums over tickets (or minutes). Not tickets per
# person-day: a ticket worked on two days of a week is one ticket of that week.
ADDITIVE = (*EVENT_FAMILIES, Family.AVAILABILITY)


def rolled_up(figures: Iterable[Figure], granularity: str, lo: date, hi: date
              ) -> list[Figure]:
    """Figures by day added up into the periods of `granularity` that start in
    [lo, hi): numerators and denominators are sums, so a week's is its days' (pure)."""
    sums: dict[tuple[str, date, str], list] = {}
    for figure in figures:
        start = periods.start_of(figure.period_start, granularity)
        if not lo <= start < hi:
            continue
        total = sums.setdefault((figure.kpi.key, start, figure.key), [0.0, None])
        total[0] += figure.numerator
        if figure.denominator is not None:
            total[1] = (total[1] or 0.0) + figure.denominator
    return [Figure(BY_KEY[kpi], start, key, numerator, denominator)
            for (kpi, start, key), (numerator, denominator) in sums.items()]


def _refresh(dimension: str, starts: dict[str, set[date]], keys: set[str], *,
             now: datetime, counted: dict) -> None:
    """Every KPI of the marked keys over the run of periods from the first mark to the
    last, for each marked granularity: the additive ones counted once by day over all
    of them and added up (one query per family, however many periods and
    granularities), effort per granularity, levels at each marked period."""
    keys_filter = None if DIMENSIONS[dimension] is None else keys
    spans = {granularity: (min(marked), periods.next_start(max(marked), granularity))
             for granularity, marked in starts.items()}
    lo, hi = min(lo for lo, _hi in spans.values()), max(hi for _lo, hi in spans.values())
    additive = [kpi for kpi in computed() if kpi.family in ADDITIVE
                and (kpi.family != Family.AVAILABILITY or dimension in AVAILABILITY_DIMENSIONS)]
    days = list(_event_figures(Granularity.DAY, dimension, lo, hi, keys_filter, additive))
    if dimension in AVAILABILITY_DIMENSIONS:
        days += availability_figures(Granularity.DAY, dimension, lo, hi, keys_filter, now=now)
    effort, levels, marked_keys = of_family(Family.EFFORT), of_family(Family.LEVEL), frozenset(keys)
    pairs: list[tuple[Slice, Iterable[Figure]]] = []
    for granularity, (span_lo, span_hi) in spans.items():
        pairs.append((Slice((*additive, *effort), granularity, dimension, span_lo, span_hi,
                            keys=marked_keys),
                      [*rolled_up(days, granularity, span_lo, span_hi),
                       *effort_figures(granularity, dimension, span_lo, span_hi,
                                       keys_filter)]))
        pairs.append((Slice(tuple(levels), granularity, dimension, span_lo, span_hi,
                            starts=frozenset(starts[granularity]), keys=marked_keys),
                      [figure for start in sorted(starts[granularity])
                       for figure in level_figures_at(granularity, dimension, start,
                                                      keys_filter, now=now,
                                                      counted=counted)]))
    store_slices(pairs)
