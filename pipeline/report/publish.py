"""Writing the web pages of a batch: each report as HTML beside its Word file, never over edits.

The pages come from the same content as the Word reports (`content.build_content`), written by
`html.render`. Like `files.write_reports`, rendering one page is the top-level, picklable
`render_page`, so the run spreads the pages over its process pool; and every page is written
through the folder's manifest, so an edited page is kept and the new one goes beside it
(`.new.html`).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Sequence
from concurrent.futures import Executor
from pathlib import Path

import pandas as pd

from pipeline import manifest, marks, outputs, scoring
from pipeline.framework import Framework
from pipeline.report import html
from pipeline.report.content import build_content
from pipeline.report.files import RenderJob, ReportOutcome, report_name
from pipeline.returns import Return


def page_name(code: str, year: str, *, demo: bool = False) -> str:
    """`<code>-equality-report-<year>.html` (`-DEMO.html` for a demo run)."""
    name = html.html_name(report_name(code, year))
    return marks.demo_name(name) if demo else name


def render_page(job: RenderJob, language: str | None = None) -> Path:
    """Build one report's page and save it to a hidden file beside its final place.

    `language`: the page's `lang` and fixed words (default: the content's own language)."""
    content = build_content(
        job.ret,
        job.scores,
        job.framework,
        job.member,
        national=job.national,
        generated=job.generated,
    )
    page = html.render(content, demo=job.demo, language=language)
    path = job.out_dir / f".rendering-{job.ret.opcc_code}-{job.ret.reporting_year}.html"
    return outputs.write_bytes_atomically(path, page.encode("utf-8"))


def write_html_reports(
    returns: Sequence[Return],
    scores: scoring.Scores,
    framework: Framework,
    members: pd.DataFrame,
    out_dir: Path,
    *,
    generated: dt.date,
    force: bool = False,
    executor: Executor | None = None,
    demo: bool = False,
    language: str | None = None,
) -> list[ReportOutcome]:
    """Write a page per return into `out_dir`, never replacing one that someone has edited.

    The arguments are those of `files.write_reports`, so a run calls both the same way;
    `language` is passed to `html.render`.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    by_code = {row["code"]: row for row in members.to_dict("records")}
    national = scores.themes if scores.themes["opcc_code"].nunique() > 1 else None
    jobs = [
        RenderJob(
            ret,
            scores.for_opcc(ret.opcc_code),
            framework,
            by_code.get(ret.opcc_code, {}),
            None,
            national,
            generated,
            out_dir,
            demo,
        )
        for ret in sorted(returns, key=lambda r: (r.opcc_code, r.reporting_year))
    ]
    render = functools.partial(render_page, language=language)
    if executor is None:
        rendered = [render(job) for job in jobs]
    else:
        rendered = list(executor.map(render, jobs))
    records = manifest.Manifest.load(out_dir)
    outcomes: list[ReportOutcome] = []
    try:
        for job, path in zip(jobs, rendered, strict=True):
            outcome = records.write(
                page_name(job.ret.opcc_code, job.ret.reporting_year, demo=demo),
                lambda target, path=path: os.replace(path, target),
                force=force,
            )
            outcomes.append(
                ReportOutcome(job.ret.opcc_code, outcome.path, outcome.status, outcome.message)
            )
    finally:
        for path in rendered:
            path.unlink(missing_ok=True)
        if outcomes:
            records.save()
    return outcomes
