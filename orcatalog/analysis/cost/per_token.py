"""The per-token workload each output modality is compared on (:func:`_per_token_workload`: what
models of that output are priced on) and what it costs on each row (:func:`per_token_totals`, by the
one rule of :func:`orcatalog.estimate_cost`): :func:`orcatalog.frontier` and the price-vs-context
chart pick their candidates with it, and rank a workload that is not text on its price per million
of those tokens (:func:`price_axis`, :data:`WORKLOAD_COLUMN`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...errors import InvalidParameterError
from ...workload import COMPONENTS
from ..catalog import output_modalities_arg
from .estimate import _check_models
from .totals import _costs


#: Output modalities whose models sell no completion tokens: a per-token workload for them is its
#: prompt tokens alone (an embedding or rerank model's completion price "0" is not a free output).
_PROMPT_ONLY_OUTPUTS = ("embeddings", "rerank")
#: Output modalities whose models are priced on an input part: a transcription model's rate is per
#: audio input token (whisper: prompt 0, audio $2.50/M), so its per-token workload is audio tokens.
_INPUT_PART_OUTPUTS = {
    "transcription": next(c.argument for c in COMPONENTS if c.part_of == "prompt" and "audio" in c.inputs)
}
#: Output modalities no per-token workload can price: video models list a fee per request (or per
#: second), not per token, so there is nothing per token to rank them on.
_NOT_PER_TOKEN_OUTPUTS = ("video",)
#: The column :func:`price_axis` adds: the per-token workload's price in USD per million of its
#: tokens (:func:`per_token_totals` over the workload's tokens), what a workload that is not text is
#: ranked on by default (an image or transcription model priced 0 per prompt token is not "the
#: cheapest": its price is its output's or its audio input's rate).
WORKLOAD_COLUMN = "workload_usd_per_mtok"


def _per_token_workload(wanted: tuple[str, ...]) -> dict[str, float]:
    """The per-token workload of :func:`per_token_totals` for these output modalities (token counts
    by argument name): one million prompt tokens, plus one million completion tokens unless every
    modality asked for sells none; the completion tokens of an output priced per token of its own
    (image, audio, speech: the ``outputs`` of :data:`COMPONENTS`) are counted as that part, shared
    evenly among the modalities asked for (text takes the rest); a transcription workload's prompt
    tokens are audio input tokens.

    Raises:
        InvalidParameterError: an output no per-token workload can price (video).
    """
    refused = [m for m in wanted if m in _NOT_PER_TOKEN_OUTPUTS]
    if refused:
        raise InvalidParameterError(
            f"output_modalities={','.join(wanted)!r}: {refused[0]} models are priced per request (or per "
            "second), not per token, so no per-token workload ranks them; price them with "
            f"estimate_cost(..., requests=N, output_modalities={refused[0]!r})"
        )
    counts = {"prompt_tokens": 1e6}
    for modality, part in _INPUT_PART_OUTPUTS.items():
        if modality in wanted:
            counts[part] = 1e6
    sold = [m for m in wanted if m not in _PROMPT_ONLY_OUTPUTS and m not in _INPUT_PART_OUTPUTS]
    if sold:
        counts["completion_tokens"] = 1e6
        parts = {m: c.argument for c in COMPONENTS if c.part_of == "completion" for m in c.outputs if m in sold}
        for part in dict.fromkeys(parts.values()):
            counts[part] = 1e6 / len(sold)
    return counts


def per_token_totals(models: pd.DataFrame, *, output_modalities: Any = "text") -> np.ndarray:
    """What a per-token workload for ``output_modalities`` costs on each row, in USD, in the frame's
    own order: NaN where the workload cannot be priced, by the one rule of :func:`estimate_cost`
    (``_cannot_serve``). :func:`orcatalog.frontier` (and so the price-vs-context chart) picks its
    candidates with it: a total above 0 is a paid model that serves the workload, 0 a free one.

    The workload is what models of that output are priced on (``_per_token_workload``):

    - ``text`` (the default): one million prompt and one million completion tokens;
    - ``image``, ``audio``, ``speech``: one million prompt tokens and one million completion tokens
      counted as that output's own part (``image_output_tokens``, ``audio_output_tokens``), so a
      model that prices image or speech output per token of its own is priced on that rate;
    - ``embeddings``, ``rerank``: one million prompt tokens alone (such models sell no completion
      tokens; counting them made every paid embedding model "cannot be priced");
    - ``transcription``: one million prompt tokens, all audio input (``audio_tokens``);
    - ``"all"``: one million prompt tokens, no output condition;
    - ``video``: refused (priced per request, not per token).

    Several modalities (AND) share the completion tokens evenly among their own parts.

    Args:
        models: a contract frame with ``price_prompt`` and ``price_completion``.
        output_modalities: as :func:`estimate_cost` (default text).

    Returns:
        A float64 array, one value per row.

    Raises:
        InvalidParameterError: not a contract frame; an unknown output modality; ``video`` (no
            per-token price to rank on).
    """
    return _per_token(models, output_modalities)[0]


def _per_token(models: pd.DataFrame, output_modalities: Any) -> tuple[np.ndarray, Any]:
    """:func:`per_token_totals` and the cost rule's note on each row (why a row has no total)."""
    models = _check_models(models)
    wanted = output_modalities_arg(output_modalities)
    counts = _per_token_workload(wanted)
    view = pd.DataFrame(models, copy=False)
    costs = _costs(view, counts, None, wanted, per_token=True)  # a price comparison: no request to fit
    return np.asarray(costs["columns"]["total_usd"], dtype=float), costs["notes"].strings()


