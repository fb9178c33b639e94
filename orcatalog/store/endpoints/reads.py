"""Reading the endpoint tables: a snapshot's body (``raw``), ``endpoint_history`` (files and row
groups chosen by their statistics) and the providers history."""

from __future__ import annotations

import hashlib
import logging
import warnings
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from ...errors import (
    InvalidParameterError,
    StoreDamageWarning,
    SnapshotNotFoundError,
    StoreDamagedError,
)
from ...frames.providers import providers_frame
from ..faults import delta_failures, map_delta
from ...schema import is_price_column
from .schema import _UTC, ROW_COLUMNS, ROWS_SCHEMA, STAT_COLUMNS, partition_groups, partitions_of
from .split import _join
from .tables import EndpointTables, table_dataset

logger = logging.getLogger("orcatalog.store")


class EndpointReads(EndpointTables):
    """The reads of :class:`~orcatalog.store.endpoints.EndpointStore`."""

    # -- reading ---------------------------------------------------------------------------

    def _snapshot_row(self, snapshot_id: str) -> dict[str, Any]:
        t = self._read("endpoint_snapshots")
        if t is not None:
            hit = t.filter(pc.equal(t.column("snapshot_id"), snapshot_id))
            if len(hit):
                return hit.slice(0, 1).to_pylist()[0]  # type: ignore[no-any-return]
        raise SnapshotNotFoundError(f"no endpoints or providers snapshot {snapshot_id!r} in {self.layout.root}")

    def raw(self, snapshot_id: str) -> dict[str, Any]:
        """The body of a snapshot, JSON-equal to the one received (its SHA-256 checked).

        Raises:
            SnapshotNotFoundError; StoreDamagedError (an object or row is missing or damaged).
        """
        row = self._snapshot_row(snapshot_id)
        objects = self._objects("endpoint_objects")
        if row["top"] not in objects:
            raise StoreDamagedError(f"snapshot {snapshot_id}: its body object {row['top']} is missing or damaged")
        body = orjson.loads(objects[row["top"]])
        if row["kind"] == "providers":
            provs = self._objects("providers")
            lost = [k for k in row["items"] if k not in provs]
            if lost:
                raise StoreDamagedError(f"snapshot {snapshot_id}: provider objects {lost[:3]} are missing or damaged")
            body["data"] = [orjson.loads(provs[k]) for k in row["items"]]
        else:
            templates = [orjson.loads(objects[k]) if k in objects else None for k in row["items"]]
            got = self._snapshot_rows(row, _models_of(row, templates))
            if row["items"] and (got is None or not len(got)):  # the write never committed its rows
                raise SnapshotNotFoundError(f"no endpoints snapshot {snapshot_id!r} in {self.layout.root}")
            by_pos: dict[int, dict[str, float]] = {}
            if got is not None:
                for rec in got.to_pylist():
                    by_pos.setdefault(rec["position"], rec)
            endpoints = []
            for pos, template in enumerate(templates):
                if template is None or pos not in by_pos:
                    raise StoreDamagedError(f"snapshot {snapshot_id}: endpoint #{pos} is missing or damaged")
                endpoints.append(_join(template, by_pos[pos]))
            if isinstance(body.get("data"), dict):
                body["data"]["endpoints"] = endpoints
            else:
                body["data"] = endpoints
        if hashlib.sha256(orjson.dumps(body)).hexdigest()[:32] != row["content_hash"]:
            raise StoreDamagedError(f"snapshot {snapshot_id} does not read back equal to its body (damaged store)")
        return body  # type: ignore[no-any-return]

    def _snapshot_rows(self, row: dict[str, Any], models: list[str] | None) -> pa.Table | None:
        """The ``endpoints`` rows (position and statistics) of one endpoints snapshot, read only
        from the files whose Delta log statistics can hold them: its month and its year (where
        ``compact()`` folds it), its time, and, when ``models`` names the models its rows can
        hold, their range (a folded year keeps a model in a file or two; its files' times all span
        the year). Says at DEBUG level how many files it reads of the table's.

        Raises:
            StoreDamagedError: a data file cannot be read.
        """
        dt = self.layout.table("endpoints")
        if dt is None:
            return None
        when = row["fetched_at"]
        months = partitions_of(when)
        predicate: list[tuple[str, str, Any]] = [("month", "in", months), ("fetched_at", "=", when)]
        if models:
            predicate.append(("model_id", "in", models))
        filt = ds.field("month").isin(months) & (ds.field("scope") == row["scope"])
        filt = filt & (ds.field("fetched_at") == pa.scalar(when, _UTC))
        try:
            data = table_dataset(dt, predicate)
            if logger.isEnabledFor(logging.DEBUG):
                n = sum(1 for _ in data.get_fragments())
                logger.debug(
                    "endpoints: reading %d of %d files for snapshot %s", n, len(dt.file_uris()), row["snapshot_id"]
                )
            return data.to_table(columns=["position", *STAT_COLUMNS], filter=filt)
        except (pa.ArrowException, OSError) as exc:
            raise StoreDamagedError(f"{self.layout.uris['endpoints']} cannot be read: {exc}") from exc

    def _read_models(
        self,
        columns: list[str],
        models: list[str],
        months: list[list[tuple[str, str, Any]]],
        providers: pa.Array | None = None,
    ) -> pa.Table | None:
        """``endpoints`` rows of ``models`` in the partitions allowed by ``months`` (tuple filters
        in disjunctive normal form, :func:`partition_groups`; ``[]``: all), reading only what can
        hold them: the files whose per-file statistics in the Delta log allow one of the models (a
        folded year keeps each model in a file or two, a sorted month in about one,
        :mod:`.upkeep`), then the row groups whose Parquet statistics do (rows are sorted by model
        in every file).
        With ``providers`` (lower-cased names or tags, see :func:`_provider_hit`), the row groups
        that cannot hold one of them are not read (:func:`_row_groups`), on local disk and on an
        object store alike; on local disk the rows of other providers are dropped file by file too;
        the caller filters them either way.

        Raises:
            StoreDamagedError: a data file cannot be read.
        """
        dt = self.layout.table("endpoints")
        if dt is None:
            return None
        wanted = sorted(set(models))  # the models asked for, each once
        model = ("model_id", "in", wanted)
        predicate: Any = [[model, *group] for group in months] if months else [model]
        try:
            if self.layout.local:  # the files straight from disk, their row groups chosen here
                parts = set(dt.metadata().partition_columns)
                fields = {f.name: f for f in pa.schema(dt.schema().to_arrow()) if f.name not in parts}
                schema = pa.schema([fields[c] for c in columns])
                uris = dt.file_uris(file_pruning_predicate=predicate)
                _log_files_read(dt, len(uris), len(wanted))
                tables = [_read_row_groups(u, schema, wanted, providers) for u in uris]
                return pa.concat_tables(tables) if tables else schema.empty_table()
            data = table_dataset(dt, predicate)
            if logger.isEnabledFor(logging.DEBUG):
                _log_files_read(dt, sum(1 for _ in data.get_fragments()), len(wanted))
            if providers is not None:  # the row groups of other providers are not fetched
                data = _row_group_dataset(data, wanted, providers)
            rows = ds.field("model_id").isin(models)
            return data.to_table(columns=columns, filter=rows)  # an object store: threads overlap the requests
        except delta_failures("read") as exc:
            raise map_delta(exc, "read", self.layout.uris["endpoints"], self.layout.secrets) from exc

    def history(
        self,
        model: list[str] | None,
        provider: list[str] | None,
        start: pd.Timestamp | None,
        end: pd.Timestamp | None,
        columns: list[str] | None = None,
        scopes: list[str] | None = None,
    ) -> pd.DataFrame:
        """Long form, one row per (committed snapshot, endpoint); see ``SnapshotStore.endpoint_history``.
        ``scopes``: keep the rows of these snapshot scopes only (None: all)."""
        months = partition_groups(start, end)  # partition values select files exactly
        key = ["fetched_at", "model_id", "provider_name", "tag"]
        every = [f.name for f in ROWS_SCHEMA if f.name not in ("scope", "month", "template", "position", *key)]
        # price keys beyond the row columns' (input_cache_write_1h, audio, any new one): from the
        # endpoints' templates (:meth:`_other_prices`); None: every one the rows' templates list
        other: list[str] | None = None
        if columns is not None:
            other = [c for c in columns if c not in every and c not in key and is_price_column(c)]
            unknown = [c for c in columns if c not in every and c not in key and c not in other]
            if unknown:
                from ...suggest import did_you_mean

                raise InvalidParameterError(
                    f"unknown column(s) {unknown}{did_you_mean(unknown[0], [*key, *every])}; endpoint_history has "
                    f"{[*key, *every]} and a price_<key> column for every other price key the endpoints list"
                )
        wanted = key + [c for c in (every if columns is None else columns) if c not in key and c in every]
        if columns is None or other:
            wanted.append("template")
        if scopes is not None:
            wanted.append("scope")
        low = pa.array([p.lower() for p in provider], pa.string()) if provider is not None else None
        if model is not None:
            got = self._read_models(wanted, model, months, low)
        else:
            got = self._read("endpoints", wanted, _expression(months))
        table = got if got is not None else ROWS_SCHEMA.empty_table().select(wanted)
        if low is not None:
            table = table.filter(_provider_hit(table, low))
        if scopes is not None:  # one source's series (scope.default_source): never a replay server's beside the API's
            column = table.column("scope")
            table = table.filter(pc.is_in(column, value_set=pa.array(scopes, pa.string()).cast(column.type)))
            table = table.drop_columns(["scope"])
        # every row is committed: its append was the commit
        # bounds to whole microseconds, the stored precision (a date-only end is its day's last
        # nanosecond, which a datetime cannot hold: pandas would warn that it drops it)
        if start is not None:
            first = start.ceil("us").to_pydatetime()
            table = table.filter(pc.greater_equal(table.column("fetched_at"), pa.scalar(first, _UTC)))
        if end is not None:
            last = end.floor("us").to_pydatetime()
            table = table.filter(pc.less_equal(table.column("fetched_at"), pa.scalar(last, _UTC)))
        order = ["fetched_at", "model_id", "provider_name", "tag"]
        table = table.select(order + [c for c in table.column_names if c not in order])
        categories = [c for c in ("model_id", "provider_name", "tag", "quantization") if c in table.column_names]
        table = _encode(table, categories)
        # sorted by (model_id, tag, fetched_at): by the codes, integers in the order of the values
        # (sorting by the strings cost as much as the rest of the conversion)
        # provider_name last: the key of a tag-less row (a 2025 body), which two endpoints at one time share
        tags = _codes(table, "tag")
        keys = pa.table(
            {
                "m": _codes(table, "model_id"),
                "tagged": pc.is_valid(tags),
                "t": tags,
                "f": table.column("fetched_at"),
                "p": _codes(table, "provider_name"),
            }
        )
        # tag-less rows (2025 bodies, all older than any tag) first: a joined series stays in time order
        # (by the "tagged" key, nulls of the others last, the default: a null placement per sort key
        # needs a newer pyarrow than the floor's 20, and a global one is deprecated from 25)
        at = pc.sort_indices(keys, sort_keys=[(k, "ascending") for k in keys.column_names])
        table, keys = table.take(at), keys.take(at)
        first = _first_of_each(keys)
        if first is not None:  # an endpoint in a zdr body and its model's at one time: one row
            table = _encode(table.filter(first).cast(_decoded(table)), categories)  # a value may have gone
        prices = None
        if "template" in table.column_names:
            prices = self._other_prices(table.column("template"), other)
            table = table.drop_columns(["template"])
        frame = table.to_pandas()
        frame["fetched_at"] = frame["fetched_at"].astype("datetime64[us, UTC]")
        if prices is not None:  # after the row columns' prices, before the statistics
            at = max((i + 1 for i, c in enumerate(frame.columns) if c in ROW_COLUMNS), default=len(frame.columns))
            for offset, (name, values) in enumerate(prices.items()):
                frame.insert(at + offset, name, values)
        for c in ("status", "context_length"):
            if c in frame.columns:
                frame[c] = frame[c].astype("Int64")
        for c in categories:
            if not isinstance(frame[c].dtype, pd.CategoricalDtype):  # no value to encode (see _category)
                frame[c] = frame[c].astype("category")
        return frame

    def _other_prices(self, templates: pa.ChunkedArray, asked: list[str] | None) -> dict[str, np.ndarray]:
        """The ``price_<key>`` columns (USD per unit, the endpoints contract's rule:
        :func:`orcatalog.frames.endpoints.endpoints_frame`) of the price keys the row columns do not
        keep, one value per row, read from each row's endpoint template (a handful per endpoint:
        a template changes only with a price, a limit or the status). ``asked``: these columns (an
        unknown one is refused, with the closest names); None: every key the templates list.

        Raises:
            InvalidParameterError: an ``asked`` column no template lists.

        Warns:
            StoreDamageWarning: a template is missing or damaged (its rows' prices stay null).
        """
        from ...frames.endpoints import endpoint_prices

        codes = templates.combine_chunks().dictionary_encode() if len(templates) else None
        keys = codes.dictionary.to_pylist() if codes is not None else []
        found = self._objects("endpoint_objects", [k for k in keys if k is not None])
        held = [k for k in keys if k in found]
        prices = endpoint_prices([orjson.loads(found[k])["t"] for k in held]) if held else {}
        other = {f"price_{key}": values for key, values in prices.items() if f"price_{key}" not in ROW_COLUMNS}
        at = {k: i for i, k in enumerate(held)}
        per_template: list[dict[str, float]] = [
            {c: float(v[at[k]]) for c, v in other.items() if not np.isnan(v[at[k]])} if k in at else {} for k in keys
        ]
        lost = [k for k in keys if k is not None and k not in found]
        if lost:
            warnings.warn(
                f"orcatalog: {len(lost)} endpoint template(s) of {self.layout.uris['endpoint_objects']} are missing "
                f"or damaged (e.g. {lost[0]}): their rows' other prices (price_<key> beyond {ROW_COLUMNS[-1]}) stay null",
                StoreDamageWarning,
                stacklevel=4,
            )
        listed = sorted({c for d in per_template for c in d})
        if asked is not None:
            missing = [c for c in asked if c not in listed]
            if missing:  # a key other endpoints of the store list is a column of nulls here (a loop over models)
                missing = [c for c in missing if c not in self._store_price_columns()]
            if missing:
                from ...suggest import did_you_mean

                fixed = [c for c in ROWS_SCHEMA.names if is_price_column(c)]
                known = fixed + sorted((set(listed) | self._store_price_columns()) - set(fixed))
                raise InvalidParameterError(
                    f"unknown column(s) {missing}{did_you_mean(missing[0], known)}; the price columns of the "
                    f"store's endpoints are {known}"
                )
            listed = list(asked)
        index = (
            pc.fill_null(codes.indices, -1).to_numpy(zero_copy_only=False)
            if codes is not None
            else np.zeros(0, dtype=np.int64)
        )
        out: dict[str, np.ndarray] = {}
        for c in listed:
            per = np.array([d.get(c, np.nan) for d in per_template] + [np.nan], dtype=float)
            out[c] = per[np.where(index < 0, len(per) - 1, index)] if len(index) else np.zeros(0)
        return out

    def _store_price_columns(self) -> set[str]:
        """The ``price_<key>`` columns of every endpoint template the store holds (read only when
        a column asked for is not among the rows': a typo, or a key of other models)."""
        from ...frames.endpoints import endpoint_prices

        templates = []
        for raw in self._objects("endpoint_objects").values():
            obj = orjson.loads(raw)
            if isinstance(obj, dict) and isinstance(obj.get("t"), dict) and "h" in obj:
                templates.append(obj["t"])
        if not templates:
            return set()
        return {f"price_{k}" for k, v in endpoint_prices(templates).items() if not np.isnan(v).all()}

    def providers_history(self, scopes: list[str] | None = None) -> pd.DataFrame:
        """One row per (providers snapshot, provider): the providers contract plus ``fetched_at``;
        ``scopes``: of these snapshot scopes only (None: all)."""
        m = self.manifest()
        m = m[(m["kind"] == "providers") & (m["scope"].isin(scopes) if scopes is not None else True)]
        t = self._read("endpoint_snapshots")
        provs = self._objects("providers")
        parts = []
        for sid, when in zip(m["snapshot_id"], m["fetched_at"]):
            row = t.filter(pc.equal(t.column("snapshot_id"), sid)).slice(0, 1).to_pylist()[0]  # type: ignore[union-attr]
            lost = [k for k in row["items"] if k not in provs]
            if lost:
                raise StoreDamagedError(f"snapshot {sid}: provider objects {lost[:3]} are missing or damaged")
            frame = providers_frame({"data": [orjson.loads(provs[k]) for k in row["items"]]})
            frame.insert(0, "snapshot_id", sid)
            frame.insert(0, "fetched_at", when)
            parts.append(frame)
        if not parts:
            empty = providers_frame({"data": []})
            empty.insert(0, "snapshot_id", pd.Series([], dtype=object))
            empty.insert(0, "fetched_at", pd.Series([], dtype="datetime64[us, UTC]"))
            return empty
        return pd.concat(parts, ignore_index=True)


