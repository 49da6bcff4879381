"""``python -m services.feedlab --feeds 2000 --port 8471``: serve generated feeds until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from services.feedlab.server import FeedLab, serve


async def main_async(feeds: int, host: str, port: int) -> None:
    runner = await serve(FeedLab(feeds), host, port)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m services.feedlab", description=__doc__)
    parser.add_argument("--feeds", type=int, default=2000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8471)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main_async(args.feeds, args.host, args.port))


if __name__ == "__main__":
    main()
