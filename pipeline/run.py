"""The batch: every return in a folder, through validation and scoring, to every output.

discover -> check (in parallel) -> resolve duplicates -> score -> reports, feedback, benchmark ->
run.json. Each step is a library call; this module only orders them, times them and records what
was read and written, so that a run can be audited and repeated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import stat
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import (
    __version__,
    benchmark,
    feedback,
    history,
    housekeeping,
    ingest,
    manifest,
    marks,
    report,
    rules,
    scoring,
    validate,
    vocabulary,
)
from pipeline import (
    framework as framework_module,
)
from pipeline import outputs as output_files
from pipeline import (
    pool as pool_module,
)
from pipeline import (
    progress as progress_module,
)
from pipeline.mail import record as mail_record
from pipeline.members import load_members, previous_codes, welsh_codes
from pipeline.outputs import display_name, sha256_file, write_bytes_atomically
from pipeline.report import pdf as report_pdf
from pipeline.report import publish
from pipeline.returns import OBJECTIVE_COLUMNS, RESPONSE_COLUMNS, Packed, Spool, Standings, pack
from pipeline.vocabulary import year_for_date

#: Where the returns are saved, when no folder is named.
DEFAULT_INPUT = Path("input")
#: Called as progress(step, done, total) while the run works.
Progress = Callable[[str, int, int], None]


class RunError(RuntimeError):
    """The run could not complete (for example, the output folder cannot be written)."""


class NoReturnsError(ValueError):
    """The input folder holds no file to check: a usage error, not a run."""


@dataclass
class RunResult:
    year: str
    out_dir: Path
    #: Made from invented returns (`pipeline.demo`): every output says DEMO.
    demo: bool
    batch: validate.Batch
    scores: scoring.Scores
    members: pd.DataFrame
    outputs: dict[str, list[Path]]
    demo_description: str = ""
    report_outcomes: list = field(default_factory=list)
    #: What happened to the other outputs people may edit (summary, benchmark, feedback).
    output_outcomes: list = field(default_factory=list)
    #: What happened to each web page and (with --pdf) each PDF of the reports.
    publish_outcomes: list = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    #: This year against last year's record, when there is one; else why not, if it was refused.
    progress: progress_module.Progress | None = None
    previous_note: str = ""
    #: Outputs of an earlier run that this one did not make, moved to superseded/<time>/.
    superseded: list[housekeeping.Moved] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        verdicts = self.batch.log["verdict"] if len(self.batch.log) else pd.Series(dtype=str)
        counts = {verdict: int((verdicts == verdict).sum()) for verdict in vocabulary.VERDICTS}
        counts["members with no return"] = len(self.missing_members)
        return counts

    @property
    def missing_members(self) -> list[str]:
        returned = set(self.batch.log.get("opcc_code", pd.Series(dtype=str)))
        return sorted(set(self.members["code"]) - returned)

    @property
    def rejected(self) -> int:
        return self.counts[vocabulary.REJECTED]


def run(
    input_dir: Path,
    out_root: Path,
    *,
    year: str | None = None,
    members_file: Path | None = None,
    passwords: Mapping[str, str] | None = None,
    template: Path | None = None,
    appendix: report.Appendix = report.DEFAULT_APPENDIX,
    generated: dt.date | None = None,
    workers: int | None = None,
    force: bool = False,
    max_unzipped_bytes: int = ingest.DEFAULT_MAX_UNZIPPED_BYTES,
    progress: Progress | None = None,
    demo: bool = False,
    previous: Path | None = None,
    language: str = "auto",
    pdf: bool = False,
    now: dt.datetime | None = None,
) -> RunResult:
    """Run the whole batch on the returns in `input_dir`, writing OUT/<year>/.

    `demo` says the returns are invented (`pipeline.demo` makes them): the outputs then go to
    OUT/demo-<year>/ and every one of them says DEMO, so they can never pass for real ones.
    `previous` is last year's output folder, whose record the reports and the benchmark compare
    with (a history.RecordError if it cannot be used); by default OUT/<the year before>/ (for a
    demo run OUT/demo-<the year before>/) when it holds a record. `appendix`: what the reports'
    appendix holds ("full", "summary" or "none"). `pdf`: also a tagged PDF of each Word report
    (needs LibreOffice). `language`: "auto" gives the members flagged welsh a Welsh and an
    English report; "en" gives every member English only. `now`: the run's clock, which names
    the superseded/<time>/ folder that earlier outputs this run did not make are moved to.
    """
    progress = progress or (lambda step, done, total: None)
    if pdf and report_pdf.soffice() is None:
        raise RunError(
            "--pdf needs LibreOffice (soffice), which is not installed. Install it "
            "(Debian: libreoffice-writer-nogui) or run without --pdf."
        )
    members = load_members(members_file)
    framework = framework_module.load()
    generated = generated or dt.date.today()
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    if not Path(input_dir).is_dir():
        raise NoReturnsError(f"The input folder {input_dir} does not exist.")
    record = None
    if previous is not None:
        record = progress_module.load_previous(previous, demo=demo, edition=framework.edition)
    paths, skipped = validate.scan([Path(input_dir)])
    if not paths:
        raise NoReturnsError(
            f"{input_dir} holds no returns to check (.xlsx workbooks, or the files sent instead). "
            "Save the returned workbooks there, or name the folder that holds them. To try the "
            "tool on invented returns, run `equality demo`, or `equality run` with input/ empty."
        )
    out_dir = None
    held = contextlib.ExitStack()
    pool = None
    try:
        _ensure_writable(Path(out_root))
        held.enter_context(output_files.locked(Path(out_root)))
        options = {
            "year": year,
            "passwords": passwords,
            "max_unzipped_bytes": max_unzipped_bytes,
            # A demo's returns are signed off on its own invented calendar, not before today.
            "today": None if demo else generated,
        }
        welsh = welsh_codes(members_file) if language == "auto" else frozenset()
        pool_module.give_back_large_blocks()
        # One pool for the whole run, forked now, while this process holds little: what it
        # gathers later (every return's standing, the scores) is not copied into the workers.
        pool = pool_module.process_pool(workers, len(paths))
        # Each return is kept whole on disk as it is read; the run holds its standing only.
        spool, standings = held.enter_context(Spool()), Standings()
        checked = _check_all(paths, members, options, pool, progress, spool, standings)
        run_year = year or _most_common_year(checked) or year_for_date(generated)
        not_read = [(path, None, [problem]) for path, problem in skipped]
        batch = validate.resolve([*rules.only_year(checked, run_year), *not_read])
        batch.held_responses = standings.rows("responses", batch.returns, RESPONSE_COLUMNS)
        batch.held_objectives = standings.rows("objectives", batch.returns, OBJECTIVE_COLUMNS)
        del standings
        if record is not None:
            progress_module.check_years(record, run_year)  # before anything is written
        timings["validate"] = time.perf_counter() - clock
        out_dir = Path(out_root) / (f"demo-{run_year}" if demo else run_year)
        _ensure_writable(out_dir)
        _remove_temporaries(out_dir)

        clock = time.perf_counter()
        scores = scoring.score(batch.responses, framework)
        pool_module.release_free_memory()  # what scoring every pair of member and criterion took
        note = ""
        if record is None:
            record, note = _default_previous(out_root, run_year, demo, framework)
        since = None
        if record is not None:
            since = progress_module.compare(
                record,
                year=run_year,
                scores=scores,
                responses=batch.responses,
                members=members,
                previous_codes=previous_codes(members_file),
                framework=framework,
            )
        timings["score"] = time.perf_counter() - clock

        # In the order the summary lists them, whichever is written first.
        outputs: dict[str, list[Path]] = {"reports": [], "web pages": []}
        if pdf:
            outputs["pdf"] = []
        kept: list[manifest.Outcome] = []

        clock = time.perf_counter()
        bench_inputs = {
            "members": members,
            "returns_log": batch.log,
            "scores": scores,
            "responses": batch.responses,
            "objectives": batch.objectives,
            "framework": framework,
            "year": run_year,
            "generated": generated,
            "demo": demo,
            "progress": since,
        }

        def other_outputs() -> None:
            """Feedback, summary, benchmark and record: written here while the pool renders
            reports. The feedback workbooks too: each loads a return in full with openpyxl, the
            largest job of a run, and a worker that did some grew by tens of megabytes for
            the rest of the run (this process, which writes the summary and the benchmark,
            has that room already); so the pool's worker holds only what reports need."""
            clock = time.perf_counter()
            records = manifest.Manifest.load(out_dir / "feedback")
            kept.extend(records.write_all(feedback.feedback_jobs(batch, demo=demo), force=force))
            if kept:
                records.save()
            outputs["feedback"] = sorted(o.path for o in kept)
            records = manifest.Manifest.load(out_dir)
            summary = records.write(
                _named(feedback.SUMMARY_NAME, demo),
                lambda tmp: feedback.write_validation_summary(batch, tmp, demo=demo),
                force=force,
            )
            outputs["validation summary"] = [summary.path]
            timings["feedback"] = time.perf_counter() - clock
            pool_module.release_garbage()

            clock = time.perf_counter()
            benches = []
            for edition in benchmark.EDITIONS:
                benches.append(
                    records.write(
                        _named(benchmark.file_name(run_year, edition), demo),
                        lambda tmp, edition=edition: benchmark.write_benchmark(
                            tmp, edition=edition, **bench_inputs
                        ),
                        force=force,
                    )
                )
                pool_module.release_garbage()
            records.save()
            outputs["benchmark"] = [bench.path for bench in benches]
            kept.extend([summary, *benches])
            timings["benchmark"] = time.perf_counter() - clock

            outputs["year record"] = history.write_record(
                history.record_folder(out_dir),
                returns=batch.returns,
                log=batch.log,
                scores=scores,
                framework=framework,
                year=run_year,
                demo=demo,
                generated=generated,
            )
            pool_module.release_garbage()

        progress("reports", 0, len(batch.returns))
        outcomes, published = publish.write_reports_and_pages(
            batch.returns,
            scores,
            framework,
            members,
            out_dir / "reports",
            template=template,
            generated=generated,
            force=force,
            executor=pool,
            demo=demo,
            progress=since,
            welsh=welsh,
            appendix=appendix,
            meanwhile=other_outputs,
        )
        outputs["reports"] = sorted(o.path for o in outcomes)
        outputs["web pages"] = sorted(o.path for o in published)
        progress("reports", len(batch.returns), len(batch.returns))
        timings["reports and other outputs"] = time.perf_counter() - clock
        if pdf:
            clock = time.perf_counter()
            progress("pdf", 0, len(outcomes))
            pdfs = report_pdf.write_pdfs(outcomes, out_dir / "reports", force=force, executor=pool)
            published += pdfs
            outputs["pdf"] = sorted(o.path for o in pdfs if o.status != report_pdf.FAILED)
            progress("pdf", len(outcomes), len(outcomes))
            timings["pdf"] = time.perf_counter() - clock

        made = [p for group in outputs.values() for p in group]
        made += [o.path for o in [*outcomes, *kept]]
        moved = housekeeping.supersede(
            out_dir, made, now=now or dt.datetime.now().replace(microsecond=0), demo=demo
        )

        result = RunResult(
            year=run_year,
            out_dir=out_dir,
            demo=demo,
            batch=batch,
            scores=scores,
            members=members,
            outputs=outputs,
            report_outcomes=outcomes,
            output_outcomes=kept,
            publish_outcomes=published,
            timings=timings,
            progress=since,
            previous_note=note,
            superseded=moved,
        )
        outputs["run record"] = [_write_run_record(result, paths, generated)]
        return result
    except OSError as exc:
        if out_dir is not None:
            _remove_temporaries(out_dir)
        raise RunError(_write_failure(out_dir or Path(out_root), exc)) from exc
    finally:
        held.close()
        if pool is not None:
            pool.shutdown()


