"""One frozen settings object, read from ``ATTACHE_*`` environment variables (12-factor).

Every field is documented in the README's configuration table; keep the two in step.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ATTACHE_", frozen=True, extra="ignore")

    data_dir: Path = Field(Path(".attache"), description="Where embedded servers and service state live.")
    kafka_bootstrap: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers, comma separated.")
    es_url: str = Field("http://127.0.0.1:9200", description="Elasticsearch URL.")
    es_api_key: SecretStr = Field(SecretStr(""), description="Elasticsearch API key (base64 id:key); shown nowhere.")
    es_ca_certs: Path | None = Field(None, description="CA bundle that verifies an https Elasticsearch URL.")
    es_verify_certs: bool = Field(True, description="Check Elasticsearch's TLS certificate (0 only for tests).")
    embedded: bool = Field(True, description="Start noida-db on the configured ports unless something answers.")
    kafka_idempotence: bool = Field(True, description="Idempotent producers; off for brokers without it (Tansu).")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="How every Kafka client connects: TLS (SSL), SASL, both, or neither.")
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "PLAIN"
    kafka_sasl_username: str = ""
    kafka_sasl_password: SecretStr = Field(SecretStr(""), description="Shown nowhere (logs, repr, errors).")
    kafka_ssl_cafile: Path | None = Field(None, description="CA bundle to verify the brokers (system CAs if unset).")
    kafka_ssl_certfile: Path | None = Field(None, description="Client certificate for mutual TLS.")
    kafka_ssl_keyfile: Path | None = Field(None, description="Its private key.")
    kafka_delivery_timeout_s: float = Field(
        30.0, ge=2, description="Longest wait for Kafka to confirm a send, retries included; after it the send's "
        "outcome is unknown and settled by reading the topic back.")
    kafka_max_message_bytes: int = Field(
        1_000_000, ge=128 * 1024, description="Largest record any service sends (every producer's max request "
        "size) or processes (bigger ones are dead-lettered as too_large).")
    max_article_chars: int = Field(100_000, ge=1000, description="Article text (summary + content) kept; "
                                   "longer text is cut and the article marked truncated.")
    feeds_file: Path = Field(PROJECT_ROOT / "deploy" / "feeds.yaml")
    subscriptions_file: Path = Field(PROJECT_ROOT / "deploy" / "subscriptions.yaml")
    topic_prefix: str = Field("attache", description="Prefix of every Kafka topic name.")
    index_prefix: str = Field("attache", description="Prefix of every Elasticsearch index and template.")
    log_format: Literal["auto", "console", "json"] = "auto"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    health_host: str = "127.0.0.1"
    health_details: Literal["loopback", "all", "none"] = Field(
        "loopback", description="Who gets /health's details (feed URLs, errors) and recent titles.")
    health_port: int = Field(8080, description="Port of a service's /health and /metrics endpoint; 0 = off.")
    restart_backoff_s: float = Field(1.0, gt=0, description="`attache run`: pause before restarting a crashed "
                                     "service, doubled at each further restart within ten minutes (at most 60 s).")
    sample_feeds_port: int = Field(8470, description="Port `attache run` serves deploy/sample-feeds on; 0 = off.")
    collector_concurrency: int = Field(20, ge=1)
    collector_per_host: int = Field(4, ge=1, description="Requests at once to one host (politeness).")
    collector_min_interval_s: float = Field(60.0, gt=0, description="Never poll a feed more often.")
    collector_max_interval_s: float = Field(3600.0, gt=0, description="Never poll a feed less often.")
    collector_state_days: float = Field(30.0, ge=1, description="Stories no feed listed for this long are "
                                        "forgotten by the collector's state.")
    fetch_timeout_s: float = Field(20.0, gt=0)
    allow_private_addresses: str = Field(
        "", description="Loopback/private/link-local addresses feed fetches and webhooks may reach anyway: "
        "comma-separated 127.0.0.1:8470, 10.0.0.0/8, [::1]:9000.")
    max_feed_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    tagger_batch_size: int = Field(200, ge=1)
    indexer_batch_size: int = Field(500, ge=1)
    indexer_flush_s: float = Field(1.0, gt=0)
    indexer_max_item_retries: int = Field(10, ge=1, description="Attempts before a document that keeps "
                                          "answering 500 is dead-lettered (index_failed).")
    alerts_file: Path | None = Field(None, description="JSONL file the file alerter appends to.")
    alerts_file_max_bytes: int = Field(100 * 1024 * 1024, ge=1024, description="An alerts file is rotated "
                                       "(.1 … .5 kept) when it would grow past this.")
    knowledge_dir: Path | None = Field(None, description="Leaders/countries JSON to use instead of the bundled one.")
    story_window_days: int = Field(14, ge=1, description="A report joins a story only if published within this "
                                   "many days of the story's reports (event time, not wall clock).")
    story_date_tolerance_days: int = Field(1, ge=0, description="Reports whose resolved happening dates differ "
                                           "by more are different stories; an unknown date agrees with any.")
    story_sources_thresholds: str = Field("5", description="Comma-separated counts of distinct outlets; a story "
                                          "crossing one sends its subscribers an update.")
    alert_max_age_h: float = Field(48.0, gt=0, description="Reports tagged longer ago than this update stories "
                                   "but alert nobody: a replay never floods subscribers.")
    webhook_signing_key: SecretStr = Field(SecretStr(""), description="Deployment key the per-subscription "
                                           "webhook signing secrets are derived from (16+ characters); "
                                           "`attache run` makes one in the data dir when unset.")
    secrets_dir: Path | None = Field(None, description="Directory of named secrets (one file per name, as a "
                                     "Kubernetes Secret volume); ATTACHE_SECRET_<NAME> variables come first.")
    alerts_dir: Path | None = Field(None, description="The only directory `file` channels write to "
                                    "(default <data dir>/alerts).")
    delivery_timeout_s: float = Field(10.0, gt=0, le=60, description="Time limit of one webhook/Slack attempt.")
    delivery_retry_base_s: float = Field(1.0, gt=0, description="First pause before retrying a delivery.")
    delivery_retry_cap_s: float = Field(15.0, gt=0, description="Longest pause between retries of one target.")
    delivery_retry_budget_s: float = Field(900.0, gt=0, description="How long an alert is retried before it is "
                                           "dead-lettered (replay with `attache deadletter replay`).")
    delivery_max_retry_after_s: float = Field(300.0, gt=0, description="Cap on a server's Retry-After.")
    delivery_queue_size: int = Field(1000, ge=1, description="Alerts waiting per target; beyond it they are "
                                     "dead-lettered.")
    smtp_host: str = Field("", description="SMTP server for email channels; empty = email off.")
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: SecretStr = Field(SecretStr(""), description="Shown nowhere.")
    smtp_from: str = "Attaché <attache@localhost>"
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_timeout_s: float = Field(30.0, gt=0)
    api_host: str = Field("127.0.0.1", description="Address the HTTP API (subscriptions, SSE) listens on.")
    api_port: int = Field(8088, ge=0, description="Its port; 0 = `attache run` starts no API.")
    api_tokens_file: Path | None = Field(None, description="Hashed API tokens (default <data dir>/api-tokens.json; "
                                         "`attache api tokens add`).")
    api_open_reads: bool = Field(True, description="Reads without a token from loopback clients.")
    api_max_body_bytes: int = Field(64 * 1024, ge=1024, description="Largest API request body.")

    @field_validator("kafka_bootstrap")
    @classmethod
    def _host_and_port(cls, value: str) -> str:
        for host in value.split(","):
            name, _, port = host.strip().rpartition(":")
            if not name or not port.isdigit():
                raise ValueError(f"{host.strip()!r} is not host:port (e.g. 127.0.0.1:9092)")
        return value

    @field_validator("allow_private_addresses")
    @classmethod
    def _address_list(cls, value: str) -> str:
        from services.common.netguard import AddressPolicy

        AddressPolicy.parse(value)  # raises ValueError naming the bad entry
        return value

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir.expanduser().resolve()

    @field_validator("story_sources_thresholds")
    @classmethod
    def _thresholds(cls, value: str) -> str:
        from services.common.stories import parse_thresholds

        parse_thresholds(value)  # raises ValueError naming the bad entry
        return value

    @property
    def resolved_alerts_dir(self) -> Path:
        return (self.alerts_dir or self.resolved_data_dir / "alerts").expanduser().resolve()

    @property
    def resolved_api_tokens_file(self) -> Path:
        return (self.api_tokens_file or self.resolved_data_dir / "api-tokens.json").expanduser().resolve()

    @property
    def resolved_alerts_file(self) -> Path:
        return (self.alerts_file or self.resolved_data_dir / "alerts.jsonl").expanduser().resolve()

    def topic(self, name: str) -> str:
        """Full topic name for a logical topic name from ``schemas/topics.yaml``."""
        return f"{self.topic_prefix}.{name}"

    def index(self, name: str) -> str:
        return f"{self.index_prefix}-{name}"

    @property
    def kafka_hosts(self) -> list[str]:
        return [h.strip() for h in self.kafka_bootstrap.split(",") if h.strip()]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
