"""Parsing cost per item: the whole ingest path against a bare ``feedparser.parse``, same bytes.

    .venv/bin/python -m bench.ingest.parse [--feeds 40] [--items 20] [--rounds 5]

The ingest path is everything a fetched body goes through before the
producer: hostile-XML guard, feedparser, plain text, dates, language, ids,
seen-set triage, JSON encoding, and the SQLite commit of the seen-set (on
disk, in a temporary folder). Network and Kafka are not in it (see
``bench.ingest.polls``). Each body is new to the seen-set, as in the worst
case where every item of every poll is new. Best of ``rounds``, the two
paths taking turns.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import feedparser

from bench.ingest.corpus import rss_feed
from ingest.parse import FeedSource, parse_feed
from ingest.state import IngestState
from ingest.triage import triage

HEADERS = {"content-type": "application/rss+xml; charset=utf-8"}


def bare(bodies: list[bytes]) -> int:
    return sum(len(feedparser.parse(body).entries) for body in bodies)


def ingest_path(bodies: list[bytes], state: IngestState) -> int:
    published = 0
    now = datetime.now(UTC)
    for n, body in enumerate(bodies):
        parsed = parse_feed(body, HEADERS, FeedSource(f"f{n}", "Wire"), f"https://wire.example/{n}/rss", now)
        batch = triage(parsed.items, state, set())
        for out in batch.outgoing:
            out.item.to_bytes()
            out.headers()
        state.commit(f"f{n}", f"https://wire.example/{n}/rss", None, batch.records)
        published += len(batch.outgoing)
    return published


def best_of(rounds: int, **paths) -> dict[str, tuple[float, int]]:  # type: ignore[no-untyped-def]
    """Best time and result of each path, the paths taking turns so load on the machine hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in paths}
    results: dict[str, int] = {}
    for r in range(rounds):
        for name, fn in paths.items():
            started = time.perf_counter()
            results[name] = fn(r)
            times[name].append(time.perf_counter() - started)
    return {name: (min(times[name]), results[name]) for name in paths}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--feeds", type=int, default=40)
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    bodies = [rss_feed(f, 0, args.items) for f in range(args.feeds)]
    total_bytes = sum(map(len, bodies))

    with tempfile.TemporaryDirectory() as tmp:

        def run(r: int) -> int:  # a fresh seen-set each round: every item is new
            state = IngestState(Path(tmp) / f"state-{r}.sqlite3")
            try:
                return ingest_path(bodies, state)
            finally:
                state.close()

        timed = best_of(args.rounds, bare=lambda r: bare(bodies), ingest=run)
    (t_bare, n_bare), (t_ingest, n_ingest) = timed["bare"], timed["ingest"]
    assert n_bare == n_ingest == args.feeds * args.items, (n_bare, n_ingest)

    per_bare = t_bare / n_bare * 1e6
    per_ingest = t_ingest / n_ingest * 1e6
    size = f"{total_bytes / 1024:.0f} KiB"
    print(f"{args.feeds} RSS 2.0 feeds x {args.items} items ({size}), best of {args.rounds}\n")
    print("| path | µs / item | items / s | ratio to bare parse |")
    print("|---|---:|---:|---:|")
    print(f"| bare `feedparser.parse(bytes)` | {per_bare:.0f} | {n_bare / t_bare:,.0f} | 1.00× |")
    print(
        f"| whole ingest path (guard, parse, text, lang, id, triage, JSON, SQLite commit) "
        f"| {per_ingest:.0f} | {n_ingest / t_ingest:,.0f} | {t_ingest / t_bare:.2f}× |"
    )


if __name__ == "__main__":
    main()
