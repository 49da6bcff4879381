"""What the collector remembers across restarts: feed health and which article versions it published.

SQLite in the data dir: one writer (the collector), survives kill -9, no server to run.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
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
    configured_url: str | None = None  # ``url`` differs after a permanent redirect
    hub: str | None = None  # WebSub hub the feed declares (recorded; subscribing is future work)
    publish_interval_s: float | None = None  # how often the feed really publishes (median gap)


class CollectorStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # one connection, used from the event loop and from the publishing thread: serialise with a lock
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._lock = threading.RLock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(
            """
            CREATE TABLE IF NOT EXISTS feeds (
                feed_id TEXT PRIMARY KEY, url TEXT NOT NULL, etag TEXT, last_modified TEXT,
                last_attempt REAL, last_success REAL, last_status INTEGER, last_error TEXT,
                consecutive_errors INTEGER NOT NULL DEFAULT 0, items_seen INTEGER NOT NULL DEFAULT 0,
                articles_published INTEGER NOT NULL DEFAULT 0, configured_url TEXT, hub TEXT,
                publish_interval_s REAL);
            CREATE TABLE IF NOT EXISTS articles (
                article_id TEXT PRIMARY KEY, content_hash TEXT NOT NULL, version INTEGER NOT NULL,
                published_at REAL NOT NULL);
            CREATE TABLE IF NOT EXISTS feed_articles (
                feed_id TEXT NOT NULL, article_id TEXT NOT NULL, content_hash TEXT NOT NULL,
                seen_at REAL, PRIMARY KEY (feed_id, article_id));
            CREATE TABLE IF NOT EXISTS pending (
                article_id TEXT NOT NULL, content_hash TEXT NOT NULL, version INTEGER NOT NULL,
                queued_at REAL NOT NULL, PRIMARY KEY (article_id, version));
            """
        )
        existing = {row[1] for row in self._db.execute("PRAGMA table_info(feeds)")}
        for column, kind in (("configured_url", "TEXT"), ("hub", "TEXT"), ("publish_interval_s", "REAL")):
            if column not in existing:  # state files from older versions
                self._db.execute(f"ALTER TABLE feeds ADD COLUMN {column} {kind}")
        if "seen_at" not in {row[1] for row in self._db.execute("PRAGMA table_info(feed_articles)")}:
            self._db.execute("ALTER TABLE feed_articles ADD COLUMN seen_at REAL")
        # stories from a state file that did not record listing times count as listed now
        self._db.execute("UPDATE feed_articles SET seen_at = ? WHERE seen_at IS NULL", (time.time(),))

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """Autocommit mode makes ``with connection`` a no-op: begin and commit explicitly."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def feed(self, feed_id: str, url: str) -> FeedState:
        with self._lock:
            row = self._db.execute("SELECT * FROM feeds WHERE feed_id = ?", (feed_id,)).fetchone()
            columns = [c[0] for c in self._db.execute("SELECT * FROM feeds LIMIT 0").description]
        if row is None:
            return FeedState(feed_id, url, configured_url=url)
        state = FeedState(**dict(zip(columns, row, strict=True)))
        if (state.configured_url or state.url) != url:
            # the id now names another feed: nothing about the old one (address, validators, rhythm,
            # error count) applies to it
            return FeedState(feed_id, url, configured_url=url)
        return state

    def feeds(self) -> list[FeedState]:
        with self._lock:
            cursor = self._db.execute("SELECT * FROM feeds ORDER BY feed_id")
            columns = [c[0] for c in cursor.description]
            rows = cursor.fetchall()
        return [FeedState(**dict(zip(columns, row, strict=True))) for row in rows]

    def save_feed(self, state: FeedState) -> None:
        values: dict[str, Any] = vars(state)
        columns = ", ".join(values)
        placeholders = ", ".join(f":{k}" for k in values)
        with self._lock:
            self._db.execute(f"INSERT OR REPLACE INTO feeds ({columns}) VALUES ({placeholders})", values)

    def next_version(self, article_id: str, content_hash: str) -> int | None:
        """Version to publish for this content, or None when exactly this content was published."""
        with self._lock:
            row = self._db.execute("SELECT content_hash, version FROM articles WHERE article_id = ?",
                                   (article_id,)).fetchone()
        if row is None:
            return 1
        if row[0] == content_hash:
            return None
        return int(row[1]) + 1

    def feed_hash(self, feed_id: str, article_id: str) -> str | None:
        """The content this feed last gave for the story (None: the feed never listed it)."""
        with self._lock:
            row = self._db.execute("SELECT content_hash FROM feed_articles WHERE feed_id = ? AND article_id = ?",
                                   (feed_id, article_id)).fetchone()
        return str(row[0]) if row else None

    def remember(self, feed_id: str, items: list[tuple[str, str]], now: float | None = None) -> None:
        if items:
            seen = time.time() if now is None else now
            with self._transaction():
                self._db.executemany(
                    "INSERT OR REPLACE INTO feed_articles (feed_id, article_id, content_hash, seen_at) "
                    "VALUES (?,?,?,?)",
                    [(feed_id, article_id, content_hash, seen) for article_id, content_hash in items])

    def touch(self, feed_id: str, article_ids: list[str] | None, now: float | None = None) -> None:
        """The feed still lists these stories (None: all it listed before, as a 304 says)."""
        seen = time.time() if now is None else now
        with self._transaction():
            if article_ids is None:
                self._db.execute("UPDATE feed_articles SET seen_at = ? WHERE feed_id = ?", (seen, feed_id))
            else:
                self._db.executemany("UPDATE feed_articles SET seen_at = ? WHERE feed_id = ? AND article_id = ?",
                                     [(seen, feed_id, article_id) for article_id in article_ids])

    def prune(self, older_than: float) -> tuple[int, int]:
        """Forget stories no feed has listed since ``older_than``, and the versions of stories no feed
        lists any more that were published before it. Returns (listings, stories) removed.

        A story a feed lists again after that is published again as version 1: content-derived ids make
        its documents overwrite themselves; its alerts are delivered again (at least once)."""
        with self._transaction():
            listings = self._db.execute("DELETE FROM feed_articles WHERE seen_at < ?", (older_than,)).rowcount
            stories = self._db.execute(
                "DELETE FROM articles WHERE published_at < ? AND article_id NOT IN "
                "(SELECT article_id FROM feed_articles) AND article_id NOT IN (SELECT article_id FROM pending)",
                (older_than,)).rowcount
        return int(listings), int(stories)

    def mark_pending(self, items: list[tuple[str, str, int]]) -> None:
        """Write-ahead: these are about to be sent. A crash leaves them here for ``reconcile``."""
        now = time.time()
        with self._transaction():
            self._db.executemany("INSERT OR REPLACE INTO pending VALUES (?,?,?,?)",
                                 [(a, h, v, now) for a, h, v in items])

    def pending(self) -> tuple[list[tuple[str, str, int]], float | None]:
        rows = self.pending_rows()
        return [(a, h, v) for a, h, v, _ in rows], (min(r[3] for r in rows) if rows else None)

    def pending_rows(self) -> list[tuple[str, str, int, float]]:
        """(article_id, content_hash, version, queued_at) of every send not yet known to have landed."""
        with self._lock:
            rows = self._db.execute("SELECT article_id, content_hash, version, queued_at FROM pending").fetchall()
        return [(a, h, int(v), float(q)) for a, h, v, q in rows]

    def drop_pending(self, keys: set[tuple[str, int]] | None = None) -> None:
        """Forget pending sends: all of them, or only these (article_id, version) keys."""
        with self._transaction():
            if keys is None:
                self._db.execute("DELETE FROM pending")
            else:
                self._db.executemany("DELETE FROM pending WHERE article_id = ? AND version = ?", sorted(keys))

    def mark_published(self, items: list[tuple[str, str, int]], now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self._transaction():
            self._db.executemany(
                "INSERT OR REPLACE INTO articles (article_id, content_hash, version, published_at) VALUES (?,?,?,?)",
                [(article_id, content_hash, version, now) for article_id, content_hash, version in items],
            )
            self._db.executemany("DELETE FROM pending WHERE article_id = ? AND version = ?",
                                 [(article_id, version) for article_id, _, version in items])

    def close(self) -> None:
        with self._lock:
            self._db.close()
