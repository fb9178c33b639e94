"""An endpoint priced as a model: the one home of how an endpoints frame
(:func:`orcatalog.fetch_endpoints`) is handed to the cost rules (:func:`as_models`: its ``price_<key>``
columns, its ``pricing_overrides`` and its ``discount`` as the ``price_discount`` the totals apply),
and of the frame :func:`orcatalog.estimate_cost` returns for it (:func:`endpoint_result`: one row per
endpoint, ranked within its model).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ...schema import is_price_column
from .rank import paid_ranks

#: The columns that name an endpoint in a cost frame (``error`` too, on a many-model fetch's frame).
ENDPOINT_KEYS = ("model_id", "tag", "provider_name", "error")


def is_endpoints_frame(frame: Any) -> bool:
    """True for an endpoints frame: a DataFrame with ``model_id`` and ``tag`` and no model ``id``."""
    return isinstance(frame, pd.DataFrame) and {"model_id", "tag"} <= set(frame.columns) and "id" not in frame.columns


def as_models(endpoints: pd.DataFrame) -> pd.DataFrame:
    """The endpoints as a models frame the cost rules read: ``id`` (the row's position, as text),
    the price columns, ``pricing_overrides``, ``dynamic_pricing``, ``is_free``, ``context_length``
    and ``max_completion_tokens`` (the endpoint's own window and output limit, where listed: one
    request must fit them, :func:`orcatalog.analysis.catalog.fits_request`), ``output_modalities`` and ``price_discount`` (the
    endpoint's ``discount``, a fraction). The one view of an endpoint as a model: repricing usage on
    endpoints (:mod:`orcatalog.analysis.reprice`) keys the same rows by ``model@endpoint``."""
    keep = [
        c
        for c in endpoints.columns
        if is_price_column(c)
        or c in ("pricing_overrides", "dynamic_pricing", "is_free", "context_length", "max_completion_tokens")
    ]
    view = endpoints[keep].copy()
    # an endpoint serves its model's outputs; a listing that does not name them is "unknown", which the
    # serving rule (analysis.catalog.serves) does not exclude
    view["output_modalities"] = endpoints["output_modalities"] if "output_modalities" in endpoints.columns else None
    view.insert(0, "id", [str(i) for i in range(len(endpoints))])
    if "discount" in endpoints.columns:
        view["price_discount"] = endpoints["discount"].to_numpy(dtype=float, na_value=np.nan)
    view.index = pd.RangeIndex(len(view))
    return view


def endpoint_result(endpoints: pd.DataFrame, result: dict[str, Any]) -> pd.DataFrame:
    """The cost frame of an endpoints frame: ``model_id``, ``tag``, ``provider_name`` (and ``error``
    when the frame has it), the cost columns, ``x_cheapest`` and ``rank`` within each model (1 = its
    cheapest paid endpoint, 0 a free one: :func:`.rank.paid_ranks`), ``note``; models in the frame's order, each one's endpoints cheapest first
    (no total last). The index is the endpoints' own, so the rows join back to the frame. A row of
    a model that could not be fetched has the fetch error as its note."""
    columns = result["columns"]
    total = columns["total_usd"]
    notes = result["notes"]
    if "error" in endpoints.columns:
        errors = endpoints["error"].to_numpy(dtype=object)
        for text in pd.unique(errors[pd.notna(errors)]):
            notes.replace(errors == text, f"fetch failed: {text}")
    group = pd.factorize(endpoints["model_id"].astype(object).fillna(""), sort=False)[0].astype(np.int64)
    rank, x = paid_ranks(total, group)  # the one ranking rule: among paid endpoints, 0 = free, NA = no total
    order = np.lexsort((np.where(np.isnan(total), np.inf, total), group))
    data: dict[str, Any] = {k: endpoints[k].array.take(order) for k in ENDPOINT_KEYS if k in endpoints.columns}
    data.update({name: values[order] for name, values in columns.items()})
    data.update(x_cheapest=x[order], rank=rank[order], note=notes.strings(order))
    return pd.DataFrame(data, index=endpoints.index.take(order), copy=False)
