"""What the collector remembers across restarts: feed health and which article versions it published.

SQLite in the data dir: one writer (the collector), survives kill -9, no server to run.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class FeedState:
    feed_id: str
    url: str
    etag: str | None = None
    last_modified: str | None = None
    last_attempt: float | None = None
    last_success: float | None = None
    last_status: int | None = None
    last_error: str | None = None
    consecutive_errors: int = 0
    items_seen: int = 0
    articles_published: int = 0


class CollectorStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(
            """
            CREATE TABLE IF NOT EXISTS feeds (
                feed_id TEXT PRIMARY KEY, url TEXT NOT NULL, etag TEXT, last_modified TEXT,
                last_attempt REAL, last_success REAL, last_status INTEGER, last_error TEXT,
                consecutive_errors INTEGER NOT NULL DEFAULT 0, items_seen INTEGER NOT NULL DEFAULT 0,
                articles_published INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE IF NOT EXISTS articles (
                article_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, version INTEGER NOT NULL,
                published_at REAL NOT NULL);
            """
        )

    def feed(self, feed_id: str, url: str) -> FeedState:
        row = self._db.execute("SELECT * FROM feeds WHERE feed_id = ?", (feed_id,)).fetchone()
        if row is None:
            return FeedState(feed_id, url)
        columns = [c[0] for c in self._db.execute("SELECT * FROM feeds LIMIT 0").description]
        state = FeedState(**dict(zip(columns, row, strict=True)))
        if state.url != url:  # the configured URL changed: validators of the old one mean nothing
            state.url, state.etag, state.last_modified = url, None, None
        return state

    def save_feed(self, state: FeedState) -> None:
        values: dict[str, Any] = vars(state)
        columns = ", ".join(values)
        placeholders = ", ".join(f":{k}" for k in values)
        self._db.execute(f"INSERT OR REPLACE INTO feeds ({columns}) VALUES ({placeholders})", values)

    def next_version(self, article_id: str, content_hash: str) -> int | None:
        """Version to publish for this content, or None when exactly this content was published."""
        row = self._db.execute("SELECT content_hash, version FROM articles WHERE article_id = ?",
                               (article_id,)).fetchone()
        if row is None:
            return 1
        if row[0] == content_hash:
            return None
        return int(row[1]) + 1

    def mark_published(self, items: list[tuple[str, str, int]]) -> None:
        now = time.time()
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO articles (article_id, content_hash, version, published_at) VALUES (?,?,?,?)",
                [(article_id, content_hash, version, now) for article_id, content_hash, version in items],
            )

    def close(self) -> None:
        self._db.close()
