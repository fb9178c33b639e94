"""Bodies in, batch tables out: checking bodies, hashing model versions, building the files of a batch.

Pure work on memory: nothing here lists or writes files (:mod:`.layout` does that).

The snapshot id rule lives here: :func:`snapshot_id` makes an id (its UTC time to the second, then
12 hex digits of its content hash) and :func:`time_of_snapshot_id` reads the time back.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import warnings

import orjson
import pandas as pd
import pyarrow as pa

from ..errors import BodyFileError, InvalidParameterError, OrcatalogWarning, SchemaError, SnapshotConflictError
from ..fetch.params import check_base_url
from ..fetch.params import list_query
from ..frames import bodies
from ..frames.ids import catalog_ids
from ..frames.models import check_body, modalities, models_frame, refuse_empty_catalog
from ..schema import SCHEMA_VERSION
from ..scope import asks_server_default, is_unfiltered, scope_of
from ..times import is_date_only, parse_time, stored_time

__all__ = [
    "snapshot_id",
    "time_of_snapshot_id",
    "Body",
    "make_body",
    "check_whole",
    "read_bodies",
    "Batch",
    "prepare",
    "batch_tables",
    "MANIFEST_SCHEMA",
    "answered_query",
    "refuse_same_time",
    "refuse_not_default",
    "Recorded",
]

#: How a snapshot id begins: the snapshot's time, UTC, to the second.
_ID_TIME = "%Y%m%dT%H%M%SZ"


def snapshot_id(fetched_at: pd.Timestamp, content: str) -> str:
    """The snapshot id rule, in one place: ``<UTC time to the second>-<12 hex digits of the content hash>``.

    Args:
        fetched_at: the snapshot's time (UTC).
        content: the hex content hash of the snapshot (its model versions in order and the body's other keys).
    """
    return f"{fetched_at:{_ID_TIME}}-{content[:12]}"


def time_of_snapshot_id(sid: str) -> pd.Timestamp | None:
    """The UTC time a snapshot id begins with (see :func:`snapshot_id`), or None when it does not."""
    try:
        return pd.to_datetime(sid.split("-", 1)[0], format=_ID_TIME, utc=True)
    except (ValueError, TypeError):
        return None


class Recorded(list[str]):
    """What a write recorded: the snapshot ids it names, in time order (those the store already
    held included: the list itself), ``added``, the ids this write committed (time order), and
    ``again``, those of ``added`` the store held but could not read (a damaged file or row: the
    write recorded them again, the repair data/README gives)."""

    def __init__(self, ids: Iterable[str] = (), added: Iterable[str] = (), again: Iterable[str] = ()) -> None:
        super().__init__(ids)
        self.added: list[str] = list(added)
        self.again: list[str] = [sid for sid in added if sid in set(again)]


@dataclass
class Body:
    """One body to record, with where and when it came from."""

    source: str
    fetched_at: pd.Timestamp
    body: dict[str, Any]
    scope: str
    base_url: str | None
    endpoint: str
    query: dict[str, str]
    key_fingerprint: str | None = None
    time_precision: str = "second"

    def __post_init__(self) -> None:
        self.fetched_at = stored_time(self.fetched_at)  # the store keeps microseconds: the one rule


def utc(value: Any, name: str, *, end: bool = False) -> pd.Timestamp:
    """A time argument of the store (``fetched_at``, ``start``, ``end``) as a UTC ``Timestamp``, by
    the one time rule (:func:`orcatalog.times.parse_time`: ISO 8601 or datetime objects; naive
    means UTC; ambiguous text such as ``05/01/2026`` and numbers are refused); ``end=True``: a
    date-only value is the end of a window, through that day.

    Raises:
        InvalidParameterError: not such a time, naming the accepted forms.
    """
    return parse_time(value, name, end=end)


def given_time(value: Any, name: str = "fetched_at") -> tuple[pd.Timestamp, str]:
    """A fetch time a caller gave (``fetched_at=``, ``--fetched-at``, the times of
    ``import_bodies``) as ``(UTC time, time_precision)``, by the rule file names follow
    (:func:`orcatalog.frames.bodies.dated_name`): a date only (``"2026-01-08"``, a
    ``datetime.date``) is ``"day"`` precision, a fetch at an unknown time of that day recorded at its
    midnight; any other time is ``"second"``.

    Raises:
        InvalidParameterError: not such a time (:func:`utc`).
    """
    return utc(value, name), "day" if is_date_only(value) else "second"


def check_whole(source: str, body: dict[str, Any]) -> list[Any]:
    """The body's ``data`` after the checks every recorded body passes: a models list, string
    ids, no duplicates, and as many models as its ``total_count`` says (a page is not a catalog).

    Raises:
        SchemaError: naming ``source``.
    """
    data = check_body(body, url=source)
    catalog_ids(data, url=source)
    total = body.get("total_count")
    if isinstance(total, int) and not isinstance(total, bool) and total != len(data):
        raise SchemaError(
            f"{source}: total_count says {total} models but the body has {len(data)} "
            "(one page of a paginated list?); nothing was written",
            url=source,
        )
    return data


def answered_base_url(base_url: Any) -> str | None:
    """The API recorded bodies came from, checked by the client's rule
    (:func:`orcatalog.fetch.params.check_base_url`) before anything is read: a URL carrying
    ``user:password@`` is refused, never stored; None is the public API.

    Raises:
        InvalidParameterError: a bad URL (named with its secrets removed).
    """
    return None if base_url is None else check_base_url(base_url)


def answered_query(query: Mapping[str, Any] | None) -> dict[str, str]:
    """The query a recorded body answered, as the API strings the scope rule reads.

    Args:
        query: list filters as ``fetch_models`` takes them (``{"output_modalities": "all"}``,
            ``{"input_modalities": ["image"]}``, ...); None or empty: the unfiltered list.

    Returns:
        Filter name -> API string; ``{}`` for the unfiltered list (no default is added).

    Raises:
        InvalidParameterError: an unknown filter or a bad value (before anything is read).
    """
    return list_query(query or {}, default_all=False)


def make_body(
    source: str,
    body: Any,
    when: pd.Timestamp,
    base_url: str | None,
    precision: str = "second",
    query: Mapping[str, str] | None = None,
) -> Body:
    """A checked body of the ``/models`` list of ``base_url`` (default the public API) that answered
    ``query`` (API strings from :func:`answered_query`; none: the unfiltered list), in its scope
    (:func:`orcatalog.scope.scope_of`).

    Raises:
        SchemaError: as :func:`check_whole`, or an unfiltered body lists no models (an unfiltered
            catalog is never empty: a failed fetch saved as a file; a filtered list may be empty).
    """
    query = dict(query or {})
    data = check_whole(source, body)
    if is_unfiltered("/models", query):
        refuse_empty_catalog(data, source=source)
    return Body(
        source=source,
        fetched_at=when,
        body=body,
        scope=scope_of(base_url, "/models", query),
        base_url=base_url,
        endpoint="/models",
        query=query,
        time_precision=precision,
    )


def read_bodies(
    files: list[Path],
    when: tuple[pd.Timestamp, str] | None,
    base_url: str | None,
    progress: bool | None,
    query: Mapping[str, str] | None = None,
) -> Iterator[Body]:
    """Checked bodies from files and archives (through :func:`orcatalog.frames.bodies.read_files`),
    dated by ``when`` (a time and its precision, :func:`given_time`) or by their names (a bare date
    is a day-precision time), answering ``query``.

    Raises:
        InvalidParameterError: a body has no time. SchemaError, BodyFileError, FileNotFoundError.
    """
    for name, data in bodies.read_files(show_progress(files, "reading", progress)):
        if when is not None:
            warn_if_name_disagrees(name, when[0])
        dated = when if when is not None else bodies.dated_name(name)
        if dated is None:
            check_whole(name, bodies.parse(name, data))  # a file that is no catalog says so first
            raise InvalidParameterError(
                f"{name}: no fetch time. Name the file with its UTC time (models-2026-01-03T231610Z.json) "
                "or pass fetched_at="
            )
        yield make_body(name, bodies.parse(name, data), dated[0], base_url, dated[1], query)


def warn_if_name_disagrees(name: str, when: pd.Timestamp) -> None:
    """The fetch time given wins over the time in a body file's name (a name often holds a commit
    or download date, only a bound on the fetch), but not in silence: an
    :class:`~orcatalog.errors.OrcatalogWarning` names both when they differ (a given time within the
    named day, or equal to the named second, agrees). A name whose time cannot be told is the
    reason to give one: no warning."""
    try:
        named = bodies.dated_name(name)
    except BodyFileError:
        return
    if named is None:
        return
    at, precision = named
    if at == when or (precision == "day" and at.normalize() == when.tz_convert("UTC").normalize()):
        return
    shown = f"{at:%Y-%m-%d}" if precision == "day" else at.isoformat()
    warnings.warn(
        f"orcatalog: {name}: recorded at the fetch time given, {when.isoformat()}, not at the {precision} "
        f"its name says, {shown}",
        OrcatalogWarning,
        stacklevel=4,
    )


def _without_text_output(data: list[Any]) -> list[tuple[str, list[Any]]]:
    """(id, output modalities) of the models of a body whose output modalities are known and lack ``text``."""
    out = []
    for model in data:
        architecture = model.get("architecture") if isinstance(model, dict) else None
        both = modalities(architecture) if isinstance(architecture, dict) else None
        outputs = both[1] if both else None
        # only well-formed lists are evidence; a malformed one is the contract check's to refuse
        if isinstance(outputs, list) and all(isinstance(o, str) for o in outputs) and "text" not in outputs:
            out.append((str(model.get("id")), outputs))
    return out


#: How far after the clock a recorded fetch time may be: clock skew between the machine that
#: fetched a body and the one importing it. A later time is no fetch that happened.
FUTURE_TOLERANCE = pd.Timedelta("15min")


def refuse_future(items: list[Body], now: Any = None) -> None:
    """Refuse bodies dated after the clock (beyond :data:`FUTURE_TOLERANCE`): a snapshot "fetched"
    in 2030 would become the store's latest and answer every later question, so it is refused
    before anything is written (a typo in ``fetched_at`` or a file name, or a wrong time zone).

    Args:
        items: the checked bodies about to be recorded.
        now: the current time (anything :func:`orcatalog.times.parse_time` reads; default the
            clock, tests inject it).

    Raises:
        InvalidParameterError: naming each such body, its time and the clock's.
    """
    now_at = pd.Timestamp.now(tz="UTC") if now is None else parse_time(now, "now")
    late = [b for b in items if b.fetched_at > now_at + FUTURE_TOLERANCE]
    if late:
        shown = ", ".join(f"{b.source} at {b.fetched_at:%Y-%m-%d %H:%M} UTC" for b in late[:5])
        more = f" and {len(late) - 5} more" if len(late) > 5 else ""
        raise InvalidParameterError(
            f"fetch time in the future: {shown}{more}, but it is {now_at:%Y-%m-%d %H:%M} UTC now; "
            "a snapshot is recorded at the time it was fetched (UTC): check fetched_at= or the file "
            "name; nothing was written"
        )


def refuse_not_default(items: list[Body]) -> None:
    """The evidence rule of an import that declares no output modalities: such a body is recorded as
    the server's default list, which lists only models with text output
    (:func:`orcatalog.scope.asks_server_default`), so a body holding a model whose
    ``architecture.output_modalities`` lacks ``text`` (an image, video, speech, embedding or rerank
    model) cannot be it: most likely it answered ``output_modalities=all``. Checked before anything
    is written; bodies without output modalities (before 2025) give no evidence and pass.

    Args:
        items: the checked bodies about to be recorded.

    Raises:
        InvalidParameterError: naming the files (or bodies), one such model, and the way out
            (``query={"output_modalities": "all"}``, ``--output-modalities all``); nothing was written.
    """
    found = []
    for item in items:
        if asks_server_default(item.endpoint, item.query):
            odd = _without_text_output(item.body["data"])
            if odd:
                found.append((item.source, odd))
    if not found:
        return
    sources = ", ".join(source for source, _ in found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
    source, odd = found[0]
    example = f"{odd[0][0]} outputs {'+'.join(map(str, odd[0][1])) or 'nothing'}"
    raise InvalidParameterError(
        f"{sources}: {'holds' if len(found) == 1 else 'hold'} models without text output ({len(odd)} in {source}, "
        f"e.g. {example}), so {'it is' if len(found) == 1 else 'they are'} not the server's default (text-output) "
        "list that an import without output_modalities records; nothing was written. "
        "If it is the whole catalog, import it with output_modalities=all (or the modalities it answered)"
    )


def refuse_same_time(rows: list[dict[str, Any]], manifest: pd.DataFrame | None) -> None:
    """The one-body-per-time rule: a scope holds one body per fetch time. A second body of the same
    scope and time with other content (e.g. two lists of one day that answered different filters,
    both imported without their query) is refused before anything is written; the same body again is
    a no-op (its snapshot id is the same), unless it comes as another scope: a snapshot is recorded
    once, with one scope, so the same body at the same time declared with another query is refused
    too, naming the snapshot and its scope.

    Args:
        rows: the manifest rows about to be written (``snapshot_id``, ``fetched_at``, ``scope``,
            ``source``).
        manifest: the store's manifest (same columns; None or empty for a new store).

    Raises:
        SnapshotConflictError: naming both bodies' sources and the way out (the query they answered).
    """
    seen: dict[tuple[str, pd.Timestamp], tuple[str, str]] = {}
    held: dict[str, tuple[str, str]] = {}  # snapshot id -> (scope, source)
    if manifest is not None and len(manifest):
        times = {pd.Timestamp(r["fetched_at"]) for r in rows}
        old = manifest[pd.to_datetime(manifest["fetched_at"], utc=True).isin(times)]
        for sid, when, scope, source in zip(old["snapshot_id"], old["fetched_at"], old["scope"], old["source"]):
            seen[(str(scope), pd.Timestamp(when))] = (str(sid), str(source))
            held[str(sid)] = (str(scope), str(source))
    for r in rows:
        was = held.get(str(r["snapshot_id"]))
        if was is not None and was[0] != str(r["scope"]):
            raise SnapshotConflictError(
                f"{r['source']} is the body {was[1]} recorded as snapshot {r['snapshot_id']} of scope {was[0]!r}; "
                f"the store holds a snapshot once, so it cannot also be scope {r['scope']!r}; nothing was written. "
                "To record it with another query, import it into a new store"
            )
        key = (str(r["scope"]), pd.Timestamp(r["fetched_at"]))
        other = seen.get(key)
        if other is not None and other[0] != r["snapshot_id"]:
            raise SnapshotConflictError(
                f"{r['source']} and {other[1]} are two different bodies of scope {key[0]!r} at the same time "
                f"{key[1]:%Y-%m-%d %H:%M:%S} UTC (snapshots {r['snapshot_id']} and {other[0]}); nothing was written. "
                "If they answered different queries, import each with its own (e.g. --output-modalities all for the "
                "whole catalog; no option means the server's default, text-output list)"
            )
        seen.setdefault(key, (str(r["snapshot_id"]), str(r["source"])))


def version_of(model: dict[str, Any]) -> tuple[str, bytes]:
    """A model object's version hash (SHA-256 prefix of its JSON) and that JSON."""
    raw = orjson.dumps(model)
    return hashlib.sha256(raw).hexdigest()[:32], raw


