"""The API (``attache api``, a real uvicorn process) and ``attache subscriptions`` against noida-db: writes
land on the compacted topic and are readable at once, tokens are enforced, the backtest finds stories in a
real events index, and an alert published to the alerts topic reaches an SSE client.

One embedded server and one API process serve the whole module (each test uses its own subscription ids),
so these tests cost seconds, not a server start each.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from elasticsearch import Elasticsearch

from services.api.commands import subscriptions_command
from services.api.tokens import add_token
from services.cli import build_parser
from services.common.embedded import EmbeddedServers
from services.common.kafka import make_producer
from services.common.processes import free_port, terminate
from services.common.schemas import SCHEMA_DIR, validate
from services.common.secrets import derive_webhook_secret
from services.common.settings import Settings
from services.common.setup import run_setup
from tests.integration.stack import ATTACHE, Stack, read_topic, wait_for

SIGNING_KEY = "integration-signing-key-0123456789"
EVENT: dict[str, Any] = json.loads((SCHEMA_DIR / "examples" / "event.json").read_text())
ALERT: dict[str, Any] = json.loads((SCHEMA_DIR / "examples" / "alert.json").read_text())


class Running:
    """The stack, the API's address and its tokens."""

    def __init__(self, stack: Stack, port: int, log: Path) -> None:
        self.stack = stack
        self.settings: Settings = stack.settings
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        tokens = self.settings.resolved_api_tokens_file
        self.writer = {"Authorization": f"Bearer {add_token(tokens, 'korea-desk')}"}
        self.reader = {"Authorization": f"Bearer {add_token(tokens, 'analyst', read_only=True)}"}
        self.http = httpx.Client(base_url=self.url, timeout=20)

    def cli(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([ATTACHE, *argv], env={**os.environ, **self.stack.env}, capture_output=True, text=True,
                              timeout=60)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    stack = Stack(tmp_path_factory.mktemp("api"))
    port = free_port()
    stack.extra_env.update({"ATTACHE_API_PORT": str(port), "ATTACHE_WEBHOOK_SIGNING_KEY": SIGNING_KEY})
    servers = EmbeddedServers(stack.settings)
    servers.start()
    log = stack.root / "api.log"
    process: subprocess.Popen[bytes] | None = None
    try:
        run_setup(stack.settings)  # topics, index templates, the stack's one seeded subscription (kp-ru)
        running = Running(stack, port, log)
        with log.open("ab") as out:
            process = subprocess.Popen([sys.executable, "-m", "services.api"], env={**os.environ, **stack.env},
                                       stdout=out, stderr=subprocess.STDOUT)
        wait_for(lambda: healthy(running), 60, "the API to be healthy")
        yield running
    finally:
        if process is not None:
            terminate(process, 10)
        print(log.read_text(errors="replace")[-3000:] if log.exists() else "no API log")
        servers.stop()
        stack.close()


def healthy(api: Running) -> bool:
    try:
        return httpx.get(f"{api.url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def subscription(sub_id: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": sub_id, "name": f"{sub_id} meetings", "query": "type:leader_meeting AND countries:KP",
                            "channels": [{"kind": "webhook", "url": "https://hooks.example.org/attache"}]}
    body.update(changes)
    return body


def on_topic(settings: Settings) -> dict[str, Any]:
    """The compacted topic's current state, as an alerter starting now would read it."""
    state: dict[str, Any] = {}
    for key, value in read_topic(settings, "subscriptions"):
        assert key is not None
        state[key.decode()] = None if value is None else orjson.loads(value)
    return {k: v for k, v in state.items() if v is not None}


def test_a_created_subscription_is_on_the_topic_and_readable_right_after(api: Running) -> None:
    created = api.http.post("/subscriptions", json=subscription("rw-kp", query="type:leader_meeting AND "
                                                                "leaders:Putin AND countries:KP"), headers=api.writer)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["query"] == 'type:leader_meeting AND leaders:"Vladimir Putin" AND countries:KP'
    assert body["owner"] == "korea-desk"
    # read-your-writes: no wait, no retry
    assert api.http.get("/subscriptions/rw-kp", headers=api.reader).json() == body
    assert on_topic(api.settings)["rw-kp"] == body
    validate("subscription", body)
    listed = api.http.get("/subscriptions", headers=api.reader).json()
    assert {"rw-kp", "kp-ru"} <= {s["id"] for s in listed["subscriptions"]}  # kp-ru: seeded by attache setup


def test_changes_pausing_and_deleting_reach_the_topic(api: Running) -> None:
    assert api.http.post("/subscriptions", json=subscription("chg-kp"), headers=api.writer).status_code == 201
    patched = api.http.patch("/subscriptions/chg-kp", json={"name": "Renamed", "throttle": {"per_minute": 10}},
                             headers=api.writer)
    assert patched.status_code == 200, patched.text
    paused = api.http.post("/subscriptions/chg-kp/pause", headers=api.writer).json()
    assert paused["status"] == "paused" and paused["name"] == "Renamed"
    assert on_topic(api.settings)["chg-kp"] == paused
    resumed = api.http.post("/subscriptions/chg-kp/resume", headers=api.writer).json()
    assert resumed["status"] == "active" and resumed["created_at"] == paused["created_at"]
    replaced = api.http.put("/subscriptions/chg-kp", json={**subscription("chg-kp"), "query": "type:summit"},
                            headers=api.writer)
    assert replaced.status_code == 200 and replaced.json()["created_at"] == paused["created_at"]
    assert api.http.delete("/subscriptions/chg-kp", headers=api.writer).status_code == 204
    assert api.http.get("/subscriptions/chg-kp", headers=api.reader).status_code == 404
    records = [(k, v) for k, v in read_topic(api.settings, "subscriptions") if k == b"chg-kp"]
    assert records[-1] == (b"chg-kp", None)  # a tombstone


def test_tokens_conflicts_and_refused_queries(api: Running) -> None:
    body = subscription("auth-kp")
    assert api.http.post("/subscriptions", json=body).status_code == 401
    assert api.http.post("/subscriptions", json=body, headers={"Authorization": "Bearer att_wrong"}).status_code == 401
    assert api.http.post("/subscriptions", json=body, headers=api.reader).status_code == 403
    assert "auth-kp" not in on_topic(api.settings)
    assert api.http.post("/subscriptions", json=body, headers=api.writer).status_code == 201
    conflict = api.http.post("/subscriptions", json=body, headers=api.writer)
    assert conflict.status_code == 409 and conflict.json()["error"]["field"] == "id"
    assert api.http.get("/subscriptions/no-such", headers=api.reader).status_code == 404
    refused = api.http.post("/subscriptions", json=subscription("bad-q", query="type:leader_meeting AND countries:UK"),
                            headers=api.writer)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert (error["field"], error["position"], error["suggestion"]) == ("query", 34, "GB")
    # reads from this machine are open (ATTACHE_API_OPEN_READS), a bad token is still refused
    assert api.http.get("/subscriptions").status_code == 200
    assert api.http.get("/subscriptions", headers={"Authorization": "Bearer att_wrong"}).status_code == 401


def test_the_webhook_secret_is_derived_from_the_deployment_key_and_rotates(api: Running) -> None:
    assert api.http.post("/subscriptions", json=subscription("sec-kp"), headers=api.writer).status_code == 201
    assert api.http.get("/subscriptions/sec-kp/secret", headers=api.reader).status_code == 403
    secret = api.http.get("/subscriptions/sec-kp/secret", headers=api.writer).json()
    assert secret["secret"] == derive_webhook_secret(SIGNING_KEY, "sec-kp", 1)
    assert api.http.post("/subscriptions/sec-kp/rotate-secret", headers=api.writer).json()["secret_version"] == 2
    rotated = api.http.get("/subscriptions/sec-kp/secret", headers=api.writer).json()
    assert rotated["secret"] == derive_webhook_secret(SIGNING_KEY, "sec-kp", 2)
    assert SIGNING_KEY not in api.log.read_text(errors="replace")


def report(number: int, outlet: str, modality: str, hours_ago: float, countries: tuple[str, ...] = ("KP", "RU"),
           ) -> dict[str, Any]:
    event = copy.deepcopy(EVENT)
    published = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours_ago)).isoformat(timespec="seconds")
    published = published.replace("+00:00", "Z")
    event.update(event_id=f"{number:024x}", article_id=f"{number + 1000:024x}", modality=modality,
                 countries=list(countries), tagged_at=published)
    event["article"].update(published=published, source_domain=outlet, url=f"https://{outlet}/{number}")
    return event