def _default_previous(
    out_root: Path, year: str, demo: bool, framework
) -> tuple[history.Record | None, str]:
    """Last year's record beside this run's output, if there is one: (record, "") or, when it
    is there but cannot be used, (None, why), so that the run goes on without it."""
    before = progress_module.previous_year(year)
    folder = Path(out_root) / (f"demo-{before}" if demo else before)
    if not (history.record_folder(folder) / history.RECORD_FILE).is_file():
        return None, ""
    try:
        return progress_module.load_previous(folder, demo=demo, edition=framework.edition), ""
    except history.RecordError as exc:
        return None, f"Progress since {before} is not shown: {exc}"


def _named(name: str, demo: bool) -> str:
    return marks.demo_name(name) if demo else name


def _write_failure(folder: Path, exc: OSError) -> str:
    """What to tell a person whose run could not write: space, another run, or the error."""
    if isinstance(exc, output_files.FolderBusy):
        return str(exc.strerror)
    if output_files.is_out_of_space(exc):
        return (
            f"The disk holding {folder} is full (no space left while writing: {exc}). Earlier "
            "outputs were left as they were. Free some space, or choose another folder with "
            "--out, and run again."
        )
    return f"The run could not write its outputs: {exc}"


def _remove_temporaries(out_dir: Path) -> None:
    """Temporaries a killed run left (and this one's, when it fails), in every output folder."""
    for folder in (out_dir, out_dir / "reports", out_dir / "feedback"):
        output_files.remove_temporaries(folder)


