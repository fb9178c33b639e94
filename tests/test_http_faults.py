"""The "HTTP client" table of reliability.md: each fault injected by a real loopback server."""

from __future__ import annotations

import dataclasses
import email.utils
import socket
import threading
from collections.abc import Iterator

import pytest
import requests

import orcatalog as oc
from orcatalog.fetch.deadline import DeadlinePassed
from orcatalog.testing import ReplayServer

from .conftest import FAST_RETRY, FakeTime


def _n(server: ReplayServer) -> int:
    return len(server.requests)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, oc.BadRequestError),
        (401, oc.UnauthorizedError),
        (402, oc.PaymentRequiredError),
        (403, oc.ForbiddenError),
        (404, oc.NotFoundError),
    ],
)
def test_client_errors_are_typed_and_not_retried(
    client: oc.Client, server: ReplayServer, status: int, error: type
) -> None:
    server.add_fault(status=status, body={"error": {"code": status, "message": f"nope {status}", "metadata": {}}})
    with pytest.raises(error) as info:
        client.fetch_models()
    exc = info.value
    assert exc.status == status and exc.code == status and exc.api_message == f"nope {status}"
    assert f"HTTP {status}" in str(exc) and f"nope {status}" in str(exc) and server.base_url in str(exc)
    assert _n(server) == 1  # no retry


@pytest.mark.parametrize("status", [403, 503])
def test_cloudflare_html_is_a_typed_not_json_error(client: oc.Client, server: ReplayServer, status: int) -> None:
    html = b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>cf</body></html>"
    server.add_fault(status=status, body=html, content_type="text/html", times=10)
    with pytest.raises(oc.InvalidResponseError, match="not JSON") as info:
        client.fetch_models()
    assert info.value.status == status
    server.clear_faults()


def test_429_retry_after_seconds_is_honoured(client: oc.Client, server: ReplayServer, fake_time: FakeTime) -> None:
    server.add_fault(status=429, headers={"Retry-After": "2"})
    df = client.fetch_models()
    assert len(df) == 346 and _n(server) == 2
    assert fake_time.slept == [2.0]  # the server's wait, not the backoff (0.05 s)


def test_429_retry_after_http_date_is_honoured(client: oc.Client, server: ReplayServer, fake_time: FakeTime) -> None:
    when = email.utils.formatdate(fake_time.wall() + 3, usegmt=True)  # 3 s after the injected time of day
    server.add_fault(status=429, headers={"Retry-After": when})
    assert len(client.fetch_models()) == 346 and _n(server) == 2
    assert fake_time.slept == [3.0]  # read against the injected wall clock, not the machine's


def test_a_retry_after_date_in_the_past_retries_at_once(
    client: oc.Client, server: ReplayServer, fake_time: FakeTime
) -> None:
    when = email.utils.formatdate(fake_time.wall() - 30, usegmt=True)
    server.add_fault(status=429, headers={"Retry-After": when})
    assert len(client.fetch_models()) == 346 and _n(server) == 2
    assert fake_time.slept == [0.0]


def test_429_attempts_are_bounded(server: ReplayServer, fake_time: FakeTime) -> None:
    c = oc.Client(
        base_url=server.base_url,
        session=requests.Session(),
        retries=oc.RetryConfig(attempts=3, backoff=0.01),
        **fake_time.options(),
    )
    server.add_fault(status=429, headers={"Retry-After": "0"}, times=10)
    with pytest.raises(oc.RateLimitError) as info:
        c.fetch_models()
    assert info.value.attempts == 3 and _n(server) == 3
    server.clear_faults()


