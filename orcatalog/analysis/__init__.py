"""Pure DataFrame functions over catalog frames and snapshot history: what changed
(:mod:`.changes`), what a workload costs (:mod:`.cost`), usage rows at the prices of their time
(:mod:`.price_at`), your usage priced again (:mod:`.reprice`). Nothing here fetches or touches files."""

from .cost import estimate_cost
from .price_at import price_at

__all__ = ["estimate_cost", "price_at"]
