"""Elasticsearch clients and index templates. The async client is for services, the sync one for the CLI."""

from __future__ import annotations

from typing import Any

from elasticsearch import AsyncElasticsearch, Elasticsearch

from services.common.logging import get_logger
from services.common.schemas import index_templates
from services.common.settings import Settings

log = get_logger(__name__)


def client_options(settings: Settings) -> dict[str, Any]:
    """Connection options every Elasticsearch client gets: time limits, and for a secured cluster the API
    key and the TLS trust (a CA bundle; certificate checks can be turned off only explicitly)."""
    options: dict[str, Any] = {"request_timeout": 30, "retry_on_timeout": True, "max_retries": 3}
    if key := settings.es_api_key.get_secret_value():
        options["api_key"] = key
    if settings.es_ca_certs is not None:
        options["ca_certs"] = str(settings.es_ca_certs)
    if not settings.es_verify_certs:
        options["verify_certs"] = False
        options["ssl_show_warn"] = False
    return options


def make_es(settings: Settings) -> Elasticsearch:
    return Elasticsearch(settings.es_url, **client_options(settings))


def make_async_es(settings: Settings) -> AsyncElasticsearch:
    return AsyncElasticsearch(settings.es_url, **client_options(settings))


def ensure_index_templates(es: Elasticsearch, settings: Settings) -> list[str]:
    """Install or upgrade the templates of ``schemas/elasticsearch``; return the names written.

    A template is rewritten only when its ``version`` is newer than the installed one, so running
    this on every start is cheap and never downgrades a cluster. Indices created from an older
    template get the new template's fields too (mappings only grow): with ``dynamic: strict`` a
    document carrying a new field would otherwise be rejected by the index it goes to.
    """
    written = []
    for name, body in index_templates(settings.index_prefix).items():
        installed_version = None
        if es.indices.exists_index_template(name=name):
            current = es.indices.get_index_template(name=name)["index_templates"][0]["index_template"]
            installed_version = current.get("version")
        if installed_version is not None and installed_version >= body.get("version", 0):
            continue
        es.indices.put_index_template(name=name, **body)
        written.append(name)
        properties = body.get("template", {}).get("mappings", {}).get("properties")
        if installed_version is not None and properties:
            for pattern in body["index_patterns"]:
                for index in es.indices.get(index=pattern, allow_no_indices=True, expand_wildcards="open"):
                    es.indices.put_mapping(index=index, properties=properties)
                    log.info("index mapping extended", index=index, template=name)
    if written:
        log.info("index templates installed", templates=written)
    return written
