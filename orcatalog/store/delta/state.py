"""What a reader sees at one pair of table versions (:class:`State`), the files it could not read
(:class:`Problem`), model objects checked against their content address (:func:`_verify`), and the
manifest built from the ``snapshots`` files (:func:`_manifest`)."""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...errors import StoreDamageWarning
from ...times import as_utc
from ..identity import id_faults, order_faults, time_of_snapshot_id
from ..timeline import apply_rules
from .schema import MANIFEST_COLUMNS, SNAPSHOTS_SCHEMA


@dataclass
class Problem:
    """A file that cannot be read, and what that makes unreadable."""

    path: str
    reason: str
    snapshot_ids: list[str] = field(default_factory=list)
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None  # a snapshots file: the times it held

    def message(self) -> str:
        what = f"{self.path}: {self.reason}"
        if self.snapshot_ids:
            return f"{what}; affects snapshot(s) {', '.join(self.snapshot_ids[:5])}" + (
                f" and {len(self.snapshot_ids) - 5} more" if len(self.snapshot_ids) > 5 else ""
            )
        if self.window is not None:
            return f"{what}; it held snapshots fetched {self.window[0]} .. {self.window[1]}"
        return what


@dataclass
class Verified:
    """One ``versions`` file's model objects that match their content address, and those that do not."""

    raw: dict[str, str]  # version -> model JSON
    ids: dict[str, str]  # version -> model id
    failed: list[str]  # versions whose JSON here fails its hash


def _verify(t: pa.Table) -> Verified:
    """Check each model object of one ``versions`` file against its content address (SHA-256)."""
    raw: dict[str, str] = {}
    ids: dict[str, str] = {}
    failed = []
    columns = [t.column(c).cast(pa.binary()).to_pylist() for c in ("version", "id", "raw")]  # no UTF-8 check
    for vb, ib, rb in zip(*columns):
        try:  # a flipped byte can make a value invalid UTF-8: that is damage, not a crash
            v, i, r = (None if b is None else b.decode() for b in (vb, ib, rb))
        except UnicodeDecodeError:
            failed.append(vb.decode(errors="replace") if vb is not None else "")
            continue
        if v is None or v in raw:
            continue
        if r is None or hashlib.sha256(rb).hexdigest()[:32] != v:
            failed.append(v)
            continue
        raw[v] = r
        ids[v] = i or ""
    return Verified(raw, ids, failed)


