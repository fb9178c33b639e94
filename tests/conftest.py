"""Shared fixtures: recorded bodies, replay servers, a private cache dir, and no real network."""

from __future__ import annotations

import contextlib
import gzip
import ipaddress
import os
import re
import shutil
import signal
import socket
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
import requests

import orcatalog as oc
from orcatalog.testing import ReplayServer

if TYPE_CHECKING:
    from click.testing import Result

REPO = Path(__file__).resolve().parent.parent
TEST_KEY_A = "sk-or-v1-" + "a1" * 32
TEST_KEY_B = "sk-or-v1-" + "b2" * 32


#: The compact bodies committed with the repository (scripts/derive_test_data.py makes them).
COMPACT_DIR = REPO / "tests" / "data" / "openrouter"


def shared_data_dir() -> Path:
    """The full recorded bodies: ``../shared/data/openrouter`` beside the clone, or ORCATALOG_TEST_DATA."""
    return Path(os.environ.get("ORCATALOG_TEST_DATA", REPO.parent / "shared" / "data" / "openrouter"))


def _has_bodies(path: Path) -> bool:
    return path.is_dir() and any(path.glob("models-*.json.gz"))


def _missing_shared_message() -> str:
    return f"recorded bodies not found at {shared_data_dir()} (set ORCATALOG_TEST_DATA to their folder)"


def data_sets() -> list[str]:
    """The data sets the data tests run on: always the compact one; the shared one when present or required."""
    wanted = _has_bodies(shared_data_dir()) or os.environ.get("ORCATALOG_REQUIRE_DATA") == "1"
    return ["compact", "shared"] if wanted else ["compact"]


