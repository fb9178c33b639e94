"""One home per rule (issue 17): each rule below is written once, in the module its docstring says,
and this test fails when a second copy comes back where grep can see one.

Each row: the rule, its home, words the home's module docstring uses to name it, a pattern that
only a copy of the rule would contain, and the files allowed to contain it.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from .conftest import REPO

PACKAGE = REPO / "orcatalog"

RULES = [
    (
        "unique ids",
        "frames/ids.py",
        "unique-ids rule",
        r"len\(set\(|\.is_unique\b|\.duplicated\(\)\.any|count\(\w+\) > 1",
        {"frames/ids.py"},
    ),
    (
        "unfiltered list",
        "scope.py",
        "unfiltered list",
        r"""\{"output_modalities": "all"\}['"]|isin\(\["\{\}\"""",
        {"scope.py"},
    ),
    (
        "default scope",
        "scope.py",
        "default scope rule",
        r"""CATALOG_SCOPE in |== CATALOG_SCOPE\)""",
        {"scope.py"},
    ),
    (
        "API-key resolution",
        "fetch/client/base.py",
        "API-key resolution",
        r"""environ\.get\(["']OPENROUTER_API_KEY|needs an API key: pass""",
        {"fetch/client/base.py"},
    ),
    (
        "no store here",
        "store/messages.py",
        "no store here",
        r"no snapshot store at|is a folder but not a snapshot store",
        {"store/messages.py"},
    ),
    # how to record a store: the library's calls once (errors.py), the command line's commands once
    ("record a store (library)", "", "", r"snapshot\(\) or \.?import_files\(\)", {"errors.py"}),
    ("record a store (CLI)", "", "", r"`orcatalog snapshot\{where\}` or", {"cli/errors.py"}),
    (
        "answered filters",
        "fetch/params.py",
        "answered-filters table",
        r"ANSWERED_FILTERS = |ANSWERED_SORTS = |--providers, --zdr",
        {"fetch/params.py"},
    ),
    ("token arguments", "workload.py", "one table", r"TOKEN_ARGUMENTS = ", {"workload.py"}),
    # #15: which models are free, and which serve a workload (select, frontier, cost, report use these)
    (
        "is_free rule",
        "schema/free.py",
        "``is_free`` rule",
        r"""endswith\(["']:free["']\)|== 0\)\.all\(axis=1\)""",
        {"schema/free.py"},
    ),
    ("serving rule", "analysis/catalog.py", "*serves* a workload", r"def serves\(|def paid\(", {"analysis/catalog.py"}),
    (
        "price column",
        "schema/prices.py",
        "price-column rule",
        r"""startswith\(["']price_["']\)""",
        {"schema/prices.py"},
    ),
    ("one scope", "analysis/args.py", "one-scope rule", r"the history holds several scopes", {"analysis/args.py"}),
    (
        "no model in the store",
        "cli/stores.py",
        "no model X in the store",
        r"in any snapshot of \{",
        {"cli/stores.py"},
    ),
    (
        "snapshot id",
        "store/identity.py",
        "snapshot id rule",
        r"%Y%m%dT%H%M%SZ",
        {"store/identity.py"},
    ),
    (
        "no zone means UTC",
        "times.py",
        "without a zone it is UTC",
        r"""tz_(?:localize|convert)\(["']UTC["']\) if [\w.()\[\]"']+\.tzinfo|\.tzinfo(?: is None)? else (?:[\w.()\[\]"']+\.tz_|pd\.Timestamp\()""",
        {"times.py"},
    ),
    ("retry rule", "fetch/retry.py", "retry", r"in retry\.statuses|\.retry_after is not None", {"fetch/retry.py"}),
    ("did you mean", "suggest.py", '"did you mean"', r"did you mean \{", {"suggest.py"}),
    # private APIs of other libraries: each behind one function, pinned by a test against the public way
    ("StringDtype.__from_arrow__", "frames/convert.py", "", r"__from_arrow__\(", {"frames/convert.py"}),
    ("DataFrame._from_arrays", "frames/models.py", "", r"\._from_arrays\(", {"frames/models.py"}),
    ("Response._content", "fetch/body.py", "", r"\._content(_consumed)? = ", {"fetch/body.py"}),
    ("sys.modules hiding", "cli/client.py", "", r"sys\.modules\[[^\]]+\] = ", {"cli/client.py"}),
    ("json.decoder.scanstring", "", "", r"scanstring\(", set()),
    # a layer's exceptions are mapped by its own table (fetch/faults.py, store/faults.py), never by module name
    ("exception module checks", "", "", r"\.__module__", set()),
    (
        "delta-rs exceptions",
        "store/faults.py",
        "delta-rs",
        r"deltalake\.exceptions\.\w+|\b(CommitFailedError|TableNotFoundError|SchemaMismatchError|DeltaProtocolError)\b",
        {"store/faults.py"},
    ),
]


