"""Kafka TLS and SASL settings reach every client: kafka-python (collector, admin), aiokafka (indexer,
setup, readers) and faust (tagger, alerter)."""

from __future__ import annotations

import ssl
from typing import Any

import certifi
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from services.common import kafka
from services.common.settings import Settings
from services.common.streams import make_app

SECURE = {"kafka_security_protocol": "SASL_SSL", "kafka_sasl_mechanism": "SCRAM-SHA-512",
          "kafka_sasl_username": "attache", "kafka_sasl_password": "Kafka-S3cret",
          "kafka_ssl_cafile": certifi.where()}


def test_the_password_is_not_shown_with_the_settings() -> None:
    settings = Settings(**SECURE)
    assert "Kafka-S3cret" not in repr(settings) and "Kafka-S3cret" not in str(settings.model_dump())


async def test_aiokafka_producers_and_consumers_get_tls_and_sasl() -> None:
    settings = Settings(**SECURE)
    producer = AIOKafkaProducer(**kafka.aiokafka_producer_options(settings))
    consumer = AIOKafkaConsumer(**kafka.aiokafka_consumer_options(settings), group_id=None)
    for client in (producer.client, consumer._client):
        assert client._security_protocol == "SASL_SSL"
        assert client._sasl_mechanism == "SCRAM-SHA-512"
        assert client._sasl_plain_username == "attache" and client._sasl_plain_password == "Kafka-S3cret"
        assert isinstance(client._ssl_context, ssl.SSLContext)
    await consumer.stop()


def test_the_faust_services_get_tls_and_sasl(tmp_path: Any) -> None:
    app = make_app(Settings(**SECURE, data_dir=tmp_path), "test")
    auth = app.producer._settings_auth()
    assert auth["security_protocol"] == "SASL_SSL" and auth["sasl_mechanism"] == "SCRAM-SHA-512"
    assert auth["sasl_plain_username"] == "attache" and auth["sasl_plain_password"] == "Kafka-S3cret"
    assert isinstance(auth["ssl_context"], ssl.SSLContext)


def test_kafka_python_clients_get_tls_and_sasl(monkeypatch: pytest.MonkeyPatch) -> None:
    made: dict[str, dict[str, Any]] = {}

    def record(name: str) -> Any:
        return lambda **options: made.setdefault(name, options)

    monkeypatch.setattr(kafka, "KafkaProducer", record("producer"))
    kafka.make_producer(Settings(**SECURE), "test")
    options = made["producer"]
    assert options["security_protocol"] == "SASL_SSL" and options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "attache" and options["sasl_plain_password"] == "Kafka-S3cret"
    assert options["ssl_cafile"] == certifi.where()


def test_plaintext_stays_the_default() -> None:
    assert kafka.kafka_python_security(Settings()) == {"security_protocol": "PLAINTEXT"}
