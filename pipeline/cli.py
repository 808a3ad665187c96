"""The `equality` command: a thin click layer over the library. No logic lives here.

Each command opens its inputs, calls one library function, and turns the library's own errors into
one-line messages (`click.ClickException`, exit 1; usage errors exit 2).
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import click

from pipeline import __version__, framework, members, vocabulary

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


def member_code(members_file: Path | None, given: str) -> str:
    """The code --opcc names (code or force area, any case or spacing); else a usage error."""
    try:
        return members.resolve_code(load_member_list(members_file), given)
    except members.UnknownMember as exc:
        raise click.BadParameter(str(exc), param_hint="--opcc") from exc


def passwords_file(ctx, param, path: Path | None) -> dict[str, str]:
    from pipeline import ingest

    try:
        return ingest.load_passwords(path)
    except ingest.PasswordsError as exc:
        raise click.BadParameter(str(exc), param_hint="--passwords") from exc


def checked_year(ctx, param, year: str | None) -> str | None:
    from pipeline import vocabulary

    if year is not None and not vocabulary.is_valid_year(year):
        raise click.BadParameter(f"{year!r} is not a financial year like 2025-26.")
    return year


def returns_options(command):
    """--members, --year and --passwords: shared by every command that reads returns."""
    command = click.option(
        "--passwords",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        default=None,
        callback=passwords_file,
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


#: What a report's appendix holds (`pipeline.report.APPENDIX_CHOICES`, named here so that the
#: command line loads without the report package).
APPENDIX_CHOICES = ("full", "summary", "none")


def appendix_option(command):
    """--appendix full|summary|none: what the Equality Reports' appendix holds."""
    return click.option(
        "--appendix",
        type=click.Choice(APPENDIX_CHOICES),
        default="summary",
        show_default=True,
        help="The reports' appendix: every criterion with its status and evidence (full), the "
        "counts and every Not applicable claim with its reason (summary), or none.",
    )(command)


def language_option(command):
    """--language auto|en: Welsh and English reports for the members flagged Welsh, or English."""
    return click.option(
        "--language",
        type=click.Choice(["auto", "en"]),
        default="auto",
        show_default=True,
        help="auto: members flagged welsh in the member list get a Welsh (-cy) and an English "
        "(-en) report, each linking to the other; en: one English report for every member.",
    )(command)


