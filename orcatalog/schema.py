"""The column contract: every column of a models frame, its dtype and its unit, in one place.

(The endpoints and providers contracts live beside it in :mod:`orcatalog.schema_endpoints`, built
from this module's :class:`Column`, dtype names and price rules.)

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

**Units of the price keys** (decided from the evidence below, not only from the spec's words; the one
table is :data:`PRICE_UNITS`, and every unit label, ``_usd`` / ``_usd_per_mtok`` column name and cost
reads it):

- per token (USD per token in ``price_<key>``, shown as USD per million tokens): ``prompt``,
  ``completion``, ``input_cache_read``, ``input_cache_write``, ``input_cache_write_1h``,
  ``internal_reasoning``, ``audio``, ``audio_output``, ``input_audio_cache`` (the spec says so, and
  the recorded values agree: openai/gpt-audio ``audio`` ``"0.000032"`` is OpenAI's $32 per million
  audio input tokens);
- ``image_output`` and ``image_token``: **per image token**, although the spec calls ``image_output``
  "USD per output image". Every recorded value is a provider's per-million-token image rate:
  google/gemini-2.5-flash-image ``"0.00003"`` is Google's $30 per million image-output tokens,
  openai/gpt-5-image ``"0.00004"`` and gpt-5-image-mini ``"0.000008"`` are OpenAI's $40 and $8 per
  million image-output tokens; as USD per image they would be $0.00003 for an image that costs about
  $0.04. seedream lists ``image_output`` and ``image_token`` as the same value, which at about 3,580
  tokens per image gives the $0.03 per image it costs elsewhere. Image-output tokens are a part of
  ``completion_tokens`` (the API's ``completion_tokens_details.image_tokens``);
- ``image``: **USD per input image** (the spec; the website's "$4.8/K input imgs" for
  anthropic/claude-3.5-sonnet ``"0.0048"``). Every body up to 2026-01-15 holds such per-image values
  (0.0001 to 0.07). But from late January 2026 (and for openai/gpt-5-image since 2025-11) every non-zero
  ``image`` equals the model's own ``prompt`` price: it is then the per-token rate of image *input
  tokens*, which the prompt tokens already count. So ``image``'s unit is decided per row, by
  :func:`image_is_token_rate` (the one place that rule lives): USD per input image, or USD per
  image input token where it equals ``prompt``. The column keeps the API's value; a table's
  ``price_image_usd`` (USD per input image) leaves a per-token rate blank, with a footnote
  (:func:`not_in_column_unit`); change reports show it in ``USD/Mtok`` on such rows, and a switch
  between the two is ``unit changed``; a cost that would read it as a per-image fee gets a note;
- per request: ``request``; per search: ``web_search`` (``"0.014"`` is Google's $14 per 1,000
  grounded searches, ``"0.01"`` OpenAI's $10 per 1,000);
- ``discount``: a fraction (0 to 1), not a price;
- a key not declared here (``video_second``, say, or any key the API adds later) has the unit
  ``"unknown"`` (:data:`UNKNOWN_UNIT`): its ``price_<key>`` keeps the API's number, no display scales
  it to USD per million tokens, and every answer that shows it names it once
  (:func:`unknown_unit_note`). Guessing "per token" would show a price per second or per image a
  million times too high.

**Free** (``is_free``; the one rule is :func:`is_free_rule`): a model is free only if every price it
lists is zero **and** every non-text output it produces (image, audio, speech, video, ...) has a
listed price key for it (:data:`OUTPUT_PRICE_KEYS`; a ``"0"`` counts) or it is an explicit
``:free`` variant. Otherwise its price for that output is *not listed*: ``is_free`` is null
(unknown, neither free nor paid), and a cost for it gets the note "produces audio output at a price
the catalog does not list", never $0 rank 1. The case: google/lyria-3-pro-preview and
lyria-3-clip-preview (2026-08-17) list prompt and completion ``"0"`` and nothing else, produce
audio, and cost $0.08 per song / $0.04 per clip by their descriptions. ``openrouter/free`` (a router
listing ``"0"``, text output only, routing to free models) is free by the rule.

**Zero and absent prices** (the rule every comparison and cost uses, via :func:`settled_prices`):
an optional price key (anything but ``prompt`` and ``completion``) that a body leaves out costs
nothing, exactly like ``"0"`` (since January 2026 the API omits optional keys whose price is zero),
so a key going between ``"0"`` and absent is never a change. An absent ``prompt`` or
``completion`` price is *unknown*, not zero. A dynamically priced model (``"-1"``) keeps null.

**The price-column rule** (is this column a price?): a column of the ``price_`` family
(:data:`FAMILIES`), by its name: :func:`is_price_column`, called wherever a column name is asked;
:func:`price_columns` adds that a frame's column holds numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "Column",
    "is_price_column",
    "COLUMNS",
    "FAMILIES",
    "SCHEMA_VERSION",
    "KNOWN_PRICE_KEYS",
    "BASE_PRICE_KEYS",
    "KNOWN_MODALITIES",
    "OUTPUT_MODALITIES",
    "KNOWN_DEFAULT_KEYS",
    "MIN_TIME",
    "MAX_TIME",
    "MAX_COUNT",
    "settled_prices",
    "settled_price_arrays",
    "price_columns",
    "lists_only_zero_prices",
    "is_free_rule",
    "frame_is_free",
    "frame_unlisted_outputs",
    "unlisted_output_prices",
    "OUTPUT_PRICE_KEYS",
    "UNPRICED_OUTPUTS",
    "dtype_of",
    "STORE_COLUMNS",
    "PER_UNIT_PRICE_KEYS",
    "PRICE_UNITS",
    "TOKEN_PRICE_KEYS",
    "UNKNOWN_UNIT",
    "price_unit",
    "price_display_unit",
    "price_display_units",
    "price_heading",
    "price_field",
    "unknown_price_columns",
    "unknown_unit_note",
    "image_is_token_rate",
    "priced_only_otherwise",
    "output_price_unlisted",
    "without_token_price",
    "priced_first",
    "how_priced",
    "not_in_column_unit",
    "PER_TOKEN_COLUMNS",
]

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


#: Price keys whose absence means "unknown"; every other price key is optional (absent means 0).
BASE_PRICE_KEYS: tuple[str, ...] = ("prompt", "completion")

#: Price keys charged per token (``price_<key>`` in USD per token; shown in USD per million tokens):
#: the spec's and the recordings' word for each (see "Units of the price keys" above).
TOKEN_PRICE_KEYS: tuple[str, ...] = (
    "prompt",
    "completion",
    "input_cache_read",
    "input_cache_write",
    "input_cache_write_1h",
    "internal_reasoning",
    "audio",
    "audio_output",
    "input_audio_cache",
    "image_output",
    "image_token",
)

#: The unit of every declared price key (see "Units of the price keys" above): ``price_<key>``
#: holds USD per this unit (``discount``: a fraction). A key not listed here has the unit
#: :data:`UNKNOWN_UNIT` (:func:`price_unit`).
PRICE_UNITS: dict[str, str] = {
    **dict.fromkeys(TOKEN_PRICE_KEYS, "token"),
    "request": "request",
    "image": "image",
    "web_search": "search",
    "discount": "fraction",
}

#: The unit of a price key this module does not declare: its value is kept as the API wrote it,
#: never scaled to USD per million tokens, and answers that show it say so once
#: (:func:`unknown_unit_note`).
UNKNOWN_UNIT = "unknown"

#: Price keys charged per request / input image / search (``image``: when it is not a per-token
#: rate, :func:`image_is_token_rate`).
PER_UNIT_PRICE_KEYS: tuple[str, ...] = tuple(k for k, unit in PRICE_UNITS.items() if unit not in ("token", "fraction"))

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


def settled_prices(frame: Any, columns: Any = None) -> Any:
    """The price columns of a contract (or history) frame with the zero/absent rule applied.

    The one place the rule lives (see the module docstring): in every ``price_<key>`` column
    except ``price_prompt`` and ``price_completion``, a null becomes ``0.0`` unless the row is
    dynamically priced (``dynamic_pricing`` true), where it stays null. Values keep the API's unit
    (USD per token, per request, per image, per search).

    Args:
        frame: a DataFrame with ``price_*`` columns (and ideally ``dynamic_pricing``).
        columns: the price columns to return (default every ``price_*`` column of ``frame``).

    Returns:
        A new float64 DataFrame with those columns, same index; ``frame`` is not modified.

    Raises:
        KeyError: a requested column is not in ``frame``.
    """
    import pandas as pd

    return pd.DataFrame(settled_price_arrays(frame, columns), index=frame.index)


def is_price_column(name: Any) -> bool:
    """The price-column rule, in one place: whether ``name`` is a column of the ``price_`` family
    (:data:`FAMILIES`: one ``price_<key>`` column per pricing key, in the API's unit).

    Args:
        name: a column name (anything else is not a price column).

    Returns:
        True for ``price_prompt``, ``price_image_output``, ...; False for ``prompt_usd_per_mtok``,
        ``pricing_overrides`` or a non-string.
    """
    return isinstance(name, str) and name.startswith("price_")


def price_columns(frame: Any) -> list[str]:
    """The frame's price columns: the ``price_`` family (:data:`FAMILIES`; numbers in the API's
    unit). A ``price_*`` column that does not hold numbers is not a price: ``price_source`` of
    :func:`orcatalog.price_at` says where a price came from (exact, nearest, missing)."""
    import pandas as pd

    types = pd.api.types
    return [
        c
        for c in frame.columns
        if is_price_column(str(c))
        and types.is_numeric_dtype(frame[c].dtype)
        and not types.is_bool_dtype(frame[c].dtype)
    ]


def settled_price_arrays(frame: Any, columns: Any = None) -> dict[str, Any]:
    """:func:`settled_prices` as ``{column: float64 numpy array}`` (no DataFrame built; hot paths).

    Raises:
        KeyError: a requested column is not in ``frame``.
    """
    import numpy as np

    names = price_columns(frame) if columns is None else list(columns)
    missing = [c for c in names if c not in frame.columns]
    if missing:
        raise KeyError(f"no price column(s) {missing} in the frame")
    dynamic = bool_array(frame["dynamic_pricing"]) if "dynamic_pricing" in frame.columns else np.zeros(len(frame), bool)
    out = {}
    for name in names:
        column = frame[name]
        values = (
            column.to_numpy(copy=True)
            if column.dtype == np.float64
            else column.to_numpy(dtype=float, na_value=np.nan, copy=True)
        )
        if name[len("price_") :] not in BASE_PRICE_KEYS:
            values[np.isnan(values) & ~dynamic] = 0.0
        out[name] = values
    return out


#: The price keys that price each generated (non-text) output modality: a model producing it
#: lists one of them (``"0"`` counts) or its price for that output is "not listed" (the ``is_free``
#: rule, :func:`unlisted_output_prices`). A generated modality not named here (``video``, or one the
#: API adds later) is priced by any key that starts with its name (``video``, ``video_second``). A
#: listed ``request`` price prices whatever a request produces, so it counts for every output
#: (runway/gen-4.5: video at ``request`` $0.25).
OUTPUT_PRICE_KEYS: dict[str, tuple[str, ...]] = {
    "image": ("image_output", "image_token"),
    "audio": ("audio_output",),
    "speech": ("audio_output",),
}

#: Output modalities that are not generated media priced on their own: text is priced by
#: ``completion``; embeddings, rerank scores and transcripts are what the input tokens buy.
UNPRICED_OUTPUTS: tuple[str, ...] = ("text", "embeddings", "rerank", "transcription")


def unlisted_output_prices(prices: Any, outputs: Any, ids: Any) -> Any:
    """The generated outputs each row produces at a price the catalog does not list: part of the
    ``is_free`` rule (:func:`is_free_rule`), in one place.

    A model that produces image, audio, speech, video, ... output lists a price key for it
    (:data:`OUTPUT_PRICE_KEYS`, or ``request``; a ``"0"`` counts) or is an explicit ``:free`` variant; otherwise
    what it charges for that output is not in the catalog. Real case (2026-08-17 body):
    google/lyria-3-pro-preview and lyria-3-clip-preview list prompt and completion ``"0"`` and
    nothing else, produce audio (music), and their descriptions say $0.08 per song / $0.04 per clip.

    Args:
        prices: ``{key or price_<key>: float array}`` as the body listed them (absent as NaN, not
            settled to 0).
        outputs: the rows' output modalities (lists; None when unknown: nothing is missing).
        ids: the rows' model ids (``...:free`` rows miss nothing).

    Returns:
        A numpy object array: per row, the unlisted outputs joined with ``" + "`` ("" for none).
    """
    import numpy as np

    listed = {str(k).removeprefix("price_"): ~np.isnan(np.asarray(v, dtype=float)) for k, v in prices.items()}
    n = len(ids)
    out = np.full(n, "", dtype=object)
    free_variant = np.fromiter((str(mid).endswith(":free") for mid in ids), dtype=bool, count=n)
    groups: dict[tuple[str, ...], list[int]] = {}  # rows by their generated outputs (few distinct sets)
    for i, mods in enumerate(outputs):
        if mods is None or free_variant[i] or (np.ndim(mods) == 0 and not isinstance(mods, str)):
            continue
        generated = tuple(str(m) for m in ([mods] if isinstance(mods, str) else mods) if m not in UNPRICED_OUTPUTS)
        if generated:
            groups.setdefault(generated, []).append(i)
    for generated, members in groups.items():
        rows = np.asarray(members)
        missing = np.full(len(rows), "", dtype=object)
        for m in generated:
            keys = (*(OUTPUT_PRICE_KEYS.get(m) or tuple(k for k in listed if k.startswith(m))), "request")
            has = np.zeros(len(rows), dtype=bool)
            for k in keys:
                if k in listed:
                    has |= listed[k][rows]
            missing[~has] = [f"{x} + {m}" if x else m for x in missing[~has]]
        out[rows] = missing
    return out


def is_free_rule(prices: Any, outputs: Any, ids: Any, dynamic: Any) -> Any:
    """The ``is_free`` rule, in one place: a model is free only if every price it lists is zero
    (:func:`lists_only_zero_prices`) **and** every generated output it produces has a listed price
    (:func:`unlisted_output_prices`; a ``"0"`` counts) or it is an explicit ``:free`` variant.

    - True: free (e.g. every ``...:free`` variant; ``openrouter/free``, a router that lists prompt
      and completion ``"0"``, produces only text and routes to free models: free by the rule);
    - False: some listed price is above zero (paid, whatever it lists or not for its outputs);
    - NA (unknown): prompt or completion missing, dynamically priced (``"-1"``), or every listed
      price is zero but a generated output's price is not listed (google/lyria-3-pro-preview:
      prompt and completion ``"0"``, audio output, $0.08 per song in its description). NA, not
      False: the catalog does not say what it costs, so it is neither free nor priced; ``select``
      (free= True or False), the report's free table and costs leave it out, and a cost names
      the unlisted output in its note.

    Args:
        prices: ``{key or price_<key>: float array}`` as listed (absent as NaN).
        outputs: the rows' output modalities (None where unknown).
        ids: the rows' model ids.
        dynamic: bool array, dynamically priced rows.

    Returns:
        A ``pandas.arrays.BooleanArray``.
    """
    import numpy as np
    import pandas as pd

    arrays = {str(k).removeprefix("price_"): np.asarray(v, dtype=float) for k, v in prices.items()}
    free = lists_only_zero_prices(arrays)
    unlisted = unlisted_output_prices(arrays, outputs, ids) != ""
    unknown = np.isnan(arrays["prompt"]) | np.isnan(arrays["completion"]) | np.asarray(dynamic, dtype=bool)
    return pd.arrays.BooleanArray(free & ~unlisted, unknown | (free & unlisted))


def _rule_inputs(frame: Any) -> tuple[dict[str, Any], list[Any], list[str]]:
    """A frame's listed prices (absent as NaN), output modalities and ids, as the rule takes them
    (frames without ``output_modalities`` or ``id``: unknown outputs, nothing unlisted)."""
    import numpy as np

    n = len(frame)
    prices = {c: frame[c].to_numpy(dtype=float, na_value=np.nan) for c in price_columns(frame)}
    outputs = frame["output_modalities"].tolist() if "output_modalities" in frame.columns else [None] * n
    ids = frame["id"].astype(str).tolist() if "id" in frame.columns else [""] * n
    return prices, outputs, ids


def frame_unlisted_outputs(frame: Any) -> Any:
    """:func:`unlisted_output_prices` on a frame's columns (one value per row, "" for none)."""
    return unlisted_output_prices(*_rule_inputs(frame))


