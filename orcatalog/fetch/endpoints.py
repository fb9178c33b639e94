"""Providers and endpoints as DataFrames: ``fetch_endpoints`` (one model, many models, or every ZDR
endpoint) and ``fetch_providers``.

Flow: check arguments -> GET through :meth:`Client._get` (the models' HTTP path: same session and
private cache, same timeouts, status -> error mapping and pre-cache checks) -> flatten
(:mod:`orcatalog.frames.endpoints`, :mod:`orcatalog.frames.providers`).

Many models (:func:`fetch_many`) run on a small thread pool. Each model is one
:func:`~orcatalog.fetch.http.get_json` call, retried by the one retry rule (its ``decide``: the same
statuses, waits, budget and overall deadline as any other request); the pool only carries out the
waits, so that a 429's ``Retry-After`` pauses every worker (:class:`PoolGate`), not only the one
that got it, and the request count stays at most models plus retries. A model that still fails is one row with an ``error`` message; the others are kept.
Ctrl-C cancels what has not started, lets the requests in flight finish (their answers are cached)
and re-raises.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError, OrcatalogError, RateLimitError, ResponseError
from ..frames.endpoints import check_endpoints_body, endpoints_body_frame, endpoints_frame
from ..frames.providers import providers_frame
from ..progress import bar
from ..schema.endpoints import ERROR_COLUMN
from ..scope import scope_of
from . import params as _params
from .cache.session import environment_read_once
from .deadline import leave_ctrl_c_to_the_main_thread
from .http import Decision, Fetched, RetryConfig, redact_url

__all__ = [
    "fetch_endpoints",
    "fetch_providers",
    "fetch_many",
    "many_frame",
    "PoolGate",
    "DEFAULT_CONCURRENCY",
    "MAX_CONCURRENCY",
]

logger = logging.getLogger(__name__)

#: Requests in flight at once when fetching many models (settable per call with ``concurrency=``).
DEFAULT_CONCURRENCY = 4
#: The most ``concurrency`` accepts: a polite client, not a load test.
MAX_CONCURRENCY = 32


def _client(client: Any) -> Any:
    from .client import Client
    from .shortcuts import default_client

    if client is None:
        return default_client()
    if not isinstance(client, Client):
        raise InvalidParameterError(f"client must be an orcatalog.Client, got {type(client).__name__}")
    return client


def endpoints_path(model_id: str) -> str:
    """The API path of a model's endpoints list (checked: InvalidParameterError for a bad id)."""
    author, slug = _params.model_path(model_id)
    return f"/models/{quote(author, safe='~')}/{quote(slug, safe=':')}/endpoints"


def _model_ids(models: Any) -> list[str]:
    """Model ids from a models frame (its ``id`` column), a Series or an iterable; checked, deduplicated."""
    if isinstance(models, pd.DataFrame):
        if "id" not in models.columns:
            raise InvalidParameterError("models= frame has no 'id' column (give a models frame or a list of ids)")
        models = models["id"]
    if isinstance(models, str) or not isinstance(models, Iterable):
        raise InvalidParameterError("models= must be a models frame, a Series or a list of model ids")
    ids = list(dict.fromkeys(models))
    for model_id in ids:
        _params.model_path(model_id)
    return ids


# -- the pool ------------------------------------------------------------------------------------


class PoolGate:
    """Every worker passes the gate before each request; a pause closes it for all of them.

    Args:
        clock: monotonic seconds (injectable for tests).
        sleep: waits that many seconds (injectable; by default an interruptible wait on ``stop``).
        stop: set when the fetch is cancelled; waiting at the gate ends then.
    """

    def __init__(self, clock: Callable[[], float], sleep: Callable[[float], Any], stop: threading.Event) -> None:
        self.clock, self.sleep, self.stop = clock, sleep, stop
        self._lock = threading.Lock()
        self._open_at = -float("inf")
        self.pauses: list[float] = []  #: every pause asked for, in seconds (for tests and logs)

    def pause(self, seconds: float) -> None:
        """Close the gate for ``seconds`` from now (never shortening a longer pause)."""
        with self._lock:
            self._open_at = max(self._open_at, self.clock() + seconds)
            self.pauses.append(seconds)

    def wait(self) -> bool:
        """Block until the gate is open; False when the fetch was cancelled meanwhile."""
        while not self.stop.is_set():
            with self._lock:
                remaining = self._open_at - self.clock()
            if remaining <= 0:
                return True
            self.sleep(remaining)
        return False


