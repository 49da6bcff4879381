"""The live terminal view of ``attache run``, built from each service's /health report."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from services.common.redact import redact_text
from services.runner.supervisor import Supervisor


def _counters(supervisor: Supervisor, name: str) -> dict[str, Any]:
    health = supervisor.children[name].last_health or {}
    return {**health.get("counters", {}), **health.get("gauges", {})}


def progress_numbers(supervisor: Supervisor) -> dict[str, int]:
    collector = _counters(supervisor, "collector")
    tagger = _counters(supervisor, "tagger")
    indexer = _counters(supervisor, "indexer")
    alerter = _counters(supervisor, "alerter")
    return {
        "feeds_ok": int(collector.get("feeds_ok", 0)),
        "feeds_failing": int(collector.get("feeds_failing", 0)),
        "articles_published": int(collector.get("articles_published", 0)),
        "articles_tagged": int(tagger.get("articles_tagged", 0)),
        "events_found": int(tagger.get("events_found", 0)),
        "articles_indexed": int(indexer.get("indexed_articles_tagged", 0)),
        "events_indexed": int(indexer.get("indexed_events", 0)),
        "alerts_sent": int(alerter.get("alerts_sent", 0)),
        "deadlettered": sum(int(_counters(supervisor, n).get("deadlettered", 0)) for n in supervisor.children),
    }


def render(supervisor: Supervisor, started: float, height: int = 40) -> Group:
    """Fit ``height`` terminal lines: failing feeds first, then the newest events and alerts."""
    settings = supervisor.settings
    header = Text.assemble(
        ("Attaché", "bold"), f"  up {int(time.time() - started)}s  ·  Kafka {settings.kafka_bootstrap}  ·  "
        f"Elasticsearch {redact_text(settings.es_url)}  ·  data {settings.resolved_data_dir}  ·  Ctrl-C stops",
        no_wrap=True, overflow="ellipsis",
    )
    services = Table(box=None, show_header=True, header_style="bold", expand=False)
    for column in ("service", "state", "pid", "restarts", "health"):
        services.add_column(column, no_wrap=True, overflow="ellipsis")
    for child in supervisor.children.values():
        running = child.process is not None and child.process.poll() is None
        health = child.last_health or {}
        state = "[green]running[/]" if running else ("[red]gave up[/]" if child.gave_up else "[yellow]starting[/]")
        checks = ", ".join(f"{k}: {v['detail']}" for k, v in health.get("checks", {}).items())
        status = health.get("status", "—")
        colour = "green" if status == "ok" else "yellow"
        services.add_row(child.name, state, str(child.process.pid if child.process else "—"),
                         str(len(child.restarts)), f"[{colour}]{status}[/] {checks}")
    numbers = progress_numbers(supervisor)
    flow = Text(
        f"feeds ok {numbers['feeds_ok']} / failing {numbers['feeds_failing']}  →  "
        f"published {numbers['articles_published']}"
        f"  →  tagged {numbers['articles_tagged']} (events {numbers['events_found']})  →  indexed articles "
        f"{numbers['articles_indexed']}, events {numbers['events_indexed']}  →  alerts {numbers['alerts_sent']}"
        f"  ·  dead letters {numbers['deadlettered']}"
    )
    # fixed: header 1, services 7, pipeline 5, and 3 per table panel (borders, column names)
    spare = max(3, height - 22)
    feed_rows, event_rows = max(1, spare * 2 // 5), max(1, spare * 2 // 5)
    alert_rows = max(1, spare - feed_rows - event_rows)

    collector_health = supervisor.children["collector"].last_health or {}
    all_feeds = sorted(collector_health.get("details", {}).get("feeds", {}).items(),
                       key=lambda item: (item[1]["status"] == "ok", item[0]))
    feeds = Table(box=None, header_style="bold")
    for column in ("feed", "status", "published", "last error"):
        feeds.add_column(column, overflow="ellipsis", no_wrap=True, ratio=3 if column == "last error" else None)
    shown = all_feeds if len(all_feeds) <= feed_rows else all_feeds[:feed_rows - 1]
    for feed_id, info in shown:
        colour = {"ok": "green", "failing": "red"}.get(info["status"], "yellow")
        feeds.add_row(feed_id, f"[{colour}]{info['status']}[/]", str(info["published"]), info.get("last_error") or "")
    if len(shown) < len(all_feeds):
        feeds.add_row(f"… {len(all_feeds) - len(shown)} more", "", "", "see /health of the collector")
    events = Table(box=None, header_style="bold")
    for column in ("type", "modality", "countries", "article"):
        events.add_column(column, overflow="ellipsis", no_wrap=True)
    for event in ((supervisor.children["tagger"].last_health or {}).get("recent", []))[:event_rows]:
        events.add_row(event["type"], event["modality"], ",".join(event["countries"]), event["title"])
    alerts = Table(box=None, header_style="bold")
    for column in ("subscription", "type", "modality", "countries", "article"):
        alerts.add_column(column, overflow="ellipsis", no_wrap=True)
    for alert in ((supervisor.children["alerter"].last_health or {}).get("recent", []))[:alert_rows]:
        alerts.add_row(alert["subscription"], alert["type"], alert["modality"], ",".join(alert["countries"]),
                       alert["title"])
    return Group(
        header,
        Panel(services, title="services", title_align="left"),
        Panel(flow, title="pipeline", title_align="left"),
        Panel(feeds, title="feeds (failing first)", title_align="left"),
        Panel(events, title="latest events", title_align="left"),
        Panel(alerts, title="latest alerts", title_align="left"),
    )