def frame_is_free(frame: Any) -> Any:
    """:func:`is_free_rule` on a frame: its ``is_free`` column when it has one, else the rule on its
    price columns, ``output_modalities`` and ``id``. Returns a ``pandas.arrays.BooleanArray``."""
    import numpy as np
    import pandas as pd

    if "is_free" in frame.columns:
        return pd.array(frame["is_free"], dtype="boolean")
    dynamic = bool_array(frame["dynamic_pricing"]) if "dynamic_pricing" in frame.columns else np.zeros(len(frame), bool)
    return is_free_rule(*_rule_inputs(frame), dynamic)


def lists_only_zero_prices(prices: Any) -> Any:
    """Whether every price a row lists is zero: the prices half of the ``is_free`` rule
    (:func:`is_free_rule` adds the outputs half).

    Args:
        prices: ``{key or price_<key>: float array}`` in the API's unit (absent as NaN); ``discount``
            (a fraction, not a price) and ``overrides`` are ignored.

    Returns:
        A bool array: prompt and completion are 0 and no other key is above 0 (absent and ``"0"``
        cost nothing). Unknown prompt/completion gives False here; the caller marks it null.
    """
    import numpy as np

    arrays = {str(k).removeprefix("price_"): np.asarray(v, dtype=float) for k, v in prices.items()}
    out = (arrays["prompt"] == 0) & (arrays["completion"] == 0)
    for key, values in arrays.items():
        if key not in (*BASE_PRICE_KEYS, "discount", "overrides"):
            out &= ~(values > 0)
    return out


