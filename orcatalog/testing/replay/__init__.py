"""A real HTTP server on loopback that replays recorded ``/models`` bodies: test notebooks offline.

    >>> from orcatalog.testing import ReplayServer
    >>> import orcatalog as oc
    >>> with ReplayServer("models-2026-01-15.json.gz") as server:          # a file, folder or payloads
    ...     client = oc.Client(base_url=server.base_url, session=requests.Session())
    ...     df = client.fetch_models(input_modalities=["image"], sort="pricing-low-to-high")

Or from a shell: ``orcatalog replay PATH`` prints a base URL to put in ``ORCATALOG_BASE_URL``.

What it serves, under ``/api/v1`` like the real API:

- ``GET /models``: the spec's envelope (``data``, ``total_count``, ``links.next``) around the
  recorded bytes of each model; filters applied where the body has the data (``q``,
  ``input_modalities``, ``output_modalities`` (default ``text``, as the real server), ``context``,
  ``min_price``/``max_price`` and ``min_output_price``/``max_output_price`` (USD per million
  tokens), ``model_authors``, ``supported_parameters``, ``sort`` by average price, context or
  newest), ``offset``/``limit`` pagination. Parameters it cannot apply from a body (``category``,
  ``providers``, ``zdr``, other sorts, a filter on a field the body lacks) are not applied and
  are named in the ``X-Replay-Ignored`` header; unknown ``sort``/``category``/``output_modalities``
  values get 400 like the API. Logic: :mod:`orcatalog.testing.listing`.
- ``GET /models/count``, ``GET /model/{author}/{slug}`` (exact ids incl. ``:variant``, ``aliases``
  you declare; 404 otherwise), ``GET /models/{author}/{slug}/endpoints`` (the ``links.details``
  route, from recorded endpoints bodies, or with ``spec_endpoints=True`` spec-shaped fixtures
  (:mod:`orcatalog.testing.fixtures`) for the other catalog models; 404 otherwise), ``GET /endpoints/zdr`` (the
  endpoints of the newest 2026-shape recording of each model plus the fixtures' ZDR-marked ones;
  recordings do not say which endpoints retain no data, so all of theirs are listed),
  ``GET /providers`` (the newest recorded providers body; 404 without one), ``GET /models/user``
  behind ``Authorization: Bearer <key>`` for the keys you declare (401 otherwise).
- ``GET /activity`` (``date=YYYY-MM-DD`` filter; ``api_key_hash`` named in ``X-Replay-Ignored``)
  behind a management key you declare (401 without a known key, 403 for an inference key, as the
  API), from a recorded activity body or the spec's example; ``GET /generation?id=`` for any
  declared key, a spec-shaped generation (:func:`orcatalog.testing.fixtures.spec_generation_body`)
  for one request of each activity row, under the ids :meth:`ReplayServer.generation_ids` lists.
- Faults for tests: :meth:`ReplayServer.add_fault` queues statuses, ``Retry-After``, delays,
  truncated, HTML or wrong-type bodies, slow drips and connection resets.

Several bodies (a folder, a list): the newest (last by name) is served; :meth:`ReplayServer.use`
switches to another one.

The files, in the order a request meets them:

- ``server.py``: :class:`ReplayServer` (what it loads, start/stop, faults queued, requests logged)
  and :func:`serve_forever` (``orcatalog replay``).
- ``handler.py``: the HTTP handler and server: a request in, a fault or the answer out on the wire.
- ``faults.py``: :class:`Fault`, one injected misbehaviour.
- ``answers.py``: what each route answers (a mixin of :class:`ReplayServer`).
- ``recorded.py``: the recorded bodies: the packaged sample, :func:`load_bodies`, sorting by kind.

Which list filters a recorded body can answer (:data:`ANSWERED_FILTERS`, :func:`unanswerable`,
:func:`filter_models`) is :mod:`orcatalog.testing.listing`.
"""

from __future__ import annotations

from ..listing import ANSWERED_FILTERS, ANSWERED_SORTS, filter_models, unanswerable
from .answers import IGNORED_HEADER
from .faults import Fault
from .handler import API_PREFIX as API_PREFIX  # not in __all__, as before the split: for tests, bench
from .recorded import SAMPLE as SAMPLE
from .recorded import SAMPLE_ACTIVITY as SAMPLE_ACTIVITY
from .recorded import SAMPLE_DIR as SAMPLE_DIR
from .recorded import load_bodies, sample_path
from .server import ReplayServer, serve_forever

__all__ = [
    "ReplayServer",
    "Fault",
    "load_bodies",
    "filter_models",
    "serve_forever",
    "sample_path",
    "unanswerable",
    "ANSWERED_FILTERS",
    "ANSWERED_SORTS",
    "IGNORED_HEADER",
]