def _sources() -> dict[str, str]:
    return {str(p.relative_to(PACKAGE)): p.read_text() for p in sorted(PACKAGE.rglob("*.py"))}


@pytest.mark.parametrize(("rule", "home", "words", "pattern", "allowed"), RULES, ids=[r[0] for r in RULES])
def test_a_rule_has_one_copy(rule: str, home: str, words: str, pattern: str, allowed: set[str]) -> None:
    copies = sorted(name for name, text in _sources().items() if re.search(pattern, text))
    assert set(copies) <= allowed, f"{rule}: a second copy in {sorted(set(copies) - allowed)} (its home: {home})"
    for name in copies:  # within its home, once
        hits = [m.group(0) for m in re.finditer(pattern, _sources()[name])]
        assert len(hits) == len(set(hits)), f"{rule}: written twice in {name}: {hits}"


@pytest.mark.parametrize(("rule", "home", "words"), [r[:3] for r in RULES if r[2]], ids=[r[0] for r in RULES if r[2]])
def test_a_rule_s_home_names_it_in_its_docstring(rule: str, home: str, words: str) -> None:
    doc = ast.get_docstring(ast.parse((PACKAGE / home).read_text())) or ""
    assert words.lower() in " ".join(doc.split()).lower(), f"{home}'s docstring does not name the {rule} rule"


def test_token_argument_names_are_written_only_in_the_components_table() -> None:
    """The parts of prompt/completion tokens are named in COMPONENTS (and in the table of the API's
    usage names); estimate_cost, check_workload and price_at read them from there, never from a list
    of their own."""
    from orcatalog.analysis.cost import COMPONENTS

    parts = {c.argument for c in COMPONENTS if c.part_of is not None}
    for path in (*sorted((PACKAGE / "analysis" / "cost").glob("*.py")), PACKAGE / "analysis" / "price_at.py"):
        tree = ast.parse(path.read_text())
        tables = {
            id(node)
            for stmt in tree.body
            if isinstance(stmt, (ast.Assign, ast.AnnAssign))
            and any(
                isinstance(t, ast.Name) and t.id in ("COMPONENTS", "_USAGE_NAMES")
                for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
            )
            for node in ast.walk(stmt)
        }
        docstrings = {
            id(n.body[0].value)
            for n in ast.walk(tree)
            if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef))
            and n.body
            and isinstance(n.body[0], ast.Expr)
            and isinstance(n.body[0].value, ast.Constant)
        }
        loose = sorted(
            {
                n.value
                for n in ast.walk(tree)
                if isinstance(n, ast.Constant) and n.value in parts and id(n) not in tables and id(n) not in docstrings
            }
        )
        assert not loose, f"{path.name} names token arguments outside COMPONENTS: {loose}"


