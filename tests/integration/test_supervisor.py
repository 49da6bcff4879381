"""``attache run`` restarts a crashing service with growing pauses, then gives up on it and exits 1."""

from __future__ import annotations

import re
import subprocess

from tests.integration.stack import Pipeline, Stack


def test_a_service_that_keeps_crashing_is_restarted_with_back_off_then_attache_run_exits_1(
    stack: Stack, pipeline: Pipeline
) -> None:
    stack.extra_env.update({"ATTACHE_KNOWLEDGE_DIR": str(stack.root / "no-such-knowledge"),  # the tagger dies
                            "ATTACHE_RESTART_BACKOFF_S": "0.2"})
    pipeline.start()
    assert pipeline.process is not None
    try:
        code = pipeline.process.wait(120)
    except subprocess.TimeoutExpired:
        raise AssertionError("attache run kept running after a service was given up:\n"
                             + pipeline.log_tail()) from None
    log = pipeline.log_tail(10**6)
    assert code == 1, log[-3000:]
    delays = [float(d) for d in re.findall(r'"service exited; restarting"[^\n]*?"delay_s": ?([\d.]+)', log)
              + re.findall(r'"delay_s": ?([\d.]+)[^\n]*"service exited; restarting"', log)]
    assert delays == [0.2, 0.4, 0.8, 1.6, 3.2], delays
    assert "service keeps crashing; not restarting" in log and '"service": "tagger"' in log.replace('":"', '": "')
