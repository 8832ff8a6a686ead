"""The polite, bounded HTTP fetcher every feed poll goes through.

One ``Fetcher`` per process, shared by all feeds: it holds the httpx client,
the global and per-host concurrency limits, and enforces on every fetch the
connect/read/total timeouts, the body size cap (while streaming, after
decompression), the redirect limit (http and https only, at every hop) and
conditional GET. ``fetch`` returns a ``FetchResult`` for 200 and 304 and raises
``FetchError`` (``kind`` = a bounded metric label) for everything else.
"""

from __future__ import annotations

import asyncio
import ipaddress
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from ingest.config import Limits
from ingest.fetch.body import read_capped
from ingest.fetch.policy import parse_retry_after
from wirewatch.errors import FetchError, RetryLater

USER_AGENT = "Wirewatch/0.1 (news-monitoring feed reader; +https://github.com/wirewatch/wirewatch)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})


@dataclass(frozen=True)
class Validators:
    """Conditional-GET state of one feed, sent back as If-None-Match / If-Modified-Since."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out


@dataclass(frozen=True)
class FetchResult:
    """A 200 (``body`` set) or a 304 (``not_modified``, empty body) after redirects.

    ``validators`` are the response's (the request's on a 304 that sent none);
    ``moved_to`` is the final URL when every redirect on the way was permanent.
    """

    url: str
    status: int
    body: bytes
    headers: dict[str, str]
    validators: Validators
    moved_to: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def _status_error(url: str, response: httpx.Response) -> FetchError:
    status = response.status_code
    if status in (429, 503):
        delay = parse_retry_after(response.headers.get("retry-after"))
        kind = "rate_limited" if status == 429 else "http_5xx"
        return RetryLater(f"HTTP {status} from {url} (Retry-After: {delay})", kind=kind, delay=delay)
    kind = "http_4xx" if 400 <= status < 500 else "http_5xx" if status >= 500 else "http_error"
    return FetchError(f"HTTP {status} from {url}", kind=kind)


def _check_scheme(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FetchError(f"refusing non-http(s) URL {url!r}", kind="bad_url")
    return parts.hostname.lower()


class Fetcher:
    """Shared by every feed of a process; use as ``async with Fetcher(limits) as f``.

    ``transport`` swaps the network for tests (httpx ``MockTransport``).
    """

    def __init__(self, limits: Limits, transport: httpx.AsyncBaseTransport | None = None):
        self.limits = limits
        timeout = httpx.Timeout(
            connect=limits.connect_timeout,
            read=limits.read_timeout,
            write=limits.read_timeout,
            pool=limits.total_timeout,
        )
        self._client = httpx.AsyncClient(
            timeout=timeout,
            limits=httpx.Limits(
                max_connections=limits.concurrency, max_keepalive_connections=limits.concurrency
            ),
            follow_redirects=False,  # followed by hand: each hop is checked
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
            transport=transport,
        )
        self._all = asyncio.Semaphore(limits.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def _host_slot(self, host: str) -> asyncio.Semaphore:
        slot = self._hosts.get(host)
        if slot is None:
            slot = self._hosts[host] = asyncio.Semaphore(self.limits.per_host)
        return slot

    async def _guard_private(self, host: str) -> None:
        """With ``limits.block_private``: refuse hosts that resolve to internal addresses."""
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, None)
        except OSError as exc:
            raise FetchError(f"cannot resolve {host}: {exc}", kind="connect") from None
        for info in infos:
            address = ipaddress.ip_address(info[4][0])
            if not address.is_global:
                raise FetchError(f"{host} resolves to non-public address {address}", kind="blocked")

    async def fetch(
        self, url: str, validators: Validators | None = None, max_bytes: int | None = None
    ) -> FetchResult:
        """GET ``url`` conditionally; raises ``FetchError`` unless the answer is 200 or 304."""
        validators = validators or Validators()
        cap = max_bytes or self.limits.max_bytes
        try:
            return await self._follow(url, validators, cap)
        except TimeoutError:
            raise FetchError(
                f"no complete answer within {self.limits.total_timeout:g} s", kind="timeout"
            ) from None
        except httpx.TimeoutException as exc:
            raise FetchError(f"timed out: {type(exc).__name__}", kind="timeout") from None
        except httpx.ConnectError as exc:
            raise FetchError(f"cannot connect: {exc}", kind="connect") from None
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise FetchError(f"bad URL: {exc}", kind="bad_url") from None
        except httpx.TransportError as exc:
            raise FetchError(f"transport error: {type(exc).__name__}: {exc}", kind="transport") from None

    async def _follow(self, url: str, validators: Validators, cap: int) -> FetchResult:
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        permanent = True
        for hop in range(self.limits.max_redirects + 1):
            host = _check_scheme(url)
            if self.limits.block_private:
                await self._guard_private(host)
            # The host's slot first, then one of the process's: a feed waiting behind its
            # own slow host must not hold a global slot other hosts' feeds could use.
            async with self._host_slot(host), self._all:
                # The total timeout starts once a slot is free: waiting behind other feeds
                # of the same host is not this feed's fault.
                deadline = deadline or loop.time() + self.limits.total_timeout
                async with (
                    asyncio.timeout_at(deadline),
                    self._client.stream("GET", url, headers=validators.headers()) as response,
                ):
                    if response.status_code in _REDIRECTS:
                        location = response.headers.get("location")
                        if not location:
                            raise FetchError(f"HTTP {response.status_code} without Location", kind="redirect")
                        permanent = permanent and response.status_code in _PERMANENT
                        url = urljoin(url, location.strip())
                        continue
                    if response.status_code == 304:
                        return self._result(url, response, b"", validators, permanent and hop > 0)
                    if not 200 <= response.status_code < 300:
                        raise _status_error(url, response)
                    body = await read_capped(response, cap)
                    return self._result(url, response, body, validators, permanent and hop > 0)
        raise FetchError(f"more than {self.limits.max_redirects} redirects", kind="redirect")

    @staticmethod
    def _result(
        url: str, response: httpx.Response, body: bytes, sent: Validators, moved: bool
    ) -> FetchResult:
        headers = {k.lower(): v for k, v in response.headers.items()}
        got = Validators(headers.get("etag"), headers.get("last-modified"))
        if response.status_code == 304:  # a 304 may repeat only some validators: keep the others
            got = Validators(got.etag or sent.etag, got.last_modified or sent.last_modified)
        return FetchResult(
            url=url,
            status=response.status_code,
            body=body,
            headers=headers,
            validators=got,
            moved_to=url if moved else None,
        )
