"""Whether a report joins an open story: one story per real-world event.

A report (candidate) may join a story of its rule that shares an escalation
family and a region (or, when neither names a region, an actor), inside the
story's time limits: no longer idle than ``idle_gap`` since its last report
(a report that names the same day and place may still join up to
``max_span``), and never more than ``max_span`` after its first report.

Then what the reports say decides (``assess``). It is a *contradiction*, and
a new story, when both name specific places and none is the same (another
town in the same governorate), both name what was hit and it differs (a
market, a hospital), both name the day and the days differ, or the report
tells a renewed attack ("renewed shelling", "de nouveau") on a later day
than the story's first report. Otherwise
the evidence adds up: shared specific places, the same target, the same
day, the same toll, a shared actor, text similarity within one language
(outlets share names across languages, not words), closeness in time. A
report joins when the evidence reaches ``join_score``; a new report of an
outlet the story already has needs ``same_source_score`` and, in the same
language, text similar to the story's (a rewrite of its own report): an
outlet often files the next event in the same place, not the same event
twice in other words. Everything here is a pure function of its inputs, so the
same reports in the same order give the same stories.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from processors.stream.signature import PLACE_MEMORY, Signature, place_key, same_place

if TYPE_CHECKING:
    from processors.stream.candidates import Candidate
    from processors.stream.stories import Story
    from wirewatch.settings import Settings


@dataclass(frozen=True)
class GroupingPolicy:
    """How reports are grouped into stories; from Settings in the worker (``story_*``)."""

    #: a story takes no report more than this after its last one (unless day and place match)
    idle_gap: timedelta = timedelta(hours=6)
    #: a story never spans more than this from its first report
    max_span: timedelta = timedelta(hours=36)
    #: same-language fingerprint similarity (Jaccard) that counts in full as evidence
    text_similarity: float = 0.4
    #: evidence a report of a new outlet needs to join
    join_score: float = 0.5
    #: evidence a new report of an outlet already in the story needs to join
    same_source_score: float = 0.8


def grouping_policy(settings: Settings) -> GroupingPolicy:
    """The policy the settings describe (``WIREWATCH_STORY_*``)."""
    return GroupingPolicy(
        idle_gap=timedelta(hours=settings.story_idle_gap_hours),
        max_span=timedelta(hours=settings.story_max_span_hours),
        text_similarity=settings.story_text_similarity,
        join_score=settings.story_join_score,
        same_source_score=settings.story_same_source_score,
    )


@dataclass(frozen=True)
class Verdict:
    """``assess``'s answer: join or not, the evidence score, and why in words."""

    join: bool
    score: float
    reason: str


def assess(story: Story, c: Candidate, policy: GroupingPolicy) -> Verdict:
    """Whether candidate ``c`` reports the event of ``story``, and why."""
    sig = c.signature
    at, first = c.at, story.first
    since_last = abs(at - story.last)
    if at - first > policy.max_span or first - at > policy.max_span:
        return Verdict(False, 0.0, f"beyond the story's longest span ({_hours(policy.max_span)})")
    late = since_last > policy.idle_gap
    if late and not set(sig.dates) & set(story.dates):
        return Verdict(False, 0.0, f"idle for {_hours(since_last)} with no shared day and place")
    story_places, report_places = _specific(story.places, story.broad, sig)
    shared_places = _shared(story_places, report_places)
    contradiction = _contradiction(story, c, story_places, report_places, shared_places)
    if contradiction:
        return Verdict(False, 0.0, contradiction)
    similarity = _text_similarity(story, c)
    score, evidence = _evidence(story, c, policy, similarity, story_places, report_places, shared_places)
    if late and not (shared_places and set(sig.dates) & set(story.dates)):
        return Verdict(False, score, f"idle for {_hours(since_last)} with no shared day and place")
    same_source = c.item.source in story.sources
    needed = policy.same_source_score if same_source else policy.join_score
    said = "; ".join(evidence) or "nothing specific in common"
    rewritten = similarity is None or similarity >= policy.text_similarity
    if score < needed or (same_source and not rewritten):
        who = f"a new report of {c.item.source}" if same_source else "a report"
        return Verdict(False, score, f"too little in common for {who} ({said}: {score:.2f} < {needed:.2f})")
    return Verdict(True, score, f"same event: {said}")


def _specific(story_places: list[str], story_broad: list[str], sig: Signature) -> tuple[list[str], list[str]]:
    """Both sides' places less those either names as a province; all of them when a side has none left.

    Only places both sides name finely can contradict each other ("Saraqib" and
    "Ariha" in Idlib province); a report that names only the province is compared
    on every place.
    """
    broad = (*story_broad, *sig.broad)
    a, b = _narrow(tuple(story_places), broad), _narrow(tuple(sig.places), broad)
    if not a or not b:
        return story_places, sig.places
    return list(a), list(b)


@lru_cache(maxsize=PLACE_MEMORY)
def _narrow(places: tuple[str, ...], broad: tuple[str, ...]) -> tuple[str, ...]:
    """``places`` less those ``broad`` names (memoised: a story meets the same places again and again)."""
    keys = [place_key(p) for p in broad]
    return tuple(p for p in places if not any(same_place(place_key(p), k) for k in keys))