def test_the_patterns_find_what_they_guard(tmp_path: Path) -> None:
    """The grep rules are not vacuous: each pattern matches the copy it is meant to catch."""
    samples = {
        "unique ids": "if len(set(ids)) != len(ids):",
        "unfiltered list": """manifest["query"].isin(["{}", '{"output_modalities": "all"}'])""",
        "default scope": 'if m.empty or (m["scope"] == CATALOG_SCOPE).any():',
        "API-key resolution": 'key = os.environ.get("OPENROUTER_API_KEY")',
        "no store here": 'raise CLIError(f"no snapshot store at {root}")',
        "answered filters": "ANSWERED_FILTERS = frozenset()",
        "token arguments": "TOKEN_ARGUMENTS = ()",
        "no model in the store": 'raise CLIError(f"no model {m!r} in any snapshot of {store.root}")',
        "exception module checks": 'if type(exc).__module__.split(".")[0] == "botocore":',
        "retry rule": "if isinstance(error, APIError) and error.status in retry.statuses:",
        "did you mean": 'f"column {name!r}: did you mean {close!r}?"',
        "sys.modules hiding": "sys.modules[name] = None",
        "delta-rs exceptions": "from deltalake.exceptions import CommitFailedError",
        "no zone means UTC": 'when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")',
    }
    more = {  # the other spellings the guard was written for (issue 17: state.py had both)
        "no zone means UTC": [
            'times.append(when.tz_convert("UTC") if when.tzinfo else when.tz_localize("UTC"))',
            'pd.Timestamp(lo).tz_convert("UTC") if pd.Timestamp(lo).tzinfo else pd.Timestamp(lo, tz="UTC")',
        ],
    }
    patterns = {r[0]: r[3] for r in RULES}
    for rule, text in samples.items():
        assert re.search(patterns[rule], text), rule
    for rule, texts in more.items():
        for text in texts:
            assert re.search(patterns[rule], text), (rule, text)


def test_the_cli_modules_import_the_shared_pieces_not_each_other() -> None:
    """cli/app.py holds the group, and cli/client.py, interrupts.py, options.py and stores.py what every
    command shares; the command modules (cli/catalog.py, recording.py, store_reads.py, watch.py and
    every module of the cli/analysis/ package) import from them, and none of them imports the cli package's __init__ (no circular import); the
    shared modules import no command module; cli/__init__.py imports the analysis package only to
    register its commands, never a name from it."""
    cli = PACKAGE / "cli"
    submodules = {p.stem for p in cli.glob("*.py")} | {p.name for p in cli.iterdir() if (p / "__init__.py").is_file()}
    modules = sorted(p for p in cli.rglob("*.py") if p != cli / "__init__.py")
    assert cli / "analysis" / "cost.py" in modules  # the walk reaches the analysis package
    for path in modules:
        up = len(path.relative_to(cli).parts)  # the relative level that names the cli package from here
        tree = ast.parse(path.read_text())
        from_package = [
            node.lineno
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and (
                (node.level == up and node.module is None and any(a.name not in submodules for a in node.names))
                or (node.level == 0 and node.module == "orcatalog.cli")
            )
        ]
        assert not from_package, f"{path.relative_to(PACKAGE)} imports the cli package itself (lines {from_package})"
    shared = {"app", "client", "interrupts", "options", "stores"}
    for name in sorted(shared):
        tree = ast.parse((cli / f"{name}.py").read_text())
        commands = [
            n.lineno
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom)
            and n.level == 1
            and not ({n.module} if n.module else {a.name for a in n.names}) <= shared | {"errors", "output", "startup"}
        ]
        assert not commands, f"cli/{name}.py imports a command module (lines {commands})"
    init = ast.parse((cli / "__init__.py").read_text())
    assert not [
        n.lineno
        for n in ast.walk(init)
        if isinstance(n, ast.ImportFrom) and n.level == 1 and (n.module or "").split(".")[0] == "analysis"
    ], "cli/__init__.py imports names from the analysis commands: move the shared piece to a shared module"


def test_the_module_map_names_every_module() -> None:
    """The README's module map (development section) has a line for every module of the package,
    so a new module cannot arrive without saying what it holds. A subpackage's ``__init__.py`` is
    named by its folder's row (``**fetch/**``); every other file by its path (``fetch/params.py``)."""
    readme = (REPO / "README.md").read_text()
    after = readme.split("### Module map", 1)[1].split("\n#", 1)[0]
    section = "\n".join(line for line in after.splitlines() if line.startswith("|"))  # the table
    named = set(re.findall(r"`([\w/]+\.py)`", section)) | {
        f"{folder}/__init__.py" for folder in re.findall(r"\*\*(\w+)/\*\*", section)
    }
    modules = {str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")}
    assert modules - named == set(), f"modules without a line in the README's module map: {sorted(modules - named)}"
    assert named - modules == set(), f"the module map names files that do not exist: {sorted(named - modules)}"
