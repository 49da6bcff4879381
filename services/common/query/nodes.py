"""A parsed query as Lucene sees it, compiled once into closures that judge a :class:`Document`.

The tree mirrors the Lucene query Elasticsearch builds from the same string: boolean queries with
must / should / must-not clauses, and per-field leaf queries (term, phrase, wildcard, range, exists).
Evaluation follows Lucene's rules, not textbook boolean precedence: a boolean query with required
clauses ignores its optional ones; without required clauses it needs one optional clause; with only
prohibited clauses it matches everything else (Elasticsearch adds a match-all to such queries).

Each node also says which exact (field, value) terms it *requires* (:meth:`Node.requirements`): a
list of clauses, each a set of alternatives, such that every matching event contains at least one term
of every clause (``type:talks AND countries:(KP OR IR)`` requires {type=talks} and {countries=KP,
countries=IR}). When the query is nothing more than those clauses it is *exact*: an event holding a
term of each clause matches without evaluation. The subscription index files queries under these
terms, so they must never be wrong in the unsafe direction: when unsure, a node requires nothing and
is not exact, and the query is checked against every event.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.common.query.analysis import Token
from services.common.query.catalogue import ANCHOR_RANK, DEFAULT_ANCHOR_RANK, FieldInfo
from services.common.query.dates import DateBound
from services.common.query.document import Document, to_float32

Predicate = Callable[[Document], bool]
Anchor = tuple[str, str]
Anchors = frozenset[Anchor]
# (clauses, exact): every matching event holds a term of each clause; exact = that is all the query asks.
Requirements = tuple[tuple[Anchors, ...], bool]
NOTHING_REQUIRED: Requirements = ((), False)
LowerBound = tuple[str, float]


def _always(_: Document) -> bool:
    return True


def _never(_: Document) -> bool:
    return False


class Node:
    """A query or sub-query; ``compile`` returns a predicate over documents."""

    def compile(self) -> Predicate:
        raise NotImplementedError

    def requirements(self) -> Requirements:
        return NOTHING_REQUIRED

    def lower_bounds(self) -> tuple[LowerBound, ...]:
        """(number field, least value) pairs every matching event satisfies (value >= least)."""
        return ()

    def split(self) -> tuple[tuple[Anchors, ...], Node | None]:
        """(exact clauses, residual): the node matches exactly when each clause has a term in the event
        and the residual (None: nothing left) matches. An index that found the event through those
        clauses need only evaluate the residual."""
        clauses, exact = self.requirements()
        return (clauses, None) if exact else ((), self)

    def field_names(self) -> set[str]:
        return set()

    @property
    def relative_time(self) -> bool:
        """Whether the answer depends on when the event is matched (``now`` in a date bound)."""
        return False


@dataclass(frozen=True)
class MatchAll(Node):
    def compile(self) -> Predicate:
        return _always


@dataclass(frozen=True)
class MatchNone(Node):
    def compile(self) -> Predicate:
        return _never

    def requirements(self) -> Requirements:
        return (frozenset(),), True  # matches nothing: filed under nothing, never a candidate


@dataclass(frozen=True)
class FieldNode(Node):
    field: FieldInfo

    def field_names(self) -> set[str]:
        return {self.field.name}


@dataclass(frozen=True)
class KeywordTerm(FieldNode):
    value: str

    def compile(self) -> Predicate:
        info, value = self.field, self.value
        return lambda doc: value in doc.keywords(info)

    def requirements(self) -> Requirements:
        return (frozenset({(self.field.name, self.value)}),), True


@dataclass(frozen=True)
class KeywordPattern(FieldNode):
    pattern: re.Pattern[str]

    def compile(self) -> Predicate:
        info, fullmatch = self.field, self.pattern.fullmatch
        return lambda doc: any(fullmatch(v) for v in doc.keywords(info))


def _in_range(low: Any, high: Any, include_low: bool, include_high: bool) -> Callable[[Any], bool]:
    """A bounds test for strings or numbers; None is an open end. One comparison chain per case, as the
    test runs for every candidate event."""
    if low is None and high is None:
        return lambda value: True
    if high is None:
        return (lambda value: value >= low) if include_low else (lambda value: value > low)
    if low is None:
        return (lambda value: value <= high) if include_high else (lambda value: value < high)
    if include_low and include_high:
        return lambda value: low <= value <= high
    if include_low:
        return lambda value: low <= value < high
    if include_high:
        return lambda value: low < value <= high
    return lambda value: low < value < high


def _any_value(values: Callable[[Document], Any], test: Callable[[Any], bool]) -> Predicate:
    """True when any of the document's values passes ``test`` (arrays match if any element does)."""
    def predicate(doc: Document) -> bool:
        for value in values(doc):  # noqa: SIM110 (a plain loop is faster than any() over a generator)
            if test(value):
                return True
        return False
    return predicate


