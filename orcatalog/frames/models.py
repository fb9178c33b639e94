"""Model objects (parsed JSON) -> the contract DataFrame. Pure functions: no HTTP, no files.

The column contract lives in :mod:`orcatalog.schema`. A column with a ``source`` is filled by the
converter of its dtype (:data:`.convert.CONVERTERS`, which also applies the contract's rules for
values of the wrong JSON type); the few derived columns have one function each here
(:data:`DERIVED`); families (``price_``, ``default_``, ``per_request_limit_``,
``input_``/``output_``) follow the body's keys. It is on the hot path (a cached ``fetch_models()``
is mostly this), so it builds plain Python lists in one pass and turns each into a typed array once.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat
from operator import itemgetter
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SchemaError, UnreadableValueWarning, warn_at_caller
from ..schema import COLUMNS, KNOWN_DEFAULT_KEYS, KNOWN_MODALITIES, KNOWN_PRICE_KEYS, is_free_rule
from .convert import CONVERTERS, Rows, json_kind, key_values, parse_floats
from .ids import catalog_ids, is_alias_id

__all__ = [
    "models_frame",
    "list_frame",
    "catalog_frame",
    "check_body",
    "refuse_empty_catalog",
    "modalities",
    "CONVERTERS",
    "DERIVED",
]

_OLD_MODALITY = {"text": (["text"], ["text"]), "multimodal": (["text", "image"], ["text"])}

#: Objects read by families or derived columns, beyond the ``source`` paths of the contract.
_FAMILY_OBJECTS = {"pricing": "price_", "default_parameters": "default_", "per_request_limits": "per_request_limit_"}
_DERIVED_INPUTS = {
    ("id",),
    ("hugging_face_id",),
    ("architecture", "input_modalities"),
    ("architecture", "output_modalities"),
    *((k,) for k in _FAMILY_OBJECTS),
}
_SOURCES = {c.source for c in COLUMNS if c.source} | _DERIVED_INPUTS
_KNOWN_TOP = frozenset(path[0] for path in _SOURCES)
#: Nested objects whose unknown keys go to ``extra`` as ``object.key`` (families keep every key).
_KNOWN_NESTED = {
    top: frozenset(p[1] for p in _SOURCES if len(p) == 2 and p[0] == top)
    for top in {p[0] for p in _SOURCES if len(p) == 2} - set(_FAMILY_OBJECTS)
}


# -- derived columns ----------------------------------------------------------------------------


def _parse_modality(modality: Any) -> tuple[list[str], list[str]] | None:
    """``"text+image->text"`` -> (["text", "image"], ["text"]); 2024's "text"/"multimodal" too."""
    if not isinstance(modality, str) or not modality:
        return None
    if "->" in modality:
        left, _, right = modality.partition("->")
        return [m for m in left.split("+") if m], [m for m in right.split("+") if m]
    old = _OLD_MODALITY.get(modality)
    return (list(old[0]), list(old[1])) if old else None


def modalities(architecture: dict[str, Any]) -> tuple[list[Any] | None, list[Any] | None] | None:
    """(input, output) modalities of a model's ``architecture`` object: its lists when given, else
    parsed from the ``modality`` string (``"text+image->text"``, or 2024's ``"text"`` and
    ``"multimodal"``). The one place old modality strings are understood. None when neither says."""
    ins, outs = architecture.get("input_modalities"), architecture.get("output_modalities")
    if type(ins) is list and type(outs) is list:
        return ins, outs
    parsed = _parse_modality(architecture.get("modality"))
    if type(ins) is not list:
        ins = parsed[0] if parsed else None
    if type(outs) is not list:
        outs = parsed[1] if parsed else None
    return None if ins is None and outs is None else (ins, outs)


