"""Faults injected into real servers: noida-db's Kafka side paused (SIGSTOP) or restarted, and an HTTP
proxy in front of its Elasticsearch side that can refuse requests for a while.

Nothing here imitates Kafka or Elasticsearch: the services talk to the real noida-db, and the faults
are what a network, an operator or an overloaded cluster does to it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

from services.common.embedded import noida_argv
from services.common.processes import port_answers, spawn, terminate
from services.common.settings import Settings
from tests.integration.stack import Stack, wait_for


class SplitServers:
    """noida-db's Kafka and Elasticsearch sides as two processes, so one can fail while the other runs."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.kafka: subprocess.Popen[bytes] | None = None
        self.es: subprocess.Popen[bytes] | None = None
        self.logs = stack.root / "noida-logs"

    def _start(self, name: str, port: int) -> subprocess.Popen[bytes]:
        data = self.stack.data_dir / f"noida-{name}"
        data.mkdir(parents=True, exist_ok=True)
        process = spawn(noida_argv(data, {name: port}), log_file=self.logs / f"{name}.log")
        wait_for(lambda: port_answers("127.0.0.1", port), 30, f"noida-db's {name} side on port {port}")
        return process

    def start(self) -> Settings:
        self.kafka = self._start("kafka", self.stack.kafka_port)
        self.es = self._start("elasticsearch", self.stack.es_port)
        return self.stack.settings

    def pause_kafka(self) -> None:
        """The broker stops answering (a GC pause, a hung disk, a network partition): connections stay open."""
        assert self.kafka is not None
        os.kill(self.kafka.pid, signal.SIGSTOP)

    def resume_kafka(self) -> None:
        assert self.kafka is not None
        os.kill(self.kafka.pid, signal.SIGCONT)

    def restart_kafka(self) -> None:
        assert self.kafka is not None
        self.resume_kafka()
        terminate(self.kafka, 10)
        wait_for(lambda: not port_answers("127.0.0.1", self.stack.kafka_port), 15, "the Kafka port to close")
        self.kafka = self._start("kafka", self.stack.kafka_port)

    def stop(self) -> None:
        for process in (self.kafka, self.es):
            if process is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGCONT)
                terminate(process, 10)

    def log_tail(self, name: str, chars: int = 2000) -> str:
        path: Path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

