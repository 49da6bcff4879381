"""An event seen the way Elasticsearch indexes it: per field, its keywords, tokens, numbers or instants.

A compiled query asks a :class:`Document` for a field's values in the form that field is searched by,
and the document works each out once: an event checked against a thousand candidate subscriptions
tokenizes its title once, not a thousand times. Arrays match if any element matches, and arrays of
objects (``evidence[].text``) are flattened into one list per field path, which is exactly what
Elasticsearch does with an ``object`` mapping. Null values are absent, as in the index.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
from collections.abc import Mapping
from typing import Any

from services.common.query.analysis import Token, get_analyzer
from services.common.query.catalogue import FieldInfo, FieldKind
from services.common.query.dates import event_date_ms, now_ms

_NUMBER_RE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_FLOAT32 = struct.Struct("f")


def to_float32(value: float) -> float:
    """The value a ``float`` field stores: Elasticsearch keeps 32-bit floats, so 0.7 is 0.699999988..."""
    try:
        return float(_FLOAT32.unpack(_FLOAT32.pack(value))[0])
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")


def parse_number(text: str) -> float | None:
    """A number as Elasticsearch reads one in a query or a document (no NaN, no infinity, no ``1_000``)."""
    text = text.strip()
    if not _NUMBER_RE.fullmatch(text):
        return None
    return float(text)


def _collect(node: Any, path: tuple[str, ...], out: list[Any]) -> None:
    if node is None:
        return
    if isinstance(node, list | tuple):
        for item in node:
            _collect(item, path, out)
        return
    if not path:
        if not isinstance(node, Mapping):
            out.append(node)
        return
    if isinstance(node, Mapping):
        _collect(node.get(path[0]), path[1:], out)


def _keyword_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Document:
    """One event (a schema-shaped dict) with its per-field values computed on first use."""

    __slots__ = ("_bools", "_dates", "_keywords", "_now", "_now_ms", "_numbers", "_phrases", "_raw",
                 "_token_sets", "_tokens", "source")

    def __init__(self, event: Mapping[str, Any], now: dt.datetime | None = None) -> None:
        self.source = event
        self._now = now
        self._now_ms: int | None = None
        self._raw: dict[tuple[str, ...], tuple[Any, ...]] = {}
        self._keywords: dict[str, frozenset[str]] = {}
        self._tokens: dict[str, tuple[tuple[Token, ...], ...]] = {}
        self._token_sets: dict[str, frozenset[str]] = {}
        self._phrases: dict[str, tuple[dict[int, str], ...]] = {}
        self._numbers: dict[str, tuple[float, ...]] = {}
        self._dates: dict[str, tuple[int, ...]] = {}
        self._bools: dict[str, tuple[bool, ...]] = {}

    @property
    def now_ms(self) -> int:
        """The match time, read once per document so every query sees the same ``now``."""
        if self._now_ms is None:
            self._now_ms = now_ms(self._now)
        return self._now_ms

    def raw(self, field: FieldInfo) -> tuple[Any, ...]:
        values = self._raw.get(field.source_path)
        if values is None:
            out: list[Any] = []
            _collect(self.source, field.source_path, out)
            values = self._raw[field.source_path] = tuple(out)
        return values

    def keywords(self, field: FieldInfo) -> frozenset[str]:
        """A keyword field's indexed terms: exact strings, lowercased only under a lowercase normalizer."""
        found = self._keywords.get(field.name)
        if found is None:
            values = [_keyword_text(v) for v in self.raw(field)]
            if field.ignore_above is not None:
                values = [v for v in values if len(v) <= field.ignore_above]
            if field.normalizer == "lowercase":
                values = [v.lower() for v in values]
            found = self._keywords[field.name] = frozenset(values)
        return found

    def tokens(self, field: FieldInfo) -> tuple[tuple[Token, ...], ...]:
        """A text field's tokens, one tuple per value (phrases do not run from one value into the next)."""
        found = self._tokens.get(field.name)
        if found is None:
            analyzer = get_analyzer(field.analyzer or "standard")
            if analyzer is None:
                found = ()
            else:
                found = tuple(analyzer.analyze(v if isinstance(v, str) else _keyword_text(v))
                              for v in self.raw(field))
            self._tokens[field.name] = found
        return found

    def token_set(self, field: FieldInfo) -> frozenset[str]:
        found = self._token_sets.get(field.name)
        if found is None:
            found = self._token_sets[field.name] = frozenset(t for value in self.tokens(field) for _, t in value)
        return found

    def positions(self, field: FieldInfo) -> tuple[dict[int, str], ...]:
        """Per value, position → token: what a phrase query walks."""
        found = self._phrases.get(field.name)
        if found is None:
            found = self._phrases[field.name] = tuple(dict(value) for value in self.tokens(field))
        return found

    def numbers(self, field: FieldInfo) -> tuple[float, ...]:
        """A number field's values as stored: whole numbers truncated, floats rounded to 32 bits."""
        found = self._numbers.get(field.name)
        if found is None:
            out: list[float] = []
            for value in self.raw(field):
                if isinstance(value, bool):
                    continue
                number = float(value) if isinstance(value, int | float) else parse_number(str(value))
                if number is None or number != number:
                    continue
                if field.integer:
                    number = float(int(number))
                elif field.float32:
                    number = to_float32(number)
                out.append(number)
            found = self._numbers[field.name] = tuple(out)
        return found

    def dates(self, field: FieldInfo) -> tuple[int, ...]:
        """A date field's values as epoch milliseconds (ISO strings, or epoch milliseconds as numbers)."""
        found = self._dates.get(field.name)
        if found is None:
            out: list[int] = []
            for value in self.raw(field):
                if isinstance(value, bool):
                    continue
                if isinstance(value, int):
                    out.append(value)
                    continue
                ms = event_date_ms(str(value))
                if ms is not None:
                    out.append(ms)
            found = self._dates[field.name] = tuple(out)
        return found

    def booleans(self, field: FieldInfo) -> tuple[bool, ...]:
        found = self._bools.get(field.name)
        if found is None:
            out: list[bool] = []
            for value in self.raw(field):
                if isinstance(value, bool):
                    out.append(value)
                elif value in ("true", "false"):
                    out.append(value == "true")
            found = self._bools[field.name] = tuple(out)
        return found

    def exists(self, field: FieldInfo) -> bool:
        """Whether the index would hold any value for the field (``_exists_:field``)."""
        if field.kind == FieldKind.KEYWORD:
            return bool(self.keywords(field))
        if field.kind == FieldKind.NUMBER:
            return bool(self.numbers(field))
        if field.kind == FieldKind.DATE:
            return bool(self.dates(field))
        if field.kind == FieldKind.BOOLEAN:
            return bool(self.booleans(field))
        return bool(self.raw(field))