class _Derived:
    """The values several derived columns share, computed once per call."""

    def __init__(self, rows: Rows) -> None:
        ids = rows.ids
        self.is_alias = [is_alias_id(mid) for mid in ids]
        halves = [(mid[1:] if alias else mid).partition("/") for mid, alias in zip(ids, self.is_alias)]
        self.author = [h[0] if h[1] else None for h in halves]
        tails = [(h[2] if h[1] else h[0]).partition(":") for h in halves]
        self.slug = [t[0] for t in tails]
        self.variant = [t[2] if t[1] else None for t in tails]
        both = [modalities(a) or (None, None) for a in rows.objects("architecture")]
        self.input_lists = [b[0] for b in both]
        self.output_lists = [b[1] for b in both]
        self.inputs = CONVERTERS["list<string>"](self.input_lists, "architecture.input_modalities", rows)
        self.outputs = CONVERTERS["list<string>"](self.output_lists, "architecture.output_modalities", rows)
        self.prices, self.raw_prices, self.dynamic = _prices(rows)


def _prices(
    rows: Rows, skip: tuple[str, ...] = ("overrides",)
) -> tuple[dict[str, np.ndarray], dict[str, list[Any]], np.ndarray]:
    """``{key: USD per token}`` for every pricing key but ``skip``, the raw values, and the dynamic-pricing flag.

    The price rule (its one home): a price is a decimal string or a number, finite and >= 0
    (``"-0"`` is 0); exactly -1 (the string ``"-1"`` or the number) means the price is decided per request: null plus the
    flag, never negative. A boolean, list or object is refused (SchemaError naming model and
    field); any other string or number (``"n/a"``, ``"1_000"``, ``"Infinity"``, ``"NaN"``,
    ``"1e400"``, ``"1e-400"``, ``"-5"``, ``"-1e-9"``, ``"-1.0"``) is kept in ``extra`` with a warning and the price is null.
    The one reading of a ``pricing`` object, for models and endpoints (:mod:`.endpoints`).
    """
    raw = _family(rows, "pricing", KNOWN_PRICE_KEYS, skip=skip)
    dynamic = np.zeros(rows.n, dtype=bool)
    prices = {}
    for key, values in raw.items():
        col, unreadable = parse_floats(values)
        for i in unreadable:
            if type(values[i]) not in (str, int, float):
                rows.refuse(
                    i, f"pricing.{key}", f"is a JSON {json_kind(values[i])}, not a price (a decimal string or number)"
                )
            rows.keep(i, f"pricing.{key}", values[i], unreadable=True)
        if (col < 0).any():
            flagged = col == -1
            for j in np.flatnonzero(flagged).tolist():  # the string "-1" or the number -1; not "-1.0", "-1e0"
                flagged[j] = type(values[j]) is not str or values[j] == "-1"
            for j in np.flatnonzero((col < 0) & ~flagged).tolist():  # only -1 means dynamic
                rows.keep(j, f"pricing.{key}", values[j], unreadable=True)
            dynamic |= flagged
            col[col < 0] = np.nan
        col += 0.0  # "-0" is 0, not -0.0
        prices[key] = col
    return prices, raw, dynamic


def _usd_per_mtok(raw: list[Any], per_token: np.ndarray) -> np.ndarray:
    """USD per token -> USD per million tokens: the exact decimal scaling of the value the API wrote
    (``"0.000000239"`` -> 0.239, never 0.23900000000000002). Null and dynamic prices stay NaN."""
    try:
        out = np.array([_SCALED[v] for v in raw], dtype=float)
    except (KeyError, TypeError):  # a price not seen before (the same few dozen recur in every body)
        if len(_SCALED) > 8192:
            _SCALED.clear()
        scaled = {v: _scaled(v) for v in set(raw)}
        _SCALED.update(scaled)
        out = np.array([scaled[v] for v in raw], dtype=float)
    out[np.isnan(per_token)] = np.nan
    return out + 0.0  # "-0" is 0


_SCALED: dict[Any, float] = {}


def _scaled(value: Any) -> float:
    """A decimal string or number times 10**6, exactly (NaN for null or a non-number)."""
    if value is None:
        return np.nan
    try:
        return float(Decimal(value if type(value) is str else repr(value)).scaleb(6))
    except InvalidOperation:
        return np.nan


