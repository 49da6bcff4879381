"""``parse_query``: a Lucene query string in, a checked, canonical, compiled :class:`Query` out."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from luqum.exceptions import IllegalCharacterError, ParseSyntaxError
from luqum.thread import parse as luqum_parse

from services.common.query.catalogue import Catalogue, load_catalogue
from services.common.query.compiler import ALL, Compiler
from services.common.query.document import Document
from services.common.query.errors import QueryError
from services.common.query.nodes import Anchors, LowerBound, Node, Predicate, best_clause
from services.common.query.vocabulary import Vocabulary, load_vocabulary

MAX_QUERY_LENGTH = 10_000
# Whitespace Lucene's classic parser separates terms on; other spaces (no-break, thin) it would treat as
# part of a word, while luqum treats them as separators, so they are refused rather than read two ways.
_LUCENE_SPACES = frozenset(" \t\n\r\u3000")
_UNEXPECTED_RE = re.compile(r"unexpected\s+'(.*)' at position (\d+)", re.DOTALL)
_ILLEGAL_RE = re.compile(r"Illegal character '(.*)' at position (\d+)", re.DOTALL)


@dataclass(frozen=True, eq=False)
class Query:
    """A subscription query: its canonical ``text``, the ``fields`` it names, and a compiled matcher.

    ``required`` is the most selective set of (field, value) terms at least one of which every matching
    event holds (None when the query has no such set); ``requirements`` lists all such sets the query
    has, and ``exact`` says the query asks nothing more than them; ``lower_bounds`` are (number field,
    least value) pairs every match satisfies. The subscription index files queries by these.
    ``relative_time`` says whether the query uses ``now``. Two queries are equal when their canonical
    texts are.
    """

    source: str
    text: str
    fields: frozenset[str]
    required: Anchors | None
    requirements: tuple[Anchors, ...]
    exact: bool
    lower_bounds: tuple[LowerBound, ...]
    relative_time: bool
    catalogue: Catalogue = field(repr=False)
    _node: Node = field(repr=False)
    _predicate: Predicate = field(repr=False)
    # The query is: every clause of exact_clauses has a term in the event, and residual (if any) matches.
    exact_clauses: tuple[Anchors, ...] = field(default=(), repr=False)
    residual: Predicate | None = field(default=None, repr=False)

    def matches(self, event: Mapping[str, Any], now: dt.datetime | None = None) -> bool:
        """Whether the event (a dict shaped as schemas/event.schema.json) matches; ``now`` for date math."""
        return self._predicate(Document(event, now))

    @property
    def predicate(self) -> Predicate:
        """The compiled matcher over Documents, one object per query (an index judges each once)."""
        return self._predicate

    def matches_document(self, document: Document) -> bool:
        """The same judgement on a prepared Document, which shares its analysed fields between queries."""
        return self._predicate(document)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Query) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __str__(self) -> str:
        return self.text


def _prescan(text: str) -> None:
    """Unbalanced brackets and quotes, and odd spaces, found before luqum so the error points at the opener."""
    stack: list[tuple[str, int]] = []
    quote_at: int | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if quote_at is not None:
            if ch == '"':
                quote_at = None
        elif ch == '"':
            quote_at = i
        elif ch == "(":
            stack.append(("(", i))
        elif ch in "[{":
            stack.append(("[", i))
        elif ch in ")]}":
            want = "(" if ch == ")" else "["
            if not stack or stack[-1][0] != want:
                what = "parenthesis" if ch == ")" else "range bracket"
                raise QueryError(i, f"this closing {what} {ch} has no opening one before it", query=text)
            stack.pop()
        elif ch.isspace() and ch not in _LUCENE_SPACES:
            raise QueryError(i, f"unusual whitespace (U+{ord(ch):04X}); use a plain space", query=text)
        i += 1
    if quote_at is not None:
        raise QueryError(quote_at, "the quote opened here is never closed", query=text)
    if stack:
        opener, at = stack[-1]
        what = "parenthesis" if opener == "(" else "range bracket"
        raise QueryError(at, f"the {what} opened here is never closed", query=text)


def _syntax_error(text: str, exc: Exception) -> QueryError:
    message = str(exc)
    unexpected = _UNEXPECTED_RE.search(message)
    if unexpected:
        token, position = unexpected.group(1), int(unexpected.group(2))
        if token in ("AND", "OR"):
            reason = f"{token} needs a clause on each side"
        elif token == "NOT":
            reason = "NOT needs a clause after it"
        elif token == "TO":
            reason = "TO belongs inside a range, e.g. [1 TO 5]"
        elif token == "":
            reason = "a ~ or ^ here has nothing to apply to"
        elif token == ":":
            reason = "a colon must follow a field name"
        else:
            reason = f"{token!r} is not expected here"
        return QueryError(position, reason, query=text)
    illegal = _ILLEGAL_RE.search(message)
    if illegal:
        char, position = illegal.group(1)[:1], int(illegal.group(2))
        if char == "\\":
            reason = "a backslash at the end escapes nothing"
        else:
            reason = f"{char!r} cannot start a term; escape it with a backslash or quote the value"
        return QueryError(position, reason, query=text)
    if "end of expression" in message:
        stripped = text.rstrip()
        tail = stripped.split()[-1] if stripped.split() else ""
        reason = ("the query ends where more is expected"
                  + (f" (after {tail!r}: an operator, field or range needs what follows it)" if tail else ""))
        return QueryError(len(stripped), reason, query=text)
    return QueryError(0, f"the query cannot be read as Lucene syntax ({message})", query=text)


def _strip(text: str) -> str:
    """Outer whitespace removed, except a space escaped by a final backslash (``a\\ `` is a term)."""
    stripped = text.lstrip()
    kept = stripped.rstrip()
    backslashes = len(kept) - len(kept.rstrip("\\"))
    if backslashes % 2 == 1 and len(kept) < len(stripped):
        kept += stripped[len(kept)]
    return kept


def _compile(text: str, catalogue: Catalogue, vocabulary: Vocabulary) -> Query:
    if not text.strip():
        raise QueryError(0, "the query is empty; write e.g. type:leader_meeting AND countries:KP", query=text)
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(MAX_QUERY_LENGTH, f"the query is longer than {MAX_QUERY_LENGTH} characters", query=text)
    _prescan(text)
    try:
        tree = luqum_parse(text)
    except (ParseSyntaxError, IllegalCharacterError) as exc:
        raise _syntax_error(text, exc) from None
    except RecursionError:
        raise QueryError(0, "the query nests too deeply to read", query=text) from None
    except Exception as exc:  # luqum/PLY internals: any failure to read is the query's fault, said plainly
        raise _syntax_error(text, exc) from None
    compiler = Compiler(text, catalogue, vocabulary)
    try:
        node = compiler.query(tree, ALL)
    except RecursionError:
        raise QueryError(0, "the query nests too deeply to evaluate", query=text) from None
    canonical = _strip(str(tree))
    requirements, exact = node.requirements()
    exact_clauses, residual = node.split()
    return Query(
        source=text,
        text=canonical,
        fields=frozenset(compiler.fields),
        required=best_clause(requirements),
        requirements=requirements,
        exact=exact,
        lower_bounds=node.lower_bounds(),
        relative_time=node.relative_time,
        catalogue=catalogue,
        _node=node,
        _predicate=_compiled(node),
        exact_clauses=exact_clauses,
        residual=_compiled(residual) if residual is not None else None,
    )


@lru_cache(maxsize=65536)
def _compiled(node: Node) -> Predicate:
    """One predicate per distinct (sub)query: nodes compare by structure, so the many subscriptions that
    share a residual (``confidence:>=0.7`` after their country terms) share one function, and the index
    judges it once per event."""
    return node.compile()


@lru_cache(maxsize=8192)
def _cached(text: str, catalogue: Catalogue, vocabulary: Vocabulary) -> Query:
    return _compile(text, catalogue, vocabulary)


def parse_query(text: str, *, catalogue: Catalogue | None = None, vocabulary: Vocabulary | None = None) -> Query:
    """Parse, check and compile a Lucene query over event fields; raises QueryError and nothing else.

    ``catalogue`` defaults to the events index template, ``vocabulary`` to the tagger's bundled knowledge
    base (pass ``load_vocabulary(settings.knowledge_dir)`` where the tagger uses another). Parsed queries
    are immutable and cached by text.
    """
    if not isinstance(text, str):
        raise QueryError(0, f"a query is a string, not {type(text).__name__}")
    try:
        return _cached(text, catalogue or load_catalogue(), vocabulary or load_vocabulary())
    except QueryError:
        raise
    except RecursionError:
        raise QueryError(0, "the query nests too deeply to read", query=text) from None