def force_option(command):
    """--force: overwrite reports someone has edited (by default they are kept)."""
    return click.option(
        "--force", is_flag=True, help="Overwrite reports even if someone has edited them."
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
@click.option("--theme", type=int, default=None, help="Only this theme (its number).")
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
    try:
        table = loaded.table(theme)
    except KeyError as exc:
        raise click.BadParameter(exc.args[0], param_hint="--theme") from exc
    if output_format == "table":
        from pipeline import display

        display.print_framework(loaded, theme)
        return
    echo_frame(table, output_format)


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
@click.option(
    "--from",
    "from_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Last year's output folder (e.g. output/2025-26): carry each member's accepted return "
    "into its workbook. Default --year: the year after it.",
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
    from_dir: Path | None,
) -> None:
    """Generate the self-assessment workbook for each member named (or all of them).

    With --from, each workbook starts from the member's accepted return of that run, every
    carried row marked "Carried from <year> — check and update"; members with no accepted
    return get a blank workbook.

    \b
    Example:
        equality workbook --opcc west-midlands --year 2025-26 --out /tmp/workbooks
        equality workbook --all --deadline "31 July 2026" --date 2025-04-01
        equality workbook --all --from output/2025-26 --year 2026-27
    """
    from pipeline import workbook

    if bool(codes) == all_members:
        raise click.UsageError("Name members with --opcc CODE (one or more) or use --all.")
    codes = tuple(member_code(members_file, code) for code in codes)
    if from_dir is not None:
        _prefilled_workbooks(
            None if all_members else list(codes),
            year,
            out_dir,
            members_file,
            return_to,
            deadline,
            generated,
            edition,
            from_dir,
        )
        return
    try:
        paths = workbook.generate_workbooks(
            load_member_list(members_file),
            None if all_members else list(codes),
            year,
            out_dir,
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


def _prefilled_workbooks(
    codes, year, out_dir, members_file, return_to, deadline, generated, edition, from_dir
) -> None:
    """`equality workbook --from`: the record checked (a bad one is a usage error), then the
    prefilled workbooks and what was carried."""
    from pipeline import history, prefill, workbook

    member_list = load_member_list(members_file)
    try:
        previous = members.previous_codes(members_file)
    except members.MembersError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        record = history.load_record(from_dir, edition=edition)
        year = year or history.next_year(record.year)
        history.check_carry(record, year)
    except history.RecordError as exc:
        raise click.BadParameter(str(exc), param_hint="--from") from exc
    try:
        result = prefill.generate_prefilled_workbooks(
            member_list,
            codes,
            year,
            out_dir or Path("output") / "workbooks" / year,
            record,
            previous_codes=previous,
            framework=load_framework(edition),
            return_to=return_to,
            deadline=deadline,
            generated=generated,
        )
    except (workbook.WorkbookError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    for path in result.paths:
        click.echo(str(path))
    click.echo(result.describe(), err=True)
    click.echo(f"{len(result.paths)} workbook(s) written to {result.paths[0].parent}", err=True)


@main.command("run")
@click.argument(
    "input_dir",
    required=False,
    default=None,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
)
@click.option(
    "--out",
    "out_root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Output folder; results go in OUT/<year>/ (a demo run's in OUT/demo-<year>/).",
)
@returns_options
@click.option(
    "--template",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Word style template for the reports. Default: templates/report.docx.",
)
@appendix_option
@force_option
@click.option("--strict", is_flag=True, help="Exit 1 when any return was rejected.")
@click.option(
    "--pdf",
    is_flag=True,
    help="Also a tagged PDF of each Word report, contents with page numbers (needs LibreOffice).",
)
@click.option(
    "--max-unzipped-mb",
    type=click.IntRange(1),
    default=200,
    show_default=True,
    help="Reject a return that would unpack to more than this (a guard against zip bombs).",
)
@click.option(
    "--previous",
    type=click.Path(path_type=Path),
    default=None,
    help="Last year's output folder, to show progress since then (e.g. output/2024-25). "
    "Default: OUT/<the year before>/ when it holds a year record.",
)
@language_option
@date_option
def run_command(
    input_dir: Path,
    out_root: Path,
    year: str | None,
    members_file: Path | None,
    passwords: dict[str, str],
    template: Path | None,
    appendix: str,
    force: bool,
    strict: bool,
    pdf: bool,
    max_unzipped_mb: int,
    previous: Path | None,
    language: str,
    generated,
) -> None:
    """Validate, score and report on every return in INPUT_DIR (default: input/).

    Writes OUT/<year>/: reports/ (Word, a web page each, with --pdf a tagged PDF each),
    feedback/ (one workbook per return with problems), validation-summary.xlsx,
    equality-benchmark-<year>.xlsx (and its members' edition) and run.json. Every file in
    INPUT_DIR gets a verdict. With no INPUT_DIR named and nothing in input/ but its README, it
    runs on invented demo returns instead and writes OUT/demo-<year>/, every output marked DEMO;
    so does a run on a folder made by `equality demo`. With last year's output (--previous, or
    OUT/<the year before>/), the reports and the benchmark show what moved since then.

    \b
    Exit codes: 0 the run completed (whatever the returns' verdicts; see the summary),
    1 with --strict when a return was rejected, 2 usage error, 3 the run could not complete.

    \b
    Example:
        equality run input --out output
        equality run input --year 2025-26 --strict
        equality run input --out output --previous output/2024-25
        equality run input --pdf
        equality run --out output    (input/, or the demo run if it holds only its README)
        equality run input --language en    (English reports only, for the Welsh members too)
    """
    from pipeline import demo, display, history, report, run

    out = display.console(None)
    options = {
        "year": year,
        "members_file": members_file,
        "passwords": passwords,
        "template": template,
        "appendix": appendix,
        "generated": generated,
        "force": force,
        "max_unzipped_bytes": max_unzipped_mb * 1024 * 1024,
        "previous": previous,
        "language": language,
        "pdf": pdf,
    }
    try:
        with display.progress_bar(out) as progress:
            if input_dir is None and demo.holds_only_readme(run.DEFAULT_INPUT):
                result = demo.run_demo(out_root, progress=progress, **options)
            else:
                folder = input_dir or run.DEFAULT_INPUT
                made_by_demo = demo.made_by_demo(folder)
                result = run.run(folder, out_root, progress=progress, demo=made_by_demo, **options)
    except run.NoReturnsError as exc:
        raise click.UsageError(str(exc)) from exc
    except history.RecordError as exc:
        raise click.BadParameter(str(exc), param_hint="--previous") from exc
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

    from pipeline import demo

    year = year or vocabulary.year_for_date(datetime.date.today())
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
    echo_frame(batch.log[validate.LOG_SUMMARY_COLUMNS], "table")
    click.echo(batch.tally())
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
    skipped = batch.unused
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
    try:
        return validate.check_returns(paths, member_list, year=year, passwords=passwords)
    except validate.NoReturnsError as exc:
        raise click.ClickException(str(exc)) from exc


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
@appendix_option
@returns_options
@force_option
@language_option
@date_option
def report_command(
    paths: tuple[Path, ...],
    out_dir: Path | None,
    template: Path | None,
    appendix: str,
    members_file: Path | None,
    year: str | None,
    passwords: dict[str, str],
    force: bool,
    language: str,
    generated,
) -> None:
    """Write each accepted return's Equality Report: an editable, accessible Word document.

    PATH may be files or folders (searched recursively). Writes one report per accepted
    return, OUT/<code>-equality-report-<year>.docx. A report someone has edited since it was
    generated is left as it is and the new one is written beside it (.new.docx); --force
    overwrites. Restyle the reports by restyling the template in Word. A member flagged welsh
    in the member list gets OUT/<code>-equality-report-<year>-cy.docx and -en.docx, each
    linking to the other, unless --language en.

    \b
    Example:
        equality report input --out /tmp/reports
        equality report input/kent.xlsx --template my-report.docx --date 2026-05-01
        equality report input/gwent.xlsx --language en
        equality report input --appendix full
    """
    from pipeline import display, manifest, report

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
            appendix=appendix,
            generated=generated,
            force=force,
            welsh=members.welsh_codes(members_file) if language == "auto" else (),
        )
    except (report.ReportError, manifest.ManifestError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    for outcome in outcomes:
        click.echo(f"{outcome.path}: {outcome.status}")
        if outcome.prompts:
            click.echo(f"  {display.prompts_line(outcome.prompts)}")
        if outcome.status in ("kept-edited", "overwritten"):
            click.echo(f"  {outcome.message}", err=True)
    skipped = batch.unused
    if len(skipped):
        click.echo(
            f"No report for {len(skipped)} file(s) rejected or superseded "
            f"({', '.join(skipped['file'])}); run `equality validate` for the reasons.",
            err=True,
        )


@main.command("collect")
@click.argument("messages", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--into",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Input folder to save the workbooks in, e.g. input/2025-26.",
)
@members_option
@click.option(
    "--max-unzipped-mb",
    type=click.IntRange(1),
    default=200,
    show_default=True,
    help="Skip a message or workbook larger than this (a guard against zip bombs).",
)
def collect_command(
    messages: tuple[Path, ...], into: Path, members_file: Path | None, max_unzipped_mb: int
) -> None:
    """Save the workbooks attached to saved messages into INTO, with where each came from.

    MESSAGES are .eml, Outlook .msg or .mbox files, or folders of them. Each workbook (also in
    forwarded or attached messages) is saved as <member>-<yyyymmdd-hhmm>.xlsx, named from the
    member it claims and the message's date; INTO/collected.json records sender, date, subject,
    message id, original name and sha256. The same file twice is saved once; messages with no
    workbook are listed with the reason. Nothing is run, opened or sent.

    \b
    Example:
        equality collect ~/Desktop/returns --into input/2025-26
        equality collect inbox.mbox kent.msg --into input/2025-26
    """
    from pipeline.mail import collect

    codes = set(load_member_list(members_file)["code"])
    try:
        result = collect.collect(
            list(messages), into, member_codes=codes, max_bytes=max_unzipped_mb * 1024 * 1024
        )
    except OSError as exc:
        raise click.ClickException(str(exc)) from exc
    for line in collect.summary(result):
        click.echo(line)


@main.command("feedback-mail")
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--deadline", default=None, help="Date to ask for corrected returns by, as text.")
@click.option("--from", "sender", default=None, help="From address of the drafts (optional).")
@members_option
@click.option("--force", is_flag=True, help="Overwrite drafts even if someone has edited them.")
@click.option(
    "--date",
    "draft_date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    metavar="YYYY-MM-DD",
    default=None,
    callback=lambda ctx, param, value: value.date() if value else None,
    help="Date on the drafts (YYYY-MM-DD). Default: the date of the run.",
)
def feedback_mail_command(
    out_dir: Path,
    deadline: str | None,
    sender: str | None,
    members_file: Path | None,
    force: bool,
    draft_date,
) -> None:
    """Write a draft reply (.eml) for every return that needs attention and every accepted one.

    OUT_DIR is a run's output folder (output/<year>). Each draft, OUT_DIR/drafts/<code>-
    feedback.eml or <code>-accepted.eml, is addressed to the return's contact (else its sender),
    says the verdict, how many problems, what to do and by when, and attaches the feedback
    workbook or the report. Nothing is sent: open a draft in Outlook or Thunderbird and send it.

    \b
    Example:
        equality feedback-mail output/2025-26 --deadline "30 June 2026"
        equality feedback-mail output/2025-26 --from equality@apcc.example.org.uk
    """
    from pipeline.mail import drafts

    try:
        written = drafts.write_drafts(
            out_dir,
            members=load_member_list(members_file),
            deadline=deadline,
            sender=sender,
            date=draft_date,
            force=force,
        )
    except OSError as exc:
        raise click.ClickException(str(exc)) from exc
    for draft in written:
        click.echo(f"{draft.path}: {draft.kind} to {draft.to or '(no address)'} ({draft.status})")
        if draft.note:
            click.echo(f"  {draft.note}", err=True)
    click.echo(f"{len(written)} draft(s) in {Path(out_dir) / drafts.DRAFTS_FOLDER}", err=True)


@main.command("suggest")
@click.argument("documents", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--opcc", "code", required=True, metavar="CODE", help="The OPCC's member code.")
@click.option(
    "--workbook",
    "workbook_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="The OPCC's workbook: a copy gets its blank Evidence cells pre-filled.",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Suggestions workbook. Default: output/suggestions/<code>-evidence-suggestions.xlsx.",
)
@click.option(
    "--workbook-out",
    "workbook_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where the pre-filled copy goes. Default: beside --out, named <workbook>-suggested.xlsx.",
)
@members_option
@date_option
def suggest_command(
    documents: tuple[Path, ...],
    code: str,
    workbook_file: Path | None,
    out_file: Path | None,
    workbook_out: Path | None,
    members_file: Path | None,
    generated,
) -> None:
    """Suggest which criteria the OPCC's own documents already evidence, and where.

    DOCUMENTS are .docx, .pdf (with a text layer) or .txt files: the equality policy, equality
    objectives, annual report and so on. Each is split into paragraphs and numbered clauses,
    and every criterion gets its three best passages. Confident ones are listed on the
    Suggestions sheet and, with --workbook, written into a copy of the OPCC's workbook as
    "Suggested — check: <document>, <clause>" in Evidence cells the OPCC left blank. Statuses
    are never set: the OPCC decides whether a criterion is Met. The inputs are only read.

    \b
    Example:
        equality suggest equality-policy.docx annual-report.pdf --opcc west-midlands
        equality suggest policy.pdf --opcc kent --workbook input/kent.xlsx --out /tmp/kent.xlsx
    """
    from pipeline import suggest, suggestions

    code = member_code(members_file, code)
    read = suggestions.read_documents(documents)
    for note in read.notes:
        click.echo(note, err=True)
    if not read.passages:
        raise click.ClickException("No suggestion made: no document had text to read.")
    loaded = framework.load()
    found = suggest.suggest(read.passages, loaded)
    out_file = out_file or Path("output/suggestions") / suggestions.SUGGESTIONS_NAME.format(
        code=code
    )
    try:
        written = suggestions.write_suggestions(
            found, loaded, read, out_file, opcc=code, generated=generated
        )
        click.echo(
            f"{written}: {found.loc[found['confident'], 'criterion_id'].nunique()} of "
            f"{len(loaded.criteria)} criteria have a confident suggestion, from "
            f"{len(read.passages)} passages in {len(read.documents)} document(s)."
        )
        if workbook_file is not None:
            target = workbook_out or out_file.with_name(f"{workbook_file.stem}-suggested.xlsx")
            prefill = suggestions.prefill_workbook(workbook_file, target, found, opcc=code)
            click.echo(
                f"{prefill.path}: {len(prefill.filled)} Evidence cell(s) pre-filled; "
                f"{len(prefill.kept)} already filled by the OPCC were left as they were."
            )
    except (suggestions.SuggestError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc


def command() -> None:
    """The `equality` command: `main`, in a process that ends with it. What the process holds is
    frozen on the way out, so that the garbage collector does not walk all of it once more just
    before the system frees it (a fifth of a second after a run of 43 returns)."""
    try:
        main()
    finally:
        gc.freeze()


if __name__ == "__main__":
    command()
