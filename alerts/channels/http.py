"""The HTTP edge Slack and webhook channels share: one POST, one ``Delivery``.

How a response maps to an outcome:

- 2xx: sent;
- 429: failed, ``retry_after`` from the ``Retry-After`` header;
- 408, 425 and 5xx: failed, worth retrying;
- any other status (4xx, a redirect): failed and ``permanent``;
- a timeout or connection error: failed, worth retrying.
"""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from pydantic import SecretStr

from alerts.channels.base import Delivery, describe_exception, redact
from alerts.render.text import clean
from wirewatch.records import utcnow

USER_AGENT = "wirewatch-deliver/0.1"
#: a Retry-After beyond this is treated as this (a server cannot park us for a day)
RETRY_AFTER_MAX = 3600.0
_TRANSIENT = {408, 425, 429}


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - utcnow()).total_seconds()
        except (TypeError, ValueError, IndexError):
            return None
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), RETRY_AFTER_MAX)


def classify(channel: str, response: httpx.Response, *secrets: SecretStr | str | None) -> Delivery:
    """The ``Delivery`` a response means (see the module docstring)."""
    status = response.status_code
    if 200 <= status < 300:
        return Delivery.sent(channel)
    body = redact(clean(response.text, 200), *secrets)
    reason = f"HTTP {status}" + (f": {body}" if body else "")
    hint = retry_after_seconds(response.headers.get("retry-after"))
    if status in _TRANSIENT or status >= 500:
        return Delivery.failed(channel, reason, retry_after=hint)
    return Delivery.failed(channel, reason, permanent=True)


def new_client(timeout: float) -> httpx.AsyncClient:
    """A client for one channel: no redirects (a webhook that moves is an error), bounded timeout."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
    )


async def post(
    client: httpx.AsyncClient,
    channel: str,
    url: SecretStr,
    content: bytes,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Delivery:
    """POST ``content`` to ``url``; never raises for a transport failure.

    ``url`` is a secret (Slack webhook URLs carry their token) and is removed
    from any reason.
    """
    try:
        response = await client.post(url.get_secret_value(), content=content, headers=headers, **extra)
    except httpx.TimeoutException:
        return Delivery.failed(channel, "timeout: no answer in time")
    except httpx.HTTPError as exc:
        return Delivery.failed(channel, describe_exception(exc, url))
    return classify(channel, response, url)