@dataclass(frozen=True)
class KeywordRange(FieldNode):
    low: str | None
    high: str | None
    include_low: bool = True
    include_high: bool = True

    def compile(self) -> Predicate:
        info, test = self.field, _in_range(self.low, self.high, self.include_low, self.include_high)
        return _any_value(lambda doc: doc.keywords(info), test)


@dataclass(frozen=True)
class TextAny(FieldNode):
    """Any of the analysed terms (an unquoted word that analyses to several tokens is an OR of them)."""

    terms: frozenset[str]

    def compile(self) -> Predicate:
        info, terms = self.field, self.terms
        if len(terms) == 1:
            (term,) = terms
            return lambda doc: term in doc.token_set(info)
        return lambda doc: not terms.isdisjoint(doc.token_set(info))

    def requirements(self) -> Requirements:
        return (frozenset((self.field.name, t) for t in self.terms),), True


@dataclass(frozen=True)
class TextPhrase(FieldNode):
    """Tokens at fixed relative positions within one value (stop words keep their gap)."""

    tokens: tuple[Token, ...]

    def requirements(self) -> Requirements:
        # Every token of the phrase is in a matching event; where they stand still needs checking.
        return tuple(dict.fromkeys(frozenset({(self.field.name, t)}) for _, t in self.tokens)), False

    def compile(self) -> Predicate:
        info = self.field
        first_offset, first = self.tokens[0]
        rest = tuple((offset - first_offset, term) for offset, term in self.tokens[1:])
        needed = frozenset(term for _, term in self.tokens)

        def phrase(doc: Document) -> bool:
            if not needed <= doc.token_set(info):
                return False
            for by_position in doc.positions(info):
                for position, term in by_position.items():
                    if term == first and all(by_position.get(position + d) == t for d, t in rest):
                        return True
            return False
        return phrase


@dataclass(frozen=True)
class TextPattern(FieldNode):
    pattern: re.Pattern[str]

    def compile(self) -> Predicate:
        info, fullmatch = self.field, self.pattern.fullmatch
        return lambda doc: any(fullmatch(t) for t in doc.token_set(info))


@dataclass(frozen=True)
class TextRange(FieldNode):
    low: str | None
    high: str | None
    include_low: bool = True
    include_high: bool = True

    def compile(self) -> Predicate:
        info, test = self.field, _in_range(self.low, self.high, self.include_low, self.include_high)
        return _any_value(lambda doc: doc.token_set(info), test)


@dataclass(frozen=True)
class NumberRange(FieldNode):
    """Also a number term (low == high, both included); bounds are compared as the field stores them."""

    low: float | None
    high: float | None
    include_low: bool = True
    include_high: bool = True

    def compile(self) -> Predicate:
        low, high = self.low, self.high
        if self.field.float32:
            low = None if low is None else to_float32(low)
            high = None if high is None else to_float32(high)
        info, test = self.field, _in_range(low, high, self.include_low, self.include_high)
        return _any_value(lambda doc: doc.numbers(info), test)

    def lower_bounds(self) -> tuple[LowerBound, ...]:
        if self.low is None:
            return ()
        low = to_float32(self.low) if self.field.float32 else self.low
        return ((self.field.name, low),)


@dataclass(frozen=True)
class DateRange(FieldNode):
    """Also a date term (the day, or whatever the value's precision covers); bounds may move with now."""

    low: DateBound | None
    high: DateBound | None
    include_low: bool = True
    include_high: bool = True

    @property
    def relative_time(self) -> bool:
        return any(b is not None and b.relative for b in (self.low, self.high))

    def compile(self) -> Predicate:
        info, low, high = self.field, self.low, self.high
        include_low, include_high = self.include_low, self.include_high
        if not self.relative_time:
            test = _in_range(None if low is None else low.ms, None if high is None else high.ms,
                             include_low, include_high)
            return _any_value(lambda doc: doc.dates(info), test)

        def relative(doc: Document) -> bool:
            now = doc.now_ms
            bounded = _in_range(None if low is None else low.resolve(now), None if high is None else high.resolve(now),
                                include_low, include_high)
            return any(bounded(v) for v in doc.dates(info))
        return relative


def _all_of(predicates: tuple[Predicate, ...]) -> Predicate:
    """A conjunction, unrolled for the short ones subscriptions are made of."""
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        a, b = predicates
        return lambda doc: a(doc) and b(doc)
    if len(predicates) == 3:
        a, b, c = predicates
        return lambda doc: a(doc) and b(doc) and c(doc)

    def every(doc: Document) -> bool:
        for p in predicates:  # noqa: SIM110 (a plain loop is faster than all() over a generator)
            if not p(doc):
                return False
        return True
    return every


def _any_of(predicates: tuple[Predicate, ...]) -> Predicate:
    """A disjunction, unrolled for the short ones subscriptions are made of."""
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        a, b = predicates
        return lambda doc: a(doc) or b(doc)

    def some(doc: Document) -> bool:
        for p in predicates:  # noqa: SIM110 (a plain loop is faster than any() over a generator)
            if p(doc):
                return True
        return False
    return some


