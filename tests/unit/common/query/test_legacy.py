"""Today's structured ``match`` objects become queries that match the same events."""

from __future__ import annotations

import random
from typing import Any

import pytest
import yaml

from services.common.query import QueryError, parse_query, query_from_match
from services.common.settings import PROJECT_ROOT

from .helpers import COUNTRIES, LEADERS, MODALITIES, TYPES, random_event


def legacy_matches(subscription: dict[str, Any], event: dict[str, Any]) -> bool:
    """How the alerter judged a structured ``match`` before subscriptions became queries (kept here as
    the reference the translation must agree with)."""
    if not subscription.get("enabled", True):
        return False
    rule = subscription.get("match", {})
    countries = set(event["countries"])
    checks = (
        "types" not in rule or event["type"] in rule["types"],
        "modalities" not in rule or event["modality"] in rule["modalities"],
        "countries_all" not in rule or set(rule["countries_all"]) <= countries,
        "countries_any" not in rule or bool(set(rule["countries_any"]) & countries),
        "leaders_any" not in rule or bool({n.casefold() for n in rule["leaders_any"]}
                                          & {n.casefold() for n in event["leaders"]}),
        event["confidence"] >= rule.get("min_confidence", 0.0),
    )
    return all(checks)


def subscription(match: dict[str, Any]) -> dict[str, Any]:
    return {"id": "s", "name": "s", "match": match, "deliver": [{"kind": "log"}]}


def test_each_criterion_translates_to_its_clause() -> None:
    query = query_from_match({
        "types": ["leader_meeting", "phone_call"], "modalities": ["planned"], "countries_all": ["US", "CN"],
        "countries_any": ["KP", "IR"], "leaders_any": ["Kim Jong Un"], "min_confidence": 0.5,
    })
    assert query == ('type:(leader_meeting OR phone_call) AND modality:planned AND countries:US AND countries:CN'
                     ' AND countries:(KP OR IR) AND leaders:"Kim Jong Un" AND confidence:>=0.5')
    assert parse_query(query).text == query


def test_an_empty_match_matches_everything() -> None:
    assert query_from_match({}) == "*:*"


def test_every_subscription_in_the_deploy_file_has_a_valid_query_or_a_match_that_translates_to_one() -> None:
    deployed = yaml.safe_load((PROJECT_ROOT / "deploy" / "subscriptions.yaml").read_text())["subscriptions"]
    for entry in deployed:
        parse_query(entry["query"] if "query" in entry else query_from_match(entry["match"]))


def test_a_malformed_match_is_refused_naming_the_criterion() -> None:
    with pytest.raises(ValueError, match="countries_some"):
        query_from_match({"countries_some": ["KP"]})
    with pytest.raises(ValueError, match="types"):
        query_from_match({"types": []})
    with pytest.raises(ValueError, match="min_confidence"):
        query_from_match({"min_confidence": 2})


def test_leader_names_the_old_matcher_never_matched_now_resolve_or_are_refused() -> None:
    assert parse_query(query_from_match({"leaders_any": ["Putin"]})).text == 'leaders:"Vladimir Putin"'
    with pytest.raises(QueryError):
        parse_query(query_from_match({"countries_any": ["UK"]}))


def random_match(rng: random.Random) -> dict[str, Any]:
    match: dict[str, Any] = {}
    if rng.random() < 0.5:
        match["types"] = rng.sample(TYPES, rng.randint(1, 3))
    if rng.random() < 0.3:
        match["modalities"] = rng.sample(MODALITIES, rng.randint(1, 3))
    if rng.random() < 0.4:
        match["countries_all"] = rng.sample(COUNTRIES, rng.randint(1, 2))
    if rng.random() < 0.4:
        match["countries_any"] = rng.sample(COUNTRIES, rng.randint(1, 3))
    if rng.random() < 0.3:
        # The old matcher compared case-blind: the canonical names in any case are what it could match.
        match["leaders_any"] = [rng.choice((n, n.lower(), n.upper())) for n in rng.sample(LEADERS, rng.randint(1, 2))]
    if rng.random() < 0.4:
        match["min_confidence"] = rng.choice((0, 0.3, 0.5, 0.7, 0.83, 0.9, 1))
    return match


def test_on_many_generated_events_the_translated_query_agrees_with_the_old_matcher() -> None:
    rng = random.Random(10)
    agreed_matches = 0
    for _ in range(300):
        match = random_match(rng)
        query = parse_query(query_from_match(match))
        for _ in range(40):
            subject = random_event(rng)
            old = legacy_matches(subscription(match), subject)
            assert query.matches(subject) == old, (match, subject)
            agreed_matches += old
    assert agreed_matches > 200  # the comparison covered matches, not only misses
