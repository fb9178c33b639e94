"""What makes a store file trustworthy, in one place: a safe name, bytes that match their recorded
SHA-256, and parquet that parses.

Only a hash mismatch is damage (:class:`DamagedFile`, reported, the file left where it is); intact
bytes that the reading library cannot parse are no damage (:func:`unparsable`). Pure functions,
shared by the parquet layout's files (:mod:`.layout`), claims (:mod:`.claims`) and readers.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pyarrow as pa

from ..errors import StoreReadError

__all__ = ["SAFE_NAME", "DamagedFile", "sha256", "unparsable", "parquet_bytes"]

#: What a batch or claim name may hold (it becomes part of a path).
SAFE_NAME = re.compile(r"[0-9A-Za-z_-]+")


class DamagedFile(Exception):
    """Internal: a file failed its content check, or, having no recorded hash, could not be parsed
    (``path``, ``reason``). Intact bytes that cannot be parsed are no damage: :func:`unparsable`."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


def sha256(data: bytes) -> str:
    """Hex SHA-256 of bytes (about 1 ms for a few hundred KB)."""
    return hashlib.sha256(data).hexdigest()


def unparsable(path: str, digest: str | None, exc: Exception) -> Exception:
    """What a parse error of a store file means, in one place: with a recorded hash that matched
    (``digest``), not damage but this library failing on intact bytes (StoreReadError, naming the
    file and the library; nothing is moved); with no hash to check, the file may be damaged
    (DamagedFile, reported by the reader, never moved)."""
    if digest:
        return StoreReadError(
            f"{path}: its bytes match their recorded SHA-256, but pyarrow {pa.__version__} cannot parse them "
            f"({type(exc).__name__}: {exc}); this is not damage and nothing was changed: read the store "
            "with another pyarrow version"
        )
    return DamagedFile(path, f"not a readable parquet file ({type(exc).__name__}: {exc})")


def parquet_bytes(pq: Any, table: pa.Table, **options: Any) -> bytes:
    """A table as zstd-compressed parquet bytes (``options``: passed to ``pq.write_table``)."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", compression_level=9, **options)
    return sink.getvalue().to_pybytes()