def _hugging_face_id(rows: Rows, d: _Derived) -> Any:
    return CONVERTERS["str"]([v or None for v in rows.top("hugging_face_id")], "hugging_face_id", rows)


def _is_free(rows: Rows, d: Any) -> Any:  # d: any _Derived with prices and dynamic (models, endpoints)
    """The ``is_free`` rule (:func:`orcatalog.schema.is_free_rule`): every listed price zero and
    every generated output priced (or a ``:free`` id); null when dynamically priced, prompt/completion
    is missing, or an output's price is not listed. Endpoints (no output modalities) check prices only.
    ``discount`` is a fraction, not a price."""
    if hasattr(d, "output_lists"):  # models
        return is_free_rule(d.prices, d.output_lists, rows.ids, d.dynamic)
    return is_free_rule(d.prices, [None] * rows.n, [""] * rows.n, d.dynamic)


#: One function per derived column (a column of the contract without a ``source``).
DERIVED: dict[str, Callable[[Rows, _Derived], Any]] = {
    "author": lambda rows, d: CONVERTERS["str"](d.author, "id", rows),
    "slug": lambda rows, d: CONVERTERS["str"](d.slug, "id", rows),
    "variant": lambda rows, d: CONVERTERS["str"](d.variant, "id", rows),
    "is_alias": lambda rows, d: np.array(d.is_alias, dtype=bool),
    "hugging_face_id": _hugging_face_id,
    "input_modalities": lambda rows, d: d.inputs,
    "output_modalities": lambda rows, d: d.outputs,
    "prompt_usd_per_mtok": lambda rows, d: _usd_per_mtok(d.raw_prices["prompt"], d.prices["prompt"]),
    "completion_usd_per_mtok": lambda rows, d: _usd_per_mtok(d.raw_prices["completion"], d.prices["completion"]),
    "is_free": _is_free,
    "dynamic_pricing": lambda rows, d: d.dynamic,
    "extra": lambda rows, d: CONVERTERS["json"](rows.extras, "extra", rows),
}


# -- the frame ----------------------------------------------------------------------------------


def check_body(body: Any, *, url: str | None = None) -> list[dict[str, Any]]:
    """The ``data`` list of a list body, checked.

    Args:
        body: a parsed list body (``{"data": [...], ...}``).
        url: where it came from, for the message.

    Returns:
        The ``data`` list.

    Raises:
        SchemaError: the body is not an object with a ``data`` list (another known API body, such
            as one model's endpoints, is named as such).
    """
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list) or (data and isinstance(data[0], dict) and "id" not in data[0]):
        kind = body_kind(body)
        if kind is not None and kind[0] != "models":
            way = BODY_WAYS.get(kind[0])
            raise SchemaError(
                f"{url or 'the body'} is {kind[1]}, not a /models list: a catalog is recorded from "
                "GET /models (`orcatalog snapshot`)" + (f"; {way}" if way and kind[0] != "count" else ""),
                url=url,
            )
    if not isinstance(data, list):  # a list of unknown items is left to the id rule, which names the item
        raise SchemaError(
            (f"{url}: " if url else "")
            + f"not a models list body (a JSON object with a 'data' list): got {_shape(body)}; "
            "record a catalog with `orcatalog snapshot`, or import a body saved from GET /models",
            url=url,
        )
    return data


def list_frame(body: Any, *, url: str | None = None) -> pd.DataFrame:
    """A list body (``{"data": [model, ...]}``) as the contract frame: the one check of a list body,
    used before a body is cached (fetch) and should be before one is stored (store).

    Args:
        body: the parsed body.
        url: where it came from, for messages.

    Returns:
        The contract frame (see :func:`models_frame`).

    Raises:
        SchemaError: not a list body, or a model breaks the contract (the message names it).
    """
    return models_frame(check_body(body, url=url), url=url)


