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