def _check_all(
    paths,
    members,
    options: dict,
    pool: pool_module.Pool | None,
    progress: Progress,
    spool: Spool,
    standings: Standings,
) -> list:
    """validate.check_file for every path, on the pool if there is one. Each return read is
    kept whole in `spool`, where it was read, and comes back packed (returns.pack): its
    standing rows go into `standings` as soon as it arrives, whichever file it is, and the
    returns themselves are opened, in the order of `paths`, once all have arrived, so that
    what the run keeps of each is made in one go rather than scattered among what reading the
    others left behind."""
    total = len(paths)
    progress("validate", 0, total)
    arrived: dict[int, Path] = {}

    def arrive(path: Path, packed: Packed) -> None:
        standings.add(packed)
        arrived[packed.index] = path
        progress("validate", len(arrived), total)

    codes = frozenset(members["code"])  # all check_file needs of the member list
    if pool is None:
        for index, path in enumerate(paths, start=1):
            arrive(path, _check_packed(path, codes, options, spool, index))
    else:
        pending = {
            pool.submit(_check_packed, path, codes, options, spool, index): path
            for index, path in enumerate(paths, start=1)
        }
        for future in pool.as_completed(pending):
            arrive(pending.pop(future), future.result())
    return [(path, *standings.open(index)) for index, path in sorted(arrived.items())]


