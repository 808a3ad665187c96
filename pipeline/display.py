"""Showing frames to a person in the terminal: rich tables, or CSV and Markdown to copy."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from pipeline.framework import Framework
from pipeline.progress import summary as progress_summary

DEMO_NOTICE = (
    "DEMO RUN: THESE RESULTS COME FROM INVENTED DEMO RETURNS, NOT REAL ONES. THEIR OUTPUTS ARE IN "
    "A DEMO-<YEAR> FOLDER AND SAY DEMO. PUT THE REAL RETURNS IN INPUT/ AND RUN AGAIN."
)


def console(file=None) -> Console:
    """A console that wraps to the terminal, or to 120 columns when output goes to a file."""
    return Console(file=file, width=None if file is None else 120, soft_wrap=False)


def render(frame: pd.DataFrame, output_format: str) -> str:
    """The frame as text: 'table' (rich), 'csv' or 'markdown'."""
    if output_format == "csv":
        return frame.to_csv(index=False)
    if output_format == "markdown":
        return _markdown(frame)
    if output_format == "json":
        return frame.to_json(orient="records", indent=2, force_ascii=False) + "\n"
    table = Table(show_lines=False, header_style="bold")
    for column in frame.columns:
        table.add_column(str(column), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*(Text("" if pd.isna(v) else str(v)) for v in row))
    buffer = io.StringIO()
    Console(file=buffer, width=160, force_terminal=False).print(table)
    return buffer.getvalue()


def _markdown(frame: pd.DataFrame) -> str:
    def cell(value: object) -> str:
        text = "" if pd.isna(value) else str(value)
        return text.replace("|", "\\|").replace("\n", "<br>")

    lines = [
        "| " + " | ".join(cell(c) for c in frame.columns) + " |",
        "| " + " | ".join("---" for _ in frame.columns) + " |",
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join(lines) + "\n"


def print_framework(framework: Framework, theme: int | None = None) -> None:
    """The framework as a person reads it: theme, then each level's descriptor and criteria."""
    out = Console(width=110, soft_wrap=False, highlight=False)
    out.print(Text(f"{framework.title} — edition {framework.edition} ({framework.update})", "bold"))
    for section in framework.sections:
        themes = [t for t in section.themes if theme is None or t.number == theme]
        if not themes:
            continue
        out.print(Text(f"\nSection {section.number}: {section.title}", "bold"))
        for item in themes:
            out.print(Text(f"\nTheme {item.number}: {item.title}", "bold"))
            for level in item.levels:
                out.print(Text(f"\n  {level.code} {level.name}", "bold"))
                for paragraph in level.descriptor.split("\n\n"):
                    out.print(Text(f"  {paragraph}", "italic"))
                table = Table(show_header=False, box=None, padding=(0, 1, 0, 4))
                table.add_column(no_wrap=True)
                table.add_column(overflow="fold")
                for criterion in level.criteria:
                    table.add_row(Text(criterion.id), Text(criterion.text))
                out.print(table)


@contextmanager
def progress_bar(out: Console) -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress bar, one line per step, driven by progress(step, done, total) calls."""
    bar = Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=out,
        transient=False,
    )
    tasks: dict[str, TaskID] = {}

    def update(step: str, done: int, total: int) -> None:
        if step not in tasks:
            tasks[step] = bar.add_task(step, total=max(total, 1))
        bar.update(tasks[step], completed=done if total else 1, total=max(total, 1))

    with bar:
        yield update


def prompts_line(prompts: Iterable[str]) -> str:
    """'4 editor prompts left: Date of publication; Commentary on theme 1, 3; Evidence for
    2.1.a': labels that differ only in their last number are listed once."""
    prompts = list(prompts)
    groups: dict[str, list[str]] = {}
    for label in prompts:
        match = re.fullmatch(r"(.*\D) (\d[\w.]*)", label)
        stem, number = (match.group(1), match.group(2)) if match else (label, "")
        groups.setdefault(stem, [])
        if number:
            groups[stem].append(number)
    listed = "; ".join(
        f"{stem}{'s' if len(n) > 1 and stem.endswith('theme') else ''} {', '.join(n)}"
        if n
        else stem
        for stem, n in groups.items()
    )
    count = len(prompts)
    return f"{count} editor prompt{'' if count == 1 else 's'} left: {listed}"


