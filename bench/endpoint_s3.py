"""Benchmark one model's endpoint history on S3 against local disk, the same bodies in both (issue 18).

The synthetic hourly endpoint snapshots of ``bench/endpoint_history.py`` (50 models, four endpoints
each, one ``import_endpoint_bodies`` write a day) are written to a local Delta-layout store and to
one on an S3-compatible server (moto on loopback, started here). For one model's history, read by a
fresh store object, it prints, before and after ``compact()``:

- files read: how many ``endpoints`` data files the read opens of the table's live files (the
  store's own DEBUG line, ``orcatalog.store``), and on S3 the data files the server saw GETs for
  (moto's request recorder): the two must agree, and after ``compact()`` (each file a range of
  models) be fewer than the table holds;
- time: the best of several reads on each side and their ratio S3 / local (the loopback server's
  HTTP round trips, not a real bucket's latency: the ratio says what the request count costs).

Before ``compact()`` every daily write covers every model, so no file can be skipped: that row
is the baseline the pruning is measured against.

Usage: ``python bench/endpoint_s3.py [--quick] [--days N]`` (default 30 days; ``--quick``: 2 days,
one run per timing, values printed but not checked).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import _report  # noqa: E402
from _report import best, report, sized  # noqa: E402 - the bench folder is on sys.path when run as a script
from endpoint_history import NOW, START, World  # noqa: E402

import pandas as pd  # noqa: E402
import requests  # noqa: E402

import orcatalog as oc  # noqa: E402

CREDENTIALS = {"key": "orcatalog-bench", "secret": "orcatalog-bench-secret"}


class FilesRead(logging.Handler):
    """Collects the store's DEBUG line ``endpoints: reading N of M files ...`` as (N, M)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[tuple[int, int]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("endpoints: reading "):
            self.seen.append((int(record.args[0]), int(record.args[1])))  # type: ignore[index]


@contextlib.contextmanager
def files_read() -> Iterator[FilesRead]:
    logger = logging.getLogger("orcatalog.store")
    handler, level = FilesRead(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@contextlib.contextmanager
def s3_gets(endpoint: str) -> Iterator[set[str]]:
    """The ``endpoints`` data files the S3 server answered GETs for inside the block (moto's recorder)."""
    api = f"{endpoint}/moto-api/recorder"
    requests.post(f"{api}/reset-recording", timeout=10)
    requests.post(f"{api}/start-recording", timeout=10)
    got: set[str] = set()
    try:
        yield got
    finally:
        requests.post(f"{api}/stop-recording", timeout=10)
        for line in requests.get(f"{api}/download-recording", timeout=10).text.splitlines():
            entry = json.loads(line) if line.strip() else None
            path = unquote(urlsplit(entry["url"]).path) if entry else ""
            if entry and entry["method"] == "GET" and "/endpoints/month=" in path and path.endswith(".parquet"):
                got.add(path.split("/endpoints/", 1)[1])
        requests.post(f"{api}/reset-recording", timeout=10)


def s3_server(tmp: Path) -> tuple[Any, str]:
    """A moto S3 server on loopback with one bucket; its recorder writes under ``tmp``."""
    os.environ.setdefault("MOTO_RECORDER_FILEPATH", str(tmp / "moto-recording.jsonl"))
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["key"],
        aws_secret_access_key=CREDENTIALS["secret"],
    ).create_bucket(Bucket="bench")
    return server, endpoint


def measure(
    label: str, local: oc.SnapshotStore, s3: oc.SnapshotStore, options: dict[str, Any], endpoint: str, model_id: str
) -> dict[str, float]:
    """Files read and best times of one model's history on each side; prints one line."""

    def on_disk() -> pd.DataFrame:
        return oc.SnapshotStore(local.root).endpoint_history(model_id)

    def on_s3() -> pd.DataFrame:
        return oc.SnapshotStore(s3.root, storage_options=options).endpoint_history(model_id)

    with files_read() as seen_local:
        want = on_disk()
    with files_read() as seen_s3, s3_gets(endpoint) as gets:
        got = on_s3()
    pd.testing.assert_frame_equal(got, want)  # the same answer, or the timing means nothing
    (n_local, live_local), (n_s3, live_s3) = seen_local.seen[-1], seen_s3.seen[-1]
    t_local, t_s3 = best(on_disk, 5), best(on_s3, 5)
    print(
        f"{label}: {len(want)} rows of {model_id}; files read local {n_local}/{live_local}, "
        f"S3 {n_s3}/{live_s3} (GETs for {len(gets)} data files); "
        f"time local {t_local * 1e3:.1f} ms, S3 {t_s3 * 1e3:.1f} ms, ratio S3/local {t_s3 / t_local:.2f}x"
    )
    return {"local": n_local, "s3": n_s3, "gets": len(gets), "live": live_s3, "ratio": t_s3 / t_local}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=None, help="days of hourly snapshots (default 30; quick: 2)")
    args = _report.parse(parser)
    days = args.days or sized(30, 2)
    world = World()
    model_id = world.bodies[len(world.bodies) // 2]["data"]["id"]  # a model in the middle of the id range
    with tempfile.TemporaryDirectory() as tmp:
        server, endpoint = s3_server(Path(tmp))
        try:
            options = {**CREDENTIALS, "client_kwargs": {"endpoint_url": endpoint, "region_name": "us-east-1"}}
            local = oc.SnapshotStore(Path(tmp) / "store", layout="delta")
            s3 = oc.SnapshotStore("s3://bench/store", storage_options=options, layout="delta")
            start = time.perf_counter()
            for d in range(days):
                world.day()
                pairs = [(START + pd.Timedelta(days=d, hours=h), b) for h in range(24) for b in world.hour()]
                local.import_endpoint_bodies(pairs, now=NOW)
                s3.import_endpoint_bodies(pairs, now=NOW)
            print(
                f"{days} days x 24 h x {len(world.bodies)} models written to disk and S3 in "
                f"{time.perf_counter() - start:.0f} s"
            )
            before = measure("before compact()", local, s3, options, endpoint, model_id)
            local.compact(_retention_hours=0)
            s3.compact(_retention_hours=0)
            after = measure("after compact() ", local, s3, options, endpoint, model_id)
        finally:
            server.stop()
    print(f"time ratio S3/local: {before['ratio']:.2f}x before compact(), {after['ratio']:.2f}x after")
    return report(
        [
            ("after compact(): files read on S3 / files read locally", after["s3"] / after["local"], 1.0),
            ("after compact(): data files GET on S3 / files the read opens", after["gets"] / after["s3"], 1.0),
            ("after compact(): files read on S3 / live files", after["s3"] / after["live"], 0.5),
        ],
        unit="x",
    )


if __name__ == "__main__":
    sys.exit(main())
