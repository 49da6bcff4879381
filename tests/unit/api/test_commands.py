"""``attache subscriptions`` and ``attache api token`` without servers: arguments to subscriptions, errors
with a caret under the query, readable output, token management, and what happens when Kafka is not there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from services.api.commands import (
    InputError,
    backtest_report,
    caret,
    changes_from_args,
    describe_error,
    load_file,
    show,
    subscription_from_args,
    table,
    token_command,
)
from services.api.tokens import hash_token, load_tokens
from services.cli import build_parser
from services.common.processes import free_port
from services.common.settings import Settings
from services.common.subscriptions import SubscriptionError, normalize

ATTACHE = str(Path(sys.executable).with_name("attache"))


def parse(*argv: str):  # type: ignore[no-untyped-def]
    return build_parser().parse_args(list(argv))


def test_add_flags_make_a_subscription_that_normalize_accepts() -> None:
    args = parse("subscriptions", "add", "--id", "kp", "--query", "type:leader_meeting AND countries:KP", "--log",
                 "--file", "--file", "kp.jsonl", "--webhook", "https://hooks.example.org/a", "--webhook-ref", "partner",
                 "--slack-ref", "slack-desk", "--email", "a@example.org", "--email", "b@example.org")
    body = subscription_from_args(args)
    assert body["name"] == "kp"  # the id when no name is given
    assert body["channels"] == [
        {"kind": "log"}, {"kind": "file"}, {"kind": "file", "path": "kp.jsonl"},
        {"kind": "webhook", "url": "https://hooks.example.org/a"}, {"kind": "webhook", "url_ref": "partner"},
        {"kind": "slack", "url_ref": "slack-desk"}, {"kind": "email", "to": ["a@example.org", "b@example.org"]}]
    assert normalize(body, owner="cli")["owner"] == "cli"


def test_a_file_gives_the_subscription_and_flags_override_it(tmp_path: Path) -> None:
    path = tmp_path / "sub.yaml"
    path.write_text("id: kp\nname: From the file\nquery: type:summit\nchannels:\n  - kind: log\n")
    body = subscription_from_args(parse("subscriptions", "add", "--from-file", str(path), "--name", "Flag"))
    assert body == {"id": "kp", "name": "Flag", "query": "type:summit", "channels": [{"kind": "log"}]}
    (tmp_path / "sub.json").write_text(orjson.dumps({"subscriptions": [body]}).decode())
    assert load_file(str(tmp_path / "sub.json")) == body


@pytest.mark.parametrize(("text", "words"), [("id: [unclosed", "not YAML or JSON at line 1"), ("- a\n- b", "does not "
                                             "hold a subscription"), ("subscriptions: [{}, {}]", "one per file")])
def test_a_file_that_is_no_subscription_is_refused_saying_why(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=words):
        load_file(str(path))
    with pytest.raises(InputError, match="cannot read"):
        load_file(str(tmp_path / "missing.yaml"))


def test_update_flags_are_the_changes_only() -> None:
    assert changes_from_args(parse("subscriptions", "update", "kp", "--name", "New", "--throttle", "30")) == {
        "name": "New", "throttle": {"per_minute": 30.0}}
    assert changes_from_args(parse("subscriptions", "update", "kp", "--throttle", "0")) == {"throttle": None}
    assert changes_from_args(parse("subscriptions", "update", "kp", "--email", "a@example.org")) == {
        "channels": [{"kind": "email", "to": ["a@example.org"]}]}


def test_a_refused_query_is_shown_with_a_caret_under_the_position() -> None:
    query = "type:leader_meeting AND countrys:KP"
    with pytest.raises(SubscriptionError) as caught:
        normalize({"id": "kp", "name": "kp", "query": query, "channels": [{"kind": "log"}]})
    text = describe_error("add", caught.value, query)
    first, line, mark = text.splitlines()
    assert first.startswith("attache subscriptions add: query: At position 24:") and "countries" in first
    assert line == "  " + query
    assert mark == "  " + " " * 24 + "^"


def test_the_caret_follows_the_line_of_a_multi_line_query() -> None:
    assert caret("type:summit\nAND countrys:KP", 16) == "  AND countrys:KP\n      ^"
    assert caret("a\tb", 2) == "  a b\n    ^"


def test_lists_and_details_are_readable_and_carry_no_control_characters() -> None:
    sub = normalize({"id": "kp", "name": "KP \u001b[2J meetings", "query": "type:summit", "owner": "cli",
                     "channels": [{"kind": "webhook", "url": "https://hooks.example.org/x?token=abc"},
                                  {"kind": "slack", "url_ref": "desk"}], "throttle": {"per_minute": 5, "burst": 2}})
    listing = table([sub])
    assert listing.splitlines()[0].split() == ["ID", "STATUS", "OWNER", "CHANNELS", "QUERY"]
    assert "kp  active  cli" in listing.replace("   ", "  ") or "kp" in listing.splitlines()[1]
    detail = show(sub)
    assert "\u001b" not in detail
    assert "token=***" in detail and "abc" not in detail  # query values of a webhook URL are masked
    assert "5 a minute per target, bursts of 2" in detail
    assert table([]) == "no subscriptions"


def test_a_backtest_report_reads_as_stories() -> None:
    story = {"story_id": "s1", "type": "leader_meeting", "countries": ["KP", "RU"],
             "leaders": ["Kim Jong Un", "Vladimir Putin"], "modality": "occurred",
             "modality_history": [{"modality": "potential"}, {"modality": "occurred"}], "sources_count": 3,
             "articles_count": 4, "first_seen": "2025-03-01T10:00:00Z", "last_seen": "2025-03-04T10:00:00Z",
             "title": "Kim and Putin met", "url": "https://a.example/1", "sentence": "They met."}
    text = backtest_report({"query": "type:leader_meeting", "events_matched": 4, "events_scanned": 4, "since": "30d",
                            "from": "2025-02-04T00:00:00Z", "stories_count": 1, "capped": False, "note": None,
                            "stories": [story]})
    assert "4 events matched since 2025-02-04T00:00:00Z (30d): 1 story" in text
    assert "(potential → occurred)" in text and "3 sources, 4 reports" in text and "“They met.”" in text


def test_token_commands_add_list_and_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(data_dir=tmp_path)

    def run(*argv: str) -> tuple[int, str, str]:
        code = token_command(settings, parse("api", *argv))
        out, err = capsys.readouterr()
        return code, out, err

    code, out, err = run("token", "add", "ops", "--read-only")
    token = out.strip()
    assert code == 0 and token.startswith("att_") and "shown only this once" in err
    (stored,) = load_tokens(tmp_path / "api-tokens.json")
    assert stored.scopes == ("read",) and token not in (tmp_path / "api-tokens.json").read_text()
    assert run("token", "add", "ops")[0] == 1
    assert run("token", "add", "not a name")[0] == 2
    code, out, _ = run("tokens", "list", "--json")
    assert orjson.loads(out)["name"] == "ops" and token not in out
    assert run("token", "revoke", "ops")[0] == 0 and load_tokens(tmp_path / "api-tokens.json") == []
    assert run("token", "revoke", "ops")[0] == 1


def test_attache_api_token_add_prints_the_token_once(tmp_path: Path) -> None:
    done = subprocess.run([ATTACHE, "api", "token", "add", "ops"], env={"ATTACHE_DATA_DIR": str(tmp_path), "PATH": ""},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert load_tokens(tmp_path / "api-tokens.json")[0].hash == hash_token(done.stdout.strip())


def test_without_kafka_or_elasticsearch_the_commands_say_so_and_exit_3(tmp_path: Path) -> None:
    env = {"ATTACHE_DATA_DIR": str(tmp_path), "PATH": "", "ATTACHE_KAFKA_BOOTSTRAP": f"127.0.0.1:{free_port()}",
           "ATTACHE_ES_URL": f"http://127.0.0.1:{free_port()}"}
    for argv, words in ((["subscriptions", "list"], "cannot read the subscriptions topic"),
                        (["subscriptions", "test", "type:summit"], "cannot reach Elasticsearch at http://127.0.0.1:")):
        done = subprocess.run([ATTACHE, *argv], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 3, done.stderr
        assert words in done.stderr and "Traceback" not in done.stderr
        assert done.stdout == ""


def test_a_refused_query_exits_2_before_anything_is_contacted(tmp_path: Path) -> None:
    env = {"ATTACHE_DATA_DIR": str(tmp_path), "PATH": "", "ATTACHE_ES_URL": f"http://127.0.0.1:{free_port()}"}
    done = subprocess.run([ATTACHE, "subscriptions", "test", "type:leader_meeting AND countrys:KP"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == "  " + " " * 24 + "^"
