"""The recorded bodies a replay server serves: the packaged sample (:func:`sample_path`), reading
bodies from files, folders, archives or payloads (:func:`load_bodies`), and sorting them by kind
(catalogs; endpoints, providers and activity bodies that answer their own routes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ...frames import bodies
from ...frames.models import body_kind

#: The compact catalog shipped inside the package (made by scripts/derive_test_data.py from a
#: recorded body: every model, id, price, limit and modality kept; descriptions replaced).
SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample"
SAMPLE = SAMPLE_DIR / "models-2026-04-17.json.gz"
#: The compact activity body shipped inside the package (scripts/derive_test_data.py).
SAMPLE_ACTIVITY = SAMPLE_DIR / "activity" / "activity-2026-08-30.json.gz"


def sample_path() -> Path:
    """The packaged sample catalog (346 models recorded on 2026-04-17), for offline use anywhere.

    ``ReplayServer()`` with no source and ``orcatalog --replay sample`` serve it.
    """
    return SAMPLE


@dataclass
class _Body:
    name: str
    raw: bytes
    parsed: dict[str, Any]
    spans: tuple[bytes, list[bytes]] | None = None  # the recorded bytes of data and of each model


def load_bodies(source: str | Path | Mapping[str, Any] | bytes | Sequence[Any]) -> list[tuple[str, bytes]]:
    """Recorded bodies as ``(name, bytes)``, sorted by name for files and folders.

    Args:
        source: a ``.json``/``.json.gz`` file, a tar archive of them, a folder of them, one payload
            (a dict or bytes), or a list of any of these.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(f"no recorded body at {path}")
        found = [(name.rsplit(":", 1)[-1].rsplit("/", 1)[-1], raw) for name, raw in bodies.read_files([path])]
        return sorted(found) if path.is_dir() or bodies.is_archive_name(path.name) else found
    if isinstance(source, bytes):
        return [("payload-0", source)]
    if isinstance(source, Mapping):
        return [("payload-0", orjson.dumps(source))]
    out: list[tuple[str, bytes]] = []
    for i, item in enumerate(source):
        for name, raw in load_bodies(item):
            out.append((name if isinstance(item, (str, Path)) else f"payload-{i}", raw))
    return out


def _kind(name: str, parsed: Any) -> str | None:
    """What a recorded body is (:func:`orcatalog.frames.models.body_kind`, the one rule), or its
    name's word for an empty list (``providers-*``); None for a catalog, an empty list of no
    declared kind, and a payload (a test's deliberately broken body is served as given)."""
    if name.startswith("payload-"):
        return None
    kind = body_kind(parsed)
    if kind is None:
        return "providers" if name.startswith("providers-") else None
    return None if kind[0] == "models" else kind[0]


def _providers_body(found: list[tuple[str, bytes]]) -> bytes | None:
    """The newest recorded ``/providers`` body among ``found`` (by name), or None."""
    bodies_ = sorted((name, raw) for name, raw in found if _kind(name, _parse(name, raw)) == "providers")
    return bodies_[-1][1] if bodies_ else None


def _endpoint_bodies(found: list[tuple[str, bytes]]) -> dict[str, bytes]:
    """Recorded endpoints bodies among ``found`` by model id (the newest recording of each wins)."""
    out: dict[str, bytes] = {}
    for name, raw in sorted(found, key=lambda item: item[0]):
        parsed = _parse(name, raw)
        if _kind(name, parsed) == "endpoints":
            out[parsed["data"]["id"]] = raw
    return out


def _activity_rows(source: Any) -> list[dict[str, Any]]:
    """The rows of an activity body (file or payload); the spec's example when None."""
    if source is None:
        from ..fixtures import spec_activity_body

        return spec_activity_body()["data"]
    found = load_bodies(source)
    if len(found) != 1:
        raise ValueError(f"give one activity body, got {len(found)} in {source!r}")
    data = _parse(*found[0])
    rows = data.get("data") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise ValueError(f"not an activity body (no data list): {source!r}")
    return rows


def _parse(name: str, raw: bytes) -> Any:
    """A recorded body's JSON; payloads (tests' deliberately broken bodies) may be anything."""
    if name.startswith("payload-"):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
    return bodies.parse(name, raw)