def pytest_configure(config: pytest.Config) -> None:
    """Ctrl-C as at a terminal: a test that interrupts a child command (``test_cli``'s SIGINT tests)
    needs the child to start with SIGINT's default disposition, which Python turns into
    KeyboardInterrupt. A job started in the background by a script (``cmd &``, as a CI runner may
    start this suite) ignores SIGINT, and every child inherits that: the children then never saw
    the Ctrl-C (CI: ten SIGINT tests failed that pass from a shell). A handler is not inherited
    across exec, so setting one here gives the children the default again."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if hasattr(signal, "pthread_sigmask"):  # nor blocked: a child inherits the mask too
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that reads recorded bodies runs once per data set (``[compact]``, ``[shared]``),
    except a protocol test (``@pytest.mark.compact_only``: processes, signals, concurrency), whose
    bodies are only material to write: it runs on the compact set."""
    if "recorded_dir" in metafunc.fixturenames:
        sets = ["compact"] if metafunc.definition.get_closest_marker("compact_only") else data_sets()
        metafunc.parametrize("recorded_dir", sets, indirect=True, scope="session")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The object-store runs (a ``backend`` or store parameter ``"s3"``) of a data test read the compact set only: the S3 path
    is about transport and commits, which the local runs of the full set already cover for the data
    (deselected, and counted as such in pytest's summary)."""
    dropped = [
        item
        for item in items
        if (params := getattr(getattr(item, "callspec", None), "params", {})).get("recorded_dir") == "shared"
        and any(isinstance(value, str) and value == "s3" for value in params.values())
    ]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The full shared recordings, for facts only they have; skip (or fail under ORCATALOG_REQUIRE_DATA=1)."""
    path = shared_data_dir()
    if not _has_bodies(path):
        if os.environ.get("ORCATALOG_REQUIRE_DATA") == "1":
            pytest.fail(_missing_shared_message())
        pytest.skip(_missing_shared_message())
    return path


@pytest.fixture(scope="session")
def recorded_dir(request: pytest.FixtureRequest) -> Path:
    """A folder of recorded API bodies: the compact committed set, or the full shared one."""
    if request.param == "compact":
        return COMPACT_DIR
    return request.getfixturevalue("shared_dir")


@pytest.fixture(scope="session")
def dated_files(recorded_dir: Path) -> list[Path]:
    return sorted(recorded_dir.glob("models-*.json.gz"))


def paid_rank(totals: np.ndarray) -> list[int]:
    """The one ranking rule, written out: 1 + how many paid totals are smaller, 0 for a free row."""
    paid = totals[totals > 0]
    return [0 if t == 0 else int((paid < t).sum()) + 1 for t in totals]


def read_body(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes())


def run_cli(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Result:
    """Run ``orcatalog ARGS`` in process from the folder ``cwd``, as a user types it there (a relative
    ``--store data`` or ``-o out.csv`` is read against ``cwd``), with ``env`` set for the run. An
    exception the command does not turn into its one-line error is raised, not kept in the result."""
    from click.testing import CliRunner

    from orcatalog.cli import main

    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, args, env=env, catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture(scope="session")
def hourly_bodies(recorded_dir: Path) -> list[tuple[str, bytes]]:
    archive = next(recorded_dir.glob("hourly-*.tar.xz"), None)
    if archive is None:
        pytest.fail(f"no hourly-*.tar.xz in {recorded_dir}")
    out = []
    with tarfile.open(archive) as tar:  # read in archive order: seeking back in xz re-decompresses
        for member in tar:
            if member.isfile() and member.name.endswith(".json"):
                out.append((Path(member.name).name, tar.extractfile(member).read()))  # type: ignore[union-attr]
    return sorted(out)


@pytest.fixture(scope="session")
def series_of(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``series_of(folder)``: the hourly archive of a folder of recorded bodies imported into a store
    folder named ``data``, once per session and folder (a module fixture that needs the compact
    series without the data-set parametrization copies this one instead of importing it again)."""
    made: dict[Path, oc.SnapshotStore] = {}

    def series(folder: Path) -> oc.SnapshotStore:
        if folder not in made:
            store = oc.SnapshotStore(tmp_path_factory.mktemp("series") / "data")
            store.import_files(next(folder.glob("hourly-*.tar.xz")), progress=False)
            made[folder] = store
        return made[folder]

    return series


@pytest.fixture(scope="session")
def series_store(series_of: Any, recorded_dir: Path) -> oc.SnapshotStore:
    """The hourly archive imported once per session and data set, into a store folder named ``data``
    (the command line's usual name: CLI tests run in its parent with ``--store data``). Read it
    only; a test that writes makes its own store (:func:`copy_store`)."""
    return series_of(recorded_dir)


def copy_store(store: oc.SnapshotStore, dest: Path) -> oc.SnapshotStore:
    """A store of its own for a test that writes: a copy of a local ``store``'s folder at ``dest``
    (copying the folder costs a fraction of importing the same bodies again)."""
    shutil.copytree(store.root, dest)
    return oc.SnapshotStore(dest)


@pytest.fixture(scope="session")
def series_history(series_store: oc.SnapshotStore) -> Any:
    """``series_store.history()`` (199 snapshots), read once per session and data set."""
    return series_store.history()


@pytest.fixture
def hourly_history(series_history: Any) -> Any:
    """A copy of :func:`series_history` for one test (a test may change its frame)."""
    return series_history.copy()


@pytest.fixture(scope="session")
def latest_file(recorded_dir: Path) -> Path:
    return recorded_dir / "models-2026-04-17.json.gz"


#: The body the replay server of the HTTP tests serves: the compact latest catalog. How a request is
#: sent, retried, cached and refused does not depend on the data set, so those tests run once, not
#: once per data set (the data tests read ``recorded_dir`` themselves).
SERVED_FILE = COMPACT_DIR / "models-2026-04-17.json.gz"


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with ReplayServer(
        SERVED_FILE,
        keys={TEST_KEY_A: None, TEST_KEY_B: ["openai/gpt-4o", "anthropic/claude-opus-4.7"]},
        aliases={"~anthropic/claude-opus-latest": "anthropic/claude-opus-4.7"},
    ) as srv:
        yield srv


FAST_RETRY = oc.RetryConfig(attempts=3, backoff=0.05, multiplier=1.5, max_wait=5, deadline=20)


class FakeTime:
    """An injected clock and sleep (``Client(clock=..., sleep=...)``): sleeping records the wait and
    advances the clock at once, so a backoff or a ``Retry-After`` costs a test no real time."""

    #: The time of day when ``now`` is 1000.0 (Unix seconds; 2026-06-01 00:00:00 UTC).
    WALL_AT_START = 1_780_272_000.0

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        return self.now

    def wall(self) -> float:
        """The time of day, Unix seconds, moving with the clock."""
        return self.WALL_AT_START + (self.now - 1000.0)

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds

    def options(self) -> dict[str, Any]:
        """The ``clock=``, ``sleep=`` and ``wall_clock=`` arguments of a Client."""
        return {"clock": self.clock, "sleep": self.sleep, "wall_clock": self.wall}


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def client(server: ReplayServer, fake_time: FakeTime) -> oc.Client:
    """A client on a plain requests.Session (no cache) against the replay server; waits between
    attempts go to ``fake_time``."""
    return oc.Client(
        base_url=server.base_url, session=requests.Session(), retries=FAST_RETRY, timeout=(5, 10), **fake_time.options()
    )


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def cached_client(server: ReplayServer, cache_dir: Path, fake_time: FakeTime) -> oc.Client:
    """A client with the default requests-cache session in a private temp folder."""
    return oc.Client(
        base_url=server.base_url, cache_dir=cache_dir, retries=FAST_RETRY, timeout=(5, 10), **fake_time.options()
    )


@pytest.fixture(autouse=True)
def _no_real_network(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Any connection to a non-loopback address fails; the env never points at the real API or cache."""
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None:
            try:
                allowed = ipaddress.ip_address(host).is_loopback
            except ValueError:
                allowed = host == "localhost"
            if not allowed:
                raise OSError(f"test tried to reach {host}: real network is blocked in tests")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    for name in ("ORCATALOG_BASE_URL", "OPENROUTER_API_KEY", "ORCATALOG_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ORCATALOG_CACHE_DIR", str(tmp_path / "default-cache"))


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An S3-compatible server (moto) on loopback for the object-store path of the snapshot store.
    Its request recorder (:func:`s3_requests`) writes to a session temp file, never into the
    working folder (moto reads the location once, when it is first imported)."""
    import logging

    os.environ.setdefault("MOTO_RECORDER_FILEPATH", str(tmp_path_factory.mktemp("moto") / "recording.jsonl"))
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


S3_CREDENTIALS = {"key": "orcatalog-test", "secret": "orcatalog-test-secret"}


@contextlib.contextmanager
def s3_requests(endpoint: str) -> Iterator[list[tuple[str, str]]]:
    """The requests the loopback S3 server answered inside the block, as (method, unquoted path
    without the query) in arrival order, filled in when the block ends. Read from moto's own
    recorder (its ``/moto-api/recorder/`` endpoints), so it is what reached the storage, whoever
    sent it (delta-rs, pyarrow, s3fs). Tests of one worker run one at a time: nothing else is
    recorded."""
    import json
    from urllib.parse import unquote, urlsplit

    api = f"{endpoint}/moto-api/recorder"
    requests.post(f"{api}/reset-recording", timeout=10).raise_for_status()
    requests.post(f"{api}/start-recording", timeout=10).raise_for_status()
    seen: list[tuple[str, str]] = []
    try:
        yield seen
    finally:
        requests.post(f"{api}/stop-recording", timeout=10).raise_for_status()
        text = requests.get(f"{api}/download-recording", timeout=10).text
        requests.post(f"{api}/reset-recording", timeout=10).raise_for_status()
        for line in text.splitlines():
            if line.strip():
                entry = json.loads(line)
                seen.append((entry["method"], unquote(urlsplit(entry["url"]).path)))


def new_bucket(endpoint: str) -> str:
    import uuid

    import boto3

    bucket = "orcatalog-" + uuid.uuid4().hex[:12]
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=S3_CREDENTIALS["key"],
        aws_secret_access_key=S3_CREDENTIALS["secret"],
    ).create_bucket(Bucket=bucket)
    return bucket


def make_store(backend: str, tmp: Path, endpoint: str | None, layout: str = "auto") -> oc.SnapshotStore:
    """A new, empty store on local disk or on the loopback S3 server (``layout`` as SnapshotStore's)."""
    if backend == "local":
        return oc.SnapshotStore(tmp / "store", layout=layout)
    assert endpoint is not None
    options = {**S3_CREDENTIALS, "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"}}
    return oc.SnapshotStore(f"s3://{new_bucket(endpoint)}/store", storage_options=options, layout=layout)


