"""``cost``: what a workload costs on each model, and the one rule of what its table leaves out
(free models, rows that cannot be priced) and how it says so.
"""

from __future__ import annotations

from typing import Any

import click

from ...suggest import absence_words, did_you_mean
from ..app import main
from ..client import _client
from ..options import _scope_option, _store_option
from ..stores import _store, looked_in, store_scope
from ..errors import CLIError, CLIUsageError, in_cli_words, warning_line
from ..output import format_for, output_options, pick, write
from .answers import _answered_by, _load_as_of, _absent_then
from .options import _Count, output_modality_option


def _token_options(func: Any) -> Any:
    """The workload's count options, one per priced dimension of the cost rules' one table
    (:data:`orcatalog.workload.COMPONENTS`): ``--<option>`` carries the library argument of the
    same component, so a component added there is an option here, and errors name the option."""
    from ...workload import COMPONENTS  # light: no pandas at import

    for c in reversed(COMPONENTS):
        kind = _Count(1 if c.argument == "requests" else 0)
        func = click.option(f"--{c.option}", c.argument, type=kind, help=c.help)(func)
    return func


@main.command()
@_token_options
@click.option("--at", help="When the requests run (ISO 8601, UTC), for time-of-day prices.")
@click.option("--models", "--model", "model_ids", help="Comma-separated model ids to keep (default: all).")
@click.option(
    "--as-of", help="Price with the store's catalog at this time instead of fetching it now (see --store, --scope)."
)
@click.option("--include-free", is_flag=True, help="Also list models that cost nothing (left out by default).")
@output_modality_option
@_store_option
@_scope_option
@output_options
@click.pass_context
def cost(
    ctx: click.Context,
    at: str | None,
    model_ids: str | None,
    as_of: str | None,
    include_free: bool,
    output_modalities: str | None,
    store_root: str | None,
    scope: str | None,
    fmt: str | None,
    out: str | None,
    columns: str | None,
    head: int | None,
    **counts: int | None,
) -> None:
    """What a workload costs on each model, in USD, cheapest paid model first, with its rank among
    them, the library's rank (models that can serve the workload only; rows that cannot be priced get
    a note, no number and no rank; free models only with --include-free, at rank 0). The catalog is fetched now, or with --store,
    --as-of or --scope read from the store (its latest snapshot, or the one at --as-of, of one scope).
    Token counts are totals: one request, unless --requests N spreads them over N; a model whose
    context window (prompt + completion) or max_completion_tokens one request exceeds gets a note.

    \b
    Examples:
      orcatalog cost --prompt-tokens 1000000 --completion-tokens 200000 --requests 1000 --head 10
      orcatalog --replay sample cost --prompt-tokens 100000 --cached 60000 --completion-tokens 5000 --reasoning 2000 --models openai/gpt-4o,deepseek/deepseek-v3.2
      orcatalog cost --store data --as-of 2026-01-01 --prompt-tokens 1000000 --completion-tokens 200000 --requests 1000 --head 5
    """
    from ...analysis.cost import check_workload, estimate_cost

    prompt_tokens, completion_tokens = counts.pop("prompt_tokens") or 0, counts.pop("completion_tokens") or 0
    if not prompt_tokens and not completion_tokens and not counts.get("requests"):  # video: per request alone
        raise click.UsageError("give a non-zero --prompt-tokens, --completion-tokens or --requests")
    workload: dict[str, Any] = {name: (n if name == "requests" else n or 0) for name, n in counts.items()}
    workload.update(at=at, output_modalities=output_modalities)
    check_workload(prompt_tokens, completion_tokens, **workload)  # before any fetch; errors name the options
    from_store = as_of is not None or store_root is not None or scope is not None
    if from_store:
        store = _store(store_root, must_exist=True)
        frame = _load_as_of(store, as_of, say=False, scope=store_scope(store, scope))
    else:
        with _client(ctx) as client:
            frame = client.fetch_models()
    absent: dict[str, str] = {}  # named models not in this snapshot that others list -> their note
    if model_ids:
        wanted = [m.strip() for m in model_ids.split(",") if m.strip()]
        if not wanted:
            raise CLIUsageError(f"--models {model_ids!r} names no model: give comma-separated ids")
        known = [str(i) for i in frame["id"]]
        missing = [m for m in wanted if m not in known]
        gone = _absent_then(store, frame) if from_store and missing else {}
        # a model other snapshots list is a row with a note ("not in this catalog"), when the snapshot
        # lists some of the models named; a typo, or none listed, is an error
        unknown = [m for m in missing if m not in gone or len(missing) == len(wanted)]
        if unknown:
            hint = ""
            replay = (ctx.obj or {}).get("replay") if isinstance(ctx.obj, dict) else None
            where = f"in the catalog of --replay {replay}" if replay else "in the catalog fetched from the API"
            if from_store:  # the store knows what it listed before, and which scope it read
                when = f"at --as-of {as_of}" if as_of else "in the latest snapshot"
                where, elsewhere = looked_in(store, frame.attrs.get("scope"), [unknown[0]])
                where = f"{when} of {where}"
                hint = elsewhere if elsewhere and unknown[0] not in gone else ""
            hint = hint or did_you_mean(unknown[0], known, unlisted=gone if from_store else None)
            raise CLIError(f"no model {unknown[0]!r} {where}{hint}")
        frame = frame[frame["id"].isin(wanted)]
        absent = {m: f"not in this catalog ({absence_words(gone[m])})" for m in missing}
    result = estimate_cost(frame, prompt_tokens, completion_tokens, **workload)
    if absent:  # after the priced rows: no number, no rank, the note says when it was listed
        import pandas as pd

        rows = pd.DataFrame({"id": list(absent), "note": list(absent.values())}).astype({"note": result["note"].dtype})
        result = pd.concat([result, rows], ignore_index=True)
    free = 0
    if not include_free:
        result, free = _paid_and_notes(result)
    table = format_for(fmt, out) == "table"
    pick(result, columns, None)  # an unknown --columns is an error before any note (trial N)
    if from_store:
        _answered_by(frame, as_of)  # the snapshot priced, once the models named are found in it
    result = _left_out(result, free, keep_notes=bool(model_ids) or not table)
    # rank: the library's one rule (estimate_cost): 1 = the cheapest paid model, 0 = free (shown with
    # --include-free), never renumbered here; a row that could not be priced has none (empty), only its note
    shown = [
        "rank",
        *(c for c in result.columns if c in ("id", "total_usd", "x_cheapest", "note") or c.startswith("cost_")),
    ]
    write(result, fmt, out, columns, head, default_columns=shown)