def test_huge_retry_after_fails_at_once(client: oc.Client, server: ReplayServer, fake_time: FakeTime) -> None:
    server.add_fault(status=429, headers={"Retry-After": "3600"})
    with pytest.raises(oc.RateLimitError, match="3600") as info:
        client.fetch_models()
    assert fake_time.slept == [] and _n(server) == 1
    assert info.value.retry_after == 3600


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_error_storm_is_bounded(server: ReplayServer, status: int, fake_time: FakeTime) -> None:
    retry = oc.RetryConfig(attempts=4, backoff=0.05, multiplier=2)
    c = oc.Client(base_url=server.base_url, session=requests.Session(), retries=retry, **fake_time.options())
    server.add_fault(status=status, times=100)
    with pytest.raises(oc.ServerError) as info:
        c.fetch_models()
    assert info.value.attempts == 4 and _n(server) == 4
    assert "4 attempts" in str(info.value)
    assert fake_time.slept == pytest.approx([0.05, 0.1, 0.2])  # backoff doubling between the 4 attempts
    server.clear_faults()


def test_overall_deadline_stops_retries(server: ReplayServer, fake_time: FakeTime) -> None:
    """50 attempts allowed, 30 s apart, within 100 s: the budget, not the count, ends it (on the
    injected clock the requests themselves take no time: attempts at 0, 30, 60 and 90 s). Each
    request still runs on a thread that the rest of the budget bounds in real time, so the budget
    left for the last one (10 s) is far above what a loopback request takes on a loaded machine
    (0.4 s left there failed a full run at load 9)."""
    retry = oc.RetryConfig(attempts=50, backoff=30, multiplier=1, deadline=100.0)
    c = oc.Client(base_url=server.base_url, session=requests.Session(), retries=retry, **fake_time.options())
    server.add_fault(status=503, times=100)
    with pytest.raises(oc.ServerError) as info:
        c.fetch_models()
    assert _n(server) == 4 and info.value.attempts == 4
    assert fake_time.slept == pytest.approx([30.0] * 3) and sum(fake_time.slept) <= retry.deadline
    server.clear_faults()


def test_error_inside_a_200_body_is_typed(client: oc.Client, server: ReplayServer) -> None:
    server.add_fault(status=200, body={"error": {"code": 502, "message": "Provider returned error"}})
    with pytest.raises(oc.ServerError, match="Provider returned error") as info:
        client.fetch_models()
    assert info.value.status == 200 and info.value.code == 502


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 200, "body": b'{"data": [{"id": "a/b"'},
        {"status": 200, "truncate_at": 5000},
        {"status": 200, "body": b"not json at all"},
        {"status": 200, "content_type": "text/plain"},
    ],
)
def test_invalid_200_bodies_are_typed(client: oc.Client, server: ReplayServer, fault: dict) -> None:
    server.add_fault(**fault)
    with pytest.raises(oc.InvalidResponseError):
        client.fetch_models()


def test_connection_refused_is_retried_then_typed(fake_time: FakeTime) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = oc.Client(
        base_url=f"http://127.0.0.1:{port}/api/v1",
        session=requests.Session(),
        retries=oc.RetryConfig(attempts=3, backoff=0.01),
        **fake_time.options(),
    )
    with pytest.raises(oc.TransportError, match="connection refused") as info:
        c.fetch_models()
    assert info.value.attempts == 3 and "3 attempts" in str(info.value) and len(fake_time.slept) == 2


def test_dns_failure_is_typed(fake_time: FakeTime) -> None:
    c = oc.Client(
        base_url="http://no-such-host.invalid/api/v1",
        session=requests.Session(),
        retries=oc.RetryConfig(attempts=2, backoff=0.01),
        **fake_time.options(),
    )
    with pytest.raises(oc.TransportError) as info:
        c.fetch_models()
    assert info.value.attempts == 2


