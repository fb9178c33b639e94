"""The public surface: a small __all__, docstrings with units and errors, a light import."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import orcatalog as oc
from orcatalog import errors

from .conftest import REPO


def test_all_is_the_public_surface() -> None:
    public = {name for name in dir(oc) if not name.startswith("_")}
    modules = {
        "fetch",
        "frames",
        "analysis",
        "errors",
        "schema",
        "schema_endpoints",
        "schema_usage",
        "scope",
        "testing",
        "export",
        "cli",
        "store",
        "progress",
        "suggest",
        "plot",
        "report",
        "times",
        "watcher",
        "feed",
        "workload",
    }
    assert set(oc.__all__) - {"__version__"} <= public
    assert public - set(oc.__all__) <= modules, public - set(oc.__all__) - modules
    for name in ("fetch_models", "fetch_model", "count_models", "fetch_user_models", "Client", "RetryConfig"):
        assert name in oc.__all__


def test_every_public_callable_has_a_docstring() -> None:
    for name in oc.__all__:
        obj = getattr(oc, name)
        if callable(obj):
            assert inspect.getdoc(obj), name
    for name in ("fetch_models", "fetch_model", "count_models", "fetch_user_models"):
        doc = inspect.getdoc(getattr(oc.Client, name)) or ""
        assert "Raises" in doc, name


def test_error_tree_is_drawn_and_complete() -> None:
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type) and issubclass(obj, Warning):
            assert name in doc, name
            assert issubclass(obj, oc.OrcatalogWarning) and getattr(oc, name) is obj
        elif isinstance(obj, type) and issubclass(obj, Exception):
            assert name in doc, name
            assert issubclass(obj, oc.OrcatalogError)
    assert issubclass(oc.NotFoundError, LookupError)
    assert issubclass(oc.InvalidParameterError, ValueError)
    assert issubclass(oc.RequestTimeoutError, TimeoutError)
    assert errors.error_for_status(404) is oc.NotFoundError
    assert errors.error_for_status(503) is oc.ServerError
    assert errors.error_for_status(418) is oc.APIError


def test_import_does_not_pull_matplotlib_or_touch_disk(tmp_path) -> None:
    code = (
        "import sys, os; import orcatalog; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'; "
        "assert not os.path.exists(os.environ['ORCATALOG_CACHE_DIR']), 'cache created at import'"
    )
    env = {"PYTHONPATH": str(REPO), "ORCATALOG_CACHE_DIR": str(tmp_path / "c"), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


@pytest.mark.filterwarnings("ignore:`Completer.complete` is pending deprecation:PendingDeprecationWarning")
def test_fetch_models_shows_every_filter_to_help_and_tab_completion() -> None:
    import pydoc

    from IPython.core.interactiveshell import InteractiveShell

    from orcatalog.fetch.params import FILTERS

    for func in (oc.fetch_models, oc.Client.fetch_models):
        params = inspect.signature(func).parameters
        assert set(FILTERS) <= set(params), set(FILTERS) - set(params)
        assert all(params[name].kind is inspect.Parameter.KEYWORD_ONLY for name in FILTERS)
        assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        rendered = pydoc.render_doc(func)
        assert all(f"{name}:" in rendered for name in FILTERS)
    shell = InteractiveShell.instance()
    shell.user_ns["oc"] = oc
    shell.Completer.use_jedi = False  # IPython's own signature-based keyword completion
    line = "oc.fetch_models(input_mod"
    assert "input_modalities=" in shell.complete(None, line, len(line))[1]


def test_import_orcatalog_and_the_cli_stay_light() -> None:
    """pandas, pyarrow and requests load on first use, not at import (the CLI's --help stays fast)."""
    heavy = ("pandas", "pyarrow", "requests", "requests_cache", "numpy")
    code = (
        "import sys, orcatalog, orcatalog.cli; "
        f"loaded = [m for m in {heavy!r} if m in sys.modules]; assert not loaded, loaded; "
        "orcatalog.fetch_models; assert 'pandas' in sys.modules and 'requests' in sys.modules; "
        "assert set(orcatalog.__all__) <= set(dir(orcatalog))"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})


#: Every public name of orcatalog before issue 6: none may disappear.
PUBLIC_NAMES = [
    "APIError",
    "BadRequestError",
    "BodyFileError",
    "CacheError",
    "Client",
    "ForbiddenError",
    "InvalidParameterError",
    "InvalidResponseError",
    "MixedScopeError",
    "NotFoundError",
    "NotInCacheError",
    "OrcatalogError",
    "PaymentRequiredError",
    "RateLimitError",
    "RequestTimeoutError",
    "ResponseError",
    "RetryConfig",
    "SchemaError",
    "ServerError",
    "SnapshotConflictError",
    "SnapshotNotFoundError",
    "SnapshotStore",
    "StoreError",
    "StoreWriteError",
    "TransportError",
    "UnauthorizedError",
    "__version__",
    "count_models",
    "diff",
    "fetch_model",
    "fetch_models",
    "fetch_user_models",
    "lifecycle",
    "price_changes",
    "to_csv",
    "to_parquet",
]

