"""Slack bot mode against a local Web API stand-in: each story is one thread.

The first revision is a message, later ones are replies in its thread and the
first message is edited to the current state; the story -> ts map survives a
new channel object or a restart of the delivery loop; a 429 is retried after
its Retry-After; a post whose answer was lost is found again, not repeated.
"""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from alerts.channels.base import Channel, ChannelContext
from alerts.config import build_channels
from alerts.samples import sample_alert
from wirewatch.cli import main
from wirewatch.records import Alert
from wirewatch.settings import Settings

from .conftest import HANG, SlackApi, channels_config, delivering, eventually, produce
from .test_deliver_process import Deliverer, wait_until

BOT = (
    "  - {{name: desk, type: slack, token_env: T_BOT, channel: '{channel}', api_url: '{url}', "
    "timeout: {t}}}\n"
)


def bot_yaml(api: SlackApi, channel: str = "#desk", timeout: str = "2s", retry: str = "") -> str:
    block = BOT.format(channel=channel, url=api.url, t=timeout)
    return f"version: 1\ndefault: [desk]\n{retry}channels:\n{block}"


def bot(api: SlackApi, data_dir: Path, channel: str = "#desk", timeout: str = "2s") -> Channel:
    built = build_channels(
        channels_config(bot_yaml(api, channel, timeout)), ChannelContext({"T_BOT": api.TOKEN}, data_dir)
    )
    assert not built.disabled, built.disabled
    return built.enabled["desk"]


def revision(n: int, story: str = "story-1", sources: int = 2, **kw: Any) -> Alert:
    alert = sample_alert(1, story=story, revision=n, items=sources, **kw)
    reason = f"reported by {sources} sources (new: AP); toll 12 → {12 + n}" if n else None
    return alert.model_copy(update={"update_reason": reason})


def delivered(message: dict[str, Any]) -> str:
    return str(message["metadata"]["event_payload"]["delivery"])


def text_of(message: dict[str, Any]) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


@pytest.fixture
async def desk(slack_api: SlackApi, tmp_path: Path) -> AsyncIterator[Channel]:
    channel = bot(slack_api, tmp_path)
    yield channel
    await channel.aclose()


async def test_updates_are_replies_in_the_thread_and_the_header_shows_the_current_state(
    slack_api: SlackApi, desk: Channel
) -> None:
    for delivery in [await desk.send(a) for a in (revision(0), revision(1, sources=3))]:
        assert delivery.ok, delivery.reason
    assert (await desk.send(revision(2, sources=4, severity="critical"))).ok

    [first] = slack_api.top_level()
    assert first["channel"] == "C0DESK" and delivered(first) == "story-1:r0"
    replies = slack_api.replies(first["ts"])
    assert [delivered(m) for m in replies] == ["story-1:r1", "story-1:r2"]
    assert "↻ *Update 1: reported by 3 sources (new: AP) · toll 12 → 13*" in text_of(replies[0])
    # The first message was edited twice and now reads as the story does.
    header = text_of(first)
    assert first["edits"] == 2
    assert "*CRITICAL*" in header and "*Sources*\\n4" in header
    assert "2 updates* · latest: reported by 4 sources (new: AP) · toll 12 → 14 · in the thread" in header
    assert first["text"].startswith("CRITICAL: ")
    assert all(c.token == slack_api.TOKEN for c in slack_api.calls)


async def test_a_new_channel_over_the_same_data_dir_threads_under_the_stored_ts(
    slack_api: SlackApi, tmp_path: Path
) -> None:
    before = bot(slack_api, tmp_path)
    assert (await before.send(revision(0))).ok
    assert (await before.send(revision(0, story="story-2"))).ok
    await before.aclose()

    after = bot(slack_api, tmp_path)  # a restart: nothing in memory, the ledger's database kept
    assert (await after.send(revision(1))).ok
    assert (await after.send(revision(0))).ok  # a re-read revision 0 is not posted twice
    await after.aclose()

    first, second = slack_api.top_level()
    assert [delivered(m) for m in slack_api.replies(first["ts"])] == ["story-1:r1"]
    assert slack_api.replies(second["ts"]) == []
    assert len(slack_api.posts()) == 3


