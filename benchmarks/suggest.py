"""How good and how fast are evidence suggestions?

On the hand-labelled West Midlands Equality Policy (`tests/data/suggest-labels.csv`, see
`tests/data/SUGGEST-LABELS.md`), prints for each ranker configuration recall@3 (the labelled
passage among a criterion's top three) and the share of criteria labelled "not evidenced" that
still get a confident suggestion, and the cut-off the documented rule chooses. Then times
suggesting for all 218 criteria over a 20-page document (the policy repeated to 20 pages, each
copy numbered on), against the target of under 2 s.

    .venv/bin/python benchmarks/suggest.py
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pandas as pd

from pipeline import framework, suggest
from pipeline.documents import Passage, read_document

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
TARGET_SECONDS = 2.0
PAGES = 20
#: A page of an A4 policy holds about 450 words; the policy has about 650.
WORDS_PER_PAGE = 450


def twenty_pages(passages: list[Passage]) -> list[Passage]:
    """The policy's passages repeated until they fill PAGES pages, each copy a new page range."""
    per_copy = sum(len(p.text.split()) for p in passages)
    copies = -(-PAGES * WORDS_PER_PAGE // per_copy)
    return [
        Passage(p.document, f"copy {n}, {p.reference}", p.text, p.heading)
        for n in range(1, copies + 1)
        for p in passages
    ]


def main() -> None:
    fw = framework.load()
    passages = read_document(DATA / "west-midlands-equality-policy.txt").passages
    labels = pd.read_csv(DATA / "suggest-labels.csv", dtype=str, keep_default_na=False)
    pairs = int((labels["label"] == "evidence").sum())
    none = int((labels["label"] == "none").sum())
    print(f"Labelled set: {pairs} (criterion, passage) pairs, {none} criteria not evidenced.")
    print(f"{'configuration':<62} {'recall@3':>9} {'false-confident':>16}")
    for config in suggest.CONFIGS:
        found = suggest.suggest(passages, fw, config)
        figures = suggest.evaluate(found, labels)
        print(
            f"{config.name:<62} {figures['recall_at_3']:>9.2f} {figures['false_confident']:>16.2f}"
        )
    chosen = suggest.suggest(passages, fw)
    cutoff = suggest.choose_cutoff(chosen, labels)
    print(
        f"Confidence cut-off by the rule (false-confident at most "
        f"{suggest.MAX_FALSE_CONFIDENT:.0%}): {cutoff:.2f}; in use: {suggest.CONFIDENT:.2f}."
    )

    big = twenty_pages(passages)
    words = sum(len(p.text.split()) for p in big)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        suggest.suggest(big, fw)
        times.append(time.perf_counter() - start)
    best, median = min(times), statistics.median(times)
    print(
        f"{len(fw.criteria)} criteria over {PAGES} pages ({len(big)} passages, {words} words): "
        f"median {median:.2f} s, best {best:.2f} s; target {TARGET_SECONDS:.0f} s, "
        f"ratio {median / TARGET_SECONDS:.2f} of the target."
    )


if __name__ == "__main__":
    main()