#: Today's public signatures, parameters split by "; " (``*:`` keyword-only, ``**`` var-keyword). Parameters may be added with a
#: default, never removed, renamed, reordered or given another kind or default.
SIGNATURES = {
    "Client.__init__": "*:base_url=None; *:api_key=None; *:session=None; *:timeout=(10.0, 60.0); *:retries=None; *:offline=None; *:stale_if_error=False; *:cache_dir=None; *:expire_after=datetime.timedelta(seconds=300); *:http_referer=None; *:title=None; *:categories=None",
    "Client.fetch_models": "*:page_size=None; *:retries=None; *:refresh=False; *:headers=None; **filters",
    "Client.fetch_model": "model_id; *:retries=None; *:refresh=False; *:headers=None",
    "Client.count_models": "output_modalities=None; *:retries=None; *:refresh=False; *:headers=None",
    "Client.fetch_user_models": "api_key=None; *:page_size=None; *:retries=None; *:refresh=False; *:headers=None; **filters",
    "RetryConfig.wait": "attempt",
    "RetryConfig.__init__": "attempts=4; backoff=0.5; multiplier=1.5; max_wait=60.0; deadline=120.0; statuses=<factory>",
    "fetch_models": "*:client=None; **kwargs",
    "fetch_model": "model_id; *:client=None; **kwargs",
    "count_models": "output_modalities=None; *:client=None; **kwargs",
    "fetch_user_models": "api_key=None; *:client=None; **kwargs",
    "SnapshotStore.__init__": "root=None; *:storage_options=None; *:auto_compact=64",
    "SnapshotStore.snapshot": "client=None; *:user=False; *:api_key=None; **filters",
    "SnapshotStore.import_files": "paths; *:fetched_at=None; *:base_url=None; *:progress=None",
    "SnapshotStore.import_bodies": "bodies; *:base_url=None; *:progress=None",
    "SnapshotStore.compact": "",
    "SnapshotStore.snapshots": "",
    "SnapshotStore.load": "snapshot_id=None; as_of=None; *:scope=None",
    "SnapshotStore.raw": "snapshot_id",
    "SnapshotStore.history": "ids=None; columns=None; start=None; end=None; *:scope='default'",
    "SnapshotStore.store_bytes": "",
    "diff": "old; new; *:allow_mixed=False",
    "price_changes": "history; *:fields=None",
    "lifecycle": "history",
    "to_csv": "df; path; **kwargs",
    "to_parquet": "df; path; **kwargs",
}


def _params(func: object) -> list[str]:
    out = []
    for p in inspect.signature(func).parameters.values():  # type: ignore[arg-type]
        if p.name == "self":
            continue
        default = (
            ""
            if p.default is inspect.Parameter.empty
            else "=" + ("<factory>" if p.name == "statuses" else repr(p.default))
        )
        prefix = {"VAR_KEYWORD": "**", "VAR_POSITIONAL": "*", "KEYWORD_ONLY": "*:"}.get(p.kind.name, "")
        out.append(prefix + p.name + default)
    return out


def test_public_names_and_signatures_still_work() -> None:
    assert set(PUBLIC_NAMES) <= set(oc.__all__)
    for qualified, pinned in SIGNATURES.items():
        obj: object = oc
        for part in qualified.split("."):
            obj = getattr(obj, part)
        now = _params(obj)
        before = [p for p in pinned.split("; ") if p]
        if any(p.startswith("**") for p in before) and not any(p.startswith("**") for p in now):
            # issue 8 spelled **filters out as keyword-only parameters (for help() and tab completion):
            # every list filter is still accepted by name
            from orcatalog.fetch.params import FILTERS

            assert set(FILTERS) <= {p.lstrip("*:").split("=")[0] for p in now}, qualified
            before = [p for p in before if not p.startswith("**")]
        assert [p for p in now if p in before] == before, (qualified, now)
        added = [p for p in now if p not in before]
        assert all("=" in p or p.startswith("*") for p in added), (qualified, added)


def test_the_contracts_earlier_import_paths_give_the_same_objects() -> None:
    """``orcatalog.schema_endpoints`` and ``orcatalog.schema_usage`` (documented before the contracts
    moved into the ``schema`` package) still import, and give the package's own objects."""
    from orcatalog import schema_endpoints, schema_usage
    from orcatalog.schema import endpoints, usage

    for old, new in ((schema_endpoints, endpoints), (schema_usage, usage)):
        assert old.__all__ == new.__all__, old.__name__
        for name in new.__all__:
            assert getattr(old, name) is getattr(new, name), (old.__name__, name)


def test_the_schema_package_keeps_its_names_and_its_whole_help() -> None:
    """Every public name of the split schema package imports from ``orcatalog.schema``; its
    submodules are attributes on a fresh import; ``help()`` shows each module's rules."""
    code = (
        "import sys, types, orcatalog.schema as s; "
        "assert 'numpy' not in sys.modules, 'import orcatalog.schema imported numpy'; "
        "assert all(hasattr(s, n) for n in s.__all__); "
        "assert all(isinstance(getattr(s, n), types.ModuleType) for n in "
        "('columns', 'prices', 'free', 'display', 'endpoints', 'usage')); "
        "assert all(m.__doc__.strip() in s.__doc__ for m in (s.columns, s.prices, s.free, s.display)); "
        "assert '- ``id`` (str)' in s.__doc__"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})


def test_every_submodule_is_an_attribute_on_a_fresh_import() -> None:
    """``oc.scope``, ``oc.times``, ... work right after ``import orcatalog`` (no AttributeError):
    every module file and subpackage of the folder, read from disk here, not from _SUBMODULES."""
    package = REPO / "orcatalog"
    names = sorted(
        {p.stem for p in package.glob("*.py") if not p.stem.startswith("_")}
        | {p.name for p in package.iterdir() if (p / "__init__.py").exists()}
    )
    assert {"scope", "times", "store", "fetch"} <= set(names)
    code = (
        "import types, orcatalog as oc; "
        f"bad = [n for n in {names!r} if not isinstance(getattr(oc, n, None), types.ModuleType)]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
