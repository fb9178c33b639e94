"""The :class:`~orcatalog.fetch.client.Client`'s settings, checked once when they are given: the
timeout (:func:`_check_timeout`), an API key's shape (:func:`_check_key`), an HTTP header value
(:func:`_check_header`), and the holder that keeps a key out of every repr, str and pickle
(:class:`_Secret`). Which key a call uses (API-key resolution) stays in :mod:`.client`.

Layer: fetch; every check raises :class:`~orcatalog.errors.InvalidParameterError` before anything
is sent, and never echoes a key.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import InvalidParameterError
from .cache import key_fingerprint

_HEADER_VALUE = re.compile(r"^[\x20-\x7e]*$")


class _Secret:
    """Holds the API key so that no repr, str, vars() dump or pickle of a client shows it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    @property
    def value(self) -> str:
        return self._value

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self._value)

    def __repr__(self) -> str:
        return f"<secret {self.fingerprint}>"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("an orcatalog client holding an API key cannot be pickled")


def _check_timeout(timeout: Any) -> tuple[float, float]:
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        timeout = (timeout, timeout)
    if (
        not isinstance(timeout, tuple)
        or len(timeout) != 2
        or not all(isinstance(t, (int, float)) and not isinstance(t, bool) and 0 < t < float("inf") for t in timeout)
    ):
        raise InvalidParameterError(
            f"timeout={timeout!r} is invalid: give seconds (> 0) or a (connect, read) tuple; it is never None"
        )
    return float(timeout[0]), float(timeout[1])


def _check_key(api_key: Any) -> str | None:
    if api_key is None:
        return None
    if (
        not isinstance(api_key, str)
        or not api_key.strip()
        or not _HEADER_VALUE.match(api_key)
        or " " in api_key.strip()
    ):
        # never echo the value: it may be a real key with a stray newline
        raise InvalidParameterError("api_key must be a non-empty string of printable characters without spaces")
    return api_key.strip()


def _check_header(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)) and name == "X-OpenRouter-Categories":
        value = ",".join(str(v) for v in value)
    if not isinstance(value, str) or not _HEADER_VALUE.match(value):
        raise InvalidParameterError(f"{name} header must be a string of printable ASCII characters")
    return value
