"""The faust side of the processor: the matching engine run on the item stream.

``candidates``, ``stories``, ``surge`` and ``dedup`` are pure (state in, state
and alerts out) so they are unit-tested without Kafka; ``app`` wires them to
faust agents and changelog-backed tables; ``worker`` runs it.
"""
