"""Alerter service: where alerts leave. Matches ``events`` against subscriptions, publishes ``alerts``
and delivers them through the channels in ``sinks/`` (one file per channel).

Matching lives here, not in Elasticsearch, because the embedded server has no percolate query.
"""
