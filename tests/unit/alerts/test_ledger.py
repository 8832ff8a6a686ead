"""The delivery ledger (in memory here; on disk in the integration tests)."""

from __future__ import annotations

from alerts.ledger import DEAD, DIGEST, SENT, Ledger
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
