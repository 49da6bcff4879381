"""``attache tag``: JSONL in, one JSON line out per input line, errors named by line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
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