def content_hash(order: list[str] | bytes | memoryview, top_level: str) -> str:
    """A snapshot's content hash: SHA-256 (hex) over its top-level JSON, then its version hashes in
    body order. ``order`` is the list of version hashes, or their UTF-8 bytes already concatenated
    (as a reader finds them in an Arrow string buffer: the same hash, without a Python string each)."""
    digest = hashlib.sha256(top_level.encode())
    digest.update(order if isinstance(order, (bytes, memoryview)) else "".join(order).encode())
    return digest.hexdigest()


def row_faults(row: Mapping[str, Any], order: list[str] | bytes | memoryview | None, length: int | None) -> list[str]:
    """What a stored snapshot row says that its own redundant parts contradict (empty when it is
    consistent): the one check of a ``snapshots`` row, by the writer's read-back and by every reader.

    A row carries three things twice: its time (``fetched_at``, and the start of ``snapshot_id``, to
    the second), its content hash (``content_hash``, the end of ``snapshot_id``, and the hash
    recomputed from ``top_level`` and the version list) and its size (``n_models``, the length of the
    version list). A flipped byte that still decodes changes one copy only.

    Args:
        row: the row's ``snapshot_id``, ``fetched_at`` (a UTC time), ``content_hash``, ``n_models``, ``top_level``.
        order: its version list (or the list's concatenated bytes, see :func:`content_hash`); None
            checks the other columns only (a reader that has not read the lists yet).
        length: how many versions ``order`` holds (None with ``order``).

    Returns:
        The names of the disagreeing parts, e.g. ``["fetched_at"]``, ``["n_models"]``.
    """
    faults = []
    sid, chash = str(row["snapshot_id"]), str(row["content_hash"])
    when = pd.Timestamp(row["fetched_at"]) if row["fetched_at"] is not None else None
    if when is None or when.tzinfo is None or not sid.startswith(f"{when.tz_convert('UTC'):{_ID_TIME}}-"):
        faults.append("fetched_at")
    if not sid.endswith(f"-{chash[:12]}") or len(chash) != 64:
        faults.append("content_hash")
    if order is not None:
        if length is None or pd.isna(row["n_models"]) or int(row["n_models"]) != length:
            faults.append("n_models")
        if row["top_level"] is None or content_hash(order, str(row["top_level"])) != chash:
            faults.append("the content hash of what was read")
    return faults