class _Cancelled(Exception):
    pass


def _fetch_one(
    client: Any, model_id: str, *, gate: PoolGate, retry: RetryConfig, refresh: bool, sleep: Callable[[float], Any]
) -> Fetched:
    """One model's endpoints body, retried by the one retry rule (:func:`orcatalog.fetch.retry.decide`,
    in :func:`~orcatalog.fetch.http.get_json`); the pool only waits: a 429's wait closes the gate
    for every worker, another wait is this worker's, and a cancelled fetch stops at the gate."""

    def pause(decision: Decision) -> None:
        if isinstance(decision.error, RateLimitError):
            gate.pause(decision.wait)
        elif not gate.stop.is_set():
            sleep(decision.wait)
        if not gate.wait():
            raise _Cancelled

    if not gate.wait():
        raise _Cancelled
    return client._get(
        endpoints_path(model_id),
        None,
        headers=client._headers(None),
        retries=retry,
        refresh=refresh,
        check=check_endpoints_body,  # the frame's checks; the frame itself is made once, of every body
        pause=pause,
    )


def fetch_many(
    client: Any,
    model_ids: list[str],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    refresh: bool = False,
    retries: RetryConfig | None = None,
    progress: bool | None = None,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], Any] | None = None,
    on_result: Callable[[str], None] | None = None,
) -> tuple[dict[str, Fetched], dict[str, OrcatalogError]]:
    """Fetch the endpoints bodies of many models on a bounded pool (the engine of
    :func:`fetch_endpoints` with ``models=``; clock, sleep and a per-result hook are injectable).

    Args:
        client: the :class:`~orcatalog.Client`.
        model_ids: checked ids (see :func:`endpoints_path`).
        concurrency: requests in flight at once (1..MAX_CONCURRENCY).
        refresh, retries, progress: as for :func:`fetch_endpoints`.
        clock: monotonic seconds (default: the client's, ``Client(clock=...)``); sleep: waits
            (default: the client's when one was injected, ``Client(sleep=...)``, else an
            interruptible wait), so the pool's waits and its requests' deadlines run on one clock.
        on_result: called on the calling thread with each model id as it finishes.

    Returns:
        ``(fetched, failed)``: bodies by model id and errors by model id.

    Raises:
        KeyboardInterrupt: after cancelling the rest; requests in flight finish and stay cached.
    """
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= MAX_CONCURRENCY:
        raise InvalidParameterError(f"concurrency must be an int from 1 to {MAX_CONCURRENCY}, got {concurrency!r}")
    if retries is not None and not isinstance(retries, RetryConfig):
        raise InvalidParameterError("retries must be an orcatalog.RetryConfig")
    retry = retries or client.retries
    stop = threading.Event()
    clock = clock or client._clock
    if sleep is None and client._sleep is not time.sleep:  # an injected sleep (tests, a caller's own pacing)
        sleep = client._sleep
    gate = PoolGate(clock, sleep or stop.wait, stop)
    fetched: dict[str, Fetched] = {}
    failed: dict[str, OrcatalogError] = {}
    progress_bar = bar(
        desc="GET endpoints", total=len(model_ids), unit="model", show=client.progress if progress is None else progress
    )
    with environment_read_once(client.session):  # proxies read once for the burst, not per request
        pool = ThreadPoolExecutor(  # Ctrl-C goes to the caller's thread, which cancels the rest
            max_workers=concurrency,
            thread_name_prefix="orcatalog-endpoints",
            initializer=leave_ctrl_c_to_the_main_thread,
        )
        futures: dict[Future[Fetched], str] = {}
        try:
            for model_id in model_ids:
                future = pool.submit(
                    _fetch_one, client, model_id, gate=gate, retry=retry, refresh=refresh, sleep=gate.sleep
                )
                futures[future] = model_id
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    model_id = futures[future]
                    exc = future.exception()
                    if exc is None:
                        fetched[model_id] = future.result()
                    elif isinstance(exc, OrcatalogError):
                        failed[model_id] = exc
                    elif not isinstance(exc, _Cancelled):
                        raise exc
                    progress_bar.update(1)
                    if on_result is not None:
                        on_result(model_id)
        except BaseException:
            stop.set()  # workers stop at the gate; waits end; nothing new is sent
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        finally:
            progress_bar.close()
        pool.shutdown(wait=True)
    return fetched, failed


