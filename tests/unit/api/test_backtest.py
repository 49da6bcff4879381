"""The backtest's pure parts: the period, the Elasticsearch query, and reports grouped into stories the way
the alerter groups them. (Against a real index: tests/integration/test_api_subscriptions.py.)"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from services.api.backtest import (
    BacktestError,
    canonical_query,
    check_limit,
    group,
    parse_since,
    search_query,
    story_summary,
)
from services.common.schemas import SCHEMA_DIR
from services.common.stories import StoryRules

EVENT: dict[str, Any] = json.loads((SCHEMA_DIR / "examples" / "event.json").read_text())


def report(number: int, outlet: str, modality: str, published: str, countries: tuple[str, ...] = ("KP", "RU"),
           ) -> dict[str, Any]:
    event = copy.deepcopy(EVENT)
    event.update(event_id=f"e{number:023d}", article_id=f"a{number:023d}", modality=modality,
                 countries=list(countries), tagged_at=published)
    event["article"].update(published=published, source_domain=outlet, url=f"https://{outlet}/{number}")
    return event


@pytest.mark.parametrize(("text", "period"), [("30d", dt.timedelta(days=30)), ("12h", dt.timedelta(hours=12)),
                                              ("2w", dt.timedelta(weeks=2)), (" 7d ", dt.timedelta(days=7))])
def test_a_period_is_a_number_and_a_unit(text: str, period: dt.timedelta) -> None:
    assert parse_since(text) == period


@pytest.mark.parametrize("text", ["", "30", "d", "30 days", "-1d", "0d", "1.5d", "99999d", "30m", "now-30d"])
def test_anything_else_is_refused_naming_since(text: str) -> None:
    with pytest.raises(BacktestError) as caught:
        parse_since(text)
    assert caught.value.field == "since"


def test_a_limit_is_a_whole_number_up_to_ten_thousand() -> None:
    assert check_limit(1) == 1 and check_limit(10_000) == 10_000
    for bad in (0, 10_001, 1.5, True, "5"):
        with pytest.raises(BacktestError):
            check_limit(bad)


def test_the_query_is_canonical_and_a_refused_one_carries_the_parsers_position() -> None:
    assert canonical_query("leaders:Putin") == 'leaders:"Vladimir Putin"'
    with pytest.raises(BacktestError) as caught:
        canonical_query("type:leader_meeting AND countrys:KP")
    assert (caught.value.field, caught.value.position, caught.value.suggestion, caught.value.status) == (
        "query", 24, "countries", 400)


def test_the_search_combines_the_query_with_an_absolute_range_not_date_math_in_the_text() -> None:
    start = dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC)
    body = search_query("type:summit OR countries:KP", start)
    assert body == {"bool": {"must": [{"query_string": {"query": "type:summit OR countries:KP"}}],
                             "filter": [{"range": {"article.published": {"gte": "2025-01-01T12:00:00Z"}}}]}}


def test_reports_of_one_happening_are_one_story_with_its_modality_history() -> None:
    events = [
        report(4, "d.example", "occurred", "2025-03-04T10:00:00Z"),  # out of order on purpose: grouped by time
        report(1, "a.example", "potential", "2025-03-01T10:00:00Z"),
        report(2, "b.example", "potential", "2025-03-02T10:00:00Z"),
        report(3, "c.example", "potential", "2025-03-03T10:00:00Z"),
        report(5, "e.example", "potential", "2025-03-02T11:00:00Z", countries=("CN", "RU")),
    ]
    grouped = group(events, StoryRules())
    assert grouped.skipped == 0
    kp, cn = sorted(grouped.stories, key=lambda s: s.countries)[::-1]
    assert (kp.sources_count, kp.articles_count, kp.modality) == (4, 4, "occurred")
    assert [m.modality for m in kp.modality_history] == ["potential", "occurred"]
    assert kp.first_seen == dt.datetime(2025, 3, 1, 10, tzinfo=dt.UTC)
    assert cn.countries == ["CN", "RU"] and cn.sources_count == 1
    assert grouped.stories[0] is kp  # newest first
    summary = story_summary(kp)
    assert summary["sources"] == ["a.example", "b.example", "c.example", "d.example"]
    assert summary["sentence"] == EVENT["sentence"] and summary["url"] == "https://a.example/1"
    assert summary["first_seen"] == "2025-03-01T10:00:00Z" and summary["last_seen"] == "2025-03-04T10:00:00Z"


def test_stories_a_window_apart_are_all_kept_not_forgotten_as_the_alerter_forgets_them() -> None:
    events = [report(1, "a.example", "potential", "2025-01-01T10:00:00Z"),
              report(2, "a.example", "potential", "2025-03-01T10:00:00Z")]
    assert len(group(events, StoryRules(window_days=14)).stories) == 2


def test_a_document_that_is_not_an_event_is_skipped_and_counted() -> None:
    grouped = group([report(1, "a.example", "planned", "2025-01-01T10:00:00Z"), {"event_id": "x"}, {}],
                    StoryRules())
    assert (len(grouped.stories), grouped.skipped) == (1, 2)