@dataclass(frozen=True)
class BooleanTerm(FieldNode):
    value: bool

    def compile(self) -> Predicate:
        info, value = self.field, self.value
        return lambda doc: value in doc.booleans(info)


@dataclass(frozen=True)
class Exists(Node):
    fields: tuple[FieldInfo, ...]

    def compile(self) -> Predicate:
        infos = self.fields
        return lambda doc: any(doc.exists(info) for info in infos)

    def field_names(self) -> set[str]:
        return {f.name for f in self.fields}


@dataclass(frozen=True)
class AnyOf(Node):
    """One term searched in several fields (a bare term, a field pattern): any field may match."""

    parts: tuple[Node, ...]

    def compile(self) -> Predicate:
        return _any_of(tuple(p.compile() for p in self.parts))

    def requirements(self) -> Requirements:
        return either(self.parts)

    def field_names(self) -> set[str]:
        return set().union(*(p.field_names() for p in self.parts))

    @property
    def relative_time(self) -> bool:
        return any(p.relative_time for p in self.parts)


def anchor_cost(anchors: Anchors) -> tuple[int, int]:
    """How broad a set of alternatives is: its least selective field first, then how many terms."""
    worst = max((ANCHOR_RANK.get(name, DEFAULT_ANCHOR_RANK) for name, _ in anchors), default=-1)
    return worst, len(anchors)


def best_clause(clauses: tuple[Anchors, ...]) -> Anchors | None:
    """The most selective clause: the one an index should file a query under first."""
    return min(clauses, key=anchor_cost) if clauses else None


def either(parts: Sequence[Node]) -> Requirements:
    """What a disjunction requires: one term of any part's best clause; exact if each part is one exact clause."""
    found: set[Anchor] = set()
    exact = True
    for part in parts:
        clauses, part_exact = part.requirements()
        best = best_clause(clauses)
        if best is None:
            return NOTHING_REQUIRED
        found |= best
        exact = exact and part_exact and len(clauses) == 1
    return (frozenset(found),), exact


@dataclass(frozen=True)
class BoolQuery(Node):
    """A Lucene boolean query (Elasticsearch's query_string semantics)."""

    must: tuple[Node, ...] = ()
    should: tuple[Node, ...] = ()
    must_not: tuple[Node, ...] = field(default=())

    def compile(self) -> Predicate:
        must_not = _any_of(tuple(p.compile() for p in self.must_not)) if self.must_not else None
        if self.must:
            positive = _all_of(tuple(p.compile() for p in self.must))  # optional clauses change no match
        elif self.should:
            positive = _any_of(tuple(p.compile() for p in self.should))
        else:
            # Only prohibited clauses: Elasticsearch matches every other document.
            assert must_not is not None
            excluded = must_not
            return lambda doc: not excluded(doc)
        if must_not is None:
            return positive
        return lambda doc: positive(doc) and not must_not(doc)

    def requirements(self) -> Requirements:
        if self.must:
            # Every required clause's requirements hold; optional clauses do not change what matches.
            clauses: dict[Anchors, None] = {}
            exact = not self.must_not
            for node in self.must:
                node_clauses, node_exact = node.requirements()
                exact = exact and node_exact
                clauses.update(dict.fromkeys(node_clauses))
            return tuple(clauses), exact and bool(clauses)
        if self.should:
            clauses_, exact_ = either(self.should)
            return clauses_, exact_ and not self.must_not
        return NOTHING_REQUIRED

    def split(self) -> tuple[tuple[Anchors, ...], Node | None]:
        if not self.must:
            return super().split()
        clauses: dict[Anchors, None] = {}
        rest: list[Node] = []
        for node in self.must:
            node_clauses, residual = node.split()
            clauses.update(dict.fromkeys(node_clauses))
            if residual is not None:
                rest.append(residual)
        if self.must_not:
            rest.append(BoolQuery(must_not=self.must_not))  # "none of these", Lucene's pure negation
        if not rest:
            return tuple(clauses), None
        return tuple(clauses), rest[0] if len(rest) == 1 else BoolQuery(must=tuple(rest))

    def lower_bounds(self) -> tuple[LowerBound, ...]:
        if self.must:
            return tuple(bound for node in self.must for bound in node.lower_bounds())
        if len(self.should) == 1:
            return self.should[0].lower_bounds()
        return ()

    def field_names(self) -> set[str]:
        return set().union(*(c.field_names() for c in (*self.must, *self.should, *self.must_not)))

    @property
    def relative_time(self) -> bool:
        return any(c.relative_time for c in (*self.must, *self.should, *self.must_not))


def boolean(clauses: Sequence[tuple[str, Node]]) -> Node:
    """A boolean query from (occur, node) pairs, occur one of "must", "should", "must_not"."""
    return BoolQuery(
        must=tuple(n for o, n in clauses if o == "must"),
        should=tuple(n for o, n in clauses if o == "should"),
        must_not=tuple(n for o, n in clauses if o == "must_not"),
    )
