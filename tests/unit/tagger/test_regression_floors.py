"""Regression floors: no labelled set and no event type scores below tests/tagger/baseline.json.

The stored figures are written by scripts/tagger_baseline.py after a deliberate change. Sets labelled by id
only (publishers' text is not in the repository) are scored where their texts are found: the JSONL files
named by ATTACHE_REALNEWS_TEXTS (colon-separated), else ../shared/realnews next to the checkout, plus the
saved feeds in ../shared/realfeeds, read as the collector reads them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from services.collector.normalize import entry_to_article
from services.collector.parse import parse_feed
from services.tagger.core import default_tagger
from services.tagger.evaluate import GoldError, attach_texts, evaluate, load_gold, load_texts
from services.tagger.messages import article_document

ROOT = Path(__file__).resolve().parents[3]
GOLD_DIR = ROOT / "tests" / "tagger" / "gold"
BASELINE = json.loads((ROOT / "tests" / "tagger" / "baseline.json").read_text())
SLACK = 0.0005  # figures are stored rounded to three places


def _text_files() -> list[Path]:
    named = [Path(p) for p in os.environ.get("ATTACHE_REALNEWS_TEXTS", "").split(":") if p]
    shared = ROOT.parent / "shared" / "realnews"
    return named or (sorted(shared.glob("*.jsonl")) if shared.is_dir() else [])


def _feed_texts() -> dict:
    """The saved real feeds as the stream tagger sees them, keyed by the article id the pipeline gives them
    (what scripts/feeds_to_jsonl.py writes)."""
    records: dict = {}
    folder = ROOT.parent / "shared" / "realfeeds"
    for path in sorted(folder.glob("*.xml")) if folder.is_dir() else []:
        parsed = parse_feed(path.read_bytes())
        for entry in parsed.entries:
            article = entry_to_article(entry, feed_id=path.stem, feed_url=path.resolve().as_uri(),
                                       feed_language=parsed.language, feed_updated=parsed.updated,
                                       first_seen="1970-01-01T00:00:00Z")
            if article is not None:
                doc = article_document(article)
                records[article["article_id"]] = {"id": article["article_id"], "published": article["published"],
                                                  "title": doc.title, "text": doc.text}
    return records


@pytest.fixture(scope="module")
def texts() -> dict:
    records: dict = _feed_texts()
    for path in _text_files():
        with path.open("rb") as handle:
            records.update(load_texts(handle))
    return records


def test_every_labelled_set_has_stored_floors() -> None:
    assert sorted(p.name for p in GOLD_DIR.glob("*.jsonl")) == sorted(BASELINE)


@pytest.mark.parametrize("name", sorted(BASELINE))
def test_no_set_and_no_type_falls_below_its_floor(name: str, texts: dict) -> None:
    with (GOLD_DIR / name).open("rb") as handle:
        items = load_gold(handle)
    try:
        items = attach_texts(items, texts)
    except GoldError as exc:
        pytest.skip(f"{name}: publishers' texts are not on this machine ({exc})")
    report = evaluate(default_tagger(), items).report()
    floor = BASELINE[name]
    below = [f"{key} {report[key]} < {floor[key]}" for key in ("leader_meeting_f1", "leader_meeting_country_accuracy",
                                                               "leader_meeting_modality_accuracy",
                                                               "other_types_micro_f1")
             if floor[key] is not None and (report[key] or 0) + SLACK < floor[key]]
    below += [f"{t} F1 {report['per_type'][t]['f1']} < {f1}" for t, f1 in floor["per_type_f1"].items()
              if report["per_type"][t]["f1"] + SLACK < f1]
    assert not below, f"{name} regressed: " + "; ".join(below)
