from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
from fixtures.articles import founding_article

ATTACHE = str(Path(sys.executable).with_name("attache"))


def test_eval_scores_a_gold_file_per_type_and_lists_mistakes(tmp_path: Path) -> None:
    article = founding_article()
    right = {**article, "gold": {"types": ["leader_meeting"], "leader_meeting": {
        "modality": "potential", "countries": ["KP", "RU"], "leaders": ["Kim Jong Un", "Vladimir Putin"]}}}
    negative = {"id": "n1", "published": "2024-05-01T00:00:00Z", "title": "Climbers reach the summit of K2",
                "text": "Four climbers reached the summit on Sunday.", "gold": {"types": [], "leader_meeting": None}}
    gold = tmp_path / "gold.jsonl"
    gold.write_bytes(orjson.dumps(right) + b"\n" + orjson.dumps(negative) + b"\n")
    done = subprocess.run([ATTACHE, "eval", "--json", str(gold)], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    report = orjson.loads(done.stdout)
    assert report["articles"] == 2
    assert report["per_type"]["leader_meeting"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1,
                                                    "predicted": 1}
    assert report["leader_meeting_country_accuracy"] == 1.0
    assert report["leader_meeting_modality_accuracy"] == 1.0


def test_eval_rejects_a_file_that_is_not_a_gold_set(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "x", "title": "no labels"}\n')
    done = subprocess.run([ATTACHE, "eval", str(gold)], capture_output=True, timeout=60)
    assert done.returncode == 2
    assert b"line 1: not a gold item" in done.stderr
