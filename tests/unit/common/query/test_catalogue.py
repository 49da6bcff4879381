"""The fields come from the events index template: when the mapping changes, the language follows."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from services.common.query import FieldKind, QueryError, build_catalogue, load_catalogue, parse_query
from services.common.query.catalogue import EVENT_SCHEMA, EVENTS_TEMPLATE

from .helpers import event

TEMPLATE: dict[str, Any] = json.loads(EVENTS_TEMPLATE.read_text())
SCHEMA: dict[str, Any] = json.loads(EVENT_SCHEMA.read_text())


def changed_catalogue(**properties: Any) -> Any:
    template = copy.deepcopy(TEMPLATE)
    mapping = template["template"]["mappings"]["properties"]
    for path, spec in properties.items():
        node = mapping
        *parents, leaf = path.split("__")
        for parent in parents:
            node = node[parent]["properties"]
        node[leaf] = spec
    return build_catalogue(template, SCHEMA)


def test_every_leaf_of_the_mapping_is_a_field_with_its_kind() -> None:
    catalogue = load_catalogue()
    mapped: list[str] = []

    def walk(properties: dict[str, Any], prefix: str) -> None:
        for name, spec in properties.items():
            if "properties" in spec:
                walk(spec["properties"], f"{prefix}{name}.")
            else:
                mapped.append(prefix + name)

    walk(TEMPLATE["template"]["mappings"]["properties"], "")
    assert sorted(catalogue.fields) == sorted(mapped)
    kinds = {name: info.kind for name, info in catalogue.fields.items()}
    assert kinds["countries"] == FieldKind.KEYWORD
    assert kinds["article.title"] == FieldKind.TEXT
    assert kinds["evidence.text"] == FieldKind.TEXT
    assert kinds["confidence"] == FieldKind.NUMBER
    assert kinds["article.published"] == FieldKind.DATE
    assert catalogue.fields["confidence"].float32
    assert catalogue.fields["article_version"].integer
    assert catalogue.fields["date"].date_formats == ("strict_date",)
    assert {"article", "evidence"} <= catalogue.objects


def test_allowed_values_come_from_the_event_schema() -> None:
    catalogue = load_catalogue()
    assert catalogue.fields["type"].values == tuple(SCHEMA["$defs"]["event_type"]["enum"])
    assert catalogue.fields["modality"].values == tuple(SCHEMA["$defs"]["modality"]["enum"])
    assert catalogue.fields["evidence.field"].values == ("title", "text")


def test_a_new_keyword_field_is_queryable_without_code() -> None:
    catalogue = changed_catalogue(country_pair={"type": "keyword"})
    query = parse_query("country_pair:KP-RU", catalogue=catalogue)
    assert query.matches(event(country_pair="KP-RU"))
    assert query.required == frozenset({("country_pair", "KP-RU")})
    with pytest.raises(QueryError):
        parse_query("country_pair:KP-RU")  # not in today's mapping


def test_an_english_analysed_title_with_a_keyword_subfield_is_followed() -> None:
    catalogue = changed_catalogue(article__title={
        "type": "text", "analyzer": "english",
        "fields": {"keyword": {"type": "keyword", "ignore_above": 256}},
    })
    title = event(article_title="Leaders' meetings: Putin's visit to Pyongyang")
    assert parse_query("article.title:meeting", catalogue=catalogue).matches(title)  # stemmed
    assert not parse_query("article.title:meeting").matches(title)  # today's standard analyzer
    assert parse_query('article.title:"putin visit"', catalogue=catalogue).matches(title)  # "to" is a stop word
    exact = parse_query('article.title.keyword:"Leaders\' meetings: Putin\'s visit to Pyongyang"', catalogue=catalogue)
    assert exact.matches(title)
    assert not parse_query("article.title.keyword:Putin", catalogue=catalogue).matches(title)


def test_a_lowercase_normalizer_on_a_keyword_field_is_followed() -> None:
    catalogue = changed_catalogue(location={"type": "keyword", "normalizer": "lowercase"})
    assert parse_query("location:MOSCOW", catalogue=catalogue).matches(event(location="Moscow"))


def test_a_field_subscriptions_cannot_evaluate_is_refused_with_the_reason() -> None:
    catalogue = changed_catalogue(
        place={"type": "geo_point"},
        quotes={"type": "nested", "properties": {"text": {"type": "text"}}},
        summary={"type": "text", "analyzer": "french"},
    )
    for text, words in (("place:x", "geo_point"), ("quotes.text:x", "nested"), ("summary:x", "french")):
        with pytest.raises(QueryError) as caught:
            parse_query(text, catalogue=catalogue)
        assert words in str(caught.value)