def priced_only_otherwise(frame: Any) -> Any:
    """Rows that list no per-token price but do list another: prompt and completion are 0 while the
    row is not free by the ``is_free`` rule (:func:`lists_only_zero_prices`; the column when the
    frame has it, else computed from the settled prices). Such a model is priced per image token,
    request, audio second, ...; its per-token 0 is not a price to show beside free models' (tables
    show it blank, with a footnote).

    Args:
        frame: a contract (or history) frame with ``price_prompt`` and ``price_completion``.

    Returns:
        A numpy bool array, one value per row (False for dynamically priced or unknown rows).
    """
    import numpy as np

    prompt = frame["price_prompt"].to_numpy(dtype=float, na_value=np.nan)
    completion = frame["price_completion"].to_numpy(dtype=float, na_value=np.nan)
    if "is_free" in frame.columns:
        free = frame["is_free"].to_numpy(dtype=bool, na_value=True)  # unknown (dynamic): not "priced otherwise"
    else:
        free = lists_only_zero_prices(settled_price_arrays(frame))
    return (prompt == 0) & (completion == 0) & ~free


def output_price_unlisted(frame: Any) -> Any:
    """Rows that list every price as zero but produce an output whose price the catalog does not
    list: the rows :func:`is_free_rule` makes NA for that reason (not dynamic, not unknown).
    google/lyria-3-pro-preview lists prompt and completion ``"0"`` and makes audio at $0.08 a song
    (its description): its per-token 0 is not what it costs, and it is neither free nor priced
    otherwise (:func:`priced_only_otherwise` leaves it out: it lists no other price).

    Args:
        frame: a contract (or history) frame with ``price_prompt`` and ``price_completion``
            (without ``output_modalities`` no row is concerned).

    Returns:
        A numpy bool array, one value per row.
    """
    import numpy as np

    prices, outputs, ids = _rule_inputs(frame)
    dynamic = bool_array(frame["dynamic_pricing"]) if "dynamic_pricing" in frame.columns else np.zeros(len(frame), bool)
    zero = lists_only_zero_prices(prices)
    return np.asarray(zero & (unlisted_output_prices(prices, outputs, ids) != "") & ~dynamic, dtype=bool)