async def test_a_post_whose_answer_was_lost_is_found_in_the_thread_not_posted_again(
    slack_api: SlackApi, tmp_path: Path
) -> None:
    first = bot(slack_api, tmp_path, channel="C0DESK", timeout="0.5s")
    assert (await first.send(revision(0))).ok
    slack_api.answer(HANG)  # Slack posts the reply, the answer never comes
    lost = await first.send(revision(1))
    assert not lost.ok and not lost.permanent and "chat.postMessage" in lost.reason
    await first.aclose()
    slack_api.answer()

    again = bot(slack_api, tmp_path, channel="C0DESK")  # the lane's retry, or a restart after a kill
    assert (await again.send(revision(1))).ok
    await again.aclose()
    [root] = slack_api.top_level()
    assert [delivered(m) for m in slack_api.replies(root["ts"])] == ["story-1:r1"]
    assert [c.method for c in slack_api.calls] == [
        "chat.postMessage",
        "chat.postMessage",
        "conversations.replies",
        "chat.update",
    ]
    assert root["edits"] == 1


async def test_a_lost_first_post_is_found_in_the_channel_history(slack_api: SlackApi, tmp_path: Path) -> None:
    channel = bot(slack_api, tmp_path, channel="C0DESK", timeout="0.5s")
    slack_api.answer(HANG)
    assert not (await channel.send(revision(0))).ok
    slack_api.answer()
    assert (await channel.send(revision(0))).ok
    assert (await channel.send(revision(1))).ok
    await channel.aclose()
    [root] = slack_api.top_level()
    assert [delivered(m) for m in slack_api.replies(root["ts"])] == ["story-1:r1"]


async def test_a_lost_answer_is_looked_for_again_after_a_rate_limit_and_reposted_if_it_cannot_be(
    slack_api: SlackApi, tmp_path: Path
) -> None:
    channel = bot(slack_api, tmp_path, channel="C0DESK", timeout="0.5s")
    assert (await channel.send(revision(0))).ok
    slack_api.answer(HANG)
    assert not (await channel.send(revision(1))).ok
    slack_api.answer(429, retry_after="3")  # the lookup is rate limited: nothing is posted yet
    limited = await channel.send(revision(1))
    assert not limited.ok and limited.retry_after == 3.0 and "conversations history" in limited.reason
    slack_api.answer("missing_scope")  # the token cannot read history: posted again, at least once
    assert (await channel.send(revision(1))).ok
    await channel.aclose()
    [root] = slack_api.top_level()
    assert [delivered(m) for m in slack_api.replies(root["ts"])] == ["story-1:r1", "story-1:r1"]
    assert [c.method for c in slack_api.calls].count("chat.postMessage") == 3


async def test_ratelimited_and_refusals_become_failed_deliveries_without_the_token(
    slack_api: SlackApi, desk: Channel
) -> None:
    slack_api.answer(429, retry_after="7")
    limited = await desk.send(revision(0))
    assert not limited.ok and limited.retry_after == 7.0 and not limited.permanent
    assert "ratelimited (HTTP 429)" in limited.reason
    slack_api.answer("channel_not_found")
    refused = await desk.send(revision(0))
    assert not refused.ok and refused.permanent and "channel_not_found" in refused.reason
    assert slack_api.TOKEN not in limited.reason + refused.reason + repr(desk) + repr(vars(desk))
    assert (await desk.send(revision(0))).ok
    assert len(slack_api.top_level()) == 1


async def test_a_burst_is_one_thread_per_story_and_a_digest_one_message(
    slack_api: SlackApi, tmp_path: Path
) -> None:
    yaml = bot_yaml(slack_api).replace("timeout: 2s", "timeout: 2s, min_interval: 10ms")
    built = build_channels(channels_config(yaml), ChannelContext({"T_BOT": slack_api.TOKEN}, tmp_path))
    desk = built.enabled["desk"]
    burst = [revision(0, story="a"), revision(0, story="b"), revision(1, story="a")]
    assert (await desk.send_batch(burst)).ok
    digest = [revision(0, story="c"), revision(0, story="d")]
    assert (await desk.send_batch(digest, digest=True)).ok
    assert (await desk.send_batch(digest, digest=True)).ok  # a re-sent digest is not posted twice
    await desk.aclose()
    a, b, d = slack_api.top_level()
    assert [delivered(m) for m in (a, b)] == ["a:r0", "b:r0"]
    assert [delivered(m) for m in slack_api.replies(a["ts"])] == ["a:r1"]
    assert delivered(d).startswith("batch-") and "digest" in text_of(d)


