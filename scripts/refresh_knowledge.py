"""Rebuild ``services/tagger/data/leaders.json`` from a Wikidata SPARQL JSON export.

The export is downloaded by hand from https://query.wikidata.org (``Download > JSON file``) using the
query below. It lists every position holder (P39) with its start (P580) and end (P582) qualifiers, for
positions that are the head of state (P1906) or head of government (P1313) of a country, or that are
a foreign-minister office of a country, together with the country's ISO 3166-1 alpha-2 code (P297)::

    SELECT ?person ?personLabel ?country ?iso ?position ?positionLabel ?kind ?start ?end WHERE {
      {
        ?country wdt:P1906 ?position . BIND("head_of_state" AS ?kind)
      } UNION {
        ?country wdt:P1313 ?position . BIND("head_of_government" AS ?kind)
      } UNION {
        ?position wdt:P279* wd:Q7330070 ; wdt:P1001 ?country . BIND("foreign_minister" AS ?kind)
      }
      ?country wdt:P297 ?iso .
      ?person p:P39 ?held .
      ?held ps:P39 ?position .
      OPTIONAL { ?held pq:P580 ?start . }
      OPTIONAL { ?held pq:P582 ?end . }
      FILTER(!BOUND(?end) || YEAR(?end) >= 1945)
      SERVICE wikibase:label { bd:serviceParam wikibase:language "en" . }
    }

(Q7330070 is "minister of foreign affairs"; P1001 is "applies to jurisdiction".)

The rows are merged into the existing ``leaders.json``: a person already there (matched by country and
by canonical name or alias, ignoring case and diacritics) keeps its curated name, surname and aliases
and gets any new roles; unknown people are added with the Wikidata label as their name. Open-ended
roles that Wikidata has since closed get their end date. The file is written sorted by country, then
name.

Usage::

    python scripts/refresh_knowledge.py export.json [--leaders PATH] [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_LEADERS = Path(__file__).resolve().parent.parent / "services" / "tagger" / "data" / "leaders.json"
ROLES = ("head_of_state", "head_of_government", "foreign_minister")

Person = dict[str, Any]
Role = dict[str, Any]


@dataclass(frozen=True)
class Row:
    """One position-held statement from the Wikidata export."""

    name: str
    country: str
    role: str
    title: str
    start: str
    end: str | None


@dataclass
class Summary:
    """What a merge changed."""

    added: int = 0
    updated: int = 0
    roles_added: int = 0
    roles_closed: int = 0
    skipped_rows: int = 0


def fold(text: str) -> str:
    """Case- and diacritic-insensitive key for matching names."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def iso_date(value: str | None) -> str | None:
    """Turn a Wikidata dateTime literal (``2000-05-07T00:00:00Z``) into ``YYYY-MM-DD``."""
    if not value:
        return None
    day = value.lstrip("+")[:10]
    # Wikidata stores year- or month-precision dates with zeroed parts.
    year, month, dom = day.split("-")
    return f"{year}-{month if month != '00' else '01'}-{dom if dom != '00' else '01'}"


def binding(row: dict[str, Any], key: str) -> str | None:
    """Value of one SPARQL result binding, or None when unbound."""
    cell = row.get(key)
    if not isinstance(cell, dict):
        return None
    value = cell.get("value")
    return str(value) if value is not None else None


def read_export(path: Path) -> tuple[list[Row], int]:
    """Parse a SPARQL JSON export into rows; also return the number of unusable rows."""
    data = json.loads(path.read_text(encoding="utf-8"))
    rows: list[Row] = []
    skipped = 0
    for raw in data["results"]["bindings"]:
        name = binding(raw, "personLabel")
        iso = binding(raw, "iso")
        kind = binding(raw, "kind")
        start = iso_date(binding(raw, "start"))
        if not name or not iso or kind not in ROLES or start is None or name.startswith("Q"):
            skipped += 1
            continue
        title = binding(raw, "positionLabel") or kind.replace("_", " ")
        rows.append(Row(name, iso.upper(), kind, title, start, iso_date(binding(raw, "end"))))
    return rows, skipped


def index_people(people: list[Person]) -> dict[tuple[str, str], Person]:
    """Map (country, folded name or alias) to the person record."""
    index: dict[tuple[str, str], Person] = {}
    for person in people:
        # a person may hold an office of another state too (the King as head of state of Canada)
        countries = dict.fromkeys([person["country"], *(r["country"] for r in person.get("roles", [])
                                                         if r.get("country"))])
        for country in countries:
            for label in [person["name"], *person.get("aliases", [])]:
                index.setdefault((country, fold(label)), person)
    return index


def merge_role(person: Person, row: Row, summary: Summary) -> bool:
    """Add the row's role to the person, or close a matching open role; True when something changed."""
    roles: list[Role] = person.setdefault("roles", [])
    for role in roles:
        if role["role"] != row.role or role["start"][:7] != row.start[:7] \
                or (role.get("country") or person["country"]) != row.country:
            continue
        if role.get("end") is None and row.end is not None:
            role["end"] = row.end
            summary.roles_closed += 1
            return True
        return False
    new_role: Role = {"role": row.role, "title": row.title, "start": row.start, "end": row.end}
    if row.country != person["country"]:
        new_role["country"] = row.country
    roles.append(new_role)
    roles.sort(key=lambda r: r["start"])
    summary.roles_added += 1
    return True


def merge(people: list[Person], rows: list[Row], summary: Summary) -> list[Person]:
    """Merge export rows into the curated people list and return it sorted."""
    index = index_people(people)
    touched: set[int] = set()
    for row in rows:
        key = (row.country, fold(row.name))
        person = index.get(key)
        if person is None:
            person = {
                "name": row.name,
                "country": row.country,
                "surname": row.name.split()[-1],
                "aliases": [],
                "roles": [],
            }
            people.append(person)
            index[key] = person
            summary.added += 1
            touched.add(id(person))
        if merge_role(person, row, summary) and id(person) not in touched:
            touched.add(id(person))
            summary.updated += 1
    return sorted(people, key=lambda p: (p["country"], p["name"]))


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").strip().splitlines()[0])
    parser.add_argument("export", type=Path, help="Wikidata SPARQL JSON export (see module docstring)")
    parser.add_argument("--leaders", type=Path, default=DEFAULT_LEADERS, help="leaders.json to update")
    parser.add_argument("--dry-run", action="store_true", help="print the summary without writing")
    args = parser.parse_args(argv)

    people: list[Person] = json.loads(args.leaders.read_text(encoding="utf-8"))
    rows, skipped = read_export(args.export)
    summary = Summary(skipped_rows=skipped)
    merged = merge(people, rows, summary)

    sys.stdout.write(
        f"rows: {len(rows)} (skipped {summary.skipped_rows})\n"
        f"people added: {summary.added}, updated: {summary.updated}\n"
        f"roles added: {summary.roles_added}, roles closed: {summary.roles_closed}\n"
        f"total people: {len(merged)}\n"
    )
    if args.dry_run:
        sys.stdout.write("dry run: nothing written\n")
        return 0
    args.leaders.write_text(json.dumps(merged, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {args.leaders}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
