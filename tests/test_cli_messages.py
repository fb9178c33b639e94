"""Issue 15's leftovers from new-user trials: each command-line message that pointed the wrong way,
asserted as the exact one line a user reads (a store imported from recorded bodies, real files)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd
import click
import pytest

import orcatalog as oc

from .conftest import COMPACT_DIR, run_cli

#: The recorded bodies the store holds (the server's default, text-output list: one scope).
BODIES = ("models-2025-12-18.json.gz", "models-2025-12-25.json.gz", "models-2026-01-01.json.gz")
TEXT_SCOPE = "/models output_modalities=text"
#: A recorded whole catalog (every output modality).
WHOLE = COMPACT_DIR / "catalogs-2026-06-08" / "models-2026-08-17.json.gz"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's folder: ``data``, a store of three recorded catalogs of the default list's scope, and
    ``two``, a store of one of them and a whole catalog (scope ``catalog``)."""
    root = tmp_path_factory.mktemp("cwd")
    oc.SnapshotStore(root / "data").import_files([COMPACT_DIR / name for name in BODIES], progress=False)
    two = oc.SnapshotStore(root / "two")
    two.import_files(COMPACT_DIR / BODIES[-1], progress=False)
    two.import_files(WHOLE, query={"output_modalities": "all"}, progress=False)
    oc.SnapshotStore(root / "eps").import_endpoints(sorted((COMPACT_DIR / "endpoints").glob("*.json.gz")))
    return root


def _usage(folder: Path, name: str, times: list[object]) -> str:
    pd.DataFrame(
        {"model": ["openai/gpt-4o"] * len(times), "timestamp": times, "prompt_tokens": 1000, "completion_tokens": 10}
    ).to_csv(folder / name, index=False)
    return name


ACCEPTED = "give an ISO 8601 date or time (2026-01-08, 2026-01-08T12:00, 2026-01-08T12:00:00Z, 2026-01-08T14:00+02:00)"


@pytest.mark.parametrize(
    "times, said",
    [
        (
            ["notatime"],
            f"error: column 'timestamp' of {{file}} holds values that are not times, e.g. 'notatime': {ACCEPTED}",
        ),
        (
            ["05/01/2026"],
            f"error: column 'timestamp' of {{file}} holds values that are not times, e.g. '05/01/2026': {ACCEPTED}",
        ),
        (
            [1768910400],
            f"error: column 'timestamp' of {{file}} holds numbers, not times: {ACCEPTED} (Unix seconds are not read as "
            "times: write the time itself, e.g. 2026-01-08T12:00Z)",
        ),
    ],
)
def test_price_at_names_the_file_column_of_a_bad_time(workdir: Path, times: list[object], said: str) -> None:
    """#15: price-at's time errors named the library's ``usage['timestamp']``, not the file's column."""
    name = _usage(workdir, f"bad-{abs(hash(str(times)))}.csv", times)
    result = run_cli(["price-at", "--store", "data", name], workdir)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == said.format(file=name)
    assert "usage[" not in result.stderr


def test_price_at_says_a_row_without_time_has_none(workdir: Path) -> None:
    """A row whose time cell is empty is not "before the first observation": its note says what is missing."""
    name = _usage(workdir, "no-time.csv", ["2025-12-20", None])
    result = run_cli(["price-at", "--store", "data", name, "--format", "csv"], workdir)
    assert result.exit_code == 0, result.output
    from io import StringIO

    priced = pd.read_csv(StringIO(result.stdout))
    assert list(priced["price_source"]) == ["exact", "missing"]
    assert priced["note"].iloc[1] == "the row has no time: fill in its time column"


@pytest.mark.parametrize(
    "url, shown",
    [
        ("https://user:pw@host.example/api/v1", "https://host.example/api/v1"),
        ("user:pw@host.example", "host.example"),  # no "//": urlsplit sees no user info
        ("https:/user:pw@host.example/api/v1", "https:///host.example/api/v1"),
    ],
)
def test_import_base_url_with_credentials_is_refused_in_cli_words(workdir: Path, url: str, shown: str) -> None:
    """#15: the error named the library's ``api_key=`` and echoed the password of a URL without ``//``."""
    result = run_cli(["import", "--store", "other", "--base-url", url, str(COMPACT_DIR / BODIES[0])], workdir)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (
        f"error: --base-url {shown!r} carries credentials (user:password@); remove them and set OPENROUTER_API_KEY"
    )
    assert "pw" not in result.output and "api_key" not in result.output
    assert not (workdir / "other").exists()


