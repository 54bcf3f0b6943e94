"""The change calendar: which booked changes, releases and freezes fall in a span, laid
out by month, week or as a list, and each person's iCalendar feed of it.

The layout is plain arithmetic on dates (`month_weeks`, `week_days`, `lanes`), tested
without a database; the queries read one span once, and the conflicts of every change
shown are read together (`changes.conflicts.conflicts_for`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from catalog.models import ConfigurationItem, FreezeWindow, MaintenanceWindow, Service, Team

from .choices import ChangeStatus, ChangeType
from .conflicts import BOOKED
from .models import CalendarFeed, Change, Release

FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=365)
FEED_LIMIT = 2000
VIEWS = ("month", "week", "list")


@dataclass(frozen=True)
class CalendarFilters:
    """What the calendar shows of the booked changes: of a service or a CI (its own or
    one it names besides), of a team (the one assigned), of a type."""

    service: Service | None = None
    ci: ConfigurationItem | None = None
    team: Team | None = None
    change_type: str = ""

    def changes(self, queryset: QuerySet) -> QuerySet:
        if self.service is not None:
            queryset = queryset.filter(Q(service=self.service)
                                       | Q(affected_services=self.service))
        if self.ci is not None:
            queryset = queryset.filter(Q(configuration_item=self.ci) | Q(affected_cis=self.ci))
        if self.team is not None:
            queryset = queryset.filter(assignment_team=self.team)
        if self.change_type:
            queryset = queryset.filter(change_type=self.change_type)
        if self.service is not None or self.ci is not None:
            queryset = queryset.distinct()
        return queryset

    def freezes(self, queryset: QuerySet) -> QuerySet:
        """Global freezes always; a service's only with no service chosen or that one."""
        if self.service is not None:
            return queryset.filter(Q(service__isnull=True) | Q(service=self.service))
        return queryset

    def releases(self, queryset: QuerySet) -> QuerySet:
        if self.service is not None:
            queryset = queryset.filter(Q(launches=self.service)
                                       | Q(changes__service=self.service)).distinct()
        if self.team is not None:
            queryset = queryset.filter(owner_team=self.team)
        return queryset

    @property
    def is_set(self) -> bool:
        return bool(self.service or self.ci or self.team or self.change_type)

    def params(self) -> dict[str, str]:
        """The filters as query parameters (for links that keep them)."""
        found = {"service": self.service.code if self.service else "",
                 "ci": self.ci.name if self.ci else "",
                 "team": str(self.team.pk) if self.team else "",
                 "type": self.change_type}
        return {name: value for name, value in found.items() if value}


# --- spans and layout (pure) -----------------------------------------------------------


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def month_weeks(day: date) -> list[list[date]]:
    """The weeks (Monday first) that show the month of `day`, each seven dates."""
    first = day.replace(day=1)
    start = first - timedelta(days=first.weekday())
    following = (first + timedelta(days=32)).replace(day=1)
    weeks = []
    while start < following:
        weeks.append([start + timedelta(days=offset) for offset in range(7)])
        start += timedelta(days=7)
    return weeks


def week_days(day: date) -> list[date]:
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=offset) for offset in range(7)]


def span_of(view: str, day: date) -> tuple[date, date, date, date]:
    """(first day shown, day after the last, the previous page's day, the next's)."""
    if view == "week":
        days = week_days(day)
        return days[0], days[-1] + timedelta(days=1), day - timedelta(days=7), \
            day + timedelta(days=7)
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    if view == "month":
        weeks = month_weeks(day)
        return weeks[0][0], weeks[-1][-1] + timedelta(days=1), previous, following
    return first, following, previous, following


def lanes(spans: list[tuple[datetime, datetime]]) -> list[tuple[int, int]]:
    """Side-by-side lanes for spans of one day: for each span, its lane and the number
    of lanes of its cluster (the spans that share time with it, directly or through
    others), so a span that shares time with none takes the whole width."""
    order = sorted(range(len(spans)), key=lambda i: (spans[i][0], spans[i][1]))
    placed = [(0, 1)] * len(spans)
    cluster: list[int] = []
    ends: list[datetime] = []

    def close() -> None:
        for index in cluster:
            placed[index] = (placed[index][0], len(ends))

    for index in order:
        start, end = spans[index]
        if cluster and start >= max(ends):
            close()
            cluster, ends = [], []
        for lane, busy_until in enumerate(ends):
            if busy_until <= start:
                ends[lane] = end
                break
        else:
            lane = len(ends)
            ends.append(end)
        placed[index] = (lane, 0)
        cluster.append(index)
    close()
    return placed


