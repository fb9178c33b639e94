"""The module-level shortcuts (``orcatalog.fetch_models`` and friends) on one default
:class:`~orcatalog.fetch.client.Client`, configured from the environment and rebuilt when it
changes (:func:`default_client`), and the rule for the per-call options of the single-request
shortcuts (:func:`_call_options`).

Layer: fetch; each shortcut only picks a client and calls its method.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from . import params as _params
from ..errors import InvalidParameterError
from .client import Client
from .retry import RetryConfig

__all__ = ["default_client", "fetch_models", "fetch_model", "count_models", "fetch_user_models"]

_default: tuple[tuple[str | None, ...], Client] | None = None
_default_lock = threading.Lock()


def _env_signature() -> tuple[str | None, ...]:
    return tuple(
        os.environ.get(k)
        for k in ("ORCATALOG_BASE_URL", "OPENROUTER_API_KEY", "ORCATALOG_CACHE_DIR", "ORCATALOG_OFFLINE")
    )


def default_client() -> Client:
    """The client module functions use: configured from the environment, rebuilt when it changes."""
    global _default
    with _default_lock:
        sig = _env_signature()
        if _default is None or _default[0] != sig:
            _default = (sig, Client())
        return _default[1]


def fetch_models(
    *,
    client: Client | None = None,
    page_size: int | None = None,
    retries: RetryConfig | None = None,
    refresh: bool = False,
    headers: Mapping[str, str] | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """``GET /models`` as a DataFrame; see :meth:`Client.fetch_models` (filters, units, errors).

    Args:
        client: the :class:`Client` to use (default: one shared client from the environment).
        page_size, retries, refresh, headers, filters: as for :meth:`Client.fetch_models`.
    """
    return (client or default_client()).fetch_models(
        page_size=page_size, retries=retries, refresh=refresh, headers=headers, **filters
    )


fetch_models = _params.with_filter_parameters(fetch_models)


#: The per-call options of the single-request methods (fetch_model, count_models).
_CALL_OPTIONS = ("retries", "refresh", "headers")


def _call_options(kwargs: Mapping[str, Any], what: str) -> Mapping[str, Any]:
    """``kwargs`` when each is a per-call option, else InvalidParameterError naming it (a Client
    setting such as ``base_url`` says where it belongs) before any request."""
    from .params import client_setting_hint

    for name in kwargs:
        if name not in _CALL_OPTIONS:
            raise InvalidParameterError(
                f"{what}() got an unknown argument {name!r}{client_setting_hint(name)}; "
                f"it takes {', '.join(_CALL_OPTIONS)} and client="
            )
    return kwargs


def fetch_model(model_id: str, *, client: Client | None = None, **kwargs: Any) -> pd.DataFrame:
    """``GET /model/{author}/{slug}`` as a one-row DataFrame; see :meth:`Client.fetch_model`.

    Raises:
        InvalidParameterError: an argument :meth:`Client.fetch_model` does not take (before any request).
    """
    return (client or default_client()).fetch_model(model_id, **_call_options(kwargs, "fetch_model"))


def count_models(
    output_modalities: str | Sequence[str] | None = None, *, client: Client | None = None, **kwargs: Any
) -> int:
    """``GET /models/count``; see :meth:`Client.count_models`.

    Raises:
        InvalidParameterError: an argument :meth:`Client.count_models` does not take (before any request).
    """
    return (client or default_client()).count_models(output_modalities, **_call_options(kwargs, "count_models"))


def fetch_user_models(api_key: str | None = None, *, client: Client | None = None, **kwargs: Any) -> pd.DataFrame:
    """``GET /models/user`` with a bearer key; see :meth:`Client.fetch_user_models`."""
    return (client or default_client()).fetch_user_models(api_key, **kwargs)
