"""What each route of the replay server answers: ``/models`` (and ``/models/user``) pages in the
spec's envelope around the recorded bytes, ``/models/count``, ``/model/{id}``, the endpoints
routes, ``/providers``, ``/activity`` and ``/generation`` with the API's keys, statuses and
messages. A mixin of :class:`~.server.ReplayServer` (the server keeps one class, this module its
answers); the list filtering itself is :mod:`orcatalog.testing.listing`.
"""

from __future__ import annotations

import re
import threading
from typing import Any
from urllib.parse import unquote, urlencode

import orjson

from ..listing import envelope, fill_required, filter_models, invalid, lacking, model_spans, unanswerable
from .handler import API_PREFIX
from .recorded import _Body

#: Response header naming the list parameters the replay server did not apply (comma-separated).
IGNORED_HEADER = "X-Replay-Ignored"


class _Answers:
    """The answers of :class:`~.server.ReplayServer` to each route (a mixin: the server sets these
    attributes in its ``__init__``)."""

    _bodies: list[_Body]
    _current: int
    _activity: list[dict[str, Any]]
    _keys: dict[str, set[str] | None]
    _management_keys: set[str]
    _aliases: dict[str, str]
    _endpoints: dict[str, bytes]
    _providers: bytes | None
    _fill: bool
    _spec_endpoints: bool
    _fixtures: dict[str, dict[str, Any]]
    _lock: threading.Lock

    def generation_ids(self) -> list[str]:
        """The ids ``GET /generation`` answers: one per activity row, in the activity's order."""
        from ..fixtures import generation_id

        return [generation_id(row, i) for i, row in enumerate(self._activity)]

    def _usage(self, path: str, query: dict[str, str], auth: str | None) -> tuple[int, Any, dict[str, str]]:
        """``/activity`` and ``/generation``: the API's keys, statuses and messages."""
        key = auth.removeprefix("Bearer ").strip() if auth and auth.startswith("Bearer ") else None
        if key is None:
            return 401, {"error": {"code": 401, "message": "No auth credentials found"}}, {}
        if path == "/activity":
            if key not in self._management_keys:
                if key in self._keys:
                    return (
                        403,
                        {"error": {"code": 403, "message": "Only management keys can perform this operation"}},
                        {},
                    )
                return 401, {"error": {"code": 401, "message": "User not found."}}, {}
            day = query.get("date")
            if day is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
                return 400, {"error": {"code": 400, "message": "Invalid request parameters"}}, {}
            rows = [r for r in self._activity if day is None or str(r.get("date", ""))[:10] == day]
            ignored = [k for k in query if k != "date"]
            return 200, {"data": rows}, ({IGNORED_HEADER: ",".join(ignored)} if ignored else {})
        if key not in self._management_keys and key not in self._keys:
            return 401, {"error": {"code": 401, "message": "User not found."}}, {}
        wanted = query.get("id")
        if not wanted:
            return 400, {"error": {"code": 400, "message": "Invalid request parameters"}}, {}
        from ..fixtures import spec_generation_body

        for i, gid in enumerate(self.generation_ids()):
            if gid == wanted:
                return 200, spec_generation_body(self._activity[i], i), {"X-Replay-Fixture": "spec-shaped"}
        return 404, {"error": {"code": 404, "message": f"Generation {wanted} not found"}}, {}

    def _answer(self, path: str, query: dict[str, str], auth: str | None) -> tuple[int, Any, dict[str, str]]:
        if path in ("/activity", "/generation"):
            return self._usage(path, query, auth)
        body = self._bodies[self._current]
        models = body.parsed.get("data") if isinstance(body.parsed, dict) else None
        if not isinstance(models, list):
            return 200, body.raw, {}  # a deliberately broken payload: replay it as it is
        if path == "/models":
            return self._list(body, models, query, "/models")
        if path == "/models/count":
            count = len(filter_models(models, {"output_modalities": query.get("output_modalities", "text")}))
            return 200, {"data": {"count": count}}, {}
        if path == "/models/user":
            key = auth.removeprefix("Bearer ").strip() if auth and auth.startswith("Bearer ") else None
            if key is None or key not in self._keys:
                message = "No auth credentials found" if key is None else "User not found."
                return 401, {"error": {"code": 401, "message": message}}, {}
            allowed = self._keys[key]
            visible = models if allowed is None else [m for m in models if m.get("id") in allowed]
            return self._list(body, visible, query, "/models/user")
        if path.startswith("/model/"):
            return (*self._one(models, unquote(path[len("/model/") :])), {})
        if path.startswith("/models/") and path.endswith("/endpoints"):
            return self._endpoints_of(models, unquote(path[len("/models/") : -len("/endpoints")]))
        if path == "/endpoints/zdr":
            return 200, {"data": self._zdr(models)}, {}
        if path == "/providers":
            if self._providers is None:
                return 404, {"error": {"code": 404, "message": "No providers body recorded"}}, {}
            return 200, self._providers, {}
        return 404, {"error": {"code": 404, "message": f"No route for {path}"}}, {}

    def _list(
        self, body: _Body, models: list[dict[str, Any]], query: dict[str, str], path: str
    ) -> tuple[int, Any, dict[str, str]]:
        filters = {k: v for k, v in query.items() if k not in ("offset", "limit")}
        problem = invalid(filters)
        if problem is not None:
            return 400, {"error": {"code": 400, "message": problem}}, {}
        ignored = [*unanswerable(filters), *lacking(models, filters)]
        try:
            selected = filter_models(models, filters)
            offset = int(query.get("offset") or 0)
            limit = int(query["limit"]) if "limit" in query else None
        except ValueError as exc:
            return 400, {"error": {"code": 400, "message": f"Invalid request parameters: {exc}"}}, {}
        if offset < 0 or (limit is not None and not 1 <= limit <= 1000):
            return 400, {"error": {"code": 400, "message": "Invalid request parameters"}}, {}
        end = len(selected) if limit is None else offset + limit
        page = selected[offset:end]
        nxt = None
        if end < len(selected):
            nxt = f"{API_PREFIX}{path}?" + urlencode({**filters, "offset": end, "limit": limit or len(page)})
        headers = {IGNORED_HEADER: ",".join(dict.fromkeys(ignored))} if ignored else {}
        return 200, envelope(self._data_bytes(body, models, page), len(selected), nxt), headers

    def _data_bytes(self, body: _Body, models: list[dict[str, Any]], page: list[dict[str, Any]]) -> bytes:
        """The ``data`` array of a reply: recorded bytes (the whole recorded array when nothing is left out)."""
        if body.spans is None and body.parsed.get("data") is models:
            body.spans = model_spans(body.raw)
        spans = body.spans if body.parsed.get("data") is models else None
        filled = [fill_required(m) if self._fill else None for m in page]
        if spans is not None and len(spans[1]) == len(models):
            if len(page) == len(models) and all(a is b for a, b in zip(page, models)) and not any(filled):
                return spans[0]
            position = {id(m): i for i, m in enumerate(models)}
            parts = [orjson.dumps(f) if f is not None else spans[1][position[id(m)]] for m, f in zip(page, filled)]
        else:
            parts = [orjson.dumps(f if f is not None else m) for m, f in zip(page, filled)]
        return b"[" + b",".join(parts) + b"]"

    def _one(self, models: list[dict[str, Any]], model_id: str) -> tuple[int, Any]:
        by_id = {m.get("id"): m for m in models}
        if model_id in by_id:
            model = by_id[model_id]
        elif self._aliases.get(model_id) in by_id:
            target = self._aliases[model_id]
            model = {
                **by_id[target],
                "id": model_id,
                "alias_target": {"slug": target, "name": by_id[target].get("name")},
            }
        else:
            return 404, {"error": {"code": 404, "message": f"Model {model_id} not found"}}
        return 200, {"data": (fill_required(model) or model) if self._fill else model}

    def _endpoints_of(self, models: list[dict[str, Any]], slug: str) -> tuple[int, Any, dict[str, str]]:
        """``links.details``: the recorded endpoints body of the model, by id or canonical slug;
        else a spec-shaped fixture when asked for and the model is in the catalog."""
        # the model asked for first, then the ids sharing its canonical slug, in catalog order: a
        # base id is answered with its own body, not a ``:free`` variant's (trial: the variant's rows
        # made a many-model fetch see one model twice); a set's order was not even the same each run
        ids = [slug, *(m.get("id") for m in models if m.get("canonical_slug") == slug and m.get("id") != slug)]
        for model_id in ids:
            if model_id in self._endpoints:
                return 200, self._endpoints[model_id], {}
        if self._spec_endpoints:
            by_id = {m.get("id"): m for m in models}
            model = next((by_id[i] for i in ids if i in by_id), None)
            if model is not None:
                body = self._fixture(model)
                return (
                    200,
                    {"data": {**body["data"], "endpoints": [_served(e) for e in body["data"]["endpoints"]]}},
                    {"X-Replay-Fixture": "spec-shaped"},
                )
        return 404, {"error": {"code": 404, "message": "Resource not found"}}, {}

    def _fixture(self, model: dict[str, Any]) -> dict[str, Any]:
        from ..fixtures import spec_endpoints_body

        with self._lock:
            body = self._fixtures.get(model["id"])
            if body is None:
                body = self._fixtures[model["id"]] = spec_endpoints_body(model)
        return body

    def _zdr(self, models: list[dict[str, Any]]) -> list[Any]:
        """Every endpoint of each model's newest 2026-shape recording, plus ZDR-marked fixture endpoints."""
        out: list[Any] = []
        for raw in self._endpoints.values():
            endpoints = orjson.loads(raw)["data"].get("endpoints") or []
            out.extend(e for e in endpoints if isinstance(e, dict) and "model_id" in e)
        if self._spec_endpoints:
            for model in models:
                if isinstance(model, dict) and isinstance(model.get("id"), str) and model["id"] not in self._endpoints:
                    out.extend(_served(e) for e in self._fixture(model)["data"]["endpoints"] if e.get("_zdr"))
        return out


def _served(endpoint: dict[str, Any]) -> dict[str, Any]:
    """A fixture endpoint as served: without its private ``_zdr`` mark."""
    return {k: v for k, v in endpoint.items() if k != "_zdr"}