def reopen(store: oc.SnapshotStore) -> oc.SnapshotStore:
    """A fresh store object on the same root and storage options (nothing cached from the writer)."""
    return oc.SnapshotStore(store.root, storage_options=store._storage_options or None)


def store_files(store: oc.SnapshotStore) -> dict[str, bytes]:
    """Every object/file of a store and its bytes, through the store's own filesystem."""
    fs = store._fs
    fs.invalidate_cache()
    try:
        paths = fs.find(store._base)
    except FileNotFoundError:
        return {}
    return {p: fs.cat_file(p) for p in sorted(paths)}


#: How a looping child (a reader, a compactor) waits between two rounds: until the parent closes
#: its stdin (the writers are done: ``communicate()`` closes it), for at most PAUSE seconds. A loop
#: without a pause spun on an empty store, and on S3 every round is a request to the moto server
#: in the test's own process, which then answered the writers late.
UNTIL_DONE = """
    import select, sys
    PAUSE = 0.05
    def writers_at_work():
        return not select.select([sys.stdin], [], [], PAUSE)[0]  # stdin readable: closed, done
"""


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def new_store(backend: str, tmp_path: Path, request: pytest.FixtureRequest):
    """Factory of empty stores on the parametrized backend."""
    endpoint = request.getfixturevalue("s3_endpoint") if backend == "s3" else None
    counter = iter(range(100))

    def factory() -> oc.SnapshotStore:
        return make_store(backend, tmp_path / f"s{next(counter)}", endpoint)

    return factory