@dataclass
class Batch:
    """What one write adds: manifest rows, each snapshot's order, and versions not known before."""

    ids: list[str]  # every item's snapshot id, in time order
    rows: list[dict[str, Any]]
    orders: list[list[str]]
    new_versions: dict[str, tuple[str, bytes]]


def prepare(items: list[Body], known: set[str], version: str, progress: bool | None) -> Batch:
    """Hash the bodies into a batch (each snapshot once), leaving out versions ``known`` to be stored."""
    items = sorted(items, key=lambda b: b.fetched_at)
    out = Batch([], [], [], {})
    seen_ids: set[str] = set()
    for item in show_progress(items, "hashing", progress):
        order = []
        for m in item.body["data"]:
            try:
                v, raw = version_of(m)
            except orjson.JSONEncodeError as exc:  # nested past orjson's limit: the contract names the field
                models_frame([m], url=item.source, unique=False)
                raise SchemaError(
                    f"{item.source}: model {m.get('id')!r} cannot be stored ({exc})", url=item.source
                ) from None
            order.append(v)
            if v not in known and v not in out.new_versions:
                out.new_versions[v] = (m["id"], raw)
        top_json = orjson.dumps({k: val for k, val in item.body.items() if k != "data"}).decode()
        chash = content_hash(order, top_json)
        sid = snapshot_id(item.fetched_at, chash)
        out.ids.append(sid)
        if sid in seen_ids:
            continue  # the same body at the same time, twice in one call
        seen_ids.add(sid)
        out.rows.append(
            {
                "snapshot_id": sid,
                "fetched_at": item.fetched_at,
                "scope": item.scope,
                "base_url": item.base_url,
                "endpoint": item.endpoint,
                "query": json.dumps(item.query, sort_keys=True),
                "key_fingerprint": item.key_fingerprint,
                "n_models": len(order),
                "time_precision": item.time_precision,
                "content_hash": chash,
                "top_level": top_json,
                "source": item.source,
                "schema_version": SCHEMA_VERSION,
                "orcatalog_version": version,
            }
        )
        out.orders.append(order)
    return out