class State:
    """What a reader sees at one pair of table versions.

    The manifest and the verified model objects are read when the state is built. The snapshots'
    version lists (``orders``, the bulk of the ``snapshots`` table) and what they make unreadable
    are read on first use: a writer that adds a new snapshot needs neither, a reader needs both.
    When a ``versions`` file is damaged they are worked out at once (the warning names the
    snapshots it affects).
    """

    def __init__(
        self,
        key: tuple[int, int],
        manifest: pd.DataFrame,
        raw: dict[str, str],
        ids: dict[str, str],
        found: list[Problem],
        read_orders: Callable[[], tuple[pa.ListArray, list[Problem]]],
        where: str,
        root: str,
        files: tuple[list[tuple[str, pa.Table]], np.ndarray, list[str]] | None = None,
    ) -> None:
        self.key = key
        self.manifest = manifest  # time order, one row per snapshot id, timeline rules applied
        self.raw = raw  # version -> model JSON (verified against the version hash)
        self.ids = ids  # version -> model id
        self._found = found  # what building the state found (warned then)
        self._read_orders = read_orders
        self._where, self._root = where, root
        self._orders: pa.ListArray | None = None
        self._problems: list[Problem] = found
        self._unreadable: dict[str, Problem] | None = None
        self._codes: tuple[pa.Array, np.ndarray, np.ndarray] | None = None
        self._postings: tuple[np.ndarray, np.ndarray] | None = None
        self._columns: tuple[pd.Categorical, pd.Categorical, np.ndarray] | None = None
        self._memo: dict[Any, Any] = {}
        # the snapshots files read (in the order ``rows`` counts them), each manifest row's position
        # in them, and the versions files read: what a state built from this one starts from
        self.snapshot_files, self.rows, self.version_files = files or ([], np.zeros(0, dtype=np.int64), [])

    @property
    def times(self) -> pd.DatetimeIndex:
        """Each manifest row's ``fetched_at``, as an index (made once per state)."""
        return self.memo("times", lambda: pd.DatetimeIndex(self.manifest["fetched_at"]))

    def memo(self, key: Any, make: Callable[[], Any]) -> Any:
        """``make()``, made once per state (a state is one version of the tables and never
        changes): what every answer derives from the manifest alike. A caller that modifies what
        it gets (a numpy mask) copies it first."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    @property
    def found(self) -> list[Problem]:
        """What building the state found (files that cannot be read, rows that contradict
        themselves), without reading the version lists (:attr:`problems` reads them)."""
        return self._found

    @property
    def orders(self) -> pa.ListArray:
        """Each manifest row's model versions, in body order."""
        if self._orders is None:
            self.check()
        assert self._orders is not None
        return self._orders

    @property
    def unreadable(self) -> dict[str, Problem]:
        """Snapshot id -> why it cannot be read."""
        if self._unreadable is None:
            self.check()
        assert self._unreadable is not None
        return self._unreadable

    @property
    def problems(self) -> list[Problem]:
        """Every file that cannot be read, and what it makes unreadable."""
        if self._unreadable is None:
            self.check()
        return self._problems

    def codes(self) -> tuple[pa.Array, np.ndarray, np.ndarray]:
        """The orders flattened once: the distinct versions, each entry's index into them, and
        each entry's manifest row (so a query selects entries with numpy, never strings)."""
        if self._codes is None:
            flat = pc.list_flatten(self.orders)
            if not len(flat):
                empty = np.zeros(0, dtype=np.int64)
                self._codes = (pa.array([], pa.string()), empty, empty)
            else:
                encoded = flat.dictionary_encode()
                self._codes = (
                    encoded.dictionary,
                    encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64),
                    pc.list_parent_indices(self.orders).to_numpy().astype(np.int64),
                )
        return self._codes

    def columns(self) -> tuple[pd.Categorical, pd.Categorical, np.ndarray]:
        """The manifest's scope and snapshot id as categoricals and its times as ISO text, made
        once per state (every history() answer takes from them)."""
        if self._columns is None:
            m = self.manifest
            iso = np.datetime_as_string(m["fetched_at"].to_numpy(dtype="datetime64[us]"), unit="us", timezone="UTC")
            self._columns = (pd.Categorical(m["scope"]), pd.Categorical(m["snapshot_id"]), iso)
        return self._columns

    def entries_of(self, versions: np.ndarray) -> np.ndarray:
        """The positions (in flat order) of the order entries naming any of ``versions`` (indices
        into :meth:`codes`' dictionary): an inverted index sorted once per state, so one model's
        rows cost what that model holds, not what the store holds."""
        _, codes, _ = self.codes()
        if self._postings is None:
            by_code = np.argsort(codes, kind="stable")
            starts = np.searchsorted(codes[by_code], np.arange(len(self.codes()[0]) + 1))
            self._postings = (by_code, starts)
        by_code, starts = self._postings
        parts = [by_code[starts[c] : starts[c + 1]] for c in versions.tolist()]
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def check(self, warn: bool = True) -> None:
        """Read the orders and work out which snapshots name a model object no file holds intact."""
        orders, extra = self._read_orders()
        problems = self._found + extra
        unreadable: dict[str, Problem] = {}
        for p in extra:
            unreadable.update(dict.fromkeys(p.snapshot_ids, p))
        manifest = self.manifest
        if len(orders):
            flat = pc.list_flatten(orders)
            parents = pc.list_parent_indices(orders).to_numpy()
            uniques = pc.unique(flat).to_pylist()
            missing = [v for v in uniques if v not in self.raw]
            if missing:
                hit = pc.is_in(flat, value_set=pa.array(missing, pa.string())).to_numpy(zero_copy_only=False)
                bad_rows = np.unique(parents[hit])
                sids = [s for s in manifest["snapshot_id"].to_numpy()[bad_rows].tolist() if s not in unreadable]
            if missing and sids:  # rows already unreadable (their own file, their own row) are not blamed on versions
                damaged = [p for p in problems if p.window is None and not p.snapshot_ids]
                where = damaged[0].path if damaged else self._where
                reason = damaged[0].reason if damaged else "model versions are missing"
                problem = Problem(where, reason, sids)
                problems = [p for p in problems if p.window is not None or p.snapshot_ids] + [problem]
                unreadable.update(dict.fromkeys(sids, problem))
            for p in problems:
                if p.window is None and not p.snapshot_ids and not p.reason.endswith(")"):
                    p.reason += " (no snapshot needs what it held)"
        new = [p for p in problems if p not in self._found]
        self._orders, self._unreadable, self._problems = orders, unreadable, problems
        if warn and new:
            _warn(self._root, new)


