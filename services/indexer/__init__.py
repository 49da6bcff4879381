"""Indexer service: where documents are indexed. ``articles.tagged``, ``events``, ``stories``, ``alerts``
and ``alerts.deliveries`` → Elasticsearch.

Consumes with aiokafka and commits offsets itself, only after Elasticsearch accepted the batch.
"""
