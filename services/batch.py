"""``attache tag``: the stream tagger's exact code over JSONL, one result line per input line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from services.tagger.core import Document, Tagger
from services.tagger.messages import parse_time


class BadLine(ValueError):
    pass


def document_from_record(record: Any, line_number: int) -> Document:
    if not isinstance(record, dict):
        raise BadLine(f"line {line_number}: expected a JSON object, got {type(record).__name__}")
    missing = [k for k in ("title", "text") if not isinstance(record.get(k, ""), str)]
    if missing:
        raise BadLine(f"line {line_number}: field(s) {', '.join(missing)} must be strings")
    if not (record.get("title") or record.get("text")):
        raise BadLine(f"line {line_number}: needs a non-empty title or text")
    published = record.get("published")
    when: dt.datetime | None = None
    if published:
        when = parse_time(str(published))
        if when is None:
            raise BadLine(f"line {line_number}: published {published!r} is not an ISO 8601 date")
    return Document(str(record.get("id", line_number)), record.get("title", ""), record.get("text", ""), when)


def tag_lines(tagger: Tagger, lines: Iterable[bytes | str]) -> Iterator[tuple[dict[str, Any], bool]]:
    """Yield (result, ok) per non-blank input line; errors become result lines, never exceptions."""
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        record_id = None
        try:
            record = orjson.loads(line)
            if isinstance(record, dict) and record.get("id") is not None:
                record_id = str(record["id"])
            document = document_from_record(record, line_number)
        except orjson.JSONDecodeError as exc:
            yield {"id": None, "events": [], "error": f"line {line_number}: not JSON: {exc}"}, False
            continue
        except BadLine as exc:
            yield {"id": record_id, "events": [], "error": str(exc)}, False
            continue
        try:
            events = [event.to_dict() for event in tagger.tag(document)]
        except Exception as exc:  # a tagger bug on one line must not end the batch
            yield {"id": record_id, "events": [], "error": f"line {line_number}: tagging failed: {exc!r}"}, False
            continue
        yield {"id": record_id if record_id is not None else document.id, "events": events}, True
