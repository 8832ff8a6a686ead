"""The delivery ledger (in memory here; on disk in the integration tests)."""

from __future__ import annotations

from pathlib import Path

from alerts.ledger import DEAD, DIGEST, SENT, Ledger, Post, Thread, Threads
from alerts.samples import sample_alert


def test_statuses_and_digest_queue() -> None:
    ledger = Ledger(":memory:")
    a, b, c = (sample_alert(n) for n in range(3))
    assert ledger.status(a.alert_id, "ops") is None
    ledger.mark_sent([a], "ops")
    assert ledger.status(a.alert_id, "ops") == SENT
    assert ledger.status(a.alert_id, "mail") is None

    assert ledger.enqueue_digest("mail", b) is True
    assert ledger.enqueue_digest("mail", b) is False  # once only
    assert ledger.enqueue_digest("mail", c) is True
    assert ledger.status(b.alert_id, "mail") == DIGEST
    assert [x.alert_id for x in ledger.digest_pending("mail")] == [b.alert_id, c.alert_id]

    ledger.mark_sent([b], "mail")
    ledger.mark_dead([c], "mail", "HTTP 500", 8)
    assert ledger.digest_pending("mail") == []
    assert ledger.status(c.alert_id, "mail") == DEAD
    assert ledger.dead_counts() == {"mail": 1}
    assert ledger.enqueue_digest("mail", c) is False  # settled alerts are not queued again

    ledger.mark_sent([c], "mail")  # a replay
    assert ledger.dead_counts() == {}


def test_last_flush() -> None:
    ledger = Ledger(":memory:")
    assert ledger.last_flush("mail") is None
    ledger.set_last_flush("mail", 1000.0)
    ledger.set_last_flush("mail", 1900.0)
    assert ledger.last_flush("mail") == 1900.0


def test_threads_keep_the_first_message_and_the_post_journal(tmp_path: Path) -> None:
    threads = Threads.of(tmp_path)
    assert not (tmp_path / "deliver").exists()  # nothing is written until it is used
    assert threads.thread("desk", "s1") is None and threads.post("desk", "a1") is None
    threads.asking("desk", "a1")
    asked = threads.post("desk", "a1")
    assert asked is not None and not asked.answered
    threads.answered("desk", "a1", "1.5", "s1", Thread(root="1.5", place="C1"))
    assert threads.post("desk", "a1") == Post(asked.asked_at, "1.5")
    assert threads.thread("desk", "s1") == Thread(root="1.5", place="C1")
    assert threads.thread("mail", "s1") is None and threads.place("desk") == "C1"
    threads.set_header_rev("desk", "s1", 3)
    threads.close()

    again = Threads.of(tmp_path)  # another connection, as after a restart
    assert again.thread("desk", "s1") == Thread(root="1.5", place="C1", header_rev=3)
    again.set_thread("mail", "s1", Thread(root="<story-x@example.org>", subject="HIGH: x"))
    assert again.thread("mail", "s1") == Thread(root="<story-x@example.org>", subject="HIGH: x")
    again.close()
    ledger = Ledger.open(tmp_path)  # the ledger's own tables are untouched beside them
    assert ledger.status("a1", "desk") is None
    ledger.close()