@pytest.mark.usefixtures("restore_logging")
@pytest.mark.parametrize(
    ("block", "line", "message"),
    [
        (
            "    token_env: T_BOT\n    channel: '#desk'\n    webhook_url_env: T_HOOK\n",
            3,
            "give webhook_url_env (incoming webhook) or token_env and channel (bot), not both",
        ),
        ("    token_env: T_BOT\n", 3, "a Slack bot needs both token_env and channel"),
        ("    channel: '#desk'\n", 3, "a Slack bot needs both token_env and channel"),
        ("    token_env: T_BOT\n    channel: 'desk'\n", 6, "channel: 'desk' is not valid"),
    ],
)
def test_a_bot_mode_mistake_is_one_file_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], block: str, line: int, message: str
) -> None:
    bad = tmp_path / "channels.yaml"
    bad.write_text(f"version: 1\nchannels:\n  - name: desk\n    type: slack\n{block}")
    assert main(["channels", "check", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"{bad}:{line}: "), err
    assert message in err[0]


async def test_the_delivery_loop_threads_honours_retry_after_and_keeps_the_map_across_a_restart(
    kafka_settings: Settings, slack_api: SlackApi
) -> None:
    config = channels_config(
        bot_yaml(slack_api, retry="retry: {max_attempts: 10, initial: 50ms, max: 200ms}\n")
    )
    env = {"T_BOT": slack_api.TOKEN}
    slack_api.answer(429, retry_after="1")
    produce(kafka_settings, [revision(0), revision(1, sources=3)])
    async with delivering(kafka_settings, config, env):
        await eventually(lambda: len(slack_api.messages) == 2, what="the story and its update")
    limited, *rest = slack_api.posts()
    assert limited.answer == 429 and rest[0].at - limited.at >= 0.95  # Retry-After: 1 was honoured

    produce(kafka_settings, [revision(2, sources=4)])
    async with delivering(kafka_settings, config, env):  # a new service over the same data dir
        await eventually(lambda: len(slack_api.messages) == 3, what="the second update")
    [root] = slack_api.top_level()
    assert [delivered(m) for m in slack_api.replies(root["ts"])] == ["story-1:r1", "story-1:r2"]
    assert "*Sources*\\n4" in text_of(root) and root["edits"] == 2


@pytest.mark.faults
def test_sigkill_while_the_first_post_is_out_then_restart_posts_each_revision_once(
    kafka_settings: Settings,
    slack_api: SlackApi,
    tmp_path: Path,
    processes: list[subprocess.Popen[bytes]],
) -> None:
    config = tmp_path / "channels.yaml"
    retry = "retry: {max_attempts: 30, initial: 50ms, max: 200ms}\n"
    config.write_text(bot_yaml(slack_api, channel="C0DESK", timeout="60s", retry=retry))
    deliverer = Deliverer(kafka_settings, config, {"T_BOT": slack_api.TOKEN}, tmp_path)
    slack_api.answer(HANG)  # Slack makes the post; the answer is still out when the kill lands
    first = deliverer.start()
    processes.append(first)
    produce(kafka_settings, [revision(0), revision(1, sources=3)])
    wait_until(lambda: len(slack_api.messages) == 1, "the first post, unanswered", first)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    slack_api.answer()

    second = deliverer.start()
    processes.append(second)
    wait_until(lambda: len(slack_api.messages) == 2, "the update after the restart", second)
    second.send_signal(signal.SIGTERM)
    assert second.wait(40) == 0, deliverer.log(2)
    [root] = slack_api.top_level()  # found in the channel's history, not posted again
    assert delivered(root) == "story-1:r0" and root["edits"] == 1
    assert [delivered(m) for m in slack_api.replies(root["ts"])] == ["story-1:r1"]
    assert "was posted before its answer was lost" in deliverer.log(2)
    assert slack_api.TOKEN not in deliverer.log(1) + deliverer.log(2)
