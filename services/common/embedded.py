"""The embedded default: noida-db serving the Kafka and Elasticsearch wire protocols on loopback.

Nothing else in Attaché knows it exists; services only ever see a bootstrap address and a URL.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

from services.common.logging import get_logger
from services.common.processes import port_answers, spawn, terminate, wait_until
from services.common.settings import Settings

log = get_logger(__name__)


class EmbeddedStartError(RuntimeError):
    pass


def kafka_address(settings: Settings) -> tuple[str, int]:
    host, _, port = settings.kafka_hosts[0].rpartition(":")
    return host or "127.0.0.1", int(port)


def es_address(settings: Settings) -> tuple[str, int]:
    parts = urlsplit(settings.es_url)
    return parts.hostname or "127.0.0.1", parts.port or 9200


def noida_binary() -> Path:
    binary = Path(str(files("noida_db").joinpath("noida-db")))
    binary.chmod(0o755)
    return binary


def noida_argv(data_dir: Path, ports: dict[str, int]) -> list[str]:
    """``noida-db start`` for just these services; a port flag for a service not started is an error to it."""
    argv = [str(noida_binary()), "start", "--data-dir", str(data_dir), "--host", "127.0.0.1", "--only", ",".join(ports)]
    for name, port in ports.items():
        argv += [f"--{name}-port", str(port)]
    return argv


@dataclass
class EmbeddedServers:
    """Starts noida-db for whichever of Kafka and Elasticsearch does not answer yet."""

    settings: Settings
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def log_file(self) -> Path:
        return self.settings.resolved_data_dir / "logs" / "noida-db.log"

    def start(self, timeout: float = 30.0) -> list[str]:
        """Return the services started here (empty when everything already answered)."""
        kafka_host, kafka_port = kafka_address(self.settings)
        es_host, es_port = es_address(self.settings)
        missing = []
        if not port_answers(kafka_host, kafka_port):
            missing.append("kafka")
        if not port_answers(es_host, es_port):
            missing.append("elasticsearch")
        if not missing:
            log.info("servers already answer; not starting noida-db", kafka=f"{kafka_host}:{kafka_port}",
                     elasticsearch=self.settings.es_url)
            return []
        if not self.settings.embedded:
            raise EmbeddedStartError(
                f"{' and '.join(missing)} not reachable ({self.settings.kafka_bootstrap}, {self.settings.es_url})"
                " and ATTACHE_EMBEDDED=0 forbids starting noida-db"
            )
        data = self.settings.resolved_data_dir / "noida-db"
        data.mkdir(parents=True, exist_ok=True)
        argv = noida_argv(data, {name: {"kafka": kafka_port, "elasticsearch": es_port}[name] for name in missing})
        log.info("starting noida-db", services=missing, data_dir=str(data), log_file=str(self.log_file))
        self.process = spawn(argv, log_file=self.log_file)
        checks = {"kafka": (kafka_host, kafka_port), "elasticsearch": (es_host, es_port)}

        def ready() -> bool:
            if self.process is not None and self.process.poll() is not None:
                return True  # exited: stop waiting and report below
            return all(port_answers(*checks[name]) for name in missing)

        wait_until(ready, timeout)
        if self.process.poll() is not None or not all(port_answers(*checks[n]) for n in missing):
            tail = self.log_file.read_text(errors="replace")[-2000:] if self.log_file.exists() else ""
            self.stop()
            raise EmbeddedStartError(f"noida-db did not start {missing} within {timeout:.0f}s:\n{tail}")
        return missing

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is not None:
            terminate(self.process, timeout)
            log.info("noida-db stopped", exit_code=self.process.returncode)
            self.process = None
