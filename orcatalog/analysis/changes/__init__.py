"""Pure DataFrame functions over snapshots: what changed, how prices moved, when models came and went.

They take frames (from ``SnapshotStore.load`` / ``history`` or ``fetch_models``) and return frames;
nothing here fetches or touches files. The files:

- :mod:`.events`: what counts as a price change, the one rule (:func:`price_events`, its unit
  helpers, :data:`PRICE_EVENT_KINDS`), and :func:`price_changes` over a history;
- :mod:`.diff`: :func:`diff` of two catalog frames and its row builders (:data:`DIFF_FIELDS`);
- :mod:`.listing`: :func:`absences` (when a model stopped being listed) and :func:`lifecycle`.
"""

from .diff import DIFF_FIELDS, diff
from .events import PRICE_EVENT_KINDS, price_changes, price_events
from .events import switch_field as switch_field
from .listing import absences as absences
from .listing import lifecycle

__all__ = ["diff", "price_changes", "lifecycle", "price_events", "DIFF_FIELDS", "PRICE_EVENT_KINDS"]
