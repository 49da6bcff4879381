"""Countries and leaders come from the tagger's knowledge base files, read as data and cached."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from services.common.query.vocabulary import DEFAULT_KNOWLEDGE_DIR, Unresolved, build_vocabulary, load_vocabulary


def test_the_vocabulary_is_the_tagger_knowledge_base() -> None:
    vocabulary = load_vocabulary()
    project = Path(__file__).resolve().parents[4]
    assert project / "services" / "tagger" / "data" == DEFAULT_KNOWLEDGE_DIR
    assert "KP" in vocabulary.countries
    assert vocabulary.leaders["Vladimir Putin"].country == "RU"
    assert vocabulary.leaders["Vladimir Putin"].current


def test_loading_is_cached_per_directory() -> None:
    assert load_vocabulary() is load_vocabulary()
    assert load_vocabulary(DEFAULT_KNOWLEDGE_DIR) is load_vocabulary()


def test_the_query_package_reads_the_knowledge_base_without_importing_the_tagger() -> None:
    code = ("import sys; from services.common.query import parse_query; parse_query('leaders:Putin');"
            " print(any(m == 'services.tagger' or m.startswith('services.tagger.') for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[4])
    assert result.stdout.strip() == "False"


def test_another_knowledge_directory_can_be_used() -> None:
    vocabulary = build_vocabulary(
        [{"code": "ZZ", "name": "Zedland", "names": ["Zedland", "Republic of Zed"]}],
        [{"name": "Ada Zed", "country": "ZZ", "surname": "Zed", "aliases": ["President Zed"], "roles": []}],
    )
    assert vocabulary.resolve_country("republic of zed") == "ZZ"
    assert vocabulary.resolve_leader("president zed") == "Ada Zed"
    with pytest.raises(Unresolved):
        vocabulary.resolve_country("KP")