@pytest.mark.parametrize(
    "args, said",
    [
        (["import", "--store", "fresh", str(COMPACT_DIR / BODIES[0])], "interrupted: nothing was recorded"),
        (["snapshot", "--store", "fresh"], "interrupted: nothing was recorded"),
        (["report", "--store", "fresh", "-o", "out"], "interrupted: nothing was recorded"),
        (["endpoints", "openai/gpt-4o", "--store", "fresh"], "interrupted: nothing was recorded"),
        (["endpoints", "openai/gpt-4o"], "interrupted"),  # without --store it only reads
        (["prices", "--store", "data", "openai/gpt-4o"], "interrupted"),
        (["cost", "--store", "data", "--prompt-tokens", "5"], "interrupted"),
    ],
)
def test_ctrl_c_in_the_first_second_says_what_was_recorded(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], said: str
) -> None:
    """#15: Ctrl-C while a command imports its modules, before it opens its store or sends a request,
    printed a generic "stopped before the command finished": a command that records says nothing was,
    one that reads says only that it was interrupted."""
    from orcatalog.cli import startup

    def pressed() -> None:  # the first thing every command does: import pandas and pyarrow
        raise KeyboardInterrupt

    monkeypatch.setattr(startup, "import_pandas", pressed)
    result = run_cli(args, workdir)
    assert result.exit_code == 130, result.output
    assert result.stderr.strip() == said
    assert result.stdout == "" and not (workdir / "fresh").exists() and not (workdir / "out").exists()


class _Importing:
    """Stands in for ``orcatalog.cli`` while it imports: Ctrl-C lands on the name asked for."""

    def __getattr__(self, name: str) -> object:
        raise KeyboardInterrupt


@pytest.mark.parametrize(
    "argv, said",
    [
        (["--replay", "sample", "import", "--store", "x", "f.json"], "interrupted: nothing was recorded"),
        (["endpoints", "openai/gpt-4o", "--store=x"], "interrupted: nothing was recorded"),
        (["endpoints", "openai/gpt-4o"], "interrupted"),
        (["--replay", "sample", "models"], "interrupted"),
        ([], "interrupted"),
    ],
)
def test_ctrl_c_while_the_command_line_imports_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str], said: str
) -> None:
    """Ctrl-C while the console script imports the command line (most of the first second) was a
    Python traceback: now the same one line as later, by the same rule, exit status 130."""
    import sys

    from orcatalog import _launch as launch

    monkeypatch.setitem(sys.modules, "orcatalog.cli", _Importing())
    monkeypatch.setattr(sys, "argv", ["orcatalog", *argv])
    with pytest.raises(SystemExit) as stopped:
        launch.main()
    assert stopped.value.code == 130
    out, err = capsys.readouterr()
    assert err == f"\n{said}\n" and out == ""


def test_report_checks_its_scope_before_taking_a_first_snapshot(workdir: Path) -> None:
    """#15: `report --scope X` into an empty store took the first snapshot (a request) before it
    found that the store had no scope X; a store that holds others names them."""
    result = run_cli(["report", "--store", "empty", "--scope", "X", "-o", "rep"], workdir)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (
        "error: no snapshot of scope 'X' in empty; scopes held: none (the first snapshot the report takes into "
        "an empty store is of scope 'catalog': drop --scope, or record scope 'X' first with "
        "`orcatalog import --store empty FILE`)"
    )
    assert not (workdir / "empty").exists() and not (workdir / "rep").exists()
    result = run_cli(["report", "--store", "two", "--scope", "catalgo", "-o", "rep"], workdir)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (
        f"error: no snapshot of scope 'catalgo' in two (did you mean 'catalog'?); scopes held: {TEXT_SCOPE!r} (1); "
        "'catalog' (1)"
    )
    assert not (workdir / "rep").exists()