@pytest.fixture
def full_backlog() -> Iterator[int]:
    """A loopback port whose accept queue is full: new connections hang in SYN (a connect timeout)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(8):
        f = socket.socket()
        f.setblocking(False)
        try:
            f.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(f)
    yield port
    for f in fillers:
        f.close()
    listener.close()


def test_connect_timeout_is_typed_and_retried(full_backlog: int, fake_time: FakeTime) -> None:
    c = oc.Client(
        base_url=f"http://127.0.0.1:{full_backlog}/api/v1",
        session=requests.Session(),
        timeout=(0.3, 5),
        retries=oc.RetryConfig(attempts=2, backoff=0.01),
        **fake_time.options(),
    )
    with pytest.raises(oc.RequestTimeoutError) as info:
        c.fetch_models()
    assert isinstance(info.value, TimeoutError) and info.value.attempts == 2 and fake_time.slept == [0.01]


def test_read_stall_times_out(server: ReplayServer) -> None:
    c = oc.Client(
        base_url=server.base_url, session=requests.Session(), timeout=(2, 0.5), retries=oc.RetryConfig(attempts=1)
    )
    server.add_fault(status=200, delay=3)
    with pytest.raises(oc.RequestTimeoutError, match="timed out"):  # the 3 s answer would have succeeded
        c.fetch_models()


def test_slow_drip_hits_the_overall_deadline(server: ReplayServer) -> None:
    """Each byte arrives well within the read timeout; only the total deadline can stop this."""
    c = oc.Client(
        base_url=server.base_url,
        session=requests.Session(),
        timeout=(2, 2),
        retries=oc.RetryConfig(attempts=3, backoff=0.01, deadline=0.5),
    )
    server.add_fault(status=200, drip=0.01, times=5)
    with pytest.raises(oc.RequestTimeoutError, match="overall deadline"):  # the drip would have ended in success
        c.fetch_models()
    server.clear_faults()


def test_reset_mid_body_is_retried(client: oc.Client, server: ReplayServer) -> None:
    server.add_fault(status=200, reset_after=2000)
    df = client.fetch_models()
    assert len(df) == 346 and _n(server) == 2


def test_persistent_reset_ends_in_a_typed_error(client: oc.Client, server: ReplayServer) -> None:
    server.add_fault(status=200, reset_after=2000, times=10)
    with pytest.raises(oc.TransportError, match="broken mid-body") as info:
        client.fetch_models()
    assert info.value.attempts == FAST_RETRY.attempts
    server.clear_faults()


@pytest.mark.parametrize(
    "payload",
    [
        {"data": [{"id": "a/b", "name": "x", "pricing": {}}, {"id": "a/b", "name": "y", "pricing": {}}]},
        {"models": []},
        {"data": "nope"},
    ],
)
def test_bad_shapes_are_schema_errors(payload: dict, fake_time: FakeTime) -> None:
    with ReplayServer(payload) as srv:
        c = oc.Client(base_url=srv.base_url, session=requests.Session(), retries=FAST_RETRY, **fake_time.options())
        with pytest.raises(oc.SchemaError):
            c.fetch_models()


def test_concurrent_faults_do_not_cross_requests(server: ReplayServer, client: oc.Client) -> None:
    """Threads share one client; the injected 503s are absorbed by retries everywhere (each thread has
    one attempt more than there are faults, so no interleaving can hand one thread all of them)."""
    server.add_fault(status=503, times=3)
    results: list[int] = []
    errors: list[BaseException] = []
    retries = dataclasses.replace(FAST_RETRY, attempts=4)

    def work() -> None:
        try:
            results.append(len(client.fetch_models(retries=retries)))
        except BaseException as exc:  # collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and results == [346] * 4


def _response(url: str = "http://127.0.0.1/api/v1/models") -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.request = requests.Request("GET", url).prepare()
    response.url = url
    return response


@pytest.mark.parametrize("body", [b'{"data": []}', '{"data": [{"id": "a/\u00e9"}]}'.encode(), b""])
def test_set_content_is_pinned_against_the_public_way(body: bytes) -> None:
    """set_content is the one place that touches requests' private body attributes (there is no
    public setter). Pinned against the public way to give requests a body (a raw stream it reads
    itself): the same content, text, JSON and chunks; that requests-cache stores what it set is
    shown by test_cache's serializer test."""
    import io

    from orcatalog.fetch.body import set_content

    ours, public = _response(), _response()
    set_content(ours, body)
    public.raw = io.BytesIO(body)
    assert ours.content == public.content == body
    assert ours.text == public.text
    assert list(ours.iter_content(4)) == list(public.iter_content(4))
    if body:
        assert ours.json() == public.json()


