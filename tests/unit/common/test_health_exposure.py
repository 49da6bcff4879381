"""/health and /metrics are not published to the world: the container and compose bind them to
loopback, and feed URLs, errors and titles (``details``, ``recent``) go only to local readers."""

from __future__ import annotations

from typing import Any
from unittest import mock

import orjson
import yaml
from aiohttp.test_utils import make_mocked_request

from services.common.metrics import HealthServer, Metrics
from services.common.settings import PROJECT_ROOT


def metrics_with_details() -> Metrics:
    metrics = Metrics("collector")
    metrics.inc("feed_polls_ok")
    metrics.details["feeds"] = {"intranet": {"url": "http://10.0.0.5/rss", "last_error": "HTTP 500"}}
    metrics.recent.append({"title": "An internal headline"})
    metrics.checks["kafka"] = lambda: (True, "ok")
    return metrics


async def health_seen_from(peer: str, details: str = "loopback") -> dict[str, Any]:
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (peer, 40000) if name == "peername" \
        else default
    request = make_mocked_request("GET", "/health", transport=transport)
    server = HealthServer(metrics_with_details(), "127.0.0.1", 0, details=details)
    response = await server._health(request)
    return dict(orjson.loads(response.body))


async def test_a_remote_reader_gets_status_checks_and_counters_but_no_feed_urls_errors_or_titles() -> None:
    remote = await health_seen_from("172.18.0.1")
    assert remote["status"] == "ok" and remote["counters"] == {"feed_polls_ok": 1} and "kafka" in remote["checks"]
    assert "details" not in remote and "recent" not in remote
    assert "10.0.0.5" not in orjson.dumps(remote).decode()
    local = await health_seen_from("127.0.0.1")
    assert local["details"]["feeds"]["intranet"]["last_error"] == "HTTP 500" and local["recent"]
    assert "details" in await health_seen_from("172.18.0.1", details="all")
    assert "details" not in await health_seen_from("127.0.0.1", details="none")


def test_the_image_and_compose_do_not_publish_health_on_every_interface() -> None:
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert "ATTACHE_HEALTH_HOST=0.0.0.0" not in dockerfile
    compose = yaml.safe_load((PROJECT_ROOT / "deploy" / "compose.yaml").read_text())
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"