def test_cost_names_the_scope_it_looked_in(workdir: Path) -> None:
    """#15: `cost --models` said "no model X in the catalog" without the snapshot and scope it read
    (the one looked_in rule every other command uses), nor the scope that holds it."""
    whole = set(oc.SnapshotStore(workdir / "two").load(scope="catalog")["id"])
    text = set(oc.SnapshotStore(workdir / "two").load(scope=TEXT_SCOPE)["id"])
    only = sorted(whole - text)[0]
    args = ["cost", "--store", "two", "--prompt-tokens", "1000", "--scope", TEXT_SCOPE, "--models"]
    result = run_cli([*args, only], workdir)
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (
        f"error: no model {only!r} in the latest snapshot of scope {TEXT_SCOPE!r} of two "
        "(scope 'catalog' holds it: --scope 'catalog' reads it)"
    )
    result = run_cli([*args, "openai/gpt-4oo", "--as-of", "2026-01-01"], workdir)
    assert result.stderr.strip() == (
        f"error: no model 'openai/gpt-4oo' at --as-of 2026-01-01 of scope {TEXT_SCOPE!r} of two "
        "(did you mean 'openai/gpt-4o'?)"
    )
    result = run_cli(["cost", "--store", "data", "--prompt-tokens", "1000", "--models", "foo/bar"], workdir)
    assert result.stderr.strip() == "error: no model 'foo/bar' in the latest snapshot of data"
    # under --replay the catalog is the replayed file's, not one "fetched from the API" (trial)
    result = run_cli(["--replay", "sample", "cost", "--prompt-tokens", "1000", "--models", "foo/bar"], workdir)
    assert result.exit_code == 1 and result.stderr.startswith(
        "error: no model 'foo/bar' in the catalog of --replay sample"
    )


def test_cost_refuses_an_unknown_column_before_any_note(workdir: Path) -> None:
    """Trial N (#15): `cost --columns id,nosuch` printed the snapshot that answers and the "Left out"
    line, then the column error. The error is the only line now, and the command did no work."""
    result = run_cli(["cost", "--store", "data", "--prompt-tokens", "1000", "--columns", "id,nosuch"], workdir)
    assert result.exit_code == 2 and result.stdout == "", result.output
    assert result.stderr.strip().startswith("error: unknown column(s): nosuch;") and result.stderr.count("\n") == 1
    shown = run_cli(["cost", "--store", "data", "--prompt-tokens", "1000", "--columns", "id,total_usd"], workdir)
    assert shown.exit_code == 0 and "answers: the latest" in shown.stderr and "Left out" in shown.stderr


@pytest.mark.parametrize("command", [["changes"], ["prices", "openai/gpt-4o"], ["movers", "--since", "2026-01-01"]])
def test_a_store_of_endpoints_only_says_what_it_holds(workdir: Path, command: list[str]) -> None:
    """#15: `changes` on a store of endpoints snapshots only said "no snapshots in eps: `orcatalog
    snapshots` lists what it holds", and `orcatalog snapshots` lists nothing there."""
    kinds = oc.SnapshotStore(workdir / "eps").endpoint_snapshots()["kind"].value_counts()
    result = run_cli([*command, "--store", "eps"], workdir)
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (
        f"error: no catalog snapshot in eps: it holds only {kinds['endpoints']} endpoints and "
        f"{kinds['providers']} providers snapshots (`orcatalog endpoint-history MODEL --store eps` reads "
        "endpoints); record the catalog with `orcatalog snapshot --store eps` or `orcatalog import --store eps FILE`"
    )


