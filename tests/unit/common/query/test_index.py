"""The subscription index returns exactly what evaluating every query would, looking at far fewer of them."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.common.query import Document, Query, QueryError, SubscriptionIndex, parse_query
from services.common.query.bench import generate_events, generate_queries

from .helpers import event, random_event, random_query


def naive(queries: dict[int, Query], subject: dict[str, Any]) -> list[int]:
    return [key for key, query in queries.items() if query.matches(subject)]


def naive_shared(queries: dict[int, Query], subject: dict[str, Any]) -> list[int]:
    """The plain loop with the event prepared once (the same answers, a third of the time)."""
    document = Document(subject)
    return [key for key, query in queries.items() if query.matches_document(document)]


def build(texts: list[str]) -> tuple[SubscriptionIndex[int], dict[int, Query]]:
    index: SubscriptionIndex[int] = SubscriptionIndex()
    queries: dict[int, Query] = {}
    for key, text in enumerate(texts):
        queries[key] = index.add(key, text)
    return index, queries


def test_a_query_is_filed_under_its_most_selective_required_clause() -> None:
    assert parse_query("type:leader_meeting AND countries:KP").required == frozenset({("countries", "KP")})
    assert parse_query('type:talks AND leaders:Putin AND countries:RU').required == frozenset(
        {("leaders", "Vladimir Putin")})
    assert parse_query("countries:(KP OR IR)").required == frozenset({("countries", "KP"), ("countries", "IR")})
    assert parse_query("modality:planned AND type:summit").required == frozenset({("type", "summit")})


def test_negations_and_or_with_an_unanchored_branch_require_nothing() -> None:
    assert parse_query("NOT countries:KP").required is None
    assert parse_query("countries:KP OR confidence:>=0.9").required is None
    assert parse_query("countries:KP AND NOT type:summit").required == frozenset({("countries", "KP")})
    assert parse_query("type:summit OR NOT countries:KP").required == frozenset({("type", "summit")})


def test_an_event_is_judged_only_by_the_queries_that_could_match_it() -> None:
    index, _ = build(["type:leader_meeting AND countries:KP", "countries:US", 'leaders:"Xi Jinping"',
                      "type:summit AND countries:KP", "confidence:>=0.9", "NOT countries:US"])
    subject = event()  # leader_meeting, KP RU, confidence 0.83
    assert index.candidates(subject) == {0, 5}
    assert index.match(subject) == [0, 5]
    assert index.unanchored == 1  # the pure negation; confidence:>=0.9 is kept by its least value


def test_adding_a_key_again_replaces_its_query_and_removing_forgets_it() -> None:
    index: SubscriptionIndex[str] = SubscriptionIndex()
    index.add("a", "countries:KP")
    index.add("b", "confidence:>=0.5")
    index.add("a", "countries:US")
    assert len(index) == 2
    assert index.match(event()) == ["b"]
    index.remove("b")
    assert index.match(event()) == []
    assert len(index) == 1 and "b" not in index
    with pytest.raises(KeyError):
        index.remove("b")
    index.discard("b")
    index.remove("a")
    assert len(index) == 0
    assert index.candidates(event()) == set()


def test_a_refused_query_string_is_not_added() -> None:
    index: SubscriptionIndex[str] = SubscriptionIndex()
    with pytest.raises(QueryError):
        index.add("a", "countries:UK")
    assert len(index) == 0


def test_matches_come_back_in_the_order_keys_were_first_added() -> None:
    index: SubscriptionIndex[str] = SubscriptionIndex()
    for key, text in (("z", "countries:KP"), ("a", "*:*"), ("m", "leaders:Putin"), ("b", "NOT type:summit")):
        index.add(key, text)
    assert index.match(event()) == ["z", "a", "m", "b"]


def test_identical_queries_under_different_keys_all_match() -> None:
    index, _ = build(["countries:KP AND confidence:>=0.5"] * 3 + ["confidence:>=0.5"] * 2)
    assert index.match(event()) == [0, 1, 2, 3, 4]


def test_relative_dates_are_read_at_match_time_through_the_index() -> None:
    import datetime as dt

    index, _ = build(["countries:KP AND article.published:>now-7d"])
    assert index.match(event(), now=dt.datetime(2023, 11, 10, tzinfo=dt.UTC)) == [0]
    assert index.match(event(), now=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)) == []


def test_on_a_large_random_corpus_the_index_matches_exactly_what_a_plain_loop_does() -> None:
    rng = random.Random(2024)
    texts = [random_query(rng) for _ in range(1500)]
    index, queries = build(texts)
    unanchored = sum(1 for q in queries.values() if q.required is None)
    assert unanchored > 100  # negations, bare words, wildcards and ranges are in the corpus
    assert any(q.exact for q in queries.values()) and any(not q.exact for q in queries.values())
    looked_at = 0
    for _ in range(300):
        subject = random_event(rng)
        assert index.match(subject) == naive_shared(queries, subject)
        looked_at += len(index.candidates(subject))
    assert looked_at < 300 * len(queries)


def test_on_realistic_subscriptions_the_index_matches_exactly_and_looks_at_few() -> None:
    texts = generate_queries(3000, seed=3)
    index, queries = build(texts)
    for subject in generate_events(150, seed=4):
        candidates = index.candidates(subject)
        expected = naive_shared(queries, subject)
        assert index.match(subject) == expected
        assert set(expected) <= candidates
        assert len(candidates) < len(queries) / 5


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=2**32), st.integers(min_value=1, max_value=60))
def test_any_mix_of_queries_added_replaced_and_removed_matches_like_a_plain_loop(seed: int, size: int) -> None:
    rng = random.Random(seed)
    index: SubscriptionIndex[int] = SubscriptionIndex()
    queries: dict[int, Query] = {}  # a dict keeps first-insertion order, as the index promises to
    for _ in range(size * 2):
        key = rng.randrange(size)
        if rng.random() < 0.2 and key in queries:
            index.remove(key)
            del queries[key]
        else:
            queries[key] = index.add(key, random_query(rng))
    ordered = queries
    for _ in range(20):
        subject = random_event(rng)
        assert index.match(subject) == naive(ordered, subject)
