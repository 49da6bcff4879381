"""The matching benchmark helper measures both ways on the same events and checks they agree."""

from __future__ import annotations

from services.common.query import bench_matching, load_vocabulary, parse_query
from services.common.query.bench import generate_events, generate_queries
from services.common.schemas import validate


def test_the_benchmark_reports_indexed_and_naive_rates_that_agree() -> None:
    report = bench_matching(subscriptions=300, events=40, naive_events=20)
    assert report["subscriptions"] == 300
    assert report["events"] == 40 and report["naive_events"] == 20
    assert report["events_per_s"] > 0 and report["naive_events_per_s"] > 0
    assert report["agree"] is True
    assert report["candidates_per_event"] <= 300


def test_generated_subscriptions_use_the_real_vocabulary_and_all_parse() -> None:
    texts = generate_queries(500, seed=1)
    leaders = load_vocabulary().leaders
    for text in texts:
        parse_query(text)
    quoted = [t.split('"')[1] for t in texts if t.startswith('leaders:"')]
    assert quoted and all(name in leaders for name in quoted)
    assert sum(parse_query(t).required is None for t in texts) > 0  # some require no exact term


def test_generated_events_follow_the_event_schema() -> None:
    for subject in generate_events(50, seed=2):
        validate("event", subject)