#: How each kind of body is recorded or read, for a message that refuses it elsewhere.
BODY_WAYS = {
    "models": "import it with SnapshotStore.import_files or `orcatalog import`",
    "endpoints": "record it with SnapshotStore.import_endpoints (a Delta-layout store)",
    "zdr": "record it with SnapshotStore.import_endpoints (a Delta-layout store)",
    "providers": "record it with SnapshotStore.import_endpoints (a Delta-layout store)",
    "activity": "reprice reads it (`orcatalog reprice`)",
    "count": "nothing records it: the count is a snapshot's n_models",
}


def body_kind(body: Any) -> tuple[str, str] | None:
    """The one rule of what a recorded API body is, by its shape: ``(kind, words)`` with kind one of
    ``models`` (a /models list), ``zdr`` (a list of endpoints), ``providers``, ``activity``,
    ``endpoints`` (one model's), ``model`` (one model), ``count``, ``error``; None when the shape
    says nothing (an empty list answers /models, /endpoints/zdr and /providers alike). A list is
    named by the keys every item has (models: ``id`` and ``pricing``; endpoints: ``provider_name``
    and ``pricing``; providers: ``slug`` and ``name``; activity rows: ``date`` and ``model``)."""
    data = body.get("data") if isinstance(body, dict) else None
    items = data if isinstance(data, list) and data and all(isinstance(d, dict) for d in data) else []
    if items and all("id" in d and "pricing" in d for d in items):
        return "models", f"a /models list ({len(items)} models)"
    items = items if all("id" not in d for d in items) else []  # the other lists' items have no id
    if items and all("slug" in d and "name" in d for d in items):
        return "providers", f"a /providers body ({len(items)} providers, keyed by slug)"
    if items and all("date" in d and "model" in d for d in items):
        return (
            "activity",
            f"an /activity body ({len(items)} rows of a key's usage by date and model, which reprice reads)",
        )
    if items and all("provider_name" in d and "pricing" in d for d in items):
        return "zdr", f"an /endpoints/zdr body ({len(items)} endpoints)"
    if isinstance(data, dict) and isinstance(data.get("endpoints"), list):
        return "endpoints", f"a /models/{{id}}/endpoints body (the providers of {data.get('id', 'one model')})"
    if isinstance(data, dict) and "id" in data and "pricing" in data:
        return "model", f"a single model's body ({data['id']}, from GET /model/{{id}})"
    if isinstance(data, dict) and set(data) == {"count"}:
        return "count", "a /models/count body"
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return "error", f"an API error body ({body['error'].get('code', '?')}: {body['error'].get('message', '')})"
    return None


def refuse_empty_catalog(data: list[Any], *, source: str | None) -> None:
    """The empty-catalog rule (its one home; the fetch layer and the store call it): an unfiltered
    catalog always lists models, so a body of an unfiltered ``/models`` that lists none is a failed
    fetch (or one saved as a file), never "every model was removed". A filtered list may be empty.

    Args:
        data: the body's ``data`` list.
        source: where it came from (URL or file name), for the message.

    Raises:
        SchemaError: ``data`` is empty.
    """
    if not data:
        raise SchemaError(
            f"{source or 'a body'}: the body lists no models, and an unfiltered catalog is never "
            "empty (a failed fetch?); it was neither cached nor stored",
            url=source,
        )


def catalog_frame(body: Any, *, url: str | None = None) -> pd.DataFrame:
    """As :func:`list_frame`, for an unfiltered catalog: an empty one is refused
    (:func:`refuse_empty_catalog`) before it can be cached."""
    data = check_body(body, url=url)
    refuse_empty_catalog(data, source=url)
    return models_frame(data, url=url)


def _shape(body: Any) -> str:
    if isinstance(body, dict):
        return "an object with keys " + ", ".join(sorted(map(str, body))[:8]) if body else "an empty object"
    return type(body).__name__


