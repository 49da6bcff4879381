"""Secrets configured into a run — credentials in the Elasticsearch URL, tokens in feed and webhook URLs —
appear in no log line, no /health report, no ``feeds list`` output and no error message."""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.error
import urllib.request

from fixtures.articles import founding_article, generated_articles, rss

from services.common.processes import free_port
from tests.integration.stack import ATTACHE, Pipeline, Stack, es_count, wait_for

ES_PASSWORD = "Es-S3cret-pw"
FEED_TOKEN = "Feed-T0ken-9f2c"
HOOK_TOKEN = "Hook-S3cret-77aa"
SECRETS = (ES_PASSWORD, FEED_TOKEN, HOOK_TOKEN)


def health_reports(log: str) -> list[str]:
    ports = {int(p) for p in re.findall(r'"health_port": ?(\d+)', log)}
    reports = []
    for port in ports:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                reports.append(response.read().decode())
        except urllib.error.HTTPError as exc:
            reports.append(exc.read().decode())
    return reports


def test_no_secret_reaches_a_log_health_report_feed_list_or_error_message(stack: Stack, pipeline: Pipeline) -> None:
    (stack.feeds_dir / "world.xml").write_text(rss([founding_article(), *generated_articles(3)]))
    stack.write_feeds([
        {"id": "world", "url": f"{stack.feed_server.url}/world.xml?token={FEED_TOKEN}", "interval_s": 2},
        {"id": "gone", "url": f"{stack.feed_server.url}/missing.xml?apikey={FEED_TOKEN}", "interval_s": 2},
    ])
    dead_port = free_port()  # nothing listens: every delivery fails and is logged and dead-lettered
    stack.write_subscriptions([{
        "id": "kp-ru", "name": "Kim and Putin", "match": {"types": ["leader_meeting"], "countries_all": ["KP", "RU"]},
        "deliver": [{"kind": "webhook", "url": f"http://127.0.0.1:{dead_port}/hook?secret={HOOK_TOKEN}"}],
    }])
    stack.extra_env["ATTACHE_ES_URL"] = f"http://elastic:{ES_PASSWORD}@127.0.0.1:{stack.es_port}"
    stack.extra_env["ATTACHE_DELIVERY_RETRY_BUDGET_S"] = "3"  # give up soon: the failure is logged, dead-lettered
    env = {**os.environ, **stack.env}
    try:
        pipeline.start()
        settings = stack.settings
        wait_for(lambda: es_count(settings, "events", "countries:KP") > 0, 120, "the founding event")
        wait_for(lambda: "alert delivery failed" in "".join(
            p.read_text(errors="replace") for p in (stack.data_dir / "logs").glob("*.log")), 60,
            "a failed webhook delivery")
        outputs = health_reports(pipeline.log_tail(10**7))
        assert len(outputs) == 5  # the four services and the API
        for args in (["feeds", "list"], ["feeds", "list", "--json"], ["deadletter", "list", "--json"],
                     ["search", "(unbalanced"]):
            done = subprocess.run([ATTACHE, *args], env=env, capture_output=True, text=True, timeout=60)
            outputs += [done.stdout, done.stderr]
        broken = subprocess.run([ATTACHE, "search", "x"], env={**env, "ATTACHE_ES_URL":
                                f"http://elastic:{ES_PASSWORD}@127.0.0.1:{free_port()}"},
                                capture_output=True, text=True, timeout=60)
        outputs.append(broken.stderr)
        assert broken.returncode != 0 and broken.stderr
    finally:
        pipeline.ensure_stopped()
    logs = [p.read_text(errors="replace") for p in (stack.data_dir / "logs").glob("*.log")]
    logs.append(pipeline.log_tail(10**7))
    # the URLs were logged, masked: the test would pass vacuously otherwise
    assert any("apikey=***" in text for text in logs) and any("http://***@127.0.0.1" in text for text in logs)
    assert any(f"http://127.0.0.1:{dead_port}/***" in text for text in logs)  # the webhook, path and query hidden
    leaks = [(secret, text[max(0, text.find(secret) - 200):text.find(secret) + 50])
             for secret in SECRETS for text in [*logs, *outputs] if secret in text]
    assert leaks == [], leaks[:3]
    feeds = [json.loads(line) for line in subprocess.run(
        [ATTACHE, "feeds", "list", "--json"], env=env, capture_output=True, text=True, timeout=60).stdout.splitlines()]
    assert {f["id"] for f in feeds} == {"world", "gone"} and all("token=***" in f["url"] or "apikey=***" in f["url"]
                                                                for f in feeds)
