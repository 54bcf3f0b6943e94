"""Problem candidates: services, CIs and categories with repeated similar incidents.

The incidents of a period that belong to no problem are grouped per scope (their
service, CI or category) into clusters of similar titles; a cluster of at least the
threshold's size is a candidate. On PostgreSQL two titles are similar when their
trigram similarity (pg_trgm) reaches `SIMILARITY`, and clusters are the connected
groups of similar pairs; elsewhere (SQLite) titles are similar when they are equal
once normalised (lower case, digits, punctuation and filler words dropped, word order
ignored).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.utils.translation import gettext_lazy as _

from itsm.choices import TicketKind
from itsm.models import Ticket

from .models import ProblemLink

SIMILARITY = 0.45
MAX_INCIDENTS = 5_000  # per scope, the most recent of the period are grouped
SCOPES = {"ci": ("configuration_item_id", "configuration_item__name",
                 _("Configuration item")),
          "service": ("service_id", "service__name", _("Service")),
          "category": ("category_id", "category__name", _("Category"))}
# Words that say nothing of what is wrong (English; titles in other languages keep theirs).
FILLER = frozenset({
    "a", "an", "and", "are", "at", "be", "but", "by", "can", "cannot", "cant", "does",
    "doesnt", "dont", "for", "from", "has", "have", "in", "is", "it", "its", "me", "my", "no",
    "not", "of", "on", "or", "our", "please", "since", "the", "this", "to", "us", "was", "we",
    "when", "with", "after", "again", "all", "any", "still", "very"
})
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def normalised(title: str) -> str:
    """A title's words that say what is wrong, lower case and in order (pure)."""
    words = {word for word in _WORD.findall(title.lower())
             if len(word) > 1 and word not in FILLER}
    return " ".join(sorted(words))


@dataclass
class Candidate:
    scope: str  # a key of SCOPES
    key: int
    name: str
    incidents: list[tuple[int, str, str, datetime]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.incidents)

    @property
    def title(self) -> str:
        """The title the group's incidents most often have."""
        return Counter(title for _pk, _number, title, _at in self.incidents).most_common(1)[0][0]

    @property
    def numbers(self) -> list[str]:
        return [number for _pk, number, _title, _at in self.incidents]

    @property
    def first(self) -> datetime:
        return min(at for *_rest, at in self.incidents)

    @property
    def last(self) -> datetime:
        return max(at for *_rest, at in self.incidents)

    @property
    def scope_label(self) -> str:
        return str(SCOPES[self.scope][2])


def _incidents(since: datetime, until: datetime):
    return (Ticket.objects.filter(kind=TicketKind.INCIDENT, created_at__gte=since,
                                  created_at__lt=until)
            .exclude(status="cancelled")
            .exclude(pk__in=ProblemLink.objects.values("incident_id")))


def find(*, since: datetime, until: datetime, threshold: int = 5,
         scopes: tuple[str, ...] = tuple(SCOPES), limit: int = 50) -> list[Candidate]:
    """The candidates of the period, most incidents first."""
    threshold = max(2, threshold)
    found: list[Candidate] = []
    incidents = _incidents(since, until)
    for scope in scopes:
        column, name_path, _label = SCOPES[scope]
        rows = list(incidents.filter(**{f"{column}__isnull": False})
                    .order_by("-created_at")
                    .values_list("pk", "number", "title", "created_at", column, name_path)
                    [:MAX_INCIDENTS])
        by_pk = {row[0]: row for row in rows}
        for group in _clusters(rows, column, since, until):
            if len(group) < threshold:
                continue
            first = by_pk[group[0]]
            found.append(Candidate(scope, first[4], first[5],
                                   sorted((by_pk[pk][:4] for pk in group),
                                          key=lambda row: row[3])))
    # The same incidents grouped under a service and under its category are one
    # candidate: the narrower scope (the order of SCOPES) keeps it.
    seen: set[frozenset[str]] = set()
    unique = []
    for candidate in found:
        numbers = frozenset(candidate.numbers)
        if numbers not in seen:
            seen.add(numbers)
            unique.append(candidate)
    unique.sort(key=lambda c: (-c.count, c.scope, c.name))
    return unique[:limit]


def _clusters(rows: list[tuple], column: str, since: datetime, until: datetime
              ) -> list[list[int]]:
    """Groups of similar titles within each scope key, as lists of ticket ids."""
    if connection.vendor == "postgresql":
        pairs = _similar_pairs(column, since, until, {row[0] for row in rows})
    else:
        pairs = _equal_pairs(rows)
    parent: dict[int, int] = {row[0]: row[0] for row in rows}

    def root(pk: int) -> int:
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    for a, b in pairs:
        if a in parent and b in parent:
            parent[root(a)] = root(b)
    groups: dict[int, list[int]] = defaultdict(list)
    for pk in parent:
        groups[root(pk)].append(pk)
    return list(groups.values())


def _equal_pairs(rows: list[tuple]) -> list[tuple[int, int]]:
    first_of: dict[tuple, int] = {}
    pairs = []
    for pk, _number, title, _at, key, _name in rows:
        words = normalised(title)
        if not words:
            continue
        seen = first_of.setdefault((key, words), pk)
        if seen != pk:
            pairs.append((seen, pk))
    return pairs


def _similar_pairs(column: str, since: datetime, until: datetime, chosen: set[int]
                   ) -> list[tuple[int, int]]:
    """Pairs of the period's incidents in one scope key with similar titles (pg_trgm),
    in one query."""
    if not chosen:
        return []
    table = Ticket._meta.db_table
    sql = (f'SELECT a.id, b.id FROM {table} a JOIN {table} b '  # noqa: S608 (names are ours)
           f'ON a."{column}" = b."{column}" AND a.id < b.id '
           'WHERE a.id = ANY(%s) AND b.id = ANY(%s) '
           'AND a.created_at >= %s AND a.created_at < %s '
           'AND b.created_at >= %s AND b.created_at < %s '
           'AND similarity(a.title, b.title) >= %s')
    ids = list(chosen)
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids, ids, since, until, since, until, SIMILARITY])
        return cursor.fetchall()
