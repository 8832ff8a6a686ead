"""Logging set-up shared by every service: one line per record, service-prefixed."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable

#: The levels ``WIREWATCH_LOG_LEVEL`` names (logging's others, CRITICAL or WARN, work too).
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

#: Loggers of the client libraries, whose failures repeat in floods during an outage.
LIBRARIES = ("kafka", "aiokafka", "faust", "mode", "httpx", "httpcore")


class RepeatFilter(logging.Filter):
    """Lets ``burst`` records of one kind through per ``window_s``, then counts the rest.

    A kind is (logger, level, message template): aiokafka logs the same
    connection error thousands of times while a broker is down. The first
    record of the next window says how many were held back, so nothing is
    silently lost. Records of loggers outside ``prefixes`` always pass.
    """

    def __init__(
        self,
        prefixes: tuple[str, ...] = LIBRARIES,
        burst: int = 5,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        super().__init__()
        self.prefixes, self.burst, self.window_s, self.clock = prefixes, burst, window_s, clock
        self._kinds: dict[tuple[str, int, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self.prefixes):
            return True
        kind = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        with self._lock:
            started, count = self._kinds.get(kind, (now, 0))
            if now - started >= self.window_s:
                held = count - self.burst
                if held > 0:
                    record.msg = (
                        f"{record.msg} [{held} more like this held back in the last {self.window_s:g} s]"
                    )
                started, count = now, 0
            if len(self._kinds) >= 10_000:
                self._kinds.clear()
            self._kinds[kind] = (started, count + 1)
        return count < self.burst


#: Kafka client libraries: below ERROR their records stay off the console unless the level is DEBUG.
KAFKA_CLIENTS = ("kafka", "aiokafka")

#: Library ERROR records that a healthy start produces, by (logger, message template): the class
#: names of the error argument that make one benign. aiokafka's group coordinator lookup fails
#: with GroupCoordinatorNotAvailableError while a new broker is still creating its offsets topic,
#: and retries until it is there; any other error of that lookup stays an ERROR.
BENIGN_ERRORS: dict[tuple[str, str], tuple[str, ...]] = {
    ("aiokafka.consumer.group_coordinator", "Group Coordinator Request failed: %s"): (
        "GroupCoordinatorNotAvailableError",
    ),
}


class KafkaClientNoise(logging.Filter):
    """Keeps the Kafka clients' WARNING and INFO records off the console, counted in ``held``.

    A refused connection is logged again at each reconnect, and a broker that is
    away is already told in one line by ``wirewatch.kafka_probe``; their ERROR
    records still pass (through ``RepeatFilter``), except the ``BENIGN_ERRORS``,
    which are demoted to WARNING first. With ``show_below_error`` (level DEBUG)
    everything passes, the benign errors as warnings.
    """

    def __init__(self, show_below_error: bool = False, prefixes: tuple[str, ...] = KAFKA_CLIENTS):
        super().__init__()
        self.show_below_error, self.prefixes = show_below_error, prefixes
        #: records kept off the console, by (library, level name)
        self.held: Counter[tuple[str, str]] = Counter()

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self.prefixes):
            return True
        if record.levelno >= logging.ERROR and _benign(record):
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        if record.levelno >= logging.ERROR or self.show_below_error:
            return True
        self.held[(record.name.partition(".")[0], record.levelname)] += 1
        return False


def _benign(record: logging.LogRecord) -> bool:
    names = BENIGN_ERRORS.get((record.name, str(record.msg)), ())
    args = record.args if isinstance(record.args, tuple) else ()
    return bool(args) and type(args[0]).__name__ in names


def known_level(name: str) -> bool:
    """Whether ``logging`` has a level called ``name``, in any case (``setup_logging`` takes it)."""
    return isinstance(logging.getLevelName(name.upper()), int)


def setup_logging(service: str, level: str = "INFO") -> None:
    """Route ``logging`` to stderr as ``time level service logger: message``.

    Called once by each CLI command before it starts work.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter(f"%(asctime)s %(levelname)-7s {service} %(name)s: %(message)s", "%H:%M:%S")
    )
    root = logging.getLogger()
    root.setLevel(level.upper())
    handler.addFilter(KafkaClientNoise(show_below_error=root.level <= logging.DEBUG))
    handler.addFilter(RepeatFilter())
    root.handlers[:] = [handler]
    # Client libraries are chatty at INFO (every connect, every rebalance step):
    # they speak at WARNING unless the level is DEBUG, when their INFO shows too.
    quiet = logging.INFO if root.level <= logging.DEBUG else max(logging.WARNING, root.level)
    for noisy in ("kafka", "aiokafka", "faust", "mode", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(quiet)
