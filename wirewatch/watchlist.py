"""The watchlist (``config/watchlist.yaml``, version 1): what analysts watch for.

Read by ``wirewatch watchlist check|apply``, ``wirewatch try`` and the stream
processor (which receives the YAML text over the compacted watchlist topic).
``load_watchlist`` / ``parse_watchlist`` return a complete, frozen
``Watchlist`` or raise ``ConfigError`` listing every ``file:line: message``.
The matching engine (``processors.matching``) builds its indexes from it.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from wirewatch.configfile import YamlDocument, load_model, parse_yaml, read_yaml
from wirewatch.errors import Issue
from wirewatch.records import Severity

#: Fuzzy score (0–100) a variant must reach when an entry sets no ``threshold``.
DEFAULT_THRESHOLD = 88.0

#: The rule that applies when a watchlist declares none (see DESIGN.md).
DEFAULT_RULE = "default"

Any_ = Literal["any"]

#: Where a rule's escalation and its actor or region must meet: one sentence, one paragraph
#: (text between blank lines) or anywhere in the item.
Within = Literal["sentence", "paragraph", "item"]

#: The scope of the default rule, and of a declared rule that gives no ``within``.
DEFAULT_WITHIN: Within = "paragraph"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _strip_all(values: list[str]) -> list[str]:
    return [v.strip() for v in values]


class _Entity(_Model):
    name: str = Field(min_length=1, description="canonical name shown in alerts")
    aliases: list[str] = Field(
        default=[], description="other spellings, translations, adjectives (Idleb, russe, Moscow…)"
    )
    tags: list[str] = Field(default=[], description="labels a rule's when can name instead of each entry")
    threshold: float | None = Field(
        default=None, ge=50, le=100, description="fuzzy score a variant must reach (default 88)"
    )
    exact: bool = Field(default=False, description="match listed spellings only, no variants")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, values: list[str]) -> list[str]:
        if any(not v.strip() for v in values):
            raise ValueError("an alias is empty")
        return _strip_all(values)

    @property
    def spellings(self) -> tuple[str, ...]:
        """The canonical name then every alias, in file order, without repeats."""
        return tuple(dict.fromkeys([self.name, *self.aliases]))


class Actor(_Entity):
    """A person, group, state or organisation to watch."""

    kind: str | None = Field(default=None, description="free label: person, group, state, org…")
    country: str | None = Field(
        default=None, description="ISO 3166 alpha-2 code; tells apart two actors with one name"
    )


class Region(_Entity):
    """A place to watch: country, governorate, city…"""

    country: str | None = Field(default=None, description="ISO 3166 alpha-2 code")
    stands_for: str | None = Field(
        default=None,
        description="actor this place names when it speaks (a capital for its government): "
        "'Damascus denied…' is that actor, not the city",
    )


class Terms(_Model):
    """Escalation phrases per language; each applies to items of any language."""

    en: list[str] = Field(default=[], description="English phrases; `*` stands for up to three words")
    fr: list[str] = Field(default=[], description="French phrases; `*` stands for up to three words")

    def all(self) -> tuple[str, ...]:
        """Every term, English first, without repeats."""
        return tuple(dict.fromkeys([*self.en, *self.fr]))


class Escalation(_Model):
    """A family of escalation signals (``air strike``) and the phrases that say it."""

    name: str = Field(min_length=1, description="canonical name shown in alerts (air strike)")
    severity: Severity = Field(default="medium", description="severity of an alert it raises")
    terms: Terms = Field(description="the phrases that say it, per language")
    tags: list[str] = Field(default=[], description="labels a rule's when can name instead of each entry")


class When(_Model):
    """What an item must mention for a rule to fire: every key given must hold.

    Each key is ``any`` (at least one) or a list of canonical names or tags
    (at least one of them).
    """

    escalations: Any_ | list[str] | None = Field(
        default=None, description="`any`, or names or tags of escalations, one of which must be mentioned"
    )
    actors: Any_ | list[str] | None = Field(
        default=None, description="`any`, or names or tags of actors, one of which must be mentioned"
    )
    regions: Any_ | list[str] | None = Field(
        default=None, description="`any`, or names or tags of regions, one of which must be mentioned"
    )

    def conditions(self) -> Iterator[tuple[str, Any_ | list[str]]]:
        """``(section, wanted)`` for each key that is set."""
        for section in ("escalations", "actors", "regions"):
            wanted = getattr(self, section)
            if wanted is not None:
                yield section, wanted


class Rule(_Model):
    """A named condition that raises an alert and says where it goes."""

    name: str = Field(min_length=1, description="shown in alerts; `default` is the built-in rule's")
    when: When = Field(description="what an item must mention for the rule to fire")
    min_severity: Severity | None = Field(default=None, description="fire only at this severity or above")
    severity: Severity | None = Field(
        default=None, description="fixed severity; default: highest matched escalation, else low"
    )
    notify: list[str] = Field(
        default=[],
        description="channels of channels.yaml to send to; `default` (or nothing) = its default set",
    )
    within: Within | None = Field(
        default=None,
        description=f"where the escalation and the actor or region must meet; default: {DEFAULT_WITHIN}",
    )


class Watchlist(_Model):
    """A validated watchlist; ``content_hash`` is its version."""

    version: Literal[1] = Field(description="the file format's version")
    actors: list[Actor] = Field(default=[], description="people, groups, states, organisations to watch")
    regions: list[Region] = Field(default=[], description="places to watch")
    escalations: list[Escalation] = Field(default=[], description="the signals that make a mention alert")
    rules: list[Rule] = Field(default=[], description="named conditions; without any, the default rule")
    default_rule: bool | None = Field(
        default=None, description="apply the default rule too; default: only when no rules are declared"
    )

    @cached_property
    def content_hash(self) -> str:
        """``sha256:<12 hex>`` of the validated content: same meaning, same version.

        Comments, key order and formatting of the YAML do not change it.
        """
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]

    @property
    def uses_default_rule(self) -> bool:
        """Whether the default rule applies (explicitly, or because no rule is declared)."""
        return self.default_rule if self.default_rule is not None else not self.rules


def _fold(text: str) -> str:
    """Accent-, case- and punctuation-blind form, to catch duplicates a reader would see."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