def test_the_backtest_finds_stories_in_the_events_index(api: Running) -> None:
    events = [report(1, "a.example", "potential", 72), report(2, "b.example", "potential", 60),
              report(3, "c.example", "potential", 50), report(4, "d.example", "occurred", 20),
              report(5, "e.example", "planned", 30, countries=("CN", "RU")),
              report(6, "f.example", "potential", 24 * 45)]  # outside the 30 days
    with Elasticsearch(api.settings.es_url, request_timeout=10) as es:  # the templates attache setup installed
        for event in events:
            es.index(index=api.settings.index("events"), id=event["event_id"], document=event)
        es.indices.refresh(index=api.settings.index("events"))
    result = api.http.post("/subscriptions/test", json={"query": "type:leader_meeting AND leaders:Putin",
                                                        "since": "30d"}, headers=api.reader).json()
    assert result["query"] == 'type:leader_meeting AND leaders:"Vladimir Putin"'
    assert (result["events_matched"], result["events_scanned"], result["stories_count"]) == (5, 5, 2)
    kp = next(s for s in result["stories"] if s["countries"] == ["KP", "RU"])
    assert (kp["sources_count"], kp["modality"]) == (4, "occurred")
    assert [m["modality"] for m in kp["modality_history"]] == ["potential", "occurred"]
    assert kp["sentence"] == EVENT["sentence"]
    assert result["stories"][0]["countries"] == ["KP", "RU"]  # newest first
    narrow = api.http.post("/subscriptions/test", json={"query": "countries:KP", "since": "12h"},
                           headers=api.reader).json()
    assert narrow["events_matched"] == 0
    capped = api.http.post("/subscriptions/test", json={"query": "type:leader_meeting", "limit": 2},
                           headers=api.reader).json()
    assert capped["capped"] and capped["events_scanned"] == 2 and "limit 2" in capped["note"]
    # a subscription's own query
    assert api.http.post("/subscriptions", json=subscription("bt-kp"), headers=api.writer).status_code == 201
    mine = api.http.get("/subscriptions/bt-kp/test?since=30d", headers=api.reader).json()
    assert mine["stories_count"] == 1 and mine["stories"][0]["sources_count"] == 4
    refused = api.http.post("/subscriptions/test", json={"query": "countrys:KP"}, headers=api.reader)
    assert refused.status_code == 400 and refused.json()["error"]["position"] == 0
    # the CLI runs the same backtest
    done = api.cli("subscriptions", "test", "type:leader_meeting AND leaders:Putin", "--json")
    assert done.returncode == 0, done.stderr
    assert {k: v for k, v in orjson.loads(done.stdout).items() if k not in ("from", "to")} == {
        k: v for k, v in result.items() if k not in ("from", "to")}


