"""The collector killed in the middle of a round and restarted: every story is published exactly once."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
import yaml

from services.common.processes import free_port, port_answers, spawn, terminate
from services.common.settings import Settings
from services.common.setup import run_setup
from tests.integration.stack import Stack, read_topic, wait_for

FEEDS = 300  # 150 outlets with two feeds each, 20 stories per outlet
STORIES = FEEDS // 2 * 20


def start_collector(stack: Stack, settings: Settings) -> subprocess.Popen[bytes]:
    env = {**os.environ, **stack.env, "ATTACHE_HEALTH_PORT": "0", "ATTACHE_COLLECTOR_CONCURRENCY": "8",
           "ATTACHE_COLLECTOR_PER_HOST": "8"}
    return subprocess.Popen([sys.executable, "-m", "services.collector"], env=env,
                            stdout=(stack.root / "collector.log").open("ab"), stderr=subprocess.STDOUT)


def count(state_file: Path, table: str) -> int:
    """Rows of a table of the collector's state, read while it runs (WAL)."""
    if not state_file.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{state_file}?mode=ro", uri=True, timeout=1)) as db:
            return int(db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def pending_sends(state_file: Path) -> int:
    """Sends the collector has written ahead and Kafka has not confirmed yet."""
    return count(state_file, "pending")


def published(settings: Settings) -> list[tuple[str, int]]:
    return [(m["article_id"], m["version"]) for m in
            (orjson.loads(v) for _, v in read_topic(settings, "articles") if v)]


def test_a_collector_killed_mid_round_publishes_every_story_once_after_restart(
    stack: Stack, servers: Settings
) -> None:
    settings = servers
    run_setup(settings)
    lab_port = free_port()
    lab = spawn([sys.executable, "-m", "services.feedlab", "--feeds", str(FEEDS), "--port", str(lab_port)],
                log_file=stack.root / "feedlab.log")
    try:
        wait_for(lambda: port_answers("127.0.0.1", lab_port), 30, "the feed server")
        stack.feeds_file.write_text(yaml.safe_dump({"feeds": [
            {"id": f"lab-{n}", "url": f"http://127.0.0.1:{lab_port}/feeds/{n}.xml", "interval_s": 3600}
            for n in range(FEEDS)]}))

        state_file = stack.data_dir / "collector" / "state.sqlite3"
        interrupted = 0
        for _attempt in range(5):  # until a kill lands inside a send; the first one nearly always does
            collector = start_collector(stack, settings)
            # the state file, not the topic, is watched: reading it is fast enough to catch a send under way
            wait_for(lambda: count(state_file, "articles") >= 200 and pending_sends(state_file) > 0, 90,
                     "a send under way after the first 200 articles", interval=0.005)
            collector.kill()  # SIGKILL: no chance to finish the send, record it or flush anything
            collector.wait(10)
            interrupted = pending_sends(state_file)
            if interrupted:
                break
        assert interrupted > 0, "no kill landed between a send's write-ahead and its confirmation"
        before_restart = len(published(settings))
        assert before_restart < STORIES, "the round must be interrupted for this test to mean anything"

        collector = start_collector(stack, settings)
        wait_for(lambda: len(set(published(settings))) >= STORIES, 120, f"all {STORIES} stories")
        terminate(collector, 10)
        ids = published(settings)
        duplicates = [key for key, count in Counter(ids).items() if count > 1]
        assert duplicates == []
        assert len(ids) == STORIES
        assert {version for _, version in ids} == {1}  # no story re-sent as a spurious new version
        reconciled = [line for line in (stack.root / "collector.log").read_text(errors="replace").splitlines()
                      if "reconciled sends interrupted by the last stop" in line]
        assert reconciled, "the restart must have settled the interrupted sends"
        print(f"killed inside a send of {interrupted} articles, after {before_restart} of {STORIES}; "
              f"after restart {len(ids)} published, no duplicates; {reconciled[-1][:300]}")
    finally:
        terminate(lab, 5)
        log = Path(stack.root / "collector.log")
        if log.exists():
            print(log.read_text(errors="replace")[-1500:])