Seen = dict[str, "list[str | int] | str"]


def _duplicates(doc: YamlDocument, seen: Seen, key: str, loc: list[str | int], what: str) -> Iterator[Issue]:
    # ``seen`` keeps where a name first stood (or what it is); its line is looked
    # up only for an issue, so a valid file never pays for the line-numbered parse.
    first = seen.get(key)
    if first is None:
        seen[key] = loc
    elif isinstance(first, str):
        yield doc.issue(loc, f"duplicate {what}: also {first}")
    else:
        yield doc.issue(loc, f"duplicate {what}: also at line {doc.line_of(first)}")


def _spellings(wl: Watchlist) -> Iterator[tuple[list[str | int], str, str]]:
    """``(where, spelling, entry name)`` for every name and alias of the actors and regions."""
    for section in ("actors", "regions"):
        entities: list[_Entity] = getattr(wl, section)
        for i, entity in enumerate(entities):
            for j, spelling in enumerate(entity.spellings):
                yield ([section, i, "aliases", j - 1] if j else [section, i, "name"]), spelling, entity.name


def homonym_warnings(wl: Watchlist, doc: YamlDocument) -> Iterator[Issue]:
    """A warning at each spelling another entry also has (Tripoli in Libya and in Lebanon).

    Called by ``watchlist check``: such a watchlist is valid, and matching decides between the
    entries by context, else reports every one as ambiguous.
    """
    first: dict[str, tuple[list[str | int], str]] = {}
    for loc, spelling, name in _spellings(wl):
        folded = _fold(spelling)
        if not folded:
            continue
        if folded not in first:
            first[folded] = (loc, name)
        elif first[folded][1] != name:
            where, other = first[folded]
            yield doc.issue(
                loc,
                f"alias {spelling!r} also belongs to {other!r} (line {doc.line_of(where)}): matching "
                "picks the entry the text gives context for, else reports both as ambiguous",
            )


