"""Start, watch and stop the pipeline's processes in the right order."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from services.common.embedded import EmbeddedServers
from services.common.logging import get_logger
from services.common.processes import free_port, port_answers, spawn, terminate
from services.common.settings import PROJECT_ROOT, Settings
from services.common.setup import run_setup
from services.runner.sample_feeds import SampleFeedServer

log = get_logger("runner")

SERVICES = ("collector", "tagger", "indexer", "alerter")
STOP_TIMEOUT_S = 12.0
MAX_RESTARTS_PER_10_MIN = 5
MAX_RESTART_DELAY_S = 60.0


@dataclass
class Child:
    name: str
    health_port: int
    process: subprocess.Popen[bytes] | None = None
    restarts: list[float] = field(default_factory=list)
    last_health: dict[str, Any] | None = None
    gave_up: bool = False
    restart_at: float | None = None  # a crashed service waits for its back-off to pass


class Supervisor:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.embedded = EmbeddedServers(settings)
        self.sample_server: SampleFeedServer | None = None
        self.children = {name: Child(name, free_port()) for name in SERVICES}
        if settings.api_port and port_answers(settings.api_host, settings.api_port):
            log.error("the API's port is taken; starting without the API (set ATTACHE_API_PORT to a free "
                      "port, or 0)", host=settings.api_host, port=settings.api_port)
        elif settings.api_port:  # the HTTP API serves its /health on its own port
            self.children["api"] = Child("api", settings.api_port)
        self.stopping = threading.Event()
        self.log_dir = settings.resolved_data_dir / "logs"

    # -- start ---------------------------------------------------------------------------
    def start(self) -> None:
        self.settings.resolved_data_dir.mkdir(parents=True, exist_ok=True)
        started = self.embedded.start()
        if started:
            log.info("embedded servers up", services=started)
        run_setup(self.settings)
        if self.settings.sample_feeds_port:
            self.sample_server = SampleFeedServer(PROJECT_ROOT / "deploy" / "sample-feeds", "127.0.0.1",
                                                  self.settings.sample_feeds_port)
            self.sample_server.start()
            log.info("sample feeds served", url=self.sample_server.url)
        for child in self.children.values():
            self._spawn(child)

    def _child_env(self, child: Child) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "ATTACHE_DATA_DIR": str(self.settings.resolved_data_dir),
            "ATTACHE_KAFKA_BOOTSTRAP": self.settings.kafka_bootstrap,
            "ATTACHE_ES_URL": self.settings.es_url,
            "ATTACHE_HEALTH_PORT": str(child.health_port),
            "ATTACHE_API_PORT": str(self.settings.api_port),
            "ATTACHE_HEALTH_HOST": "127.0.0.1",
            "ATTACHE_LOG_FORMAT": "json",
            "ATTACHE_FEEDS_FILE": str(self.settings.feeds_file),
            "ATTACHE_SUBSCRIPTIONS_FILE": str(self.settings.subscriptions_file),
            "ATTACHE_SAMPLE_FEEDS_PORT": str(self.settings.sample_feeds_port),
            "ATTACHE_ALLOW_PRIVATE_ADDRESSES": self._allowed_addresses(),
            "ATTACHE_WEBHOOK_SIGNING_KEY": self._signing_key(),
            "PYTHONUNBUFFERED": "1",
        })
        return env

    def _signing_key(self) -> str:
        """The operator's webhook signing key, else one kept in the data dir (made once, readable by the
        owner only), so the embedded default signs webhooks and a subscriber's secret survives restarts."""
        if key := self.settings.webhook_signing_key.get_secret_value():
            return key
        path = self.settings.resolved_data_dir / "webhook-signing-key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(32))
            log.info("webhook signing key created", path=str(path))
        return path.read_text().strip()

    def _allowed_addresses(self) -> str:
        """The operator's allow-list, plus the bundled sample feed this supervisor serves on loopback."""
        allowed = [self.settings.allow_private_addresses] if self.settings.allow_private_addresses else []
        if self.settings.sample_feeds_port:
            allowed.append(f"127.0.0.1:{self.settings.sample_feeds_port}")
        return ",".join(allowed)

    def _spawn(self, child: Child) -> None:
        child.process = spawn([sys.executable, "-m", f"services.{child.name}"], env=self._child_env(child),
                              log_file=self.log_dir / f"{child.name}.log", cwd=PROJECT_ROOT)
        log.info("service started", service=child.name, pid=child.process.pid, health_port=child.health_port)

    # -- watch ---------------------------------------------------------------------------
    def check_children(self) -> None:
        """Restart a crashed service after a pause that doubles with each recent restart (from
        ``ATTACHE_RESTART_BACKOFF_S``, at most a minute), at most five times in ten minutes; then give up
        on it loudly (``gave_up()``: ``attache run`` stops and exits 1)."""
        now = time.time()
        for child in self.children.values():
            if child.process is None or child.gave_up or child.process.poll() is None:
                continue
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restart_at = None
                    child.restarts.append(now)
                    self._spawn(child)
                continue
            code = child.process.returncode
            child.restarts = [t for t in child.restarts if now - t < 600]
            if len(child.restarts) >= MAX_RESTARTS_PER_10_MIN:
                child.gave_up = True
                log.error("service keeps crashing; not restarting", service=child.name, exit_code=code,
                          log_file=str(self.log_dir / f"{child.name}.log"))
                continue
            delay = min(self.settings.restart_backoff_s * 2 ** len(child.restarts), MAX_RESTART_DELAY_S)
            child.restart_at = now + delay
            log.warning("service exited; restarting", service=child.name, exit_code=code, delay_s=round(delay, 3),
                        log_file=str(self.log_dir / f"{child.name}.log"))

    def gave_up(self) -> list[str]:
        return [child.name for child in self.children.values() if child.gave_up]

    def poll_health(self) -> None:
        for child in self.children.values():
            try:
                url = f"http://127.0.0.1:{child.health_port}/health"
                with urllib.request.urlopen(url, timeout=0.5) as response:
                    child.last_health = json.loads(response.read())
            except urllib.error.HTTPError as exc:  # 503 still carries the report
                with contextlib.suppress(ValueError):
                    child.last_health = json.loads(exc.read())
            except (OSError, ValueError):
                child.last_health = None

    # -- stop ----------------------------------------------------------------------------
    def stop(self) -> None:
        """Everything down within ~20 s: services in parallel, then the servers."""
        self.stopping.set()
        for child in self.children.values():
            if child.process is not None and child.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for child in self.children.values():
            if child.process is not None:
                code = terminate(child.process, max(0.1, deadline - time.monotonic()))
                log.info("service stopped", service=child.name, exit_code=code)
        if self.sample_server is not None:
            self.sample_server.stop()
        self.embedded.stop(timeout=5.0)
