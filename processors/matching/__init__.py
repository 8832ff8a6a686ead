"""The pure matching engine: watchlist in, ``Engine.evaluate(text) -> Decision`` out.

Imports no Kafka, faust, HTTP or feed library, so it is testable and
benchmarkable on its own.
"""

from processors.matching.decision import Decision, Match, RuleHit
from processors.matching.engine import Engine

__all__ = ["Decision", "Engine", "Match", "RuleHit"]
