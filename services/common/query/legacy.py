"""Today's structured ``match`` objects (deploy/subscriptions.yaml) as Lucene queries, so old files keep working.

The structured form (``types``, ``modalities``, ``countries_all``, ``countries_any``, ``leaders_any``,
``min_confidence``; every given criterion must hold) maps one to one onto the query language:

    {types: [leader_meeting, phone_call], countries_all: [US, CN], min_confidence: 0.5}
    → type:(leader_meeting OR phone_call) AND countries:US AND countries:CN AND confidence:>=0.5

The translation keeps the values as written; ``parse_query`` then validates and resolves them like any
query. One deliberate difference: ``leaders_any`` compared names case-blind with the event's names, so
only a canonical full name in some case could ever match; the translated query resolves surnames and
aliases too (``Putin`` matches ``Vladimir Putin``), and refuses names the knowledge base does not know,
where the old matcher matched nothing, silently. ``min_confidence`` compares as Elasticsearch stores
``confidence`` (a 32-bit float), which differs from the old double comparison only for values closer
than about 1e-8.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.common.query.compiler import as_term, quote

MATCH_CRITERIA = ("types", "modalities", "countries_all", "countries_any", "leaders_any", "min_confidence")


def _values(criterion: str, raw: Any) -> list[str]:
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        raise ValueError(f"match.{criterion} must be a non-empty list, not {raw!r}")
    if not all(isinstance(v, str) and v.strip() for v in raw):
        raise ValueError(f"match.{criterion} must list non-empty strings, not {raw!r}")
    return list(dict.fromkeys(raw))


def _any_of(field: str, values: list[str], render: Any = as_term) -> str:
    if len(values) == 1:
        return f"{field}:{render(values[0])}"
    return f"{field}:(" + " OR ".join(render(v) for v in values) + ")"


def query_from_match(match: Mapping[str, Any]) -> str:
    """The Lucene query equivalent to a subscription's structured ``match``; ``*:*`` when it is empty.

    Raises ValueError naming the criterion when ``match`` is not the shape
    schemas/subscription.schema.json describes.
    """
    if not isinstance(match, Mapping):
        raise ValueError(f"match must be an object, not {type(match).__name__}")
    unknown = sorted(set(match) - set(MATCH_CRITERIA))
    if unknown:
        raise ValueError(f"match has unknown criteria {', '.join(unknown)} (known: {', '.join(MATCH_CRITERIA)})")
    clauses: list[str] = []
    if "types" in match:
        clauses.append(_any_of("type", _values("types", match["types"])))
    if "modalities" in match:
        clauses.append(_any_of("modality", _values("modalities", match["modalities"])))
    if "countries_all" in match:
        clauses.extend(f"countries:{as_term(c)}" for c in _values("countries_all", match["countries_all"]))
    if "countries_any" in match:
        clauses.append(_any_of("countries", _values("countries_any", match["countries_any"])))
    if "leaders_any" in match:
        clauses.append(_any_of("leaders", _values("leaders_any", match["leaders_any"]), render=quote))
    if "min_confidence" in match:
        threshold = match["min_confidence"]
        if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 <= threshold <= 1:
            raise ValueError(f"match.min_confidence must be a number from 0 to 1, not {threshold!r}")
        if threshold > 0:
            clauses.append(f"confidence:>={float(threshold)!r}")
    if not clauses:
        return "*:*"
    return " AND ".join(clauses)
