"""Resolve the date of an event from phrases like "on Tuesday", "next month" or "7 November"."""

from __future__ import annotations

import datetime as dt
import re

MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
               "november", "december")
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = {
    m: i + 1
    for i, names in enumerate([
        ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
        ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
        ("october", "oct"), ("november", "nov"), ("december", "dec"),
    ])
    for m in names
}
_WEEKDAYS = {d: i for i, d in enumerate(WEEKDAY_NAMES)}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})\.?(?:,?\s+(\d{{4}}))?\b", re.I)
_MONTH_DAY = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_WEEKDAY = re.compile(r"\b(?:(last|next|this|on)\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
                      re.I)
_RELATIVE = re.compile(r"\b(today|tomorrow|yesterday)\b", re.I)


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _near_year(published: dt.date, month: int, day: int, future: bool | None) -> dt.date | None:
    """Pick the year that puts a month/day closest to publication, leaning by tense when known."""
    options = [d for d in (_safe_date(published.year + k, month, day) for k in (-1, 0, 1)) if d]
    if future is True:
        options = [d for d in options if d >= published - dt.timedelta(days=1)] or options
    elif future is False:
        options = [d for d in options if d <= published + dt.timedelta(days=1)] or options
    return min(options, key=lambda d: abs((d - published).days)) if options else None


def resolve_date(sentence: str, published: dt.date, future: bool | None, relative: bool = True) -> dt.date | None:
    """The event date the sentence states, or None; ``future`` is True for planned events. With
    ``relative`` False (an undated article), only dates that name their year are resolved."""
    if m := _ISO.search(sentence):
        return _safe_date(int(m[1]), int(m[2]), int(m[3]))
    if m := _DAY_MONTH.search(sentence):
        month = _MONTHS[m[2].lower()]
        if m[3]:
            return _safe_date(int(m[3]), month, int(m[1]))
        return _near_year(published, month, int(m[1]), future) if relative else None
    if m := _MONTH_DAY.search(sentence):
        if m[1].lower() == "may" and not m[1][0].isupper():
            return None
        month = _MONTHS[m[1].lower()]
        if m[3]:
            return _safe_date(int(m[3]), month, int(m[2]))
        return _near_year(published, month, int(m[2]), future) if relative else None
    if not relative:
        return None
    if m := _RELATIVE.search(sentence):
        offset = {"today": 0, "tomorrow": 1, "yesterday": -1}[m[1].lower()]
        return published + dt.timedelta(days=offset)
    if m := _WEEKDAY.search(sentence):
        qualifier = (m[1] or "").lower()
        target = _WEEKDAYS[m[2].lower()]
        delta = target - published.weekday()
        if qualifier == "next" or (future is True and qualifier != "last"):
            delta = delta if delta > 0 else delta + 7
            if qualifier == "next" and delta < 2:
                delta += 7
        else:
            delta = delta if delta <= 0 else delta - 7
        return published + dt.timedelta(days=delta)
    return None