def spans(orders: list[list[str]]) -> tuple[list[str], list[int], list[int]]:
    """Runs of consecutive snapshots (by position in ``orders``) that hold each version."""
    open_runs: dict[str, int] = {}
    versions: list[str] = []
    firsts: list[int] = []
    lasts: list[int] = []
    previous: set[str] = set()
    for seq, order in enumerate(orders):
        current = set(order)
        for v in previous - current:
            versions.append(v)
            firsts.append(open_runs.pop(v))
            lasts.append(seq - 1)
        for v in current - previous:
            open_runs[v] = seq
        previous = current
    for v, first in open_runs.items():
        versions.append(v)
        firsts.append(first)
        lasts.append(len(orders) - 1)
    return versions, firsts, lasts


def versions_table(fresh: dict[str, tuple[str, bytes]]) -> pa.Table:
    """New model versions: hash, id, raw JSON, and the contract columns (for readers without orcatalog)."""
    items = sorted(fresh.items(), key=lambda kv: (kv[1][0], kv[0]))
    if not items:  # every model of the batch was already stored
        return pa.table(
            {"version": pa.array([], pa.string()), "id": pa.array([], pa.string()), "raw": pa.array([], pa.string())}
        )
    models = [orjson.loads(raw) for _, (_, raw) in items]
    frame = models_frame(models, unique=False)
    frame.insert(0, "raw", [raw.decode() for _, (_, raw) in items])
    frame.insert(0, "version", [v for v, _ in items])
    frame = frame.drop(columns=["description"])  # kept in raw; the largest text, repeated per version
    # no pandas metadata: readers get plain Arrow types (pandas cannot rebuild list dtypes from it)
    return pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)


