"""The live terminal view of ``attache run``, built from each service's /health report."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

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


def render(supervisor: Supervisor, started: float) -> Group:
    settings = supervisor.settings
    header = Text.assemble(
        ("Attaché", "bold"), f"  up {int(time.time() - started)}s  ·  Kafka {settings.kafka_bootstrap}  ·  "
        f"Elasticsearch {settings.es_url}  ·  data {settings.resolved_data_dir}  ·  Ctrl-C stops",
    )
    services = Table(box=None, show_header=True, header_style="bold", expand=False)
    for column in ("service", "state", "pid", "restarts", "health"):
        services.add_column(column)
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
    feeds = Table(box=None, header_style="bold")
    for column in ("feed", "status", "published", "last error"):
        feeds.add_column(column, overflow="ellipsis", no_wrap=True, max_width=70 if column == "last error" else None)
    collector_health = supervisor.children["collector"].last_health or {}
    for feed_id, info in sorted(collector_health.get("details", {}).get("feeds", {}).items()):
        colour = {"ok": "green", "failing": "red"}.get(info["status"], "yellow")
        feeds.add_row(feed_id, f"[{colour}]{info['status']}[/]", str(info["published"]), info.get("last_error") or "")
    events = Table(box=None, header_style="bold")
    for column in ("type", "modality", "countries", "article"):
        events.add_column(column, overflow="ellipsis", no_wrap=True)
    for event in ((supervisor.children["tagger"].last_health or {}).get("recent", []))[:8]:
        events.add_row(event["type"], event["modality"], ",".join(event["countries"]), event["title"])
    alerts = Table(box=None, header_style="bold")
    for column in ("subscription", "type", "modality", "countries", "article"):
        alerts.add_column(column, overflow="ellipsis", no_wrap=True)
    for alert in ((supervisor.children["alerter"].last_health or {}).get("recent", []))[:5]:
        alerts.add_row(alert["subscription"], alert["type"], alert["modality"], ",".join(alert["countries"]),
                       alert["title"])
    return Group(
        header,
        Panel(services, title="services", title_align="left"),
        Panel(flow, title="pipeline", title_align="left"),
        Panel(feeds, title="feeds", title_align="left"),
        Panel(events, title="latest events", title_align="left"),
        Panel(alerts, title="latest alerts", title_align="left"),
    )
