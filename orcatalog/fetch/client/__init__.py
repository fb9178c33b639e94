"""The four models endpoints as DataFrames: the ``Client`` class (the module-level shortcuts on a
default client are :mod:`orcatalog.fetch.shortcuts`, still importable from here).

Flow: check parameters (:mod:`orcatalog.fetch.params`) -> GET JSON (:mod:`orcatalog.fetch.http`)
-> flatten (:mod:`orcatalog.frames.models`). The session is injected (any ``requests.Session``);
by default it is a ``requests_cache`` ``CachedSession`` on a private SQLite file
(:mod:`orcatalog.fetch.cache`), created on first use.

Beside it: the settings' checks and the key holder (:mod:`orcatalog.fetch.settings`), what a body
says (its checks, paging, provenance: :mod:`orcatalog.fetch.pages`). Layer: fetch.

The files, in the order a call meets them:

- :mod:`.assembled`: :class:`Client` put together, and its thin providers, endpoints and activity methods;
- :mod:`.models`: the four models operations (``/models``, ``/model/{id}``, ``/models/count``, ``/models/user``);
- :mod:`.paging`: following the pages of a list endpoint into one frame with provenance;
- :mod:`.base`: the settings checked, API-key resolution (the one home), the session, the one GET.
"""

from __future__ import annotations

from typing import Any

from ..params import DEFAULT_BASE_URL
from ..pages import ListBody
from .assembled import Client

__all__ = ["Client", "ListBody", "DEFAULT_BASE_URL"]


#: The module-level shortcuts, in :mod:`orcatalog.fetch.shortcuts`; still importable from here.
_SHORTCUTS = ("default_client", "fetch_models", "fetch_model", "count_models", "fetch_user_models")


def __getattr__(name: str) -> Any:
    if name in _SHORTCUTS:
        from .. import shortcuts

        return getattr(shortcuts, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