def models_frame(models: list[dict[str, Any]], *, url: str | None = None, unique: bool = True) -> pd.DataFrame:
    """Flatten model objects into the contract frame (one row per model, see :mod:`orcatalog.schema`).

    Args:
        models: model objects as parsed from JSON (any schema from 2024 to 2026).
        url: where they came from, for error messages.
        unique: require unique ids (a catalog); False for several versions of one model.

    Returns:
        A DataFrame with the declared columns, typed (prices in USD per token, per-million columns
        in USD per million tokens, counts in tokens, times in UTC).

    Raises:
        SchemaError: an item is not an object or lacks a string ``id``, an id appears twice, or a
            value has the wrong JSON type (the contract's rules; the message names model and field).

    Warns:
        UnreadableValueWarning: values of the right type that could not be read (a price ``"n/a"``, a date
            ``"soon"``) were kept in ``extra``.
    """
    where = f" in {url}" if url else ""
    ids = catalog_ids(models, url=url, unique=unique)
    rows = Rows(models, ids, url)
    _keep_unknown(rows)
    derived = _Derived(rows)
    cols: dict[str, Any] = {}
    for column in COLUMNS[:-1]:  # ``extra`` goes last, after the families
        if column.source is None:
            cols[column.name] = DERIVED[column.name](rows, derived)
        else:
            cols[column.name] = CONVERTERS[column.dtype](rows.values(column.source), ".".join(column.source), rows)
    n = rows.n
    for prefix, lists, known in (
        ("input_", derived.input_lists, [k for k in KNOWN_MODALITIES if k != "embeddings"]),
        ("output_", derived.output_lists, [k for k in KNOWN_MODALITIES if k not in ("file", "video")]),
    ):
        for k, flags in _flags(lists, known, n).items():
            cols[prefix + k] = flags
    for key, col in derived.prices.items():
        cols["price_" + key] = col
    families: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("default_parameters", tuple(KNOWN_DEFAULT_KEYS)),
        ("per_request_limits", ()),
    )
    for obj, family_keys in families:
        if obj in rows.present or family_keys:
            for key, values in _family(rows, obj, family_keys).items():
                cols[_FAMILY_OBJECTS[obj] + key] = _lenient_floats(values, f"{obj}.{key}", rows)
    cols["extra"] = DERIVED["extra"](rows, derived)
    if rows.unreadable:
        warn_at_caller(  # the user's call, however deep the read (store reads, imports, fetches)
            f"orcatalog: {len(rows.unreadable)} value(s){where} could not be read and were kept in 'extra': "
            + ", ".join(rows.unreadable[:5])
            + (" ..." if len(rows.unreadable) > 5 else ""),
            UnreadableValueWarning,
        )
    return frame_from_arrays(cols, n)


def frame_from_arrays(cols: dict[str, Any], n: int) -> pd.DataFrame:
    """A DataFrame from typed 1-D arrays of length ``n``, without pandas re-checking them.

    The one use of a private pandas API (``DataFrame._from_arrays``): bench/fetch.py measured the
    public ``pd.DataFrame(cols, index=...)`` at about 0.35 ms more per catalog (its validation and
    block consolidation), a tenth of ``json.loads`` of the body, which the bytes -> frame target
    (<= 2.0x ``json.loads``) cannot spare. Should pandas drop or change it, the public constructor
    gives the same frame (tests/test_flatten.py checks they are equal).

    Args:
        cols: column name -> numpy array or pandas extension array, each of length ``n``.
        n: the number of rows.

    Returns:
        The frame, with a RangeIndex.
    """
    names = tuple(cols)
    columns = _COLUMN_INDEXES.get(names)
    if columns is None:  # the same few column lists recur: building an Index of them costs ~60 us
        if len(_COLUMN_INDEXES) > 64:
            _COLUMN_INDEXES.clear()
        columns = _COLUMN_INDEXES[names] = pd.Index(names)
    try:
        return pd.DataFrame._from_arrays(
            list(cols.values()), columns=columns.view(), index=pd.RangeIndex(n), verify_integrity=False
        )
    except (AttributeError, TypeError):
        return pd.DataFrame(cols, index=pd.RangeIndex(n))