def day_share(day: date, start: datetime, end: datetime) -> tuple[float, float] | None:
    """Where [start, end) falls in the local day, as (top, height) percentages of it;
    None if it does not touch the day."""
    opens = local_midnight(day)
    closes = local_midnight(day + timedelta(days=1))
    start, end = max(start, opens), min(end, closes)
    if end <= start:
        return None
    whole = (closes - opens).total_seconds()
    top = (start - opens).total_seconds() / whole * 100
    return round(top, 3), round(max((end - start).total_seconds() / whole * 100, 2.0), 3)


# --- what a span holds ------------------------------------------------------------------


def booked_changes(user, start: datetime, end: datetime, filters: CalendarFilters
                   ) -> list[Change]:
    """The booked changes the user reads whose window shares time with [start, end),
    soonest first."""
    queryset = (Change.objects.visible_to(user)
                .filter(status__in=BOOKED, planned_start__lt=end, planned_end__gt=start)
                .select_related("service", "assignment_team", "assignee")
                .order_by("planned_start", "pk"))
    return list(filters.changes(queryset))


def releases_in(user, first: date, last: date, filters: CalendarFilters) -> list[Release]:
    """Releases planned on a day of [first, last)."""
    queryset = (Release.objects.visible_to(user)
                .filter(planned_date__gte=first, planned_date__lt=last)
                .select_related("owner_team").order_by("planned_date", "name"))
    return list(filters.releases(queryset))


def freezes_in(user, start: datetime, end: datetime, filters: CalendarFilters
               ) -> list[FreezeWindow]:
    queryset = (FreezeWindow.objects.visible_to(user).overlapping(start, end)
                .select_related("service").order_by("starts_at", "pk"))
    return list(filters.freezes(queryset))


def maintenance_of(user, filters: CalendarFilters) -> list[MaintenanceWindow]:
    """The maintenance windows of the chosen service or CI (none without one: every
    window of the catalog at once says nothing)."""
    if filters.service is None and filters.ci is None:
        return []
    wanted = Q()
    if filters.service is not None:
        wanted |= Q(service=filters.service)
    if filters.ci is not None:
        wanted |= Q(configuration_item=filters.ci)
    return list(MaintenanceWindow.objects.visible_to(user).filter(wanted)
                .select_related("service", "configuration_item").order_by("name", "pk"))


# --- the feed ---------------------------------------------------------------------------


def feed_for(user) -> CalendarFeed:
    """The person's feed, made on first asking."""
    feed, _created = CalendarFeed.objects.get_or_create(
        user=user, defaults={"token": secrets.token_urlsafe(32)})
    return feed


def regenerate_feed(user) -> CalendarFeed:
    """A new secret link; the old one answers 404 from now on."""
    feed = feed_for(user)
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = timezone.now()
    feed.save(update_fields=["token", "created_at"])
    return feed


def feed_owner(key: str):
    """Whose feed the key opens: None for an unknown or replaced key, or a person who
    may no longer read the desk's changes."""
    from itsm.base import roles

    if not key or len(key) > 64:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(token=key).first()
    if feed is None or not roles.is_staff_reader(feed.user):
        return None
    return feed.user


def feed_url(feed: CalendarFeed, filters: CalendarFilters) -> str:
    query = urlencode({"key": feed.token, **filters.params()})
    return settings.SITE_URL.rstrip("/") + reverse("changes:calendar-feed") + "?" + query


def feed_changes(user, filters: CalendarFilters, now: datetime | None = None
                 ) -> list[Change]:
    now = now or timezone.now()
    return booked_changes(user, now - FEED_PAST, now + FEED_AHEAD, filters)[:FEED_LIMIT]


def ical(changes: Iterable[Change]) -> bytes:
    """An iCalendar of the changes: one event each, its UID the change's own, times in
    UTC, tentative while it awaits authorisation."""
    import icalendar

    site = settings.SITE_URL.rstrip("/")
    host = urlsplit(site).hostname or "itsm"
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Service desk//Change calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", gettext("Change calendar"))
    for change in changes:
        event = icalendar.Event()
        event.add("uid", f"{change.number.lower()}@{host}")
        event.add("dtstamp", (change.updated_at or timezone.now()).astimezone(UTC))
        event.add("dtstart", change.planned_start.astimezone(UTC))
        event.add("dtend", change.planned_end.astimezone(UTC))
        event.add("summary", f"{change.number} {change.title}")
        url = site + reverse("changes:detail", args=[change.number])
        lines = [f"{change.get_change_type_display()} · {change.get_risk_display() or '—'}"
                 f" · {ChangeStatus(change.status).label}"]
        if change.service_id:
            lines.append(str(change.service))
        lines.append(url)
        event.add("description", "\n".join(lines))
        event.add("url", url)
        event.add("status", "TENTATIVE" if change.status == ChangeStatus.AUTHORIZATION
                  else "CONFIRMED")
        if change.change_type == ChangeType.EMERGENCY:
            event.add("priority", 1)
        calendar.add_component(event)
    return calendar.to_ical()
