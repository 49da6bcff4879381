"""Which fields events have, and how Elasticsearch searches each: read from the index template, not listed here.

The query language must mean in the stream what it means in the ``events`` index, so the field list and
each field's search semantics come from ``schemas/elasticsearch/events.template.json`` itself: a keyword
field compares exact values, a text field compares analysed tokens, numbers and dates compare as numbers
and instants. When the mapping changes (a ``country_pair`` field, an English-analysed ``article.title``,
a ``.keyword`` multi-field) the language follows without a code change. Allowed values (``type``,
``modality``, ``evidence.field``) come the same way from ``schemas/event.schema.json`` enums.

Mapping features the stream cannot evaluate the way Elasticsearch does (``nested`` objects, which the
query string cannot reach; field types such as ``geo_point``; unknown analyzers) are kept in the
catalogue with an ``unsupported`` reason, so a query naming them is refused with that reason instead of
silently matching differently from the index.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from services.common.query.analysis import get_analyzer
from services.common.schemas import SCHEMA_DIR

EVENTS_TEMPLATE = SCHEMA_DIR / "elasticsearch" / "events.template.json"
EVENT_SCHEMA = SCHEMA_DIR / "event.schema.json"

# Which knowledge-base list validates a field's values (see vocabulary.py). The mapping says a field is
# a keyword; only this table says that its keywords are country codes or leader names.
VOCABULARY_FIELDS: Mapping[str, str] = {"countries": "country", "leaders": "leader"}

# When a query requires terms of several fields, the subscription index files it under the most
# selective: a leader narrows events most, then a country, then other exact fields and words of text
# fields, then type and modality (a handful of values each).
ANCHOR_RANK: Mapping[str, int] = {"leaders": 0, "countries": 1, "type": 3, "modality": 4}
DEFAULT_ANCHOR_RANK = 2

DEFAULT_DATE_FORMAT = "strict_date_optional_time||epoch_millis"


class FieldKind(StrEnum):
    KEYWORD = "keyword"
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    BOOLEAN = "boolean"
    UNSUPPORTED = "unsupported"


_KEYWORD_TYPES = {"keyword", "constant_keyword", "wildcard"}
_TEXT_TYPES = {"text", "match_only_text"}
_INTEGER_TYPES = {"long", "integer", "short", "byte", "unsigned_long"}
_FLOAT32_TYPES = {"float", "half_float"}
_DOUBLE_TYPES = {"double", "scaled_float"}
_DATE_TYPES = {"date", "date_nanos"}


@dataclass(frozen=True)
class FieldInfo:
    """One searchable field: its full name, how it is searched, and where its values sit in an event."""

    name: str
    kind: FieldKind
    es_type: str
    source_path: tuple[str, ...]
    analyzer: str | None = None          # text fields: the analyzer its values and queries go through
    normalizer: str | None = None        # keyword fields: a normalizer, if the mapping sets one
    ignore_above: int | None = None      # keyword fields: longer values are not indexed
    integer: bool = False                # number fields holding whole numbers
    float32: bool = False                # float fields: Elasticsearch stores 32-bit floats
    date_formats: tuple[str, ...] = ()   # date fields: the mapping's formats, in order
    values: tuple[str, ...] | None = None  # allowed values from the event schema's enum
    vocabulary: str | None = None        # "country" or "leader": validated against the knowledge base
    unsupported: str | None = None       # why queries on it are refused, when they are

    @property
    def anchor_rank(self) -> int:
        return ANCHOR_RANK.get(self.name, DEFAULT_ANCHOR_RANK)


@dataclass(frozen=True, eq=False)
class Catalogue:
    """The searchable fields of events (leaf fields, multi-fields included) and the object paths above them.

    Compared by identity: a catalogue is loaded once and shared by every query parsed against it.
    """

    fields: Mapping[str, FieldInfo]
    objects: frozenset[str] = field(default_factory=frozenset)
    nested: frozenset[str] = field(default_factory=frozenset)
    source: str = ""

    def get(self, name: str) -> FieldInfo | None:
        return self.fields.get(name)

    def names(self) -> list[str]:
        """Every name a query may put before a colon, for suggestions."""
        return sorted({*self.fields, *self.objects})

    def expand(self, pattern: str) -> list[FieldInfo]:
        """Fields a name pattern with ``*`` covers (as Elasticsearch expands ``article.*:...``)."""
        return [info for name, info in self.fields.items() if fnmatch.fnmatchcase(name, pattern)]

    def under(self, path: str) -> list[FieldInfo]:
        """Leaf fields below an object path (``article`` → ``article.title``, ``article.url``, ...)."""
        prefix = path + "."
        return [info for name, info in self.fields.items() if name.startswith(prefix)]


def _number_flags(es_type: str) -> tuple[bool, bool]:
    return es_type in _INTEGER_TYPES, es_type in _FLOAT32_TYPES


def _field_info(name: str, path: tuple[str, ...], spec: Mapping[str, Any],
                enums: Mapping[str, tuple[str, ...]], parent_kind: FieldKind | None = None) -> FieldInfo:
    es_type = str(spec.get("type", "object"))
    common: dict[str, Any] = {"name": name, "es_type": es_type, "source_path": path,
                              "vocabulary": VOCABULARY_FIELDS.get(name)}
    if parent_kind is None or parent_kind == FieldKind.KEYWORD:
        # Allowed values are the source value's: a .keyword sub-field of an enum field holds the same ones.
        common["values"] = enums.get(".".join(path))
    if es_type in _KEYWORD_TYPES:
        normalizer = spec.get("normalizer")
        unsupported = None
        if normalizer is not None and normalizer not in ("lowercase",):
            unsupported = f"{name} uses the normalizer {normalizer!r}, which subscriptions cannot reproduce"
        ignore = spec.get("ignore_above")
        return FieldInfo(kind=FieldKind.KEYWORD, normalizer=normalizer, unsupported=unsupported,
                         ignore_above=int(ignore) if ignore is not None else None, **common)
    if es_type in _TEXT_TYPES:
        analyzer = str(spec.get("analyzer", "standard"))
        search_analyzer = str(spec.get("search_analyzer", analyzer))
        unsupported = None
        if get_analyzer(analyzer) is None:
            unsupported = f"{name} is analysed with {analyzer!r}, which subscriptions cannot reproduce"
        elif search_analyzer != analyzer:
            unsupported = f"{name} has a separate search_analyzer, which subscriptions cannot reproduce"
        common["values"] = None
        return FieldInfo(kind=FieldKind.TEXT, analyzer=analyzer, unsupported=unsupported, **common)
    if es_type in _INTEGER_TYPES | _FLOAT32_TYPES | _DOUBLE_TYPES:
        integer, float32 = _number_flags(es_type)
        common["values"] = None
        return FieldInfo(kind=FieldKind.NUMBER, integer=integer, float32=float32, **common)
    if es_type in _DATE_TYPES:
        formats = tuple(f.strip() for f in str(spec.get("format", DEFAULT_DATE_FORMAT)).split("||") if f.strip())
        common["values"] = None
        return FieldInfo(kind=FieldKind.DATE, date_formats=formats, **common)
    if es_type == "boolean":
        common["values"] = None
        return FieldInfo(kind=FieldKind.BOOLEAN, **common)
    return FieldInfo(kind=FieldKind.UNSUPPORTED, unsupported=f"{name} is a {es_type} field, which subscriptions"
                     " cannot query", **common)


def _walk(properties: Mapping[str, Any], prefix: tuple[str, ...], enums: Mapping[str, tuple[str, ...]],
          fields: dict[str, FieldInfo], objects: set[str], nested: set[str],
          aliases: dict[str, str]) -> None:
    for key, spec in properties.items():
        path = (*prefix, key)
        name = ".".join(path)
        es_type = spec.get("type")
        if "properties" in spec and es_type in (None, "object", "nested"):
            objects.add(name)
            if es_type == "nested":
                nested.add(name)
            _walk(spec["properties"], path, enums, fields, objects, nested, aliases)
            continue
        if es_type == "alias":
            aliases[name] = str(spec.get("path", ""))
            continue
        info = _field_info(name, path, spec, enums)
        fields[name] = info
        for sub, sub_spec in (spec.get("fields") or {}).items():
            sub_name = f"{name}.{sub}"
            sub_info = _field_info(sub_name, path, sub_spec, enums, parent_kind=info.kind)
            fields[sub_name] = sub_info


def _enum_values(schema: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Dotted path → allowed values, for every property of the event schema that has an enum."""
    defs = schema.get("$defs", {})

    def deref(node: Mapping[str, Any]) -> Mapping[str, Any]:
        seen = 0
        while "$ref" in node and str(node["$ref"]).startswith("#/$defs/") and seen < 10:
            node = defs.get(str(node["$ref"]).removeprefix("#/$defs/"), {})
            seen += 1
        return node

    found: dict[str, tuple[str, ...]] = {}

    def visit(node: Mapping[str, Any], path: tuple[str, ...]) -> None:
        node = deref(node)
        if node.get("type") == "array" or "items" in node:
            items = node.get("items")
            if isinstance(items, Mapping):
                visit(items, path)
        if "enum" in node and path:
            found[".".join(path)] = tuple(str(v) for v in node["enum"] if v is not None)
        for key, child in (node.get("properties") or {}).items():
            if isinstance(child, Mapping):
                visit(child, (*path, key))

    visit(schema, ())
    return found