# -- the README's blocks (test_readme.py runs the bash tour, test_readme_python.py the python blocks) --

README = (REPO / "README.md").read_text(encoding="utf-8")
README_KEY = "sk-or-v1-readme-test-key"


def readme_blocks(language: str) -> list[str]:
    """The README's code blocks fenced as ``language``, in order."""
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


@pytest.fixture
def readme_world(tmp_path: Path, s3_endpoint: str):
    """A folder like a clone's (``tests/data`` reachable), a replay server standing in for the API
    host, and an S3-compatible server with ``my-bucket``, as the README's blocks expect."""
    import boto3

    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "data").symlink_to(REPO / "tests" / "data")
    boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=S3_CREDENTIALS["key"],
        aws_secret_access_key=S3_CREDENTIALS["secret"],
    ).create_bucket(Bucket="my-bucket")
    with ReplayServer(keys={README_KEY: None}) as api:
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "MPLBACKEND": "Agg",
            "ORCATALOG_BASE_URL": api.base_url,
            "OPENROUTER_API_KEY": README_KEY,
            "ORCATALOG_CACHE_DIR": str(tmp_path / "cache"),
            "AWS_ACCESS_KEY_ID": S3_CREDENTIALS["key"],
            "AWS_SECRET_ACCESS_KEY": S3_CREDENTIALS["secret"],
            "AWS_ENDPOINT_URL": s3_endpoint,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ALLOW_HTTP": "true",  # delta-rs, for the loopback S3 server (a real bucket is https)
        }
        env.pop("ORCATALOG_OFFLINE", None)
        env.pop("ORCATALOG_DATA_DIR", None)
        yield tmp_path, env, api