def test_endpoint_history_outside_its_window_says_when_it_was_recorded(workdir: Path) -> None:
    """#15: an empty window said "no endpoints of X in eps; record them", though the store holds them."""
    model = "anthropic/claude-sonnet-4.5"
    times = oc.SnapshotStore(workdir / "eps").endpoint_history(model, columns=[])["fetched_at"].drop_duplicates()
    assert len(times) > 1
    span = f"{times.min():%Y-%m-%d %H:%M} .. {times.max():%Y-%m-%d %H:%M} UTC"
    for window, said in (
        (["--since", "2030-01-01"], "--since 2030-01-01"),
        (["--since", "2020-01-01", "--until", "2020-01-02"], "--since 2020-01-01 and --until 2020-01-02"),
    ):
        result = run_cli(["endpoint-history", model, "--store", "eps", *window], workdir)
        assert result.exit_code == 1, result.output
        assert result.stderr.strip() == (
            f"error: no endpoints of {model!r} in eps within {said}: its {len(times)} snapshots span {span}; "
            "widen the window (or drop it)"
        )  # one line: no pandas warning about nanoseconds of a date-only --until either
    # no store there: the way to record one is the command that records endpoints (trial: snapshot, import)
    missing = run_cli(["endpoint-history", model, "--store", "nosuch"], workdir)
    assert missing.exit_code == 1 and "record one with `orcatalog endpoints MODEL --store nosuch`" in missing.stderr
    assert "orcatalog snapshot" not in missing.stderr and "orcatalog import" not in missing.stderr
    # a start after the end is said as such, before anything is read (trial: "widen the window")
    flipped = run_cli(
        ["endpoint-history", model, "--store", "eps", "--since", "2026-09-10", "--until", "2026-08-01"], workdir
    )
    assert flipped.exit_code == 2, flipped.output
    assert flipped.stderr.strip() == (
        "error: --since 2026-09-10 00:00 is after --until 2026-08-01 23:59: give a --since on or before the --until"
    )


def test_reprice_at_says_what_the_one_snapshot_does_not_list(workdir: Path) -> None:
    """#15: with --at every row is priced at one snapshot, yet the header said its unpriced rows were
    "not in the store's catalog on their day"."""
    activity = str(COMPACT_DIR / "activity" / "activity-2026-08-30.json.gz")
    args = ["reprice", activity, "--store", "two", "--scope", "catalog", "--at", "2026-08-20"]
    rows = run_cli([*args, "--rows", "--format", "csv"], workdir)
    assert rows.exit_code == 0, rows.output
    from io import StringIO

    unpriced = int(pd.read_csv(StringIO(rows.stdout))["list_usd"].isna().sum())
    assert unpriced
    header = run_cli([*args, "--top", "1"], workdir).stderr.splitlines()[0]
    assert (
        header.startswith("billed $")
        and "rows whose model the store's snapshot at --at 2026-08-20 lists, billed $" in header
    )
    assert header.endswith(
        f"({unpriced} whose model that snapshot does not list: no list price; another --at may list them, or "
        "drop --at to price each row on its own day)"
    ), header
    assert "on their day" not in header


def test_unreadable_value_warning_points_at_the_callers_line(tmp_path: Path) -> None:
    """#15: UnreadableValueWarning named orcatalog/store/queries.py (or ingest.py, delta/store.py) as
    where it came from: now the user's own line, whatever the call (import, load, history, flatten)."""
    import gzip
    import json
    import warnings

    body = json.loads(gzip.decompress((COMPACT_DIR / BODIES[-1]).read_bytes()))
    body["data"][0]["pricing"]["prompt"] = "n/a"
    path = tmp_path / "models-2026-01-02.json"
    path.write_text(json.dumps(body))
    store = oc.SnapshotStore(tmp_path / "s")
    calls = {
        "import_files": lambda: store.import_files([path], progress=False),
        "load": lambda: store.load(),
        "history": lambda: store.history(),
        "models_frame": lambda: oc.frames.models.models_frame(body["data"]),
    }
    for name, call in calls.items():
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            call()
        hits = [w for w in seen if issubclass(w.category, oc.UnreadableValueWarning)]
        assert hits, name
        assert {w.filename for w in hits} == {__file__}, (name, [w.filename for w in hits])


