"""The fetcher against httpx.MockTransport: status codes, redirects, size cap, validators, limits."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from collections.abc import Callable

import httpx
import pytest

from ingest.config import Limits
from ingest.fetch import Fetcher, Validators
from ingest.fetch.client import USER_AGENT
from wirewatch.errors import FetchError, RetryLater

Handler = Callable[[httpx.Request], httpx.Response]


async def streamed(data: bytes, chunk: int = 65536):
    """A body as a real transport delivers it: in chunks (bytes content would be read at once)."""
    for start in range(0, len(data), chunk):
        yield data[start : start + chunk]


def ok(data: bytes = b"<rss/>", status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, content=streamed(data), headers=headers)


def fetcher(handler: Handler, **limits: object) -> Fetcher:
    return Fetcher(Limits(**limits), transport=httpx.MockTransport(handler))  # type: ignore[arg-type]


async def fetch(handler: Handler, url: str = "http://wire.example/feed", **kw: object):
    limits = {k: v for k, v in kw.items() if k != "validators"}
    async with fetcher(handler, **limits) as f:
        return await f.fetch(url, kw.get("validators"))  # type: ignore[arg-type]


async def fetch_error(handler: Handler, url: str = "http://wire.example/feed", **kw: object) -> FetchError:
    with pytest.raises(FetchError) as err:
        await fetch(handler, url, **kw)
    return err.value


async def test_a_200_returns_body_headers_and_validators() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, content=streamed(b"<rss/>"), headers={"ETag": '"v1"', "Last-Modified": "Tue, 24 Nov 2026"}
        )

    result = await fetch(handler)
    assert result.status == 200 and result.body == b"<rss/>" and not result.not_modified
    assert result.validators == Validators('"v1"', "Tue, 24 Nov 2026")
    assert result.moved_to is None
    assert seen[0].headers["user-agent"] == USER_AGENT and "Wirewatch" in USER_AGENT
    assert "if-none-match" not in seen[0].headers


async def test_validators_are_sent_and_a_304_keeps_them() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["if-none-match"] == '"v1"'
        assert request.headers["if-modified-since"] == "Tue, 24 Nov 2026"
        return httpx.Response(304, headers={"ETag": '"v1"'})

    result = await fetch(handler, validators=Validators('"v1"', "Tue, 24 Nov 2026"))
    assert result.not_modified and result.body == b""
    assert result.validators == Validators('"v1"', "Tue, 24 Nov 2026")


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (404, "http_4xx"),
        (410, "http_4xx"),
        (500, "http_5xx"),
        (502, "http_5xx"),
        (503, "http_5xx"),
        (204, None),
    ],
)
async def test_status_codes_map_to_bounded_kinds(status: int, kind: str | None) -> None:
    handler = lambda r: ok(b"", status)  # noqa: E731
    if kind is None:
        assert (await fetch(handler)).body == b""
    else:
        assert (await fetch_error(handler)).kind == kind


async def test_429_and_503_carry_retry_after() -> None:
    err = await fetch_error(lambda r: httpx.Response(429, headers={"Retry-After": "120"}))
    assert isinstance(err, RetryLater) and err.kind == "rate_limited" and err.delay == 120
    err = await fetch_error(lambda r: httpx.Response(503, headers={"Retry-After": "30"}))
    assert isinstance(err, RetryLater) and err.kind == "http_5xx" and err.delay == 30
    err = await fetch_error(lambda r: httpx.Response(429))
    assert isinstance(err, RetryLater) and err.delay is None


async def test_redirects_are_followed_and_a_permanent_move_is_reported() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return httpx.Response(301, headers={"Location": "/mid"})
        if request.url.path == "/mid":
            return httpx.Response(308, headers={"Location": "https://cdn.example/new"})
        return ok()

    result = await fetch(handler, "http://wire.example/old")
    assert result.url == "https://cdn.example/new" and result.moved_to == "https://cdn.example/new"


async def test_a_temporary_redirect_is_not_a_move() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return httpx.Response(302, headers={"Location": "/new"})
        return ok()

    result = await fetch(handler, "http://wire.example/old")
    assert result.url == "http://wire.example/new" and result.moved_to is None


async def test_redirect_loops_stop_at_the_limit() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(302, headers={"Location": "/a" if request.url.path == "/b" else "/b"})

    err = await fetch_error(handler, max_redirects=3)
    assert err.kind == "redirect" and len(calls) == 4


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://wire.example/x", "gopher://x/"])
async def test_redirects_to_other_schemes_are_refused(target: str) -> None:
    err = await fetch_error(lambda r: httpx.Response(302, headers={"Location": target}))
    assert err.kind == "bad_url"


async def test_a_redirect_without_location_is_an_error() -> None:
    assert (await fetch_error(lambda r: httpx.Response(301))).kind == "redirect"


async def test_a_declared_oversized_body_is_refused_without_reading() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return ok(b"x" * 2048, **{"Content-Length": "2048"})

    assert (await fetch_error(handler, max_bytes=1024)).kind == "too_large"
    assert (await fetch(handler, max_bytes=2048)).body == b"x" * 2048


async def test_an_undeclared_oversized_stream_is_cut_off() -> None:
    async def chunks():
        for _ in range(100):
            yield b"y" * 1000

    err = await fetch_error(lambda r: httpx.Response(200, content=chunks()), max_bytes=10_000)
    assert err.kind == "too_large"


async def test_a_gzip_bomb_is_stopped_at_the_cap() -> None:
    bomb = gzip.compress(b"\0" * 50_000_000)
    assert len(bomb) < 100_000

    def handler(request: httpx.Request) -> httpx.Response:
        return ok(bomb, **{"Content-Encoding": "gzip"})

    assert (await fetch_error(handler, max_bytes=1_000_000)).kind == "too_large"


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send it
        ("identity", lambda b: b),
    ],
)
async def test_compressed_bodies_are_decoded(encoding: str, encode: Callable[[bytes], bytes]) -> None:
    body = "<rss>café</rss>".encode() * 100

    def handler(request: httpx.Request) -> httpx.Response:
        assert "gzip" in request.headers["accept-encoding"]
        return ok(encode(body), **{"Content-Encoding": encoding})

    assert (await fetch(handler)).body == body


async def test_a_corrupt_or_unknown_encoding_is_a_bad_body() -> None:
    corrupt = await fetch_error(lambda r: ok(b"nope", **{"Content-Encoding": "gzip"}))
    assert corrupt.kind == "bad_body"
    unknown = await fetch_error(lambda r: ok(b"x", **{"Content-Encoding": "br"}))
    assert unknown.kind == "bad_body"


async def test_transport_failures_become_kinds() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    def reset(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("reset", request=request)

    assert (await fetch_error(refuse)).kind == "connect"
    assert (await fetch_error(stall)).kind == "timeout"
    assert (await fetch_error(reset)).kind == "transport"


async def test_the_total_timeout_bounds_a_slow_answer() -> None:
    async def slow_chunks():
        for _ in range(1000):
            await asyncio.sleep(0.01)
            yield b"x"

    err = await fetch_error(
        lambda r: httpx.Response(200, content=slow_chunks()), total_timeout=0.2, connect_timeout=0.1
    )
    assert err.kind == "timeout"


async def test_private_addresses_are_refused_only_when_asked() -> None:
    assert (await fetch(lambda r: ok(), "http://127.0.0.1/feed")).status == 200
    err = await fetch_error(lambda r: ok(), "http://127.0.0.1/feed", block_private=True)
    assert err.kind == "blocked"
    err = await fetch_error(lambda r: ok(), "http://localhost/feed", block_private=True)
    assert err.kind == "blocked"


async def test_per_host_and_global_concurrency_are_bounded() -> None:
    in_flight: dict[str, int] = {}
    peak: dict[str, int] = {}
    total = [0, 0]

    async def chunks(host: str):
        in_flight[host] = in_flight.get(host, 0) + 1
        total[0] += 1
        peak[host] = max(peak.get(host, 0), in_flight[host])
        total[1] = max(total[1], total[0])
        await asyncio.sleep(0.02)
        in_flight[host] -= 1
        total[0] -= 1
        yield b"<rss/>"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks(request.url.host))

    async with fetcher(handler, per_host=2, concurrency=3) as f:
        urls = [f"http://{h}.example/{n}" for h in ("a", "b", "c") for n in range(5)]
        results = await asyncio.gather(*(f.fetch(u) for u in urls))
    assert all(r.status == 200 for r in results)
    assert max(peak.values()) == 2 and total[1] == 3


async def test_waiting_for_a_host_slot_does_not_count_against_the_timeout() -> None:
    async def slow_body():
        await asyncio.sleep(0.1)
        yield b"<rss/>"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=slow_body())

    async with fetcher(handler, per_host=1, total_timeout=1.0, connect_timeout=1.0) as f:
        results = await asyncio.gather(*(f.fetch(f"http://one.example/{n}") for n in range(15)))
    assert [r.status for r in results] == [200] * 15  # 1.5 s of queueing, 0.1 s each of fetching


async def test_feeds_queued_behind_a_slow_host_leave_the_global_slots_to_other_hosts() -> None:
    slow_done = asyncio.Event()
    finished: list[str] = []

    async def body(host: str):
        if host == "slow.example":
            await slow_done.wait()
        yield b"<rss/>"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body(request.url.host))

    async def fetch_one(f: Fetcher, url: str) -> None:
        await f.fetch(url)
        finished.append(url)

    async with fetcher(handler, per_host=1, concurrency=2) as f:
        slow = [asyncio.create_task(fetch_one(f, f"http://slow.example/{n}")) for n in range(3)]
        await asyncio.sleep(0.05)  # one slow feed in flight, two waiting for their host's slot
        await asyncio.wait_for(fetch_one(f, "http://fast.example/feed"), 2)
        assert finished == ["http://fast.example/feed"]
        slow_done.set()
        await asyncio.gather(*slow)