def without_token_price(frame: Any) -> Any:
    """Rows that have no per-token price to rank by: the one rule a price sort (``sort=
    "pricing-low-to-high"`` or ``"pricing-high-to-low"``, :func:`priced_first`) puts after the
    priced rows, in either direction. A row is without one when its prompt or completion price is
    unknown (dynamically priced, ``"-1"``; absent), when it is priced otherwise
    (:func:`priced_only_otherwise`: per image token, request, ...) or when its output's price is
    not listed (:func:`output_price_unlisted`). Free models (``is_free`` True) have one: 0.

    Args:
        frame: a contract frame with ``price_prompt`` and ``price_completion``.

    Returns:
        A numpy bool array, one value per row.
    """
    import numpy as np

    prompt = frame["price_prompt"].to_numpy(dtype=float, na_value=np.nan)
    completion = frame["price_completion"].to_numpy(dtype=float, na_value=np.nan)
    unknown = np.isnan(prompt) | np.isnan(completion)
    return np.asarray(unknown | priced_only_otherwise(frame) | output_price_unlisted(frame), dtype=bool)


def priced_first(frame: Any) -> Any:
    """``frame`` in its order, except that the rows :func:`without_token_price` come after the
    others (each part keeps its order; the index is renumbered, ``attrs`` kept; ``frame`` itself
    when it is in that order already). What a listing
    sorted by price shows: the API ranks a model by the mean of its prompt and completion prices,
    so a music model listing ``"0"`` for both (its audio priced nowhere in the catalog) would rank
    among the cheapest.

    Args:
        frame: a contract frame in the order the API answered.

    Returns:
        The frame so ordered.
    """
    import numpy as np

    after = without_token_price(frame)
    if not after.any() or after[int(np.argmax(after)) :].all():
        return frame  # already so ordered
    order = np.r_[np.flatnonzero(~after), np.flatnonzero(after)]
    out = frame.take(order).reset_index(drop=True)
    out.attrs = dict(frame.attrs)
    return out


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


