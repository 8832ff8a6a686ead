"""``watchlist diff`` speed against ``wirewatch backtest`` on the same items, in one run.

1. A private broker; the demo watchlist, and the same with one region added.
2. ``--items`` wire-sized items (title + ~60-word summary, FR/EN) on the items topic.
3. Alternating rounds: ``run_backtest`` with the demo watchlist (the baseline), then
   ``diff_stored`` of the two watchlists, over the same stored items; best round of each.
4. Apply to live: one, then two ``wirewatch process`` workers; a version applied with
   ``apply_version`` until every worker's status names it (``live_workers``).

Run: ``.venv/bin/python -m bench.stream.watchlist_diff [--items 5000] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.harness import private_broker, start_service, wait_for
from bench.stream.processor import make_items, produce
from processors.backtest import run_backtest
from processors.matching import Engine
from processors.watchlist_diff import diff_stored
from wirewatch.settings import Settings
from wirewatch.topics import Topics, ensure_topics
from wirewatch.watchlist import parse_watchlist
from wirewatch.watchlist_versions import apply_version, live_version, live_workers

REPO = Path(__file__).resolve().parents[2]
DEMO = (REPO / "config" / "watchlist.yaml").read_text(encoding="utf-8")
#: The change under test: one more region, so the diff has alerts to add.
ADDED = "regions:\n  - name: Al-Bab\n    country: SY\n"


def changed_watchlist() -> str:
    assert "\nregions:\n" in DEMO
    return DEMO.replace("\nregions:\n", "\n" + ADDED, 1)


def time_to_live(settings: Settings, text: str, workers: int) -> float:
    """Seconds from calling ``apply_version`` to every one of ``workers`` reporting the version."""
    version = parse_watchlist(text).content_hash
    live = live_version(settings)
    started = time.perf_counter()
    apply_version(settings, text, "bench", "time to live", live.version if live else None)

    def on_all() -> bool:
        return sum(1 for w in live_workers(settings) if w.version == version) >= workers

    assert wait_for(on_all, 60, every_s=0.05), "the workers did not report the new version"
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    before_text, after_text = DEMO, changed_watchlist()
    before = Engine.build(parse_watchlist(before_text))
    after = Engine.build(parse_watchlist(after_text))
    places = ["Al-Bab", "Homs", "Idlib", "Idleb", "Hama", "Alep", "Damas", "Saraqeb"]
    items = make_items(args.items, places, words=60)
    with private_broker() as (bootstrap, tmp):
        settings = Settings(
            kafka_bootstrap=bootstrap, topic_prefix="bench", partitions=3, data_dir=tmp / "var"
        )
        topics = Topics.from_settings(settings)
        ensure_topics(bootstrap, settings)
        produce(bootstrap, topics.items, items)
        since = datetime.now(UTC) - timedelta(hours=1)
        backtest_s, diff_s = [], []
        for _ in range(args.rounds):
            t = time.perf_counter()
            report = run_backtest(settings, bootstrap, topics.items, before, since)
            backtest_s.append(time.perf_counter() - t)
            t = time.perf_counter()
            result = diff_stored(settings, bootstrap, topics.items, before, after, since, 10**9, 10**6)
            diff_s.append(time.perf_counter() - t)
        assert report.items == result.items == args.items
        b, d = args.items / min(backtest_s), args.items / min(diff_s)
        counts = result.counts()
        print(
            f"items: {args.items} (alerts before {result.alerts_before}, after {result.alerts_after}; "
            f"{counts['added']} added, {counts['removed']} removed, {counts['changed']} changed)"
        )
        print(f"backtest (one watchlist, baseline): {b:,.0f} items/s (best of {args.rounds})")
        print(f"watchlist diff (two watchlists):    {d:,.0f} items/s (best of {args.rounds})")
        print(f"diff / backtest: {d / b:.2f}")

        env = {
            "WIREWATCH_KAFKA_BOOTSTRAP": bootstrap,
            "WIREWATCH_TOPIC_PREFIX": "bench",
            "WIREWATCH_PARTITIONS": "3",
        }
        wl_file = tmp / "watchlist.yaml"
        wl_file.write_text(before_text, encoding="utf-8")
        workers = []
        try:
            for n in (1, 2):
                workers.append(
                    start_service(
                        ["process", "--watchlist", str(wl_file)],
                        {**env, "WIREWATCH_DATA_DIR": str(tmp / f"w{n}")},
                        tmp / f"worker{n}.log",
                        "WIREWATCH_PROCESS_METRICS_PORT",
                    )
                )
                assert wait_for(lambda n=n: len(live_workers(settings)) >= n, 120), "a worker did not start"
                runs = []
                for text in (after_text, before_text, after_text, before_text):
                    runs.append(time_to_live(settings, text, n))
                print(
                    f"apply to live on {n} worker(s): best {min(runs):.2f} s, worst {max(runs):.2f} s "
                    f"({len(runs)} applies)"
                )
        finally:
            for w in workers:
                w.stop()


if __name__ == "__main__":
    main()