def _check_packed(path: Path, members, options: dict, spool: Spool, index: int) -> Packed:
    """`_check_one`, the return kept in `spool` and packed to travel (returns.pack)."""
    found, problems = _check_one(path, members, options, spool, index)
    return pack(found, problems, index)


def _check_one(
    path: Path, members: pd.DataFrame, options: dict, spool: Spool | None = None, index: int = 0
) -> tuple:
    """validate.check_file, guarded: a file that trips an unforeseen bug is rejected, not fatal.

    Ingest already turns every bad file it knows of into a coded problem; this guard is for the
    one nobody has seen yet, so that the other returns in the batch still get their outputs.
    """
    try:
        found, problems = validate.check_file(path, members, **options)
    except Exception as exc:
        return None, [ingest.unforeseen(path, exc)]
    if found is not None and spool is not None:
        found = spool.keep(found, index)  # a full temporary folder stops the run
    return found, problems


def _most_common_year(checked: list) -> str | None:
    years = sorted(ret.reporting_year for _, ret, _ in checked if ret is not None)
    if not years:
        return None
    return max(sorted(set(years)), key=years.count)


def _ensure_writable(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out_dir, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise RunError(
            f"The output folder {out_dir} cannot be written ({exc.strerror or exc}). "
            "Choose another folder with --out, or fix its permissions."
        ) from exc


def _input_digest(path: Path) -> str | None:
    """The sha256 of a regular file; None for a pipe, a device or a broken link (never read)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        return sha256_file(path)
    except OSError:
        return None


def _write_run_record(result: RunResult, paths: list[Path], generated: dt.date) -> Path:
    """run.json: what was read and written (with sha256), versions, counts and timings."""
    import docx
    import openpyxl
    import pandera

    outputs = sorted(p for group in result.outputs.values() for p in group)
    root = result.out_dir.resolve()
    record = {
        "tool": "equality",
        "version": __version__,
        "framework_edition": framework_module.DEFAULT_EDITION,
        "year": result.year,
        "generated": generated.isoformat(),
        "demo": result.demo,
        "previous": {
            "folder": result.progress.previous_folder,
            "year": result.progress.previous_year,
        }
        if result.progress is not None
        else None,
        "inputs": [
            {"file": display_name(p.name), "sha256": _input_digest(p)}
            for p in sorted(paths, key=lambda p: p.name)
        ]
        if not result.demo
        else [],
        "returns": mail_record.with_mail_details(
            json.loads(
                result.batch.log.drop(columns=["path"], errors="ignore").to_json(
                    orient="records", date_format="iso"
                )
            ),
            result,
        ),
        "outputs": [
            {"file": Path(p).resolve().relative_to(root).as_posix(), "sha256": sha256_file(p)}
            for p in outputs
        ],
        "counts": result.counts,
        "edited_outputs": [
            {"file": Path(o.path).name, "status": o.status, "message": o.message}
            for o in [*result.report_outcomes, *result.output_outcomes]
            if o.status in ("kept-edited", "overwritten")
        ],
        "members_with_no_return": result.missing_members,
        "editor_prompts": {
            Path(o.path).name: list(o.prompts) for o in result.report_outcomes if o.prompts
        },
        "superseded_outputs": [
            {"file": item.file, "moved_to": item.moved_to} for item in result.superseded
        ],
        "versions": {
            "python": platform.python_version(),
            "pandas": pd.__version__,
            "openpyxl": openpyxl.__version__,
            "pandera": pandera.__version__,
            "python-docx": getattr(docx, "__version__", "unknown"),
        },
        "timings_seconds": {k: round(v, 3) for k, v in sorted(result.timings.items())},
    }
    path = result.out_dir / "run.json"
    text = json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return write_bytes_atomically(path, text.encode("utf-8"))
