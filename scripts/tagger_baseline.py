"""Write the tagger's regression floors: every labelled set's scores, per type, to tests/tagger/baseline.json.

Why: a rule change that helps one set may quietly hurt another; tests/unit/tagger/test_regression_floors.py
fails when any set or any type falls below the figures stored here. Run this after a deliberate change,
and read the diff of the file: every number that moves down is a regression to accept or fix.

    .venv/bin/python scripts/tagger_baseline.py [--texts FILE ...] [--only NAME ...]

Sets labelled by id only (``real-*``: publishers' text stays out of the repository) are scored when
their texts are given with ``--texts`` (the realnews JSONL files; ``scripts/feeds_to_jsonl.py`` output for
saved feeds); otherwise their stored floors are kept as they are.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from services.tagger.core import default_tagger
from services.tagger.evaluate import GoldError, attach_texts, evaluate, load_gold, load_texts

ROOT = Path(__file__).resolve().parents[1]
GOLD_DIR = ROOT / "tests" / "tagger" / "gold"
BASELINE = ROOT / "tests" / "tagger" / "baseline.json"


def floors(report: dict) -> dict:
    """The figures a regression test compares: the four headline numbers and every type's F1."""
    return {
        "articles": report["articles"],
        "leader_meeting_f1": report["leader_meeting_f1"],
        "leader_meeting_country_accuracy": report["leader_meeting_country_accuracy"],
        "leader_meeting_modality_accuracy": report["leader_meeting_modality_accuracy"],
        "other_types_micro_f1": report["other_types_micro_f1"],
        "per_type_f1": {t: row["f1"] for t, row in report["per_type"].items() if row["support"] or row["predicted"]},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", action="append", default=[], help="JSONL {id, title, text, published}")
    parser.add_argument("--only", action="append", help="only these set files (by name)")
    args = parser.parse_args()
    texts: dict = {}
    for name in args.texts:
        with open(name, "rb") as handle:
            texts.update(load_texts(handle))
    stored = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    tagger = default_tagger()
    for path in sorted(GOLD_DIR.glob("*.jsonl")):
        if args.only and path.name not in args.only:
            continue
        with path.open("rb") as handle:
            items = load_gold(handle)
        try:
            items = attach_texts(items, texts)
        except GoldError:
            print(f"{path.name}: texts not given, floors kept as stored")
            continue
        stored[path.name] = floors(evaluate(tagger, items).report())
        print(f"{path.name}: {json.dumps({k: v for k, v in stored[path.name].items() if k != 'per_type_f1'})}")
    BASELINE.write_text(json.dumps(dict(sorted(stored.items())), indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
