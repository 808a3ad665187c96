"""The `equality` command: a thin click layer over the library. No logic lives here.

Each command opens its inputs, calls one library function, and turns the library's own errors into
one-line messages (`click.ClickException`, exit 1; usage errors exit 2).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline import __version__, framework, members

FORMATS = click.Choice(["table", "csv", "markdown"])


def members_option(command):
    """--members FILE, shared by every command that uses the member list."""
    return click.option(
        "--members",
        "members_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Member list CSV (code, force_area, policing_body, region). Default: built-in list.",
    )(command)


def load_passwords(path: Path | None) -> dict[str, str]:
    """member code -> password, from a two-column CSV (code,password)."""
    if path is None:
        return {}
    import csv

    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = [row for row in csv.reader(handle) if row and row[0].strip()]
    if rows and rows[0][0].strip().lower() == "code":
        rows = rows[1:]
    if any(len(row) < 2 for row in rows):
        raise click.BadParameter(
            f"{path}: every line must be 'member code,password' (e.g. west-midlands,Secret1).",
            param_hint="--passwords",
        )
    return {row[0].strip(): row[1] for row in rows}


def checked_year(ctx, param, year: str | None) -> str | None:
    from pipeline import layout

    if year is not None and not layout.is_valid_year(year):
        raise click.BadParameter(f"{year!r} is not a financial year like 2025-26.")
    return year


def returns_options(command):
    """--members, --year and --passwords: shared by every command that reads returns."""
    command = click.option(
        "--passwords",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        default=None,
        callback=lambda ctx, param, path: load_passwords(path),
        help="CSV of member code,password, for password-protected returns.",
    )(command)
    command = click.option(
        "--year",
        default=None,
        callback=checked_year,
        help="Reporting year, e.g. 2025-26: returns for any other year are rejected.",
    )(command)
    return members_option(command)


def date_option(command):
    """--date YYYY-MM-DD: the date written into outputs, so that reruns give the same files."""
    import datetime

    return click.option(
        "--date",
        "generated",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        metavar="YYYY-MM-DD",
        default=None,
        callback=lambda ctx, param, value: value.date() if value else datetime.date.today(),
        help="Date written into the outputs (YYYY-MM-DD), for repeatable files. Default: today.",
    )(command)


def load_member_list(members_file: Path | None):
    try:
        return members.load_members(members_file)
    except members.MembersError as exc:
        raise click.ClickException(str(exc)) from exc


def load_framework(edition: str) -> framework.Framework:
    try:
        return framework.load(edition)
    except framework.FrameworkError as exc:
        raise click.ClickException(str(exc)) from exc


def echo_frame(frame, output_format: str) -> None:
    """Print a DataFrame as a rich table, CSV or Markdown."""
    from pipeline import display

    click.echo(display.render(frame, output_format), nl=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="equality")
def main() -> None:
    """Run the APCC Equality Framework self-assessment: workbooks out, returns in, reports out.

    \b
    Example:
        equality framework show --theme 9
        equality members
    """


@main.group("framework")
def framework_group() -> None:
    """Read the framework: sections, themes, levels and criteria."""


@framework_group.command("show")
@click.option("--theme", type=int, default=None, help="Only this theme (1 to 16).")
@click.option("--edition", default=framework.DEFAULT_EDITION, show_default=True)
@click.option("--format", "output_format", type=FORMATS, default="table", show_default=True)
def framework_show(theme: int | None, edition: str, output_format: str) -> None:
    """Print the framework's criteria for a person to read and check.

    \b
    Example:
        equality framework show --theme 9
        equality framework show --format csv > framework.csv
    """
    loaded = load_framework(edition)
    if theme is not None and theme not in {t.number for t in loaded.themes}:
        raise click.BadParameter(
            f"there is no theme {theme}; themes are 1 to {len(loaded.themes)}.",
            param_hint="--theme",
        )
    if output_format == "table":
        from pipeline import display

        display.print_framework(loaded, theme)
        return
    columns = [c for c in framework.FRAME_COLUMNS if c != "level_rank"]
    frame = loaded.frame
    if theme is not None:
        frame = frame[frame["theme"] == theme]
    echo_frame(frame[columns], output_format)


@main.command("members")
@members_option
@click.option("--format", "output_format", type=FORMATS, default="table", show_default=True)
def members_command(members_file: Path | None, output_format: str) -> None:
    """List the members: one policing body per police force area.

    \b
    Example:
        equality members
        equality members --members my-members.csv --format csv
    """
    echo_frame(load_member_list(members_file), output_format)


@main.command("workbook")
@click.option("--opcc", "codes", multiple=True, metavar="CODE", help="Member code; repeatable.")
@click.option("--all", "all_members", is_flag=True, help="Every member in the member list.")
@click.option("--year", default=None, help="Financial year, e.g. 2025-26. Default: this one.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder. Default: output/workbooks/<year>/.",
)
@members_option
@click.option(
    "--return-to",
    default=None,
    help="Address shown for returns. Default: equality@apccs.police.uk.",
)
@click.option("--deadline", default=None, help="Deadline shown as given, e.g. '31 July 2026'.")
@date_option
@click.option(
    "--edition", default=framework.DEFAULT_EDITION, show_default=True, help="Framework edition."
)
def workbook_command(
    codes: tuple[str, ...],
    all_members: bool,
    year: str | None,
    out_dir: Path | None,
    members_file: Path | None,
    return_to: str | None,
    deadline: str | None,
    generated,
    edition: str,
) -> None:
    """Generate the self-assessment workbook for each member named (or all of them).

    \b
    Example:
        equality workbook --opcc west-midlands --year 2025-26 --out /tmp/workbooks
        equality workbook --all --deadline "31 July 2026" --date 2025-04-01
    """
    from pipeline import workbook

    if bool(codes) == all_members:
        raise click.UsageError("Name members with --opcc CODE (one or more) or use --all.")
    year = year or workbook.default_year(generated)
    try:
        paths = workbook.generate_workbooks(
            load_member_list(members_file),
            None if all_members else list(codes),
            year,
            out_dir or Path("output") / "workbooks" / year,
            framework=load_framework(edition),
            return_to=return_to,
            deadline=deadline,
            generated=generated,
        )
    except (workbook.WorkbookError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    for path in paths:
        click.echo(str(path))
    click.echo(f"{len(paths)} workbook(s) written to {paths[0].parent}", err=True)


@main.command("run")
@click.argument(
    "input_dir", required=False, default="input", type=click.Path(file_okay=False, path_type=Path)
)
@click.option(
    "--out",
    "out_root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Output folder; results go in OUT/<year>/.",
)
@returns_options
@click.option(
    "--template",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Word style template for the reports. Default: templates/report.docx.",
)
@click.option("--force", is_flag=True, help="Overwrite reports even if someone has edited them.")
@click.option("--strict", is_flag=True, help="Exit 1 when any return was rejected.")
@click.option(
    "--max-unzipped-mb",
    type=click.IntRange(1),
    default=200,
    show_default=True,
    help="Reject a return that would unpack to more than this (a guard against zip bombs).",
)
@date_option
def run_command(
    input_dir: Path,
    out_root: Path,
    year: str | None,
    members_file: Path | None,
    passwords: dict[str, str],
    template: Path | None,
    force: bool,
    strict: bool,
    max_unzipped_mb: int,
    generated,
) -> None:
    """Validate, score and report on every return in INPUT_DIR (default: input/).

    Writes OUT/<year>/: reports/ (Word), feedback/ (one workbook per return with problems),
    validation-summary.xlsx, equality-benchmark-<year>.xlsx and run.json. With no returns in
    INPUT_DIR it runs on a demo set, and says so.

    \b
    Exit codes: 0 the run completed (whatever the returns' verdicts; see the summary),
    1 with --strict when a return was rejected, 2 usage error, 3 the run could not complete.

    \b
    Example:
        equality run input --out output
        equality run input --year 2025-26 --strict
    """
    from pipeline import display, report, run

    out = display.console(None)
    try:
        with display.progress_bar(out) as progress:
            result = run.run(
                input_dir,
                out_root,
                year=year,
                members_file=members_file,
                passwords=passwords,
                template=template,
                generated=generated,
                force=force,
                max_unzipped_bytes=max_unzipped_mb * 1024 * 1024,
                progress=progress,
            )
    except (members.MembersError, report.ReportError) as exc:
        raise click.ClickException(str(exc)) from exc
    except run.RunError as exc:
        out.print(f"Error: {exc}", markup=False, highlight=False)
        sys.exit(3)
    display.print_run_summary(out, result)
    if strict and result.rejected:
        sys.exit(1)


@main.command("demo")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the demo returns: empty, or made by an earlier demo. "
    "Default: output/demo-returns/<year>/ (never input/).",
)
@click.option("--seed", type=int, default=2025, show_default=True, help="Same seed, same files.")
@click.option(
    "--year", default=None, help="Reporting year, e.g. 2025-26. Default: the current one."
)
@members_option
def demo_command(
    out_dir: Path | None, seed: int, year: str | None, members_file: Path | None
) -> None:
    """Make invented, realistic filled returns for every member but one, to try the batch on.

    A few carry warnings, one is rejected, one member sends two and one sends none, so every
    verdict shows. Nothing is written to input/.

    \b
    Example:
        equality demo
        equality demo --out /tmp/demo --seed 7 --year 2025-26
        equality run /tmp/demo --out /tmp/demo-output
    """
    import datetime

    from pipeline import demo, workbook

    year = year or workbook.default_year(datetime.date.today())
    try:
        made = demo.make_demo_returns(
            out_dir or demo.DEFAULT_FOLDER / year,
            seed=seed,
            year=year,
            members=load_member_list(members_file),
        )
    except (demo.DemoError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(demo.describe(made))


@main.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output") / "validation",
    show_default=True,
    help="Folder for validation-summary.xlsx and the feedback workbooks.",
)
@returns_options
def validate_command(
    paths: tuple[Path, ...],
    out_dir: Path,
    members_file: Path | None,
    year: str | None,
    passwords: dict[str, str],
) -> None:
    """Check returned workbooks: which can be used, and what each OPCC should fix.

    PATH may be files or folders (searched recursively). Prints one line per file (accepted,
    accepted with warnings, rejected or superseded) and writes OUT/validation-summary.xlsx (every
    problem, with file, sheet and cell) and, for each return with problems,
    OUT/<code>-feedback.xlsx: a copy of the OPCC's workbook with each problem cell marked and a
    Feedback sheet, ready to email back. The returns are only read. Exit 0 even when returns are
    rejected.

    \b
    Example:
        equality validate input
        equality validate input/kent.xlsx --year 2025-26 --out /tmp/validation
    """
    from pipeline import feedback, validate

    batch = _checked_batch(paths, members_file, year, passwords)
    try:
        written = feedback.write_outputs(batch, out_dir)
    except OSError as exc:
        raise click.ClickException(f"Cannot write the feedback to {out_dir}: {exc}") from exc
    columns = ["file", "opcc_code", "verdict", "errors", "warnings"]
    echo_frame(batch.log[columns], "table")
    counts = batch.log["verdict"].value_counts()
    tally = ", ".join(f"{counts[v]} {v}" for v in validate.VERDICTS if v in counts)
    click.echo(f"{len(batch.log)} file(s): {tally}.")
    click.echo(f"Wrote {written[0]} and {len(written) - 1} feedback workbook(s) to {out_dir}.")


@main.command("score")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
)
@click.option(
    "--by",
    type=click.Choice(["theme", "section"]),
    default="theme",
    show_default=True,
    help="One row per theme, or per section, of each OPCC.",
)
@returns_options
def score_command(
    paths: tuple[Path, ...],
    output_format: str,
    by: str,
    members_file: Path | None,
    year: str | None,
    passwords: dict[str, str],
) -> None:
    """Print the level each accepted return reaches, per theme or per section.

    PATH may be files or folders (searched recursively). Levels are cumulative: Not yet
    Developing, Developing, Achieving, Advancing. Rejected returns are not scored (a note on
    stderr says how many; `equality validate` says why).

    \b
    Example:
        equality score input --by section
        equality score input/kent.xlsx --format csv > kent-levels.csv
    """
    from pipeline import validate

    batch = _checked_batch(paths, members_file, year, passwords)
    echo_frame(validate.score_table(batch, framework.load(), by), output_format)
    skipped = batch.log[batch.log["verdict"].isin([validate.REJECTED, validate.SUPERSEDED])]
    if len(skipped):
        click.echo(
            f"Not scored: {len(skipped)} file(s) rejected or superseded "
            f"({', '.join(skipped['file'])}); run `equality validate` for the reasons.",
            err=True,
        )


def _checked_batch(paths, members_file: Path | None, year: str | None, passwords):
    """Shared by validate and score: the members, passwords and year checked, then the batch."""
    from pipeline import validate

    member_list = load_member_list(members_file)
    found = validate.discover(paths)
    if not found:
        raise click.ClickException(
            f"No workbooks (.xlsx) found in {', '.join(map(str, paths))}. Give the returned "
            "files, or the folder that holds them."
        )
    return validate.check_returns(paths, member_list, year=year, passwords=passwords)


@main.command("report")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the reports. Default: output/<year>/reports/.",
)
@click.option(
    "--template",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Word style template. Default: templates/report.docx.",
)
@returns_options
@click.option("--force", is_flag=True, help="Overwrite reports even if someone has edited them.")
@date_option
def report_command(
    paths: tuple[Path, ...],
    out_dir: Path | None,
    template: Path | None,
    members_file: Path | None,
    year: str | None,
    passwords: dict[str, str],
    force: bool,
    generated,
) -> None:
    """Write each accepted return's Equality Report: an editable, accessible Word document.

    PATH may be files or folders (searched recursively). Writes one report per accepted
    return, OUT/<code>-equality-report-<year>.docx. A report someone has edited since it was
    generated is left as it is and the new one is written beside it (.new.docx); --force
    overwrites. Restyle the reports by restyling the template in Word.

    \b
    Example:
        equality report input --out /tmp/reports
        equality report input/kent.xlsx --template my-report.docx --date 2026-05-01
    """
    from pipeline import manifest, report, validate

    batch = _checked_batch(paths, members_file, year, passwords)
    if not batch.returns:
        raise click.ClickException(
            "No report written: no return could be used. Run `equality validate` for the reasons."
        )
    try:
        outcomes = report.report_returns(
            batch.returns,
            framework.load(),
            load_member_list(members_file),
            out_dir=out_dir,
            template=template,
            generated=generated,
            force=force,
        )
    except (report.ReportError, manifest.ManifestError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    for outcome in outcomes:
        click.echo(f"{outcome.path}: {outcome.status}")
        if outcome.status in ("kept-edited", "overwritten"):
            click.echo(f"  {outcome.message}", err=True)
    skipped = batch.log[batch.log["verdict"].isin([validate.REJECTED, validate.SUPERSEDED])]
    if len(skipped):
        click.echo(
            f"No report for {len(skipped)} file(s) rejected or superseded "
            f"({', '.join(skipped['file'])}); run `equality validate` for the reasons.",
            err=True,
        )


if __name__ == "__main__":
    sys.exit(main())
