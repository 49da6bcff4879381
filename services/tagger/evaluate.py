"""``attache eval GOLD.jsonl``: how well the tagger agrees with hand-labelled articles.

Scored per article, as an analyst reads alerts: is each event type present or not, and for the
leader meeting, are the countries and the modality right. Pure Python, like the tagger core.

Labelled sets of publishers' items keep only ids and labels in the repository; their text comes from
a local copy (``--texts``), joined by id. Mistakes are grouped by the ids of the rules behind them, so a
rule that misfires shows up as one line, not as scattered articles.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import orjson

from services.tagger.core import Document, TaggedEvent, Tagger
from services.tagger.core.model import EVENT_TYPES
from services.tagger.core.rules import catalogue
from services.tagger.messages import parse_time

OTHER_TYPES = tuple(t for t in EVENT_TYPES if t != "leader_meeting")


class GoldError(ValueError):
    pass


@dataclass
class Scores:
    articles: int = 0
    true_positives: Counter[str] = field(default_factory=Counter)
    false_positives: Counter[str] = field(default_factory=Counter)
    false_negatives: Counter[str] = field(default_factory=Counter)
    meeting_countries_right: int = 0
    meeting_modality_right: int = 0
    mistakes: list[dict[str, Any]] = field(default_factory=list)
    # rule id -> kind of mistake ("false_positive", "countries", "modality") -> count; "missed:<type>" for
    # events no rule found
    by_rule: dict[str, Counter[str]] = field(default_factory=dict)

    def blame(self, rule_ids: Iterable[str], kind: str) -> None:
        for rule_id in rule_ids:
            self.by_rule.setdefault(rule_id, Counter())[kind] += 1

    def prf(self, types: Iterable[str]) -> tuple[float, float, float]:
        tp = sum(self.true_positives[t] for t in types)
        fp = sum(self.false_positives[t] for t in types)
        fn = sum(self.false_negatives[t] for t in types)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1

    def report(self) -> dict[str, Any]:
        per_type = {}
        for event_type in EVENT_TYPES:
            p, r, f = self.prf([event_type])
            per_type[event_type] = {
                "precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3),
                "support": self.true_positives[event_type] + self.false_negatives[event_type],
                "predicted": self.true_positives[event_type] + self.false_positives[event_type],
            }
        meetings_found = self.true_positives["leader_meeting"]
        _, _, other_f1 = self.prf(OTHER_TYPES)
        return {
            "articles": self.articles,
            "per_type": per_type,
            "leader_meeting_f1": per_type["leader_meeting"]["f1"],
            "leader_meeting_country_accuracy": round(self.meeting_countries_right / meetings_found, 3)
            if meetings_found else None,
            "leader_meeting_modality_accuracy": round(self.meeting_modality_right / meetings_found, 3)
            if meetings_found else None,
            "other_types_micro_f1": round(other_f1, 3),
        }


def load_gold(lines: Iterable[bytes]) -> list[dict[str, Any]]:
    items = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
            gold = item["gold"]
            if not isinstance(gold["types"], list) or not set(gold["types"]) <= set(EVENT_TYPES):
                raise TypeError(f"gold.types must be a list of {', '.join(EVENT_TYPES)}")
            meeting = gold.get("leader_meeting")
            if (meeting is not None) != ("leader_meeting" in gold["types"]):
                raise TypeError("gold.leader_meeting must be given exactly when types has leader_meeting")
            if meeting is not None and not (isinstance(meeting.get("countries"), list) and meeting.get("modality")):
                raise TypeError("gold.leader_meeting needs countries and modality")
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise GoldError(f"line {number}: not a gold item ({{id, published, title, text, gold}}): {exc}") from exc
        items.append(item)
    return items


def attach_texts(items: list[dict[str, Any]], texts: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Give items labelled by id alone (publishers' text stays out of the repository) their title, text and
    date from local records; raise ``GoldError`` naming the ids no record holds."""
    missing = [str(item.get("id")) for item in items if "text" not in item and str(item.get("id")) not in texts]
    if missing:
        raise GoldError(f"{len(missing)} labelled items have no text here (ids {', '.join(missing[:5])}"
                        f"{', ...' if len(missing) > 5 else ''}); pass the JSONL that holds them with --texts")
    joined = []
    for item in items:
        if "text" in item:
            joined.append(item)
            continue
        record = texts[str(item["id"])]
        joined.append({**item, "title": record.get("title", ""), "text": record.get("text", ""),
                       "published": item.get("published") or record.get("published")})
    return joined


