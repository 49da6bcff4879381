from __future__ import annotations

from pathlib import Path

import pytest

from services.common.config_files import ConfigFileError, load_feeds, load_subscriptions
from services.common.settings import PROJECT_ROOT


def test_bundled_feeds_and_subscriptions_load() -> None:
    feeds = load_feeds(PROJECT_ROOT / "deploy" / "feeds.yaml")
    assert feeds[0].id == "attache-sample" and len(feeds) >= 6
    assert {s["id"] for s in load_subscriptions(PROJECT_ROOT / "deploy" / "subscriptions.yaml")} >= {"kp-ru-leaders"}


def test_feed_urls_expand_environment_variables_with_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text('feeds:\n  - {id: a, url: "http://127.0.0.1:${PORT_X:-1234}/a.xml"}\n'
                    '  - {id: b, url: "http://127.0.0.1:${PORT_Y:-1}/b.xml", interval_s: 5}\n')
    monkeypatch.setenv("PORT_Y", "9999")
    a, b = load_feeds(path)
    assert a.url == "http://127.0.0.1:1234/a.xml" and a.interval_s == 300
    assert b.url == "http://127.0.0.1:9999/b.xml" and b.interval_s == 5


def test_a_duplicate_feed_id_is_an_error_naming_the_file_and_the_id(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds:\n  - {id: a, url: 'http://x/1'}\n  - {id: a, url: 'http://x/2'}\n")
    with pytest.raises(ConfigFileError, match=r"feeds.yaml: feed id 'a' appears twice"):
        load_feeds(path)


def test_an_invalid_subscription_is_reported_by_its_id(tmp_path: Path) -> None:
    path = tmp_path / "subs.yaml"
    path.write_text("subscriptions:\n  - id: broken\n    name: Broken\n    match: {types: [picnic]}\n"
                    "    deliver: [{kind: log}]\n")
    with pytest.raises(ConfigFileError, match="broken"):
        load_subscriptions(path)


def test_unreadable_yaml_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds: [unclosed\n")
    with pytest.raises(ConfigFileError, match=r"feeds\.yaml"):
        load_feeds(path)
