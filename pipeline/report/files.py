"""Writing the reports of a batch to disk: one file per return, never over someone's edits.

Rendering one report is the top-level, picklable `render_report`, so the caller may spread the
reports over any `concurrent.futures.Executor` (the run shares one process pool between
validation and reports); without one, they are rendered in turn.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Collection, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import docx
import pandas as pd
from docx.document import Document as WordDocument

from pipeline import manifest, marks, outputs, scoring, vocabulary
from pipeline import national as national_figures
from pipeline.framework import Framework
from pipeline.progress import Progress
from pipeline.report import model, word
from pipeline.report.content import DEFAULT_APPENDIX, Appendix, ReportError, build_content
from pipeline.returns import Return

REPORT_NAME = "{code}-equality-report-{year}.docx"
#: A Welsh member's report in one of its two languages: `-cy` (Welsh) or `-en` (English).
BILINGUAL_NAME = "{code}-equality-report-{year}-{language}.docx"


@dataclass(frozen=True)
class ReportOutcome:
    """What happened to one OPCC's report; `path` is where the new report is, `prompts` the
    editor prompts left in it (short labels, in reading order)."""

    code: str
    path: Path
    status: manifest.Status
    message: str
    prompts: tuple[str, ...] = ()


def page_count(pdf_path: Path) -> int:
    """The number of pages of a PDF (a report converted by LibreOffice); ReportError if it
    cannot be read."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return len(PdfReader(pdf_path).pages)
    except (OSError, PyPdfError) as exc:
        raise ReportError(f"{pdf_path}: not a PDF whose pages can be counted ({exc}).") from exc


def report_name(code: str, year: str, language: str | None = None) -> str:
    """`<code>-equality-report-<year>.docx`, or with `-cy`/`-en` before the suffix for one
    language of a bilingual pair; safe as a file name whatever the inputs hold."""
    safe_year = year if vocabulary.is_valid_year(year) else outputs.safe_name(year, "year")
    code = outputs.safe_name(code, "opcc")
    if language is None:
        return REPORT_NAME.format(code=code, year=safe_year)
    return BILINGUAL_NAME.format(code=code, year=safe_year, language=language)


def report_languages(code: str, welsh: Collection[str]) -> tuple[str | None, ...]:
    """The languages of a member's reports: Welsh then English for a member flagged Welsh,
    otherwise (None,): one English report under the plain name."""
    return ("cy", "en") if code in welsh else (None,)


def build_report(
    ret: Return,
    scores: scoring.Scores,
    framework: Framework,
    member: Mapping[str, str],
    *,
    template: Path | None = None,
    national: pd.DataFrame | None = None,
    generated: dt.date,
    demo: bool = False,
    progress: Progress | None = None,
    appendix: Appendix = DEFAULT_APPENDIX,
    language: str = "en",
    counterpart: str | None = None,
) -> WordDocument:
    """One OPCC's Equality Report as a python-docx Document (not saved).

    `national` is `Scores.themes` of every accepted return in the run; with more than one OPCC
    in it, the report gains a national picture that names no other OPCC. `demo`: the return is
    invented, and the report says DEMO. `progress`: this OPCC's progress since last year.
    `appendix`: "full", "summary" or "none". `language`: "en" or "cy"; `counterpart`: the file
    name of the same report in the other language, which the report links to.
    """
    content = build_content(
        ret,
        scores,
        framework,
        member,
        national=national,
        generated=generated,
        progress=progress,
        appendix=appendix,
        language=language,
        counterpart=counterpart,
    )
    return docx.Document(io.BytesIO(word.document_bytes(content, template, demo=demo)))


@dataclass(frozen=True)
class RenderJob:
    """Everything one report needs, picklable, so that it can be rendered in another process."""

    ret: Return
    scores: scoring.Scores
    framework: Framework
    member: Mapping[str, str]
    template: Path | None
    #: The OPCC against every return of the run (None: a run of one return).
    national: national_figures.Standing | None
    generated: dt.date
    out_dir: Path
    demo: bool = False
    progress: Progress | None = None
    appendix: Appendix = DEFAULT_APPENDIX
    #: The file's language (None: English under the plain name) and its other-language twin.
    language: str | None = None
    counterpart: str | None = None

    @property
    def name(self) -> str:
        """The report's file name."""
        name = report_name(self.ret.opcc_code, self.ret.reporting_year, self.language)
        return marks.demo_name(name) if self.demo else name


def render_jobs(
    returns: Sequence[Return],
    scores: scoring.Scores,
    framework: Framework,
    members: pd.DataFrame,
    out_dir: Path,
    *,
    template: Path | None,
    generated: dt.date,
    demo: bool = False,
    progress: Progress | None = None,
    appendix: Appendix = DEFAULT_APPENDIX,
    welsh: Collection[str] = (),
) -> Iterator[RenderJob]:
    """One job per report, in file order: what every writer (Word, web page) renders from. A
    member in `welsh` has two, Welsh then English, each naming the other as its counterpart.
    `out_dir`, where the jobs' files go, is made if it is not there. Each job is made as it is
    asked for: it holds its member's scores and national standing, which the jobs of thousands
    of members at once would fill memory with."""
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    by_code = {row["code"]: row for row in members.to_dict("records")}
    several = scores.themes["opcc_code"].nunique() > 1
    standings = national_figures.standings(scores.themes) if several else {}
    by_opcc = scores.by_opcc()
    for ret in sorted(returns, key=lambda r: (r.opcc_code, r.reporting_year)):
        languages = report_languages(ret.opcc_code, welsh)
        for language in languages:
            other = next((each for each in languages if each != language), None)
            yield RenderJob(
                ret,
                by_opcc.get(ret.opcc_code) or scores.for_opcc(ret.opcc_code),
                framework,
                by_code.get(ret.opcc_code, {}),
                template,
                standings.get(ret.opcc_code),
                generated,
                Path(out_dir),
                demo,
                progress.for_opcc(ret.opcc_code) if progress is not None else None,
                appendix,
                language,
                None if other is None else _name(ret, other, demo),
            )


