"""The leaders knowledge base: the article's date decides who "the Russian president" was."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from services.tagger.core import Document, default_tagger
from services.tagger.core.knowledge import load_knowledge

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("day", "expected"), [
    (dt.date(1995, 6, 1), "Boris Yeltsin"), (dt.date(2010, 6, 1), "Dmitry Medvedev"),
    (dt.date(2020, 6, 1), "Vladimir Putin"),
])
def test_the_russian_president_is_whoever_held_office_that_day(day: dt.date, expected: str) -> None:
    holder = load_knowledge().office_holder("RU", "president", day)
    assert holder is not None and holder.name == expected


def test_every_un_member_and_observer_has_a_country_entry_with_names() -> None:
    countries = load_knowledge().countries
    assert len([c for c in countries if c != "EU"]) >= 195
    for code in ("KP", "RU", "US", "VA", "PS", "TV", "NR", "BT"):
        assert countries[code].names


def test_an_envoy_or_officials_name_no_office_holder() -> None:
    """So "the Russian envoy" never resolves to the president (how the tagger then reads it is a case in cases.yaml)."""
    knowledge = load_knowledge()
    day = dt.date(2026, 2, 17)
    assert knowledge.office_holder("RU", "envoy", day) is None
    assert knowledge.office_holder("RU", "officials", day) is None


def leaders_in(text: str, published: str) -> list[list[str]]:
    day = dt.datetime.fromisoformat(published + "T12:00:00+00:00")
    return [e.leaders for e in default_tagger().tag(Document("t", text, "", day)) if e.type == "leader_meeting"]


def test_historic_leaders_known_by_title_and_nationality() -> None:
    found = leaders_in("Russian President Boris Yeltsin met U.S. President Bill Clinton in Moscow.", "1994-01-14")
    assert found == [["Bill Clinton", "Boris Yeltsin"]]


def test_transliterations_and_missing_diacritics_resolve_to_the_canonical_name() -> None:
    assert leaders_in("Erdogan met Zelenskyy in Istanbul on Friday.", "2023-07-08") == [
        ["Recep Tayyip Erdoğan", "Volodymyr Zelensky"]]
    assert leaders_in("Kim Jong-un met Vladimir Putin at the Vostochny spaceport.", "2023-09-13") == [
        ["Kim Jong Un", "Vladimir Putin"]]


def test_titles_with_a_country_adjective_and_a_surname() -> None:
    assert leaders_in("South Korean President Yoon met Japanese Prime Minister Kishida in Tokyo.",
                      "2023-03-16") == [["Fumio Kishida", "Yoon Suk Yeol"]]


def test_a_title_alone_names_the_office_holder_of_the_day() -> None:
    found = leaders_in("The North Korean leader met the Russian president in Vladivostok.", "2019-04-25")
    assert found == [["Kim Jong Un", "Vladimir Putin"]]


def test_seats_of_power_stand_for_their_state() -> None:
    events = default_tagger().tag(Document("t", "The Kremlin said Putin would not meet Zelensky.", "",
                                           dt.datetime(2023, 5, 1, tzinfo=dt.UTC)))
    assert [(e.type, e.modality, e.countries) for e in events] == [("leader_meeting", "denied", ["RU", "UA"])]


def test_the_refresh_script_merges_a_wikidata_export_in_a_dry_run(tmp_path: Path) -> None:
    leaders = tmp_path / "leaders.json"
    leaders.write_text(json.dumps([{"name": "Vladimir Putin", "country": "RU", "surname": "Putin", "aliases": [],
                                    "roles": []}]))
    export = tmp_path / "export.json"
    binding = {
        "person": {"value": "http://www.wikidata.org/entity/Q7747"}, "personLabel": {"value": "Vladimir Putin"},
        "iso": {"value": "RU"}, "kind": {"value": "head_of_state"}, "positionLabel": {"value": "President of Russia"},
        "start": {"value": "2012-05-07T00:00:00Z"},
    }
    export.write_text(json.dumps({"results": {"bindings": [binding]}}))
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "refresh_knowledge.py"), str(export),
                           "--leaders", str(leaders), "--dry-run"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "1" in done.stdout
    assert json.loads(leaders.read_text())[0]["roles"] == []  # dry run writes nothing


def test_a_monarch_is_head_of_state_of_each_realm() -> None:
    knowledge = load_knowledge()
    for realm in ("GB", "CA", "AU", "JM", "NZ"):
        king = knowledge.office_holder(realm, "king", dt.date(2024, 1, 1))
        assert king is not None and king.name == "Charles III", realm
    leader = knowledge.office_holder("CA", "leader", dt.date(2024, 1, 1))
    assert leader is not None and leader.name == "Justin Trudeau"  # a realm's "leader" is its prime minister


def test_a_person_who_served_two_states_counts_for_the_one_served_that_day() -> None:
    knowledge = load_knowledge()
    assert knowledge.office_holder("EE", "prime minister", dt.date(2023, 10, 20)).name == "Kaja Kallas"
    kallas = next(leader for leader in knowledge.leaders if leader.name == "Kaja Kallas")
    assert kallas.country_on(dt.date(2023, 10, 20)) == "EE"
    assert kallas.country_on(dt.date(2025, 3, 1)) == "EU"
    charles = knowledge.office_holder("GB", "king", dt.date(2024, 1, 1))
    assert charles is not None and charles.country_on(dt.date(2024, 1, 1)) == "GB"
