"""The faust tagger agent, without a broker (faust's ``Agent.test_context``): what it sends where."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from unittest.mock import patch

import orjson

from services.common.schemas import SCHEMA_DIR, validate
from services.common.settings import Settings
from services.tagger.app import build_app


async def run_agent(tmp_path: Path, values: list[bytes], expected_sends: int) -> list[tuple[str, bytes, Any]]:
    app = build_app(Settings(data_dir=tmp_path))
    app.finalize()
    app.conf.store = "memory://"
    app.flow_control.resume()
    agent = next(iter(app.agents.values()))
    sent: list[tuple[str, bytes, Any]] = []

    async def record_send(topic: Any, *, key: bytes | None = None, value: bytes | None = None, **_: Any) -> Any:
        sent.append((topic.get_topic_name(), key, orjson.loads(value) if value else None))
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done

    with patch("faust.topics.Topic.send", record_send):
        async with agent.test_context() as context:
            for value in values:
                await context.put(key=b"input", value=value)
            for _ in range(100):
                if len(sent) >= expected_sends:
                    break
                await asyncio.sleep(0.05)
    return sent


async def test_an_article_becomes_a_tagged_article_and_its_events(tmp_path: Path) -> None:
    article = (SCHEMA_DIR / "examples" / "article.json").read_bytes()
    sent = await run_agent(tmp_path, [article], expected_sends=2)
    topics = [topic for topic, _, _ in sent]
    assert topics == ["attache.articles.tagged", "attache.events"]
    validate("tagged_article", sent[0][2])
    validate("event", sent[1][2])
    assert sent[1][2]["type"] == "leader_meeting" and sent[1][2]["countries"] == ["KP", "RU"]
    assert sent[1][1] == b"leader_meeting:KP+RU"  # keyed by story bucket: one happening, one partition


async def test_a_malformed_article_goes_to_the_dead_letter_topic_and_the_next_one_is_tagged(tmp_path: Path) -> None:
    article = (SCHEMA_DIR / "examples" / "article.json").read_bytes()
    sent = await run_agent(tmp_path, [b"not json", article], expected_sends=3)
    assert [topic for topic, _, _ in sent] == ["attache.deadletter", "attache.articles.tagged", "attache.events"]
    letter = sent[0][2]
    validate("deadletter", letter)
    assert letter["reason"] == "invalid_json" and letter["payload"] == "not json"
