"""Collector service: where articles enter. Polls RSS/Atom feeds and publishes to topic ``articles``.

Flow, one module each: ``fetch`` (HTTP) → ``parse`` (feedparser) → ``normalize`` (article messages)
→ ``store`` (what was already published) → ``service`` (schedule and publish).
"""
