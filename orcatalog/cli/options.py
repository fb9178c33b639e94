"""The options every kind of command shares: the catalog's filters (``_filter_options``, one option
per filter of :data:`orcatalog.fetch.params.FILTERS`, modalities checked while parsing), comma lists
(``_comma_list``), ``--store`` and ``--scope``. The analysis commands' own options (a count, the
output modality) are in :mod:`orcatalog.cli.analysis.options`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..errors import InvalidParameterError
from ..fetch import params as _params
from ..schema import KNOWN_MODALITIES, OUTPUT_MODALITIES


def _comma_list(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...]:
    """A repeatable option also takes comma-separated values: ``--model a,b`` is ``--model a --model b``."""
    items = tuple(dict.fromkeys(item.strip() for v in value for item in v.split(",") if item.strip()))
    if value and not items:
        raise click.BadParameter(f"{','.join(value)!r} names nothing: give comma-separated values")
    return items


def _check_modalities(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Modalities must be known ones (the library's rule, checked while parsing)."""
    if value is None:
        return None
    try:
        _params.modalities(str(param.name), value)
    except InvalidParameterError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[-1]) from None
    return value


def _filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for name, kind in reversed(list(_params.FILTERS.items())):
        opt = "--" + name.replace("_", "-")
        text = _params.FILTER_HELP[name]
        if kind == "modalities":
            known = (*OUTPUT_MODALITIES, "all") if name == "output_modalities" else KNOWN_MODALITIES
            func = click.option(opt, name, callback=_check_modalities, help=f"{text} Known: {', '.join(known)}.")(func)
        elif kind == "int":
            func = click.option(opt, name, type=int, help=text)(func)
        elif kind in ("price", "number", "fraction"):
            func = click.option(opt, name, type=float, help=text)(func)
        elif kind == "bool":
            func = click.option(f"{opt}/--not-{name}", name, default=None, help=text)(func)
        elif kind == "true_only":
            func = click.option(opt, name, is_flag=True, default=None, help=text)(func)
        elif name in ("sort", "category"):
            choices = _params.SORTS if name == "sort" else _params.CATEGORIES
            func = click.option(opt, name, type=click.Choice(choices), help=text)(func)
        else:  # text and comma-separated lists
            func = click.option(opt, name, help=text)(func)
    return func


def _store_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--store",
        "store_root",
        help="Snapshot store folder or URL (default: $ORCATALOG_DATA_DIR or ./data).",
    )(func)


def _scope_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--scope",
        "scope",
        help="Which snapshots to read, a scope as `orcatalog snapshots` shows it, e.g. catalog or "
        "'/models output_modalities=text' (default: catalog, else the server's default list, else the newest "
        "whole list; a note says when another scope holds more snapshots). Snapshots of different scopes "
        "are never mixed.",
    )(func)
