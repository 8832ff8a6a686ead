"""The processor's stream stages: match, story and surge, each a small class with its state.

A stage owns its table, its metrics and its dead-letter path; the faust app
(``processors/stream/app.py``) only declares topics and tables and hands
each agent's events to its stage.
"""

from processors.stream.stages.base import AlertSink, DeadLetters, Progress, Stage
from processors.stream.stages.match import MatchStage
from processors.stream.stages.story import StoryStage
from processors.stream.stages.surge import SurgeStage

__all__ = ["AlertSink", "DeadLetters", "MatchStage", "Progress", "Stage", "StoryStage", "SurgeStage"]