def build_catalogue(template: Mapping[str, Any], event_schema: Mapping[str, Any] | None = None,
                    source: str = "") -> Catalogue:
    """A catalogue from an index template (and the event schema for allowed values)."""
    mappings = template.get("template", template).get("mappings", {})
    enums = _enum_values(event_schema or {})
    fields: dict[str, FieldInfo] = {}
    objects: set[str] = set()
    nested: set[str] = set()
    aliases: dict[str, str] = {}
    _walk(mappings.get("properties", {}), (), enums, fields, objects, nested, aliases)
    for alias, target in aliases.items():
        if target in fields:
            fields[alias] = fields[target]
    for name, info in list(fields.items()):
        inside = next((n for n in nested if name.startswith(n + ".")), None)
        if inside is not None:
            fields[name] = replace(info, unsupported=f"{name} is inside the nested object {inside}, which the"
                                    " query string cannot reach (Elasticsearch needs a nested query)")
    return Catalogue(fields=dict(sorted(fields.items())), objects=frozenset(objects),
                     nested=frozenset(nested), source=source)


def load_catalogue(template_path: Path | None = None, schema_path: Path | None = None) -> Catalogue:
    """The catalogue of the events index; the default one is read once per process and shared."""
    if template_path is None and schema_path is None:
        return _default_catalogue()
    return _load(template_path or EVENTS_TEMPLATE, schema_path or EVENT_SCHEMA)


@cache
def _default_catalogue() -> Catalogue:
    return _load(EVENTS_TEMPLATE, EVENT_SCHEMA)


def _load(template_path: Path, schema_path: Path) -> Catalogue:
    template = json.loads(template_path.read_text(encoding="utf-8"))
    schema = json.loads(schema_path.read_text(encoding="utf-8")) if schema_path.exists() else {}
    return build_catalogue(template, schema, source=str(template_path))


def describe_fields(fields: Iterable[FieldInfo]) -> str:
    """``article.title (text), article.url (keyword)``: for messages listing what a path holds."""
    return ", ".join(f"{f.name} ({f.kind.value})" for f in fields)