def print_reports(out: Console, outcomes: Iterable) -> None:
    """Per report: its pages (when a PDF of it lies beside it) and the editor prompts left."""
    from pipeline import report

    table = Table(header_style="bold", title="Reports: pages and editor prompts left")
    for column in ("Report", "Pages", "Prompts", "Editor prompts left"):
        table.add_column(column, overflow="fold")
    for outcome in outcomes:
        pdf = outcome.path.with_suffix(".pdf")
        try:
            pages = str(report.page_count(pdf)) if pdf.is_file() else ""
        except report.ReportError:
            pages = "?"
        if not pages and not outcome.prompts:
            continue
        what = prompts_line(outcome.prompts).split(": ", 1)[1] if outcome.prompts else ""
        table.add_row(Text(outcome.code), pages, str(len(outcome.prompts)), Text(what))
    if table.row_count:
        out.print(table)


def print_run_summary(out: Console, result) -> None:
    """What happened to each return, and where every output is."""
    if result.demo:
        out.print(Text(DEMO_NOTICE, "bold yellow"))
        out.print(Text(result.demo_description), highlight=False)
    title = f"{'DEMO — ' if result.demo else ''}Equality returns {result.year}"
    counts = Table(title=title, header_style="bold")
    counts.add_column("Outcome")
    counts.add_column("Returns", justify="right")
    for outcome, count in result.counts.items():
        counts.add_row(outcome, str(count))
    out.print(counts)
    if result.progress is not None:
        out.print(Text(progress_summary(result.progress)), highlight=False)
    if result.previous_note:
        out.print(Text(result.previous_note), style="yellow", highlight=False)

    log = result.batch.log
    problems = result.batch.problems
    # Clean returns need no attention; list only the ones that do.
    noted = log[log["verdict"] != "accepted"] if len(log) else log
    if len(noted):
        files = Table(header_style="bold", title="Returns that need attention")
        for column in ("File", "Member", "Verdict", "Errors", "Warnings"):
            files.add_column(column, overflow="fold")
        for row in noted.itertuples(index=False):
            files.add_row(
                Text(str(row.file)),
                Text(str(row.opcc_code or "?")),
                Text(str(row.verdict)),
                str(row.errors),
                str(row.warnings),
            )
        out.print(files)
    rejected = problems[problems["severity"] == "error"] if len(problems) else problems
    for row in rejected.itertuples(index=False):
        out.print(Text(f"{row.file}: [{row.code}] {row.message} {row.fix}"), highlight=False)
    # An edited output kept, or overwritten with --force: either way the person must hear of it.
    outcomes = [
        *result.report_outcomes,
        *getattr(result, "output_outcomes", []),
        *getattr(result, "publish_outcomes", []),
    ]
    for outcome in outcomes:
        if outcome.status not in ("written", "unchanged"):
            out.print(Text(outcome.message), style="yellow", highlight=False)
    print_reports(out, result.report_outcomes)
    print_superseded(out, result)
    print_warning_counts(out, result)
    where = Table(header_style="bold", title="Outputs")
    where.add_column("What")
    where.add_column("Where", overflow="fold")
    for what, paths in result.outputs.items():
        if not paths:
            continue
        folder = paths[0] if len(paths) == 1 else paths[0].parent
        label = f"{what} ({len(paths)})" if len(paths) > 1 else what
        where.add_row(label, Text(relative(folder)))
    out.print(where)
    print_next_steps(out, result)
    if result.demo:
        out.print(Text(DEMO_NOTICE, "bold yellow"))


