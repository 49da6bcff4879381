"""``Query.text`` is the resolved query, stored and sent to Elasticsearch: reading it again changes nothing."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.common.query import parse_query

from .helpers import random_event, random_query


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("leaders:Putin", 'leaders:"Vladimir Putin"'),
        ("countries:kp", "countries:KP"),
        ('countries:"North Korea" AND type:Summit', "countries:KP AND type:summit"),
        ("leaders:(Putin OR \"kim jong un\")", 'leaders:("Vladimir Putin" OR "Kim Jong Un")'),
        ("  type:talks   OR  countries:ir ", "type:talks   OR  countries:IR"),
        ("leaders:*Putin* AND confidence:>=0.7", "leaders:*Putin* AND confidence:>=0.7"),
        ("Putin", "Putin"),  # a bare term is searched in every field: nothing to resolve
    ],
)
def test_the_canonical_text_has_resolved_values_and_the_layout_written(written: str, canonical: str) -> None:
    assert parse_query(written).text == canonical


def test_the_canonical_text_of_a_resolved_query_reads_back_unchanged() -> None:
    once = parse_query("type:leader_meeting AND leaders:putin AND countries:(kp OR \"Iran\")")
    assert once.text == 'type:leader_meeting AND leaders:"Vladimir Putin" AND countries:(KP OR IR)'
    assert parse_query(once.text).text == once.text


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=2**32))
def test_reading_the_canonical_text_again_gives_the_same_text_and_the_same_matches(seed: int) -> None:
    rng = random.Random(seed)
    query = parse_query(random_query(rng))
    again = parse_query(query.text)
    assert again.text == query.text
    for _ in range(5):
        subject = random_event(rng)
        assert again.matches(subject) == query.matches(subject)


def test_queries_with_the_same_canonical_text_are_equal() -> None:
    assert parse_query("leaders:Putin") == parse_query('leaders:"Vladimir Putin"')
    assert hash(parse_query("countries:kp")) == hash(parse_query("countries:KP"))
