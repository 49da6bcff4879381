"""API bearer tokens, stored as SHA-256 hashes in one JSON file (``ATTACHE_API_TOKENS_FILE``).

A token is shown once, when ``attache api token add NAME`` makes it; the file keeps only its hash, so a
copy of the file (a backup, a support bundle) lets nobody in. The API re-reads the file when it changes
(a new inode, modification time or size), so adding or revoking a token needs no restart. Tokens are long random
strings, so one unsalted SHA-256 is enough: there is nothing to guess from a hash.

File format::

    {"tokens": [{"name": "korea-desk", "hash": "<sha256 hex>", "created_at": "…Z", "scopes": ["read", "write"]}]}

A token's name is who it is: it becomes the ``owner`` of the subscriptions it creates.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from services.common.logging import get_logger

log = get_logger(__name__)

TOKEN_PREFIX = "att_"
MAX_TOKEN_CHARS = 256  # what a client presents; longer is no token of ours, refused before hashing
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
READ, WRITE = "read", "write"


class TokenFileError(Exception):
    """The tokens file cannot be read or written; names the file and why (never a token)."""


@dataclass(frozen=True)
class Token:
    name: str
    hash: str
    created_at: str
    scopes: tuple[str, ...]

    @property
    def can_write(self) -> bool:
        return WRITE in self.scopes

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "hash": self.hash, "created_at": self.created_at, "scopes": list(self.scopes)}

    def describe(self) -> dict[str, Any]:
        """What ``token list`` shows: no hash (it is no secret, but nobody needs it)."""
        return {"name": self.name, "created_at": self.created_at, "scopes": list(self.scopes)}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", errors="surrogatepass")).hexdigest()


def new_token() -> str:
    """256 random bits, URL-safe, with a prefix that secret scanners can recognise."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise ValueError(f"{name[:80]!r} is not a token name (letters, digits, '_', '.', '-'; at most 64, "
                         "starting with a letter or digit)")
    return name


def load_tokens(path: Path) -> list[Token]:
    """The tokens in ``path`` (none when it does not exist); ``TokenFileError`` when it is not a tokens file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise TokenFileError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = orjson.loads(raw)
        entries = data["tokens"]
        tokens = [Token(str(e["name"]), str(e["hash"]), str(e.get("created_at", "")),
                        tuple(s for s in e.get("scopes", [READ]) if s in (READ, WRITE))) for e in entries]
    except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise TokenFileError(f"{path} is not an API tokens file ({type(exc).__name__}): fix or remove it, "
                             "then add tokens again with `attache api token add NAME`") from None
    for token in tokens:
        if not re.fullmatch(r"[0-9a-f]{64}", token.hash):
            raise TokenFileError(f"{path}: token {token.name!r} has no SHA-256 hash")
    return tokens


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One writer at a time (two `token add` at once must not lose one of the tokens)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(path.name + ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _save(path: Path, tokens: list[Token]) -> None:
    """Atomically, readable by the owner only."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(orjson.dumps({"tokens": [t.to_dict() for t in tokens]}, option=orjson.OPT_INDENT_2) + b"\n")
    os.replace(tmp, path)


def add_token(path: Path, name: str, *, read_only: bool = False) -> str:
    """Make a token, store its hash, return the token (the only time anyone sees it)."""
    check_name(name)
    with _locked(path):
        tokens = load_tokens(path)
        if any(t.name == name for t in tokens):
            raise ValueError(f"a token named {name!r} exists already (revoke it first to replace it)")
        token = new_token()
        created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        scopes = (READ,) if read_only else (READ, WRITE)
        _save(path, [*tokens, Token(name, hash_token(token), created, scopes)])
    return token


def revoke_token(path: Path, name: str) -> bool:
    """Remove the token named ``name``; False when there is none."""
    with _locked(path):
        tokens = load_tokens(path)
        kept = [t for t in tokens if t.name != name]
        if len(kept) == len(tokens):
            return False
        _save(path, kept)
    return True


class TokenStore:
    """The API's view of the tokens file, re-read whenever the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._tokens: list[Token] = []
        self.error: str | None = None

    def _refresh(self) -> None:
        try:
            stat = self.path.stat()
            # a save replaces the file, so a new inode says "changed" even within one clock tick
            stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = (0, 0, -1)
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            self._tokens = load_tokens(self.path)
            self.error = None
        except TokenFileError as exc:  # fail closed: no token is valid until the file is fixed
            self._tokens = []
            self.error = str(exc)
            log.error("API tokens file unreadable; every token is refused", error=self.error)

    @property
    def tokens(self) -> list[Token]:
        self._refresh()
        return list(self._tokens)

    def authenticate(self, presented: str) -> Token | None:
        """The token ``presented`` is, or None. Every stored hash is compared, in constant time, so the
        answer's timing says nothing about which hashes exist or how much of one matched."""
        self._refresh()
        if not presented or len(presented) > MAX_TOKEN_CHARS:
            return None
        digest = hash_token(presented)
        found = None
        for token in self._tokens:
            if hmac.compare_digest(digest, token.hash):
                found = token
        return found
