"""Signed cookies, the CSRF middleware and the security headers, as plain ASGI.

CSRF (after Datasette's ``asgi-csrf``): a form's token is an HMAC of the session id under the
console's secret, so it is per session and needs no storage; before login it is bound to a
random id in its own signed cookie. Every unsafe request (POST, PUT, PATCH, DELETE) outside
``/api/`` must carry it, in the ``csrf_token`` form field or the ``X-CSRF-Token`` header;
otherwise it is refused with 403 before any view runs. ``/api/`` is exempt because it never
reads a cookie: it takes ``Authorization: Bearer`` tokens only, which a forged cross-site
request cannot carry.

Trusted-header sign-in (off unless configured): behind an authenticating proxy, a request from
one of the proxy's addresses that carries the configured header (``X-Forwarded-User``) is
signed in as that user, who must exist in the console's accounts and be enabled; no password.
From any other address the header is ignored. The user's session is made once and reused, and
the CSRF check applies to it as to any session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from console.accounts import Accounts

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SESSION_COOKIE = "wirewatch_session"
CSRF_COOKIE = "wirewatch_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = b"x-csrf-token"
#: The ``scope["state"]`` key under which a trusted proxy's user's session id is handed on.
TRUSTED_SESSION = "trusted_session_id"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Largest form body the CSRF check reads (the console's forms are a few fields).
MAX_FORM_BYTES = 64 * 1024
#: ... except the workbench's, which carry a watchlist (at most 512 KiB, URL-encoded up to 3x)
MAX_WATCHLIST_FORM_BYTES = 2 * 1024 * 1024

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class Signer:
    """HMAC-SHA256 signatures of short strings, one purpose per use."""

    def __init__(self, key: bytes):
        self.key = key

    def _mac(self, purpose: str, value: str) -> str:
        mac = hmac.new(self.key, f"{purpose}\x00{value}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()

    def sign(self, purpose: str, value: str) -> str:
        return f"{value}.{self._mac(purpose, value)}"

    def unsign(self, purpose: str, signed: str | None) -> str | None:
        """The value of a signed string, or None if it is missing or its signature is wrong."""
        if not signed or "." not in signed:
            return None
        value, _, mac = signed.rpartition(".")
        return value if hmac.compare_digest(mac, self._mac(purpose, value)) else None

    def csrf_token(self, binding: str) -> str:
        return self._mac("csrf", binding)


def cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: S112 - a malformed cookie header is as good as none
                continue
    return {k: m.value for k, m in jar.items()}


def cookie_header(name: str, value: str, *, max_age: int | None, secure: bool) -> bytes:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts).encode("latin-1")


def is_https(scope: Scope) -> bool:
    return scope.get("scheme") == "https"


class CSRFMiddleware:
    """Binds each request to a CSRF token and refuses an unsafe request without the right one.

    Sets ``scope["state"]``: ``session_id`` (from a validly signed session cookie, else None)
    and ``csrf_token`` (what the request's forms must send back).
    """

    def __init__(self, app: ASGIApp, signer: Signer, secure_cookies: bool = False):
        self.app = app
        self.signer = signer
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        jar = cookies(scope)
        state = scope.setdefault("state", {})
        # a user a trusted proxy vouched for (TrustedHeaderMiddleware) has a session without a cookie
        session_id = state.get(TRUSTED_SESSION) or self.signer.unsign("session", jar.get(SESSION_COOKIE))
        anon = self.signer.unsign("csrf", jar.get(CSRF_COOKIE))
        new_anon = None
        if session_id is None and anon is None:
            anon = new_anon = secrets.token_urlsafe(16)
        binding = session_id if session_id is not None else f"anon:{anon}"
        token = self.signer.csrf_token(binding)
        state["session_id"] = session_id
        state["csrf_token"] = token

        if new_anon is not None and not scope["path"].startswith(("/api/", "/static/", "/healthz")):
            header = cookie_header(
                CSRF_COOKIE,
                self.signer.sign("csrf", new_anon),
                max_age=None,
                secure=self.secure_cookies or is_https(scope),
            )
            send = _adding_headers(send, [(b"set-cookie", header)])

        if scope["method"] in SAFE_METHODS or scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        workbench = scope["path"].startswith("/watchlist")
        body, too_big = await _read_body(receive, MAX_WATCHLIST_FORM_BYTES if workbench else MAX_FORM_BYTES)
        if too_big:
            why = (
                "a watchlist is at most 512 KiB: this one is larger"
                if workbench
                else "request body too large"
            )
            await _plain(send, 413, why)
            return
        sent = _header(scope, CSRF_HEADER)
        if sent is None and _header(scope, b"content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            sent = parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD, [None])[0]
        if sent is None or not hmac.compare_digest(sent, token):
            await _plain(send, 403, "CSRF token missing or wrong: reload the page and try again")
            return
        await self.app(scope, _replay(body, receive), send)


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy and friends to every response; pages are not cached."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(SECURITY_HEADERS)
        if not scope["path"].startswith("/static/"):
            extra.append((b"cache-control", b"no-store"))
        await self.app(scope, receive, _adding_headers(send, extra))


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(spec: str) -> tuple[Network, ...]:
    """``10.0.0.5, 10.1.0.0/16`` as networks (a bare address is a network of one)."""
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in spec.split(",") if p.strip())


class TrustedHeaderMiddleware:
    """Signs in the user a trusted proxy names in ``header``; put it outside ``CSRFMiddleware``.

    ``on_result(result)`` is told ``ok`` (signed in), ``ignored`` (the header from an address
    that is not a trusted proxy) or ``refused`` (a trusted proxy named an unknown or disabled
    user: 403, whatever cookie the request carries).
    """

    def __init__(
        self,
        app: ASGIApp,
        accounts: Accounts,
        header: str,
        proxies: Sequence[Network],
        session_s: float,
        on_result: Callable[[str], None] = lambda result: None,
    ):
        self.app = app
        self.accounts = accounts
        self.header = header.strip().lower().encode("latin-1")
        self.proxies = tuple(proxies)
        self.session_s = session_s
        self.on_result = on_result
        self._sessions: dict[str, str] = {}  # user name -> the session made for them

    def trusted(self, scope: Scope) -> bool:
        client = scope.get("client")
        try:
            address = ipaddress.ip_address(client[0]) if client else None
        except ValueError:  # a unix socket peer, or a test client's made-up name
            return False
        return address is not None and any(address in net for net in self.proxies)

    def session_of(self, name: str) -> str | None:
        """The session of enabled user ``name``, made once and remade when it ends; else None."""
        user = self.accounts.user(name)
        if user is None or user.disabled:
            self._sessions.pop(name, None)
            return None
        session_id = self._sessions.get(name)
        if session_id is None or self.accounts.session_user(session_id) != user:
            session_id = self._sessions[name] = self.accounts.start_session(user, self.session_s)
        return session_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        name = _header(scope, self.header) if scope["type"] == "http" else None
        if name is None:
            await self.app(scope, receive, send)
            return
        if not self.trusted(scope):
            self.on_result("ignored")
            await self.app(scope, receive, send)
            return
        session_id = self.session_of(name.strip())
        if session_id is None:
            self.on_result("refused")
            await _plain(send, 403, "the proxy's user is not an enabled console user")
            return
        self.on_result("ok")
        scope.setdefault("state", {})[TRUSTED_SESSION] = session_id
        await self.app(scope, receive, send)


def _adding_headers(send: Send, headers: list[tuple[bytes, bytes]]) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {k.lower() for k, _ in message.get("headers", [])}
            message["headers"] = [
                *message.get("headers", []),
                *((k, v) for k, v in headers if k == b"set-cookie" or k not in present),
            ]
        await send(message)

    return wrapped


def _header(scope: Scope, name: bytes, default: str | None = None) -> Any:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return default


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), False


def _replay(body: bytes, receive: Receive) -> Receive:
    done = False

    async def again() -> Message:
        nonlocal done
        if not done:
            done = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


async def _plain(send: Send, status: int, text: str) -> None:
    body = text.encode() + b"\n"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
