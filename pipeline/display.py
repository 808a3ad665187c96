"""Showing frames to a person in the terminal: rich tables, or CSV and Markdown to copy."""

from __future__ import annotations

import io

import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipeline.framework import Framework


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