def _models_of(row: dict[str, Any], templates: list[Any]) -> list[str] | None:
    """The ``model_id`` values an endpoints snapshot's rows can hold, from its endpoints' templates:
    an endpoint's own ``model_id``, else the snapshot's model (the writer's default, see
    :mod:`.writer`); None, to read without a model filter, when that cannot be said for sure (a
    zdr snapshot without a model, a damaged template, a ``model_id`` that is not a string)."""
    models = set()
    for template in templates:
        inner = template.get("t") if isinstance(template, dict) else None
        mid = inner.get("model_id") if isinstance(inner, dict) else None
        mid = mid if mid is not None else row["model_id"]
        if type(mid) is not str:
            return None
        models.add(mid)
    return sorted(models) or None


def _expression(groups: list[list[tuple[str, str, Any]]]) -> Any:
    """Tuple filters in disjunctive normal form (:func:`partition_groups`) as a dataset expression
    (None for ``[]``: no filter)."""
    ops = {
        ">=": lambda f, v: f >= v,
        "<=": lambda f, v: f <= v,
        "=": lambda f, v: f == v,
        "in": lambda f, v: f.isin(list(v)),
    }
    out = None
    for group in groups:
        conj = None
        for column, op, value in group:
            e = ops[op](ds.field(column), value)
            conj = e if conj is None else conj & e
        out = conj if out is None else out | conj
    return out


