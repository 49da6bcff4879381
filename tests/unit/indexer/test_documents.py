from __future__ import annotations

import json

import pytest

from services.common.schemas import SCHEMA_DIR, BadMessage
from services.common.settings import Settings
from services.indexer.documents import routes, to_action

SETTINGS = Settings(index_prefix="attache", topic_prefix="attache")
EVENT = (SCHEMA_DIR / "examples" / "event.json").read_bytes()
TAGGED = (SCHEMA_DIR / "examples" / "tagged_article.json").read_bytes()


def test_an_event_is_indexed_under_its_content_derived_id_with_the_article_version() -> None:
    action = to_action(routes(SETTINGS)["attache.events"], EVENT)
    assert action["_index"] == "attache-events"
    assert action["_id"] == json.loads(EVENT)["event_id"]
    assert (action["version"], action["version_type"]) == (1, "external_gte")


def test_a_tagged_article_is_flattened_into_one_article_document() -> None:
    action = to_action(routes(SETTINGS)["attache.articles.tagged"], TAGGED)
    assert action["_id"] == json.loads(TAGGED)["article"]["article_id"]
    assert action["_source"]["event_types"] == ["leader_meeting"]
    assert action["_source"]["title"].startswith("A potential meeting")


@pytest.mark.parametrize(("raw", "reason"), [(b"{nope", "invalid_json"), (b'{"event_id": 1}', "schema_violation"),
                                             (None, "invalid_json")])
def test_unindexable_messages_say_why(raw: bytes | None, reason: str) -> None:
    with pytest.raises(BadMessage) as error:
        to_action(routes(SETTINGS)["attache.events"], raw)
    assert error.value.reason == reason and str(error.value)
