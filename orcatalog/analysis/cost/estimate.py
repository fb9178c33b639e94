"""What one workload costs on each model: :func:`estimate_cost`, the public entry (its docstring is
the worked statement of every cost rule: parts, per-unit counts, overrides, which models are
priced), put together from the steps of this package.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ...workload import TOKEN_ARGUMENTS
from ..args import frame_arg
from .counts import check_workload
from .endpoints import as_models, endpoint_result, is_endpoints_frame
from .overrides import _clock
from .rank import _result
from .serve import _wanted_outputs
from .totals import _costs


def _check_models(models: Any) -> pd.DataFrame:
    if is_endpoints_frame(models):
        return frame_arg("endpoints", models, "model_id", "tag", "price_prompt", "price_completion")
    return frame_arg("models", models, "id", "price_prompt", "price_completion")


def estimate_cost(
    models: pd.DataFrame,
    prompt_tokens: int | float | Mapping[str, Any] = 0,
    completion_tokens: int | float = 0,
    *,
    cached_tokens: int | float = 0,
    cache_write_tokens: int | float = 0,
    reasoning_tokens: int | float = 0,
    requests: int | None = None,
    web_searches: int | float = 0,
    images: int | float = 0,
    audio_tokens: int | float = 0,
    audio_output_tokens: int | float = 0,
    image_output_tokens: int | float = 0,
    at: Any = None,
    output_modalities: Any = None,
) -> pd.DataFrame:
    """What one workload costs on each model, in USD, component by component.

    Token arguments mean what the API's usage object (``ChatUsage``) means: ``cached_tokens``,
    ``cache_write_tokens`` and ``audio_tokens`` (audio input) are *parts of* ``prompt_tokens``;
    ``reasoning_tokens``, ``audio_output_tokens`` and ``image_output_tokens`` are parts of
    ``completion_tokens``. Each part is priced at its own key (``input_cache_read``,
    ``input_cache_write``, ``audio``, ``internal_reasoning``, ``audio_output``, ``image_output``, or for image output
    ``image_token`` when ``image_output`` has no price: all USD per token, see
    :data:`orcatalog.schema.PRICE_UNITS`) when that key has a non-zero price, else
    at the base prompt or completion price (zero and absent both mean "no separate rate"); the rest of
    the prompt and completion tokens at ``prompt`` / ``completion``. ``requests``, ``web_searches``
    and ``images`` (input images) are counted at ``request`` (USD per request), ``web_search`` (per
    search) and ``image`` (per input image), and only when the workload names them: without
    ``requests=`` no request fee is counted, and a model that lists one says so in ``note``. An
    absent optional price costs zero (the zero/absent rule, :func:`orcatalog.schema.settled_prices`),
    an absent prompt or completion price is unknown. A ``discount`` multiplies the total by
    ``1 - discount``.

    **Which models are priced** (the one rule, ``_cannot_serve`` in :mod:`.serve`, listed in its
    docstring; the ``cost`` command, the report and :func:`orcatalog.frontier` use it too): a model
    must produce every modality in ``output_modalities`` (default: ``text``, for every workload,
    prompt-only included: a workload for embedding, rerank, speech or image models names that
    output, ``output_modalities="embeddings"``; only a workload whose completion tokens are all
    ``audio_output_tokens`` / ``image_output_tokens`` asks for no modality by default, those parts
    asking for their own output; a frame without an ``output_modalities`` column gets no default
    condition), accept what the counted parts send
    (``audio_tokens``: audio input, ``images``: image input) and produce what they ask for
    (``audio_output_tokens``: audio or speech, ``image_output_tokens``: image), and the catalog must
    price the workload there. A row that cannot be priced for the workload has no total (NaN), no
    rank (NA) and a ``note`` saying why, never a zero: "does not accept audio input", "does not
    produce audio output"; an output asked for but not counted on a model that prices it at its own
    rate; completion tokens priced 0 on a model that is not free (embedding, rerank); web searches
    on a model that lists no ``web_search`` price (the search engine's fee is not in the catalog);
    an ``image`` price that is a per-token rate when ``images`` are counted; a total of 0 on a model
    that lists prices only for parts the workload does not name. An absent ``request`` price is no
    fee, an absent ``image`` price no per-image fee (the image is billed as prompt tokens). A total
    of 0 therefore means a free model (every price it lists is zero).

    Counts are totals for the workload, spread evenly over ``requests`` requests. Overrides
    (``pricing_overrides``, the spec's ``PricingOverride``) apply per request: an entry applies when
    all its conditions hold — the request's whole prompt (``prompt_tokens / requests``, parts
    included) is strictly greater than ``min_prompt_tokens``, and ``at`` falls in the daily UTC window
    ``[utc_start, utc_end)`` (HHMM, wrapping past midnight when start > end); later entries win per
    key; keys an entry leaves out keep the base price. With ``at=None`` a time-window entry does not
    apply and the ``note`` says so.

    Worked example: a model at prompt $3/M, completion $15/M, ``input_cache_read`` $0.30/M and an
    override ``{"min_prompt_tokens": 200000, "prompt": "0.000006"}``; ``prompt_tokens=100_000,
    cached_tokens=40_000, completion_tokens=2_000`` costs 60,000 x $3/M = $0.18 (prompt) +
    40,000 x $0.30/M = $0.012 (cached) + 2,000 x $15/M = $0.03 (completion) = $0.222; the override
    does not apply (100,000 is not above 200,000).

    Token counts differ between tokenizers: the same text is a different number of tokens on
    different models (see the ``tokenizer`` column). This function prices the counts you give for
    every model alike and does not pretend otherwise; compare models with counts from each one's own
    tokenizer when it matters.

    **An endpoints frame** (:func:`orcatalog.fetch_endpoints`: ``model_id`` and ``tag``, one row per
    provider endpoint) is priced endpoint by endpoint by the same rules: its list prices, its
    ``pricing_overrides``, then its ``discount`` (the total times ``1 - discount``); ``rank`` and
    ``x_cheapest`` are then within each model, so ``rank == 1`` is each model's cheapest paid provider.

    Args:
        models: a contract frame (one row per model), a history frame (one row per model and
            snapshot: cost over time), or an endpoints frame (one row per endpoint).
        prompt_tokens: prompt tokens in total, or a usage mapping with the API's names
            (``{"prompt_tokens": .., "completion_tokens": .., "prompt_tokens_details":
            {"cached_tokens": ..}, ...}``; dotted names like ``prompt_tokens_details.cached_tokens``
            too); then give no other token argument.
        completion_tokens: completion (output) tokens in total.
        cached_tokens, cache_write_tokens, audio_tokens: parts of prompt_tokens (tokens).
        reasoning_tokens, audio_output_tokens, image_output_tokens: parts of completion_tokens
            (tokens; image_output_tokens is the API's ``completion_tokens_details.image_tokens``).
        requests: how many requests the workload is (>= 1), or None: tokens are then one request's
            and no request fee is counted.
        web_searches, images: counts (searches, input images).
        at: when the requests are made, for time-window overrides: any time
            :func:`orcatalog.times.parse_time` reads (UTC unless it says otherwise).
        output_modalities: what the models must produce: a name, comma-separated names or a list
            from the API's output modality enum (``text``, ``image``, ``embeddings``, ``audio``,
            ``video``, ``rerank``, ``speech``, ``transcription``), or ``"all"`` (alias ``"any"``) for no
            condition; an empty value is refused (:func:`orcatalog.fetch.params.modalities`, the one
            vocabulary); default ``text`` (above), prompt-only workloads included.

    Returns:
        One row per model (per model and snapshot for a history frame): ``id`` (plus ``fetched_at``
        and ``snapshot_id`` for history), ``cost_<component>`` (USD) for prompt, cached, cache_write,
        audio_input, completion, reasoning, audio_output, image_output, requests, web_search, images,
        ``total_usd``, ``x_cheapest`` (total / the cheapest non-zero total of the same
        snapshot; 0 for free models), ``rank`` (nullable Int64, the one ranking rule the ``cost`` command and the report print
        too: 1 = the cheapest *paid* model, counted among the rows with a total above zero; equal
        totals share a rank; 0 = free, total 0, cheaper than any rank; NA without a total) and ``note`` (why a total
        is missing: plain text, pandas' ``str`` dtype, NaN for none, so ``fillna("")`` and ``.str``
        work as on any text column).
        An endpoints frame gives ``model_id``, ``tag`` and ``provider_name`` (and ``error`` from a
        many-model fetch: its rows have no total and the fetch error as ``note``) in place of
        ``id``, ``discount_usd`` before ``total_usd`` (what the endpoint's discount takes off the
        sum of the components, so ``total_usd`` = the ``cost_*`` columns' sum - ``discount_usd``),
        the models in the frame's order, each one's endpoints cheapest first, and keeps the
        frame's index (the rows join back to it).
        A catalog comes back sorted cheapest first; a history keeps its own order (time, then id)
        with ``rank`` within each snapshot. No number is ever
        negative, and a missing total always has a note. ``attrs["workload"]`` holds the non-zero
        counts priced (argument names, e.g. ``{"prompt_tokens": 1000000, "requests": 1}``).

    Raises:
        InvalidParameterError: not a contract frame; a count that is negative, not a number, or
            parts exceeding their whole; requests < 1; an unreadable ``at``; an unknown output modality.
    """
    given = locals()  # the arguments, read by the names of COMPONENTS (the one list of them)
    source = _check_models(models)
    endpoints = is_endpoints_frame(source)
    models = as_models(source) if endpoints else source
    counts = check_workload(**{name: given[name] for name in TOKEN_ARGUMENTS}, at=at)
    wanted = _wanted_outputs(counts, output_modalities, models)
    clock = _clock(at, len(models))
    # columns read off a view without attrs: pandas deep-copies a frame's attrs (a history's
    # snapshot times) into every column it hands out, which would cost more than the arithmetic
    view = pd.DataFrame(models, copy=False)
    costs = _costs(view, counts, clock, wanted)
    out = endpoint_result(source, costs) if endpoints else _result(view, costs)
    out.attrs = {k: v for k, v in source.attrs.items() if isinstance(v, (str, int, float, bool)) or v is None}
    out.attrs["workload"] = {k: int(v) if float(v).is_integer() else v for k, v in counts.items() if v}
    out.attrs["output_modalities"] = list(wanted)
    return out
