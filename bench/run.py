"""Every benchmark, one after another (``make bench``); each prints its own markdown tables.

Run: ``.venv/bin/python -m bench.run [name ...]`` — names as in ``BENCHES``
(default: all, about 15 minutes on the reference machine). Each benchmark runs
in its own process so one's caches, threads and brokers never colour the
next one's figures. Paste what they print into BENCHMARKS.md.
"""

from __future__ import annotations

import subprocess
import sys
import time

#: name -> module, in the order BENCHMARKS.md presents them
BENCHES = {
    "matching": "bench.matching.throughput",
    "matching-quality": "bench.matching.quality",
    "ingest-parse": "bench.ingest.parse",
    "ingest-polls": "bench.ingest.polls",
    "processor": "bench.stream.processor",
    "stories": "bench.stream.stories",
    "delivery": "bench.alerts.delivery",
    "scrape": "bench.observability.scrape",
    "pipeline": "bench.pipeline.run",
}


def main(names: list[str]) -> int:
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHES)}", file=sys.stderr
        )
        return 2
    failed = []
    for name in names or list(BENCHES):
        print(f"\n# {name} ({BENCHES[name]})\n", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, "-m", BENCHES[name]])
        print(f"\n({name}: {time.monotonic() - started:.0f} s, exit {code})", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
