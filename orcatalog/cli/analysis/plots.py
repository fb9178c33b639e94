"""``plot``: one chart to a PNG, from the store (price-history, market-trend, catalog-size) or the
catalog (price-vs-context, cost); the kinds are :data:`PLOT_KINDS`.
"""

from __future__ import annotations

import click

from ..app import main
from ..client import _client
from ..options import _comma_list, _scope_option, _store_option
from ..stores import _store, store_scope
from ..errors import CLIError, CLIUsageError
from ..output import check_output_file
from .answers import _answered_by, _history, _load_as_of
from .options import _Count, output_modality_option
from .cost import left_out_text

PLOT_KINDS = ("price-history", "price-vs-context", "market-trend", "catalog-size", "cost")


@main.command()
@click.argument("kind", type=click.Choice(PLOT_KINDS), metavar="KIND")
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    callback=check_output_file,
    help="The PNG to write.",
)
@click.option(
    "--model",
    "--models",
    "model_ids",
    multiple=True,
    callback=_comma_list,
    help="Models for price-history, repeatable or comma-separated (default: the ones that moved).",
)
@click.option(
    "--field",
    help="The price column: for price-history (default prompt_usd_per_mtok) and "
    "price-vs-context's x axis (default the frontier's: prompt_usd_per_mtok for text, "
    "workload_usd_per_mtok for another --output-modality), e.g. completion_usd_per_mtok; a column or "
    "the name tables print it under (price_input_cache_read or price_input_cache_read_usd_per_mtok).",
)
@click.option("--prompt-tokens", type=_Count(), default=1_000_000, show_default=True, help="For cost.")
@click.option("--completion-tokens", type=_Count(), default=200_000, show_default=True, help="For cost.")
@click.option(
    "--requests",
    type=_Count(1),
    default=1_000,
    show_default=True,
    help="For cost: the tokens are spread over this many requests (a model one request does not fit is left out); "
    "the defaults are the report's workload, while `orcatalog cost` takes one request unless given --requests.",
)
@output_modality_option
@_store_option
@_scope_option
@click.pass_context
def plot(
    ctx: click.Context,
    kind: str,
    out: str,
    model_ids: tuple[str, ...],
    field: str | None,
    prompt_tokens: int,
    completion_tokens: int,
    requests: int,
    output_modalities: str | None,
    store_root: str | None,
    scope: str | None,
) -> None:
    """Draw one chart to a PNG: price-history, market-trend and catalog-size from the store;
    price-vs-context and cost from the catalog (fetched, or the store's latest with --store or --scope).

    \b
    Examples:
      orcatalog plot price-history --store data --model deepseek/deepseek-v3.2 -o prices.png
      orcatalog plot price-vs-context --store data -o frontier.png
      orcatalog plot price-history --store data --model z-ai/glm-4.7,openai/gpt-4o --field completion_usd_per_mtok -o out.png
    """
    from matplotlib.figure import Figure

    from ... import plot as charts
    from ...analysis.cost import estimate_cost
    from ...analysis.trends import market_trend

    if not out.lower().endswith(".png"):
        raise CLIUsageError(f"{out}: plot writes PNG files; name it .png")
    for name, option, kinds in (
        ("model_ids", "--model", ("price-history",)),
        ("prompt_tokens", "--prompt-tokens", ("cost",)),
        ("field", "--field", ("price-history", "price-vs-context")),
        ("completion_tokens", "--completion-tokens", ("cost",)),
        ("requests", "--requests", ("cost",)),
        ("output_modalities", "--output-modality", ("price-vs-context", "cost")),
    ):
        if kind not in kinds and ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE:
            raise click.UsageError(f"{option} is for {' and '.join(kinds)} charts, not {kind}")
    if kind == "cost" and not prompt_tokens and not completion_tokens:
        raise click.UsageError("give a non-zero --prompt-tokens or --completion-tokens")
    fig = Figure(figsize=(11, 6.5), layout="constrained")
    ax = fig.subplots()
    if kind in ("price-history", "market-trend", "catalog-size"):
        store = _store(store_root, must_exist=True)
        h = _history(store, named=model_ids, scope=store_scope(store, scope))
        if kind == "price-history":
            charts.plot_price_history(h, list(model_ids) or None, ax=ax, field=field or "prompt_usd_per_mtok")
        elif kind == "market-trend":
            charts.plot_market_trend(market_trend(h), ax=ax)
        else:
            charts.plot_catalog_size(h, ax=ax)
    else:
        if store_root is not None or scope is not None:
            store = _store(store_root, must_exist=True)
            frame = _load_as_of(store, None, say=False, scope=store_scope(store, scope))
        else:
            with _client(ctx) as client:
                frame = client.fetch_models()
        if kind == "price-vs-context":
            charts.plot_price_vs_context(frame, ax=ax, x=field, output_modalities=output_modalities or "text")
        else:
            from ...analysis.catalog import cheapest_paid

            result = estimate_cost(
                frame, prompt_tokens, completion_tokens, requests=requests, output_modalities=output_modalities
            )
            shown = cheapest_paid(result)  # the cost command's rule
            if not len(shown):  # the reasons, in the cost command's words (trial S: the library's error)
                raise CLIError(
                    f"no paid model in this catalog can be priced for this workload, nothing to draw; "
                    f"left out: {left_out_text(shown.attrs['left_out'])}"
                )
            fig.set_size_inches(11, 8)
            charts.plot_cost(shown, n=25, ax=ax)
    fig.savefig(out, dpi=110)
    if kind in ("price-vs-context", "cost") and (store_root is not None or scope is not None):
        _answered_by(frame, None)  # the snapshot drawn, once it is drawn (an error stays one line)
    click.echo(f"wrote {out}", err=True)