def print_superseded(out: Console, result) -> None:
    """One line for the outputs of an earlier run that this run moved aside, and where to."""
    moved = getattr(result, "superseded", [])
    if not moved:
        return
    folder = Path(result.out_dir) / Path(moved[0].moved_to).parents[-3]
    out.print(
        Text(
            f"Moved {len(moved)} output(s) of an earlier run that this run did not make to "
            f"{relative(folder)}: {', '.join(Path(item.file).name for item in moved)}",
            "yellow",
        ),
        highlight=False,
    )


def relative(path: Path | str) -> str:
    """A path as the person typing sees it: relative to where they stand, when it is below."""
    try:
        return os.path.relpath(Path(path))
    except ValueError:  # another drive on Windows
        return str(path)


def print_warning_counts(out: Console, result) -> None:
    """The warnings of the batch by code: how many of each, and what the code means."""
    from pipeline.problems import WARNING, Code

    problems = result.batch.problems
    if not len(problems):
        return
    counts = problems.loc[problems["severity"] == WARNING, "code"].value_counts()
    if counts.empty:
        return
    table = Table(header_style="bold", title="Warnings")
    table.add_column("Code")
    table.add_column("Count", justify="right")
    table.add_column("What it means", overflow="fold")
    for code in sorted(counts.index):
        table.add_row(code, str(int(counts[code])), Text(Code[code].rule.title))
    out.print(table)


def next_steps(result, width: int = 80) -> list[str]:
    """What the person who ran the batch does next, one line each: whom to email which
    feedback file, whom to chase, which new versions to merge into their edited files."""
    from pipeline import feedback, marks, normalise

    batch = result.batch
    out_dir = Path(result.out_dir)
    contacts = {}
    for found in batch.returns:
        email = normalise.clean_text(found.profile.get("contact_email"))
        if normalise.is_email(email):
            contacts[found.opcc_code] = email
    written = {Path(path).name: Path(path) for path in result.outputs.get("feedback", [])}
    log = batch.log.set_index("file", drop=False) if len(batch.log) else batch.log
    lines = []
    emails = []
    if len(log):
        for file, name in feedback.feedback_names(batch.log, batch.problems).items():
            name = marks.demo_name(name) if result.demo else name
            path = written.get(name, out_dir / "feedback" / name)
            code = str(log.loc[file, "opcc_code"] or "")
            who = code or f"the sender of {file}"
            end = f" to {who}" + (f" ({contacts[code]})" if code in contacts else "")
            emails.append((path, end))
    if emails:
        lines.append(f"Email each feedback file in {relative(emails[0][0].parent)}/:")
        for path, end in emails:
            lines.extend(_name_then(path.name, end, width))
    if result.missing_members:
        lines.append("Chase (no return): " + ", ".join(result.missing_members))
    kept = [
        Path(outcome.path)
        for outcome in [*result.report_outcomes, *getattr(result, "output_outcomes", [])]
        if outcome.status == "kept-edited"
    ]
    for folder in sorted({new.parent for new in kept}):
        lines.append(f"Merge your edits, in {relative(folder)}/:")
        for new in sorted(p for p in kept if p.parent == folder):
            mine = re.sub(r"\.new(-\d+)?(?=\.[^.]+$)", "", new.name)
            lines.extend(_name_then(new.name, f" (your edited {mine} was kept)", width))
    return lines


def _name_then(name: str, rest: str, width: int) -> list[str]:
    """A file name and what to do with it: on one line when it fits, else the rest on a line of
    its own. File names are never cut: the person types or pastes them whole."""
    if 2 + len(name) + len(rest) <= width:
        return [f"  {name}{rest}"]
    return [f"  {name}", f"    {rest.strip()}"]


def print_next_steps(out: Console, result) -> None:
    """The "What to do next" block of the run summary."""
    lines = next_steps(result, width=max(40, (out.width or 80) - 2))
    if not lines:
        return
    out.print(Text("What to do next", "bold"))
    for line in lines:
        out.print(Text(f"  {line}"), highlight=False, overflow="fold")