def load_texts(lines: Iterable[bytes]) -> dict[str, dict[str, Any]]:
    """Records ``{id, title, text, published}`` by id (``scripts/feeds_to_jsonl.py`` writes them for feeds)."""
    records: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
            records[str(record["id"])] = record
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise GoldError(f"line {number}: not a text record ({{id, title, text, published}}): {exc}") from exc
    return records


@cache
def _stages() -> dict[str, str]:
    return {r.id: r.stage for r in catalogue()}


def _rules_by_stage(event: TaggedEvent) -> tuple[list[str], list[str]]:
    """The rules that created an event (candidate stage) and those that decided its modality."""
    stages = _stages()
    ids = list(dict.fromkeys(r for span in event.evidence for r in span.rule_ids))
    created = [r for r in ids if stages.get(r) == "candidate"]
    modality = [r for r in ids if stages.get(r) in ("modality", "event") and r != "event.meeting_pair"]
    return created, modality


def evaluate(tagger: Tagger, items: list[dict[str, Any]]) -> Scores:
    scores = Scores()
    for item in items:
        scores.articles += 1
        document = Document(str(item.get("id")), item.get("title", ""), item.get("text", ""),
                            parse_time(item.get("published")))
        events = tagger.tag(document)
        predicted = {e.type for e in events}
        gold_types = set(item["gold"]["types"])
        for event_type in EVENT_TYPES:
            if event_type in predicted and event_type in gold_types:
                scores.true_positives[event_type] += 1
            elif event_type in predicted:
                scores.false_positives[event_type] += 1
                for event in events:
                    if event.type == event_type:
                        scores.blame(_rules_by_stage(event)[0], "false_positive")
            elif event_type in gold_types:
                scores.false_negatives[event_type] += 1
                scores.blame([f"missed:{event_type}"], "false_negative")
        mistake: dict[str, Any] = {}
        if predicted != gold_types:
            mistake["types"] = {"gold": sorted(gold_types), "predicted": sorted(predicted)}
        gold_meeting = item["gold"].get("leader_meeting")
        meetings = [e for e in events if e.type == "leader_meeting"]
        if gold_meeting and meetings:
            # the tagger's main meeting, chosen without looking at the answer: the most confident
            best = max(meetings, key=lambda e: e.confidence)
            created, modality_rules = _rules_by_stage(best)
            if sorted(best.countries) == sorted(gold_meeting["countries"]):
                scores.meeting_countries_right += 1
            else:
                mistake["countries"] = {"gold": gold_meeting["countries"], "predicted": list(best.countries)}
                scores.blame(created, "countries")
            if best.modality == gold_meeting["modality"]:
                scores.meeting_modality_right += 1
            else:
                mistake["modality"] = {"gold": gold_meeting["modality"], "predicted": best.modality}
                scores.blame(modality_rules, "modality")
        if mistake:
            mistake["rules"] = {e.type: [r for part in _rules_by_stage(e) for r in part] for e in events}
            scores.mistakes.append({"id": item.get("id"), "title": item.get("title"), **mistake})
    return scores


def format_mistakes_by_rule(scores: Scores) -> str:
    """One line per rule: how often the events it made were wrong, worst first."""
    kinds = ("false_positive", "countries", "modality", "false_negative")
    lines = [f"{'rule':<44}{'false pos.':>11}{'countries':>10}{'modality':>9}{'missed':>8}"]
    for rule_id, counts in sorted(scores.by_rule.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
        lines.append(f"{rule_id:<44}" + "".join(f"{counts[k] or '':>{w}}" for k, w in zip(kinds, (11, 10, 9, 8),
                                                                                          strict=True)))
    return "\n".join(lines)


def format_report(report: dict[str, Any]) -> str:
    lines = [f"{'type':<34}{'precision':>10}{'recall':>8}{'f1':>7}{'support':>9}{'predicted':>11}"]
    for event_type, row in report["per_type"].items():
        lines.append(f"{event_type:<34}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['f1']:>7.3f}"
                     f"{row['support']:>9}{row['predicted']:>11}")
    lines += [
        "",
        f"articles                          {report['articles']}",
        f"leader_meeting F1                 {report['leader_meeting_f1']:.3f}",
        f"  exact country set (on TPs)      {report['leader_meeting_country_accuracy']}",
        f"  modality (on TPs)               {report['leader_meeting_modality_accuracy']}",
        f"micro-F1, the other eight types   {report['other_types_micro_f1']:.3f}",
    ]
    return "\n".join(lines)
