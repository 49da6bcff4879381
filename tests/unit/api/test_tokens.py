"""API tokens: shown once, stored as hashes, re-read when the file changes, compared in constant time."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from services.api.tokens import TokenFileError, TokenStore, add_token, hash_token, load_tokens, revoke_token


def test_a_new_token_is_stored_as_its_hash_only(tmp_path: Path) -> None:
    path = tmp_path / "api-tokens.json"
    token = add_token(path, "korea-desk")
    text = path.read_text()
    assert token.startswith("att_") and len(token) > 40
    assert token not in text
    assert hash_token(token) in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    (stored,) = load_tokens(path)
    assert (stored.name, stored.scopes, stored.can_write) == ("korea-desk", ("read", "write"), True)


def test_a_read_only_token_cannot_write_and_a_name_is_taken_once(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    add_token(path, "reader", read_only=True)
    assert not load_tokens(path)[0].can_write
    with pytest.raises(ValueError, match="exists already"):
        add_token(path, "reader")
    with pytest.raises(ValueError, match="not a token name"):
        add_token(path, "no spaces please")


def test_the_store_sees_added_and_revoked_tokens_without_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    store = TokenStore(path)
    first = add_token(path, "first")
    assert store.authenticate(first).name == "first"  # type: ignore[union-attr]
    second = add_token(path, "second")
    assert store.authenticate(second).name == "second"  # type: ignore[union-attr]
    assert revoke_token(path, "first")
    assert store.authenticate(first) is None
    assert not revoke_token(path, "first")
    assert store.authenticate(second) is not None


def test_wrong_empty_and_oversized_tokens_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    token = add_token(path, "x")
    store = TokenStore(path)
    for presented in ("", token[:-1], token + "a", "att_" + "a" * 5000, token.upper()):
        assert store.authenticate(presented) is None


def test_an_unreadable_tokens_file_refuses_every_token(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    token = add_token(path, "x")
    path.write_text("{not json")
    store = TokenStore(path)
    assert store.authenticate(token) is None
    assert store.error and "not an API tokens file" in store.error
    with pytest.raises(TokenFileError):
        load_tokens(path)
    path.write_text(json.dumps({"tokens": [{"name": "x", "hash": "plaintext-token"}]}))
    with pytest.raises(TokenFileError, match="no SHA-256 hash"):
        load_tokens(path)


def test_a_missing_file_means_no_tokens(tmp_path: Path) -> None:
    assert load_tokens(tmp_path / "none.json") == []
    assert TokenStore(tmp_path / "none.json").authenticate("att_x") is None