def _paid_and_notes(result: Any) -> tuple[Any, int]:
    """The cost command's view: the cheapest paid models (ranked among themselves, the library's one
    rule), then the rows that could not be priced (with their note); and how many free models were
    left out (:func:`_left_out` says so)."""
    import pandas as pd

    from ...analysis.catalog import cheapest_paid

    shown = cheapest_paid(result)
    return pd.concat([shown, result[result["total_usd"].isna()]]), int(shown.attrs["left_out"].get("free", 0))


def _left_out(result: Any, free: int, *, keep_notes: bool) -> Any:
    """The one rule for what the cost command leaves out and how it says so: free models (unless
    --include-free) and, in the table, the rows that cannot be priced for the workload, counted in
    one ``Left out: N models (why; ...)`` line on stderr. The rows of models named with --models,
    and every row in CSV, JSON and parquet (the library's answer), keep their note instead."""
    said: dict[str, int] = {"free": free}
    dropped = result.iloc[:0]
    if not keep_notes and "note" in result.columns:
        unpriced = result["total_usd"].isna() & result["note"].notna()
        dropped = result[unpriced]
        for note, n in dropped["note"].astype(str).value_counts().items():
            said[str(note)] = int(n)
        result = result[~unpriced]
    text = left_out_text(said, free="free: --include-free lists them")
    if text:
        click.echo(f"Left out: {text}", err=True)
    if not len(result) and len(dropped):
        click.echo(warning_line("no model in this catalog can be priced for this workload"), err=True)
    return result


def left_out_text(left_out: Any, *, free: str = "free") -> str:
    """What a cost answer left out (reason -> count, ``cheapest_paid``'s ``attrs["left_out"]``) as
    the command line says it: the library's one wording (:func:`orcatalog.analysis.catalog.left_out_words`)
    with each note in CLI words; ``cost`` and ``plot cost`` print it."""
    from ...analysis.catalog import left_out_words

    return left_out_words({k if k == "free" else in_cli_words(str(k)): int(v) for k, v in left_out.items()}, free=free)
