"""Which passages of an OPCC's own documents are most likely to evidence each criterion.

A lexical ranker, offline and fast: BM25 (the `bm25s` package) over the passages, with English
stop words removed and words stemmed (PyStemmer), so "commissioned" finds "commissioning". Each
criterion's query is its own words, weighted by how telling each is of that criterion among the
218 (so the framework's everyday "the PCC holds the Chief Constable to account" decides little),
plus the theme title and level descriptor at half the weight, plus the synonyms of its words from
`data/evidence-synonyms.csv` (policies say "staff" where the framework says "workforce").

The ranking says which passages to look at first; the *confidence* says whether a passage is worth
a person's time at all: the share of the criterion's own (weighted) words that the passage holds.
A suggestion is confident when that share reaches `CONFIDENT`, the cut-off chosen on the labelled
West Midlands set by `choose_cutoff` (see the README). Pure functions: passages in, frames out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import bm25s
import numpy as np
import pandas as pd
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from pipeline import framework as framework_module
from pipeline.documents import Passage

#: A suggestion whose confidence reaches this is pre-filled: `choose_cutoff` on the labelled set.
CONFIDENT = 0.20
#: The most "not evidenced" criteria that may get a confident suggestion when choosing the cut-off.
MAX_FALSE_CONFIDENT = 0.10
#: How many passages are suggested for each criterion.
TOP = 3
#: BM25's parameters (the usual defaults): term-frequency saturation and length normalisation.
K1 = 1.5
B = 0.75
#: How much a synonym of a criterion's word counts against the word itself.
SYNONYM_WEIGHT = 0.5
SYNONYMS_FILE = "data/evidence-synonyms.csv"

SUGGESTION_COLUMNS = [
    "criterion_id",
    "rank",
    "score",
    "confidence",
    "confident",
    "document",
    "reference",
    "heading",
    "text",
]

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


@dataclass(frozen=True)
class Config:
    """How queries and passages are turned into words: the configurations the benchmark compares."""

    name: str
    #: What is added to each criterion's words: "none", "level" (the theme title and the level's
    #: descriptor) or "theme" (the title, all three descriptors and the theme's other criteria).
    context: str = "level"
    #: Stem words, so inflections match.
    stem: bool = True
    #: Let a criterion's word also find the other words of its group in the synonyms file.
    synonyms: bool = True
    #: Count a passage's heading as part of the passage.
    headings: bool = False
    #: The weight of the context words together, as a share of the criterion's own words.
    context_share: float = 0.5


DEFAULT = Config("BM25 + synonyms, criterion + theme + level descriptor (chosen)")
#: What the benchmark measures, the chosen configuration first.
CONFIGS: tuple[Config, ...] = (
    DEFAULT,
    Config("BM25, criterion + theme + level descriptor, no synonyms", synonyms=False),
    Config("BM25 + synonyms, criterion text only", context="none"),
    Config("BM25, criterion text only, no synonyms", context="none", synonyms=False),
    Config("BM25 + synonyms, whole theme as context", context="theme"),
    Config("BM25 + synonyms, headings counted in passages", headings=True),
    Config("BM25 + synonyms, unstemmed", stem=False),
)


@cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


_STOP = frozenset(STOPWORDS_EN) | {"s"}


def words(text: str, stem: bool = True) -> list[str]:
    """Lower-case word tokens without stop words ("PCC's" -> "pcc"), stemmed when asked."""
    tokens = [t.replace("’", "'").split("'")[0] for t in _WORD.findall(text.lower())]
    tokens = [t for t in tokens if len(t) > 1 and t not in _STOP]
    return _stemmer().stemWords(tokens) if stem else tokens


def queries(fw: framework_module.Framework, config: Config = DEFAULT) -> pd.DataFrame:
    """One row per criterion: its id, its own words and the words of its context."""
    rows = []
    for theme in fw.themes:
        everything = " ".join(
            [theme.title]
            + [level.descriptor for level in theme.levels]
            + [c.text for c in theme.criteria]
        )
        for level in theme.levels:
            context = {
                "none": "",
                "level": f"{theme.title}. {level.descriptor}",
                "theme": everything,
            }[config.context]
            for criterion in level.criteria:
                rows.append(
                    {
                        "criterion_id": criterion.id,
                        "own": words(criterion.text, config.stem),
                        "context": words(context, config.stem),
                    }
                )
    return pd.DataFrame(rows, columns=["criterion_id", "own", "context"])


def suggest(
    passages: Sequence[Passage],
    fw: framework_module.Framework,
    config: Config = DEFAULT,
    top: int = TOP,
) -> pd.DataFrame:
    """The `top` passages for every criterion, best first, with score and confidence (a passage
    sharing no word with the criterion's query is never suggested)."""
    if not passages:
        return pd.DataFrame(columns=SUGGESTION_COLUMNS)
    corpus = [
        words(f"{p.heading}. {p.text}" if config.headings else p.text, config.stem)
        for p in passages
    ]
    retriever = bm25s.BM25(k1=K1, b=B)
    retriever.index([tokens or [""] for tokens in corpus], show_progress=False)
    frame = queries(fw, config)
    # how telling a word is of one criterion among the 218: the framework says "the PCC holds the
    # Chief Constable to account" everywhere, so those words should not decide which passage fits
    rarity = _idf(frame["own"])
    vocabulary = {t for q in (*frame["own"], *frame["context"]) for t in q}
    if config.synonyms:
        vocabulary |= {t for others in synonym_groups(config.stem).values() for t in others}
    term_scores = {t: retriever.get_scores([t]) for t in sorted(vocabulary)}
    idf = _idf(pd.Series(corpus))
    rows = []
    count = min(top, len(passages))
    zero = np.zeros(len(passages))
    for criterion in frame.itertuples(index=False):
        scores = zero.copy()
        for term, weight in _query_weights(criterion.own, criterion.context, config).items():
            scores += weight * rarity(term) * term_scores[term]
        own = sum((rarity(t) * term_scores[t] for t in criterion.own), zero)
        ideal = sum(rarity(t) * idf(t) for t in criterion.own) / (1 + K1)
        confidence = own / ideal if ideal else zero
        order = [
            i for i in np.lexsort((np.arange(len(passages)), -scores))[:count] if scores[i] > 0
        ]
        for rank, index in enumerate(order, start=1):
            passage = passages[index]
            rows.append(
                {
                    "criterion_id": criterion.criterion_id,
                    "rank": rank,
                    "score": round(float(scores[index]), 4),
                    "confidence": round(float(confidence[index]), 4),
                    "confident": bool(confidence[index] >= CONFIDENT),
                    "document": passage.document,
                    "reference": passage.reference,
                    "heading": passage.heading,
                    "text": passage.text,
                }
            )
    return pd.DataFrame(rows, columns=SUGGESTION_COLUMNS)


def _query_weights(own: list[str], context: list[str], config: Config) -> dict[str, float]:
    """Each query word's weight: the criterion's own words count fully; the context words share
    `context_share` of their total, however long the descriptor; synonyms count SYNONYM_WEIGHT."""
    weights: dict[str, float] = {}
    for term in own:
        weights[term] = weights.get(term, 0.0) + 1.0
    for term in context:
        weights[term] = weights.get(term, 0.0) + config.context_share * len(own) / len(context)
    if config.synonyms:
        groups = synonym_groups(config.stem)
        for term in own:
            for other in groups.get(term, ()):
                weights[other] = weights.get(other, 0.0) + SYNONYM_WEIGHT
    return weights


@cache
def synonym_groups(stem: bool = True) -> dict[str, tuple[str, ...]]:
    """word -> the other words of its group, from `data/evidence-synonyms.csv`."""
    text = resources.files("pipeline").joinpath(SYNONYMS_FILE).read_text(encoding="utf-8")
    groups: dict[str, set[str]] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        group = {w for raw in line.split(",") for w in words(raw, stem)}
        for term in group:
            groups.setdefault(term, set()).update(group - {term})
    return {term: tuple(sorted(others)) for term, others in groups.items()}


def _idf(documents: pd.Series):
    """A word's weight in a collection of token lists (Lucene's idf, as BM25 uses); a word no
    list holds gets the most."""
    total = len(documents)
    frequency: dict[str, int] = {}
    for tokens in documents:
        for term in set(tokens):
            frequency[term] = frequency.get(term, 0) + 1

    def weight(term: str) -> float:
        df = frequency.get(term, 0)
        return math.log(1 + (total - df + 0.5) / (df + 0.5))

    return weight


def confident(suggestions: pd.DataFrame) -> pd.DataFrame:
    """Only the suggestions worth pre-filling."""
    return suggestions[suggestions["confident"]].reset_index(drop=True)


def evaluate(suggestions: pd.DataFrame, labels: pd.DataFrame) -> dict[str, float]:
    """recall@TOP over labelled (criterion, passage) pairs, and the share of criteria labelled as
    not evidenced that still get a confident suggestion."""
    evidence = labels[labels["label"] == "evidence"]
    none = labels[labels["label"] == "none"]
    found = set(zip(suggestions["criterion_id"], suggestions["reference"], strict=True))
    pairs = zip(evidence["criterion_id"], evidence["reference"], strict=True)
    hits = [pair in found for pair in pairs]
    confident_ids = set(suggestions.loc[suggestions["confident"], "criterion_id"])
    wrong = [cid in confident_ids for cid in none["criterion_id"]]
    return {
        "recall_at_3": sum(hits) / len(hits) if hits else 0.0,
        "false_confident": sum(wrong) / len(wrong) if wrong else 0.0,
        "pairs": len(hits),
        "not_evidenced": len(wrong),
    }


def choose_cutoff(
    suggestions: pd.DataFrame, labels: pd.DataFrame, max_false: float = MAX_FALSE_CONFIDENT
) -> float:
    """The lowest confidence cut-off (in steps of 0.01) at which at most `max_false` of the
    criteria labelled "not evidenced" get a confident suggestion: as many pre-fills as possible
    while a wrong one stays rare."""
    best = suggestions.groupby("criterion_id")["confidence"].max()
    none = best.reindex(labels.loc[labels["label"] == "none", "criterion_id"]).fillna(0.0)
    for step in range(101):
        cutoff = step / 100
        if (none >= cutoff).mean() <= max_false:
            return cutoff
    return 1.0
