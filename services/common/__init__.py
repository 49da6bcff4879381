"""Plumbing shared by every service: settings, logging, Kafka, Elasticsearch, schemas, metrics."""
