"""The same suite against every channel type, each talking to a real local receiver.

Every channel must: deliver one alert; deliver a batch as one message; show
the injection title inert; and, for remote channels, turn each kind of
remote failure into the right ``Delivery`` without raising.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from alerts.channels.base import Channel, ChannelContext
from alerts.channels.webhook import verify_signature
from alerts.config import build_channels
from alerts.samples import sample_alert
from wirewatch.broker import free_port

from .conftest import HANG, HttpReceiver, SmtpReceiver, channels_config, deliveries

INJECTION = "<!channel> Breaking <http://evil.example|reuters.com> @here <script>"
KEY = "contract-hmac-key"


@dataclass
class Harness:
    """One channel under test and a way to read what its receiver got."""

    kind: str
    channel: Channel
    bodies: Callable[[], list[str]]
    receiver: HttpReceiver | SmtpReceiver | None = None


def _build(yaml_block: str, env: dict[str, str], data_dir: Path) -> Channel:
    config = channels_config(f"version: 1\ndefault: [c]\nchannels:\n{yaml_block}")
    built = build_channels(config, ChannelContext(env, data_dir))
    assert not built.disabled, built.disabled
    return built.enabled["c"]


KINDS = ["slack", "webhook", "email", "file", "console"]
REMOTE = ["slack", "webhook", "email"]


@contextlib.asynccontextmanager
async def open_harness(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> AsyncIterator[Harness]:
    """A channel of type ``kind`` wired to a fresh receiver."""
    receiver: HttpReceiver | SmtpReceiver | None = None
    if kind in ("slack", "webhook"):
        receiver = HttpReceiver()
        http = receiver
        env = {"URL": receiver.url, "KEY": KEY}
        block = (
            "  - {name: c, type: slack, webhook_url_env: URL, timeout: 0.5s}\n"
            if kind == "slack"
            else "  - {name: c, type: webhook, url_env: URL, secret_env: KEY, timeout: 0.5s}\n"
        )
        channel = _build(block, env, tmp_path)
        h = Harness(kind, channel, lambda: [r.body for r in http.accepted()], receiver)
    elif kind == "email":
        receiver = SmtpReceiver()
        smtp, port = receiver, receiver.port
        block = (
            f"  - name: c\n    type: email\n    smtp: {{host: 127.0.0.1, port: {port}, timeout: 1s}}\n"
            "    sender: w@example.org\n    recipients: [a@example.org, b@example.org]\n"
        )
        channel = _build(block, {}, tmp_path)
        h = Harness(kind, channel, lambda: [r.body for r in smtp.accepted()], receiver)
    elif kind == "file":
        channel = _build("  - {name: c, type: file, path: out/alerts.jsonl}\n", {}, tmp_path)
        path = tmp_path / "out" / "alerts.jsonl"
        h = Harness(kind, channel, lambda: path.read_text().splitlines() if path.exists() else [])
    else:
        channel = _build("  - {name: c, type: console}\n", {}, tmp_path)
        h = Harness(kind, channel, lambda: [capsys.readouterr().out])
    try:
        yield h
    finally:
        await channel.aclose()
        if receiver is not None:
            receiver.close()


@pytest.fixture(params=KINDS)
async def harness(
    request: pytest.FixtureRequest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> AsyncIterator[Harness]:
    async with open_harness(request.param, tmp_path, capsys) as h:
        yield h


async def test_one_alert_is_delivered_once(harness: Harness) -> None:
    alert = sample_alert(1)
    delivery = await harness.channel.send(alert)
    assert delivery.ok, delivery.reason
    assert deliveries(harness.bodies(), [alert]) == [alert.alert_id]


async def test_a_batch_is_one_message_listing_every_alert(harness: Harness) -> None:
    alerts = [sample_alert(n) for n in range(3)]
    delivery = await harness.channel.send_batch(alerts, digest=True)
    assert delivery.ok, delivery.reason
    bodies = harness.bodies()
    assert deliveries(bodies, alerts) == [a.alert_id for a in alerts]
    if harness.kind in REMOTE:
        assert len(bodies) == 1


async def test_the_injection_title_is_inert(harness: Harness) -> None:
    alert = sample_alert(9, title=INJECTION)
    assert (await harness.channel.send(alert)).ok
    [body] = [b for b in harness.bodies() if "Breaking" in b]
    if harness.kind == "slack":
        text = json.dumps(json.loads(body)["blocks"])
        assert "<!channel>" not in text and "<http://evil.example|" not in text
        assert not re.search(r"(?<!\w)@here", text)
        assert "&lt;!channel&gt;" in text
    elif harness.kind == "email":
        html = body[body.index("<!DOCTYPE html>") :]
        assert "<script>" not in html and "&lt;script&gt;" in html
        assert "&lt;!channel&gt; Breaking &lt;http://evil.example|reuters.com&gt;" in html
    else:  # JSON and terminal output carry the title as data
        assert INJECTION in (
            json.loads(body)["alert"]["items"][0]["title"] if harness.kind == "webhook" else body
        )
        assert "\x1b" not in body


FAILURES = [
    # (kind, scripted answer, retry_after header, permanent, retry_after, reason fragment)
    ("slack", 500, None, False, None, "HTTP 500"),
    ("slack", 429, "3", False, 3.0, "HTTP 429"),
    ("slack", 404, None, True, None, "HTTP 404"),
    ("slack", HANG, None, False, None, "timeout"),
    ("webhook", 503, "1", False, 1.0, "HTTP 503"),
    ("webhook", 410, None, True, None, "HTTP 410"),
    ("webhook", HANG, None, False, None, "timeout"),
    ("email", 451, None, False, None, "451"),
    ("email", 550, None, True, None, "550"),
    ("email", HANG, None, False, None, "Timeout"),
]


@pytest.mark.parametrize(("kind", "answer", "header", "permanent", "retry_after", "reason"), FAILURES)
async def test_remote_failures_become_failed_deliveries(
    kind: str,
    answer: int | str,
    header: str | None,
    permanent: bool,
    retry_after: float | None,
    reason: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with open_harness(kind, tmp_path, capsys) as h:
        assert h.receiver is not None
        h.receiver.answer(answer, retry_after=header)
        delivery = await h.channel.send(sample_alert(1))
        assert not delivery.ok
        assert (delivery.permanent, delivery.retry_after) == (permanent, retry_after)
        assert reason in delivery.reason
        assert "secret-token" not in delivery.reason and KEY not in delivery.reason
        h.receiver.release.set()
        assert h.bodies() == []


@pytest.mark.parametrize("kind", REMOTE)
async def test_an_unreachable_server_is_a_retryable_failure(kind: str, tmp_path: Path) -> None:
    port = free_port()
    if kind == "email":
        block = (
            f"  - name: c\n    type: email\n    smtp: {{host: 127.0.0.1, port: {port}, timeout: 1s}}\n"
            "    sender: w@example.org\n    recipients: [a@example.org]\n"
        )
    else:
        url_key = "webhook_url_env" if kind == "slack" else "url_env"
        block = f"  - {{name: c, type: {kind}, {url_key}: URL, timeout: 1s}}\n"
    channel = _build(block, {"URL": f"http://127.0.0.1:{port}/x/secret-token"}, tmp_path)
    delivery = await channel.send(sample_alert(1))
    await channel.aclose()
    assert not delivery.ok and not delivery.permanent
    assert "secret-token" not in delivery.reason


async def test_a_file_channel_that_cannot_write_fails_without_raising(tmp_path: Path) -> None:
    (tmp_path / "blocked").mkdir()
    channel = _build("  - {name: c, type: file, path: blocked}\n", {}, tmp_path)
    delivery = await channel.send(sample_alert(1))
    assert not delivery.ok and "cannot append" in delivery.reason


async def test_webhook_requests_are_signed_for_the_receiver(
    http_receiver: HttpReceiver, tmp_path: Path
) -> None:
    channel = _build(
        "  - {name: c, type: webhook, url_env: URL, secret_env: KEY}\n",
        {"URL": http_receiver.url, "KEY": KEY},
        tmp_path,
    )
    assert (await channel.send(sample_alert(1))).ok
    await channel.aclose()
    [request] = http_receiver.accepted()
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert verify_signature(
        KEY.encode(),
        headers["x-wirewatch-timestamp"],
        headers["x-wirewatch-signature"],
        request.body.encode("utf-8"),
    )


async def test_email_is_multipart_text_and_html_with_severity_subject(
    smtp_receiver: SmtpReceiver, tmp_path: Path
) -> None:
    block = (
        f"  - name: c\n    type: email\n    smtp: {{host: 127.0.0.1, port: {smtp_receiver.port}}}\n"
        "    sender: w@example.org\n    recipients: [a@example.org]\n"
    )
    channel = _build(block, {}, tmp_path)
    assert (await channel.send(sample_alert(1, revision=1))).ok
    [message] = smtp_receiver.accepted()
    assert message.body.startswith("HIGH: air strike — Idlib (Russia, Hayat Tahrir al-Sham) [update 1]")
    assert "multipart/alternative" in message.headers["Content-Type"]
    assert "<!DOCTYPE html>" in message.body and "Who:     Russia" in message.body
    assert message.headers["Message-ID"].endswith("@example.org>")