def _category(column: pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """A string column dictionary-encoded as pandas' ``astype("category")`` encodes it, so that
    ``to_pandas()`` gives that categorical without a Python string per row: the distinct non-null
    values sorted (UTF-8 byte order is code-point order), null as no category. A column without a
    value is returned as it is (pandas' categories of nothing have another dtype; the caller
    converts it)."""
    values = pc.unique(column).drop_null()
    if not len(values):
        return column
    values = values.take(pc.sort_indices(values))
    return pa.DictionaryArray.from_arrays(pc.index_in(column, value_set=values).combine_chunks(), values)


def _encode(table: pa.Table, categories: list[str]) -> pa.Table:
    """``table`` with each of the ``categories`` columns dictionary-encoded by :func:`_category`."""
    for c in categories:
        table = table.set_column(table.column_names.index(c), c, _category(table.column(c)))
    return table


def _decoded(table: pa.Table) -> pa.Schema:
    """``table``'s schema with each dictionary column as its values' type."""
    return pa.schema(
        [pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type) for f in table.schema]
    )


def _codes(table: pa.Table, name: str) -> pa.Array | pa.ChunkedArray:
    """A column's dictionary indices (:func:`_category`: ordered as its values), or the column."""
    column = table.column(name)
    if pa.types.is_dictionary(column.type):
        return pa.chunked_array([c.indices for c in column.chunks], column.type.index_type)
    return column