def _shared(a: list[str], b: list[str]) -> list[str]:
    return list(_shared_places(tuple(a), tuple(b)))


@lru_cache(maxsize=PLACE_MEMORY)
def _shared_places(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    keys = [place_key(p) for p in a]
    return tuple(p for p in b if any(same_place(place_key(p), k) for k in keys))


def _contradiction(
    story: Story, c: Candidate, story_places: list[str], report_places: list[str], shared: list[str]
) -> str | None:
    sig = c.signature
    if sig.follow_up and c.at.date() > story.first.date():
        return f"a renewed attack, told on a later day than the story's first report ({story.first:%Y-%m-%d})"
    if story_places and report_places and not shared:
        return f"another place ({', '.join(report_places)}; the story: {', '.join(story_places)})"
    if story.targets and sig.targets and not set(story.targets) & set(sig.targets):
        return f"another target ({', '.join(sig.targets)}; the story: {', '.join(story.targets)})"
    if story.dates and sig.dates and not set(story.dates) & set(sig.dates):
        return f"another day ({', '.join(sig.dates)}; the story: {', '.join(story.dates)})"
    return None


def _evidence(
    story: Story,
    c: Candidate,
    policy: GroupingPolicy,
    similarity: float | None,
    story_places: list[str],
    report_places: list[str],
    shared: list[str],
) -> tuple[float, list[str]]:
    sig = c.signature
    score, said = 0.0, []
    if shared:
        union = len(story_places) + len(report_places) - len(shared)
        score += 0.3 + 0.3 * len(shared) / max(1, union)
        said.append(f"places {', '.join(shared)}")
    if set(story.targets) & set(sig.targets):
        score += 0.25
        said.append(", ".join(sorted(set(story.targets) & set(sig.targets))))
    if set(story.dates) & set(sig.dates):
        score += 0.25
        said.append(f"day {min(set(story.dates) & set(sig.dates))}")
    if story.toll is not None and sig.toll is not None:
        if sig.toll == story.toll:
            score += 0.15
        said.append(f"{story.toll}→{sig.toll} killed" if sig.toll != story.toll else f"{sig.toll} killed")
    if set(story.actors) & set(c.actors):
        score += 0.1
    if not (story.places or story.targets or story.dates or sig.places or sig.targets or sig.dates):
        score += 0.2  # neither names anything that could tell two events apart
    if similarity is not None:
        score += 0.6 * min(1.0, similarity / policy.text_similarity)
        said.append(f"text similarity {similarity:.2f}")
    gap = abs(c.at - story.last)
    score += 0.2 if gap <= timedelta(hours=1) else 0.1 if gap <= timedelta(hours=3) else 0.0
    return round(score, 4), said


def _text_similarity(story: Story, c: Candidate) -> float | None:
    """Best Jaccard similarity with the story's reports in the candidate's language, if any."""
    tokens = _token_set(c.signature.tokens)
    best = None
    for lang, other in story.print_sets:
        if lang is None or lang != c.item.lang or not tokens or not other:
            continue
        shared = len(tokens & other)
        similarity = shared / (len(tokens) + len(other) - shared)
        best = similarity if best is None else max(best, similarity)
    return best


#: The last candidate's tokens and their set: a candidate meets up to ``MAX_COMPARED`` stories.
_last_tokens: tuple[list[int], frozenset[int]] = ([], frozenset())


def _token_set(tokens: list[int]) -> frozenset[int]:
    global _last_tokens
    if _last_tokens[0] is not tokens:
        _last_tokens = (tokens, frozenset(tokens))
    return _last_tokens[1]


def news(story: Story, c: Candidate) -> list[str]:
    """What candidate ``c`` tells that ``story`` did not know (empty: nothing worth a push)."""
    said = []
    new_source = c.item.source not in story.sources
    if new_source:
        lang = f" ({c.item.lang})" if c.item.lang else ""
        said.append(f"{len(story.sources) + 1} sources")
        said.append(f"new: {c.item.source}{lang}")
    elif c.item.lang and c.item.lang not in story.langs:
        said.append(f"new language: {c.item.lang}")
    toll = c.signature.toll
    if toll is not None and (story.toll is None or toll > story.toll):
        said.append(f"toll {story.toll} → {toll}" if story.toll is not None else f"toll {toll}")
    places = new_places(story.places, c.signature.places)
    if places:
        said.append(f"new place: {', '.join(places)}")
    actors = [a for a in c.actors if a not in story.actors]
    if actors:
        said.append(f"new actor: {', '.join(actors)}")
    families = [f for f in c.families if f not in story.escalations]
    if families:
        said.append(f"new: {', '.join(families)}")
    return said


def new_places(known: Iterable[str], told: Iterable[str]) -> list[str]:
    """The places of ``told`` that no spelling in ``known`` names."""
    keys = [place_key(k) for k in known]
    return [t for t in told if not any(same_place(place_key(t), k) for k in keys)]


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} h"
