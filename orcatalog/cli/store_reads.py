"""The plain reads of the store (no analysis): ``snapshots`` (the manifest), ``prices`` (models'
price series) and ``endpoint-history`` (a model's endpoints over time), with the line that says
what a store holds when it has no catalog snapshot or no endpoints of a model.
"""

from __future__ import annotations

from typing import Any

import click

from ..suggest import did_you_mean
from .app import main
from .errors import CLIError, CLIUsageError
from .options import _comma_list, _scope_option, _store_option
from .output import format_for, output_options, write
from .stores import _store, models_named, require_models, store_scope


@main.command()
@_store_option
@output_options
def snapshots(store_root: str | None, fmt: str | None, out: str | None, columns: str | None, head: int | None) -> None:
    """List the snapshots in the store (the manifest).

    \b
    Example:
      orcatalog snapshots --store data --columns snapshot_id,fetched_at,n_models
    """
    from ..store import migration_note

    store = _store(store_root, must_exist=True)
    df = store.snapshots()
    note = migration_note(store)
    if note is not None:  # here, where a user looks at the store; not on every command
        click.echo(f"note: {note}", err=True)
    if df.empty:
        held = _endpoint_snapshot_counts(store)
        if held:
            click.echo(
                f"note: no /models snapshots in {store.root}; it holds {held} (see `orcatalog endpoint-history "
                "MODEL` and SnapshotStore.endpoint_snapshots())",
                err=True,
            )
    if format_for(fmt, out) == "table":
        df = _dates_as_dates(df)
    write(df, fmt, out, columns, head, default_columns=["snapshot_id", "fetched_at", "scope", "n_models", "partial"])


def _dates_as_dates(df: Any) -> Any:
    """The snapshots table as a person reads it: a snapshot of day precision (a file named by its
    date) shows its date, ``2026-08-17 (date only)``, not the 00:00 it is stored at (trial S: read
    as fetched at midnight); CSV, JSON and parquet keep the stored time and ``time_precision``."""
    if "time_precision" not in df.columns or not (df["time_precision"] == "day").any():
        return df
    day = (df["time_precision"] == "day").to_numpy()
    shown = df["fetched_at"].astype(str).to_numpy(dtype=object)
    shown[day] = df.loc[day, "fetched_at"].dt.strftime("%Y-%m-%d").to_numpy(dtype=object) + " (date only)"
    return df.assign(fetched_at=shown)


def _endpoint_snapshot_counts(store: Any) -> str:
    """The endpoints and providers snapshots a store holds, in words ("3 endpoints and 2 providers
    snapshots"); empty when none (or the layout keeps none)."""
    from ..errors import StoreError

    try:
        kinds = store.endpoint_snapshots()["kind"].value_counts()
    except StoreError:  # the parquet layout keeps no endpoints
        return ""
    return " and ".join(f"{int(n)} {kind} snapshot{'s' * (n != 1)}" for kind, n in kinds.items())


@main.command()
@click.argument("model_ids", metavar="MODEL...", nargs=-1, required=True, callback=_comma_list)
@_store_option
@_scope_option
@output_options
def prices(
    model_ids: tuple[str, ...],
    store_root: str | None,
    scope: str | None,
    fmt: str | None,
    out: str | None,
    columns: str | None,
    head: int | None,
) -> None:
    """Models' price series from the store, one row per model and snapshot in time order (USD per
    million tokens; several models given as separate or comma-separated ids). A snapshot where the model
    lists no per-token price but other prices (per image token, request, ...) shows blank per-token
    cells, with a note naming how it is priced, never 0.

    \b
    Examples:
      orcatalog prices --store data deepseek/deepseek-v3.2
      orcatalog prices --store data openai/gpt-4o,openai/gpt-4o-mini
    """
    store = _store(store_root, must_exist=True)
    used = store_scope(store, scope)
    ids = list(model_ids)
    with models_named():  # require_models says an unknown id
        h = store.history(ids=ids, scope=used)  # every price column: the rule of what a per-token 0 means reads them
    require_models(store, ids, h, used)
    shown = ["fetched_at", "prompt_usd_per_mtok", "completion_usd_per_mtok"]
    write(h, fmt, out, columns, head, default_columns=["id", *shown] if len(ids) > 1 else shown)