def test_prices_output_and_warnings_are_whole_lines_in_order(tmp_path: Path) -> None:
    """#15: `prices` output ran into a stderr warning line. On one pipe holding both (2>&1), as on a
    terminal: the read's warning, then every output line whole, then the closing warning."""
    import gzip
    import json
    import subprocess
    import sys

    from .conftest import REPO

    body = json.loads(gzip.decompress((COMPACT_DIR / BODIES[-1]).read_bytes()))
    model = body["data"][0]["id"]
    body["data"][0]["pricing"]["prompt"] = "n/a"
    (tmp_path / "models-2026-01-02.json").write_text(json.dumps(body))
    with pytest.warns(oc.UnreadableValueWarning):
        oc.SnapshotStore(tmp_path / "s").import_files([tmp_path / "models-2026-01-02.json"], progress=False)
    env = {**os.environ, "PYTHONPATH": str(REPO), "ORCATALOG_CACHE_DIR": str(tmp_path / "cache")}
    for fmt in ("csv", "table"):
        args = ["--replay", "sample", "prices", "--store", str(tmp_path / "s"), model, "--format", fmt]
        done = subprocess.run(
            [sys.executable, "-m", "orcatalog", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout
        lines = done.stdout.splitlines()
        assert (
            lines[0]
            == f"warning: 1 value(s) could not be read and were kept in 'extra': {model!r} pricing.prompt=\"n/a\""
        )
        assert lines[-1] == "warning: --replay was not used: prices read the store only"
        output = lines[1:-1]
        assert len(output) == 2 and not any("warning" in line for line in output), output  # header and one row
        assert output[1].startswith('"20260102T000000Z-' if fmt == "csv" else "2026-01-02 00:00:00+00:00"), output


def test_library_errors_name_the_commands_options(workdir: Path) -> None:
    """#15: one_line put only InvalidParameterError in the command's option names; every other
    library error kept the library's (``at=``), unlike warnings and notes (in_cli_words, the one rule)."""
    from orcatalog.cli import main
    from orcatalog.cli.errors import one_line

    ctx = click.Context(main, obj={})
    ctx.invoked_subcommand = "reprice"
    error = one_line(oc.SnapshotNotFoundError("no catalog answers at=2020-01-01: pass alternatives= ids"), ctx)
    assert error.line() == "error: no catalog answers --at 2020-01-01: pass --models ids"
    # --at before the first snapshot is no longer refused (issue 15 trial 5): its note names --at
    activity = str(COMPACT_DIR / "activity" / "activity-2026-08-30.json.gz")
    result = run_cli(["reprice", activity, "--store", "two", "--scope", "catalog", "--at", "2020-01-01"], workdir)
    assert "note: --at 2020-01-01 00:00 is before the first snapshot (scope 'catalog'): the first" in result.stderr or (
        "note: --at 2020-01-01 00:00 is before the first snapshot: the first" in result.stderr
    ), result.stderr
    assert " at=" not in result.stderr


def test_price_at_reads_a_saved_activity_body_as_json(workdir: Path) -> None:
    """#15: an /activity body was read as a CSV ("has no column 'model' (did you mean 'model:...'?)"):
    it is read as read_usage reads it, each row priced at its day (the ``date`` column)."""
    from io import StringIO

    body = COMPACT_DIR / "activity" / "activity-2026-08-30.json.gz"
    result = run_cli(["price-at", "--store", "two", "--scope", "catalog", str(body), "--format", "csv"], workdir)
    assert result.exit_code == 0, result.output
    priced = pd.read_csv(StringIO(result.stdout))
    assert {"model", "date", "price_source", "age", "total_usd", "note"} <= set(priced.columns)
    usage = oc.read_usage(body)
    assert list(priced["model"]) == list(usage["model"])
    assert priced["total_usd"].notna().any() and set(priced["price_source"]) <= {"exact", "nearest", "missing"}


def test_price_at_names_a_catalog_body_given_as_usage(workdir: Path) -> None:
    """A JSON body that is not usage (a /models catalog) is named as such, not read as a CSV."""
    result = run_cli(["price-at", "--store", "data", str(WHOLE)], workdir)
    assert result.exit_code != 0
    assert result.output.splitlines() == [
        f"error: {WHOLE}: not an /activity body: it holds a models catalog (GET /models: its rows have id and "
        "pricing), while every activity row has a date and a model"
    ]


def test_an_offset_out_of_range_is_said_not_dateutils_words(workdir: Path) -> None:
    """#15: ``--since ...+25:00`` leaked dateutil's "invalid tzoffset ... timedelta(hours=24)"."""
    result = run_cli(["movers", "--store", "data", "--since", "2026-06-19T00:00+25:00"], workdir)
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "error: --since '2026-06-19T00:00+25:00' is not a time: UTC offset +25:00 is out of range (-24:00..+24:00)"
    ]
    with pytest.raises(oc.errors.InvalidParameterError, match=r"UTC offset -24:00 is out of range"):
        oc.times.parse_time("2026-06-19 00:00-2400", "as_of")
    assert oc.times.parse_time("2026-06-19T00:00+23:59", "as_of") == pd.Timestamp("2026-06-18T00:01Z")


def test_movers_before_the_first_snapshot_says_the_day_and_what_to_do(workdir: Path) -> None:
    """#15: a date-only --until was said as "2025-02-01 23:59:59.999999999+00:00", with nothing to do."""
    result = run_cli(["movers", "--store", "data", "--since", "2025-01-01", "--until", "2025-02-01"], workdir)
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "error: the history has no snapshot before --until 2025-02-01 (through that day): its first snapshot is "
        "at 2025-12-18 00:00 UTC; use --until on or after it"
    ]


