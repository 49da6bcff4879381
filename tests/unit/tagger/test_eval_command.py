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


def test_eval_joins_items_labelled_by_id_with_texts_kept_outside_the_repository(tmp_path: Path) -> None:
    article = founding_article()
    labels = tmp_path / "real.jsonl"
    labels.write_bytes(orjson.dumps({"id": article["id"], "source": "example", "gold": {
        "types": ["leader_meeting"], "leader_meeting": {"modality": "potential", "countries": ["KP", "RU"]},
        "events": [{"type": "leader_meeting", "modality": "potential", "countries": ["KP", "RU"]}]}}) + b"\n")
    texts = tmp_path / "texts.jsonl"
    texts.write_bytes(orjson.dumps(article) + b"\n")
    done = subprocess.run([ATTACHE, "eval", "--json", str(labels), "--texts", str(texts)], capture_output=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    assert orjson.loads(done.stdout)["per_type"]["leader_meeting"]["f1"] == 1.0
    missing = subprocess.run([ATTACHE, "eval", str(labels)], capture_output=True, timeout=60)
    assert missing.returncode == 2
    assert b"have no text here (ids kim-putin-2023-11-07); pass the JSONL that holds them with --texts" \
        in missing.stderr


def test_eval_mistakes_are_grouped_by_the_rules_behind_them(tmp_path: Path) -> None:
    article = founding_article()
    wrong = {**article, "gold": {"types": ["leader_meeting"], "leader_meeting": {
        "modality": "occurred", "countries": ["KP", "RU"]}, "events": []}}
    missed = {"id": "m1", "published": "2024-05-01T00:00:00Z", "title": "Quiet day",
              "text": "Nothing of note happened.", "gold": {"types": ["talks"], "leader_meeting": None, "events": []}}
    gold = tmp_path / "gold.jsonl"
    gold.write_bytes(orjson.dumps(wrong) + b"\n" + orjson.dumps(missed) + b"\n")
    done = subprocess.run([ATTACHE, "eval", str(gold), "--mistakes"], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    table = done.stderr.decode()
    rows = {line.split()[0]: line.split()[1:] for line in table.splitlines() if line.startswith(("modality.",
                                                                                                 "missed:", "event."))}
    assert rows["missed:talks"] == ["1"]  # no rule found it
    assert rows["modality.cue"] == ["1"]  # "potential" where the label says occurred
    mistake = orjson.loads(table.strip().splitlines()[-2])
    assert mistake["modality"] == {"gold": "occurred", "predicted": "potential"}
    assert "meeting.leaders_of_two_states" in mistake["rules"]["leader_meeting"]


def test_rules_list_prints_every_rule_that_evidence_can_name() -> None:
    done = subprocess.run([ATTACHE, "rules", "list", "--json"], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    rules = [orjson.loads(line) for line in done.stdout.splitlines()]
    ids = {r["id"] for r in rules}
    assert {"mention.full_name", "meeting.leaders_of_two_states", "modality.cue", "event.default_occurred"} <= ids
    assert all(r["description"] and r["stage"] in ("mention", "veto", "candidate", "modality", "event")
               for r in rules)
    tagged = subprocess.run([ATTACHE, "tag"], input=orjson.dumps(founding_article()) + b"\n", capture_output=True,
                            timeout=60)
    named = {rule_id for event in orjson.loads(tagged.stdout)["events"] for span in event["evidence"]
             for rule_id in span["rule_ids"]}
    assert named and named <= ids
