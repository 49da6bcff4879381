"""After a crash: which of the articles the collector was sending did Kafka actually get?

The collector writes what it is about to send to its state first (``pending``). On start, the
``articles`` topic is read from shortly before the oldest pending send; pending articles found there
are recorded as published (no duplicate), the others are forgotten, and since their feed's
validators were not saved either, the next poll fetches and sends them again (nothing lost).
"""

from __future__ import annotations

import orjson

from services.collector.store import CollectorStore
from services.common.kafka import read_to_end
from services.common.logging import get_logger
from services.common.settings import Settings

log = get_logger(__name__)
CLOCK_SLACK_S = 300.0
STARTUP_READ_LIMIT_S = 600.0  # after a long stop the topic since the interrupted sends may be large


async def reconcile_pending(settings: Settings, store: CollectorStore,
                            only: set[tuple[str, int]] | None = None) -> tuple[int, int]:
    """Return (found in Kafka and recorded, to be sent again).

    ``only``: settle just these (article_id, version) sends, whose outcome a running collector does not
    know (Kafka did not confirm them in time); other pending rows belong to sends still under way."""
    rows = store.pending_rows()
    pending = [(a, h, v) for a, h, v, _ in rows if only is None or (a, v) in only]
    if not pending:
        return 0, 0
    oldest = min(queued for a, _, v, queued in rows if only is None or (a, v) in only)
    wanted = {(article_id, version): content_hash for article_id, content_hash, version in pending}
    settled = set(wanted)
    found: list[tuple[str, str, int]] = []
    async for record in read_to_end(settings, "articles", since_ms=int((oldest - CLOCK_SLACK_S) * 1000),
                                    timeout_s=STARTUP_READ_LIMIT_S if only is None
                                    else max(30.0, settings.kafka_delivery_timeout_s * 2)):
        try:
            message = orjson.loads(record.value or b"null")
            key = (message["article_id"], int(message["version"]))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            continue
        if key in wanted:
            found.append((key[0], wanted.pop(key), key[1]))
    store.mark_published(found)
    store.drop_pending(None if only is None else settled)
    log.info("reconciled sends whose outcome was unknown" if only else "reconciled sends interrupted by the last stop",
             already_in_kafka=len(found), to_resend=len(wanted))
    return len(found), len(wanted)