def _entity_issues(wl: Watchlist, doc: YamlDocument) -> Iterator[Issue]:
    names: Seen = {}
    for section in ("actors", "regions"):
        for i, entity in enumerate(getattr(wl, section)):
            yield from _duplicates(doc, names, _fold(entity.name), [section, i, "name"], "name")
    for loc, spelling, _name in _spellings(wl):
        if not _fold(spelling):
            yield doc.issue(loc, f"{spelling!r} has no letter or digit")
    actors = {a.name for a in wl.actors}
    for i, region in enumerate(wl.regions):
        if region.stands_for is not None and region.stands_for not in actors:
            yield doc.issue(
                ["regions", i, "stands_for"],
                f"stands_for: {region.stands_for!r} is not the name of an actor of the watchlist",
            )


def _escalation_issues(wl: Watchlist, doc: YamlDocument) -> Iterator[Issue]:
    names: Seen = {}
    for i, esc in enumerate(wl.escalations):
        yield from _duplicates(doc, names, _fold(esc.name), ["escalations", i, "name"], "escalation")
        if not esc.terms.all():
            yield doc.issue(["escalations", i, "terms"], "no terms: give at least one in en or fr")
        for lang in ("en", "fr"):
            for j, term in enumerate(getattr(esc.terms, lang)):
                words = term.split()
                if not _fold(term.replace("*", " ")):
                    yield doc.issue(["escalations", i, "terms", lang, j], f"term {term!r} has no word")
                elif words[0] == "*" or words[-1] == "*":
                    yield doc.issue(
                        ["escalations", i, "terms", lang, j], f"term {term!r}: '*' must sit between words"
                    )
                elif any("*" in w and w != "*" for w in words):
                    yield doc.issue(
                        ["escalations", i, "terms", lang, j], f"term {term!r}: '*' must be a word of its own"
                    )


def _rule_issues(wl: Watchlist, doc: YamlDocument) -> Iterator[Issue]:
    known: dict[str, set[str]] = {}
    for section in ("actors", "regions", "escalations"):
        entries = getattr(wl, section)
        known[section] = {e.name for e in entries} | {t for e in entries for t in e.tags}
    names: Seen = {DEFAULT_RULE: "the built-in default rule"}
    for i, rule in enumerate(wl.rules):
        yield from _duplicates(doc, names, rule.name, ["rules", i, "name"], "rule name")
        conditions = list(rule.when.conditions())
        if not conditions:
            yield doc.issue(["rules", i, "when"], "when: give at least one of escalations, actors, regions")
        for section, wanted in conditions:
            if wanted == "any":
                continue
            if not wanted:
                yield doc.issue(["rules", i, "when", section], f"when.{section}: empty list (use 'any')")
            for j, name in enumerate(wanted):
                if name not in known[section]:
                    yield doc.issue(
                        ["rules", i, "when", section, j],
                        f"when.{section}: {name!r} is not a name or tag of the watchlist's {section}",
                    )


def _checks(wl: Watchlist, doc: YamlDocument) -> Iterator[Issue]:
    """Cross-entry checks pydantic cannot express (duplicates, rule references)."""
    yield from _entity_issues(wl, doc)
    yield from _escalation_issues(wl, doc)
    yield from _rule_issues(wl, doc)


def validate_watchlist(doc: YamlDocument) -> Watchlist:
    """Validate a parsed watchlist; the document stays the caller's, for warnings at a line."""
    return load_model(doc, Watchlist, _checks)


def parse_watchlist(text: str, name: str = "<watchlist>") -> Watchlist:
    """Validate watchlist YAML text (as received over Kafka); raises ``ConfigError``."""
    return validate_watchlist(parse_yaml(text, name))


def load_watchlist(path: Path | str) -> Watchlist:
    """Read and validate a watchlist file; raises ``ConfigError`` with ``file:line`` issues."""
    return validate_watchlist(read_yaml(path))
