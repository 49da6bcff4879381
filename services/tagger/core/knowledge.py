"""The leaders knowledge base (``services/tagger/data``): who held which office when.

Facts live in JSON so they can be refreshed from an outside export without touching code.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from services.tagger.core.lexicon import LEADER_TITLES

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

LEADER_ROLES = frozenset({"head_of_state", "head_of_government"})
MONARCH_TITLES = ("king", "queen", "emperor", "emir", "sultan", "grand duke", "prince", "governor-general")
LEADER_TITLE_WORDS = frozenset((*LEADER_TITLES, *MONARCH_TITLES))
# Republics where the head of government, not the president, is "the leader".
PARLIAMENTARY_REPUBLICS = frozenset((
    "DE", "AT", "IT", "IN", "IL", "GR", "IE", "HU", "CZ", "SK", "SI", "HR", "EE", "LV", "MT",
    "PK", "BD", "NP", "IQ", "ET", "AL", "MK", "ME", "BG", "SG", "SB", "FJ", "VU", "PG", "IS",
))


@dataclass(frozen=True)
class RolePeriod:
    role: str
    title: str
    start: dt.date
    end: dt.date | None
    country: str | None = None  # another state the office belongs to (the King as head of state of Canada)

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Leader:
    name: str
    country: str
    surname: str
    aliases: tuple[str, ...]
    roles: tuple[RolePeriod, ...]

    def roles_on(self, day: dt.date) -> list[RolePeriod]:
        return [r for r in self.roles if r.covers(day)]

    def is_leader_on(self, day: dt.date) -> bool:
        return any(r.role in LEADER_ROLES for r in self.roles_on(day))

    def is_official_on(self, day: dt.date) -> bool:
        return bool(self.roles_on(day))

    def country_on(self, day: dt.date) -> str:
        """The state this person served that day: Kaja Kallas was Estonia's before she was the EU's."""
        roles = self.roles_on(day)
        if not roles or any(r.country is None for r in roles):
            return self.country  # the King is Britain's first, whatever realms he also reigns over
        return roles[0].country or self.country

    def ever_leader(self) -> bool:
        return any(r.role in LEADER_ROLES for r in self.roles)


@dataclass(frozen=True)
class Country:
    code: str
    name: str
    names: tuple[str, ...]
    adjectives: tuple[str, ...]
    capitals: tuple[str, ...]
    metonyms: tuple[str, ...]


@dataclass
class Knowledge:
    countries: dict[str, Country]
    leaders: list[Leader]
    _by_country: dict[str, list[Leader]] = field(default_factory=dict, repr=False)

    @property
    def as_of(self) -> dt.date:
        """The latest change of office the knowledge base records: undated articles are read as of that day,
        so the same input tags the same way whenever it is tagged."""
        return max(day for leader in self.leaders for role in leader.roles for day in (role.start, role.end) if day)

    def __post_init__(self) -> None:
        by_country: dict[str, list[Leader]] = defaultdict(list)
        for leader in self.leaders:
            for country in dict.fromkeys([leader.country, *(r.country for r in leader.roles if r.country)]):
                by_country[country].append(leader)
        self._by_country = dict(by_country)

    def holders(self, country: str, role: str, day: dt.date) -> list[tuple[Leader, RolePeriod]]:
        return [
            (leader, period)
            for leader in self._by_country.get(country, ())
            for period in leader.roles
            if period.role == role and period.covers(day) and (period.country or leader.country) == country
        ]

    def office_holder(self, country: str, title_word: str, day: dt.date) -> Leader | None:
        """Resolve "the <country> <title>" (president, prime minister, leader, king...) on ``day``."""
        title_word = title_word.lower()
        heads_of_state = self.holders(country, "head_of_state", day)
        heads_of_gov = self.holders(country, "head_of_government", day)
        if title_word in ("foreign minister", "foreign secretary", "secretary of state", "top diplomat"):
            ministers = self.holders(country, "foreign_minister", day)
            return ministers[0][0] if ministers else None
        if title_word not in LEADER_TITLE_WORDS:
            return None  # "the Russian envoy", "Ukrainian officials": nobody the knowledge base can name
        candidates: list[tuple[Leader, RolePeriod]]
        if title_word in ("prime minister", "premier", "chancellor", "pm"):
            candidates = heads_of_gov
        elif title_word in ("president",):
            candidates = [c for c in heads_of_state + heads_of_gov if "president" in c[1].title.lower()]
            candidates = candidates or heads_of_state
        elif title_word in MONARCH_TITLES or title_word in ("crown prince", "monarch", "supreme leader"):
            candidates = [c for c in heads_of_state + heads_of_gov if title_word in c[1].title.lower()]
            if title_word == "crown prince":
                # a crown prince leads only as prime minister (Saudi Arabia's since 2022, Bahrain's); before, or
                # elsewhere, he is an heir, not an office holder
                return next((leader for leader, _ in heads_of_gov
                             if any(alias.startswith("Crown Prince") for alias in leader.aliases)), None)
            candidates = candidates or heads_of_state
        else:  # "leader", "head of state", "strongman", ...
            ceremonial_head = bool(heads_of_state) and any(
                t in heads_of_state[0][1].title.lower() for t in MONARCH_TITLES
            )
            if country in PARLIAMENTARY_REPUBLICS or ceremonial_head:
                candidates = heads_of_gov or heads_of_state
            else:
                candidates = heads_of_state or heads_of_gov
        return candidates[0][0] if candidates else None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@cache
def load_knowledge(data_dir: Path = DATA_DIR) -> Knowledge:
    countries_raw = json.loads((data_dir / "countries.json").read_text(encoding="utf-8"))
    leaders_raw = json.loads((data_dir / "leaders.json").read_text(encoding="utf-8"))
    countries = {
        c["code"]: Country(
            code=c["code"], name=c["name"], names=tuple(c.get("names", [])) or (c["name"],),
            adjectives=tuple(c.get("adjectives", [])), capitals=tuple(c.get("capitals", [])),
            metonyms=tuple(c.get("metonyms", [])),
        )
        for c in countries_raw
    }
    leaders = []
    for entry in leaders_raw:
        roles = []
        for r in entry.get("roles", []):
            start = _date(r.get("start"))
            if start is None:
                continue
            roles.append(RolePeriod(r["role"], r.get("title", ""), start, _date(r.get("end")), r.get("country")))
        leaders.append(
            Leader(
                name=entry["name"], country=entry["country"],
                surname=entry.get("surname") or entry["name"].split()[-1],
                # a bare surname is not a full name: "Kim" alone is resolved by context (tagger step 2)
                aliases=tuple(dict.fromkeys(a for a in [entry["name"], *entry.get("aliases", [])]
                                            if a.casefold() != (entry.get("surname") or "").casefold()
                                            or " " in a)),
                roles=tuple(roles),
            )
        )
    return Knowledge(countries=countries, leaders=leaders)
