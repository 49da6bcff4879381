"""Country codes and leader names a query may use, read from the tagger's knowledge base as data.

Events say ``GB`` and ``Vladimir Putin`` because the tagger writes the codes and canonical names of
``services/tagger/data/countries.json`` and ``leaders.json``. A subscription to ``countries:UK`` or
``leaders:Putin`` would therefore never match, silently. Validating against the same files (and the
``ATTACHE_KNOWLEDGE_DIR`` override the tagger honours, passed in by the caller) lets the query language
resolve what is unambiguous (``Putin`` → ``Vladimir Putin``, ``kp`` → ``KP``, ``"North Korea"`` →
``KP``) and refuse the rest with a suggestion.

The files are read by path, never through ``services.tagger``: services talk only through topics and
schemas and never import each other, and this module is shared plumbing that the API, the alerter and
``attache search`` load without the tagger's code. The vocabulary is loaded once per directory and
cached; a cold load of both files takes a few tens of milliseconds and a cached one nothing, which an
API request can afford.
"""

from __future__ import annotations

import difflib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# The tagger's bundled knowledge base, located by path (see the module docstring for why not imported).
DEFAULT_KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "tagger" / "data"


class Unresolved(ValueError):
    """A value the vocabulary cannot resolve; the compiler turns it into a QueryError at its position."""

    def __init__(self, reason: str, suggestion: str | None = None, label: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.suggestion = suggestion
        self.label = label


@dataclass(frozen=True)
class CountryEntry:
    code: str
    name: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class LeaderEntry:
    name: str
    country: str
    surname: str
    aliases: tuple[str, ...]
    current: bool = False  # holds an office today (a role without an end date)


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """Countries by code and name, leaders by canonical name, surname and alias (compared case-blind)."""

    countries: Mapping[str, CountryEntry]
    country_names: Mapping[str, frozenset[str]]
    leaders: Mapping[str, LeaderEntry]
    leader_keys: Mapping[str, frozenset[str]]
    source: str = ""

    def country_label(self, code: str) -> str:
        entry = self.countries.get(code)
        return f"{code} ({entry.name})" if entry else code

    def resolve_country(self, value: str) -> str:
        """The code events use for ``value``: a code in any case, or a country's name.

        Two letters are read as a code attempt (``UK`` is refused, with ``GB`` suggested); longer values
        as a name, normalised to its code when exactly one country has that name.
        """
        text = value.strip()
        if text in self.countries:
            return text
        if len(text) == 2 and text.isalpha():
            upper = text.upper()
            if upper in self.countries:
                return upper
            by_name = sorted(self.country_names.get(text.casefold(), ()))
            suggestion = by_name[0] if len(by_name) == 1 else None
            return self._refuse_country(
                f"{text} is not an ISO 3166-1 alpha-2 code events use", suggestion)
        codes = sorted(self.country_names.get(text.casefold(), ()))
        if len(codes) == 1:
            return codes[0]
        if len(codes) > 1:
            raise Unresolved(f"{text!r} names several countries: "
                             + ", ".join(self.country_label(c) for c in codes) + "; write one code")
        close = difflib.get_close_matches(text.casefold(), list(self.country_names), n=3, cutoff=0.75)
        suggestion = sorted(self.country_names[close[0]])[0] if close else None
        return self._refuse_country(f"{text!r} is neither a country code events use nor a country name"
                                    " the knowledge base knows", suggestion)

    def _refuse_country(self, reason: str, suggestion: str | None) -> str:
        if suggestion is None:
            raise Unresolved(reason + " (codes are ISO 3166-1 alpha-2, e.g. KP, RU, GB, US, or EU)")
        raise Unresolved(reason, suggestion, self.country_label(suggestion))

    def leader_label(self, name: str) -> str:
        entry = self.leaders.get(name)
        return f"{name} ({entry.country})" if entry else name

    def resolve_leader(self, value: str) -> str:
        """The canonical name events use for a leader named by full name, surname or alias (any case)."""
        text = " ".join(value.split())
        if text in self.leaders:
            return text
        names = sorted(self.leader_keys.get(text.casefold(), ()))
        if len(names) == 1:
            return names[0]
        if len(names) > 1:
            raise Unresolved(f"{text!r} could be " + " or ".join(self.leader_label(n) for n in names)
                             + "; write the full name")
        close = difflib.get_close_matches(text.casefold(), list(self.leader_keys), n=5, cutoff=0.75)
        candidates = list(dict.fromkeys(n for key in close for n in sorted(self.leader_keys[key])))
        if not candidates:
            raise Unresolved(f"{text!r} is not a leader the knowledge base knows (events name leaders by the"
                             " canonical names of services/tagger/data/leaders.json)")
        others = f" (or {', '.join(candidates[1:4])})" if len(candidates) > 1 else ""
        raise Unresolved(f"{text!r} is not a leader the knowledge base knows{others}", candidates[0],
                         f'"{candidates[0]}"')


def build_vocabulary(countries_raw: list[dict[str, object]], leaders_raw: list[dict[str, object]],
                     source: str = "") -> Vocabulary:
    countries: dict[str, CountryEntry] = {}
    names: dict[str, set[str]] = defaultdict(set)
    for raw in countries_raw:
        code = str(raw["code"])
        entry_names = tuple(str(n) for n in (raw.get("names") or [])) or (str(raw["name"]),)  # type: ignore[attr-defined]
        countries[code] = CountryEntry(code=code, name=str(raw["name"]), names=entry_names)
        for name in (str(raw["name"]), *entry_names):
            names[name.casefold()].add(code)
    leaders: dict[str, LeaderEntry] = {}
    keys: dict[str, set[str]] = defaultdict(set)
    for raw in leaders_raw:
        name = str(raw["name"])
        surname = str(raw.get("surname") or name.split()[-1])
        aliases = tuple(str(a) for a in (raw.get("aliases") or []))  # type: ignore[attr-defined]
        roles = raw.get("roles") or []
        current = any(isinstance(r, dict) and r.get("end") is None for r in roles)  # type: ignore[attr-defined]
        leaders[name] = LeaderEntry(name=name, country=str(raw.get("country", "")), surname=surname,
                                    aliases=aliases, current=current)
        for key in (name, surname, *aliases):
            keys[" ".join(key.split()).casefold()].add(name)
    return Vocabulary(
        countries=countries,
        country_names={k: frozenset(v) for k, v in names.items()},
        leaders=leaders,
        leader_keys={k: frozenset(v) for k, v in keys.items()},
        source=source,
    )


@cache
def _load(directory: Path) -> Vocabulary:
    countries = json.loads((directory / "countries.json").read_text(encoding="utf-8"))
    leaders = json.loads((directory / "leaders.json").read_text(encoding="utf-8"))
    return build_vocabulary(countries, leaders, source=str(directory))


@cache
def _default() -> Vocabulary:
    return _load(DEFAULT_KNOWLEDGE_DIR.resolve())


def load_vocabulary(knowledge_dir: Path | None = None) -> Vocabulary:
    """The vocabulary of a knowledge directory (default: the tagger's bundled one), loaded once and cached."""
    if knowledge_dir is None:
        return _default()
    return _load(knowledge_dir.resolve())