def content_for(job: RenderJob) -> model.Document:
    """The content of one job's report, the same for every writer."""
    return build_content(
        job.ret,
        job.scores,
        job.framework,
        job.member,
        national=job.national,
        generated=job.generated,
        progress=job.progress,
        appendix=job.appendix,
        language=job.language or "en",
        counterpart=job.counterpart,
    )


def render_report(job: RenderJob) -> tuple[Path, tuple[str, ...]]:
    """Build one report and save it to a hidden file beside its final place; with the editor
    prompts left in it."""
    return write_word(job, content_for(job))


def write_word(job: RenderJob, content: model.Document) -> tuple[Path, tuple[str, ...]]:
    """Save the Word file of one job's `content` to a hidden file beside its final place."""
    data = word.document_bytes(content, job.template, demo=job.demo)
    name = f"{outputs.TEMP_PREFIX}rendering-{job.name}"
    return outputs.write_bytes_atomically(job.out_dir / name, data), content.prompts


def write_reports(
    returns: Sequence[Return],
    scores: scoring.Scores,
    framework: Framework,
    members: pd.DataFrame,
    out_dir: Path,
    *,
    template: Path | None = None,
    generated: dt.date,
    force: bool = False,
    executor: Executor | None = None,
    demo: bool = False,
    progress: Progress | None = None,
    appendix: Appendix = DEFAULT_APPENDIX,
    welsh: Collection[str] = (),
) -> list[ReportOutcome]:
    """Write a report per return into `out_dir`, never replacing one that someone has edited.

    With an `executor`, the reports are rendered on it (order is kept); without, in turn.
    `demo`: the returns are invented; each report says DEMO and its name ends in -DEMO.
    `progress`: the run against last year; each report with a return last year says what moved.
    `appendix`: "full", "summary" or "none" (see `content.Appendix`). `welsh`: the codes of the
    members whose reports are written in Welsh and in English (`-cy` and `-en` files, each
    linking to the other); every other report is English only.
    """
    out_dir = Path(out_dir)
    word.template_bytes(template)  # fail before any report if the template is unusable
    jobs = list(
        render_jobs(
            returns,
            scores,
            framework,
            members,
            out_dir,
            template=template,
            generated=generated,
            demo=demo,
            progress=progress,
            appendix=appendix,
            welsh=welsh,
        )
    )
    rendered = list((map if executor is None else executor.map)(render_report, jobs))
    placed = [
        (job.ret.opcc_code, job.name, path, prompts)
        for job, (path, prompts) in zip(jobs, rendered, strict=True)
    ]
    return place(out_dir, placed, force=force)


def place(
    out_dir: Path,
    placed: Sequence[tuple[str, str, Path, tuple[str, ...]]],
    *,
    force: bool,
) -> list[ReportOutcome]:
    """Move each rendered file (member code, name, path, prompts) to its name in `out_dir`
    through the manifest, so an edited file is kept and the new one written beside it; no
    temporary stays."""
    records = manifest.Manifest.load(out_dir)
    outcomes: list[ReportOutcome] = []
    try:
        for code, name, path, prompts in placed:
            outcome = records.place(name, path, force=force)
            outcomes.append(
                ReportOutcome(code, outcome.path, outcome.status, outcome.message, prompts)
            )
    finally:
        for _, _, path, _ in placed:
            path.unlink(missing_ok=True)
        if outcomes:
            records.save()
    return outcomes


def _name(ret: Return, language: str, demo: bool) -> str:
    name = report_name(ret.opcc_code, ret.reporting_year, language)
    return marks.demo_name(name) if demo else name


def report_returns(
    accepted: Sequence[Return],
    framework: Framework,
    members: pd.DataFrame,
    *,
    out_dir: Path | None = None,
    template: Path | None = None,
    generated: dt.date,
    force: bool = False,
    executor: Executor | None = None,
    appendix: Appendix = DEFAULT_APPENDIX,
    welsh: Collection[str] = (),
) -> list[ReportOutcome]:
    """Score the accepted returns, each year's together, and write their reports.

    Reports go to `out_dir`, or to `output/<year>/reports/` for each reporting year. `welsh`:
    the members whose reports are written in Welsh and English (see `write_reports`).
    """
    by_year: dict[str, list[Return]] = {}
    for ret in accepted:
        by_year.setdefault(ret.reporting_year, []).append(ret)
    outcomes: list[ReportOutcome] = []
    for year, rets in sorted(by_year.items()):
        scores = scoring.score(pd.concat([r.responses for r in rets]), framework)
        safe_year = year if vocabulary.is_valid_year(year) else outputs.safe_name(year, "year")
        folder = Path(out_dir) if out_dir else Path("output") / safe_year / "reports"
        outcomes += write_reports(
            rets,
            scores,
            framework,
            members,
            folder,
            template=template,
            generated=generated,
            force=force,
            executor=executor,
            appendix=appendix,
            welsh=welsh,
        )
    return outcomes
