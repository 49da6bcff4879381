"""Subscriptions filed under the terms they require, so an event is judged only by those that could match it.

Tens of thousands of standing queries against thousands of events a second cannot each be evaluated per
event. Most subscriptions require something exact: a leader, a country, an event type. A query lists
the clauses of exact (field, value) terms it requires (:attr:`Query.requirements`; every matching
event holds a term of each clause). The index files it under a term of its most selective clause
(leaders before countries before types) and, when it has one, a term of its second clause:
``type:talks AND countries:KP`` sits at (countries=KP, type=talks), so a KP event about sanctions never
looks at it. For an event, the index reads the event's terms of the indexed fields once and looks up
every (term, term) pair it holds. Words of text fields count as terms (``article.title:summit``).
Queries with no exact term but a least value (``confidence:>=0.9``) are kept sorted by it, and an
event reaches only those at or below its value; what is left ("unanchored": pure negations, bare
words, wildcards) is checked against every event.

Queries that are nothing but their one or two clauses (``leaders:"Kim Jong Un"``,
``type:summit AND countries:FR``) are *exact*: found by the lookup, they match, and are not evaluated.
The rest are evaluated against one shared :class:`Document`, so an event's fields are read and
analysed once. The cost per event grows with its candidates, not with the number of subscriptions.

Correctness does not depend on the choice of terms: a query is a candidate whenever it could match,
and :meth:`SubscriptionIndex.match` returns exactly what evaluating every query would (the unit tests
check this on randomized subscriptions and events).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Hashable, Iterator, Mapping
from typing import Any, Generic, TypeVar

from services.common.query.catalogue import Catalogue, FieldInfo, FieldKind, load_catalogue
from services.common.query.document import Document
from services.common.query.nodes import Anchor, Anchors, Predicate, anchor_cost
from services.common.query.query import Query, parse_query

K = TypeVar("K", bound=Hashable)


class _Bucket(Generic[K]):
    """Queries filed at one (term, second term) pair: those that match when found, and those to evaluate."""

    __slots__ = ("check", "sure")

    def __init__(self) -> None:
        self.sure: set[K] = set()
        self.check: set[K] = set()


class _Thresholds(Generic[K]):
    """Queries that require no exact term but a least value of a number field (``confidence:>=0.9``),
    sorted by that value: an event is a candidate only for those whose least value it reaches."""

    __slots__ = ("entries", "keys")

    def __init__(self) -> None:
        self.entries: list[tuple[float, int]] = []  # (least value, sequence), sorted
        self.keys: dict[int, K] = {}

    def add(self, low: float, sequence: int, key: K) -> None:
        bisect.insort(self.entries, (low, sequence))
        self.keys[sequence] = key

    def remove(self, low: float, sequence: int) -> None:
        at = bisect.bisect_left(self.entries, (low, sequence))
        if at < len(self.entries) and self.entries[at] == (low, sequence):
            del self.entries[at]
        self.keys.pop(sequence, None)

    def reached(self, value: float) -> list[K]:
        end = bisect.bisect_right(self.entries, (value, math.inf))
        keys = self.keys
        return [keys[sequence] for _, sequence in self.entries[:end]]


class SubscriptionIndex(Generic[K]):
    """Queries by key (a subscription id), filed under their required terms; ``match`` gives matching keys.

    Adding a key that is present replaces its query. Keys come back from ``match`` in the order they were
    first added, so results are deterministic.
    """

    def __init__(self, catalogue: Catalogue | None = None) -> None:
        self.catalogue = catalogue or load_catalogue()
        self._queries: dict[K, Query] = {}
        self._order: dict[K, int] = {}
        self._sequence = 0
        # first term → second term (None: the query has one clause) → bucket
        self._postings: dict[Anchor, dict[Anchor | None, _Bucket[K]]] = {}
        self._filed: dict[K, list[tuple[Anchor, Anchor | None]]] = {}
        self._thresholds: dict[str, _Thresholds[K]] = {}
        self._thresholded: dict[K, tuple[str, float]] = {}
        self._unanchored: dict[K, Query] = {}
        self._judges: dict[K, Predicate] = {}  # what to evaluate for a key found but not sure
        self._field_use: dict[str, int] = {}
        self._fields: dict[str, FieldInfo] = {}

    def add(self, key: K, query: Query | str) -> Query:
        """File ``query`` (a Query, or a string parsed here: QueryError if it is refused) under ``key``."""
        if isinstance(query, str):
            query = parse_query(query, catalogue=self.catalogue)
        if query.catalogue is not self.catalogue:
            raise ValueError("the query was parsed against another field catalogue than this index's")
        if key in self._queries:
            self._unfile(key)
        else:
            self._order[key] = self._sequence
            self._sequence += 1
        self._queries[key] = query
        clauses = sorted(query.requirements, key=anchor_cost)
        if clauses and all(self._indexable(name) for clause in clauses for name, _ in clause):
            self._file_terms(key, query, clauses)
            return query
        bounds = [(name, low) for name, low in query.lower_bounds
                  if (info := self.catalogue.get(name)) is not None and info.kind == FieldKind.NUMBER]
        if bounds:
            name, low = max(bounds, key=lambda bound: bound[1])
            self._thresholds.setdefault(name, _Thresholds()).add(low, self._order[key], key)
            self._thresholded[key] = (name, low)
            self._judges[key] = query.predicate
            self._use_field(name, +1)
            return query
        self._unanchored[key] = query
        self._judges[key] = query.predicate
        return query

    def _indexable(self, name: str) -> bool:
        info = self.catalogue.get(name)
        return info is not None and info.kind in (FieldKind.KEYWORD, FieldKind.TEXT)

    def _file_terms(self, key: K, query: Query, clauses: list[Anchors]) -> None:
        first = clauses[0]
        second: Anchors | None = clauses[1] if len(clauses) > 1 else None
        # Found at (first, second), the event holds a term of both clauses; when those are all the
        # exact clauses of the query, only its residual is left to evaluate, or nothing at all.
        covered = set(query.exact_clauses) <= {first, second}
        sure = covered and query.residual is None
        if not sure:
            self._judges[key] = query.residual if covered and query.residual is not None else query.predicate
        pairs = [(a, b) for a in first for b in (second if second is not None else (None,))]
        for a, b in pairs:
            bucket = self._postings.setdefault(a, {}).setdefault(b, _Bucket())
            (bucket.sure if sure else bucket.check).add(key)
            for anchor in (a, b):
                if anchor is not None:
                    self._use_field(anchor[0], +1)
        self._filed[key] = pairs

    def _use_field(self, name: str, delta: int) -> None:
        count = self._field_use.get(name, 0) + delta
        if count > 0:
            self._field_use[name] = count
            info = self.catalogue.get(name)
            if info is not None:
                self._fields[name] = info
        else:
            self._field_use.pop(name, None)
            self._fields.pop(name, None)

    def remove(self, key: K) -> None:
        """Forget ``key``; KeyError when it is not there (use ``discard`` to ignore that)."""
        if key not in self._queries:
            raise KeyError(key)
        self._unfile(key)
        del self._queries[key]
        del self._order[key]

    def discard(self, key: K) -> None:
        if key in self._queries:
            self.remove(key)

    def _unfile(self, key: K) -> None:
        self._unanchored.pop(key, None)
        self._judges.pop(key, None)
        threshold = self._thresholded.pop(key, None)
        if threshold is not None:
            name, low = threshold
            self._thresholds[name].remove(low, self._order[key])
            if not self._thresholds[name].entries:
                del self._thresholds[name]
            self._use_field(name, -1)
        for a, b in self._filed.pop(key, ()):
            by_second = self._postings.get(a)
            bucket = by_second.get(b) if by_second is not None else None
            if by_second is None or bucket is None:
                continue
            bucket.sure.discard(key)
            bucket.check.discard(key)
            if not bucket.sure and not bucket.check:
                del by_second[b]
                if not by_second:
                    del self._postings[a]
            for anchor in (a, b):
                if anchor is not None:
                    self._use_field(anchor[0], -1)

    def get(self, key: K) -> Query | None:
        return self._queries.get(key)

    def __len__(self) -> int:
        return len(self._queries)

    def __contains__(self, key: object) -> bool:
        return key in self._queries

    def __iter__(self) -> Iterator[K]:
        return iter(self._queries)

    @property
    def filed_by_terms(self) -> int:
        """How many queries are filed under exact terms."""
        return len(self._filed)

    @property
    def filed_by_threshold(self) -> int:
        """How many queries are kept by a least value of a number field (``confidence:>=0.9``)."""
        return len(self._thresholded)

    @property
    def unanchored(self) -> int:
        """How many queries are checked against every event (no exact term, no least value required)."""
        return len(self._unanchored)

    def _lookup(self, document: Document) -> tuple[set[K], set[K]]:
        """(sure, to check): keys found by the event's terms, split by whether they need evaluating."""
        sure: set[K] = set()
        check: set[K] = set(self._unanchored)
        terms: list[Anchor] = []
        for name, info in self._fields.items():
            if info.kind == FieldKind.KEYWORD:
                terms.extend((name, value) for value in document.keywords(info))
            elif info.kind == FieldKind.TEXT:
                terms.extend((name, token) for token in document.token_set(info))
        postings = self._postings
        seconds = (None, *terms)
        for term in terms:
            by_second = postings.get(term)
            if by_second is None:
                continue
            for second in seconds:
                bucket = by_second.get(second)
                if bucket is not None:
                    if bucket.sure:
                        sure |= bucket.sure
                    if bucket.check:
                        check |= bucket.check
        for name, thresholds in self._thresholds.items():
            values = document.numbers(self._fields[name])
            if values:
                check.update(thresholds.reached(max(values)))
        return sure, check
    def candidates(self, event: Mapping[str, Any]) -> set[K]:
        """Keys whose queries could match the event: the only ones ``match`` looks at."""
        sure, check = self._lookup(Document(event))
        return sure | check

    def match(self, event: Mapping[str, Any], now: dt.datetime | None = None) -> list[K]:
        """Keys whose queries match the event, in the order they were added."""
        document = Document(event, now)
        sure, check = self._lookup(document)
        matched = list(sure)
        check.difference_update(sure)
        judges = self._judges
        # Subscriptions often share a query or a residual, and equal ones share one predicate: judge once.
        verdicts: dict[Predicate, bool] = {}
        seen = verdicts.get
        append = matched.append
        for key in check:
            judge = judges[key]
            verdict = seen(judge)
            if verdict is None:
                verdict = verdicts[judge] = judge(document)
            if verdict:
                append(key)
        if len(matched) > 1:
            matched.sort(key=self._order.__getitem__)
        return matched
