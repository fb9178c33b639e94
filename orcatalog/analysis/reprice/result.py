"""The answer of :func:`~orcatalog.analysis.reprice.reprice`: :class:`Repricing` (the rows at their own
model's list price against the bill, the alternatives' rows) and :meth:`Repricing.summary`, the period
per alternative (its total, the saving against the bill, the share of rows it could serve, how often
it was missing from the catalog). USD throughout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Repricing:
    """What :func:`reprice` found.

    Attributes:
        rows: one row per usage row (same index): the usage columns, then ``list_usd`` (its own
            model at list price, USD), ``billed_usd`` (:func:`~orcatalog.schema.usage.billed_usd`),
            ``difference_usd`` (``usage_usd - list_usd``), ``agrees`` (within
            :data:`ROUNDING_USD`, or, for usage that does not count cache reads, between the
            list price with every prompt token cached and with none: ``reason`` is then
            :data:`CACHE_READS`), ``reason`` (why they may disagree, :func:`bill_reasons`),
            ``price_source`` / ``snapshot_id`` of the price used and ``note`` (why no price).
        alternatives: one row per usage row and alternative that could be considered:
            ``row`` (position in ``rows``), ``alternative`` (model id, or ``model@tag`` for an
            endpoint), ``total_usd`` (USD, null when not priced), ``served`` (it could serve the
            row and had a price), ``missing`` (not in the catalog on the row's date), ``note``; with
            an endpoints frame also ``own_endpoint`` (the endpoint that served the row: its tag is
            the row's ``provider_name``), and ``rows`` gets ``endpoint_usd`` (the row at that
            endpoint's price, USD, NaN when the frame does not list it).
        at: ``"row"`` or the time every row was priced at.
        notes: what the answer says about the snapshot that answered a fixed ``at``
            (:func:`orcatalog.times.answer_notes`: ``at`` in the future, the snapshot older than
            ``at`` and by how much; none for ``at="row"``), and that context windows were not
            checked when the usage has no ``requests`` column.
    """

    rows: pd.DataFrame
    alternatives: pd.DataFrame
    at: Any = "row"
    notes: tuple[str, ...] = ()

    @property
    def billed_total_usd(self) -> float:
        """The period's bill (USD): the sum of ``billed_usd`` (NaN when the usage has no ``usage_usd``)."""
        values = self.rows["billed_usd"].to_numpy(dtype=float)
        return float(values.sum()) if len(values) and not np.isnan(values).all() else float("nan")

    @property
    def list_total_usd(self) -> float:
        """The period at list prices (USD), over the rows whose model had a price."""
        return float(np.nansum(self.rows["list_usd"].to_numpy(dtype=float)))

    def summary(self) -> pd.DataFrame:
        """Per alternative: ``total_usd`` (the period's total on the rows it could serve, USD),
        ``billed_usd`` (what those rows were billed, USD), ``saving_usd`` (``billed_usd -
        total_usd``: positive means it would have been cheaper), ``served_share`` (share of all
        rows it could serve and price, 0..1), ``missing_share`` (share of all rows on whose date
        it was not in the catalog, 0..1), ``rows_served``.

        Sorted by ``served_share`` (most rows first), then ``total_usd`` (cheapest first), so the
        first rows are the cheapest alternatives for the whole workload. ``attrs`` holds
        ``billed_total_usd`` and ``list_total_usd`` of the period.
        """
        alt = self.alternatives
        n = len(self.rows)
        billed = self.rows["billed_usd"].to_numpy(dtype=float)
        if alt.empty:
            out = pd.DataFrame(
                {
                    c: pd.Series(dtype=float)
                    for c in ("total_usd", "billed_usd", "saving_usd", "served_share", "missing_share")
                }
            )
            out.insert(0, "alternative", pd.Series(dtype=object))
            out["rows_served"] = pd.Series(dtype=np.int64)
        else:
            served = alt["served"].to_numpy(dtype=bool)
            rows = alt["row"].to_numpy()
            frame = pd.DataFrame(
                {
                    "alternative": alt["alternative"].to_numpy(dtype=object),
                    "total_usd": np.where(served, alt["total_usd"].to_numpy(dtype=float), 0.0),
                    "billed_usd": np.where(served, np.nan_to_num(billed[rows]), 0.0),
                    "unbilled": (served & np.isnan(billed[rows])).astype(np.int64),
                    "served": served.astype(np.int64),
                    "missing": alt["missing"].to_numpy(dtype=bool).astype(np.int64),
                }
            )
            grouped = frame.groupby("alternative", sort=False).sum()
            out = pd.DataFrame(
                {
                    "alternative": grouped.index.to_numpy(dtype=object),
                    "total_usd": grouped["total_usd"].to_numpy(),
                    # a served row whose bill is unknown makes the bill of its rows unknown, never 0
                    "billed_usd": np.where(
                        grouped["unbilled"].to_numpy() > 0, np.nan, grouped["billed_usd"].to_numpy()
                    ),
                }
            )
            out["saving_usd"] = out["billed_usd"] - out["total_usd"]
            out["served_share"] = grouped["served"].to_numpy() / max(n, 1)
            out["missing_share"] = grouped["missing"].to_numpy() / max(n, 1)
            out["rows_served"] = grouped["served"].to_numpy()
            out = out.sort_values(["served_share", "total_usd"], ascending=[False, True], kind="stable")
            out = out.reset_index(drop=True)
        out.attrs = {"billed_total_usd": self.billed_total_usd, "list_total_usd": self.list_total_usd, "rows": n}
        return out
