"""A query that cannot be read is refused with a QueryError that says where and why, and nothing else escapes."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.common.query import QueryError, parse_query


def refusal(text: str) -> QueryError:
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    return caught.value


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("", 0, "empty"),
        ("   ", 0, "empty"),
        ("type:", 5, "ends where more is expected"),
        ("type:summit AND", 15, "ends where more is expected"),
        ("(type:summit OR countries:KP", 0, "parenthesis opened here is never closed"),
        ("type:summit OR countries:KP)", 27, "closing parenthesis"),
        ('leaders:"Kim Jong Un', 8, "quote opened here is never closed"),
        ("confidence:[0.5 TO 1", 11, "range bracket opened here is never closed"),
        ("confidence:[0.5 1]", 16, "not expected here"),
        ("AND type:summit", 0, "AND needs a clause on each side"),
        ("type:summit OR OR countries:KP", 15, "OR needs a clause on each side"),
        ("type:summit NOT", 15, "ends where more is expected"),
        ("type:summit && countries:KP", 12, "write AND"),
        ("type:summit || countries:KP", 12, "write OR"),
        ("!type:summit", 0, "write NOT"),
        ("type:summit and countries:KP", 12, "lowercase 'and'"),
        ("confidence:>= 0.7", 11, "no space may follow >="),
        ('confidence:>"0.7"', 12, "quoted value cannot follow"),
        ("type:-summit", 5, "must come before the field"),
        ("NOT -type:summit", 4, "two operators in a row"),
        ("a:b:c", 2, "a field inside a field"),
        ("type:summit~", 5, "fuzzy"),
        ('evidence.text:"kim putin"~3', 14, "proximity"),
        ("leaders:/Pu.in/", 8, "regular expressions"),
        ("article.published:>now-7d/d", 25, "slash"),
        ("date:2025-01-01T10:00", 18, "colon"),
        ("type:summit\\", 11, "backslash at the end"),
        ("type:summit ^", 12, "boost"),
        ("'summit'", 0, "cannot start a term"),
        ("type:summit\u00a0AND countries:KP", 11, "unusual whitespace"),
    ],
)
def test_a_malformed_query_is_refused_at_the_position_of_the_fault(text: str, position: int, words: str) -> None:
    error = refusal(text)
    assert error.position == position, str(error)
    assert words in str(error)


def test_the_message_is_one_sentence_with_the_position() -> None:
    message = str(refusal("countries:(KP OR"))
    assert message.startswith("At position ")
    assert message.endswith((".", "?"))


def test_a_multi_line_query_reports_line_and_column() -> None:
    error = refusal("type:leader_meeting\nAND countrys:KP")
    assert (error.position, error.line, error.column) == (24, 2, 5)
    assert "line 2, column 5" in str(error)


def test_the_error_carries_its_parts_for_an_api_response() -> None:
    body = refusal("countrys:KP").to_dict()
    assert body["position"] == 0
    assert body["field"] == "countrys"
    assert body["suggestion"] == "countries"
    assert "countrys" in body["message"]


def test_a_query_nested_too_deep_is_refused_not_crashed() -> None:
    assert "deep" in str(refusal("(" * 60 + "type:summit" + ")" * 60))


def test_a_query_too_long_is_refused() -> None:
    assert "longer than" in str(refusal("type:summit OR " * 1000 + "type:talks"))


def test_a_query_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(QueryError):
        parse_query(42)  # type: ignore[arg-type]


LUCENE_ALPHABET = st.sampled_from([
    *'abcKPRU:()[]{}"\\*?+-!~^/<>= _.,\'&|0179\n\t',
    "type", "countries", "leaders", "confidence", "AND", "OR", "NOT", " TO ", "now-7d", "_exists_",
    "article.title", "\u00a0", "é", "Putin", "KP", ">=",
])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60))
def test_no_exception_but_query_error_escapes_for_any_text(text: str) -> None:
    try:
        parse_query(text)
    except QueryError as error:
        assert 0 <= error.position <= len(text)
        assert str(error)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LUCENE_ALPHABET, max_size=25).map("".join))
def test_no_exception_but_query_error_escapes_for_lucene_like_text(text: str) -> None:
    try:
        query = parse_query(text)
    except QueryError as error:
        assert 0 <= error.position <= len(text)
        return
    assert parse_query(query.text).text == query.text
