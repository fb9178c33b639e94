"""A self-contained report folder from a snapshot history: ``index.html`` (opens from disk, no
server, no script), the PNG charts of :mod:`orcatalog.plot` and the CSV tables behind them.

It draws only on the analysis functions: what it shows, a notebook can show too. Tables are shown
through :func:`orcatalog.export.readable` (lists as ``text, image``, one number format per column).
The folder is written beside its target under a temporary name and renamed at the end: a failure
leaves no half-written report.
"""

from __future__ import annotations

import html
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import InvalidParameterError
from .analysis.args import one_scope

__all__ = ["build_report"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; color: #222; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } .meta { color: #555; margin-top: 0; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.5rem 0 1.5rem; }
table { border-collapse: collapse; font-size: 0.85rem; margin-bottom: 0.5rem; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 0.2rem 0.6rem; text-align: left; }
th { background: #f5f5f5; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #666; font-size: 0.85rem; } nav a { margin-right: 1rem; }
"""


def _latest(history: pd.DataFrame) -> pd.DataFrame:
    """The newest snapshot of a history as a catalog frame (one row per model). When several
    snapshots share the newest time (a store may hold such), the one with the most models."""
    last = history["fetched_at"].max()
    latest = history[history["fetched_at"] == last]
    if "snapshot_id" in latest.columns and latest["snapshot_id"].nunique() > 1:
        sizes = latest["snapshot_id"].astype(str).value_counts()
        biggest = sorted(sizes[sizes == sizes.max()].index)[-1]
        latest = latest[latest["snapshot_id"].astype(str) == biggest]
    latest = latest.drop(columns=["fetched_at", "snapshot_id", "scope"], errors="ignore")
    return latest.reset_index(drop=True)


def _cheapest_by_modality(latest: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The ``n`` cheapest models per input modality that are paid per text token: the frontier's
    rule (:func:`orcatalog.analysis.cost.per_token_totals` above 0), so a model priced 0 per token
    that charges only per search or per request is not "the cheapest paid" at 0 (F22)."""
    from .analysis.catalog import select
    from .analysis.cost import per_token_totals

    rows = []
    modalities = sorted({m for mods in latest["input_modalities"].dropna() for m in mods})
    for modality in modalities:
        paid = select(latest, input_modalities=modality)
        paid = paid[per_token_totals(paid, output_modalities="text") > 0]  # paid, serves text, priced per token
        best = paid.sort_values(["prompt_usd_per_mtok", "completion_usd_per_mtok", "id"]).head(n)
        for rank, row in enumerate(best.itertuples(), start=1):
            rows.append(
                {
                    "input_modality": modality,
                    "rank": rank,
                    "id": row.id,
                    "prompt_usd_per_mtok": row.prompt_usd_per_mtok,
                    "completion_usd_per_mtok": row.completion_usd_per_mtok,
                    "context_length": row.context_length,
                }
            )
    return pd.DataFrame(rows)


def _table(frame: pd.DataFrame, csv_name: str, head: int = 15) -> str:
    from .export import readable

    shown = readable(frame.head(head))
    body = shown.to_html(index=False, border=0, na_rep="", escape=True)
    more = f" (first {head} of {len(frame)})" if len(frame) > head else ""
    return f'{body}<p class="note">All rows{more}: <a href="{html.escape(csv_name)}">{html.escape(csv_name)}</a></p>'


def build_report(
    history: pd.DataFrame,
    out: str | os.PathLike[str],
    *,
    prompt_tokens: int = 1_000_000,
    completion_tokens: int = 200_000,
    requests: int = 1_000,
    n_movers: int = 10,
    usage: pd.DataFrame | None = None,
) -> Path:
    """Write the report folder for a history: charts, tables and an ``index.html`` that links them.

    Charts (PNG): price history of the biggest movers, price vs context with the frontier (latest
    snapshot), the market trend, the catalog size. Tables (CSV, formula-safe): ``movers.csv``,
    ``catalog_events.csv`` (added / removed / returned models), ``cheapest_by_input_modality.csv``,
    ``free_models.csv``, ``workload_cost.csv`` (``prompt_tokens`` + ``completion_tokens`` in
    ``requests`` requests, request fees included, on the paid models of the latest snapshot that produce text, :func:`orcatalog.analysis.catalog.cheapest_paid`;
    the note says what was left out). Prices are USD per million tokens, costs USD.

    Args:
        history: ``SnapshotStore.history()`` of one scope (at least one snapshot).
        out: the folder to write (created; files of an earlier report there are replaced, other
            files kept). It is written beside ``out`` under a hidden temporary name first and
            moved into place at the end, so a failure leaves no half-written report.
        prompt_tokens, completion_tokens, requests: the workload priced in ``workload_cost.csv``
            (tokens in total, spread over ``requests``: a model one request does not fit, its
            context window or its output limit, is left out with a note, as estimate_cost says).
        n_movers: movers per direction.
        usage: a usage frame (:func:`orcatalog.read_usage`, :func:`orcatalog.fetch_activity`) to
            reprice on the history (:func:`orcatalog.reprice`, each row on its own day): adds
            ``reprice.png`` (the cheapest alternatives against the bill) and ``reprice.csv``.

    Returns:
        The path of ``index.html``.

    Raises:
        InvalidParameterError: not a history frame, an empty one, several scopes.
        OSError: the folder cannot be written.
    """
    if not isinstance(history, pd.DataFrame) or not {"id", "fetched_at", "prompt_usd_per_mtok"} <= set(history.columns):
        raise InvalidParameterError("history must be SnapshotStore.history() with the price columns")
    if history.empty:
        raise InvalidParameterError("the history is empty: import or take a snapshot first")
    one_scope(history)
    target = Path(out)
    folder = target.parent / f".{target.name or 'report'}.writing-{uuid.uuid4().hex[:8]}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir()
    except OSError as exc:
        raise _naming_target(exc, folder, target) from exc
    try:
        _write_report(
            history,
            folder,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            requests=requests,
            n_movers=n_movers,
            usage=usage,
        )
        _move_into(folder, target)
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise _naming_target(exc, folder, target) from exc
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return target / "index.html"


def _naming_target(exc: OSError, folder: Path, target: Path) -> OSError:
    """``exc`` as the user should read it: a path inside the temporary ``folder`` (or the folder
    itself) named as the same place in the report folder ``target`` they gave, so
    an error never names the hidden ``.<name>.writing-xxxx`` path (issue 15 trial)."""

    def named(path: Any) -> Any:
        if path is None:
            return None
        text = os.fspath(path)
        inside = os.fspath(folder)
        if text == inside:
            return str(target)
        if text.startswith(inside + os.sep):
            return str(target / text[len(inside) + 1 :])
        return text

    if exc.filename is None or named(exc.filename) == exc.filename:
        return exc
    said = f"cannot write the report folder ({exc.strerror or exc})"
    return OSError(exc.errno, said, named(exc.filename), None, named(exc.filename2))


def _move_into(folder: Path, target: Path) -> None:
    """Put the finished report at ``target``: one rename for a new folder; into an existing one,
    each file replaced by a rename (other files there are left alone)."""
    if not target.exists():
        folder.rename(target)
        return
    if not target.is_dir():
        raise NotADirectoryError(20, "the report folder is a file", str(target))
    for path in sorted(folder.iterdir()):
        os.replace(path, target / path.name)
    folder.rmdir()


def _write_report(
    history: pd.DataFrame,
    folder: Path,
    *,
    prompt_tokens: int,
    completion_tokens: int,
    requests: int,
    n_movers: int,
    usage: pd.DataFrame | None = None,
) -> None:
    """Every file of the report into ``folder`` (see :func:`build_report`): the charts, the tables,
    the repricing when there is usage, then the page that links them."""
    latest = _latest(history)
    times = pd.DatetimeIndex(pd.to_datetime(history["fetched_at"], utc=True).unique()).sort_values()
    page = _Page(folder)
    moved = _charts(page, history, latest, times, n_movers)
    _tables(page, history, latest, moved, times, (prompt_tokens, completion_tokens, requests))
    if usage is not None:
        _reprice_section(usage, history, page.chart, page.table)
    page.write(history, latest, times)


class _Page:
    """The report being written: its folder, and its sections in order, each with a unique anchor."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sections: list[str] = []
        self._anchors: set[str] = set()

    def _anchor(self, name: str) -> str:
        """The section's id: the file's stem, or stem and kind when a section already has it
        (reprice.png and reprice.csv), so every id, and every link of the nav, is unique."""
        stem, kind = name.rsplit(".", 1)
        out = stem if stem not in self._anchors else f"{stem}-{'chart' if kind == 'png' else 'table'}"
        self._anchors.add(out)
        return out

    def chart(self, name: str, title: str, draw: Any, note: str = "") -> None:
        """Draw a chart (``draw(ax)``) to the PNG ``name`` and add its section."""
        from matplotlib.figure import Figure  # no pyplot: no global figure state, any backend

        fig = Figure(figsize=(11, 6.5), layout="constrained")
        draw(fig.subplots())
        fig.savefig(self.folder / name, dpi=110)
        extra = f'<p class="note">{html.escape(note)}</p>' if note else ""
        self.sections.append(
            f'<h2 id="{self._anchor(name)}">{html.escape(title)}</h2>{extra}<img src="{name}" alt="{html.escape(title)}">'
        )

    def table(self, name: str, title: str, frame: pd.DataFrame, note: str = "", left_out: str = "") -> None:
        """Write ``frame`` to the CSV ``name`` and add its section (the first rows as HTML)."""
        from . import export

        export.to_csv(frame, self.folder / name)
        extra = f'<p class="note">{html.escape(note)}</p>' if note else ""
        if left_out:  # what the table leaves out, and why, right under its title
            extra += f'<p class="note left-out">Left out: {html.escape(left_out)}</p>'
        self.sections.append(f'<h2 id="{self._anchor(name)}">{html.escape(title)}</h2>{extra}{_table(frame, name)}')

    def write(self, history: pd.DataFrame, latest: pd.DataFrame, times: pd.DatetimeIndex) -> None:
        """``index.html``: the title, what the history covers, the rules, a nav and every section."""
        first, last = times[0], times[-1]
        when = (
            f"one snapshot, at {first:%Y-%m-%d %H:%M} UTC"
            if len(times) == 1
            else f"{len(times)} snapshots from {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC"
        )
        scope = str(history["scope"].iloc[0]) if "scope" in history.columns else "catalog"
        from .analysis.args import is_partial_at

        if is_partial_at(history, last):  # what the latest catalog's tables and charts may miss (re-check N1)
            when += (
                "; the latest snapshot is flagged partial (far fewer models than the one before): the tables "
                "and charts of the latest catalog may miss models that are still listed"
            )
        sections = [_rules_html(), *self.sections]  # under the title, and in the nav like every section
        nav = " ".join(
            f'<a href="#{s.split(chr(34))[1]}">{html.escape(s.split(">")[1].split("<")[0])}</a>' for s in sections
        )
        page = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>orcatalog report {last:%Y-%m-%d}</title><style>{_STYLE}</style></head><body>"
            f'<h1>OpenRouter catalog report</h1><p class="meta">Scope {html.escape(scope)}: {when}; '
            f"{len(latest)} models in the latest. "
            f"Made by orcatalog on {pd.Timestamp.now(tz='UTC'):%Y-%m-%d %H:%M} UTC.</p>"
            f"<nav>{nav}</nav>{''.join(sections)}</body></html>"
        )
        (self.folder / "index.html").write_text(page, encoding="utf-8")


#: The note of the time charts of a report on a single snapshot.
_ONE_SNAPSHOT = "One snapshot: the chart shows the 3 days around it; trends need two or more snapshots."


def trend_freq(times: pd.DatetimeIndex) -> str:
    """The market trend's frequency in the report: ``"h"`` over at most 2 days of snapshots, ``"D"``
    over at most 120 days, else ``"W"`` (a pandas frequency).

    Args:
        times: the snapshot times, in order.

    Returns:
        The frequency.
    """
    span = times[-1] - times[0] if len(times) else pd.Timedelta(0)
    return "h" if span <= pd.Timedelta("2D") else "D" if span <= pd.Timedelta("120D") else "W"


def _charts(
    page: _Page, history: pd.DataFrame, latest: pd.DataFrame, times: pd.DatetimeIndex, n_movers: int
) -> pd.DataFrame:
    """The report's charts; returns the movers (their table comes with the other tables)."""
    from . import plot
    from .analysis.trends import catalog_size, market_trend, movers

    first, last = times[0], times[-1]
    if len(times) > 1:
        moved = movers(history, first, last, n=n_movers)
        ids = list(moved["id"].head(5)) + list(moved.loc[moved["direction"] == "down", "id"].head(5))
        ids = list(dict.fromkeys(ids))
        if ids:
            page.chart(
                "price_history.png",
                "Price history of the biggest movers",
                lambda ax: plot.plot_price_history(history, ids, ax=ax),
                f"Prompt price, USD per million tokens; markers show each model's first price, every change and the first price after a long gap (grey: no line crosses it); an X marks a price no longer listed (never a drop to 0); a price of 0 sits on the dotted floor line. {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC.",
            )
    else:
        moved = pd.DataFrame(columns=["id", "direction", "start_value", "end_value", "change", "pct_change", "unit"])
    page.chart(
        "price_vs_context.png",
        "Price vs context (latest snapshot)",
        lambda ax: plot.plot_price_vs_context(latest, ax=ax),
        "Red: the Pareto frontier (no model is both cheaper and longer-context). Only models that produce text are drawn, the rule the frontier and the cost table use; the legend counts the others by output.",
    )
    freq = trend_freq(times)
    page.chart(
        "market_trend.png",
        "Market trend",
        lambda ax: plot.plot_market_trend(market_trend(history, freq=freq), ax=ax),
        (f"{_ONE_SNAPSHOT} " if len(times) == 1 else "")
        + f"Median of paid models' prices, one point per {dict(h='hour', D='day', W='week')[freq]}; each band is the middle half of models (25th to 75th percentile), and the prompt and completion bands overlap where their colours mix; a period alone between long gaps (more than a month, or 8 periods, without a snapshot) is a bar, as a band would have no width.",
    )
    page.chart(
        "catalog_size.png",
        "Catalog size",
        lambda ax: plot.plot_catalog_size(catalog_size(history), ax=ax),
        _ONE_SNAPSHOT if len(times) == 1 else "",
    )
    return moved


def _tables(
    page: _Page,
    history: pd.DataFrame,
    latest: pd.DataFrame,
    moved: pd.DataFrame,
    times: pd.DatetimeIndex,
    workload: tuple[int, int, int],
) -> None:
    """The report's tables: movers, catalog events, cheapest per input modality, free models, the workload's cost."""
    from .analysis.catalog import cheapest_paid, select
    from .analysis.cost import estimate_cost
    from .analysis.trends import catalog_events

    prompt_tokens, completion_tokens, requests = workload

    said = " ".join(f"{n[0].upper()}{n[1:]}." for n in moved.attrs.get("notes", []) if "left out" in n)
    page.table(
        "movers.csv",
        "Biggest price movers",
        moved,
        f"Prompt price, USD per million tokens, first to last snapshot; a model must be listed in both. {said}".strip()
        if len(times) > 1
        else "Needs two snapshots.",
    )
    page.table(
        "catalog_events.csv",
        "Models added, removed and returned",
        catalog_events(history).iloc[::-1],
        "Newest first; removed means absent from a snapshot, not retired.",
    )
    page.table(
        "cheapest_by_input_modality.csv",
        "Cheapest paid models per input modality (that produce text, by USD per million prompt tokens; a model priced 0 per token is not listed)",
        _cheapest_by_modality(latest),
    )
    free = select(latest, free=True)[["id", "context_length", "input_modalities", "output_modalities"]]
    page.table("free_models.csv", "Free models", free.sort_values("id"))
    cost = cheapest_paid(
        estimate_cost(latest, prompt_tokens, completion_tokens, requests=requests)
    )  # the cost command's rule
    keep = [c for c in ("id", "total_usd", "rank", "x_cheapest", "cost_prompt", "cost_completion", "note") if c in cost]
    page.table(
        "workload_cost.csv",
        f"Cost of {prompt_tokens:,} prompt + {completion_tokens:,} completion tokens in {requests:,} requests",
        cost[keep],
        "USD, the cheapest paid models that produce text, cheapest first; routers with dynamic pricing "
        "have no number (see note).",
        _left_out_text(cost.attrs.get("left_out")) or "nothing",
    )


#: The rules every number of the report follows, one sentence each (the page says them under its title).
RULES = (
    (
        "Serving",
        "A workload is priced only on models that can serve it (by default those that produce text, "
        "prompt-only workloads included; other outputs are named with output_modalities=) and that one of its "
        "requests fits (prompt + completion within the context window, completion within max_completion_tokens; "
        "the tokens are one request unless requests= spreads them); per-unit parts such as requests, searches "
        "and images count only when the workload names "
        "them, and a model that cannot be priced gets a note, never a zero.",
    ),
    (
        "Free",
        "A model is free (is_free) only when every price it lists is zero and every non-text output it "
        "produces (image, audio, video) has a listed price, or it is a :free variant; a model listing 0 "
        "but no price for its audio or image output (google/lyria-3-pro-preview) is neither free nor "
        "paid, and its cost says the price is not listed; free models are listed on their "
        "own, and left out of the cost table and the frontier.",
    ),
    (
        "No longer listed",
        'A price of "0" and an absent price are the same; a non-zero price whose key the API '
        'stops listing is reported as no longer listed, never as a cut to zero (a body that writes "0" after a '
        "price does say a cut to zero), and a model missing from a snapshot is absent then, not retired.",
    ),
    (
        "Time",
        "Times are UTC (ISO 8601); a question asked before the first snapshot is answered by the first and "
        "says so, and an answer from an older snapshot says how old it is; usage rows are the one exception: "
        "a row dated before the first snapshot is not priced (no catalog of that day to ask), and its note says so.",
    ),
)


def _rules_html() -> str:
    items = "".join(f"<li><b>{html.escape(name)}.</b> {html.escape(text)}</li>" for name, text in RULES)
    return f'<h2 id="rules">The rules behind the numbers</h2><ul class="rules">{items}</ul>'


def _reprice_section(usage: pd.DataFrame, history: pd.DataFrame, chart: Any, table: Any) -> None:
    """The usage section: the usage repriced on the history, a chart of the cheapest alternatives
    against the bill (when any alternative could serve a row) and the summary table."""
    from . import plot
    from .analysis.reprice import NO_SNAPSHOT, reprice
    from .schema import usd_text

    result = reprice(usage, history)
    summary = result.summary()
    rows = result.rows
    unpriced = int(rows["list_usd"].isna().sum())
    early = int((rows["note"] == NO_SNAPSHOT).sum())  # dated before the store's first snapshot
    byok = int((rows["reason"] == "byok").sum())
    billed = result.billed_total_usd
    bill = (
        "with no bill (the usage has no usage_usd column)"
        if np.isnan(billed)
        else f"billed {usd_text(billed)} (OpenRouter's bill plus what providers billed on your own keys)"
    )
    why = [f"{unpriced - early} not listed on their day"] if unpriced > early else []
    why += [f"{early} dated before the store's first snapshot"] if early else []
    then = " (record the catalogs of their days with `orcatalog import` or `snapshot`)" if unpriced else ""
    note = (
        f"{len(rows)} usage rows {bill}; at their own models' list prices {usd_text(result.list_total_usd)} on the "
        f"{len(rows) - unpriced} rows whose model the store lists on their day ({', '.join([*why, f'{byok} BYOK'])})"
        f"{then}. Alternatives are priced at list, each row on its own day, with the cached tokens the usage names "
        "(the activity names none)."
    )
    if (summary["served_share"] > 0).any():
        chart(
            "reprice.png", "Your usage on the cheapest alternatives", lambda ax: plot.plot_reprice(summary, ax=ax), note
        )
        note = "USD; the share of rows each could serve (same output, a context window that fits) and was listed."
    table("reprice.csv", "Your usage priced on other models", summary.head(20), note)


def _left_out_text(left_out: Any) -> str:
    """What a result says it left out (``attrs["left_out"]``: text, or reason -> count), in words."""
    if not left_out:
        return ""
    if isinstance(left_out, dict):
        from .analysis.catalog import left_out_words  # the cost command's wording

        return left_out_words(left_out)
    return str(left_out)