#: How a :class:`Problem` starts its reason for a committed data file that is not there.
MISSING = "is missing"


def _forgettable(problem: Problem) -> bool:
    """A missing ``versions`` file that no snapshot needs (every object it held is held again):
    dropping it from the log loses nothing."""
    return (
        problem.reason.startswith(MISSING)
        and problem.window is None
        and not problem.snapshot_ids
        and ("/versions/" in problem.path)
    )


def _warn(root: str, problems: list[Problem]) -> None:
    warnings.warn(
        "orcatalog: the store at " + root + " has unreadable files: " + "; ".join(p.message() for p in problems),
        StoreDamageWarning,
        stacklevel=6,
    )


def _file_stats(dt: Any) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """The fetch-time window each snapshots file held, from the Delta log's file statistics."""
    try:
        actions = pa.table(dt.get_add_actions(flatten=True))
        paths = actions.column("path").to_pylist()
        lows = actions.column("min.fetched_at").to_pylist()
        highs = actions.column("max.fetched_at").to_pylist()
    except (KeyError, pa.ArrowException, TypeError, ValueError):
        return {}
    out = {}
    for p, lo, hi in zip(paths, lows, highs):
        if lo is not None and hi is not None:
            out[p.rsplit("/", 1)[-1]] = (as_utc(lo), as_utc(hi))
    return out


