"""The ``note`` column of a cost frame (why a row has no total, or what its total leaves out),
kept per row as codes into a short list of texts: most rows have none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class _Notes:
    """Per-row notes kept as codes into a short list of texts (most rows have none)."""

    def __init__(self, n: int) -> None:
        self.codes = np.full(n, -1, dtype=np.int32)
        self.texts: list[str] = []

    def add(self, rows: np.ndarray, text: str) -> None:
        """Add ``text`` to the note of ``rows`` (an index array or a boolean mask)."""
        rows = np.flatnonzero(rows) if rows.dtype == bool else rows
        for code in np.unique(self.codes[rows]):
            combined = (
                text if code < 0 else self.texts[code] if text in self.texts[code] else f"{self.texts[code]}; {text}"
            )
            if combined not in self.texts:
                self.texts.append(combined)
            target = rows[self.codes[rows] == code]
            self.codes[target] = self.texts.index(combined)

    def replace(self, rows: np.ndarray, text: str) -> None:
        """Make ``text`` the whole note of ``rows`` (a boolean mask): a reason that comes first."""
        self.codes[rows] = -1
        self.add(rows, text)

    def strings(self, order: np.ndarray | None = None) -> pd.api.extensions.ExtensionArray:
        """The notes as plain text (pandas' ``str`` dtype, NaN for none): what a pandas user
        expects of a text column (``fillna("")``, ``.str``, ``==``), unlike a categorical's
        ``fillna`` which refuses a value that is not a category."""
        codes = self.codes if order is None else self.codes[order]
        texts = np.array([*self.texts, np.nan], dtype=object)  # code -1: the last, no note
        return pd.array(texts[codes], dtype="str")
