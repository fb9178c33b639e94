#!/usr/bin/env python3
"""Derive the repository's compact test data from the recorded API bodies in ``../shared``.

    python scripts/derive_test_data.py [SOURCE]      # SOURCE: ../shared/data/openrouter by default

Every body keeps its ids, prices, limits, modalities, dates, field order, layout (indented or
compact, trailing newline) and every oddity the tests rely on; only prose (``description``) is
replaced by a short placeholder, which is what makes the set small. The recorded files are only
read. Output (deterministic: gzip and tar carry no time stamps), committed to the repository:

- ``tests/data/openrouter/``: the dated bodies, the hourly ``.tar.xz`` and the endpoints bodies,
  under the recorded names, so the same tests run on either set (bodies without prose, such as
  the recorded counts, have nothing to compact and are left out); subfolders too, so
  ``catalogs-2026-06-08/`` gives clones without ``../shared`` the newest schema (``image_output``,
  ``audio_output``, overrides, image- and audio-output models) that the pricing-rule tests need
  beside the spec-shaped fixture of ``tests/modalities.py``;
- ``orcatalog/testing/sample/``: the newest catalog, the package's offline sample
  (``orcatalog --replay sample``, ``ReplayServer()``), its endpoint bodies and the newest
  providers body.

Activity bodies (``activity/``, a key's ``GET /activity``) have no prose either: every row, date,
model, provider, token count and USD amount is kept, in the recorded order and key order; only the
opaque ``endpoint_id`` UUIDs become short stable ids (``ep-`` and 8 hex digits of their SHA-256, checked
one-to-one), so rows of one endpoint still share an id. Written to both outputs (the sample's is what
``ReplayServer()`` serves at ``/activity``).

Providers bodies have no prose; they are compacted by keeping a third of the providers (every
third in the API's order) plus those whose oddities the tests rely on (:data:`PROVIDER_ODDITIES`),
in the recorded order and layout.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import sys
import tarfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO.parent / "shared" / "data" / "openrouter"
TESTS_OUT = REPO / "tests" / "data" / "openrouter"
SAMPLE_OUT = REPO / "orcatalog" / "testing" / "sample"
SAMPLE_BODY = "models-2026-04-17.json.gz"
PLACEHOLDER = "(description omitted in the compact test data)"
PROSE_FIELDS = ("description",)
#: Providers kept in every compact providers body: slug != name, all-null URLs, plain http://,
#: a fake provider, the provider added in May 2026, the swapped ModelRun/Modular URLs.
PROVIDER_ODDITIES = frozenset(
    {
        "mancer",
        "google-vertex",
        "stealth",
        "poolside",
        "fake-provider",
        "crucible",
        "modelrun",
        "modular",
        "amazon-bedrock",
        "azure",
        "openai",
        "anthropic",
    }
)


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (PLACEHOLDER if k in PROSE_FIELDS and isinstance(v, str) else _strip(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def compact_body(raw: bytes) -> bytes:
    """The body with its prose replaced, in the recorded layout (indent and final newline)."""
    value = json.loads(raw)
    indented = raw.lstrip().startswith(b"{\n")
    text = json.dumps(
        _strip(value),
        ensure_ascii=False,
        indent=2 if indented else None,
        separators=(",", ": ") if indented else (",", ":"),
    )
    out = text.encode() + (b"\n" if raw.endswith(b"\n") else b"")
    if hashlib.sha256(out).digest() == hashlib.sha256(raw).digest():
        raise ValueError("no prose to replace: the derived body would be the recorded one")
    return out


def compact_providers(raw: bytes) -> bytes:
    """A providers body cut to every third provider plus :data:`PROVIDER_ODDITIES`, same layout."""
    value = json.loads(raw)
    value["data"] = [p for i, p in enumerate(value["data"]) if i % 3 == 0 or p.get("slug") in PROVIDER_ODDITIES]
    indented = raw.lstrip().startswith(b"{\n")
    text = json.dumps(
        value, ensure_ascii=indented, indent=2 if indented else None, separators=(",", ": ") if indented else (",", ":")
    )
    return text.encode() + (b"\n" if raw.endswith(b"\n") else b"")


def compact_activity(raw: bytes) -> bytes:
    """An activity body with its endpoint UUIDs shortened (one-to-one), everything else as recorded."""
    value = json.loads(raw)
    short: dict[str, str] = {}
    for row in value["data"]:
        if isinstance(row.get("endpoint_id"), str):
            row["endpoint_id"] = short.setdefault(
                row["endpoint_id"], "ep-" + hashlib.sha256(row["endpoint_id"].encode()).hexdigest()[:8]
            )
    if len(set(short.values())) != len(short):
        raise ValueError("two endpoint ids shortened to one: lengthen the short ids")
    indented = raw.lstrip().startswith(b"{\n")
    text = json.dumps(
        value, ensure_ascii=False, indent=2 if indented else None, separators=(",", ": ") if indented else (",", ":")
    )
    out = text.encode() + (b"\n" if raw.endswith(b"\n") else b"")
    if out == raw:
        raise ValueError("nothing to compact: the derived body would be the recorded one")
    return out


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _derive_archive(src: Path, dst: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(src) as tar_in, tarfile.open(fileobj=buf, mode="w:xz", preset=9) as tar_out:
        for member in tar_in:  # archive order kept: readers rely on reading it once, forward
            info = tarfile.TarInfo(member.name)
            info.type, info.mode, info.mtime = member.type, member.mode, 0
            if member.isfile():
                data = tar_in.extractfile(member).read()  # type: ignore[union-attr]
                if member.name.endswith(".json"):
                    data = compact_body(data)
                info.size = len(data)
                tar_out.addfile(info, io.BytesIO(data))
            else:
                tar_out.addfile(info)
    _write(dst, buf.getvalue())


def derive(source: Path = SOURCE) -> int:
    """Write the compact set from ``source``; returns its total size in bytes."""
    if not source.is_dir():
        raise SystemExit(f"no recorded bodies at {source}")
    for out in (TESTS_OUT, SAMPLE_OUT):
        if out.exists():
            shutil.rmtree(out)
    for src in sorted(source.rglob("*")):
        rel = src.relative_to(source)
        if src.name.startswith("activity-") and src.name.endswith(".json.gz"):
            body = _gzip(compact_activity(gzip.decompress(src.read_bytes())))
            _write(TESTS_OUT / rel, body)
            _write(SAMPLE_OUT / rel, body)
        elif src.name.endswith(".json.gz") and not src.name.startswith(("models-count-", "providers-")):
            body = _gzip(compact_body(gzip.decompress(src.read_bytes())))
            _write(TESTS_OUT / rel, body)
            if rel.name == SAMPLE_BODY or rel.parts[0] == "endpoints" and rel.name.startswith("endpoints-"):
                _write(SAMPLE_OUT / rel, body)
        elif src.name.startswith("providers-") and src.name.endswith(".json.gz"):
            body = _gzip(compact_providers(gzip.decompress(src.read_bytes())))
            _write(TESTS_OUT / rel, body)
            newest = sorted(source.rglob("providers-*.json.gz"))[-1]
            if src == newest:
                _write(SAMPLE_OUT / rel, body)
        elif src.name.endswith(".tar.xz"):
            _derive_archive(src, TESTS_OUT / rel)
    (TESTS_OUT / "README.md").write_text(
        "Compact copies of the recorded bodies in ../shared/data/openrouter (see PROVENANCE.md there),\n"
        "made by scripts/derive_test_data.py: same names, ids, prices, limits, modalities, dates and\n"
        "layout; descriptions replaced by a placeholder. Regenerate, never edit by hand.\n",
        encoding="utf-8",
    )
    return sum(p.stat().st_size for out in (TESTS_OUT, SAMPLE_OUT) for p in out.rglob("*") if p.is_file())


if __name__ == "__main__":
    size = derive(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE)
    print(f"wrote {TESTS_OUT.relative_to(REPO)} and {SAMPLE_OUT.relative_to(REPO)}: {size / 1024:.0f} KiB")