def publish_alert(settings: Settings, subscription_id: str, number: int) -> dict[str, Any]:
    alert = copy.deepcopy(ALERT)
    alert.update(alert_id=f"{number:024x}", subscription_id=subscription_id)
    validate("alert", alert)
    producer = make_producer(settings, "test-alerts")
    try:
        producer.send(settings.topic("alerts"), alert, key=alert["alert_id"]).get(timeout=20)
    finally:
        producer.close()
    return alert


def read_events(api: Running, query: str, wanted: int, found: list[dict[str, Any]], ready: threading.Event) -> None:
    """An SSE client: collects ``wanted`` alerts (id and data) from the stream."""
    with httpx.stream("GET", f"{api.url}/alerts/stream{query}", headers=api.reader, timeout=30) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        event: dict[str, Any] = {}
        for line in response.iter_lines():
            ready.set()  # the first line (retry:) comes once the client is registered
            if line.startswith(("event: ", "id: ", "data: ")):
                field, _, value = line.partition(": ")
                event[field] = value
            elif line == "" and "data" in event:
                found.append(event)
                event = {}
                if len(found) == wanted:
                    return


def test_an_alert_on_the_alerts_topic_reaches_sse_clients_filtered_by_subscription(api: Running) -> None:
    assert api.http.post("/subscriptions", json=subscription("sse-kp"), headers=api.writer).status_code == 201
    everything: list[dict[str, Any]] = []
    only_kp: list[dict[str, Any]] = []
    readers = []
    for query, found in (("", everything), ("?subscription=sse-kp,kp-ru", only_kp)):
        ready = threading.Event()
        thread = threading.Thread(target=read_events, args=(api, query, 2, found, ready), daemon=True)
        thread.start()
        assert ready.wait(20), "the stream did not open"
        readers.append(thread)
    other = publish_alert(api.settings, "someone-else", 1)
    first = publish_alert(api.settings, "sse-kp", 2)
    second = publish_alert(api.settings, "kp-ru", 3)
    for thread in readers:
        thread.join(30)
    assert [e["id"] for e in everything] == [other["alert_id"], first["alert_id"]]
    assert [e["id"] for e in only_kp] == [first["alert_id"], second["alert_id"]]
    assert all(e["event"] == "alert" for e in everything + only_kp)
    assert orjson.loads(only_kp[0]["data"]) == first
    unknown = api.http.get("/alerts/stream?subscription=no-such", headers=api.reader)
    assert unknown.status_code == 404