def _window(row: Any) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The times a damaged snapshot row may belong at: its ``fetched_at`` and the time its id
    begins with (which of the two the damage changed cannot be known), as (earliest, latest)."""
    times = [time_of_snapshot_id(str(row["snapshot_id"]))]
    if row["fetched_at"] is not None and not pd.isna(row["fetched_at"]):
        times.append(as_utc(row["fetched_at"]))
    known = [t for t in times if t is not None]
    return (min(known), max(known)) if known else None


def row_problem(path: str, row: Any, faults: list[str]) -> Problem:
    """A ``snapshots`` row that contradicts itself (:func:`orcatalog.store.identity.row_faults`): hidden
    like the rows of a damaged file, its id named, and no answer given across either of its times."""
    reason = (
        f"the row of snapshot {row['snapshot_id']} contradicts itself (its {', '.join(faults)} and the rest of "
        "the row disagree: a damaged byte?)"
    )
    return Problem(path, reason, [str(row["snapshot_id"])], window=_window(row))


#: The manifest columns :func:`orcatalog.store.identity.row_faults` reads.
_ROW_CHECKED = ["snapshot_id", "fetched_at", "content_hash", "n_models", "top_level"]


def list_faults(rows: list[dict[str, Any]], lists: pa.ListArray) -> list[list[str]]:
    """:func:`orcatalog.store.identity.row_faults` of each row with its version list (``lists``, aligned
    with ``rows``), each list hashed from its bytes in the Arrow buffer (no Python string per
    version); a null list is not checked (its file could not be read: already a problem)."""
    lists = lists.cast(SNAPSHOTS_SCHEMA.field("versions").type)
    values = lists.values
    bounds = lists.offsets.to_numpy()
    starts = np.frombuffer(values.buffers()[1], dtype=np.int32)[values.offset : values.offset + len(values) + 1]
    data = values.buffers()[2]
    buffer = memoryview(data) if data is not None else memoryview(b"")
    valid = lists.is_valid().to_numpy(zero_copy_only=False)
    ids = id_faults(rows)  # the id part of every row at once
    out: list[list[str]] = []
    for i, row in enumerate(rows):
        if not valid[i]:
            out.append([])
            continue
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        joined = buffer[int(starts[lo]) : int(starts[hi])] if hi > lo else b""
        out.append(ids[i] + order_faults(row, joined, hi - lo))  # row_faults, with the id part done above
    return out


#: The manifest columns' types, as the ``snapshots`` table declares them.
_TYPES = {f.name: f.type for f in SNAPSHOTS_SCHEMA}


def _manifest_columns(t: pa.Table) -> pa.Table:
    """A ``snapshots`` file's manifest columns (those it has), cast to the declared types (a file
    written by another engine may hold e.g. large strings); as it is when it already has them."""
    names = set(t.column_names)
    t = t.select([c for c in MANIFEST_COLUMNS if c in names])
    if all(f.type == _TYPES[f.name] for f in t.schema):
        return t
    return t.cast(pa.schema([pa.field(f.name, _TYPES[f.name]) for f in t.schema]))


def _manifest(
    files: list[tuple[str, pa.Table]],
    rules: bool = True,
    lists: Callable[[int], pa.ChunkedArray | pa.Array] | None = None,
) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    """The snapshot rows of some files (each file's manifest columns): one per id (a snapshot
    committed twice counts once), in time order, with the timeline rules applied (``rules``);
    each row's position in the files' rows (in the order given); and the rows left out because
    they contradict themselves (:func:`orcatalog.store.identity.row_faults` on the manifest columns: time
    and content hash against the id). Of an id's copies the first (in file order) that is
    consistent is kept; when ``lists`` (file index -> its ``versions`` column) is given, the
    copies of a repeated id are checked with their version lists too (a snapshot whose damaged
    row was written again by an import of its body reads from the new copy)."""
    if not files:
        frame = SNAPSHOTS_SCHEMA.empty_table().drop_columns(["versions"]).to_pandas()
        frame["seq"] = pd.Series([], dtype=np.int32)
        return (apply_rules(frame) if rules else frame), np.zeros(0, dtype=np.int64), []
    same = [_manifest_columns(t) for _, t in files]
    table = pa.concat_tables(same, promote_options="default") if len(same) > 1 else same[0]
    sizes = np.cumsum([len(t) for t in same])
    faults = id_faults(table)  # row_faults without the lists, every row at once: no Python row each
    ids = table.column("snapshot_id")
    sids = ids.to_pylist()

    def checked(at: list[int]) -> list[dict[str, Any]]:
        """The checked columns of some rows, as row_faults and row_problem read them."""
        return table.select(_ROW_CHECKED).take(pa.array(at, pa.int64())).to_pylist()

    repeated: set[str] = set()
    if pc.count_distinct(ids).as_py() < len(ids):
        counts = pd.Series(ids.to_numpy(zero_copy_only=False)).value_counts()
        repeated = set(counts.index[counts.to_numpy() > 1])
    if repeated and lists is not None:  # copies of one id: check them whole, so a damaged copy never wins
        for i in range(len(same)):
            at = [j for j in range(int(sizes[i] - len(same[i])), int(sizes[i])) if sids[j] in repeated]
            if not at or any(faults[j] for j in at):
                continue
            try:
                column = lists(i)
            except (pa.ArrowException, OSError, ValueError):
                continue  # the file's lists cannot be read: the readers' check names it
            offset = int(sizes[i] - len(same[i]))
            chunk = pa.chunked_array(getattr(column, "chunks", [column])).combine_chunks()
            chunk = chunk.take(pa.array([j - offset for j in at], pa.int64()))
            for j, found in zip(at, list_faults(checked(at), chunk)):
                faults[j] = found
    keep = np.flatnonzero(np.array([not f for f in faults], dtype=bool))
    if repeated:
        first = ~pd.Series(ids.to_numpy(zero_copy_only=False)[keep]).duplicated().to_numpy()
        keep = keep[first]  # first consistent copy of each id, in file order
    kept = {sids[j] for j in keep.tolist()}
    problems = []
    for j in np.flatnonzero([bool(f) for f in faults]).tolist():
        if sids[j] not in kept:  # a consistent copy stands in for it: nothing is hidden
            path = files[int(np.searchsorted(sizes, j, side="right"))][0]
            problems.append(row_problem(path, checked([j])[0], faults[j]))
    table = table.take(pa.array(keep, pa.int64()))
    order = pc.sort_indices(table, [("fetched_at", "ascending"), ("snapshot_id", "ascending")]).to_numpy()
    rows = keep[order]
    table = table.take(pa.array(order, pa.int64()))
    frame = table.append_column("seq", pa.array(np.zeros(len(table), dtype=np.int32))).to_pandas(ignore_metadata=True)
    return (apply_rules(frame) if rules else frame), rows, problems
