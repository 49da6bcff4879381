"""``attache feeds ...``: list, add, remove, check, import and export the feeds the collector polls.

Edits go to the feeds YAML file (``ATTACHE_FEEDS_FILE``): its leading comment block is kept,
``${VAR}`` references are written back unexpanded. Feed health comes from the collector's state.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from services.collector.fetch import FetchError, fetch
from services.collector.normalize import entry_to_article
from services.collector.opml import Outline, read_opml, write_opml
from services.collector.parse import ParseError, parse_feed
from services.collector.store import CollectorStore
from services.common.config_files import ConfigFileError, expand_env, implied_feed_id, load_feeds, slug
from services.common.kafka import max_article_bytes, utc_now_iso
from services.common.netguard import AddressPolicy, guarded_session
from services.common.redact import redact_text
from services.common.settings import Settings


def _raw(path: Path) -> tuple[list[str], dict[str, Any]]:
    """The file's leading comment lines and its unexpanded YAML."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    header = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigFileError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigFileError(f"{path}: expected a mapping at the top level")
    data.setdefault("feeds", [])
    return header, data


def _write(path: Path, header: list[str], data: dict[str, Any]) -> None:
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("\n".join(header) + ("\n" if header else "") + body, encoding="utf-8")
    tmp.replace(path)  # atomic: a crash never leaves half a file


def url_refusal(url: str) -> str | None:
    """Why a URL given on the command line or in an OPML file may not go into the feeds file, or None.

    ``${VAR}`` in the feeds file is expanded from the environment when it is loaded, so a URL that
    carried a reference (``?k=${ATTACHE_ES_URL}``) would send that variable's value, credentials
    included, to whoever runs the feed's server. Only an operator editing the file by hand writes
    references; added and imported URLs may not contain ``$`` at all."""
    if not url.startswith(("http://", "https://")):
        return "is not an http(s) URL"
    if "$" in url:
        return ("contains '$': environment references are expanded only in URLs written into the feeds "
                "file by hand, never in added or imported ones")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        return "contains whitespace or control characters"
    return None


def add_feeds(path: Path, outlines: list[Outline], interval_s: float | None = None,
              feed_id: str | None = None) -> list[str]:
    """Append feeds whose URL is not configured yet; return the ids added.

    Raises ``ConfigFileError`` (and writes nothing) when any URL is refused by ``url_refusal``."""
    for outline in outlines:
        if (reason := url_refusal(outline.url)) is not None:
            raise ConfigFileError(f"{outline.url!r} {reason}")
    header, data = _raw(path)
    feeds = data["feeds"]
    known_urls = {_same_url(expand_env(str(f.get("url", "")))) for f in feeds}
    known_ids = {str(f.get("id") or implied_feed_id(expand_env(str(f.get("url", ""))))) for f in feeds}
    added = []
    for outline in outlines:
        if _same_url(outline.url) in known_urls:
            continue
        base = feed_id if feed_id and len(outlines) == 1 else (slug(outline.title)[:64] or "feed")
        new_id, n = base, 2
        while new_id in known_ids:
            new_id, n = f"{base}-{n}", n + 1
        entry: dict[str, Any] = {"id": new_id, "name": outline.title, "url": outline.url}
        if interval_s:
            entry["interval_s"] = interval_s
        feeds.append(entry)
        known_urls.add(_same_url(outline.url))
        known_ids.add(new_id)
        added.append(new_id)
    if added:
        _write(path, header, data)
    return added


def _same_url(url: str) -> str:
    """URLs that differ only in a trailing slash or the host's case are one feed."""
    return url.strip().rstrip("/").lower()


def remove_feed(path: Path, feed_id_or_url: str) -> bool:
    header, data = _raw(path)
    kept = [f for f in data["feeds"]
            if feed_id_or_url not in (str(f.get("id")), expand_env(str(f.get("url", ""))))]
    if len(kept) == len(data["feeds"]):
        return False
    data["feeds"] = kept
    _write(path, header, data)
    return True