MANIFEST_SCHEMA = pa.schema(
    [
        ("snapshot_id", pa.string()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
        ("seq", pa.int32()),
        ("batch", pa.string()),
        ("scope", pa.string()),
        ("base_url", pa.string()),
        ("endpoint", pa.string()),
        ("query", pa.string()),
        ("key_fingerprint", pa.string()),
        ("n_models", pa.int64()),
        ("time_precision", pa.string()),
        ("content_hash", pa.string()),
        ("top_level", pa.string()),
        ("source", pa.string()),
        ("schema_version", pa.int64()),
        ("orcatalog_version", pa.string()),
    ]
)


def batch_tables(
    batch: str, rows: list[dict[str, Any]], orders: list[list[str]], versions: dict[str, tuple[str, bytes]] | pa.Table
) -> tuple[dict[str, pa.Table], pa.Table]:
    """The data tables (versions, spans, orders) and the manifest table of a batch.

    Args:
        rows: manifest rows in time order; ``orders`` the matching model orders.
        versions: new versions (hash -> (id, raw JSON)); only those the batch references are kept.
            A ready table (a compaction's merged versions) is used as it is.
    """
    sids = [r["snapshot_id"] for r in rows]
    span_versions, firsts, lasts = spans(orders)
    if not isinstance(versions, pa.Table):
        referenced = set(span_versions)
        versions = versions_table({v: versions[v] for v in versions if v in referenced})
    data = {
        "versions": versions,
        "spans": pa.table(
            {
                "version": pa.array(span_versions, pa.string()),
                "first_seq": pa.array(firsts, pa.int32()),
                "last_seq": pa.array(lasts, pa.int32()),
                "first_snapshot_id": pa.array([sids[i] for i in firsts], pa.string()),
                "last_snapshot_id": pa.array([sids[i] for i in lasts], pa.string()),
            }
        ),
        "orders": pa.table(
            {
                "snapshot_id": pa.array(sids, pa.string()),
                "seq": pa.array(range(len(sids)), pa.int32()),
                "versions": pa.array(orders, pa.list_(pa.string())),
            }
        ),
    }
    records = [
        {
            **{c: _plain(r.get(c)) for c in MANIFEST_SCHEMA.names},
            "seq": seq,
            "batch": batch,
            "fetched_at": pd.Timestamp(r["fetched_at"]).tz_convert("UTC").to_pydatetime(),
        }
        for seq, r in enumerate(rows)
    ]
    return data, pa.Table.from_pylist(records, schema=MANIFEST_SCHEMA)


def _plain(value: Any) -> Any:
    """A manifest cell as Arrow takes it: pandas' missing values (NaN, None, NA) become None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def show_progress(items: Iterable[Any], desc: str, show: bool | None) -> Iterable[Any]:
    """``items`` with a progress bar (default: only on a terminal or in a notebook)."""
    from ..progress import progress

    return progress(items, desc=desc, show=show)
