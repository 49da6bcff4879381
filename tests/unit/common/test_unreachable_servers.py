"""Without servers, commands fail with a message that says what is missing, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from services.common.embedded import EmbeddedServers, EmbeddedStartError
from services.common.processes import free_port
from services.common.settings import Settings

ATTACHE = str(Path(sys.executable).with_name("attache"))


def test_embedded_0_refuses_to_start_servers_and_names_what_is_unreachable(tmp_path: Path) -> None:
    settings = Settings(embedded=False, data_dir=tmp_path, kafka_bootstrap=f"127.0.0.1:{free_port()}",
                        es_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(EmbeddedStartError, match=r"kafka and elasticsearch not reachable.*ATTACHE_EMBEDDED=0"):
        EmbeddedServers(settings).start()


def test_search_without_elasticsearch_says_so_and_exits_2() -> None:
    env = {"ATTACHE_ES_URL": f"http://127.0.0.1:{free_port()}", "PATH": ""}
    done = subprocess.run([ATTACHE, "search", "type:leader_meeting"], env=env, capture_output=True, timeout=60)
    assert done.returncode == 2
    assert b"cannot reach Elasticsearch at http://127.0.0.1:" in done.stderr
    assert b"Traceback" not in done.stderr


def test_run_with_embedded_0_and_no_cluster_stops_with_a_clear_message(tmp_path: Path) -> None:
    env = {"ATTACHE_EMBEDDED": "0", "ATTACHE_DATA_DIR": str(tmp_path), "PATH": "",
           "ATTACHE_KAFKA_BOOTSTRAP": f"127.0.0.1:{free_port()}", "ATTACHE_ES_URL": f"http://127.0.0.1:{free_port()}"}
    done = subprocess.run([ATTACHE, "run", "--no-dashboard"], env=env, capture_output=True, timeout=60)
    assert done.returncode == 2, done.stderr.decode()
    assert b"not reachable" in done.stderr and b"ATTACHE_EMBEDDED=0" in done.stderr
    assert b"Traceback" not in done.stderr


def test_noida_is_started_only_for_what_is_missing_with_only_those_ports(tmp_path: Path) -> None:
    from services.common.embedded import noida_argv

    argv = noida_argv(tmp_path, {"elasticsearch": 9201})
    assert argv[argv.index("--only") + 1] == "elasticsearch"
    assert "--elasticsearch-port" in argv and "--kafka-port" not in argv
