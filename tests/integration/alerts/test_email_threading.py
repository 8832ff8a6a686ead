"""Email stories as threads, through a real SMTP server (aiosmtpd).

A story's first email has a Message-ID derived from its story key; every
update replies to it (In-Reply-To, References) under ``Re:`` and the first
subject, so mail clients show one conversation. Digests are unchanged.
"""

from __future__ import annotations

from pathlib import Path

from alerts.channels.base import Channel, ChannelContext
from alerts.config import build_channels
from alerts.samples import sample_alert

from .conftest import SmtpReceiver, channels_config


def mail(smtp: SmtpReceiver, data_dir: Path, name: str = "mail", digest: str = "") -> Channel:
    block = (
        f"  - name: {name}\n    type: email\n    smtp: {{host: 127.0.0.1, port: {smtp.port}, timeout: 2s}}\n"
        f"    sender: w@news.example.org\n    recipients: [a@example.org]\n{digest}"
    )
    config = channels_config(f"version: 1\ndefault: [{name}]\nchannels:\n{block}")
    built = build_channels(config, ChannelContext({}, data_dir))
    return built.enabled[name]


async def test_an_update_replies_to_the_story_first_email(
    smtp_receiver: SmtpReceiver, tmp_path: Path
) -> None:
    channel = mail(smtp_receiver, tmp_path)
    assert (await channel.send(sample_alert(1, story="s-1"))).ok
    await channel.aclose()
    later = mail(smtp_receiver, tmp_path)  # a restart in between: the subject was kept
    update = sample_alert(1, story="s-1", revision=1, severity="critical")
    assert (await later.send(update)).ok
    assert (await later.send(sample_alert(1, story="s-1", revision=2))).ok
    await later.aclose()

    first, reply, second_reply = smtp_receiver.accepted()
    root = first.headers["Message-ID"]
    assert root.startswith("<story-") and root.endswith("@news.example.org>")
    assert "In-Reply-To" not in first.headers
    for message in reply, second_reply:
        assert message.headers["In-Reply-To"] == root and message.headers["References"] == root
        assert message.headers["Message-ID"] != root
        assert message.headers["Subject"] == "Re: " + first.headers["Subject"]
    assert first.headers["Subject"].startswith("HIGH: air strike")
    assert (
        "↻ Update 1: new sources" in reply.body and "<strong>↻ Update 1: new sources</strong>" in reply.body
    )


async def test_when_the_first_revision_was_filtered_the_first_email_sent_leads_the_thread(
    smtp_receiver: SmtpReceiver, tmp_path: Path
) -> None:
    channel = mail(smtp_receiver, tmp_path)
    for n in 1, 2:
        assert (await channel.send(sample_alert(1, story="s-1", revision=n))).ok
    await channel.aclose()
    first, second = smtp_receiver.accepted()
    assert first.headers["Subject"].endswith("[update 1]")
    assert second.headers["Subject"] == "Re: " + first.headers["Subject"]
    assert first.headers["In-Reply-To"] == second.headers["In-Reply-To"]
    assert first.headers["In-Reply-To"].startswith("<story-")


async def test_the_first_message_id_is_the_story_s_on_each_channel(
    smtp_receiver: SmtpReceiver, tmp_path: Path
) -> None:
    a, b = mail(smtp_receiver, tmp_path, "mail-a"), mail(smtp_receiver, tmp_path, "mail-b")
    for channel in a, b:
        assert (await channel.send(sample_alert(1, story="s-1"))).ok
    assert (await a.send(sample_alert(1, story="s-1"))).ok  # a re-send: the same Message-ID
    await a.aclose()
    await b.aclose()
    first_a, first_b, again = smtp_receiver.accepted()
    assert first_a.headers["Message-ID"] == again.headers["Message-ID"] != first_b.headers["Message-ID"]


async def test_a_digest_is_one_email_without_thread_headers(
    smtp_receiver: SmtpReceiver, tmp_path: Path
) -> None:
    channel = mail(smtp_receiver, tmp_path, digest="    digest: 15m\n")
    alerts = [sample_alert(1, story="s-1"), sample_alert(1, story="s-1", revision=1), sample_alert(2)]
    assert (await channel.send_batch(alerts, digest=True)).ok
    await channel.aclose()
    [digest] = smtp_receiver.accepted()
    assert "(Wirewatch digest)" in digest.headers["Subject"] and "In-Reply-To" not in digest.headers
    assert not digest.headers["Message-ID"].startswith("<story-")
