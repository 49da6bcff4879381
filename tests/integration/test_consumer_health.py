"""A stream service's ``consumer`` health check fails when it cannot consume: here the broker stops
answering (SIGSTOP), and the check passes again once it answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from typing import Any

from services.common.processes import free_port, terminate
from services.common.setup import run_setup
from tests.integration.faults import SplitServers
from tests.integration.stack import Stack, wait_for


def health(port: int) -> tuple[int, dict[str, Any]] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
    except OSError:
        return None


def consumer_check(port: int) -> dict[str, Any]:
    report = health(port)
    return report[1]["checks"].get("consumer", {}) if report else {}


def test_the_consumer_check_fails_while_the_broker_does_not_answer(stack: Stack, split_servers: SplitServers) -> None:
    """The tagger here; the alerter's check is the same code (``services.common.streams.attach_health``),
    run by one service to keep the suite short."""
    service = "tagger"
    settings = split_servers.start()
    run_setup(settings)
    port = free_port()
    env = {**os.environ, **stack.env, "ATTACHE_HEALTH_PORT": str(port)}
    log = stack.root / f"{service}.log"
    with log.open("ab") as out:
        process = subprocess.Popen([sys.executable, "-m", f"services.{service}"], env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: consumer_check(port).get("ok"), 90, f"the {service} consuming")
        split_servers.pause_kafka()
        try:
            failing = wait_for(lambda: (c := consumer_check(port)) and c["ok"] is False and c, 60,
                               "the consumer check to fail")
            assert "Kafka" in failing["detail"], failing
            assert health(port)[0] == 503  # type: ignore[index]
        finally:
            split_servers.resume_kafka()
        wait_for(lambda: consumer_check(port).get("ok"), 60, "the consumer check to pass again")
    finally:
        terminate(process, 10)
        print(log.read_text(errors="replace")[-2000:])
