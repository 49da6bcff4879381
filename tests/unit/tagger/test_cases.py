"""The tagger's sentence cases: tests/tagger/cases.yaml, checked against its schema, then one test per case.

Each case is a short article and what the tagger must make of it. Kept as data, the behaviour reads apart from
the code that implements it, so the tagger's core can be rebuilt underneath without rewriting its tests. The
format is described at the top of cases.yaml and in cases.schema.json.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from services.tagger.core import Document, TaggedEvent, default_tagger
from services.tagger.core.model import EVENT_TYPES

CASES_DIR = Path(__file__).resolve().parents[2] / "tagger"
CASE_FILE = CASES_DIR / "cases.yaml"
SCHEMA_FILE = CASES_DIR / "cases.schema.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


class TextTimestampLoader(yaml.SafeLoader):
    """YAML's safe loader, except that timestamps stay text.

    Plain YAML turns `2024-10-23` into a date and `2024-10-23T18:00:00Z` into a datetime; kept as strings they
    are checked by the schema like any other field and parsed in one place, `published_of`.
    """


TextTimestampLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def validator(definition: str | None = None) -> Draft202012Validator:
    """A validator for the whole file, or for one of the schema's definitions (a case, an expectation)."""
    schema = SCHEMA if definition is None else {
        "$schema": SCHEMA["$schema"], "$defs": SCHEMA["$defs"], "$ref": f"#/$defs/{definition}"}
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_errors(instance: Any, definition: str | None = None) -> list[str]:
    """One line per error, naming where it is; inside a oneOf/anyOf, the likeliest branch's own error."""
    errors = [best_match([error]) for error in validator(definition).iter_errors(instance)]
    return [f"at {'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}" for error in errors]


def load_case_file() -> Any:
    with CASE_FILE.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=TextTimestampLoader)


CASE_FILE_DATA = load_case_file()
# Read defensively: a malformed file should fail the schema test with a message, not break collection.
CASES: list[Any] = (CASE_FILE_DATA.get("cases") or []) if isinstance(CASE_FILE_DATA, dict) else []


def case_id(index: int, case: Any) -> str:
    return str(case.get("id")) if isinstance(case, dict) and case.get("id") else f"case-{index}"


# Every check a case may make on an event: the field it reads, and whether the event passes.
Check = Callable[[TaggedEvent, Any], bool]
CHECKS: dict[str, tuple[str, Check]] = {
    "modality": ("modality", lambda event, want: event.modality == want),
    "modality_not": ("modality", lambda event, want: event.modality != want),
    "countries": ("countries", lambda event, want: event.countries == want),
    "countries_one_of": ("countries", lambda event, want: event.countries in want),
    "countries_exclude": ("countries", lambda event, want: not set(want) & set(event.countries)),
    "country_count": ("countries", lambda event, want: len(event.countries) == want),
    "leaders": ("leaders", lambda event, want: event.leaders == want),
    "leaders_include": ("leaders", lambda event, want: set(want) <= set(event.leaders)),
    "leaders_exclude": ("leaders", lambda event, want: not set(want) & set(event.leaders)),
}


def failed_checks(event: TaggedEvent, checks: dict[str, Any]) -> list[str]:
    """What the event fails of the checks (a `type` key, used by `first`, is checked by the caller)."""
    failed = []
    for name, want in checks.items():
        if name == "type":
            continue
        field, passes = CHECKS[name]
        if not passes(event, want):
            failed.append(f"{name} {want!r}, but {field} is {getattr(event, field)!r}")
    return failed