_COLUMN_INDEXES: dict[tuple[str, ...], pd.Index] = {}


def _keep_unknown(rows: Rows, known_top: Any = None, known_nested: Any = None) -> None:
    """Top-level fields and fields of known objects that the contract does not know go to ``extra``
    (the one rule for every contract: the models' known fields by default, an endpoint's when given)."""
    known_top = _KNOWN_TOP if known_top is None else known_top
    if not rows.present <= known_top and not _keep_unknown_columns(rows, known_top):  # per model
        # Objects of one body share a few key layouts (zdr: 2,400 endpoints, one or two layouts):
        # the unknown keys are worked out once per layout, in the order the set difference gives.
        unknown_of: dict[tuple[str, ...], list[str]] = {}
        extras = rows.extras
        for i, m in enumerate(rows.models):
            layout = tuple(m)
            unknown = unknown_of.get(layout)
            if unknown is None:
                unknown = unknown_of[layout] = list(m.keys() - known_top)
            if unknown:
                kept = extras[i]
                if kept is None:
                    extras[i] = {k: m[k] for k in unknown}
                else:
                    kept.update((k, m[k]) for k in unknown)
    for top, known in (_KNOWN_NESTED if known_nested is None else known_nested).items():
        objs = rows.objects(top)
        if set().union(*objs) <= known:
            continue
        for i, obj in enumerate(objs):
            for k in obj.keys() - known:
                rows.keep(i, f"{top}.{k}", obj[k])


def _keep_unknown_columns(rows: Rows, known_top: Any) -> bool:
    """:func:`_keep_unknown`'s top-level step at C level when every model has every unknown field
    (one layout: a zdr body's 2,400 endpoints): one ``itemgetter`` pass and a dict per model.
    False, having done nothing, when some model lacks one (the caller then goes model by model)."""
    unknown = list(rows.present - known_top)
    if rows.extras.count(None) != rows.n:
        return False
    try:
        values = list(map(itemgetter(*unknown), rows.models))
    except KeyError:
        return False
    if len(unknown) == 1:
        rows.extras[:] = [{unknown[0]: v} for v in values]
    else:
        rows.extras[:] = map(dict, map(zip, repeat(unknown), values))
    return True


def _lenient_floats(values: list[Any], field: str, rows: Rows) -> np.ndarray:
    """A family that grows keys of any type (default_parameters, per_request_limits): numbers and
    decimal strings (``"Infinity"`` is inf) as float64; anything else to ``extra`` with a warning."""
    floats, unreadable = parse_floats(values, infinity=True)
    for i in unreadable:
        rows.keep(i, field, values[i], unreadable=True)
    return floats


def _flags(lists: list[Any], known: list[str], n: int) -> dict[str, np.ndarray]:
    """One boolean array per modality: the known ones always, then any other that appears (the
    lists were checked to hold only strings)."""
    flags = {k: np.zeros(n, dtype=bool) for k in known}
    for i, items in enumerate(lists):
        for x in items or ():
            col = flags.get(x)
            if col is None:
                col = flags[x] = np.zeros(n, dtype=bool)
            col[i] = True
    extra = sorted(set(flags).difference(known))
    return {k: flags[k] for k in [*known, *extra]}


def _family(rows: Rows, obj: str, known: tuple[str, ...], skip: tuple[str, ...] = ()) -> dict[str, list[Any]]:
    """``{key: [value or None per model]}`` for a flat object of numbers: the known keys always, then
    every other key the body has (sorted). Values are left raw for the caller to convert."""
    objs = rows.objects(obj)
    present = set().union(*objs)
    keys = list(known) + sorted(present.difference(known, skip))
    absent = [None] * rows.n
    return {k: key_values(objs, k) if k in present else absent.copy() for k in keys}