def export_opml(path: Path) -> str:
    """Feeds as written in the file: ``${VAR}`` references stay unexpanded, so no secret leaks out."""
    load_feeds(path)  # the same checks as the collector's
    _, data = _raw(path)
    return write_opml([Outline(str(f["url"]), str(f.get("name") or f.get("id") or f["url"])) for f in data["feeds"]])


def import_opml(feeds_file: Path, opml_file: Path) -> tuple[list[str], int, list[tuple[str, str]]]:
    """Add the OPML file's feeds; return (ids added, feeds in the file, (url, reason) of those refused)."""
    outlines = read_opml(opml_file)
    refused = [(o.url, reason) for o in outlines if (reason := url_refusal(o.url)) is not None]
    accepted = [o for o in outlines if url_refusal(o.url) is None]
    return add_feeds(feeds_file, accepted), len(outlines), refused


def feed_health(settings: Settings) -> list[dict[str, Any]]:
    """Configured feeds with what the collector last recorded about them."""
    store_path = settings.resolved_data_dir / "collector" / "state.sqlite3"
    states = {}
    if store_path.exists():
        store = CollectorStore(store_path)
        states = {s.feed_id: s for s in store.feeds()}
        store.close()
    rows = []
    for feed in load_feeds(settings.feeds_file):
        state = states.get(feed.id)
        rows.append({
            "id": feed.id, "url": redact_text(feed.url), "enabled": feed.enabled, "interval_s": feed.interval_s,
            "polled_url": redact_text(state.url) if state else None,
            "last_attempt": _iso(state.last_attempt) if state else None,
            "last_success": _iso(state.last_success) if state else None,
            "last_status": state.last_status if state else None,
            "last_error": redact_text(state.last_error) if state and state.last_error else None,
            "consecutive_errors": state.consecutive_errors if state else 0,
            "items_seen": state.items_seen if state else 0,
            "articles_published": state.articles_published if state else 0,
            "publish_interval_s": state.publish_interval_s if state else None,
            "websub_hub": state.hub if state else None,
        })
    return rows


def _iso(stamp: float | None) -> str | None:
    return dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z") \
        if stamp else None


async def check_feed(settings: Settings, url: str) -> dict[str, Any]:
    """Fetch and parse one feed, publishing nothing: its health and the articles it would yield."""
    started = asyncio.get_running_loop().time()
    report: dict[str, Any] = {"url": url, "ok": False}
    try:
        async with guarded_session(AddressPolicy.parse(settings.allow_private_addresses),
                                   auto_decompress=True) as session:
            result = await fetch(session, url, etag=None, last_modified=None,
                                 timeout_s=settings.fetch_timeout_s, max_bytes=settings.max_feed_bytes)
        report.update(status=result.status, final_url=result.final_url, moved_permanently=result.moved_permanently,
                      etag=result.etag, last_modified=result.last_modified, bytes=len(result.body),
                      content_type=result.content_type)
        parsed = await asyncio.to_thread(parse_feed, result.body, result.content_type)
        first_seen = utc_now_iso()
        articles = [a for e in parsed.entries
                    if (a := entry_to_article(e, feed_id="check", feed_url=url, feed_language=parsed.language,
                                              feed_updated=parsed.updated, first_seen=first_seen,
                                              max_text_chars=settings.max_article_chars,
                                              max_bytes=max_article_bytes(settings)))]
        report.update(ok=True, title=parsed.title, language=parsed.language, warning=parsed.warning,
                      websub_hub=parsed.hub, publish_interval_s=parsed.publish_interval_s,
                      entries=len(parsed.entries), articles=[
                          {k: a[k] for k in ("article_id", "url", "title", "published", "source_domain")}
                          for a in articles])
    except (FetchError, ParseError) as exc:
        report["error"] = str(exc)
    for key in ("url", "final_url", "error"):  # a token typed into the URL is not printed back
        if isinstance(report.get(key), str):
            report[key] = redact_text(report[key])
    report["seconds"] = round(asyncio.get_running_loop().time() - started, 3)
    return report