def problems_with(expect: Any, events: list[TaggedEvent]) -> list[str]:
    """Every way the events fall short of a case's expectation; empty when the case holds."""
    if expect == "no events":
        return [] if not events else [f"expected no events, got {len(events)}"]
    problems: list[str] = []
    for key, want in expect.items():
        if key == "first":
            if not events:
                problems.append(f"first: expected a {want['type']} event, got no events")
                continue
            first = events[0]
            if first.type != want["type"]:
                problems.append(f"first: expected type {want['type']!r}, got {first.type!r}")
            problems += [f"first ({first.type}): expected {failure}" for failure in failed_checks(first, want)]
            continue
        of_type = [event for event in events if event.type == key]
        if want == "absent":
            if of_type:
                problems.append(f"{key}: expected absent, got {len(of_type)}")
        elif isinstance(want, list):
            if len(of_type) != len(want):
                problems.append(f"{key}: expected {len(want)} events of this type, got {len(of_type)}")
            for number, (event, checks) in enumerate(zip(of_type, want, strict=False), 1):
                problems += [f"{key} #{number}: expected {failure}" for failure in failed_checks(event, checks)]
        elif not of_type:
            problems.append(f"{key}: expected an event of this type, got none")
        elif want != "present":
            for number, event in enumerate(of_type, 1):
                problems += [f"{key} #{number}: expected {failure}" for failure in failed_checks(event, want)]
    return problems


def published_of(case: dict[str, Any]) -> dt.datetime:
    """The case's publication time, or the file's default; a date alone is midnight UTC."""
    moment = dt.datetime.fromisoformat(str(case.get("published", CASE_FILE_DATA["published"])))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def describe(events: list[TaggedEvent]) -> str:
    if not events:
        return "  (none)"
    lines = []
    for event in events:
        lines.append(f"  {event.type} {event.modality} countries={event.countries} leaders={event.leaders} "
                     f"date={event.date} location={event.location} confidence={event.confidence:.2f}")
        lines += [f"      [{span.rule}] {span.field} {span.start}-{span.end}: {span.text!r}" for span in event.evidence]
    return "\n".join(lines)


def test_the_case_file_matches_its_schema() -> None:
    errors = schema_errors(CASE_FILE_DATA)
    assert not errors, f"{CASE_FILE} does not match {SCHEMA_FILE.name}:\n" + "\n".join(errors)


def test_every_case_has_an_id_of_its_own() -> None:
    ids = [case_id(index, case) for index, case in enumerate(CASES)]
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def test_the_schema_knows_every_event_type_and_every_check_of_the_runner() -> None:
    assert set(SCHEMA["$defs"]["event_type"]["enum"]) == set(EVENT_TYPES)
    assert set(SCHEMA["$defs"]["expect"]["oneOf"][1]["properties"]) == {*EVENT_TYPES, "first"}
    assert set(SCHEMA["$defs"]["check_fields"]["properties"]) == set(CHECKS)


@pytest.mark.parametrize("case", CASES, ids=[case_id(index, case) for index, case in enumerate(CASES)])
def test_the_tagger_does_what_the_case_says(case: Any) -> None:
    if errors := schema_errors(case, "case"):
        pytest.fail(f"{case_id(0, case)} is not a well-formed case:\n" + "\n".join(errors), pytrace=False)
    events = default_tagger().tag(Document(case["id"], case.get("title", ""), case.get("text", ""),
                                           published_of(case)))
    if problems := problems_with(case["expect"], events):
        pytest.fail(f"{case['id']}: {case['says']}\n" + "\n".join(f"  {p}" for p in problems)
                    + "\nevents the tagger produced:\n" + describe(events), pytrace=False)


# The runner itself: each check must be able to fail, or a case could pass without checking anything.
MEETING = TaggedEvent("leader_meeting", "occurred", ["RU", "US"], ["Donald Trump", "Vladimir Putin"], None, None)
TALKS = TaggedEvent("talks", "planned", ["CN", "IN"], [], None, None)
PLANNED_MEETING = TaggedEvent("leader_meeting", "planned", ["CN", "US"], ["Donald Trump", "Xi Jinping"], None, None)


