"""``attache tag``: JSONL in, one JSON line out per input line, errors named by line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from fixtures.articles import founding_article

ATTACHE = str(Path(sys.executable).with_name("attache"))


def run_tag(stdin: bytes, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([ATTACHE, "tag", *args], input=stdin, capture_output=True, timeout=60)


def test_tag_reads_stdin_and_prints_the_founding_event() -> None:
    done = run_tag(orjson.dumps(founding_article()) + b"\n")
    assert done.returncode == 0, done.stderr.decode()
    (line,) = done.stdout.splitlines()
    result = orjson.loads(line)
    assert result["id"] == "kim-putin-2023-11-07"
    (event,) = [e for e in result["events"] if e["type"] == "leader_meeting"]
    assert (event["modality"], event["countries"], event["leaders"]) == (
        "potential", ["KP", "RU"], ["Kim Jong Un", "Vladimir Putin"])
    assert set(event) >= {"type", "modality", "countries", "leaders", "date", "evidence", "confidence"}


def test_bad_lines_get_an_error_line_naming_the_line_and_the_rest_is_still_tagged(tmp_path: Path) -> None:
    good = orjson.dumps(founding_article())
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"{not json\n" + b'{"id": "x", "title": 5}\n\n' + good + b"\n")
    done = run_tag(b"", str(path))
    assert done.returncode == 1
    results = [orjson.loads(line) for line in done.stdout.splitlines()]
    assert len(results) == 3
    assert results[0]["error"].startswith("line 1: not JSON")
    assert results[1] == {"id": "x", "events": [], "error": "line 2: field(s) title must be strings"}
    assert results[2]["events"]
    assert b"line 1" in done.stderr and b"line 2" in done.stderr


def test_a_missing_input_file_is_a_clear_error() -> None:
    done = run_tag(b"", "/nonexistent/articles.jsonl")
    assert done.returncode == 2
    assert b"cannot read /nonexistent/articles.jsonl" in done.stderr


def test_undated_input_tags_the_same_whatever_day_it_is_tagged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Undated articles are read as of the knowledge base's latest change of office, never "today": two
    runs on two different days give the same events, and no relative date is resolved against either."""
    import datetime as dt
    import types

    from services.tagger.core import Document, Tagger
    from services.tagger.core.knowledge import load_knowledge

    class Clock(dt.datetime):
        today_is = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:  # type: ignore[override]
            return cls.today_is

        @classmethod
        def today(cls) -> dt.datetime:  # type: ignore[override]
            return cls.today_is

    fake = types.SimpleNamespace(**{**vars(dt), "datetime": Clock})
    import services.tagger.core as core

    for module in [m for name, m in sys.modules.items() if name.startswith(core.__name__)]:
        if getattr(module, "dt", None) is dt:
            monkeypatch.setattr(module, "dt", fake)
    document = Document("undated", "", "The American president met the Chinese president in Beijing on Tuesday.", None)
    tagger = Tagger(load_knowledge())
    Clock.today_is = dt.datetime(2019, 6, 30, tzinfo=dt.UTC)  # Trump's first term
    first = [e.to_dict() for e in tagger.tag(document)]
    Clock.today_is = dt.datetime(2023, 6, 30, tzinfo=dt.UTC)  # Biden's
    second = [e.to_dict() for e in tagger.tag(document)]
    assert first == second
    (meeting,) = [e for e in first if e["type"] == "leader_meeting"]
    assert meeting["countries"] == ["CN", "US"]
    assert meeting["date"] is None  # "on Tuesday" has no day to count from


def test_undated_input_is_read_as_of_the_knowledge_base() -> None:
    from services.tagger.core import Document, default_tagger
    from services.tagger.core.knowledge import load_knowledge

    as_of = load_knowledge().as_of
    text = "The Russian president met the Chinese president in Moscow."
    undated = default_tagger().tag(Document("u", "", text, None))
    import datetime as dt

    dated = default_tagger().tag(Document("d", "", text, dt.datetime.combine(as_of, dt.time(), dt.UTC)))
    assert [(e.type, e.countries, e.leaders, e.modality) for e in undated] == \
        [(e.type, e.countries, e.leaders, e.modality) for e in dated]
    assert undated[0].leaders  # the office holders of that day are named
