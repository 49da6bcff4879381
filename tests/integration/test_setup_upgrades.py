"""``attache setup`` on a cluster set up by an older version: new template fields reach existing indices."""

from __future__ import annotations

import copy

import orjson

from services.common.elastic import ensure_index_templates, make_es
from services.common.schemas import SCHEMA_DIR, index_templates
from services.common.settings import Settings
from tests.integration.stack import Stack


def test_a_field_added_to_a_template_is_added_to_the_index_created_from_the_older_one(
    stack: Stack, servers: Settings
) -> None:
    name = servers.index("articles")
    current = index_templates(servers.index_prefix)[name]
    older = copy.deepcopy(current)
    older["version"] = current["version"] - 1
    del older["template"]["mappings"]["properties"]["truncated"]
    tagged = orjson.loads((SCHEMA_DIR / "examples" / "tagged_article.json").read_bytes())
    document = {**tagged["article"], **{k: v for k, v in tagged.items() if k != "article"}}
    es = make_es(servers)
    try:
        es.indices.put_index_template(name=name, **older)
        es.index(index=name, id="old", document={k: v for k, v in document.items() if k != "truncated"})

        assert name in ensure_index_templates(es, servers)
        es.index(index=name, id="new", document={**document, "truncated": True}, refresh=True)
        assert es.get(index=name, id="new")["_source"]["truncated"] is True
    finally:
        es.close()
