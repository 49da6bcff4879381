"""Indexer service: where documents are indexed. ``articles.tagged``, ``events`` and ``alerts`` → Elasticsearch.

Consumes with aiokafka and commits offsets itself, only after Elasticsearch accepted the batch.
"""
