"""Fields and values are checked against what events can hold, resolved when unambiguous, refused with a suggestion."""

from __future__ import annotations

import pytest

from services.common.query import QueryError, parse_query


def refusal(text: str) -> QueryError:
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    return caught.value


def test_a_field_events_do_not_have_is_refused_with_its_name_position_and_a_suggestion() -> None:
    error = refusal("type:leader_meeting AND countrys:KP")
    assert (error.position, error.field, error.suggestion) == (24, "countrys", "countries")
    assert "countrys" in str(error)
    assert str(error).endswith("did you mean countries?")


def test_field_names_are_case_sensitive_as_in_elasticsearch_but_the_suggestion_finds_them() -> None:
    assert refusal("Countries:KP").suggestion == "countries"


def test_an_object_is_refused_listing_the_fields_inside_it() -> None:
    error = refusal("article:summit")
    assert "article.title (text)" in str(error)
    assert "article.published (date)" in str(error)


def test_a_type_events_never_have_is_refused_with_the_closest_one() -> None:
    error = refusal("type:leader_meetings")
    assert (error.position, error.field, error.suggestion) == (5, "type", "leader_meeting")


def test_a_modality_must_be_one_of_the_schema_modalities() -> None:
    error = refusal("modality:happened")
    assert "occurred, planned, potential, cancelled, denied" in str(error)
    assert refusal("modality:plannd").suggestion == "planned"


def test_an_allowed_value_in_another_case_is_normalised() -> None:
    assert parse_query("type:Leader_Meeting").text == "type:leader_meeting"
    assert parse_query("modality:OCCURRED").text == "modality:occurred"


def test_a_country_code_is_normalised_to_upper_case() -> None:
    assert parse_query("countries:kp").text == "countries:KP"
    assert parse_query("countries:(kp OR ir)").text == "countries:(KP OR IR)"


def test_a_two_letter_value_that_is_no_code_is_refused_with_the_code_events_use() -> None:
    error = refusal("countries:UK")
    assert (error.position, error.suggestion) == (10, "GB")
    assert str(error) == ("At position 10: UK is not an ISO 3166-1 alpha-2 code events use;"
                          " did you mean GB (United Kingdom)?")


def test_a_country_name_is_normalised_to_its_code() -> None:
    assert parse_query('countries:"North Korea"').text == "countries:KP"
    assert parse_query('countries:"united kingdom"').text == "countries:GB"
    assert parse_query("countries:Britain").text == "countries:GB"


def test_an_unknown_country_name_is_refused_with_the_closest_country() -> None:
    error = refusal('countries:"Nort Korea"')
    assert error.suggestion == "KP"
    assert "KP (North Korea)" in str(error)


def test_a_leader_surname_resolves_to_the_canonical_name() -> None:
    query = parse_query("type:leader_meeting AND leaders:Putin")
    assert query.text == 'type:leader_meeting AND leaders:"Vladimir Putin"'


def test_leader_aliases_and_any_case_resolve() -> None:
    assert parse_query('leaders:"kim jong-un"').text == 'leaders:"Kim Jong Un"'
    assert parse_query("leaders:MBZ").text == 'leaders:"Mohamed bin Zayed Al Nahyan"'


def test_an_ambiguous_surname_is_refused_listing_the_candidates() -> None:
    error = refusal("leaders:Bush")
    assert "George W. Bush (US)" in str(error)
    assert "George H. W. Bush (US)" in str(error)
    assert error.position == 8


def test_an_unknown_leader_is_refused_with_close_matches() -> None:
    error = refusal("leaders:Puttin")
    assert error.suggestion == "Vladimir Putin"


def test_a_leader_wildcard_must_match_some_known_leader() -> None:
    assert parse_query("leaders:*Putin*").text == "leaders:*Putin*"
    error = refusal("leaders:*putin*")
    assert "case-sensitive" in str(error)


def test_a_type_wildcard_must_match_some_type() -> None:
    assert parse_query("type:leader_*").matches
    assert "no type value" in str(refusal("type:meeting_*"))


def test_a_number_field_takes_numbers() -> None:
    error = refusal("confidence:high")
    assert (error.position, error.field) == (11, "confidence")
    assert "not a number" in str(error)
    assert "not a number" in str(refusal("confidence:[0.5 TO lots]"))
    assert refusal("confidence:[0.5 TO lots]").position == 19


def test_a_whole_number_field_refuses_a_fraction_that_can_never_match() -> None:
    error = refusal("article_version:1.5")
    assert "whole numbers" in str(error)


def test_a_date_field_takes_dates_in_its_mapping_format() -> None:
    assert "strict_date" in str(refusal("date:yesterday"))
    assert "not a date" in str(refusal("date:2025-13-01"))
    assert refusal("date:[2025-01-01 TO 2025-02-30]").position == 20
    assert "date math" in str(refusal("article.published:>now-7x"))


def test_wildcards_do_not_apply_to_numbers_or_dates() -> None:
    assert "wildcards work on keyword and text fields" in str(refusal("confidence:0.*"))


def test_a_text_value_with_no_words_left_after_analysis_is_refused() -> None:
    assert "leaves no words" in str(refusal('article.title:"!!!"'))


def test_a_range_needs_a_field() -> None:
    assert "needs a field" in str(refusal("[1 TO 5]"))


def test_exists_needs_a_field_events_have() -> None:
    error = refusal("_exists_:countrys")
    assert error.suggestion == "countries"


def test_a_field_pattern_must_match_some_field() -> None:
    assert "no field of events matches" in str(refusal("speaker.*:Putin"))


def test_fields_lists_the_fields_a_query_names() -> None:
    query = parse_query("type:summit AND (countries:KP OR _exists_:date) AND NOT leaders:Putin AND putin")
    assert query.fields == {"type", "countries", "date", "leaders"}
    assert parse_query("article.*:putin").fields >= {"article.title", "article.url"}