def price_unit(column: str) -> str:
    """The unit of a price key or ``price_<key>`` column: ``"token"``, ``"request"``, ``"image"``,
    ``"search"``, ``"fraction"`` (:data:`PRICE_UNITS`), or :data:`UNKNOWN_UNIT` for a key not
    declared there (never guessed). The one lookup every unit label reads.

    Args:
        column: a price key (``image_output``) or column (``price_image_output``).

    Returns:
        The unit word.
    """
    key = column[len("price_") :] if is_price_column(column) else column
    return PRICE_UNITS.get(key, UNKNOWN_UNIT)


def price_display_unit(column: str) -> tuple[str, float]:
    """The unit in which change reports (``diff``, ``price_changes``, ``movers``) show a
    ``price_<key>`` column.

    Per-token prices are tiny numbers (``2.4e-07``) that displays round to ``0.0``; reports show
    them in USD per million tokens, the unit of the OpenRouter website. Per-request, per-image
    and per-search prices (:data:`PER_UNIT_PRICE_KEYS`) keep their own unit, and a key of unknown
    unit (:func:`price_unit`) keeps the API's number under the label ``unknown``.

    Args:
        column: a price column name, e.g. ``price_prompt``.

    Returns:
        ``(unit label, factor)``: multiply the column's API value by ``factor`` to get the unit,
        e.g. ``("USD/Mtok", 1e6)``, ``("USD/request", 1.0)`` or ``("unknown", 1.0)``.
    """
    unit = price_unit(column)
    if unit in ("fraction", UNKNOWN_UNIT):
        return unit, 1.0
    if unit == "token":
        return "USD/Mtok", 1e6
    return f"USD/{unit}", 1.0