# -- frames ------------------------------------------------------------------------------------


def many_frame(fetched: dict[str, Fetched], failed: dict[str, OrcatalogError], order: list[str]) -> pd.DataFrame:
    """One endpoints frame for :func:`fetch_many`'s result (one flatten pass over every body, in
    ``order``), with an ``error`` column: null on endpoint rows, plus one row per failed model, in
    its place in ``order``. A
    model answered with the endpoints of a model another id of the list already gave (an alias, a
    variant or a redirect answered for the same model) is an error row of its own, naming that
    model, so the others stay (trial: one such pair refused the whole fetch as duplicate endpoints)."""
    endpoints: list[dict[str, Any]] = []
    failed = dict(failed)
    answered: dict[str, str] = {}  # the model a body is of -> the id asked that gave it first
    asked = {m: i for i, m in enumerate(order)}
    positions: list[int] = []  # each row's model's place in the order asked
    for model_id in order:
        if model_id not in fetched:
            continue
        data = fetched[model_id].body["data"]
        of = str(data.get("id") or model_id)
        if of in answered:
            failed[model_id] = ResponseError(
                f"{model_id} was answered with the endpoints of {of}, which {answered[of]} already gave: "
                "its rows are those"
            )
            continue
        answered[of] = model_id
        defaults = {"model_id": data.get("id") or model_id, "model_name": data.get("name")}
        endpoints.extend(
            {**defaults, **{k: v for k, v in e.items() if v is not None or k not in defaults}}
            for e in data["endpoints"]
        )
        positions.extend([asked[model_id]] * len(data["endpoints"]))
    frame = endpoints_frame(endpoints)
    frame[ERROR_COLUMN.name] = pd.array([None] * len(frame), dtype=frame["model_id"].dtype)
    if not failed:
        return frame
    errors = frame.iloc[:0].reindex(range(len(failed)))
    errors["model_id"] = pd.array(list(failed), dtype=frame["model_id"].dtype)
    errors["error"] = pd.array([f"{type(e).__name__}: {e}" for e in failed.values()], dtype=frame["model_id"].dtype)
    for column in frame.columns:
        if frame[column].dtype == bool:
            errors[column] = False
    out = pd.concat([frame, errors], ignore_index=True)
    out = out.astype({c: frame[c].dtype for c in frame.columns if out[c].dtype != frame[c].dtype})
    positions.extend(asked.get(m, len(order)) for m in failed)
    at = np.argsort(np.asarray(positions, dtype=np.int64), kind="stable")  # a failed model in its place, not last
    return out.take(at).reset_index(drop=True)


def _provenance(frame: pd.DataFrame, fetched: list[Fetched], base_url: str, path: str) -> None:
    frame.attrs.update(
        {
            "base_url": redact_url(base_url),
            "endpoint": path,
            "fetched_at": pd.Timestamp(min(f.fetched_at for f in fetched)) if fetched else None,
            "from_cache": bool(fetched) and all(f.from_cache for f in fetched),
            "stale": any(f.stale for f in fetched),
            "requests": sum(f.attempts for f in fetched if not f.from_cache),  # what went out (trial: cached counted)
            "scope": scope_of(base_url, path, {}, None),
        }
    )