def test_the_cli_writes_straight_to_the_topic_and_the_running_api_sees_it(
        api: Running, capsys: pytest.CaptureFixture[str]) -> None:
    added = api.cli("subscriptions", "add", "--id", "cli-kp", "--name", "From the CLI", "--query",
                    "type:leader_meeting AND countries:\"North Korea\"", "--log", "--email", "desk@example.org")
    assert added.returncode == 0, added.stderr
    assert "added cli-kp (active): type:leader_meeting AND countries:KP" in added.stdout
    seen = wait_for(lambda: (r := api.http.get("/subscriptions/cli-kp", headers=api.reader)).status_code == 200
                    and r.json(), 10, "the API to read the CLI's subscription")
    assert seen["owner"] == "cli" and seen["channels"] == [{"kind": "log"},
                                                           {"kind": "email", "to": ["desk@example.org"]}]

    def cli(*argv: str) -> tuple[int, str, str]:
        """The same command in this process (a subprocess start each would cost a second)."""
        code = subscriptions_command(api.settings, build_parser().parse_args(["subscriptions", *argv]))
        out, err = capsys.readouterr()
        return code, out, err

    code, _, err = cli("add", "--id", "cli-kp", "--query", "type:summit", "--log")
    assert code == 1 and "exists already" in err
    code, _, err = cli("add", "--id", "cli-bad", "--query", "type:leader_meeting AND countrys:KP", "--log")
    assert code == 2 and err.rstrip().endswith("^")
    assert cli("pause", "cli-kp")[0] == 0
    code, out, _ = cli("list", "--status", "paused", "--json")
    # (this process's own log lines go to stdout too; the command's are the JSON ones)
    assert [orjson.loads(line)["id"] for line in out.splitlines() if line.startswith("{")] == ["cli-kp"]
    assert cli("resume", "cli-kp")[0] == 0
    wait_for(lambda: api.http.get("/subscriptions/cli-kp", headers=api.reader).json()["status"] == "active", 10,
             "the API to see the resume")
    code, out, _ = cli("list")
    assert "cli-kp" in out and "active" in out and "QUERY" in out
    assert cli("delete", "cli-kp")[0] == 0
    wait_for(lambda: api.http.get("/subscriptions/cli-kp", headers=api.reader).status_code == 404, 10,
             "the API to see the deletion")
    assert cli("show", "cli-kp")[0] == 1


def test_health_says_the_subscriptions_are_loaded_and_kafka_answers(api: Running) -> None:
    body = api.http.get("/health").json()
    assert body["service"] == "api" and body["status"] == "ok"
    assert body["checks"]["subscriptions"]["ok"] and body["checks"]["kafka"]["ok"]


def test_no_token_or_signing_key_reaches_the_apis_log(api: Running) -> None:
    assert api.http.get("/subscriptions", headers=api.writer).status_code == 200
    text = api.log.read_text(errors="replace")
    assert "POST /subscriptions" in text  # the log is the one this module's requests went to
    for secret in (SIGNING_KEY, api.writer["Authorization"].split()[1], api.reader["Authorization"].split()[1]):
        assert secret not in text