def test_movers_ages_a_date_only_until_from_its_day(workdir: Path) -> None:
    """#15: ``--until D`` answered by D's own snapshot was "24 hours older than --until D 23:59"; a
    snapshot before D is aged from the day's start."""
    same = run_cli(["movers", "--store", "data", "--since", "2025-12-25", "--until", "2025-12-25"], workdir)
    assert same.exit_code == 0, same.output
    assert same.stderr.splitlines()[1:] == [
        "note: start and end both fall on the snapshot of 2025-12-25 00:00 UTC: the window holds no change"
    ]
    later = run_cli(["movers", "--store", "data", "--since", "2025-12-20", "--until", "2025-12-28"], workdir)
    assert "note: the answer is the snapshot of 2025-12-25 00:00 UTC, 3 days older than --until 2025-12-28 00:00" in (
        later.stderr.splitlines()
    )


DYNAMIC = "dynamic pricing: the price is decided per request (router or alias), so no cost"


def test_cost_left_out_never_says_a_zero_and_the_report_says_the_same(workdir: Path) -> None:
    """#15: the "Left out" line said "0: time-of-day price not evaluated" (a note no row had), and the
    report worded the same counts otherwise ("5 dynamic pricing: ...: no cost")."""
    from orcatalog.analysis.catalog import cheapest_paid
    from orcatalog.report import _left_out_text

    args = [
        "cost",
        "--store",
        "two",
        "--scope",
        "catalog",
        "--prompt-tokens",
        "1000000",
        "--completion-tokens",
        "200000",
        "--requests",
        "1000",
    ]
    result = run_cli([*args, "--head", "1"], workdir)
    assert result.exit_code == 0, result.output
    audio = "produces audio output at a price the catalog does not list"
    assert result.stderr.splitlines()[-1] == (
        f"Left out: 25 models (18 free: --include-free lists them; 5: {DYNAMIC}; 2: {audio})"
    )
    latest = oc.SnapshotStore(workdir / "two").load(scope="catalog")
    left = cheapest_paid(oc.estimate_cost(latest, 1_000_000, 200_000, requests=1_000)).attrs["left_out"]
    assert _left_out_text(left) == f"25 models (18 free; 5: {DYNAMIC}; 2: {audio})"


def test_cost_models_prints_a_rows_note_whole(workdir: Path) -> None:
    """#15: with --models a row's note was cut ("...: no...")."""
    result = run_cli(
        [
            "cost",
            "--store",
            "data",
            "--prompt-tokens",
            "1000000",
            "--completion-tokens",
            "200000",
            "--models",
            "openrouter/auto,openai/gpt-4o",
        ],
        workdir,
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].split(None, 1) == ["openrouter/auto", DYNAMIC]


def test_diff_prints_old_and_new_prices_in_one_format(workdir: Path) -> None:
    """#15: diff's old/new (mixed cells: prices next to lists and counts) printed ``9e-05`` next to
    ``0.0012``; their float cells share one fixed format (export.readable's rule)."""
    import re

    result = run_cli(["diff", "--store", "data", "2025-12-18", "2026-01-01", "--columns", "field,old,new"], workdir)
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()[1:]]
    cells = [c for row in rows if row and row[0].startswith("price_") for c in row[1:]]
    assert len(cells) > 20
    assert all(re.fullmatch(r"\d[\d,]*\.\d+", c) for c in cells), cells
    assert len({len(c.split(".")[1]) for c in cells}) == 1


def test_price_at_words_an_age_as_the_notes_do(workdir: Path) -> None:
    """#15: price-at's age column printed pandas' ``0 days 01:35:55``; a table says an age as every
    note does (orcatalog.times.age_text: "1.6 hours older than ...")."""
    name = _usage(workdir, "ages.csv", ["2025-12-25T01:35:55Z", "2025-12-20", "2025-12-25T00:00:30Z"])
    result = run_cli(["price-at", "--store", "data", name, "--columns", "timestamp,age"], workdir)
    assert result.exit_code == 0, result.output
    assert [line.split()[-2:] for line in result.stdout.splitlines()[1:]] == [
        ["1.6", "hours"],
        ["2", "days"],
        ["30", "seconds"],
    ]


