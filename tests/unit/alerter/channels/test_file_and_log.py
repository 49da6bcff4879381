"""File channel: JSON lines appended inside the alerts directory only. Log channel: one ALERT line."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest
from structlog.testing import capture_logs

from services.alerter.channels.base import TargetError
from services.alerter.channels.file import FileChannel
from services.alerter.channels.log import LogChannel
from tests.unit.alerter.channels.helpers import make_alert


async def test_the_file_channel_appends_one_json_line_per_alert_in_the_alerts_directory(tmp_path: Path) -> None:
    channel = FileChannel(tmp_path / "alerts")
    for number in (1, 2):
        assert (await channel.deliver(make_alert(number), {"kind": "file"})).outcome == "delivered"
    assert (await channel.deliver(make_alert(3), {"kind": "file", "path": "team-a/mine.jsonl"})).outcome == "delivered"
    inside = str(tmp_path / "alerts" / "other.jsonl")
    assert (await channel.deliver(make_alert(4), {"kind": "file", "path": inside})).outcome == "delivered"
    lines = (tmp_path / "alerts" / "alerts.jsonl").read_bytes().splitlines()
    assert [orjson.loads(line)["alert_id"] for line in lines] == ["alert-0001", "alert-0002"]
    assert orjson.loads((tmp_path / "alerts" / "team-a" / "mine.jsonl").read_bytes()) == make_alert(3)
    assert (tmp_path / "alerts" / "other.jsonl").exists()
    assert channel.destination({"kind": "file", "path": "team-a/mine.jsonl"}).shown == "file team-a/mine.jsonl"


async def test_paths_outside_the_alerts_directory_are_refused_and_nothing_is_written_there(tmp_path: Path) -> None:
    alerts = tmp_path / "alerts"
    alerts.mkdir()
    victim = tmp_path / "state.json"
    victim.write_text("{}")
    (alerts / "escape.jsonl").symlink_to(victim)
    (alerts / "out").symlink_to(tmp_path)
    (alerts / "fine.jsonl").symlink_to(alerts / "real.jsonl")  # a symlink that stays inside is fine
    channel = FileChannel(alerts)
    refused = {"../state.json": "'..' is not allowed", "team/../../state.json": "'..' is not allowed",
               str(victim): "is outside it", "/etc/cron.d/attache": "is outside it",
               "escape.jsonl": "leads outside it through a symlink", "out/state.json": "leads outside it",
               "": "must be a file name", str(alerts): "is the alerts directory itself"}
    for path, reason in refused.items():
        with pytest.raises(TargetError, match=reason):
            channel.destination({"kind": "file", "path": path})
        result = await channel.deliver(make_alert(), {"kind": "file", "path": path})
        assert result.outcome == "failed" and reason in result.reason, path
    assert victim.read_text() == "{}"
    assert (await channel.deliver(make_alert(), {"kind": "file", "path": "fine.jsonl"})).outcome == "delivered"
    assert (alerts / "real.jsonl").exists()


async def test_the_log_channel_writes_one_alert_line_naming_the_story() -> None:
    with capture_logs() as logs:
        result = await LogChannel().deliver(make_alert(), {"kind": "log"})
    assert result.outcome == "delivered"
    [line] = logs
    assert line["event"] == "ALERT" and line["log_level"] == "info"
    assert line["alert_id"] == "alert-0001" and line["story_id"] == "story-kp-ru-0001"
    assert line["headline"] == "Potential leader meeting: KP–RU (Kim Jong Un, Vladimir Putin)"
    assert line["change"] == "New story" and line["leaders"] == ["Kim Jong Un", "Vladimir Putin"]
    assert line["article_url"] == "https://news.example.org/2023/11/07/kim-putin-potential-meeting"


async def test_the_alerts_file_is_rotated_and_stays_bounded(tmp_path: Path) -> None:
    channel = FileChannel(tmp_path, max_bytes=6000, keep=2)
    for number in range(20):
        assert (await channel.deliver(make_alert(number), {"kind": "file"})).outcome == "delivered"
    files = sorted(p.name for p in os.scandir(tmp_path))
    assert files == ["alerts.jsonl", "alerts.jsonl.1", "alerts.jsonl.2"]
    assert all(p.stat().st_size <= 6000 for p in os.scandir(tmp_path))
    newest = [orjson.loads(line)["alert_id"] for line in (tmp_path / "alerts.jsonl").read_bytes().splitlines()]
    assert newest[-1] == "alert-0019"  # the latest alert is in the current file