# -- the decision step is pure: outcome + attempt state -> what to do ------------------------------


def _status(status: int, body: bytes = b"", **headers: str) -> requests.Response:
    from orcatalog.fetch.body import set_content

    response = _response()
    response.status_code = status
    response.headers.update(headers)
    set_content(response, body)
    return response


def _state(attempt: int = 1, now: float = 0.0, deadline_at: float = 100.0):
    from orcatalog.fetch.retry import AttemptState

    return AttemptState(
        attempt=attempt,
        now=now,
        deadline_at=deadline_at,
        url="http://127.0.0.1/api/v1/models",
        wall=FakeTime.WALL_AT_START,
    )


RETRY4 = oc.RetryConfig(attempts=4, backoff=0.5, multiplier=2, max_wait=60, deadline=100)


@pytest.mark.parametrize(
    ("outcome", "state", "action", "error", "wait"),
    [
        (lambda: _status(200, b"{}"), _state(), "RETURN", None, 0.0),
        (lambda: _status(429, b"", **{"Retry-After": "2"}), _state(), "RETRY", oc.RateLimitError, 2.0),
        (lambda: _status(429, b"", **{"Retry-After": "3600"}), _state(), "RAISE", oc.RateLimitError, 0.0),
        (lambda: _status(503), _state(attempt=2), "RETRY", oc.ServerError, 1.0),  # 0.5 * 2 ** (2 - 1)
        (lambda: _status(503), _state(attempt=4), "GIVE_UP", oc.ServerError, 0.0),  # no attempt left
        (lambda: _status(503), _state(now=99.8), "GIVE_UP", oc.ServerError, 0.0),  # the wait passes the budget
        (lambda: _status(404, b'{"error": {"code": 404, "message": "no"}}'), _state(), "RAISE", oc.NotFoundError, 0.0),
        (lambda: requests.exceptions.ConnectionError("Connection refused"), _state(), "RETRY", oc.TransportError, 0.5),
        (lambda: requests.exceptions.ReadTimeout("read timed out"), _state(), "RETRY", oc.RequestTimeoutError, 0.5),
        (lambda: requests.exceptions.InvalidURL("bad"), _state(), "RAISE", oc.TransportError, 0.0),
        (lambda: DeadlinePassed("late"), _state(), "GIVE_UP", oc.RequestTimeoutError, 0.0),
    ],
    ids=[
        "200",
        "429-retry-after",
        "429-too-long",
        "503-backoff",
        "503-last",
        "503-budget",
        "404",
        "refused",
        "read-timeout",
        "invalid-url",
        "deadline",
    ],
)
def test_decide_is_a_pure_function_of_the_outcome_and_the_attempt_state(
    outcome,
    state,
    action: str,
    error,
    wait: float,
) -> None:
    from orcatalog.fetch.retry import Action, decide

    decision = decide(outcome(), state, RETRY4)
    assert decision.action is Action[action] and decision.wait == wait
    assert (decision.error is None) if error is None else type(decision.error) is error


def test_decide_lets_an_unknown_exception_through() -> None:
    from orcatalog.fetch.retry import decide

    with pytest.raises(KeyError):
        decide(KeyError("a bug"), _state(), RETRY4)


def test_the_command_line_maps_library_errors_through_the_fetch_table() -> None:
    """cli/errors.py asks orcatalog.fetch.http.map_exception instead of checking modules itself."""
    import sqlite3

    import click

    from orcatalog.cli.errors import one_line

    ctx = click.Context(click.Command("x"), obj={})
    key = "sk-or-v1-" + "c3" * 32
    refused = one_line(requests.exceptions.ConnectionError(f"Connection refused for {key}"), ctx).format_message()
    assert refused.startswith("an HTTP request failed: connection refused") and key not in refused
    assert "HTTP cache stayed busy" in one_line(sqlite3.OperationalError("database is locked"), ctx).format_message()
    assert one_line(ValueError("x"), ctx).format_message().startswith("ValueError: x (unexpected")
