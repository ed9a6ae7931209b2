"""Full-text search over any queryset: PostgreSQL's when it runs, a plain word match elsewhere (SQLite).

This is the one place that asks which database runs. PostgreSQL: english stemming, `websearch` syntax
("a phrase", -not, or), best first by rank; over a stored, indexed vector when the model keeps one,
else over a vector computed from the fields. Elsewhere every word must appear in one of the fields
(case-insensitive), in the order given.
"""

from collections.abc import Sequence
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Q, QuerySet

MAX_QUERY = 200
# Marks around the matched words in `snippet`; the `snippet` filters turn them into <mark>.
START, STOP = "\x02", "\x03"


def search_terms(q: str | None) -> str:
    """The query as searched: trimmed and bounded."""
    return (q or "").strip()[:MAX_QUERY]


def text_search(
    rows: QuerySet[Any],
    q: str,
    *,
    fields: Sequence[str],
    vector_field: str = "",
    headline_field: str = "",
    order: Sequence[Any] = ("-pk",),
) -> QuerySet[Any]:
    """`rows` matching `q`, best first; with `headline_field`, each carries a `snippet` of it."""
    q = search_terms(q)
    if not q:
        return rows
    if connection.vendor == "postgresql":
        query = SearchQuery(q, config="english", search_type="websearch")
        if vector_field:
            vector: Any = F(vector_field)
            rows = rows.filter(**{vector_field: query})
        else:
            vector = SearchVector(*fields, config="english")
            rows = rows.annotate(search_match=vector).filter(search_match=query)
        rows = rows.annotate(rank=SearchRank(vector, query))
        if headline_field:
            headline = SearchHeadline(
                headline_field, query, config="english", start_sel=START, stop_sel=STOP, max_words=30, min_words=10
            )
            rows = rows.annotate(snippet=headline)
        return rows.order_by("-rank", *order)
    for word in q.split():
        any_field = Q()
        for name in fields:
            any_field |= Q(**{f"{name}__icontains": word})
        rows = rows.filter(any_field)
    if headline_field:
        rows = rows.annotate(snippet=F(headline_field))
    return rows.order_by(*order)