def price_display_units(column: str, token_rate: Any = None) -> tuple[Any, Any]:
    """:func:`price_display_unit` per row: ``(unit labels, factors)`` as numpy arrays, where a row
    whose ``price_image`` is a per-token rate (``token_rate`` true, :func:`image_is_token_rate`) is
    shown in ``USD/Mtok`` (factor 1e6) instead of ``USD/image``.

    Args:
        column: the price column.
        token_rate: for ``price_image``, a bool array (one per row) from :func:`image_is_token_rate`;
            None for other columns (then every row has the column's unit).

    Returns:
        An object array of unit labels and a float array of factors, one per row (length of
        ``token_rate``, or 1 when it is None, to broadcast).
    """
    import numpy as np

    unit, factor = price_display_unit(column)
    if token_rate is None or price_unit(column) != "image":
        return np.array([unit], dtype=object), np.array([factor])
    rate = np.asarray(token_rate, dtype=bool)
    return np.where(rate, "USD/Mtok", unit).astype(object), np.where(rate, 1e6, factor)


def price_heading(column: str) -> str:
    """The name tables show a price column under, its unit in the name: ``price_<key>_usd_per_mtok``
    for a per-token key (values scaled by :func:`price_display_unit`'s factor, 1e6), ``price_<key>_usd``
    per request / input image / search (:data:`PER_UNIT_PRICE_KEYS`); any other column (a fraction,
    a key of unknown unit, ``prompt_usd_per_mtok``, a non-price) keeps its name.

    Args:
        column: a frame's column name.

    Returns:
        The heading.
    """
    if not is_price_column(column):
        return column
    if price_unit(column) == "token":
        return f"{column}_usd_per_mtok"
    if column[len("price_") :] in PER_UNIT_PRICE_KEYS:
        return f"{column}_usd"
    return column


