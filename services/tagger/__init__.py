"""Tagger service: reads ``articles``, finds diplomatic events, writes ``articles.tagged`` and ``events``.

``core`` is the pure-Python tagging logic shared with the batch ``attache tag`` command;
``app`` wraps it in a faust stream processor.
"""
