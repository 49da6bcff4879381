"""Attaché: streaming news monitoring for leader meetings and diplomatic events.

Each sub-package is one service (collector → tagger → indexer / alerter); ``common`` holds the
plumbing they share; ``runner`` supervises them for ``attache run``; ``cli`` is the ``attache`` command.
"""

__version__ = "0.1.0"