@pytest.mark.parametrize(("expect", "events"), [
    pytest.param("no events", [MEETING], id="no-events"),
    pytest.param({"talks": "absent"}, [MEETING, TALKS], id="absent"),
    pytest.param({"summit": "present"}, [MEETING, TALKS], id="present"),
    pytest.param({"summit": {"modality": "occurred"}}, [MEETING, TALKS], id="checks-need-an-event"),
    pytest.param({"leader_meeting": {"modality": "planned"}}, [MEETING], id="modality"),
    pytest.param({"leader_meeting": {"modality_not": "occurred"}}, [MEETING], id="modality-not"),
    pytest.param({"leader_meeting": {"countries": ["US", "RU"]}}, [MEETING], id="countries-in-order"),
    pytest.param({"leader_meeting": {"countries_one_of": [["RU"], ["US"]]}}, [MEETING], id="countries-one-of"),
    pytest.param({"leader_meeting": {"countries_exclude": ["US"]}}, [MEETING], id="countries-exclude"),
    pytest.param({"leader_meeting": {"country_count": 3}}, [MEETING], id="country-count"),
    pytest.param({"leader_meeting": {"leaders": ["Vladimir Putin"]}}, [MEETING], id="leaders"),
    pytest.param({"leader_meeting": {"leaders_include": ["Xi Jinping"]}}, [MEETING], id="leaders-include"),
    pytest.param({"leader_meeting": {"leaders_exclude": ["Vladimir Putin"]}}, [MEETING], id="leaders-exclude"),
    pytest.param({"leader_meeting": {"modality": "occurred"}}, [MEETING, PLANNED_MEETING], id="every-event-of-type"),
    pytest.param({"leader_meeting": [{"modality": "occurred"}]}, [MEETING, PLANNED_MEETING], id="list-counts"),
    pytest.param({"leader_meeting": [{"modality": "occurred"}, {"modality": "occurred"}]},
                 [MEETING, PLANNED_MEETING], id="list-checks-each-in-order"),
    pytest.param({"first": {"type": "talks"}}, [MEETING, TALKS], id="first-type"),
    pytest.param({"first": {"type": "leader_meeting", "modality": "planned"}}, [MEETING], id="first-checks"),
    pytest.param({"first": {"type": "leader_meeting"}}, [], id="first-needs-an-event"),
])
def test_a_case_fails_when_the_tagger_does_something_else(expect: Any, events: list[TaggedEvent]) -> None:
    assert schema_errors(expect, "expect") == []
    assert problems_with(expect, events)


def test_a_case_passes_when_every_check_holds() -> None:
    expect = {
        "first": {"type": "leader_meeting", "modality": "occurred"},
        "leader_meeting": {
            "modality": "occurred", "modality_not": "planned", "countries": ["RU", "US"],
            "countries_one_of": [["CN"], ["RU", "US"]], "countries_exclude": ["UA"], "country_count": 2,
            "leaders": ["Donald Trump", "Vladimir Putin"], "leaders_include": ["Donald Trump"],
            "leaders_exclude": ["Xi Jinping"]},
        "talks": "present", "summit": "absent",
    }
    assert schema_errors(expect, "expect") == []
    assert problems_with(expect, [MEETING, TALKS]) == []
    assert problems_with("no events", []) == []


@pytest.mark.parametrize("case", [
    pytest.param({"id": "x", "says": "s", "text": "t", "expect": {"talks": {"countries": ["IE", False]}}},
                 id="bare-NO-read-as-false"),
    pytest.param({"id": "x", "says": "s", "text": "t", "expect": {"meeting": "absent"}}, id="unknown-event-type"),
    pytest.param({"id": "x", "says": "s", "text": "t", "expect": {"talks": {"country": ["IE"]}}}, id="unknown-check"),
    pytest.param({"id": "x", "says": "s", "text": "t", "expect": {"talks": {}}}, id="no-checks"),
    pytest.param({"id": "x", "says": "s", "text": "t", "expect": {"first": {"modality": "occurred"}}},
                 id="first-without-type"),
    pytest.param({"id": "x", "says": "s", "expect": {"talks": "absent"}}, id="neither-title-nor-text"),
    pytest.param({"id": "x", "says": "s", "text": "t", "published": "2024-10-23T18:00:00", "expect": "no events"},
                 id="time-without-offset"),
    pytest.param({"id": "Has Spaces", "says": "s", "text": "t", "expect": "no events"}, id="id-not-kebab-case"),
])
def test_the_schema_rejects_a_malformed_case(case: dict[str, Any]) -> None:
    assert schema_errors(case, "case")