def _first_of_each(table: pa.Table) -> pa.ChunkedArray | None:
    """Which rows are the first of a run of rows equal in every column (null equal to null): on a
    table sorted by its columns, the rows without duplicates (one endpoint seen at one time in a
    zdr and a model body); None when every row is."""
    if table.num_rows < 2:
        return None
    same = None
    for column in table.columns:
        a, b = column.slice(1), column.slice(0, table.num_rows - 1)
        equal = pc.fill_null(pc.equal(a, b), pc.and_(pc.is_null(a), pc.is_null(b)))
        same = equal if same is None else pc.and_(same, equal)
    if not pc.any(same).as_py():
        return None
    return pa.chunked_array([pa.array([True]), *pc.invert(same).chunks])


def _log_files_read(dt: Any, read: int, n_models: int) -> None:
    """Say at DEBUG level how many ``endpoints`` data files a read of ``n_models`` model(s) opens of
    the table's live files (what the log's per-file statistics let it skip; a bench and a test
    read it). Costs nothing unless DEBUG is on for ``orcatalog.store``."""
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("endpoints: reading %d of %d files for %d model(s)", read, len(dt.file_uris()), n_models)


def _in(column: pa.ChunkedArray, values: pa.Array, lower: bool = False) -> pa.ChunkedArray:
    """Per row, whether a string column's value (lower-cased first with ``lower``) is one of
    ``values``: never null (a null value is not in ``values``). A dictionary-encoded chunk is
    tested once per dictionary entry and the answers taken by its indices (a file's
    ``model_id`` holds a few dozen distinct strings over thousands of rows)."""
    chunks = []
    for chunk in column.chunks:
        if pa.types.is_dictionary(chunk.type):
            words = pc.utf8_lower(chunk.dictionary) if lower else chunk.dictionary
            hit = pc.take(pc.is_in(words, value_set=values), chunk.indices)
            chunks.append(pc.fill_null(hit, False) if chunk.null_count else hit)
        else:
            chunks.append(pc.is_in(pc.utf8_lower(chunk) if lower else chunk, value_set=values))
    return pa.chunked_array(chunks, pa.bool_())