def price_field(name: str, columns: Any) -> tuple[str, float] | None:
    """The column a price field ``name`` means, by either name it goes by: the column's own
    (``price_input_cache_read``) or the heading tables print it under (:func:`price_heading`,
    ``price_input_cache_read_usd_per_mtok``), with the factor that turns the column's API value
    into the unit the name says.

    Args:
        name: the name a user gave.
        columns: the frame's column names.

    Returns:
        ``(column, factor)``: ``("price_input_cache_read", 1e6)`` for the heading,
        ``("price_input_cache_read", 1.0)`` for the column's own name; None when no column goes by ``name``.
    """
    names = [str(c) for c in columns]
    if name in names:
        return name, 1.0
    for column in names:
        if is_price_column(column) and price_heading(column) == name:
            return column, price_display_unit(column)[1]
    return None


def unknown_price_columns(columns: Any) -> list[str]:
    """The ``price_<key>`` names among ``columns`` whose key has no declared unit (:func:`price_unit`).

    Args:
        columns: column names (a frame's ``columns``, or a list).

    Returns:
        Those names, each once, in their order.
    """
    names = dict.fromkeys(str(c) for c in columns)
    return [c for c in names if is_price_column(c) and price_unit(c) == UNKNOWN_UNIT]


def unknown_unit_note(columns: Any) -> str | None:
    """The one line an answer says, once, when it shows price keys of unknown unit, else None.

    Args:
        columns: the answer's column names, or the price fields it reports.

    Returns:
        ``"price key(s) video_second have no declared unit: ..."`` or None.
    """
    unknown = [c[len("price_") :] for c in unknown_price_columns(columns)]
    if not unknown:
        return None
    return (
        f"price key(s) {', '.join(unknown)} have no declared unit (orcatalog.schema.PRICE_UNITS): "
        "shown as the API wrote them, unit 'unknown', not scaled per million tokens"
    )


