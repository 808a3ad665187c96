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


if __name__ == "__main__":
    sys.exit(main())