def _provider_hit(table: pa.Table, low: pa.Array) -> pa.ChunkedArray:
    """The provider rule of ``endpoint_history(provider=...)``, in one place: a row is kept when its
    ``provider_name`` or its ``tag``, lower-cased, is one of ``low`` (the names asked, lower-cased),
    or when it has no tag (a body of the 2025 shape, where the provider name was the key) and its
    provider is that of a row whose tag was asked for in the same model (the join across the shape
    change: ``google-vertex`` finds the tag-less ``Google`` rows of its model before 2025-05-22)."""
    by_tag = _in(table.column("tag"), low, lower=True)
    hit = pc.or_kleene(_in(table.column("provider_name"), low, lower=True), by_tag)
    untagged = pc.is_null(table.column("tag"))
    if not pc.any(untagged).as_py() or not pc.any(by_tag).as_py():
        return hit
    tagged = table.filter(by_tag)
    pairs = {(m, p) for m, p in zip(tagged.column("model_id").to_pylist(), tagged.column("provider_name").to_pylist())}
    models = table.column("model_id").to_pylist()
    names = table.column("provider_name").to_pylist()
    joined = pa.array([(m, p) in pairs for m, p in zip(models, names)], pa.bool_())
    return pc.or_kleene(hit, pc.and_kleene(untagged, joined))


