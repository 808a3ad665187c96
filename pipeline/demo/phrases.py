"""The demo's phrase banks, read from `phrases.yaml`: the words live in data, the logic in code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from pipeline.framework import Criterion, Theme

PHRASES_FILE = "phrases.yaml"


@dataclass(frozen=True)
class Topic:
    """Evidence for the criteria whose text matches `pattern`, within `sections` (empty: any)."""

    pattern: str
    sections: tuple[int, ...]
    subject: str  # a noun phrase, for work still in progress
    statements: tuple[str, ...]  # evidence that the criterion is met


@dataclass(frozen=True)
class NotApplicable:
    """A criterion some OPCCs claim does not apply: `who` is "diverse" or a share of all OPCCs."""

    pattern: str
    who: str | float
    reason: str


@dataclass(frozen=True)
class Body:
    """Who speaks for, and who signs off for, a policing body whose name holds `name_has`."""

    name_has: str
    leader: str
    signers: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Phrases:
    """Every phrase bank of `phrases.yaml`, as tuples (their order fixes what a seed draws).

    Compared and hashed by identity, so that `topic_of` can remember its answers."""

    topics: tuple[Topic, ...]
    openings: tuple[str, ...]
    places: tuple[str, ...]
    endings: tuple[str, ...]
    partly_met: tuple[str, ...]
    not_met: tuple[str, ...]
    not_applicable: tuple[NotApplicable, ...]
    diverse_areas: frozenset[str]
    owners: tuple[tuple[str, tuple[str, ...]], ...]
    default_owners: tuple[str, ...]
    bodies: tuple[Body, ...]
    lead_roles: tuple[str, ...]
    boards: tuple[str, ...]
    panels: tuple[str, ...]
    first_names: tuple[str, ...]
    surnames: tuple[str, ...]
    objectives: tuple[dict[str, str], ...]
    progress_weights: dict[str, int]
    progress_commentary: dict[str, str]
    standing: tuple[str, ...]
    commentary: tuple[str, ...]
    commentary_top: tuple[str, ...]
    statement: dict[str, Any]
    protected: str
    months: tuple[str, ...]

    def topic_of(self, criterion: Criterion) -> Topic | None:
        """The first topic whose pattern matches the criterion's text, within its sections."""
        return _topic_of(self, criterion)

    def owners_of(self, theme: Theme) -> tuple[str, ...]:
        """The roles that usually carry a theme, by its title."""
        return next(
            (roles for pattern, roles in self.owners if re.search(pattern, theme.title)),
            self.default_owners,
        )


@cache
def _topic_of(phrases: Phrases, criterion: Criterion) -> Topic | None:
    for topic in phrases.topics:
        if topic.sections and criterion.section not in topic.sections:
            continue
        if re.search(topic.pattern, criterion.text):
            return topic
    return None


@cache
def load() -> Phrases:
    """The phrase banks shipped with the package (read once)."""
    text = resources.files(__package__).joinpath(PHRASES_FILE).read_text(encoding="utf-8")
    return parse(yaml.safe_load(text))


def parse(data: dict[str, Any]) -> Phrases:
    """Phrases from the parsed YAML; a missing bank is a KeyError naming it."""
    generic = data["generic_evidence"]
    progress = data["progress"]
    return Phrases(
        topics=tuple(
            Topic(
                pattern=t["pattern"],
                sections=tuple(t.get("sections", ())),
                subject=t["subject"],
                statements=tuple(t["statements"]),
            )
            for t in data["topics"]
        ),
        openings=tuple(generic["openings"]),
        places=tuple(generic["places"]),
        endings=tuple(generic["endings"]),
        partly_met=tuple(data["partly_met"]),
        not_met=tuple(data["not_met"]),
        not_applicable=tuple(NotApplicable(**entry) for entry in data["not_applicable"]),
        diverse_areas=frozenset(data["diverse_areas"]),
        owners=tuple((o["pattern"], tuple(o["roles"])) for o in data["owners"]),
        default_owners=tuple(data["default_owners"]),
        bodies=tuple(Body(b["name_has"], b["leader"], tuple(b["signers"])) for b in data["bodies"]),
        lead_roles=tuple(data["lead_roles"]),
        boards=tuple(data["boards"]),
        panels=tuple(data["panels"]),
        first_names=tuple(data["first_names"]),
        surnames=tuple(data["surnames"]),
        objectives=tuple(dict(o) for o in data["objectives"]),
        progress_weights={p["value"]: p["weight"] for p in progress},
        progress_commentary={p["value"]: p["commentary"] for p in progress},
        standing=tuple(data["standing"]),
        commentary=tuple(data["commentary"]),
        commentary_top=tuple(data["commentary_top"]),
        statement=dict(data["equality_statement"]),
        protected=data["protected_characteristics"],
        months=tuple(data["months"]),
    )