def unpriced_reasons(
    models: pd.DataFrame, rows: np.ndarray, output_modalities: Any = "text", *, short: bool = False
) -> str:
    """Why the per-token workload of these output modalities has no price on ``rows`` (a bool mask),
    in the cost rule's own notes, most common first: ``produces image output at a price the catalog
    does not list (5 models)``; ``short``: each note up to its first colon (a chart legend's line:
    ``dynamic pricing (2 models)``)."""
    notes = pd.Series(_per_token(models, output_modalities)[1])[np.asarray(rows, dtype=bool)]
    notes = notes.fillna("no price").str.removesuffix(": no cost").str.removesuffix(", so no cost")
    if short:
        notes = notes.str.split(":").str[0].str.split(" \\(").str[0]
    counted = notes.value_counts()
    return "; ".join(f"{text} ({n} model{'s' if n != 1 else ''})" for text, n in counted.items())


def _workload_tokens(counts: dict[str, float]) -> float:
    """How many tokens a per-token workload holds: its prompt and completion tokens (every other
    count is a part of one of them)."""
    return counts["prompt_tokens"] + counts.get("completion_tokens", 0.0)


def workload_words(output_modalities: Any = "text") -> str:
    """The per-token workload of these output modalities in words, for labels and messages:
    ``1M prompt + 1M image output tokens`` (image), ``1M audio input tokens`` (transcription).

    Raises:
        InvalidParameterError: an unknown output modality; ``video``.
    """
    counts = _per_token_workload(output_modalities_arg(output_modalities))

    def amount(n: float) -> str:
        return f"{n / 1e6:g}M"

    inputs = [(counts[p], p) for p in _INPUT_PART_OUTPUTS.values() if p in counts]
    said = [f"{amount(n)} {p.removesuffix('_tokens').replace('_', ' ')} input" for n, p in inputs]
    if counts["prompt_tokens"] > sum(n for n, _ in inputs):
        said.append(f"{amount(counts['prompt_tokens'] - sum(n for n, _ in inputs))} prompt")
    completion = counts.get("completion_tokens", 0.0)
    parts = [
        (n, p)
        for p, n in counts.items()
        if p not in ("prompt_tokens", "completion_tokens", *_INPUT_PART_OUTPUTS.values())
    ]
    said += [f"{amount(n)} {p.removesuffix('_tokens').replace('_', ' ')}" for n, p in parts]
    if completion > sum(n for n, _ in parts):
        said.append(f"{amount(completion - sum(n for n, _ in parts))} completion")
    return " + ".join(said) + " tokens"


def price_axis(models: pd.DataFrame, x: str | None, output_modalities: Any = "text") -> tuple[pd.DataFrame, str]:
    """The price column a frontier of these output modalities ranks on, and the frame that holds
    it (the one rule of :func:`orcatalog.frontier` and the price-vs-context chart).

    ``x=None`` is the default: ``prompt_usd_per_mtok`` for text (and ``"all"``), and
    :data:`WORKLOAD_COLUMN` for any other output (image, speech, audio, transcription, embeddings,
    rerank: the price those models are sold at, not their prompt price). ``x`` named
    :data:`WORKLOAD_COLUMN` is added to the frame when it is not a column of it: the per-token
    workload's USD per million tokens (:func:`per_token_totals` over :func:`workload_words`'s
    tokens; NaN where the workload cannot be priced).

    Raises:
        InvalidParameterError: not a contract frame (when the column is computed); an unknown output
            modality; ``video`` (no per-token price).
    """
    wanted = output_modalities_arg(output_modalities)
    if x is None:
        x = "prompt_usd_per_mtok" if wanted in ((), ("text",)) else WORKLOAD_COLUMN
    if x == WORKLOAD_COLUMN and WORKLOAD_COLUMN not in models.columns:
        tokens = _workload_tokens(_per_token_workload(wanted))
        price = per_token_totals(models, output_modalities=output_modalities) / (tokens / 1e6)
        models = models.assign(**{WORKLOAD_COLUMN: price})
    return models, x
