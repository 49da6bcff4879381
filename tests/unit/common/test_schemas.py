"""``schemas/`` is the contract: every example validates, every topic names a schema that exists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.common.schemas import (
    SCHEMA_DIR,
    SchemaViolation,
    index_templates,
    schema_for_topic,
    topics,
    validate,
)

EXAMPLES = sorted((SCHEMA_DIR / "examples").glob("*.json"))


def test_there_is_an_example_for_every_message_schema() -> None:
    schemas = {p.name.removesuffix(".schema.json") for p in SCHEMA_DIR.glob("*.schema.json")}
    assert schemas == {p.stem for p in EXAMPLES}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_validates_against_its_schema(example: Path) -> None:
    validate(example.stem, json.loads(example.read_text()))


def test_every_topic_names_an_existing_schema_and_a_partition_count() -> None:
    for name, spec in topics().items():
        assert (SCHEMA_DIR / spec["schema"]).exists(), name
        assert spec["partitions"] >= 1
        schema_for_topic(name)


def test_a_violation_names_every_missing_field_and_the_wrong_one() -> None:
    with pytest.raises(SchemaViolation) as error:
        validate("article", {"article_id": "abc", "title": 42})
    message = str(error.value)
    assert "missing version" in message and "url" in message
    assert "at title: 42 is not of type 'string'" in message


def test_index_templates_cover_articles_events_alerts_and_stories_with_the_prefix_filled_in() -> None:
    templates = index_templates("acme")
    assert set(templates) == {"acme-articles", "acme-events", "acme-alerts", "acme-stories"}
    for body in templates.values():
        assert all(pattern.startswith("acme-") for pattern in body["index_patterns"])
        assert "{prefix}" not in json.dumps(body)
        assert body["version"] >= 1


def test_event_index_maps_countries_and_type_as_keywords_so_lucene_queries_match_exactly() -> None:
    mapping = index_templates("attache")["attache-events"]["template"]["mappings"]["properties"]
    assert mapping["countries"]["type"] == "keyword"
    assert mapping["type"]["type"] == "keyword"
    assert mapping["modality"]["type"] == "keyword"
