"""The hand-labelled gold set (tests/tagger/gold) is well formed, and the tagger keeps its quality on it.

These floors guard against regressions; the real yardstick is held-out news the tagger never saw."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.tagger.core import Document, default_tagger
from services.tagger.core.model import EVENT_TYPES
from services.tagger.core.rules import catalogue
from services.tagger.evaluate import evaluate, load_gold
from services.tagger.messages import parse_time

GOLD_DIR = Path(__file__).resolve().parents[2] / "tagger" / "gold"
GOLD = GOLD_DIR / "gold.jsonl"
MODALITIES = {"occurred", "planned", "potential", "cancelled", "denied"}


@pytest.fixture(scope="module")
def gold() -> list[dict]:
    with GOLD.open("rb") as handle:
        return load_gold(handle)


def test_the_gold_set_has_at_least_150_items_covering_every_type_and_modality(gold: list[dict]) -> None:
    assert len(gold) >= 150
    assert len({item["id"] for item in gold}) == len(gold)
    types = {t for item in gold for t in item["gold"]["types"]}
    assert types == set(EVENT_TYPES)
    modalities = {item["gold"]["leader_meeting"]["modality"] for item in gold if item["gold"]["leader_meeting"]}
    assert modalities == MODALITIES
    assert sum(1 for item in gold if not item["gold"]["types"]) >= 30, "hard negatives"
    for item in gold:
        meeting = item["gold"]["leader_meeting"]
        assert (meeting is not None) == ("leader_meeting" in item["gold"]["types"]), item["id"]
        if meeting:
            assert meeting["countries"] == sorted(meeting["countries"]), item["id"]


@pytest.mark.parametrize("name", sorted(path.name for path in GOLD_DIR.glob("*.jsonl")))
def test_every_labelled_set_is_well_formed(name: str) -> None:
    with (GOLD_DIR / name).open("rb") as handle:
        items = load_gold(handle)
    allowed = set(EVENT_TYPES)
    for item in items:
        assert set(item["gold"]["types"]) <= allowed, item["id"]
        assert item["gold"]["types"] == sorted({e["type"] for e in item["gold"]["events"]}), item["id"]
        assert all(e["modality"] in MODALITIES for e in item["gold"]["events"]), item["id"]


def test_the_tagger_keeps_its_quality_on_the_gold_set(gold: list[dict]) -> None:
    report = evaluate(default_tagger(), gold).report()
    assert report["leader_meeting_f1"] >= 0.90, report
    assert report["leader_meeting_country_accuracy"] >= 0.90, report
    assert report["leader_meeting_modality_accuracy"] >= 0.85, report


WITH_TEXT = sorted(path.name for path in GOLD_DIR.glob("*.jsonl") if not path.name.startswith("real-"))


@pytest.mark.parametrize("name", WITH_TEXT)
def test_every_event_points_at_the_text_that_caused_it_and_names_its_rules(name: str) -> None:
    with (GOLD_DIR / name).open("rb") as handle:
        items = load_gold(handle)
    stages = {r.id: r.stage for r in catalogue()}
    tagger = default_tagger()
    events = 0
    for item in items:
        document = Document(item["id"], item["title"], item["text"], parse_time(item["published"]))
        for event in tagger.tag(document):
            events += 1
            assert event.evidence, (item["id"], event.type)
            labels = [e.rule for e in event.evidence]
            assert any(label.endswith(".trigger") for label in labels), (item["id"], labels)
            named = {rule_id for span in event.evidence for rule_id in span.rule_ids}
            assert named <= set(stages), (item["id"], named - set(stages))
            # which rule made the event, and which decided its modality
            assert any(stages[r] == "candidate" for r in named), (item["id"], event.type, named)
            assert any(stages[r] in ("modality", "event") and r != "event.meeting_pair" for r in named), \
                (item["id"], event.type, named)
            for evidence in event.evidence:
                assert evidence.rule_ids, (item["id"], evidence)
                source = item["title"] if evidence.field == "title" else item["text"]
                assert source[evidence.start:evidence.end] == evidence.text, (item["id"], evidence)
    assert events > len(items) / 3
