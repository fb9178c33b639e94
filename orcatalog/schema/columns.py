"""The column contract: every column of a models frame, its dtype and its unit, in one place.

One row per model. Columns come in the order declared here; after the fixed columns come the
*families*, whose members depend on the body (a pricing key that appears later gets its own
``price_<key>`` column instead of being dropped).

Fixed columns (name, dtype, meaning and unit):

{fixed_table}

Column families (one column per key seen in the body):

{family_table}

Lists are Arrow ``list<string>`` columns (``pd.ArrowDtype``): they round-trip through parquet.
JSON columns hold compact JSON text (``json.loads`` gives the original value back).

**Where a value comes from**: a column with a ``source`` takes the value at that key path of the
model object and converts it by its dtype (adding such a column is one line below); the others
are derived by :mod:`orcatalog.frames.models` (its ``DERIVED`` table names each one).

**Values of the wrong JSON type** (never a silently wrong number). A body is *refused* with
:class:`~orcatalog.errors.SchemaError` naming the model id and the field, and is then never cached
and never stored, when a value has a JSON type its field never has:

- ``str`` columns: any JSON value is kept (a non-string as its JSON text);
- ``Int64`` counts (``context_length``, ``max_completion_tokens``, ...): an integer (or an integral
  number / decimal string) from 0 to 2**53, checked exactly (2**53 + 1 is refused, not rounded);
  ``true``, a list, an object, a fraction, ``1e30``, ``"1_000"`` or ``"Infinity"`` is refused;
- ``boolean`` / ``bool``: ``true``, ``false`` or null only;
- ``created``: Unix seconds from {min_time} to {max_time} (2000-01-01 to 2100-01-01 UTC); a string,
  ``true`` or ``-1e18`` is refused;
- dates (``datetime64[s]``): a ``YYYY-MM-DD`` string or null; a non-string is refused, a string that
  is not a date goes to ``extra`` with a warning;
- ``list<string>``: a list of strings or null; anything else (an object inside
  ``output_modalities``, a number inside ``supported_parameters``) is refused;
- ``json``: any JSON value that JSON writers can write back (orjson stops at 254 levels of
  nesting); deeper nesting anywhere in a model is refused;
- objects (``pricing``, ``architecture``, ``top_provider``, ``links``, ...): an object or null;
- ``price_<key>``: a decimal string as JSON writes numbers (``"0.000000239"``, ``"1e-7"``) or a
  number, finite and >= 0 (``"-0"`` is 0), or exactly -1 (dynamic pricing: null plus the
  ``dynamic_pricing`` flag); ``true``, a list or an object is refused; any other string or number
  (``"n/a"``, ``"1_000"``, ``"Infinity"``, ``"NaN"``, ``"1e400"``, ``"1e-400"``, ``"-5"``, ``"-1e-9"``, ``"-1.0"``) goes to
  ``extra`` with a warning (the price is then null, never the flag);
- ``default_<key>`` and ``per_request_limit_<key>``: a number or decimal string (``"Infinity"`` is
  inf); anything else goes to ``extra`` with a warning (these objects grow new keys of any type).

**USD per million tokens** (``prompt_usd_per_mtok``, ``completion_usd_per_mtok``) is the exact
decimal scaling of the price the API wrote (``"0.000000239"`` -> 0.239, never 0.23900000000000002).

The price rules are :mod:`orcatalog.schema.prices` (units, the zero/absent rule, the price-column
rule), :mod:`orcatalog.schema.free` (the ``is_free`` rule) and :mod:`orcatalog.schema.display` (how a
price is shown). This module is the one home of the declared columns (:data:`COLUMNS`,
:data:`FAMILIES`, :data:`STORE_COLUMNS`) and of a column's declared dtype (:func:`dtype_of`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


#: Plausible ``created`` times (Unix seconds): 2000-01-01 and 2100-01-01 UTC.
MIN_TIME = 946_684_800
MAX_TIME = 4_102_444_800
#: The largest count (tokens) a column accepts: 2**53, the last integer a JSON number holds exactly.
MAX_COUNT = 2**53

#: Bumped whenever a column is added, removed, renamed or changes dtype.
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Column:
    """One declared column: its name, pandas dtype, a description with its unit, and where its
    value is in a model object (``source``, a key path; None when the column is derived)."""

    name: str
    dtype: str
    doc: str
    source: tuple[str, ...] | None = None


#: Dtype names used below: ``str`` (pandas string), ``Int64`` / ``boolean`` (nullable),
#: ``float64``, ``bool``, ``datetime64[s, UTC]``, ``datetime64[s]`` (a date at midnight, no zone),
#: ``list<string>`` (Arrow list) and ``json`` (a ``str`` column holding JSON text).
COLUMNS: tuple[Column, ...] = (
    Column("id", "str", "model id as the API gives it: author/slug[:variant], may start with ~", ("id",)),
    Column("author", "str", "the part before the slash, without a leading ~"),
    Column("slug", "str", "the part after the slash, without the :variant suffix"),
    Column("variant", "str", "the suffix after ':' (free, thinking, nitro, ...) or null"),
    Column("is_alias", "bool", "true for ~author/...-latest aliases"),
    Column("canonical_slug", "str", "permanent slug of the model (null in bodies before 2025-11)", ("canonical_slug",)),
    Column("name", "str", "display name", ("name",)),
    Column("description", "str", "description text (the API cuts it to ~330 chars since 2026-04)", ("description",)),
    Column("hugging_face_id", "str", "Hugging Face repo id; the empty string becomes null"),
    Column("created", "datetime64[s, UTC]", "when the model was added to OpenRouter (UTC)", ("created",)),
    Column("knowledge_cutoff", "datetime64[s]", "training data cutoff date, or null", ("knowledge_cutoff",)),
    Column(
        "expiration_date", "datetime64[s]", "date after which the model may be removed, or null", ("expiration_date",)
    ),
    Column("context_length", "Int64", "context window in tokens", ("context_length",)),
    Column(
        "max_completion_tokens", "Int64", "top provider's max output tokens", ("top_provider", "max_completion_tokens")
    ),
    Column(
        "top_provider_context_length",
        "Int64",
        "top provider's context window in tokens",
        ("top_provider", "context_length"),
    ),
    Column("is_moderated", "boolean", "top provider moderates requests", ("top_provider", "is_moderated")),
    Column("modality", "str", "architecture.modality as given, e.g. text+image->text", ("architecture", "modality")),
    Column("tokenizer", "str", "tokenizer family", ("architecture", "tokenizer")),
    Column("instruct_type", "str", "instruct template, or null", ("architecture", "instruct_type")),
    Column("input_modalities", "list<string>", "input modalities (parsed from modality in old bodies)"),
    Column("output_modalities", "list<string>", "output modalities (parsed from modality in old bodies)"),
    Column("prompt_usd_per_mtok", "float64", "prompt price in USD per million tokens (exact decimal scaling)"),
    Column("completion_usd_per_mtok", "float64", "completion price in USD per million tokens (exact decimal scaling)"),
    Column(
        "is_free",
        "boolean",
        "every price the model lists is 0 and every generated output (image, audio, video...) has a listed "
        "price or the id is a :free variant (is_free_rule); null when dynamically priced, prompt/completion "
        "is missing, or all listed prices are 0 but a generated output's price is not listed",
    ),
    Column("dynamic_pricing", "bool", "some price was '-1' (router/alias: price decided per request)"),
    Column("pricing_overrides", "json", "pricing.overrides (conditional prices), or null", ("pricing", "overrides")),
    Column("supported_parameters", "list<string>", "request parameters the model accepts", ("supported_parameters",)),
    Column("supported_voices", "list<string>", "TTS voices, or null", ("supported_voices",)),
    Column("reasoning", "json", "the reasoning object, or null", ("reasoning",)),
    Column("benchmarks", "json", "the benchmarks object, or null", ("benchmarks",)),
    Column("alias_target_slug", "str", "for ~...-latest aliases: the concrete model id", ("alias_target", "slug")),
    Column("alias_target_name", "str", "for ~...-latest aliases: the concrete model name", ("alias_target", "name")),
    Column("links_details", "str", "links.details: API path of the endpoints listing", ("links", "details")),
    Column("extra", "json", "every field the contract does not know, as {path: value}, or null"),
)

#: Columns the snapshot store adds to the frames it loads (``load``, ``history``).
STORE_COLUMNS: tuple[Column, ...] = (
    Column("snapshot_id", "str", "the snapshot a row comes from"),
    Column("fetched_at", "datetime64[us, UTC]", "when that snapshot was fetched (UTC)"),
    Column(
        "scope",
        "str",
        "what the snapshot covers: 'catalog', '/models output_modalities=text' (the server's default list), "
        "or a filtered, regional or per-key fetch",
    ),
)

#: Price keys that always get a column, even when a body lacks them (older or newer schemas).
KNOWN_PRICE_KEYS: tuple[str, ...] = (
    "prompt",
    "completion",
    "request",
    "image",
    "web_search",
    "internal_reasoning",
    "input_cache_read",
    "input_cache_write",
)


#: Modalities that always get input_/output_ columns (and the values the input_modalities filter knows).
KNOWN_MODALITIES: tuple[str, ...] = ("text", "image", "audio", "file", "video", "embeddings")

#: Values the API's output_modalities filter accepts besides ``all`` (the spec's output modality enum).
OUTPUT_MODALITIES: tuple[str, ...] = (*KNOWN_MODALITIES, "rerank", "speech", "transcription")

#: Default-parameter keys that always get a default_ column.
KNOWN_DEFAULT_KEYS: tuple[str, ...] = (
    "temperature",
    "top_p",
    "top_k",
    "frequency_penalty",
    "presence_penalty",
    "repetition_penalty",
)

#: Column families: prefix -> (dtype, meaning and unit).
FAMILIES: dict[str, tuple[str, str]] = {
    "input_": ("bool", "the model accepts this input modality"),
    "output_": ("bool", "the model produces this output modality"),
    "price_": (
        "float64",
        "pricing.<key> as float in the API's unit (PRICE_UNITS): USD per token for token prices "
        "(image_output and image_token: per image token), USD per request / input image / search for "
        "request, image, web_search (image: per image token where it equals prompt, image_is_token_rate); "
        "a key of unknown unit as the API wrote it; null when missing or '-1'",
    ),
    "default_": ("float64", "default_parameters.<key>, null when unset"),
    "per_request_limit_": (
        "float64",
        "per_request_limits.<key> in tokens (2024 bodies; 'Infinity' becomes inf)",
    ),
}


def bool_array(column: Any) -> Any:
    """A boolean column as a numpy bool array (null as False)."""
    import numpy as np

    return column.to_numpy() if column.dtype == np.bool_ else column.to_numpy(dtype=bool, na_value=False)


def dtype_of(column: str) -> str | None:
    """The declared dtype name of a column (see the dtype names above), or None for an undeclared one.

    Fixed columns and the store's columns by name, then families by prefix (``price_<key>``, ...).
    """
    for col in (*COLUMNS, *STORE_COLUMNS):
        if col.name == column:
            return col.dtype
    for prefix, (dtype, _doc) in FAMILIES.items():
        if column.startswith(prefix):
            return dtype
    return None


def _table(rows: list[tuple[str, str, str]]) -> str:
    return "\n".join(f"- ``{n}`` ({d}): {doc}" for n, d, doc in rows)


__doc__ = __doc__.format(  # the docstring renders the declared contract
    min_time=MIN_TIME,
    max_time=MAX_TIME,
    fixed_table=_table(
        [(c.name, c.dtype, c.doc + (f" (from ``{'.'.join(c.source)}``)" if c.source else "")) for c in COLUMNS]
    ),
    family_table=_table([(p + "<key>", d, doc) for p, (d, doc) in FAMILIES.items()]),
)
