"""Which parsed items to publish, and what the seen-set should remember afterwards.

Called by the poll loop between parsing and publishing; reads the seen-set,
writes nothing (the poll loop commits ``Batch.records`` after the acks).

Items edited in place: an id already published whose title or summary
changed is published again with the same id, a new content hash and the next
revision (Kafka headers ``wirewatch-content-hash``, ``wirewatch-revision``),
at most ``limits.max_updates`` times per id, so a feed that keeps rewriting
an entry cannot flood the topic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ingest.identity import content_hash
from ingest.publish import Outgoing
from ingest.state import IngestState, Novelty, Record
from wirewatch.records import NewsItem


@dataclass
class Batch:
    """What one poll publishes and commits.

    ``deferred`` is set when an item was left to another feed that is
    publishing it at this very moment (the same story in two feeds).
    """

    outgoing: list[Outgoing] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    deferred: bool = False


def triage(items: Iterable[NewsItem], state: IngestState, inflight: set[str]) -> Batch:
    """Sort parsed items into publications, re-stamps of known ids, and deferrals."""
    batch = Batch()
    for item in items:
        digest = content_hash(item.title, item.summary)
        novelty, revision = state.novelty(item.id, digest)
        if novelty is Novelty.KNOWN:
            touch = state.touch(item.id)
            if touch is not None:
                batch.records.append(touch)
        elif item.id in inflight:
            batch.deferred = True
        else:
            batch.outgoing.append(Outgoing(item, digest, revision))
            batch.records.append(Record(item.id, digest, revision))
    return batch
