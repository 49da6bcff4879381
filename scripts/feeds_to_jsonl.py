"""Turn saved RSS/Atom/JSON feed files into the tagger's JSONL (``attache tag`` / ``attache eval --texts``).

Why: labelled real-news sets keep only ids and labels in the repository (publishers' text stays out of
it); this rebuilds the text locally, exactly as the stream tagger would see it (collector parsing and
normalisation, then ``article_document``), keyed by the article id the pipeline would give it.

    .venv/bin/python scripts/feeds_to_jsonl.py ../shared/realfeeds/*.xml > /tmp/realfeeds.jsonl
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

from services.collector.normalize import entry_to_article
from services.collector.parse import parse_feed
from services.tagger.messages import article_document


def main(paths: list[str]) -> int:
    for name in paths:
        path = Path(name)
        parsed = parse_feed(path.read_bytes())
        for entry in parsed.entries:
            article = entry_to_article(entry, feed_id=path.stem, feed_url=path.resolve().as_uri(),
                                       feed_language=parsed.language, feed_updated=parsed.updated,
                                       first_seen="1970-01-01T00:00:00Z")
            if article is None:
                continue
            doc = article_document(article)
            record = {"id": article["article_id"], "source": path.stem, "published": article["published"],
                      "title": doc.title, "text": doc.text, "url": article["url"]}
            sys.stdout.buffer.write(orjson.dumps(record) + b"\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
