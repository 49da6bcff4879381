"""``attache run`` as a newcomer uses it: start from nothing, see the founding event, Ctrl-C."""

from __future__ import annotations

import json
import subprocess
import time

from fixtures.articles import founding_article, generated_articles, rss

from services.common.processes import port_answers
from tests.integration.stack import ATTACHE, Pipeline, Stack, es_sources, wait_for


def test_founding_article_is_searchable_as_potential_kp_ru_meeting_and_ctrl_c_frees_every_port(
    stack: Stack, pipeline: Pipeline
) -> None:
    stack.serve_feed("world.xml", rss([founding_article(), *generated_articles(4)]))
    started = time.monotonic()
    pipeline.start()

    def founding_events() -> list[dict]:
        result = subprocess.run(
            [ATTACHE, "search", "--json", "type:leader_meeting AND countries:KP AND countries:RU"],
            env={**stack.env, "PATH": ""}, capture_output=True, text=True, timeout=30,
        )
        return [e for e in map(json.loads, result.stdout.splitlines())
                if e["article"]["title"] == founding_article()["title"]]

    events = wait_for(founding_events, 90, "the founding event in `attache search`")
    seconds_to_event = time.monotonic() - started
    assert len(events) == 1, events
    event = events[0]
    assert event["modality"] == "potential"
    assert event["countries"] == ["KP", "RU"]
    assert event["leaders"] == ["Kim Jong Un", "Vladimir Putin"]
    assert event["evidence"], "an event must say which words caused it"
    print(f"founding event searchable {seconds_to_event:.1f}s after start")

    alerts = wait_for(lambda: es_sources(stack.settings, "alerts"), 30, "the kp-ru alert to be indexed")
    assert [a["subscription_id"] for a in alerts] == ["kp-ru"]

    stop_seconds = pipeline.interrupt(timeout=25)
    assert stop_seconds < 20, pipeline.log_tail()
    assert pipeline.process is not None and pipeline.process.returncode == 0, pipeline.log_tail()
    for port in (stack.kafka_port, stack.es_port):
        assert not port_answers("127.0.0.1", port), f"port {port} still answers after Ctrl-C"
    leftovers = subprocess.run(["pgrep", "-f", str(stack.data_dir)], capture_output=True, text=True).stdout
    assert leftovers.strip() == "", f"processes left behind: {leftovers}"
