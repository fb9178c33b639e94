"""The secret scan: an API key must not appear, in any encoding, in anything the library writes."""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from urllib.parse import quote, quote_plus

PREFIX = "sk-or-v1-"


def secret_forms(key: str) -> list[bytes]:
    """The key as text, URL-encoded, without its prefix, and base64-encoded at every byte alignment
    (inside ``Bearer KEY`` or Basic auth's ``user:KEY``), standard and URL-safe alphabets."""
    raw = key.encode()
    forms = {raw, quote(key, safe="").encode(), quote_plus(key).encode(), raw[len(PREFIX) :], PREFIX.encode()}
    for pad in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            enc = encode(b"x" * pad + raw)
            forms.add(enc[4 if pad else 0 : -4])  # the characters that depend on the key bytes alone
    return sorted(forms)


def assert_no_secret(blob: bytes | str, *keys: str, where: str = "") -> None:
    """Fail naming ``where`` and the form found when any key (or the ``sk-or-v1-`` prefix) is in ``blob``."""
    data = blob.encode("utf-8", "replace") if isinstance(blob, str) else bytes(blob)
    for key in keys:
        for form in secret_forms(key):
            assert form not in data, f"secret form {form[:12]!r}... found in {where or 'text'}"
    assert PREFIX.encode() not in data, f"key prefix found in {where or 'text'}"


def assert_no_secret_in_files(roots: list[Path], *keys: str) -> int:
    """Scan every file under ``roots`` (files or folders, e.g. a cache's -wal/-shm too); returns how many."""
    files = [p for root in roots for p in ([root] if root.is_file() else sorted(root.rglob("*"))) if p.is_file()]
    for path in files:
        assert_no_secret(path.read_bytes(), *keys, where=str(path))
    return len(files)


def assert_no_secret_in_cache(folder: Path, *keys: str, while_open: bool = False) -> int:
    """Scan every file of an HTTP cache folder: the database and its SQLite ``-wal`` and ``-shm``
    files (which hold recent writes until a checkpoint) and anything moved aside. With
    ``while_open`` (a session still open on it), the ``-wal`` and ``-shm`` files must be there, so
    the scan really covers them. Returns how many files were scanned."""
    names = {p.name for p in folder.iterdir() if p.is_file()}
    if while_open:
        missing = {f"http_cache.sqlite{s}" for s in ("", "-wal", "-shm")} - names
        assert not missing, f"the open cache lacks {sorted(missing)}: the scan would miss them"
    return assert_no_secret_in_files([folder], *keys)


def assert_no_secret_in_logs(records: list[logging.LogRecord], text: str, *keys: str) -> None:
    """Scan captured logs (capture at DEBUG, every logger): the formatted text, and each record's
    message, arguments and exception text."""
    assert_no_secret(text, *keys, where="captured log text")
    for record in records:
        parts = [record.getMessage(), repr(record.args), record.exc_text or ""]
        assert_no_secret("\n".join(parts), *keys, where=f"log record of {record.name}")
