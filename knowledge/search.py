"""Finding articles by what they say, best match first.

On PostgreSQL: full-text search, the title weighing more than the summary and the
summary more than the body, ranked by `ts_rank`; in the language-neutral "simple"
configuration, since articles are written in any of the desk's languages. On SQLite
(the laptop set-up): every word of the query must occur in the title, summary or
body, and a match in the title ranks first.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

CONFIG = "simple"
MAX_WORDS = 12
# The rank a suggestion needs: a word shared in the title or summary, not one in passing.
SUGGESTION_RANK = 0.05


def words_of(query: str) -> list[str]:
    return [word for word in (query or "").split() if word.strip()][:MAX_WORDS]


def ranked(articles: QuerySet, query: str) -> QuerySet:
    """`articles` that match `query`, ordered by relevance (all of them if it is empty)."""
    words = words_of(query)
    if not words:
        return articles
    if connection.vendor == "postgresql":
        vector = _vector(body_weight="C")
        wanted = SearchQuery(" ".join(words), search_type="plain", config=CONFIG)
        # Matched by the @@ operator: ts_rank gives a non-match a tiny rank, not 0.
        return (articles.annotate(found=vector, rank=SearchRank(vector, wanted))
                .filter(found=wanted).order_by("-rank", "pk"))
    matches = Q()
    in_title = Q()
    for word in words:
        matches &= (Q(title__icontains=word) | Q(summary__icontains=word)
                    | Q(body__icontains=word))
        in_title &= Q(title__icontains=word)
    return (articles.filter(matches)
            .annotate(rank=Case(When(in_title, then=Value(2)), default=Value(1),
                                output_field=IntegerField()))
            .order_by("-rank", "pk"))


def similar(articles: QuerySet, text: str) -> QuerySet:
    """Articles that share words with `text` (a ticket's title): any word matches,
    more shared words rank higher. For suggestions, where the reader has not chosen
    their words for a search."""
    words = [word for word in words_of(text) if len(word) > 2]
    if not words:
        return articles.none()
    if connection.vendor == "postgresql":
        vector = _vector(body_weight="D")
        lexemes = [lexeme for word in words if (lexeme := _lexeme(word))]
        if not lexemes:
            return articles.none()
        wanted = SearchQuery(" | ".join(lexemes), search_type="raw", config=CONFIG)
        return (articles.annotate(found=vector, rank=SearchRank(vector, wanted))
                .filter(found=wanted, rank__gt=SUGGESTION_RANK).order_by("-rank", "pk"))
    score = sum((Case(When(Q(title__icontains=word), then=Value(3)),
                      When(Q(summary__icontains=word) | Q(body__icontains=word), then=Value(1)),
                      default=Value(0), output_field=IntegerField()) for word in words),
                Value(0))
    return articles.annotate(rank=score).filter(rank__gt=1).order_by("-rank", "pk")


def _vector(*, body_weight: str) -> SearchVector:
    """The article's words: the title weighing most, then the summary, then the body."""
    return (SearchVector("title", weight="A", config=CONFIG)
            + SearchVector("summary", weight="B", config=CONFIG)
            + SearchVector("body", weight=body_weight, config=CONFIG))


def _lexeme(word: str) -> str:
    """A word as a quoted tsquery lexeme with prefix matching ('connect':*)."""
    cleaned = "".join(ch for ch in word.lower() if ch.isalnum())
    return f"'{cleaned}':*" if cleaned else ""
