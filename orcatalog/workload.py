"""The priced dimensions of a workload, in one table (:data:`COMPONENTS`): each one's cost column,
the argument that counts it (``estimate_cost``, ``check_workload``, the usage columns ``price_at``
reads), its own price key, what it is a part of, and how the command line names it.

A light module (no pandas, no numpy): the command line builds its options from it at import time.
A priced dimension is added here alone; :mod:`orcatalog.analysis.cost` prices it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["COMPONENTS", "TOKEN_ARGUMENTS", "Component"]


@dataclass(frozen=True)
class Component:
    """One priced dimension of a workload (a row of :data:`COMPONENTS`)."""

    name: str  # cost_<name> column
    argument: str  # the token/count argument that sizes it
    key: str  # its own price key
    part_of: str | None  # "prompt" / "completion" when it is a part of those tokens, priced at the
    # base rate when its own key has no separate (non-zero) price
    option: str  # how the command line names the count (``orcatalog cost --<option>``)
    help: str  # what the count is, in one sentence (the command line's help)
    usage: str | None = None  # its name in the API's ChatUsage object (dotted), when it has one
    outputs: tuple[str, ...] = ()  # the output modalities whose tokens it prices (a workload that asks
    # for one of them must count this part when a model lists a separate price for it; a workload that
    # counts this part is served only by a model that produces one of them)
    inputs: tuple[str, ...] = ()  # the input modality a workload that counts this part sends (it is
    # served only by a model that accepts one of them)


#: Every priced dimension, in output order.
COMPONENTS: tuple[Component, ...] = (
    Component(
        "prompt",
        "prompt_tokens",
        "prompt",
        None,
        "prompt-tokens",
        "Prompt (input) tokens in total.",
        "prompt_tokens",
    ),
    Component(
        "cached",
        "cached_tokens",
        "input_cache_read",
        "prompt",
        "cached",
        "Cached prompt tokens (part of the prompt).",
        "prompt_tokens_details.cached_tokens",
    ),
    Component(
        "cache_write",
        "cache_write_tokens",
        "input_cache_write",
        "prompt",
        "cache-write",
        "Cache-write prompt tokens (part of the prompt).",
        "prompt_tokens_details.cache_write_tokens",
    ),
    Component(
        "audio_input",
        "audio_tokens",
        "audio",
        "prompt",
        "audio-input",
        "Audio input tokens (part of the prompt).",
        "prompt_tokens_details.audio_tokens",
        inputs=("audio",),
    ),
    Component(
        "completion",
        "completion_tokens",
        "completion",
        None,
        "completion-tokens",
        "Completion (output) tokens in total.",
        "completion_tokens",
    ),
    Component(
        "reasoning",
        "reasoning_tokens",
        "internal_reasoning",
        "completion",
        "reasoning",
        "Reasoning tokens (part of the completion).",
        "completion_tokens_details.reasoning_tokens",
    ),
    Component(
        "audio_output",
        "audio_output_tokens",
        "audio_output",
        "completion",
        "audio-output",
        "Audio output tokens (part of the completion).",
        "completion_tokens_details.audio_tokens",
        outputs=("audio", "speech"),
    ),
    Component(
        "image_output",
        "image_output_tokens",
        "image_output",
        "completion",
        "image-output",
        "Image output tokens (part of the completion; image models price them per token).",
        "completion_tokens_details.image_tokens",
        outputs=("image",),
    ),
    Component(
        "requests",
        "requests",
        "request",
        None,
        "requests",
        "Requests the workload is spread over (default: one, and no request fee counted).",
    ),
    Component("web_search", "web_searches", "web_search", None, "web-searches", "Web searches."),
    Component("images", "images", "image", None, "images", "Input images.", inputs=("image",)),
)

#: Argument names (also the usage-frame column names price_at reads). estimate_cost and
#: check_workload take exactly these (a test pins their signatures to this table) and read them by
#: these names, so a component is added in COMPONENTS alone.
TOKEN_ARGUMENTS = tuple(c.argument for c in COMPONENTS)
