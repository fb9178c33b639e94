"""Options the analysis commands share: ``_Count``, a count of tokens, requests, searches or
images, checked by the library's one rule of a count while parsing (``cost`` and ``plot cost``);
``output_modality_option``, what the models must produce (``cost``, ``plot price-vs-context`` and
``plot cost``). The options of every command (filters, ``--store``, ``--scope``) are in
:mod:`orcatalog.cli.options`.
"""

from __future__ import annotations

from typing import Any

import click


class _Count(click.ParamType):
    """A count option (tokens, requests, searches, images): a whole number, typed plainly or as
    ``1e6`` / ``1_000_000``, checked by the library's one rule of a count
    (:func:`orcatalog.analysis.cost.bad_counts`) while parsing, before any work."""

    name = "count"

    def __init__(self, minimum: int = 0) -> None:
        self.minimum = minimum

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number: float = value
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                try:
                    number = float(str(value).strip())
                except ValueError:
                    number = float("nan")
        from ...analysis.cost import COUNT_RULE, MAX_COUNT, bad_counts

        if bad_counts(number) or number < self.minimum:
            rule = COUNT_RULE if self.minimum == 0 else f"a whole number from {self.minimum} to {MAX_COUNT:,} (10^13)"
            self.fail(f"{value} is not {rule}", param, ctx)
        return int(number)


def output_modality_option(func: Any) -> Any:
    """``--output-modality`` (alias ``--output-modalities``): the library's ``output_modalities=``
    of :func:`orcatalog.estimate_cost` / :func:`orcatalog.frontier`, one option text for every command
    that takes it."""
    return click.option(
        "--output-modality",
        "--output-modalities",
        "output_modalities",
        help="What the models must produce, comma-separated (text, image, embeddings, audio, video, rerank, "
        "speech, transcription, or all for any output (alias any); default text, prompt-only workloads too: "
        "--output-modality embeddings prices embedding models). "
        "Several values mean AND: a model must produce every one (text,image: models that output both).",
    )(func)
