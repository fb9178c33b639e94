"""Pure DataFrame functions over catalog frames and snapshot history: what changed
(:mod:`.changes`), what a workload costs (:mod:`.cost`), your usage priced again (:mod:`.reprice`).
Nothing here fetches or touches files."""

from .cost import estimate_cost, price_at

__all__ = ["estimate_cost", "price_at"]
