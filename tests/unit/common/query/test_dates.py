"""Date values and date math resolve to the instants Elasticsearch uses for them."""

from __future__ import annotations

import datetime as dt

import pytest

from services.common.query.dates import DateValueError, event_date_ms, parse_bound, parse_date

ISO = ("strict_date_optional_time", "epoch_millis")


def ms(*parts: int) -> int:
    return int(dt.datetime(*parts, tzinfo=dt.UTC).timestamp() * 1000)


def test_a_date_rounded_down_starts_the_day_and_rounded_up_ends_it() -> None:
    assert parse_date("2025-01-01", ISO) == ms(2025, 1, 1)
    assert parse_date("2025-01-01", ISO, round_up=True) == ms(2025, 1, 1, 23, 59, 59) + 999


def test_missing_parts_fill_as_elasticsearch_documents() -> None:
    assert parse_date("2025-03-07T10:15", ISO, round_up=True) == ms(2025, 3, 7, 10, 15, 59) + 999
    assert parse_date("2025-03", ISO, round_up=True) == ms(2025, 3, 1, 23, 59, 59) + 999


def test_zones_and_epoch_milliseconds_are_read() -> None:
    assert parse_date("2025-01-01T02:00:00+02:00", ISO) == ms(2025, 1, 1)
    assert parse_date("1735689600000", ISO) == ms(2025, 1, 1)


def test_a_strict_date_field_takes_only_days() -> None:
    with pytest.raises(DateValueError):
        parse_date("2025-01-01T10:00", ("strict_date",))
    with pytest.raises(DateValueError):
        parse_date("2025-02-30", ("strict_date",))


def test_date_math_moves_and_rounds_relative_to_now() -> None:
    now = ms(2025, 3, 15, 13, 45)
    assert parse_bound("now-7d", ISO, round_up=False).resolve(now) == ms(2025, 3, 8, 13, 45)
    assert parse_bound("now/d", ISO, round_up=False).resolve(now) == ms(2025, 3, 15)
    assert parse_bound("now/d", ISO, round_up=True).resolve(now) == ms(2025, 3, 16) - 1
    assert parse_bound("now-1M/M", ISO, round_up=False).resolve(now) == ms(2025, 2, 1)
    assert parse_bound("now/w", ISO, round_up=False).resolve(now) == ms(2025, 3, 10)  # a Monday
    assert parse_bound("now+1y-2h", ISO, round_up=False).resolve(now) == ms(2026, 3, 15, 11, 45)


def test_anchored_date_math_clamps_to_the_end_of_a_shorter_month() -> None:
    bound = parse_bound("2025-01-31||+1M", ISO, round_up=False)
    assert not bound.relative
    assert bound.resolve(0) == ms(2025, 2, 28)


def test_unknown_date_math_is_refused() -> None:
    with pytest.raises(DateValueError):
        parse_bound("now-7x", ISO, round_up=False)
    with pytest.raises(DateValueError):
        parse_bound("now-", ISO, round_up=False)


def test_event_dates_are_read_from_the_schema_formats() -> None:
    assert event_date_ms("2023-11-07T09:01:13.204Z") == ms(2023, 11, 7, 9, 1, 13) + 204
    assert event_date_ms("2023-11-07") == ms(2023, 11, 7)
    assert event_date_ms("not a date") is None
