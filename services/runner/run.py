"""The ``attache run`` loop: start everything, show progress until Ctrl-C, stop everything."""

from __future__ import annotations

import signal
import sys
import time
from types import FrameType

from rich.console import Console
from rich.live import Live

from services.common.logging import get_logger
from services.common.settings import Settings
from services.runner.dashboard import progress_numbers, render
from services.runner.supervisor import Supervisor

log = get_logger("runner")


def run_pipeline(settings: Settings, duration_s: float | None = None, dashboard: bool | None = None) -> int:
    supervisor = Supervisor(settings)
    interrupts = 0

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal interrupts
        interrupts += 1
        if interrupts > 1:  # a second Ctrl-C: stop waiting for graceful shutdown
            raise KeyboardInterrupt
        supervisor.stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    started = time.time()
    use_dashboard = sys.stdout.isatty() if dashboard is None else dashboard
    try:
        supervisor.start()
        deadline = started + duration_s if duration_s else None
        console = Console()
        last_report = 0.0
        tick = min(1.0, max(0.1, settings.restart_backoff_s / 2))  # restarts happen close to when due
        if use_dashboard:
            with Live(render(supervisor, started, console.height), console=console, refresh_per_second=2,
                      screen=False, vertical_overflow="crop") as live:
                while not supervisor.stopping.wait(tick) and not (deadline and time.time() > deadline):
                    supervisor.check_children()
                    if supervisor.gave_up():
                        break
                    supervisor.poll_health()
                    live.update(render(supervisor, started, console.height))
        else:
            while not supervisor.stopping.wait(tick) and not (deadline and time.time() > deadline):
                supervisor.check_children()
                if supervisor.gave_up():
                    break
                supervisor.poll_health()
                if time.time() - last_report >= 10:
                    last_report = time.time()
                    log.info("progress", **progress_numbers(supervisor))
    except KeyboardInterrupt:
        pass
    finally:
        log.info("stopping: services, then servers")
        t0 = time.monotonic()
        supervisor.stop()
        log.info("stopped", seconds=round(time.monotonic() - t0, 1))
    gave_up = supervisor.gave_up()
    if gave_up:  # the pipeline is incomplete: stop it all and say so, so an orchestrator sees the failure
        log.error("some services kept crashing and were given up on; exiting", services=gave_up)
        return 1
    return 0