def test_diff_checks_the_order_before_saying_anything(workdir: Path) -> None:
    """#15: ``diff NEWER OLDER`` printed the two "answers" lines, then the error: only the error now."""
    result = run_cli(["diff", "--store", "data", "2026-01-01", "2025-12-18"], workdir)
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "error: OLD (2026-01-01) is after NEW (2025-12-18); give the older time first"
    ]
    right = run_cli(["diff", "--store", "data", "2025-12-18", "2026-01-01", "--head", "1"], workdir)
    assert [line.split(" answers ")[1] for line in right.stderr.splitlines()[:2]] == [
        "OLD 2025-12-18",
        "NEW 2026-01-01 (through the end of that day)",
    ]


def test_prices_takes_a_comma_list_like_every_repeatable_model_option(workdir: Path) -> None:
    """#15: ``prices openai/gpt-4o,openai/gpt-4o-mini`` was one unknown id."""
    from io import StringIO

    result = run_cli(["prices", "--store", "data", "openai/gpt-4o,openai/gpt-4o-mini", "--format", "csv"], workdir)
    assert result.exit_code == 0, result.output
    shown = pd.read_csv(StringIO(result.stdout))
    assert sorted(shown["id"].unique()) == ["openai/gpt-4o", "openai/gpt-4o-mini"]
    assert len(shown) == 6  # each in the three snapshots
    table = run_cli(["prices", "--store", "data", "openai/gpt-4o", "openai/gpt-4o-mini"], workdir)
    assert table.stdout.splitlines()[0].split() == [
        "id",
        "fetched_at",
        "prompt_usd_per_mtok",
        "completion_usd_per_mtok",
    ]


@pytest.mark.parametrize(
    "command",
    [
        ["movers", "--since", "2025-12-19"],
        ["changes"],
    ],
)
def test_price_fields_are_price_columns_only(workdir: Path, command: list[str]) -> None:
    """#15: ``movers --field x`` listed default_temperature, context_length, ... as valid fields;
    movers and changes take price columns only (orcatalog.analysis.args.price_fields), and list
    exactly what they accept (the final trial: ``changes`` omitted the ``*_usd_per_mtok`` names)."""
    from orcatalog.analysis.args import price_fields

    result = run_cli([command[0], "--store", "data", *command[1:], "--field", "default_temperature"], workdir)
    assert result.exit_code == 2
    (line,) = result.output.splitlines()
    assert line.startswith("error: --field 'default_temperature' is not a price field; price fields: ")
    listed = line.split("price fields: ")[1].removesuffix(" (a column, or the name tables print it under)")
    history = oc.SnapshotStore(workdir / "data").history()
    assert not {"context_length", "default_temperature", "top_provider_context_length"} & set(listed.split(", "))
    assert {"price_prompt", "price_completion"} <= set(listed.split(", "))
    assert listed.split(", ") == list(
        dict.fromkeys(name for c in price_fields(history) for name in (c, oc.schema.price_heading(c)))
    )  # exactly what is accepted, in the one source's order
    accepted = run_cli([command[0], "--store", "data", *command[1:], "--field", "completion_usd_per_mtok"], workdir)
    assert accepted.exit_code == 0, accepted.output


def test_a_scope_is_shown_as_scope_takes_it(workdir: Path) -> None:
    """#15 (final trial): the translation of library words into options rewrote ``name=`` inside a
    quoted scope too: a note said scope '/models --output-modality text', which --scope then
    refused. A quoted value is shown as it is, so it can be pasted back."""
    import re

    result = run_cli(
        ["cost", "--store", "data", "--as-of", "2026-01-01 12:00", "--prompt-tokens", "10", "--head", "1"], workdir
    )
    assert result.exit_code == 0, result.output
    shown = re.findall(r"scope '([^']*)'", result.stderr)
    assert shown and set(shown) == {TEXT_SCOPE}, result.stderr
    assert "--as-of 2026-01-01 12:00" in result.stderr  # the words around it still name the option
    pasted = run_cli(["show", "--store", "data", "--scope", shown[0], "openai/gpt-4o"], workdir)
    assert pasted.exit_code == 0, pasted.output


