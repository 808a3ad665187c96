"""Writing the web pages of a batch: each report as HTML beside its Word file, never over edits.

The pages come from the same content as the Word reports (`content.build_content`), written by
`html.render`. Like `files.write_reports`, rendering one page is the top-level, picklable
`render_page`, so the run spreads the pages over its process pool; and every page is written
through the folder's manifest, so an edited page is kept and the new one goes beside it
(`.new.html`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future
from pathlib import Path

import pandas as pd

from pipeline import outputs, scoring
from pipeline.framework import Framework
from pipeline.progress import Progress
from pipeline.report import files, html, model, word
from pipeline.report.content import DEFAULT_APPENDIX, Appendix
from pipeline.report.files import (
    RenderJob,
    ReportOutcome,
    content_for,
    place,
    render_jobs,
)
from pipeline.returns import Return


def render_page(job: RenderJob, language: str | None = None) -> Path:
    """Build one report's page and save it to a hidden file beside its final place.

    `language`: the page's `lang` and fixed words (default: the content's own language). A
    Welsh member's page links to the page (not the Word file) in the other language."""
    if job.counterpart:
        job = dataclasses.replace(job, counterpart=html.html_name(job.counterpart))
    return _write_page(job, content_for(job), language)


def _write_page(job: RenderJob, content: model.Document, language: str | None) -> Path:
    page = html.render(content, demo=job.demo, language=language)
    name = f"{outputs.TEMP_PREFIX}rendering-{html.html_name(job.name)}"
    path = job.out_dir / name
    return outputs.write_bytes_atomically(path, page.encode("utf-8"))


def render_report_and_page(
    job: RenderJob, language: str | None = None
) -> tuple[Path, tuple[str, ...], Path]:
    """`files.render_report` and `render_page` of one job from one build of its content: the
    Word file, its editor prompts, and the page."""
    content = content_for(job)
    report, prompts = files.write_word(job, content)
    if job.counterpart:
        content = _linking_to(content, job.counterpart, html.html_name(job.counterpart))
    return report, prompts, _write_page(job, content, language)


def _linking_to(content: model.Document, old: str, new: str) -> model.Document:
    """The content with its links to the file `old` (the other language's report, linked from
    the top) going to `new` instead, as `render_page` words them."""

    def relinked(block):
        if not isinstance(block, model.Paragraph) or all(r.link != old for r in block.runs):
            return block
        runs = tuple(
            dataclasses.replace(r, text=new if r.text == old else r.text, link=new)
            if r.link == old
            else r
            for r in block.runs
        )
        return dataclasses.replace(block, runs=runs)

    return dataclasses.replace(content, blocks=tuple(relinked(b) for b in content.blocks))


def write_reports_and_pages(
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
    meanwhile: Callable[[], None] | None = None,
) -> tuple[list[ReportOutcome], list[ReportOutcome]]:
    """`files.write_reports` and `write_html_reports` in one pass, each report's content built
    once for both: (the reports' outcomes, the pages'). `meanwhile` is called while the
    `executor` renders them (without one, after), so that other work overlaps theirs."""
    out_dir = Path(out_dir)
    word.template_bytes(template)  # fail before any report if the template is unusable
    jobs = render_jobs(
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
    if executor is None:
        rendered = [(job.ret.opcc_code, job.name, render_report_and_page(job)) for job in jobs]
        if meanwhile is not None:
            meanwhile()
    else:
        feeder = _Feeder(executor, jobs)
        try:
            if meanwhile is not None:
                meanwhile()
        except BaseException:
            feeder.discard()
            raise
        rendered = feeder.results()
    try:
        reports = place(
            out_dir,
            [(code, name, path, prompts) for code, name, (path, prompts, _) in rendered],
            force=force,
        )
    except BaseException:
        for _, _, (_, _, page) in rendered:
            page.unlink(missing_ok=True)
        raise
    pages = place(
        out_dir,
        [(code, html.html_name(name), page, ()) for code, name, (_, _, page) in rendered],
        force=force,
    )
    return reports, pages


class _Feeder:
    """Hands `jobs` to `executor` from a thread of this process, at most IN_FLIGHT at a time,
    so that the jobs (each with its member's scores) are made as the workers need them, never
    all at once, while this process does other work (`meanwhile`)."""

    IN_FLIGHT = 16

    def __init__(self, executor: Executor, jobs: Iterator[RenderJob]) -> None:
        self._slots = threading.Semaphore(self.IN_FLIGHT)
        self._stop = threading.Event()
        self._submitted: list[tuple[str, str, Future]] = []
        self._failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._feed, args=(executor, jobs), name="report-feeder", daemon=True
        )
        self._thread.start()

    def _feed(self, executor: Executor, jobs: Iterator[RenderJob]) -> None:
        try:
            for job in jobs:
                self._slots.acquire()
                if self._stop.is_set():
                    return
                future = executor.submit(render_report_and_page, job)
                future.add_done_callback(lambda _: self._slots.release())
                self._submitted.append((job.ret.opcc_code, job.name, future))
        except BaseException as exc:  # raised again by `results`, in the caller's thread
            self._failure.append(exc)

    def results(self) -> list[tuple[str, str, tuple[Path, tuple[str, ...], Path]]]:
        """(member code, report name, what render_report_and_page returned) of every job, in
        order; the first failure of a job raised, once every job has ended."""
        self._thread.join()
        if self._failure:
            self.discard()
            raise self._failure[0]
        done = []
        try:
            for code, name, future in self._submitted:
                done.append((code, name, future.result()))
        except BaseException:
            for _, _, (report, _, page) in done:
                report.unlink(missing_ok=True)
                page.unlink(missing_ok=True)
            self.discard()
            raise
        return done

    def discard(self) -> None:
        """Stop handing out jobs, wait for those handed out, and remove what they wrote."""
        self._stop.set()
        self._slots.release()  # wakes the feeder, should it wait for a slot
        self._thread.join()
        _discard(future for _, _, future in self._submitted)


def _discard(pending: Iterable[Future]) -> None:
    """Wait for the rendering still going on, and remove what it wrote."""
    for future in pending:
        with contextlib.suppress(Exception):
            report, _, page = future.result()
            report.unlink(missing_ok=True)
            page.unlink(missing_ok=True)


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
    progress: Progress | None = None,
    appendix: Appendix = DEFAULT_APPENDIX,
    language: str | None = None,
    welsh: Collection[str] = (),
) -> list[ReportOutcome]:
    """Write a page per return into `out_dir`, never replacing one that someone has edited.

    The arguments are those of `files.write_reports`, so a run calls both the same way;
    `language` is passed to `html.render`; `welsh`: the members with a Welsh and an English
    page (`-cy.html`, `-en.html`), as their Word reports.
    """
    out_dir = Path(out_dir)
    jobs = list(
        render_jobs(
            returns,
            scores,
            framework,
            members,
            out_dir,
            template=None,
            generated=generated,
            demo=demo,
            progress=progress,
            appendix=appendix,
            welsh=welsh,
        )
    )
    render = functools.partial(render_page, language=language)
    rendered = list((map if executor is None else executor.map)(render, jobs))
    placed = [
        (job.ret.opcc_code, html.html_name(job.name), path, ())
        for job, path in zip(jobs, rendered, strict=True)
    ]
    return place(out_dir, placed, force=force)
