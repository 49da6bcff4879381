from __future__ import annotations

from pathlib import Path

import pytest

from services.common.settings import Settings


def test_defaults_match_the_documented_embedded_set_up(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ATTACHE_KAFKA_BOOTSTRAP", "ATTACHE_ES_URL", "ATTACHE_EMBEDDED", "ATTACHE_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.kafka_bootstrap == "127.0.0.1:9092"
    assert settings.es_url == "http://127.0.0.1:9200"
    assert settings.embedded is True
    assert settings.data_dir.name == ".attache"


def test_environment_variables_override_and_settings_are_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATTACHE_EMBEDDED", "0")
    monkeypatch.setenv("ATTACHE_KAFKA_BOOTSTRAP", "k1:9092, k2:9092")
    settings = Settings()
    assert settings.embedded is False
    assert settings.kafka_hosts == ["k1:9092", "k2:9092"]
    assert settings.topic("events") == "attache.events" and settings.index("events") == "attache-events"
    with pytest.raises(ValueError):
        settings.es_url = "http://elsewhere:9200"  # type: ignore[misc]


def test_every_setting_is_documented_in_the_readme() -> None:
    from services.common.settings import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text()
    for name in Settings.model_fields:
        assert f"ATTACHE_{name.upper()}" in readme, f"ATTACHE_{name.upper()} missing from README"


def test_elasticsearch_clients_get_the_api_key_and_tls_trust_from_settings(tmp_path: Path) -> None:
    from services.common.elastic import client_options, make_es

    ca = tmp_path / "ca.crt"
    settings = Settings(es_url="https://es.example.org:9200", es_api_key="aWQ6a2V5", es_ca_certs=ca)
    options = client_options(settings)
    assert options["api_key"] == "aWQ6a2V5" and options["ca_certs"] == str(ca) and "verify_certs" not in options
    assert "aWQ6a2V5" not in repr(settings)
    assert client_options(Settings(es_verify_certs=False))["verify_certs"] is False
    assert "api_key" not in client_options(Settings())
    make_es(Settings(es_url="https://es.example.org:9200", es_api_key="aWQ6a2V5")).close()  # accepted by the client
