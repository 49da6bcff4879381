"""``attache search``: Lucene query syntax (as in Kibana) against the events, articles or alerts index."""

from __future__ import annotations

from typing import Any

from elastic_transport import ConnectionError as TransportConnectionError
from elasticsearch import ApiError, NotFoundError

from services.common.elastic import make_es
from services.common.settings import Settings

SORT_FIELD = {"events": "article.published", "articles": "published", "alerts": "matched_at"}


class SearchError(Exception):
    pass


def search(settings: Settings, query: str, index: str = "events", size: int = 20) -> list[dict[str, Any]]:
    es = make_es(settings)
    try:
        response = es.search(index=settings.index(index), q=query, size=size,
                             sort=[{SORT_FIELD[index]: {"order": "desc", "unmapped_type": "date"}}])
    except NotFoundError as exc:
        raise SearchError(f"index {settings.index(index)!r} does not exist yet at {settings.es_url}"
                          " (nothing indexed so far?)") from exc
    except ApiError as exc:
        raise SearchError(f"query {query!r} rejected: {exc.message} ({exc.meta.status})") from exc
    except TransportConnectionError as exc:
        raise SearchError(f"cannot reach Elasticsearch at {settings.es_url}: is `make run` running?") from exc
    finally:
        es.close()
    return [hit["_source"] for hit in response["hits"]["hits"]]