def fetch_endpoints(
    model_id: str | None = None,
    *,
    models: Any = None,
    zdr: bool = False,
    client: Any = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    refresh: bool = False,
    retries: RetryConfig | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Which providers serve a model, at what price, speed and uptime: one row per endpoint.

    Give exactly one of ``model_id`` (``GET /models/{author}/{slug}/endpoints``), ``models`` (that
    call for each model, on a bounded pool) or ``zdr=True`` (``GET /endpoints/zdr``: the
    zero-data-retention endpoints of every model, one call).

    Args:
        model_id: ``author/slug`` (or ``author/slug:variant``).
        models: a models frame (its ``id`` column), a Series or a list of ids; duplicates are fetched once.
        zdr: list every zero-data-retention endpoint instead.
        client: the :class:`~orcatalog.Client` (default: the shared one from the environment);
            its session, cache, timeouts and retry budget apply.
        concurrency: requests in flight at once for ``models`` (default 4, at most 32).
        refresh: bypass the cache (fresh answers replace the entries).
        retries: overrides the client's :class:`~orcatalog.RetryConfig`. With ``models``, a 429's
            ``Retry-After`` pauses the whole pool.
        progress: progress bar for ``models`` (default: the client's setting).

    Returns:
        The endpoints contract (:mod:`orcatalog.schema.endpoints`): prices in USD per token and
        per million tokens, ``discount`` and effective prices, uptime in percent, latency in
        milliseconds (time to first token), throughput in tokens per second. With ``models``
        there is also an ``error`` column: null on endpoint rows, and one row per model that
        could not be fetched (its ``model_id`` and the error). ``attrs`` holds provenance
        (``fetched_at`` UTC, ``from_cache``, ``requests``, ``scope``).

    Raises:
        InvalidParameterError: not exactly one of the three, a bad id, bad concurrency (before any request).
        NotFoundError: ``model_id`` has no endpoints listing (also a ``LookupError``).
        Other fetch errors as :func:`orcatalog.fetch_models` (for ``models``: only per row).
        KeyboardInterrupt: with ``models``, after a clean stop; what was fetched is in the cache.
    """
    given = [model_id is not None, models is not None, zdr is True]
    if zdr not in (True, False):
        raise InvalidParameterError(f"zdr must be True or False, got {zdr!r}")
    if sum(given) != 1:
        raise InvalidParameterError("give exactly one of model_id, models= or zdr=True")
    c = _client(client)
    if models is not None:
        ids = _model_ids(models)
        fetched, failed = fetch_many(
            c, ids, concurrency=concurrency, refresh=refresh, retries=retries, progress=progress
        )
        frame = many_frame(fetched, failed, ids)
        _provenance(frame, list(fetched.values()), c.base_url, "/models/{author}/{slug}/endpoints")
        frame.attrs["requests"] += sum(getattr(e, "attempts", 1) for e in failed.values())
        return frame
    path = "/endpoints/zdr" if zdr else endpoints_path(model_id)  # type: ignore[arg-type]
    one = c._get(path, None, headers=c._headers(None), retries=retries, refresh=refresh, check=endpoints_body_frame)
    frame = one.checked
    _provenance(frame, [one], c.base_url, path)
    frame.attrs["url"] = one.url
    return frame  # type: ignore[no-any-return]


def fetch_providers(*, client: Any = None, refresh: bool = False, retries: RetryConfig | None = None) -> pd.DataFrame:
    """``GET /providers``: every provider, one row each, in the API's order.

    Args:
        client: the :class:`~orcatalog.Client` (default: the shared one from the environment).
        refresh: bypass the cache.
        retries: overrides the client's :class:`~orcatalog.RetryConfig`.

    Returns:
        The providers contract (:mod:`orcatalog.schema.endpoints`): ``slug``, ``name``,
        ``headquarters``, ``datacenters`` (always a list of ISO country codes),
        ``datacenters_listed``, policy URLs, ``extra``; provenance in ``attrs``.

    Raises:
        Fetch errors as :func:`orcatalog.fetch_models`; SchemaError for a body that is not a providers list.
    """
    c = _client(client)
    one = c._get("/providers", None, headers=c._headers(None), retries=retries, refresh=refresh, check=providers_frame)
    frame = one.checked
    _provenance(frame, [one], c.base_url, "/providers")
    frame.attrs["url"] = one.url
    return frame  # type: ignore[no-any-return]
