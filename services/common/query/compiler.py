"""From a luqum parse tree to a checked, resolved query: Lucene's rules, our catalogue, our vocabulary.

luqum gives the syntax tree with positions; this module gives it Elasticsearch's meaning. Two places
need care because luqum and Lucene differ:

* Operators. luqum groups ``a AND b OR c`` by precedence; Lucene's classic parser (which
  Elasticsearch's ``query_string`` extends) does not: it reads the clauses left to right, an ``AND``
  makes the clauses on both sides required, ``+``/``-``/``NOT`` mark one clause, and everything else is
  optional (default operator OR). ``a AND b OR c`` is therefore ``+a +b c``, and ``a OR b AND c`` is
  ``a +b +c``. The tree is flattened back to its clause sequence and rebuilt with Lucene's rules, so a
  query means in the stream what it means in the index.
* Lexing. luqum accepts some terms Lucene rejects or reads otherwise (``&&``, ``!a``, an unescaped
  ``/`` or ``:`` inside a term, ``field:-a``). Those are refused with the position and how to write
  them, rather than evaluated one way here and another way in Elasticsearch.

Values are checked against the field they are searched in (numbers on number fields, dates on date
fields, allowed values on enum fields) and resolved against the knowledge base (``leaders:Putin`` →
``leaders:"Vladimir Putin"``). A resolved value is written back into the tree, and the tree printed
again is the canonical text: the very query that is stored and sent to Elasticsearch.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from luqum import tree as lq

from services.common.query.analysis import get_analyzer
from services.common.query.catalogue import Catalogue, FieldInfo, FieldKind, describe_fields
from services.common.query.dates import DateValueError, parse_bound
from services.common.query.document import parse_number
from services.common.query.errors import QueryError
from services.common.query.nodes import (
    AnyOf,
    BooleanTerm,
    DateRange,
    Exists,
    KeywordPattern,
    KeywordRange,
    KeywordTerm,
    MatchAll,
    MatchNone,
    Node,
    NumberRange,
    TextAny,
    TextPattern,
    TextPhrase,
    TextRange,
    boolean,
)
from services.common.query.vocabulary import Unresolved, Vocabulary

MAX_DEPTH = 40
EXISTS_FIELD = "_exists_"
_SAFE_TERM_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.]*")
_RESERVED_WORDS = frozenset({"AND", "OR", "NOT", "TO"})
_ESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)
# Characters Lucene's classic parser does not take unescaped inside a term (luqum is laxer).
_TERM_FORBIDDEN = {'"': "a quote", "/": "a slash (Lucene reads /.../ as a regular expression)",
                   "!": "an exclamation mark (Lucene reads ! as NOT)",
                   ":": "a colon (Lucene reads it as a field separator)"}

Occur = Literal["must", "should", "must_not"]
Conjunction = Literal["AND", "OR"] | None
Modifier = Literal["+", "-", "NOT"] | None


class _Skip(Exception):
    """A value that does not fit one field of several (bare terms, field patterns): that field is left out,
    as Elasticsearch's lenient multi-field search leaves it out."""

    def __init__(self, reason: str, suggestion: str | None = None, label: str | None = None,
                 end: Literal["low", "high"] = "low") -> None:
        super().__init__(reason)
        self.reason = reason
        self.suggestion = suggestion
        self.label = label
        self.end = end  # which bound of a range is at fault


@dataclass(frozen=True)
class Context:
    """Which fields the terms in scope are searched in: all of them, named ones, or ``_exists_``."""

    kind: Literal["all", "fields", "exists"]
    name: str
    fields: tuple[FieldInfo, ...] = ()
    pattern: bool = False


ALL = Context(kind="all", name="*")


def unescape(text: str) -> str:
    return _ESCAPE_RE.sub(r"\1", text)


