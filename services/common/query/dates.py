"""Dates and date math as Elasticsearch reads them in a query string, so a date query means one instant.

Elasticsearch compares dates as milliseconds since the epoch (UTC unless a time zone is given; the query
language uses UTC). A bound may be a date in one of the field's mapping formats, ``now``, or date math
(``now-7d``, ``now/d``, ``2025-01-01||+1M/d``). Two Elasticsearch rules decide which instant a bound
is, and both are reproduced here:

* rounding (``/d``) rounds down for ``gte`` and ``lt`` bounds and up, to the last millisecond of the
  unit, for ``gt`` and ``lte`` bounds;
* a date with missing parts (``2025-01-01`` on a date-time field) is, when rounding up, filled with the
  last hour, minute, second and millisecond (and January, the 1st, for a missing month or day), as the
  range query documentation says. So ``article.published:2025-01-01`` covers the whole day, and
  ``article.published:>2025-01-01`` starts the next day.

``now`` is read when an event is matched, not when the query is parsed: a standing subscription to
``article.published:>now-7d`` keeps meaning the last seven days.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

UTC = dt.UTC
_MS = {"s": 1000, "m": 60_000, "h": 3_600_000, "H": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000}
_UNITS = "yMwdhHms"

_ISO_RE = re.compile(
    r"(?P<year>\d{4})"
    r"(?:-(?P<month>\d{2})"
    r"(?:-(?P<day>\d{2})"
    r"(?:T(?P<hour>\d{2})"
    r"(?::(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})"
    r"(?:[.,](?P<fraction>\d{1,9}))?)?)?"
    r"(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?)?)?)?"
)
_DATE_RE = re.compile(r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})")
_EPOCH_RE = re.compile(r"-?\d{1,19}")
_MATH_RE = re.compile(r"([+-])(\d+)([yMwdhHms])|/([yMwdhHms])")

# Formats read as ISO 8601 with optional parts, as Elasticsearch's date_optional_time family is.
_OPTIONAL_TIME_FORMATS = {
    "strict_date_optional_time", "date_optional_time", "strict_date_optional_time_nanos",
    "strict_date_time", "date_time", "strict_date_time_no_millis", "date_time_no_millis",
    "iso8601",
}
_DATE_ONLY_FORMATS = {"strict_date", "date", "yyyy-MM-dd", "strict_year_month_day", "year_month_day"}


class DateValueError(ValueError):
    """A date the field's formats do not accept; the message says what the field takes."""


def _to_ms(moment: dt.datetime) -> int:
    return round(moment.timestamp() * 1000)


def _from_ms(ms: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=UTC) + dt.timedelta(milliseconds=ms)


def _zone(text: str | None) -> dt.tzinfo:
    if not text or text == "Z":
        return UTC
    sign = 1 if text[0] == "+" else -1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def _iso_ms(match: re.Match[str], round_up: bool) -> int:
    """Milliseconds of a parsed ISO date, with its missing parts filled as Elasticsearch fills them."""
    parts = match.groupdict()
    year = int(parts["year"])
    month = int(parts.get("month") or 1)
    day = int(parts.get("day") or 1)
    fill_high = round_up
    hour = int(parts["hour"]) if parts.get("hour") else (23 if fill_high else 0)
    minute = int(parts["minute"]) if parts.get("minute") else (59 if fill_high else 0)
    second = int(parts["second"]) if parts.get("second") else (59 if fill_high else 0)
    millis = int((parts["fraction"] + "00")[:3]) if parts.get("fraction") else (999 if fill_high else 0)
    moment = dt.datetime(year, month, day, hour, minute, second, millis * 1000, tzinfo=_zone(parts.get("zone")))
    return _to_ms(moment)


