"""Check list filters and turn them into query parameters, before any request is sent.

Python-friendly in, API strings out: lists become comma-separated values, bools become
``"true"``/``"false"``, numbers are checked for type and range. Anything wrong raises
:class:`InvalidParameterError` (a ``ValueError``) naming the filter and what it accepts.

Rules that live here, once: the filter table (:data:`FILTERS`), and the answered-filters table
(:data:`ANSWERED_FILTERS`, :data:`ANSWERED_SORTS`: what a recorded body can answer), which the
replay server applies and the CLI's ``--replay`` help is derived from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from urllib.parse import urlsplit

from ..errors import InvalidParameterError
from ..suggest import did_you_mean
from ..schema import KNOWN_MODALITIES, OUTPUT_MODALITIES
from .redact import redact_url

#: Server-side sort orders (an unknown value is an error: the API would 400 or ignore it).
SORTS = (
    "pricing-low-to-high",
    "pricing-high-to-low",
    "context-high-to-low",
    "throughput-high-to-low",
    "latency-low-to-high",
    "most-popular",
    "top-weekly",
    "newest",
    "intelligence-high-to-low",
    "coding-high-to-low",
    "agentic-high-to-low",
    "design-arena-elo-high-to-low",
)
#: Categories documented today; other strings are passed through (the list grows), with no error.
CATEGORIES = (
    "programming",
    "roleplay",
    "marketing",
    "marketing/seo",
    "technology",
    "science",
    "translation",
    "legal",
    "finance",
    "health",
    "trivia",
    "academia",
)
REGIONS = ("eu", "us")

_TOKEN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/ +-]*$")
_MODALITY = re.compile(r"^[a-z][a-z0-9_-]*$")

# name -> kind; the docstring of Client.fetch_models documents each.
_STRING = "string"
_LIST = "list"
_MODALITIES = "modalities"
_INT = "int"
_PRICE = "price"
_NUMBER = "number"
_FRACTION = "fraction"

FILTERS: dict[str, str] = {
    "category": _STRING,
    "supported_parameters": _LIST,
    "output_modalities": _MODALITIES,
    "input_modalities": _MODALITIES,
    "sort": _STRING,
    "q": _STRING,
    "context": _INT,
    "min_price": _PRICE,
    "max_price": _PRICE,
    "min_output_price": _PRICE,
    "max_output_price": _PRICE,
    "arch": _STRING,
    "model_authors": _LIST,
    "providers": _LIST,
    "distillable": "bool",
    "zdr": "true_only",
    "region": _STRING,
    "min_age_days": _INT,
    "max_age_days": _INT,
    "min_intelligence_index": _NUMBER,
    "max_intelligence_index": _NUMBER,
    "min_coding_index": _NUMBER,
    "max_coding_index": _NUMBER,
    "min_agentic_index": _NUMBER,
    "max_agentic_index": _NUMBER,
    "min_tool_success_rate": _FRACTION,
    "max_tool_success_rate": _FRACTION,
}

#: What each filter keeps (the spec's descriptions, shortened; prices in USD per million tokens).
FILTER_HELP: dict[str, str] = {
    "category": "Models for a use case category.",
    "supported_parameters": "Models supporting all these request parameters (comma-separated, e.g. tools).",
    "output_modalities": "Models with these output modalities (comma-separated), or all.",
    "input_modalities": "Models accepting these input modalities (comma-separated).",
    "sort": "Server-side sort order; pricing-low-to-high and pricing-high-to-low order by the mean of the prompt "
    "and completion prices per token (models without one last: dynamically priced, priced per image or request, "
    "or an output whose price is not listed).",
    "q": "Free-text search in model names and slugs.",
    "context": "Minimum context length (tokens).",
    "min_price": "Minimum prompt price (USD per million tokens).",
    "max_price": "Maximum prompt price (USD per million tokens).",
    "min_output_price": "Minimum completion price (USD per million tokens).",
    "max_output_price": "Maximum completion price (USD per million tokens).",
    "arch": "Architecture or model family (e.g. GPT, Claude, Gemini, Llama).",
    "model_authors": "Models by these authors (comma-separated author slugs).",
    "providers": "Models hosted by these providers (comma-separated names).",
    "distillable": "Only distillable models, or (with --not-) none of them.",
    "zdr": "Only models with zero-data-retention endpoints.",
    "region": "Models with endpoints in this data region (eu or us).",
    "min_age_days": "Minimum age in days since the model's creation.",
    "max_age_days": "Maximum age in days since the model's creation.",
    "min_intelligence_index": "Minimum Artificial Analysis intelligence index.",
    "max_intelligence_index": "Maximum Artificial Analysis intelligence index.",
    "min_coding_index": "Minimum Artificial Analysis coding index.",
    "max_coding_index": "Maximum Artificial Analysis coding index.",
    "min_agentic_index": "Minimum Artificial Analysis agentic index.",
    "max_agentic_index": "Maximum Artificial Analysis agentic index.",
    "min_tool_success_rate": "Minimum tool-calling success rate, a fraction in [0, 1].",
    "max_tool_success_rate": "Maximum tool-calling success rate, a fraction in [0, 1].",
}

#: List filters a recorded ``/models`` body can answer (the replay server applies them; the others:
#: providers, zdr, region, category, arch, distillable, ages, benchmark indexes and tool success rates,
#: need data the API keeps elsewhere and are ignored with a warning). The one table: the replay
#: server (:mod:`orcatalog.testing.listing`) and the CLI's ``--replay`` help read it.
ANSWERED_FILTERS = frozenset(
    {
        "output_modalities",
        "input_modalities",
        "q",
        "context",
        "min_price",
        "max_price",
        "min_output_price",
        "max_output_price",
        "model_authors",
        "supported_parameters",
        "sort",
    }
)
#: Sort orders a recorded body can answer (by price, context or date).
ANSWERED_SORTS = ("pricing-low-to-high", "pricing-high-to-low", "context-high-to-low", "newest")
#: The sorts by price: the client puts models without a per-token price after the priced ones
#: (:func:`orcatalog.schema.priced_first`).
PRICE_SORTS = ("pricing-low-to-high", "pricing-high-to-low")

#: The Python type each kind of filter takes (what signatures show; ``list_query`` checks it).
KIND_TYPES: dict[str, str] = {
    _STRING: "str",
    _LIST: "str | Sequence[str]",
    _MODALITIES: "str | Sequence[str]",
    _INT: "int",
    _PRICE: "float",
    _NUMBER: "float",
    _FRACTION: "float",
    "bool": "bool",
    "true_only": "bool",
}


#: Settings of :class:`orcatalog.Client` that a caller may pass to a fetch function as if a filter.
_CLIENT_SETTINGS = ("base_url", "timeout", "offline", "cache_dir", "session", "stale_if_error", "expire_after")


def client_setting_hint(name: str) -> str:
    """`` (base_url is a Client setting: ...)`` when ``name`` is a :class:`orcatalog.Client` setting
    passed to a fetch function (the first thing a newcomer tries), else an empty string."""
    if name not in _CLIENT_SETTINGS:
        return ""
    where = ", or set ORCATALOG_BASE_URL" if name == "base_url" else ""
    return f" ({name} is a Client setting: pass client=orcatalog.Client({name}=...){where})"


def with_filter_parameters(func: Any) -> Any:
    """Give ``func`` (which takes ``**filters``) a signature naming every filter in :data:`FILTERS`.

    Tab-completion and ``help()`` then show ``input_modalities=``, ``max_price=``, ... as keyword-only
    parameters (default None) in place of ``**filters``; the list stays the one in ``FILTERS``.
    """
    import inspect

    sig = inspect.signature(func)
    kept = [p for p in sig.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    names = {p.name for p in kept}
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=f"{KIND_TYPES[kind]} | None")
        for name, kind in FILTERS.items()
        if name not in names
    ]
    func.__signature__ = sig.replace(parameters=[*kept, *added])
    return func


_RANGES = (
    ("min_price", "max_price"),
    ("min_output_price", "max_output_price"),
    ("min_age_days", "max_age_days"),
    ("min_intelligence_index", "max_intelligence_index"),
    ("min_coding_index", "max_coding_index"),
    ("min_agentic_index", "max_agentic_index"),
    ("min_tool_success_rate", "max_tool_success_rate"),
)


def _bad(name: str, value: Any, wants: str) -> InvalidParameterError:
    shown = repr(value) if len(repr(value)) < 80 else repr(value)[:77] + "..."
    return InvalidParameterError(f"{name}={shown} is invalid: {name} takes {wants}")


def _items(name: str, value: Any, pattern: re.Pattern[str], wants: str) -> list[str]:
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",")]
    elif isinstance(value, Iterable) and not isinstance(value, (bytes, Mapping)):
        items = list(value)
    else:
        raise _bad(name, value, wants)
    if not items:
        raise _bad(name, value, wants + " (at least one)")
    empty = [i for i, item in enumerate(items, 1) if isinstance(item, str) and not item]
    if empty and len(items) > 1:
        raise _bad(name, value, f"{wants}; item {empty[0]} of {len(items)} is empty (a stray comma?)")
    for item in items:
        if not isinstance(item, str) or not pattern.match(item) or "," in item:
            raise _bad(name, value, wants)
    return items


def _number(name: str, value: Any, *, integer: bool, low: float = 0.0, high: float | None = None) -> str:
    wants = (
        ("an int" if integer else "a finite number")
        + f" >= {low:g}"
        + (f" and <= {high:g}" if high is not None else "")
    )
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise _bad(name, value, wants)
    if not math.isfinite(value) or value < low or (high is not None and value > high):
        raise _bad(name, value, wants)
    return str(value) if integer else repr(float(value)) if not float(value).is_integer() else str(int(value))


def _check_string(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or any(c in value for c in "\r\n\x00"):
        raise _bad(name, value, "a non-empty string")
    value = value.strip()
    if name == "sort" and value not in SORTS:
        hint = did_you_mean(value, SORTS)
        raise InvalidParameterError(f"sort={value!r} is not a known sort order{hint}; known: {', '.join(SORTS)}")
    if name == "region" and value not in REGIONS:
        raise _bad(name, value, "one of " + ", ".join(map(repr, REGIONS)))
    return value


#: Other words for ``all`` (every output modality): ``any``, which ``cost`` documented first.
ALL_OUTPUTS_ALIASES = ("any",)


def modalities(name: str, value: Any) -> list[str]:
    """The modalities of an ``input_modalities`` / ``output_modalities`` value, each a known one (a
    typo would silently match no model): :data:`orcatalog.schema.KNOWN_MODALITIES` for input,
    :data:`orcatalog.schema.OUTPUT_MODALITIES` or ``all`` (every output; ``any`` is read as
    ``all``) for output. Names are matched case-insensitively (the API's are lower case, so
    ``"Text"`` is read as ``text``); an empty item (``"text,,image"``) is named as empty. The one
    rule of the output-modality vocabulary: list filters, ``import``,
    and the workloads of :func:`orcatalog.estimate_cost`, :func:`orcatalog.select` and
    :func:`orcatalog.frontier` (through :func:`orcatalog.analysis.catalog.output_modalities_arg`).

    Args:
        name: the argument's name, for messages (``input_modalities`` or ``output_modalities``).
        value: a name, a comma-separated string, or a list of names.

    Returns:
        The names, in order; ``["all"]`` for every output.

    Raises:
        InvalidParameterError: not a name or list of names (an empty string or list included), an
            unknown one (with the closest known one), or ``all`` with others.
    """
    if isinstance(value, str):  # the API's names are lower case: "Text" means "text"
        value = value.lower()
    elif isinstance(value, (list, tuple)):
        value = [v.lower() if isinstance(v, str) else v for v in value]
    items = _items(name, value, _MODALITY, "a modality name, a list of them, or 'all'")
    known = (*OUTPUT_MODALITIES, "all") if name == "output_modalities" else KNOWN_MODALITIES
    if name == "output_modalities":
        items = ["all" if item in ALL_OUTPUTS_ALIASES else item for item in items]
    for item in items:
        if item not in known:
            hint = did_you_mean(item, known)
            raise InvalidParameterError(f"{name}={value!r}: unknown modality {item!r}{hint}; known: {', '.join(known)}")
    if "all" in items and len(items) > 1:
        raise _bad(name, value, "'all' alone, or a list of modalities without 'all'")
    return items


def list_query(filters: Mapping[str, Any], *, default_all: bool = True) -> dict[str, str]:
    """Validate list filters and return the query parameters to send.

    Args:
        filters: filter name -> Python value (see ``FILTERS``); ``None`` values are left out.
        default_all: send ``output_modalities=all`` when the caller did not choose, so the result is
            the whole catalog (the server's default ``text`` hides image, audio and embedding models).

    Raises:
        InvalidParameterError: unknown filter name, wrong type or out-of-range value.
    """
    query: dict[str, str] = {}
    for name, value in filters.items():
        kind = FILTERS.get(name)
        if kind is None:
            hint = client_setting_hint(name) or did_you_mean(name, FILTERS)
            raise InvalidParameterError(f"unknown filter {name!r}{hint}; known filters: {', '.join(FILTERS)}")
        if value is None:
            continue
        if kind == _STRING:
            query[name] = _check_string(name, value)
        elif kind == _LIST:
            query[name] = ",".join(_items(name, value, _TOKEN, "a string or a list of names"))
        elif kind == _MODALITIES:
            query[name] = ",".join(modalities(name, value))
        elif kind == _INT:
            query[name] = _number(name, value, integer=True, low=1 if name == "context" else 0)
        elif kind in (_PRICE, _NUMBER):
            query[name] = _number(name, value, integer=False)
        elif kind == _FRACTION:
            query[name] = _number(name, value, integer=False, high=1.0)
        elif kind == "bool":
            if not isinstance(value, bool):
                raise _bad(name, value, "True or False")
            query[name] = "true" if value else "false"
        elif kind == "true_only":
            if value is not True:
                raise _bad(name, value, "only True (omit it to include every model)")
            query[name] = "true"
    for low, high in _RANGES:
        if low in query and high in query and float(query[low]) > float(query[high]):
            raise InvalidParameterError(f"{low}={query[low]} is greater than {high}={query[high]}")
    if default_all and "output_modalities" not in query:
        query["output_modalities"] = "all"
    return query


def count_query(output_modalities: Any) -> dict[str, str]:
    """Query for ``/models/count``: only ``output_modalities`` (default ``all``)."""
    return list_query({"output_modalities": output_modalities})


def page_size(value: Any) -> int | None:
    """Check the page size for paginated listing: None (server's full list) or 1..1000."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise _bad("page_size", value, "an int from 1 to 1000, or None for the full list in one body")
    return value


_ID_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


def model_path(model_id: Any) -> tuple[str, str]:
    """Split ``author/slug[:variant]`` or ``~author/slug`` into the two path parts, strictly.

    Raises:
        InvalidParameterError: not a string of that shape (no path tricks: ``..``, extra slashes,
            spaces, query or fragment characters).
    """
    wants = "'author/slug', 'author/slug:variant' or '~author/slug-latest'"
    if not isinstance(model_id, str):
        raise _bad("model_id", model_id, wants)
    author, sep, slug = model_id.partition("/")
    base_slug, colon, variant = slug.partition(":")
    author_name = author[1:] if author.startswith("~") else author
    if (
        not sep
        or not _ID_PART.match(author_name)
        or not _ID_PART.match(base_slug)
        or (colon and not _ID_PART.match(variant))
        or ".." in model_id
    ):
        raise _bad("model_id", model_id, wants)
    return author, slug


#: The public API.
DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"


def check_base_url(base_url: Any) -> str:
    """The base-URL rule, in one place (a client's, and the provenance of recorded bodies given to
    a store): an http(s) URL with a host and no query or fragment, never with ``user:password@``
    (a key there would reach logs, the cache and the store). Returns it without a trailing slash.

    Raises:
        InvalidParameterError: naming the URL with its secrets removed.
    """
    if not isinstance(base_url, str):
        raise InvalidParameterError(f"base_url must be a string URL, got {type(base_url).__name__}")
    parts = urlsplit(base_url)
    if "@" in parts.netloc or (
        not parts.netloc and "@" in base_url.split("?")[0].split("#")[0]
    ):  # user info: a key there would reach logs, the cache and the store
        raise InvalidParameterError(
            f"base_url={redact_url(base_url)!r} carries credentials (user:password@); remove them "
            "and pass the key as api_key= (or set OPENROUTER_API_KEY)"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise InvalidParameterError(
            f"base_url={redact_url(base_url)!r} is invalid: give an http(s) URL such as {DEFAULT_BASE_URL!r}"
        )
    return base_url.rstrip("/")
