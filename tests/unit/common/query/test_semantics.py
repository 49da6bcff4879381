"""A query means in the stream what Elasticsearch's query_string makes of it (Lucene rules, mapping kinds)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from services.common.query import parse_query

from .helpers import EXAMPLE_EVENT, event

UTC = dt.UTC


def matches(text: str, subject: dict[str, Any] = EXAMPLE_EVENT, now: dt.datetime | None = None) -> bool:
    return parse_query(text).matches(subject, now=now)


# The example event: leader_meeting, potential, countries KP RU, leaders Kim Jong Un and Vladimir Putin,
# confidence 0.83, date null, title "A potential meeting between Kim Jong Un and Vladimir Putin",
# published 2023-11-07T09:00:00Z.

def test_the_founding_event_matches_the_issue_example() -> None:
    assert matches("type:leader_meeting AND countries:KP")
    assert matches('type:leader_meeting AND leaders:"Kim Jong Un"')
    assert not matches("countries:(KP OR IR) AND modality:(planned OR occurred) AND confidence:>=0.7")
    assert matches("countries:(KP OR IR) AND modality:(potential OR occurred) AND confidence:>=0.7")


def test_the_default_operator_is_or_as_in_elasticsearch() -> None:
    assert matches("type:summit countries:KP")
    assert not matches("type:summit countries:US")
    assert matches("modality:(planned potential)")


def test_and_makes_the_clauses_on_both_sides_required_whatever_follows() -> None:
    # Lucene reads "a AND b OR c" as +a +b c: c alone is not enough.
    assert not matches("type:summit AND countries:US OR leaders:Putin")
    assert matches("type:leader_meeting AND countries:KP OR leaders:Putin")
    # ... and "a OR b AND c" as a +b +c: a alone is not enough.
    assert not matches("leaders:Putin OR type:summit AND countries:KP")
    assert matches("type:summit OR leaders:Putin AND countries:KP")


def test_parentheses_give_boolean_grouping() -> None:
    assert matches("leaders:Putin OR (type:summit AND countries:KP)")
    assert matches("(type:summit AND countries:US) OR leaders:Putin")


def test_plus_requires_and_minus_prohibits() -> None:
    assert matches("+countries:KP type:summit")
    assert not matches("+countries:US type:leader_meeting")
    assert not matches("-countries:KP type:leader_meeting")
    assert matches("-countries:US type:leader_meeting")


def test_a_query_of_only_negations_matches_everything_else() -> None:
    assert matches("NOT type:summit")
    assert not matches("NOT type:leader_meeting")
    assert matches("-countries:US -countries:CN")
    assert not matches("NOT *:*")


def test_or_not_needs_the_positive_clause_as_in_lucene_but_a_grouped_not_stands_alone() -> None:
    # "a OR NOT b" is "a -b": an event without a does not match ...
    assert not matches("type:summit OR NOT countries:US")
    # ... while "(NOT b)" is its own query, matching everything but b.
    assert matches("type:summit OR (NOT countries:US)")


def test_field_groups_apply_the_field_to_each_value() -> None:
    assert matches("countries:(KP AND RU)")
    assert not matches("countries:(KP AND US)")
    assert matches("countries:(US OR RU)")
    assert matches("countries:(KP -US)")
    assert not matches("countries:(KP -RU)")


def test_an_array_field_matches_if_any_element_matches() -> None:
    assert matches("countries:RU")
    assert matches('leaders:"Vladimir Putin"')


def test_keyword_fields_match_exact_case_sensitive_values() -> None:
    located = event(location="Moscow")
    assert matches("location:Moscow", located)
    assert not matches("location:moscow", located)
    assert not matches("location:Mosc", located)
    assert matches('evidence.rule:"leader:Vladimir Putin"')


def test_text_fields_match_analysed_words_in_any_case() -> None:
    assert matches("article.title:meeting")
    assert matches("article.title:MEETING")
    assert not matches("article.title:meet")  # the standard analyzer does not stem


def test_a_quoted_phrase_on_a_text_field_needs_the_words_in_order() -> None:
    assert matches('article.title:"potential meeting"')
    assert matches('article.title:"kim jong un"')
    assert not matches('article.title:"meeting potential"')
    assert not matches('article.title:"potential between"')


def test_an_unquoted_value_of_several_words_matches_any_of_them() -> None:
    assert matches("article.title:Kim-Zelenskyy")
    assert not matches("article.title:Macron-Zelenskyy")


def test_a_phrase_does_not_run_from_one_evidence_sentence_into_the_next() -> None:
    assert matches('evidence.text:"Kim Jong Un"')
    assert not matches('evidence.text:"potential meeting"')  # "potential" and "meeting" are separate evidence


def test_nested_array_objects_are_searched_as_elasticsearch_flattens_them() -> None:
    assert matches("evidence.field:text AND evidence.rule_ids:mention.full_name")


def test_number_ranges_and_terms() -> None:
    assert matches("confidence:0.83")
    assert matches("confidence:>=0.83")
    assert not matches("confidence:>0.83")
    assert matches("confidence:<=0.83")
    assert not matches("confidence:<0.83")
    assert matches("confidence:[0.5 TO 1]")
    assert not matches("confidence:[0.5 TO 0.83}")
    assert matches("confidence:{0.5 TO 0.83]")
    assert matches("confidence:[0.83 TO *]")
    assert matches("confidence:[* TO *]")
    assert matches("article_version:1")
    assert matches("article_version:[-1 TO 1]")


def test_a_float_field_compares_as_elasticsearch_stores_it() -> None:
    assert matches("confidence:>=0.7", event(confidence=0.7))
    assert matches("confidence:0.7", event(confidence=0.7))
    assert not matches("confidence:>0.7", event(confidence=0.7))


def test_a_date_without_a_time_covers_the_whole_day() -> None:
    assert matches("article.published:2023-11-07")
    assert matches("article.published:[2023-11-07 TO 2023-11-07]")
    assert matches("article.published:>=2023-11-07")
    assert matches("article.published:<=2023-11-07")
    assert not matches("article.published:>2023-11-07")
    assert not matches("article.published:<2023-11-07")


def test_a_date_with_minutes_covers_that_minute_when_rounded_up() -> None:
    assert matches("article.published:[2023-11-07T09:00 TO *]")
    assert not matches("article.published:{2023-11-07T09:00 TO *]")
    assert matches("article.published:[* TO 2023-11-07T09:00]")


def test_the_date_field_holds_days() -> None:
    dated = event(date="2025-06-15")
    assert matches("date:2025-06-15", dated)
    assert matches("date:[2025-01-01 TO 2025-12-31]", dated)
    assert not matches("date:2025-06-14", dated)
    assert not matches("date:2025-06-15", EXAMPLE_EVENT)  # a null date is no date


def test_now_is_read_when_the_event_is_matched() -> None:
    assert matches("article.published:>now-7d", now=dt.datetime(2023, 11, 10, tzinfo=UTC))
    assert not matches("article.published:>now-7d", now=dt.datetime(2023, 12, 1, tzinfo=UTC))
    dated = event(date="2025-06-15")
    assert matches("date:[2025-01-01 TO now]", dated, now=dt.datetime(2025, 7, 1, tzinfo=UTC))
    assert not matches("date:[2025-01-01 TO now]", dated, now=dt.datetime(2025, 3, 1, tzinfo=UTC))
    assert parse_query("article.published:>now-7d").relative_time
    assert not parse_query("article.published:>2023-01-01").relative_time


def test_date_math_rounds_down_for_gte_and_up_for_lte() -> None:
    afternoon = dt.datetime(2023, 11, 7, 15, tzinfo=UTC)
    assert matches("article.published:[now/d TO now/d]", now=afternoon)
    assert not matches("article.published:>now\\/d", now=afternoon)  # Lucene needs the slash escaped here
    assert matches("article.published:<now\\/d", now=dt.datetime(2023, 11, 8, 1, tzinfo=UTC))
    assert matches("article.published:[2023-10-31||+7d TO 2023-10-31||+7d/d]")


def test_wildcards_on_keyword_and_text_fields() -> None:
    assert matches("type:leader_*")
    assert not matches("type:*_call")
    assert matches("leaders:*Putin*")
    assert matches("countries:K?")
    assert matches("article.title:meet*")
    assert matches("article.title:Meet*")  # text wildcards are lowercased, as Elasticsearch normalizes them
    assert matches("evidence.rule:leader\\:*")


def test_exists_and_field_star_test_for_a_value() -> None:
    assert not matches("_exists_:date")
    assert matches("_exists_:date", event(date="2025-01-01"))
    assert not matches("date:*")
    assert matches("_exists_:countries")
    assert not matches("_exists_:countries", event(countries=[]))
    assert matches("_exists_:(date OR leaders)")
    assert matches("_exists_:article")
    assert matches("NOT _exists_:location")


def test_a_bare_term_searches_every_field() -> None:
    assert matches("Putin")  # a word of the title
    assert matches("putin")
    assert matches("KP")  # the exact keyword in countries
    assert not matches("kp")  # keyword values are case-sensitive; no text field holds the word
    assert matches("0.83")  # the number in confidence
    assert matches('"Kim Jong Un"')  # a keyword of leaders, and a phrase of the title
    assert matches("2023-11-07")  # the day article.published falls on
    assert not matches("Zelenskyy")
    assert matches("*:Putin")


def test_match_all_forms() -> None:
    assert matches("*:*")
    assert matches("*")


def test_a_field_pattern_searches_every_field_it_covers() -> None:
    assert matches("article.*:putin")
    assert matches("article.*:news.example.org")
    assert not matches("article.*:Zelenskyy")


def test_boosts_change_no_match() -> None:
    assert matches("type:summit^2 OR countries:KP^0.5")
    assert not matches("type:summit^2")


@pytest.mark.parametrize("text", ["type:leader_meeting", "leaders:Putin", "confidence:>=0.5", "Putin"])
def test_matching_does_not_change_the_event(text: str) -> None:
    subject = event()
    before = repr(subject)
    parse_query(text).matches(subject)
    assert repr(subject) == before