def test_a_model_absent_then_listed_again_is_not_called_no_longer_listed(tmp_path: Path) -> None:
    """Trial Q: `show --as-of 2026-01-15 qwen/qwen-max` said "no longer listed", but the model is
    listed again on 01-29 (absent then, not retired: the one absence rule). It says so now, with
    both times; a model that never comes back is still "no longer listed"."""
    store = oc.SnapshotStore(tmp_path / "s")
    store.import_files([COMPACT_DIR / f"models-2026-01-{d}.json.gz" for d in ("01", "15", "29")], progress=False)
    result = run_cli(["show", "--store", "s", "--as-of", "2026-01-15", "qwen/qwen-max"], tmp_path)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.output
    assert "not listed then: last seen 2026-01-01 00:00 UTC, listed again from 2026-01-29 00:00 UTC" in result.stderr
    assert "no longer listed" not in result.stderr
    gone = oc.lifecycle(store.history())
    never_back = str(gone.loc[~gone["listed_now"], "id"].iloc[0])
    result = run_cli(["show", "--store", "s", never_back], tmp_path)
    assert result.exit_code == 1 and "no longer listed" in result.stderr, result.output


@pytest.mark.parametrize("replay", ["sample", "recorded"])
def test_an_error_of_a_replayed_request_names_replay_not_a_loopback_port(replay: str, tmp_path: Path) -> None:
    """Issue 15 trial: under --replay, `endpoints openai/nonexist` said "GET http://127.0.0.1:44511/
    api/v1/models/openai/nonexist/endpoints failed", an address that is gone when the command ends.
    It names the path and what was given to --replay."""
    source = "sample" if replay == "sample" else str(sorted(COMPACT_DIR.glob("models-*.json.gz"))[-1])
    for args in (["endpoints", "openai/nonexist"], ["model", "openai/nonexist"]):
        result = run_cli(["--replay", source, *args], tmp_path)
        assert result.exit_code == 1, result.output
        (line,) = result.stderr.strip().splitlines()
        assert "127.0.0.1" not in line and "http://" not in line, line
        path = "/models/openai/nonexist/endpoints" if args[0] == "endpoints" else "/model/openai/nonexist"
        assert f"GET {path} of --replay {source} failed: HTTP 404" in line, line
    empty = tmp_path / "models-2026-09-06T000000Z.json"  # trial R: "/models: of --replay X the body ..."
    empty.write_text('{"data": []}')
    said = run_cli(["--replay", str(empty), "models"], tmp_path)
    assert said.exit_code == 1 and said.stderr.startswith(
        f"error: /models of --replay {empty}: the body lists no models"
    )


def test_a_video_workload_is_priced_per_request_and_the_command_line_says_how(tmp_path: Path) -> None:
    """Trial R: the chart's refusal of video said "price them with estimate_cost(..., requests=N,
    --output-modality 'video')" (half Python), and `cost --requests 4 --output-modality video` was
    refused for want of tokens although a video model is priced per request."""
    from decimal import Decimal

    import orjson

    from .modalities import fixture_models

    body = tmp_path / "models-2026-09-01T000000Z.json"
    body.write_bytes(orjson.dumps({"data": fixture_models()}))
    chart = run_cli(
        ["--replay", str(body), "plot", "price-vs-context", "--output-modality", "video", "-o", "v.png"], tmp_path
    )
    assert chart.exit_code == 2 and "`orcatalog cost --requests N --output-modality video`" in chart.stderr, (
        chart.stderr
    )
    assert "estimate_cost(" not in chart.stderr
    cost = run_cli(
        ["--replay", str(body), "cost", "--requests", "4", "--output-modality", "video", "--format", "csv"], tmp_path
    )
    assert cost.exit_code == 0, cost.output
    rows = pd.read_csv(io.StringIO(cost.stdout)).set_index("id")
    fee = next(m["pricing"]["request"] for m in fixture_models() if m["id"] == "runway/gen-4.5")
    assert Decimal(str(rows.loc["runway/gen-4.5", "total_usd"])) == 4 * Decimal(fee)
