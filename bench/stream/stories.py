"""The story stage on its own: cost per candidate, state per open story, stories told.

A synthetic conflict stream: events at the demo watchlist's places,
each reported by one to four outlets in French and English, with tolls that
rise, and the next event often in the same governorate by the same outlet.
Its reports are templated, so it measures cost, not grouping quality: that
is what the labelled sets of tests/unit/stream/test_grouping_eval.py judge.
Every report goes through the engine (``candidate_for``, which computes the
grouping signature) and then ``StoryStore.apply`` on a plain dict, so the
figures are the stage's own work, not Kafka's.

``--baseline DIR`` runs the same stream through the checkout in DIR (an
older commit, e.g. ``git worktree add /tmp/base <commit>``) in a subprocess
of the same sitting, and prints both with their ratio: these machines are
noisy, so only same-run ratios compare.

Run: ``.venv/bin/python -m bench.stream.stories [--reports N] [--baseline DIR]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

PLACES = [
    ("Idlib", ["Saraqib", "Ariha", "Sarmin", "Binnish", "Maarat al-Numan"]),
    ("Aleppo", ["Atarib", "Anadan", "Hayan", "Tal Rifaat"]),
    ("Hama", ["Kafr Zita", "Latamina", "Morek", "Suran"]),
    ("Daraa", ["Tafas", "Nawa", "Inkhil", "Busra al-Harir"]),
    ("Deir ez-Zor", ["Mayadin", "Abu Kamal", "Hajin", "Busayrah"]),
]
OUTLETS = [("AFP", "fr"), ("Reuters", "en"), ("AP", "en"), ("RFI", "fr"), ("BBC", "en")]
TARGETS = {"en": ["a market", "a hospital"], "fr": ["un marché", "un hôpital"]}


def report(place: str, town: str, lang: str, toll: int, target: str) -> tuple[str, str]:
    """(title, summary) of one report of one event."""
    if lang == "fr":
        title = f"Syrie : frappes aériennes sur {town}, dans la province de {place}"
        summary = f"Des frappes aériennes ont visé {target} à {town}, tuant au moins {toll} personnes."
    else:
        title = f"Air strikes hit {target} in {town}, {place} province"
        summary = f"Air strikes on {town} killed at least {toll} people, rescue workers said."
    return title, summary


def stream(n_reports: int, per_day: int, seed: int = 7) -> list[dict[str, Any]]:
    """About ``n_reports`` reports of ``per_day`` distinct events a day, in publication order."""
    rng = random.Random(seed)
    start = datetime(2026, 3, 2, 6, tzinfo=UTC)
    out: list[dict[str, Any]] = []
    event = 0
    while len(out) < n_reports:
        event += 1
        place, towns = rng.choice(PLACES)
        town = rng.choice(towns)
        at = start + timedelta(days=event / per_day, minutes=rng.uniform(-60, 60))
        toll = rng.randint(2, 30)
        target = rng.randrange(2)
        for n, (outlet, lang) in enumerate(rng.sample(OUTLETS, rng.randint(1, 4))):
            published = at + timedelta(minutes=n * rng.uniform(5, 40))
            title, summary = report(place, town, lang, toll + n * rng.randint(0, 3), TARGETS[lang][target])
            out.append(
                {
                    "id": f"e{event}-{outlet}",
                    "feed": outlet.lower(),
                    "source": outlet,
                    "title": title,
                    "summary": summary,
                    "lang": lang,
                    "published_at": published.isoformat(),
                    "fetched_at": (published + timedelta(minutes=3)).isoformat(),
                }
            )
    return sorted(out, key=lambda r: r["published_at"])[:n_reports]


def measure(n_reports: int, per_day: int) -> dict[str, float]:
    """Run the stream through this checkout's engine and story store; return the figures."""
    import wirewatch
    from processors.matching import Engine
    from processors.stream.candidates import candidate_for
    from processors.stream.stories import StoryStore
    from wirewatch.records import NewsItem
    from wirewatch.watchlist import load_watchlist

    # the watchlist of the checkout being measured: an older one may not read today's keys
    checkout = Path(wirewatch.__file__).resolve().parents[1]
    engine = Engine.build(load_watchlist(checkout / "config" / "watchlist.yaml"))
    items = [NewsItem.model_validate(r) for r in stream(n_reports, per_day)]
    t0 = time.perf_counter()
    candidates = [c for i in items if (c := candidate_for(i, engine.evaluate(i.text, i.lang), "v"))]
    matched_s = time.perf_counter() - t0
    try:
        from processors.stream.grouping import GroupingPolicy

        policy: Any = GroupingPolicy()
    except ImportError:  # a checkout from before event grouping
        policy = timedelta(hours=6)
    tables: dict[str, dict[str, Any]] = {}
    told: list[Any] = []
    t0 = time.perf_counter()
    for offset, c in enumerate(candidates):
        alert = StoryStore(tables.setdefault(c.rule, {}), policy).apply(c, offset)
        if alert is not None:
            told.append(alert)
    apply_s = time.perf_counter() - t0
    stories = [v for table in tables.values() for k, v in table.items() if k.startswith("story|")]
    return {
        "candidates": len(candidates),
        "match_us": 1e6 * matched_s / max(1, len(items)),
        "apply_us": 1e6 * apply_s / max(1, len(candidates)),
        "alerts": len(told),
        "open_stories": len(stories),
        "bytes_per_story": sum(len(json.dumps(s)) for s in stories) / max(1, len(stories)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=4000)
    parser.add_argument("--per-day", type=int, default=150, help="distinct events a day")
    parser.add_argument("--baseline", type=Path, help="an older checkout to measure in the same sitting")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()
    if args.json:
        print(json.dumps(measure(args.reports, args.per_day)))
        return 0
    runs = {"this checkout": measure(args.reports, args.per_day)}
    if args.baseline:
        env = {**os.environ, "PYTHONPATH": str(args.baseline)}
        command = [sys.executable, str(Path(__file__)), "--json", "--reports", str(args.reports)]
        command += ["--per-day", str(args.per_day)]
        out = subprocess.run(command, env=env, cwd=args.baseline, capture_output=True, text=True, check=True)
        runs = {"baseline": json.loads(out.stdout.strip().splitlines()[-1]), **runs}
    print(f"{args.reports} reports of {args.per_day} events a day (bench/stream/stories.py)\n")
    print("| | candidates | match+signature µs/item | story stage µs/candidate | alerts |", end="")
    print(" open stories | bytes/story |")
    print("|---|---|---|---|---|---|---|")
    for name, r in runs.items():
        print(
            f"| {name} | {r['candidates']} | {r['match_us']:.0f} | {r['apply_us']:.0f} | {r['alerts']} "
            f"| {r['open_stories']} | {r['bytes_per_story']:.0f} |"
        )
    if args.baseline:
        base, new = runs["baseline"], runs["this checkout"]
        print(
            f"\nratios this/baseline: match+signature {new['match_us'] / base['match_us']:.2f}, "
            f"story stage {new['apply_us'] / base['apply_us']:.2f}, "
            f"bytes/story {new['bytes_per_story'] / base['bytes_per_story']:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