def _may_hit(table: pa.Table, low: pa.Array) -> pa.ChunkedArray:
    """The rows of one file that :func:`_provider_hit` may keep once every file is read: its hits,
    and every tag-less row (whose join needs the tagged rows of other files)."""
    return pc.or_kleene(
        pc.or_kleene(_in(table.column("provider_name"), low, lower=True), _in(table.column("tag"), low, lower=True)),
        pc.is_null(table.column("tag")),
    )


def _min_max(group: Any, at: int | None) -> tuple[Any, Any]:
    """A row group's min and max of column ``at`` from its Parquet statistics (None, None: unknown)."""
    stats = group.column(at).statistics if at is not None else None
    if stats is None or not stats.has_min_max:
        return None, None
    return stats.min, stats.max


def _other(group: Any, at: int, asked: set[str]) -> bool:
    """Whether no row of a row group can hold one of the ``asked`` providers (lower-cased) in
    column ``at`` (``tag`` or ``provider_name``): its statistics say the column holds one value
    (or null) and that value, lower-cased, is not asked (the rule of :func:`_provider_hit`; only an
    ASCII value is judged here, where Python's and Arrow's lower-casing agree). A
    sorted file keeps an endpoint's rows together, so most of a model's row groups hold one. A
    column with nulls is not judged (a tag-less row may join its provider's tag)."""
    stats = group.column(at).statistics
    if stats is None or not stats.has_null_count or stats.null_count:
        return False
    low, high = _min_max(group, at)
    return type(low) is str and low == high and low.isascii() and low.lower() not in asked