#: The per-token price columns of a models frame: what they hold is not a model's price when it
#: is priced otherwise (:func:`priced_only_otherwise`).
PER_TOKEN_COLUMNS: tuple[str, ...] = (
    "price_prompt",
    "price_completion",
    "prompt_usd_per_mtok",
    "completion_usd_per_mtok",
)


def not_in_column_unit(frame: Any, column: str) -> Any:
    """Rows whose value in ``column`` is not a price in the unit the column says: the one rule
    every table, ``show``, ``prices`` and price chart blanks by (and footnotes, :func:`how_priced`).

    - a per-token column (:data:`PER_TOKEN_COLUMNS`) of a model priced otherwise
      (:func:`priced_only_otherwise`: its per-token 0 is not its price);
    - ``price_image`` where it is a per-token rate of image input tokens, not a fee per input image
      (:func:`image_is_token_rate`).

    Args:
        frame: a contract (or history) frame; a frame without the columns a rule needs
            (``price_prompt``, ``price_completion``) has no such rows.
        column: one of its columns.

    Returns:
        A numpy bool array, one value per row.
    """
    import numpy as np

    none = np.zeros(len(frame), dtype=bool)
    if not {"price_prompt", "price_completion"} <= set(frame.columns):
        return none
    if column in PER_TOKEN_COLUMNS:
        return np.asarray(priced_only_otherwise(frame), dtype=bool)
    if column == "price_image":
        image = frame["price_image"].to_numpy(dtype=float, na_value=np.nan)
        prompt = frame["price_prompt"].to_numpy(dtype=float, na_value=np.nan)
        return np.asarray(image_is_token_rate(image, prompt), dtype=bool)
    return none


_UNIT_WORDS = {
    "token": "USD per token",
    "request": "USD per request",
    "image": "USD per input image",
    "search": "USD per search",
}


def how_priced(frame: Any, column: str = "price_prompt") -> list[str | None]:
    """What each row's price is where its value in ``column`` is not a price in the column's unit
    (:func:`not_in_column_unit`), in words for a footnote or legend: for a per-token column, the
    model's non-zero price keys by unit, e.g. ``"image_output, image_token (USD per token)"``,
    ``"request (USD per request)"``, ``"video_second (unit unknown)"``; for ``price_image``,
    ``"image (USD per image input token)"``. None for other rows.

    Args:
        frame: a contract (or history) frame.
        column: the column shown (default the per-token prompt price).

    Returns:
        One string or None per row.
    """
    import numpy as np

    rows = not_in_column_unit(frame, column)
    out: list[str | None] = [None] * len(frame)
    if not rows.any():
        return out
    if column == "price_image":
        return ["image (USD per image input token)" if r else None for r in rows.tolist()]
    skip = (*BASE_PRICE_KEYS, "discount")
    prices = {c[len("price_") :]: v for c, v in settled_price_arrays(frame).items() if c[len("price_") :] not in skip}
    for i in np.flatnonzero(rows).tolist():
        by_unit: dict[str, list[str]] = {}
        for key, values in prices.items():
            if values[i] > 0:
                by_unit.setdefault(price_unit(key), []).append(key)
        out[i] = "; ".join(
            f"{', '.join(keys)} ({_UNIT_WORDS.get(unit) or f'unit {unit}'})" for unit, keys in by_unit.items()
        )
    return out


def image_is_token_rate(image: Any, prompt: Any) -> Any:
    """Whether an ``image`` price is a per-token rate of image input tokens rather than a per-image
    fee: true where it is non-zero and equal to the row's ``prompt`` price (see "Units of the price
    keys" in the module docstring: the API's bodies since late January 2026 write it so).

    Args:
        image, prompt: ``price_image`` and ``price_prompt`` values (USD; scalars or numpy arrays).

    Returns:
        A bool (or a bool array of the same shape).
    """
    import numpy as np

    image = np.asarray(image, dtype=float)
    prompt = np.asarray(prompt, dtype=float)
    return (image > 0) & (image == prompt)


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