def quote(value: str) -> str:
    """``value`` as a Lucene phrase: quoted, with quotes and backslashes escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def as_term(value: str) -> str:
    """``value`` as Lucene reads it back unchanged: bare when it is a plain word, else quoted."""
    if _SAFE_TERM_RE.fullmatch(value) and value not in _RESERVED_WORDS:
        return value
    return quote(value)


def _unescaped_positions(raw: str) -> list[tuple[int, str]]:
    """(index, char) of the characters of ``raw`` that are not escaped by a backslash."""
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(raw):
        if raw[i] == "\\":
            i += 2
            continue
        out.append((i, raw[i]))
        i += 1
    return out


def wildcard_regex(raw: str, normalize: Callable[[str], str] | None = None) -> re.Pattern[str] | None:
    """The regex a Lucene wildcard term (``*`` any run, ``?`` one character) stands for, or None when
    ``raw`` has no unescaped wildcard. ``normalize`` applies to the literal parts (a text field's
    lowercasing), as Elasticsearch normalizes wildcard terms."""
    parts: list[str] = []
    literal: list[str] = []
    wild = False
    i = 0

    def flush() -> None:
        if literal:
            text = "".join(literal)
            parts.append(re.escape(normalize(text) if normalize else text))
            literal.clear()

    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            literal.append(raw[i + 1])
            i += 2
            continue
        if ch in "*?":
            flush()
            parts.append(".*" if ch == "*" else ".")
            wild = True
        else:
            literal.append(ch)
        i += 1
    flush()
    if not wild:
        return None
    return re.compile("".join(parts), re.DOTALL)


def suggest(value: str, choices: list[str], cutoff: float = 0.6) -> str | None:
    """The closest choice (case-blind first, then by similarity), for "did you mean"."""
    folded = {c.casefold(): c for c in choices}
    if value.casefold() in folded:
        return folded[value.casefold()]
    normalized = re.sub(r"[\s-]+", "_", value.casefold())
    if normalized in folded:
        return folded[normalized]
    close = difflib.get_close_matches(normalized, list(folded), n=1, cutoff=cutoff)
    return folded[close[0]] if close else None


class Compiler:
    """Walks one parse tree; collects the fields it names; raises QueryError at the first problem."""

    def __init__(self, text: str, catalogue: Catalogue, vocabulary: Vocabulary) -> None:
        self.text = text
        self.catalogue = catalogue
        self.vocabulary = vocabulary
        self.fields: set[str] = set()

    def error(self, item: lq.Item | None, reason: str, field: str | None = None,
              suggestion: str | None = None, label: str | None = None, position: int | None = None) -> QueryError:
        if position is None:
            position = item.pos if item is not None and item.pos is not None else 0
        return QueryError(position, reason, field=field, suggestion=suggestion, query=self.text,
                          suggestion_label=label)

    # --- boolean structure -------------------------------------------------------------------------

    def query(self, node: lq.Item, ctx: Context, depth: int = 0) -> Node:
        """A (sub-)query: its clauses in order, combined by Lucene's classic-parser rules."""
        if depth > MAX_DEPTH:
            raise self.error(node, f"the query nests groups more than {MAX_DEPTH} deep")
        items: list[tuple[Conjunction, lq.Item]] = []
        self._flatten(node, None, items)
        clauses: list[list[object]] = []  # [occur, node]
        first_unmodified: Node | None = None
        for index, (conjunction, item) in enumerate(items):
            modifier, atom = self._modifier(item)
            built = self.clause(atom, ctx, depth)
            if index == 0 and modifier is None:
                first_unmodified = built
            if clauses and conjunction == "AND" and clauses[-1][0] != "must_not":
                clauses[-1][0] = "must"  # AND makes the clause before it required, unless prohibited
            prohibited = modifier in ("-", "NOT")
            required = modifier == "+" or (conjunction == "AND" and not prohibited)
            occur: Occur = "must_not" if prohibited else "must" if required else "should"
            clauses.append([occur, built])
        if len(clauses) == 1 and first_unmodified is not None:
            return first_unmodified
        return boolean([(str(o), n) for o, n in clauses])  # type: ignore[misc]

    def _flatten(self, node: lq.Item, conjunction: Conjunction, out: list[tuple[Conjunction, lq.Item]]) -> None:
        if isinstance(node, lq.AndOperation | lq.OrOperation | lq.UnknownOperation):
            operator: Conjunction = ("AND" if isinstance(node, lq.AndOperation)
                                     else "OR" if isinstance(node, lq.OrOperation) else None)
            for index, operand in enumerate(node.operands):
                self._flatten(operand, conjunction if index == 0 else operator, out)
            return
        if isinstance(node, lq.BaseOperation):
            raise self.error(node, "this combination of operators is not Lucene syntax")
        out.append((conjunction, node))

    def _strip_boost(self, node: lq.Item) -> lq.Item:
        while isinstance(node, lq.Boost):
            if node.implicit_force:
                expr = node.expr
                caret = (expr.pos or 0) + (expr.size or 0) + len(expr.tail or "")
                raise self.error(node, position=caret, reason="a boost ^ needs a number after it (e.g. ^2);"
                                 " boosts change ranking, not which events match")
            node = node.expr
        return node

    def _modifier(self, node: lq.Item) -> tuple[Modifier, lq.Item]:
        node = self._strip_boost(node)
        modifier: Modifier = None
        if isinstance(node, lq.Plus | lq.Prohibit | lq.Not):
            modifier = "+" if isinstance(node, lq.Plus) else "-" if isinstance(node, lq.Prohibit) else "NOT"
            inner = self._strip_boost(node.a)
            if isinstance(inner, lq.Plus | lq.Prohibit | lq.Not):
                raise self.error(inner, f"two operators in a row ({modifier} then {_modifier_name(inner)});"
                                 " Lucene takes one of +, - or NOT before a clause")
            node = inner
        return modifier, node

    def clause(self, node: lq.Item, ctx: Context, depth: int) -> Node:
        if isinstance(node, lq.Group):
            return self.query(node.expr, ctx, depth + 1)
        if isinstance(node, lq.FieldGroup):
            return self.query(node.expr, ctx, depth + 1)
        if isinstance(node, lq.SearchField):
            return self.search_field(node, depth)
        if isinstance(node, lq.Phrase | lq.Word):
            return self.term(node, ctx)
        if isinstance(node, lq.Range | lq.From | lq.To):
            return self.range(node, ctx)
        if isinstance(node, lq.Fuzzy):
            raise self.error(node, "fuzzy terms (word~) are not supported in subscriptions: their edit-distance"
                             " matching cannot be reproduced exactly in the stream; use a wildcard or list"
                             " the spellings with OR")
        if isinstance(node, lq.Proximity):
            raise self.error(node, 'proximity phrases ("..."~N) are not supported in subscriptions; use an'
                             " exact phrase or AND the words")
        if isinstance(node, lq.Regex):
            raise self.error(node, "regular expressions (/.../) are not supported in subscriptions; use a"
                             " wildcard (* or ?) instead")
        raise self.error(node, f"{str(node).strip() or 'this part'} is not a query clause")

    # --- fields ------------------------------------------------------------------------------------

    def search_field(self, node: lq.SearchField, depth: int) -> Node:
        if node.name.startswith("!"):
            raise self.error(node, "! is not supported; write NOT before the clause")
        if node.name in ("&&", "||"):
            raise self.error(node, f"{node.name} is not an operator here; write {'AND' if node.name == '&&' else 'OR'}")
        name = unescape(node.name)
        expr = self._strip_boost(node.expr)
        if isinstance(expr, lq.Plus | lq.Prohibit | lq.Not):
            op = _modifier_name(expr)
            raise self.error(expr, f"{op} must come before the field, not after the colon: write"
                             f" {op}{name}:{str(expr.a).strip()}")
        if isinstance(expr, lq.SearchField):
            raise self.error(expr, f"a field inside a field ({name}:{expr.name}:...); Lucene takes one field"
                             " name before a value", field=name)
        ctx = self.context(name, node)
        if isinstance(expr, lq.FieldGroup | lq.Group):
            return self.query(expr.expr, ctx, depth + 1)
        return self.clause(expr, ctx, depth)

    def context(self, name: str, node: lq.Item) -> Context:
        if name == "*":
            return ALL
        if name == EXISTS_FIELD:
            return Context(kind="exists", name=name)
        if "*" in name:
            fields = self.catalogue.expand(name)
            usable = tuple(f for f in fields if not f.unsupported)
            if not usable:
                reason = (f"no field of events matches {name}" if not fields
                          else f"every field matching {name} is one subscriptions cannot query")
                raise self.error(node, reason, field=name)
            self.fields.update(f.name for f in usable)
            return Context(kind="fields", name=name, fields=usable, pattern=True)
        info = self.catalogue.get(name)
        if info is None:
            if name in self.catalogue.objects:
                children = self.catalogue.under(name)
                raise self.error(node, f"{name} is an object; search one of its fields: {describe_fields(children)}",
                                 field=name)
            suggestion = suggest(name, self.catalogue.names())
            raise self.error(node, f"events have no field {name!r}", field=name, suggestion=suggestion)
        if info.unsupported:
            raise self.error(node, info.unsupported, field=name)
        self.fields.add(info.name)
        return Context(kind="fields", name=name, fields=(info,))

    # --- terms -------------------------------------------------------------------------------------

    def term(self, item: lq.Word | lq.Phrase, ctx: Context) -> Node:
        quoted = isinstance(item, lq.Phrase)
        raw = item.value[1:-1] if quoted else item.value
        if not quoted:
            self._check_word(item, ctx)
        if ctx.kind == "exists":
            return self.exists(item, unescape(raw))
        if ctx.kind == "all":
            if not quoted and raw == "*":
                return MatchAll()
            return self.across(item, raw, quoted, self.catalogue.fields.values(), ctx)
        if not quoted and raw == "*":
            return Exists(ctx.fields)  # field:* is an exists query in Elasticsearch
        if len(ctx.fields) == 1 and not ctx.pattern:
            info = ctx.fields[0]
            try:
                return self.field_term(info, item, raw, quoted, canonical=True)
            except _Skip as problem:
                raise self.error(item, problem.reason, field=info.name, suggestion=problem.suggestion,
                                 label=problem.label) from None
        return self.across(item, raw, quoted, ctx.fields, ctx)

    def across(self, item: lq.Word | lq.Phrase, raw: str, quoted: bool, fields: object, ctx: Context) -> Node:
        """One term in many fields (Elasticsearch's lenient multi-field query): fields it fits, ORed."""
        parts: list[Node] = []
        first_problem: _Skip | None = None
        for info in fields:  # type: ignore[attr-defined]
            if info.unsupported:
                continue
            try:
                parts.append(self.field_term(info, item, raw, quoted, canonical=False))
            except _Skip as problem:
                first_problem = first_problem or problem
        if parts:
            return AnyOf(tuple(parts)) if len(parts) > 1 else parts[0]
        if ctx.kind == "all":
            return MatchNone()
        reason = first_problem.reason if first_problem else "the value fits none of the fields"
        raise self.error(item, f"{ctx.name} covers no field this value can match ({reason})", field=ctx.name)

    def _check_word(self, item: lq.Word, ctx: Context, in_range: bool = False) -> None:
        raw = item.value
        if raw in ("&&", "||"):
            raise self.error(item, f"{raw} is not an operator here; write {'AND' if raw == '&&' else 'OR'}")
        for index, ch in _unescaped_positions(raw):
            if ch in _TERM_FORBIDDEN:
                if in_range:
                    hint = f"write a range in brackets, e.g. {ctx.name}:[{unescape(raw)} TO *]"
                elif ch == ":":
                    hint = 'quote the value (e.g. "2025-01-01T10:00")'
                else:
                    hint = "quote the value"
                if ch == "!" and index == 0:
                    raise self.error(item, "! is not supported; write NOT before the clause")
                raise self.error(item, f"{raw!r} contains {_TERM_FORBIDDEN[ch]}; escape it with a backslash"
                                 f" (\\{ch}) or {hint}", position=(item.pos or 0) + index)
        if ctx.kind == "all" and raw in ("and", "or", "not"):
            raise self.error(item, f"lowercase {raw!r} is searched as a word, not used as an operator; write"
                             f" {raw.upper()} for the operator, or quote \"{raw}\" to search the word")

    def field_term(self, info: FieldInfo, item: lq.Word | lq.Phrase, raw: str, quoted: bool,
                   canonical: bool) -> Node:
        """The query one term makes on one field; raises _Skip when the value cannot match there."""
        pattern_source = None if quoted else raw
        value = unescape(raw)
        if info.kind == FieldKind.KEYWORD:
            normalize = str.lower if info.normalizer == "lowercase" else None
            regex = wildcard_regex(pattern_source, normalize) if pattern_source is not None else None
            if regex is not None:
                if canonical:
                    self._check_pattern(info, regex, raw)
                return KeywordPattern(info, regex)
            if normalize:
                value = normalize(value)
            if canonical:
                value = self.resolve(info, item, value, quoted)
            if info.ignore_above is not None and len(value) > info.ignore_above:
                raise _Skip(f"{info.name} does not index values longer than {info.ignore_above} characters")
            return KeywordTerm(info, value)
        if info.kind == FieldKind.TEXT:
            analyzer = get_analyzer(info.analyzer or "standard")
            if analyzer is None:
                raise _Skip(info.unsupported or f"{info.name} cannot be analysed")
            regex = wildcard_regex(pattern_source, analyzer.normalize) if pattern_source is not None else None
            if regex is not None:
                return TextPattern(info, regex)
            tokens = analyzer.analyze(value)
            if not tokens:
                raise _Skip(f"{value!r} leaves no words to search in {info.name} once analysed ({analyzer.name}"
                            " analyzer: punctuation and stop words are dropped), so it can never match")
            if quoted and len(tokens) > 1:
                return TextPhrase(info, tokens)
            return TextAny(info, frozenset(t for _, t in tokens))
        if pattern_source is not None and wildcard_regex(pattern_source) is not None:
            raise _Skip(f"{info.name} is a {info.kind.value} field; wildcards work on keyword and text fields"
                        " (use a range instead)")
        if info.kind == FieldKind.NUMBER:
            number = self._number(info, value)
            return NumberRange(info, number, number)
        if info.kind == FieldKind.DATE:
            try:
                low = parse_bound(value, info.date_formats, round_up=False)
                high = parse_bound(value, info.date_formats, round_up=True)
            except DateValueError as exc:
                raise _Skip(f"{info.name} holds dates: {exc}") from None
            return DateRange(info, low, high)
        if info.kind == FieldKind.BOOLEAN:
            if value not in ("true", "false"):
                raise _Skip(f"{info.name} holds true or false, not {value!r}")
            return BooleanTerm(info, value == "true")
        raise _Skip(info.unsupported or f"{info.name} cannot be queried")

    def _number(self, info: FieldInfo, value: str) -> float:
        number = parse_number(value)
        if number is None:
            raise _Skip(f"{info.name} holds numbers, and {value!r} is not a number")
        if info.integer and not number.is_integer():
            raise _Skip(f"{info.name} holds whole numbers, so {value} can never match",
                        suggestion=str(int(number)))
        return number

    def _check_pattern(self, info: FieldInfo, regex: re.Pattern[str], raw: str) -> None:
        known = self._known_values(info)
        if known is not None and not any(regex.fullmatch(v) for v in known):
            hint = " (keyword values are case-sensitive)" if info.vocabulary == "leader" else ""
            raise _Skip(f"no {info.name} value events can have matches {raw}{hint}")

    def _known_values(self, info: FieldInfo) -> list[str] | None:
        if info.vocabulary == "country":
            return list(self.vocabulary.countries)
        if info.vocabulary == "leader":
            return list(self.vocabulary.leaders)
        if info.values is not None:
            return list(info.values)
        return None

    def resolve(self, info: FieldInfo, item: lq.Word | lq.Phrase, value: str, quoted: bool) -> str:
        """Check a keyword value against what events can hold; write the canonical spelling back."""
        resolved = value
        try:
            if info.vocabulary == "country":
                resolved = self.vocabulary.resolve_country(value)
            elif info.vocabulary == "leader":
                resolved = self.vocabulary.resolve_leader(value)
        except Unresolved as problem:
            raise _Skip(problem.reason, problem.suggestion, problem.label) from None
        if info.values is not None and resolved not in info.values:
            match = suggest(resolved, list(info.values))
            if match is not None and match.casefold() == resolved.casefold():
                resolved = match
            else:
                allowed = ", ".join(info.values)
                raise _Skip(f"{resolved!r} is not a {info.name} events have (one of: {allowed})", match)
        if info.vocabulary == "leader":
            canonical = quote(resolved)  # names read best quoted, and need it when they have spaces
        elif resolved != value:
            canonical = as_term(resolved)
        else:
            return resolved  # as the person wrote it
        if canonical != item.value:
            item.value = canonical
        return resolved

    # --- ranges and exists -------------------------------------------------------------------------

    def _bound_text(self, bound: lq.Item) -> str | None:
        """The text of a range bound; None for ``*`` (open)."""
        negative = False
        if isinstance(bound, lq.Prohibit):
            negative, bound = True, bound.a
        if isinstance(bound, lq.Phrase):
            text = unescape(bound.value[1:-1])
        elif isinstance(bound, lq.Word):
            if bound.value == "*" and not negative:
                return None
            text = unescape(bound.value)
        else:
            raise self.error(bound, "a range bound must be a value")
        return "-" + text if negative else text

    def range(self, node: lq.Range | lq.From | lq.To, ctx: Context) -> Node:
        if ctx.kind != "fields":
            raise self.error(node, "a range needs a field before it, e.g. confidence:>=0.7 or"
                             " date:[2025-01-01 TO now]")
        if isinstance(node, lq.Range):
            low_item, high_item = node.low, node.high
            low, high = self._bound_text(node.low), self._bound_text(node.high)
            include_low, include_high = node.include_low, node.include_high
        else:
            if node.a.head:
                raise self.error(node, f"no space may follow {node.op}{'=' if node.include else ''}: write"
                                 f" {ctx.name}:{node.op}{'=' if node.include else ''}{str(node.a).strip()}")
            if isinstance(node.a, lq.Phrase):
                raise self.error(node.a, f"a quoted value cannot follow {node.op} in Lucene syntax; escape special"
                                 f" characters with a backslash instead, or write a range such as"
                                 f" {ctx.name}:[VALUE TO *]")
            if isinstance(node.a, lq.Word):
                self._check_word(node.a, ctx, in_range=True)
            value = self._bound_text(node.a)
            if isinstance(node, lq.From):
                low_item, high_item, low, high = node.a, None, value, None
                include_low, include_high = node.include, True
            else:
                low_item, high_item, low, high = None, node.a, None, value
                include_low, include_high = True, node.include
        parts: list[Node] = []
        for info in ctx.fields:
            try:
                parts.append(self.field_range(info, low, high, include_low, include_high))
            except _Skip as problem:
                if len(ctx.fields) == 1:
                    culprit = high_item if problem.end == "high" else low_item
                    raise self.error(culprit or node, problem.reason, field=info.name,
                                     suggestion=problem.suggestion) from None
        if not parts:
            raise self.error(node, f"{ctx.name} covers no field this range can apply to", field=ctx.name)
        return AnyOf(tuple(parts)) if len(parts) > 1 else parts[0]

    def field_range(self, info: FieldInfo, low: str | None, high: str | None, include_low: bool,
                    include_high: bool) -> Node:
        if info.kind == FieldKind.KEYWORD:
            normalize = (lambda s: s.lower()) if info.normalizer == "lowercase" else (lambda s: s)
            return KeywordRange(info, None if low is None else normalize(low),
                                None if high is None else normalize(high), include_low, include_high)
        if info.kind == FieldKind.TEXT:
            analyzer = get_analyzer(info.analyzer or "standard")
            norm = analyzer.normalize if analyzer else (lambda s: s)
            return TextRange(info, None if low is None else norm(low), None if high is None else norm(high),
                             include_low, include_high)
        if info.kind == FieldKind.NUMBER:
            low_n = None if low is None else self._range_number(info, low, "low")
            high_n = None if high is None else self._range_number(info, high, "high")
            return NumberRange(info, low_n, high_n, include_low, include_high)
        if info.kind == FieldKind.DATE:
            try:
                low_d = None if low is None else parse_bound(low, info.date_formats, round_up=not include_low)
            except DateValueError as exc:
                raise _Skip(f"{info.name} holds dates: {exc}") from None
            try:
                high_d = None if high is None else parse_bound(high, info.date_formats, round_up=include_high)
            except DateValueError as exc:
                raise _Skip(f"{info.name} holds dates: {exc}", end="high") from None
            return DateRange(info, low_d, high_d, include_low, include_high)
        raise _Skip(info.unsupported or f"{info.name} is a {info.kind.value} field; ranges apply to numbers,"
                    " dates, keywords and text")

    def _range_number(self, info: FieldInfo, text: str, end: Literal["low", "high"]) -> float:
        number = parse_number(text)
        if number is None:
            raise _Skip(f"{info.name} holds numbers, and {text!r} is not a number", end=end)
        return number

    def exists(self, item: lq.Word | lq.Phrase, name: str) -> Node:
        if name == "*":
            return MatchAll()
        if "*" in name:
            fields = tuple(f for f in self.catalogue.expand(name) if not f.unsupported)
        elif name in self.catalogue.objects:
            fields = tuple(f for f in self.catalogue.under(name) if not f.unsupported)
        else:
            info = self.catalogue.get(name)
            if info is None:
                raise self.error(item, f"events have no field {name!r} to test with _exists_", field=name,
                                 suggestion=suggest(name, self.catalogue.names()))
            fields = (info,)
        if not fields:
            raise self.error(item, f"no field of events matches {name}", field=name)
        self.fields.update(f.name for f in fields)
        return Exists(fields)


def _modifier_name(node: lq.Item) -> str:
    return "+" if isinstance(node, lq.Plus) else "-" if isinstance(node, lq.Prohibit) else "NOT"