def _row_groups(meta: Any, models: list[str], providers: pa.Array | None) -> list[int]:
    """The row groups of one ``endpoints`` file (its ``pyarrow.parquet.FileMetaData``) that can
    hold one of ``models`` (sorted) by their ``model_id`` statistics and, with ``providers``
    (lower-cased), are not skipped by :func:`_other` on both ``tag`` and ``provider_name``; a row
    group without string statistics is kept. The one choice of row groups, local or remote."""
    import bisect

    names = meta.schema.names
    at = names.index("model_id") if "model_id" in names else None
    asked: set[str] = set() if providers is None else set(providers.to_pylist())
    by = [names.index(c) for c in ("tag", "provider_name") if c in names] if providers is not None else []
    groups = []
    for i in range(meta.num_row_groups):
        group = meta.row_group(i)
        low, high = _min_max(group, at)
        if type(low) is not str or type(high) is not str:
            groups.append(i)
            continue
        j = bisect.bisect_left(models, low)  # the first wanted model >= low
        if j < len(models) and models[j] <= high and not (len(by) == 2 and all(_other(group, c, asked) for c in by)):
            groups.append(i)
    return groups


def _row_group_dataset(data: ds.FileSystemDataset, models: list[str], providers: pa.Array) -> ds.FileSystemDataset:
    """``data`` (the Delta dataset of the files chosen by the log) narrowed to the row groups
    :func:`_row_groups` keeps: each file's footer is fetched (in threads: on an object store each
    is a request) and the file read as the subset of its row groups. Says at DEBUG level how many
    row groups are read of how many.

    Raises:
        pa.ArrowException, OSError: a footer cannot be read.
    """
    from concurrent.futures import ThreadPoolExecutor

    fragments = list(data.get_fragments())

    def narrowed(fragment: Any) -> tuple[Any, int]:
        fragment.ensure_complete_metadata()  # the footer: one ranged GET on an object store
        meta = fragment.metadata
        groups = _row_groups(meta, models, providers)
        return (fragment.subset(row_group_ids=groups) if groups else None), meta.num_row_groups

    with ThreadPoolExecutor(max_workers=max(1, min(8, len(fragments)))) as pool:
        chosen = list(pool.map(narrowed, fragments))
    kept = [f for f, _ in chosen if f is not None]
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "endpoints: reading %d of %d row groups",
            sum(f.num_row_groups for f in kept),
            sum(n for _, n in chosen),
        )
    return ds.FileSystemDataset(kept, data.schema, data.format, data.filesystem)


def _read_row_groups(path: str, schema: pa.Schema, models: list[str], providers: pa.Array | None = None) -> pa.Table:
    """The rows of ``models`` (sorted) in one local ``endpoints`` file, as ``schema``: only the row
    groups whose ``model_id`` statistics can hold one of them are read (a sorted month keeps a
    model in a row group or two of a file), without threads (a row group or two per file: threads
    cost more than they share, 3x on a loaded machine), without a dataset (its set-up per file
    cost as much as the reading). A row group without string statistics is read whole; with
    ``providers``, one whose ``tag`` and ``provider_name`` each hold a single other value
    (:func:`_other`) is skipped. The
    string columns are read dictionary-encoded (decoding thousands of repeated ids cost more than
    the rest of the read) and decoded only for the rows kept; with ``providers`` (lower-cased),
    only the rows :func:`_provider_hit` may keep (:func:`_may_hit`). No pre-buffering: on local disk it only hands the
    reads to Arrow's I/O threads (a fifth of a file's read, measured).

    Raises:
        pa.ArrowException, OSError: the file cannot be read.
    """
    import pyarrow.parquet as pq

    strings = [f.name for f in schema if f.type == pa.string()]
    file = pq.ParquetFile(path, read_dictionary=strings, pre_buffer=False)  # local: nothing to coalesce
    names = file.metadata.schema.names
    groups = _row_groups(file.metadata, models, providers)
    present = [c for c in schema.names if c in names]
    table = file.read_row_groups(groups, columns=present, use_threads=False)
    for name in schema.names:  # a column the file was written without (an older schema) reads as null
        if name not in present:
            table = table.append_column(name, pa.nulls(table.num_rows, schema.field(name).type))
    keep = _in(table.column("model_id"), pa.array(models, pa.string()))
    if providers is not None:
        keep = pc.and_(keep, _may_hit(table, providers))
    return table.filter(keep).select(schema.names).cast(schema)
