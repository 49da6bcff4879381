from __future__ import annotations

from services.common.redact import redact, redact_text


def test_credentials_and_query_values_are_masked_wherever_a_url_appears() -> None:
    assert redact_text("http://elastic:pw@es:9200") == "http://***@es:9200"
    assert redact_text("https://TOKEN@feeds.example.org/rss") == "https://***@feeds.example.org/rss"
    assert redact_text("GET https://x.org/rss?k=s3cr3t&page=2#top failed") == \
        "GET https://x.org/rss?k=***&page=***#top failed"
    assert redact_text("ConnectionError('http://u:p@127.0.0.1:1/_search?q=a')") == \
        "ConnectionError('http://***@127.0.0.1:1/_search?q=***')"
    assert redact_text("https://x.org/rss?opaquetoken") == "https://x.org/rss?***"
    assert redact_text("no url here: user:pw@host") == "no url here: user:pw@host"


def test_structures_are_redacted_deeply_and_other_values_kept() -> None:
    report = {"feeds": {"a": {"url": "https://x.org/?t=1", "polls": 3}}, "recent": [{"u": "http://a:b@c/"}]}
    assert redact(report) == {"feeds": {"a": {"url": "https://x.org/?t=***", "polls": 3}},
                              "recent": [{"u": "http://***@c/"}]}
