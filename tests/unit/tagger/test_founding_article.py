"""The founding example: a *potential* meeting of Kim Jong Un and Vladimir Putin."""

from __future__ import annotations

import orjson
from fixtures.articles import founding_article

from services.batch import tag_lines
from services.common.schemas import validate
from services.tagger.core import default_tagger


def tag_one(article: dict[str, str]) -> dict:
    result, ok = next(tag_lines(default_tagger(), [orjson.dumps(article)]))
    assert ok, result
    validate("tag_result", result)
    return result


def test_the_founding_article_is_one_potential_leader_meeting_of_kp_and_ru() -> None:
    article = founding_article()
    result = tag_one(article)
    assert result["id"] == article["id"]
    meetings = [e for e in result["events"] if e["type"] == "leader_meeting"]
    assert len(meetings) == 1
    meeting = meetings[0]
    assert meeting["modality"] == "potential"
    assert meeting["countries"] == ["KP", "RU"]
    assert meeting["leaders"] == ["Kim Jong Un", "Vladimir Putin"]
    assert meeting["date"] in (None, "2023-11-07")
    assert 0 < meeting["confidence"] <= 1


def test_every_evidence_span_points_at_the_words_that_caused_the_event() -> None:
    article = founding_article()
    for event in tag_one(article)["events"]:
        assert event["evidence"]
        for evidence in event["evidence"]:
            source = article[evidence["field"]]
            assert source[evidence["start"]:evidence["end"]] == evidence["text"], evidence
        rules = {e["rule"] for e in event["evidence"]}
        assert "modality.potential" in rules
        spans = " | ".join(e["text"] for e in event["evidence"])
        assert "Kim Jong Un" in spans and "Vladimir Putin" in spans, spans