@main.command("endpoint-history")
@click.argument("model_id", metavar="MODEL")
@click.option("--provider", help="Keep one provider (name or tag, case-insensitive), e.g. amazon-bedrock/eu-west-1.")
@click.option("--since", help="Keep snapshots fetched at or after this time (ISO 8601, UTC).")
@click.option("--until", help="Keep snapshots fetched at or before this time (ISO 8601, UTC).")
@click.option(
    "--base-url",
    help="The API the bodies came from (default: the public API when the store holds endpoints from it, "
    "else the newest snapshot's source, e.g. a --replay server's): one source's series, never two mixed.",
)
@_store_option
@output_options
def endpoint_history(
    model_id: str,
    provider: str | None,
    since: str | None,
    until: str | None,
    base_url: str | None,
    store_root: str | None,
    fmt: str | None,
    out: str | None,
    columns: str | None,
    head: int | None,
) -> None:
    """A model's endpoints over time from the store: price (USD per million tokens), uptime
    (percent), latency (ms, time to first token) and throughput (tokens/s), one row per
    (snapshot, endpoint), ordered by endpoint then time.

    \b
    Example:
      orcatalog endpoint-history anthropic/claude-sonnet-4.5 --store data --provider anthropic
    """
    store = _store(store_root, must_exist=True, endpoints=True)
    import warnings

    with models_named(), warnings.catch_warnings():  # an unknown model or provider: the error below says it
        warnings.filterwarnings("ignore", message="orcatalog: no endpoint from provider")
        h = store.endpoint_history(model_id, provider, start=since, end=until, base_url=base_url)
        if columns:  # a price key the rows do not list but other endpoints do: its column, null (as in Python)
            from ..errors import InvalidParameterError
            from ..schema import is_price_column

            more = [
                c for c in dict.fromkeys(x.strip() for x in columns.split(",")) if is_price_column(c) and c not in h
            ]
            if more and len(h):
                try:
                    extra = store.endpoint_history(
                        model_id, provider, start=since, end=until, base_url=base_url, columns=more
                    )
                except InvalidParameterError as exc:  # a typo: the store's price columns name the closest
                    raise CLIUsageError(str(exc)) from None
                else:
                    h = h.join(extra[more].set_axis(h.index))
    if h.empty:
        with models_named():
            served = store.endpoint_history(model_id, columns=[], base_url=base_url) if provider else h
        names = [str(n) for n in (*served["provider_name"].unique(), *served["tag"].unique()) if isinstance(n, str)]
        if provider and names and provider.lower() not in {n.lower() for n in names}:  # not one of its providers
            raise CLIError(
                f"no endpoints of {model_id!r} from provider {provider!r} in {store.root}"
                f"{did_you_mean(provider, names)}; its providers: {', '.join(sorted({n.lower(): n for n in names}.values(), key=str.lower))}"
            )
        what = f"no endpoints of {model_id!r}" + (f" from provider {provider!r}" if provider else "")
        if since is not None or until is not None:  # held, but not in the window asked
            with models_named():
                times = store.endpoint_history(model_id, provider, columns=[], base_url=base_url)[
                    "fetched_at"
                ].drop_duplicates()
            if len(times):
                window = " and ".join(
                    f"--{name} {value}" for name, value in (("since", since), ("until", until)) if value is not None
                )
                held = (
                    f"its {len(times)} snapshots span {times.min():%Y-%m-%d %H:%M} .. {times.max():%Y-%m-%d %H:%M} UTC"
                    if len(times) > 1
                    else f"its one snapshot is of {times.min():%Y-%m-%d %H:%M} UTC"
                )
                raise CLIError(f"{what} in {store.root} within {window}: {held}; widen the window (or drop it)")
        known = [str(m) for m in store.endpoint_history(columns=[])["model_id"].unique()]
        raise CLIError(
            f"{what} in {store.root}{did_you_mean(model_id, known)}; "
            "record them with `orcatalog endpoints MODEL --store DIR`"
        )
    write(
        h,
        fmt,
        out,
        columns,
        head,
        default_columns=[
            "fetched_at",
            "tag",
            *(["provider_name"] if h["tag"].isna().any() else []),  # a 2025 row has no tag: its provider tells it
            "prompt_usd_per_mtok",
            "completion_usd_per_mtok",
            "uptime_last_1d",
            "latency_p50",
            "throughput_p50",
        ],
    )
