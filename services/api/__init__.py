"""The HTTP API: subscriptions (create, change, pause, delete, backtest), their webhook secrets, and the
Server-Sent Events stream of alerts. ``python -m services.api`` or ``attache api`` serves it.

Only ``app.py`` and ``__main__.py`` import FastAPI: the CLI shares ``store``, ``backtest`` and ``tokens``
without paying for the web framework at every start.
"""
