"""The collector's memory: versions, the write-ahead of sends, and state files from older versions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from services.collector.store import CollectorStore


def test_versions_count_content_changes_only(tmp_path: Path) -> None:
    store = CollectorStore(tmp_path / "state.sqlite3")
    assert store.next_version("a1", "h1") == 1
    store.mark_published([("a1", "h1", 1)])
    assert store.next_version("a1", "h1") is None  # the same story listed again
    assert store.next_version("a1", "h2") == 2  # edited


def test_pending_sends_survive_a_restart_until_published(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    store = CollectorStore(path)
    store.mark_pending([("a1", "h1", 1), ("a2", "h2", 1)])
    store.mark_published([("a1", "h1", 1)])
    store.close()
    reopened = CollectorStore(path)
    pending, oldest = reopened.pending()
    assert pending == [("a2", "h2", 1)] and oldest is not None
    reopened.drop_pending()
    assert reopened.pending() == ([], None)


def test_a_state_file_from_an_older_version_gains_the_new_columns(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE feeds (feed_id TEXT PRIMARY KEY, url TEXT NOT NULL, etag TEXT, last_modified TEXT,"
                " last_attempt REAL, last_success REAL, last_status INTEGER, last_error TEXT,"
                " consecutive_errors INTEGER NOT NULL DEFAULT 0, items_seen INTEGER NOT NULL DEFAULT 0,"
                " articles_published INTEGER NOT NULL DEFAULT 0)")
    old.execute("INSERT INTO feeds (feed_id, url, etag) VALUES ('f', 'https://x/feed', '\"v1\"')")
    old.commit()
    old.close()
    state = CollectorStore(path).feed("f", "https://x/feed")
    assert state.etag == '"v1"' and state.hub is None


def test_a_changed_configured_url_forgets_the_old_address_and_validators(tmp_path: Path) -> None:
    store = CollectorStore(tmp_path / "state.sqlite3")
    state = store.feed("f", "https://old/feed")
    state.url, state.etag = "https://moved/feed", '"v1"'  # after a permanent redirect
    store.save_feed(state)
    assert store.feed("f", "https://old/feed").url == "https://moved/feed"  # the redirect is kept
    fresh = store.feed("f", "https://new/feed")
    assert (fresh.url, fresh.etag) == ("https://new/feed", None)


def test_stories_no_feed_has_listed_for_the_retention_period_are_forgotten(tmp_path: Path) -> None:
    """Collector state grows with what the feeds list now, not with every story ever seen."""
    day = 86400.0
    store = CollectorStore(tmp_path / "state.sqlite3")
    store.remember("f", [("a1", "h1"), ("a2", "h2")], now=0.0)
    store.mark_published([("a1", "h1", 1), ("a2", "h2", 1)], now=0.0)
    store.remember("g", [("a3", "h3")], now=0.0)
    store.touch("f", ["a1"], now=40 * day)  # the feed still lists a1, no longer a2
    store.touch("g", None, now=40 * day)  # g answered 304: it still lists everything it listed
    assert store.prune(older_than=10 * day) == (1, 1)
    assert store.feed_hash("f", "a2") is None and store.next_version("a2", "h2") == 1
    assert store.feed_hash("f", "a1") == "h1" and store.next_version("a1", "h1") is None
    assert store.feed_hash("g", "a3") == "h3"


def test_a_state_file_without_listing_times_keeps_its_stories(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE feed_articles (feed_id TEXT NOT NULL, article_id TEXT NOT NULL, "
                "content_hash TEXT NOT NULL, PRIMARY KEY (feed_id, article_id))")
    old.execute("INSERT INTO feed_articles VALUES ('f', 'a1', 'h1')")
    old.commit()
    old.close()
    store = CollectorStore(path)
    assert store.prune(older_than=1.0) == (0, 0)  # counted as listed when the file was opened
    assert store.feed_hash("f", "a1") == "h1"