def parse_date(text: str, formats: tuple[str, ...], round_up: bool = False) -> int:
    """A date string in one of ``formats`` as epoch milliseconds; raises DateValueError."""
    for fmt in formats or ("strict_date_optional_time", "epoch_millis"):
        try:
            if fmt in _DATE_ONLY_FORMATS:
                match = _DATE_RE.fullmatch(text)
                if match:
                    return _iso_ms(match, round_up)
            elif fmt == "epoch_millis":
                if _EPOCH_RE.fullmatch(text):
                    return int(text)
            elif fmt == "epoch_second":
                if _EPOCH_RE.fullmatch(text):
                    return int(text) * 1000
            else:  # the date_optional_time family, and any format we do not know, read as ISO 8601
                match = _ISO_RE.fullmatch(text)
                if match:
                    return _iso_ms(match, round_up)
        except (ValueError, OverflowError):
            continue
    raise DateValueError(f"{text!r} is not a date in the format {' or '.join(formats) or 'ISO 8601'}")


def _add_months(moment: dt.datetime, months: int) -> dt.datetime:
    total = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _round(ms: int, unit: str, up: bool) -> int:
    moment = _from_ms(ms)
    if unit == "y":
        start = moment.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        end = _add_months(start, 12)
    elif unit == "M":
        start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        end = _add_months(start, 1)
    elif unit == "w":
        day_start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        start = day_start - dt.timedelta(days=day_start.weekday())  # weeks start on Monday
        end = start + dt.timedelta(days=7)
    else:
        size = _MS[unit]
        low = ms - ms % size
        return low + size - 1 if up else low
    return _to_ms(end) - 1 if up else _to_ms(start)


def _apply_math(ms: int, math: str, round_up: bool) -> int:
    for sign, amount, unit, round_unit in _MATH_RE.findall(math):
        if round_unit:
            ms = _round(ms, round_unit, round_up)
            continue
        n = int(amount) * (1 if sign == "+" else -1)
        if unit in ("y", "M"):
            ms = _to_ms(_add_months(_from_ms(ms), n * (12 if unit == "y" else 1)))
        else:
            ms += n * _MS[unit]
    return ms


@dataclass(frozen=True)
class DateBound:
    """One end of a date range: fixed (``ms``) or relative to now (``math`` applied to the match time)."""

    text: str
    ms: int | None
    math: str = ""
    round_up: bool = False

    @property
    def relative(self) -> bool:
        return self.ms is None

    def resolve(self, now_ms: int) -> int:
        if self.ms is not None:
            return self.ms
        return _apply_math(now_ms, self.math, self.round_up)


def parse_bound(text: str, formats: tuple[str, ...], round_up: bool) -> DateBound:
    """A query's date value (``2025-01-01``, ``now-7d/d``, ``2025-01-01||+1M``) as a bound."""
    if text.startswith("now"):
        math = text[3:]
        _check_math(text, math)
        return DateBound(text=text, ms=None, math=math, round_up=round_up)
    anchor, separator, math = text.partition("||")
    if separator:
        _check_math(text, math)
        return DateBound(text=text, ms=_apply_math(parse_date(anchor, formats, round_up=False), math, round_up))
    return DateBound(text=text, ms=parse_date(text, formats, round_up=round_up))


def _check_math(text: str, math: str) -> None:
    if "".join(m.group() for m in _MATH_RE.finditer(math)) != math:
        raise DateValueError(f"{text!r} has date math Elasticsearch does not read: write e.g. now-7d, now/d,"
                             f" now-1M/M (units {', '.join(_UNITS)})")


@lru_cache(maxsize=65536)
def event_date_ms(value: str) -> int | None:
    """An event's date value as epoch milliseconds (the schema's ISO dates and date-times)."""
    match = _ISO_RE.fullmatch(value)
    if match is None:
        if _EPOCH_RE.fullmatch(value):
            return int(value)
        return None
    try:
        return _iso_ms(match, round_up=False)
    except (ValueError, OverflowError):
        return None


def now_ms(moment: dt.datetime | None = None) -> int:
    """The match time in epoch milliseconds (a naive datetime is taken as UTC)."""
    if moment is None:
        return _to_ms(dt.datetime.now(UTC))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _to_ms(moment)
