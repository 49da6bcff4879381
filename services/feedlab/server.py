"""Generated feeds over real HTTP, so the collector is tested and measured against a server, not a mock.

Routes (``n`` is a feed number, ``0 <= n < feeds``):
  /feeds/{n}.xml         a feed in one of four formats (by ``n % 4``: RSS 2.0, Atom, RSS 1.0/RDF, RSS 0.91)
                         with ETag and Last-Modified honoured (304), gzip when asked for
  /moved/{n}.xml         301 to /feeds/{n}.xml          /found/{n}.xml   302 to /feeds/{n}.xml
  /slow/{n}.xml?s=SEC    the feed after SEC seconds      /status/{code}   that HTTP status
  /bad/{kind}            html, empty, truncated, entity-bomb, latin1, binary, huge (50 MB), gzip-bomb
Feeds ``2m`` and ``2m+1`` are two feeds of one outlet and share their stories (cross-feed duplicates).
``publish(n)`` adds a story to a feed; nothing changes otherwise, so a second poll is all 304s.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import gzip
import zlib
from email.utils import format_datetime
from xml.sax.saxutils import escape

from aiohttp import web

BASE_TIME = dt.datetime(2024, 5, 1, 6, 0, tzinfo=dt.UTC)
HUGE_BYTES = 50 * 1024 * 1024
SENTENCES = (
    "President {a} met Prime Minister {b} in {city} on Tuesday for talks on trade and security.",
    "Officials said the two leaders could meet again later this year, though no date was set.",
    "The foreign ministry summoned the ambassador to protest against the remarks.",
    "Markets were little changed as investors awaited inflation data from the central bank.",
    "The national team won its qualifier after a late penalty in front of a full stadium.",
    "Rain is expected across the north of the country for the rest of the week.",
)
NAMES = (("Joe Biden", "Fumio Kishida", "Washington"), ("Emmanuel Macron", "Narendra Modi", "Paris"),
         ("Luiz Inácio Lula da Silva", "Pedro Sánchez", "Brasilia"), ("Cyril Ramaphosa", "Keir Starmer", "London"))


class FeedLab:
    def __init__(self, feeds: int, items_per_feed: int = 20) -> None:
        self.feeds = feeds
        self.items_per_feed = items_per_feed
        self.revisions = [0] * feeds  # per outlet pair: how many extra stories were published
        self.requests: dict[int, int] = {}
        self._cache: dict[tuple[int, int, bool], bytes] = {}

    def publish(self, n: int, stories: int = 1) -> None:
        """New stories on feed ``n`` and its sibling (same outlet)."""
        outlet = n // 2
        for sibling in (2 * outlet, 2 * outlet + 1):
            if sibling < self.feeds:
                self.revisions[sibling] += stories

    # -- content -------------------------------------------------------------------------
    def story(self, outlet: int, number: int) -> dict[str, str]:
        a, b, city = NAMES[(outlet + number) % len(NAMES)]
        text = " ".join(SENTENCES[(number + k) % len(SENTENCES)].format(a=a, b=b, city=city) for k in range(4))
        published = BASE_TIME + dt.timedelta(hours=number, minutes=outlet % 60)
        return {"title": f"Outlet {outlet} story {number}: {a} and {b}", "text": text,
                "link": f"https://outlet{outlet}.example.org/news/{number}?utm_source=feed{outlet}",
                "published": format_datetime(published), "iso": published.isoformat().replace("+00:00", "Z")}

    def body(self, n: int) -> bytes:
        outlet, revision = n // 2, self.revisions[n]
        newest = self.items_per_feed + revision
        stories = [self.story(outlet, k) for k in range(newest - 1, newest - 1 - self.items_per_feed, -1)]
        kind = n % 4
        if kind == 1:
            entries = "".join(
                f"<entry><title>{escape(s['title'])}</title><link href=\"{escape(s['link'])}\"/>"
                f"<id>{escape(s['link'])}</id><updated>{s['iso']}</updated>"
                f"<summary>{escape(s['text'])}</summary><author><name>Desk {outlet}</name></author></entry>"
                for s in stories)
            xml = (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                   f"<title>Outlet {outlet} (Atom)</title><id>urn:outlet:{n}</id><updated>{stories[0]['iso']}</updated>"
                   f'<link rel="hub" href="https://hub.example.org/"/>{entries}</feed>')
        elif kind == 2:
            items = "".join(
                f'<item rdf:about="{escape(s["link"])}"><title>{escape(s["title"])}</title>'
                f"<link>{escape(s['link'])}</link><description>{escape(s['text'])}</description>"
                f"<dc:date>{s['iso']}</dc:date></item>" for s in stories)
            xml = ('<?xml version="1.0" encoding="utf-8"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
                   ' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
                   f'<channel rdf:about="urn:outlet:{n}"><title>Outlet {outlet} (RDF)</title>'
                   f"<link>https://outlet{outlet}.example.org/</link><description>RSS 1.0</description></channel>"
                   f"{items}</rdf:RDF>")
        else:
            version = "0.91" if kind == 3 else "2.0"
            items = "".join(
                f"<item><title>{escape(s['title'])}</title><link>{escape(s['link'])}</link>"
                f"<description>{escape(s['text'])}</description><pubDate>{s['published']}</pubDate></item>"
                for s in stories)
            xml = (f'<?xml version="1.0" encoding="utf-8"?><rss version="{version}"><channel>'
                   f"<title>Outlet {outlet} (RSS {version})</title><link>https://outlet{outlet}.example.org/</link>"
                   f"<description>Generated</description><language>en</language>{items}</channel></rss>")
        return xml.encode("utf-8")

    # -- HTTP ----------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/feeds/{n}.xml", self._feed)
        app.router.add_get("/moved/{n}.xml", self._redirect(301))
        app.router.add_get("/found/{n}.xml", self._redirect(302))
        app.router.add_get("/slow/{n}.xml", self._slow)
        app.router.add_get("/status/{code}", self._status)
        app.router.add_get("/bad/{kind}", self._bad)
        return app

    def _number(self, request: web.Request) -> int:
        n = int(request.match_info["n"])
        if not 0 <= n < self.feeds:
            raise web.HTTPNotFound(text=f"no feed {n}")
        return n

    async def _feed(self, request: web.Request) -> web.StreamResponse:
        n = self._number(request)
        self.requests[n] = self.requests.get(n, 0) + 1
        revision = self.revisions[n]
        etag = f'"{n}-{revision}"'
        modified = format_datetime(BASE_TIME + dt.timedelta(hours=revision), usegmt=True)
        headers = {"ETag": etag, "Last-Modified": modified, "Content-Type": "application/xml; charset=utf-8"}
        if request.headers.get("If-None-Match") == etag or (
            "If-None-Match" not in request.headers and request.headers.get("If-Modified-Since") == modified
        ):
            return web.Response(status=304, headers={"ETag": etag, "Last-Modified": modified})
        gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
        key = (n, revision, gzipped)
        if key not in self._cache:
            body = self.body(n)
            self._cache[key] = gzip.compress(body, compresslevel=5) if gzipped else body
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        return web.Response(body=self._cache[key], headers=headers)

    def _redirect(self, status: int):  # type: ignore[no-untyped-def]
        async def handler(request: web.Request) -> web.StreamResponse:
            n = self._number(request)
            raise (web.HTTPMovedPermanently if status == 301 else web.HTTPFound)(location=f"/feeds/{n}.xml")
        return handler

    async def _slow(self, request: web.Request) -> web.StreamResponse:
        try:
            seconds = float(request.query.get("s", "30"))
        except ValueError as exc:
            raise web.HTTPBadRequest(text="s must be a number of seconds") from exc
        await asyncio.sleep(seconds)
        return await self._feed(request)

    async def _status(self, request: web.Request) -> web.StreamResponse:
        code = request.match_info["code"]
        if not code.isdigit() or not 200 <= int(code) <= 599:
            raise web.HTTPBadRequest(text="status must be an HTTP status code")
        return web.Response(status=int(code), text="generated error")

    async def _bad(self, request: web.Request) -> web.StreamResponse:
        kind = request.match_info["kind"]
        if kind == "html":
            return web.Response(text="<!doctype html><html><body><h1>Subscribe!</h1></body></html>",
                                content_type="text/html")
        if kind == "empty":
            return web.Response(body=b"", content_type="application/rss+xml")
        if kind == "truncated":
            return web.Response(body=self.body(0)[:700], content_type="application/rss+xml")
        if kind == "entity-bomb":
            lol = '<!ENTITY a "aaaaaaaaaa">' + "".join(
                f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
            bomb = (f'<?xml version="1.0"?><!DOCTYPE rss [{lol}]><rss version="2.0"><channel><title>&j;</title>'
                    "<item><title>Bomb</title><link>https://bomb.example.org/1</link></item></channel></rss>")
            return web.Response(text=bomb, content_type="application/rss+xml")
        if kind == "latin1":  # declared UTF-8, sent as Latin-1
            body = self.body(0).decode().replace("Outlet 0", "Élysée café Outlet 0").encode("latin-1", "replace")
            return web.Response(body=body, headers={"Content-Type": "application/rss+xml; charset=utf-8"})
        if kind == "binary":
            return web.Response(body=bytes(range(256)) * 64, content_type="application/octet-stream")
        if kind == "huge":
            response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
            await response.prepare(request)
            chunk = b"<!-- padding -->" * 4096
            with contextlib.suppress(ConnectionError):  # the client hangs up once over its limit
                for _ in range(HUGE_BYTES // len(chunk)):
                    await response.write(chunk)
            return response
        if kind == "gzip-bomb":  # 100 KB on the wire, 100 MB once inflated
            return web.Response(body=_gzip_bomb(),
                                headers={"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"})
        raise web.HTTPNotFound(text=f"no bad kind {kind}")


@functools.cache
def _gzip_bomb(inflated: int = 100 * 1024 * 1024) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * (1024 * 1024)
    parts = [compressor.compress(zeros) for _ in range(inflated // len(zeros))]
    return b"".join(parts) + compressor.flush()


async def serve(lab: FeedLab, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(lab.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
