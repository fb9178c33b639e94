"""The per-token workload each output modality is compared on (:func:`_per_token_workload`: what
models of that output are priced on) and what it costs on each row (:func:`per_token_totals`, by the
one rule of :func:`orcatalog.estimate_cost`): :func:`orcatalog.frontier` and the price-vs-context
chart pick their candidates with it.
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
    models = _check_models(models)
    wanted = output_modalities_arg(output_modalities)
    counts = _per_token_workload(wanted)
    view = pd.DataFrame(models, copy=False)
    return np.asarray(_costs(view, counts, None, wanted)["columns"]["total_usd"], dtype=float)
