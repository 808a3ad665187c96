"""The self-assessment workbook, opened as the OPCC and the pipeline open it."""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from helpers import GENERATED, needs_libreoffice, recalculate
from openpyxl import load_workbook

from pipeline import ingest, layout, outputs, scoring, sheets, vocabulary, workbook
from pipeline.cli import main
from pipeline.fill import fill_workbook
from pipeline.vocabulary import LEVEL_LADDER, LEVELS, NOT_YET

CRITERION_ID = re.compile(r"^\d+\.[123]\.[a-z]$")
SHEETS = [
    layout.START_SHEET,
    layout.PROFILE_SHEET,
    *layout.SECTION_SHEETS.values(),
    layout.OBJECTIVES_SHEET,
    layout.SCORECARD_SHEET,
    layout.META_SHEET,
]
LABEL = layout.CRITERION_COLUMNS


def header(ws, labels) -> tuple[int, dict[str, int]]:
    """The first row holding all `labels`, and label -> column number."""
    for row in ws.iter_rows(min_row=1, max_row=10):
        found = {c.value: c.column for c in row if isinstance(c.value, str)}
        if set(labels) <= set(found):
            return row[0].row, found
    raise AssertionError(f"no header row with {labels} on {ws.title}")


def criterion_rows(ws) -> dict[str, int]:
    """Criterion id -> row, found by the ID column as the reader finds it."""
    top, columns = header(ws, LABEL.values())
    rows = {}
    for row in range(top + 1, ws.max_row + 1):
        value = ws.cell(row, columns[LABEL["criterion_id"]]).value
        if isinstance(value, str) and CRITERION_ID.match(value):
            assert value not in rows, f"{value} appears twice on {ws.title}"
            rows[value] = row
    return rows


def commentary_rows(ws) -> dict[int, int]:
    return {
        int(match[1]): cell.row
        for (cell,) in ws.iter_rows(min_col=1, max_col=1)
        if isinstance(cell.value, str) and (match := layout.COMMENTARY_PATTERN.match(cell.value))
    }


def unlocked(ws) -> set[str]:
    return {
        cell.coordinate
        for row in ws.iter_rows(min_row=1, max_row=ws.max_row, max_col=ws.max_column)
        for cell in row
        if not cell.protection.locked
    }


def validation_for(ws, coordinate: str):
    matches = [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]
    assert len(matches) == 1, f"{ws.title}!{coordinate} has {len(matches)} validations"
    return matches[0]


def list_values(validation) -> list[str]:
    return validation.formula1.strip('"').split(",")


@pytest.fixture
def book(make_workbook):
    return load_workbook(make_workbook())


# Structure ------------------------------------------------------------------------------------


def test_sheets_in_order_with_metadata_very_hidden(book):
    assert book.sheetnames == SHEETS
    states = {ws.title: ws.sheet_state for ws in book.worksheets}
    assert states.pop(layout.META_SHEET) == "veryHidden"
    assert set(states.values()) == {"visible"}


def test_all_218_criteria_once_with_their_text_level_and_section(book, fw):
    found = {}
    for number, name in layout.SECTION_SHEETS.items():
        ws = book[name]
        _, columns = header(ws, LABEL.values())
        for cid, row in criterion_rows(ws).items():
            assert cid not in found
            found[cid] = (
                number,
                ws.cell(row, columns[LABEL["level"]]).value,
                ws.cell(row, columns[LABEL["criterion_text"]]).value,
            )
    expected = {r.criterion_id: (r.section, r.level, r.text) for r in fw.frame.itertuples()}
    assert len(found) == 218
    assert found == expected


def test_header_labels_in_layout_order_then_the_hidden_check_column(book):
    for name in layout.SECTION_SHEETS.values():
        ws = book[name]
        top, _ = header(ws, LABEL.values())
        labels = [c.value for c in ws[top]]
        assert labels == [*LABEL.values(), workbook.CHECK_LABEL, workbook.READ_LABEL]
        assert ws.column_dimensions[workbook.CHECK_LETTER].hidden
        assert ws.column_dimensions[workbook.READ_LETTER].hidden
        assert ws.freeze_panes == f"A{top + 1}"


def test_theme_blocks_open_with_title_and_descriptors_and_close_with_commentary(book, fw):
    for section in fw.sections:
        ws = book[layout.SECTION_SHEETS[section.number]]
        rows = criterion_rows(ws)
        comments = commentary_rows(ws)
        assert sorted(comments) == [t.number for t in section.themes]
        for theme in section.themes:
            first = rows[theme.criteria[0].id]
            title_row = first - 1 - len(theme.levels)
            assert ws[f"A{title_row}"].value == f"Theme {theme.number}: {theme.title}"
            for offset, level in enumerate(theme.levels, start=1):
                cells = [c.value for c in ws[title_row + offset][:3]]
                assert cells == [level.code, level.name, level.descriptor]
            assert comments[theme.number] == rows[theme.criteria[-1].id] + 1
            commentary_cell = ws.cell(comments[theme.number], 3)
            assert not commentary_cell.protection.locked
            assert commentary_cell.value is None


# Protection -----------------------------------------------------------------------------------


def test_only_input_cells_are_unlocked_and_every_sheet_is_protected(book, fw):
    assert book.security.lockStructure
    for ws in book.worksheets:
        assert ws.protection.sheet, ws.title
        # People may widen columns, heighten rows, sort and filter.
        assert not ws.protection.formatColumns and not ws.protection.formatRows
        assert not ws.protection.autoFilter and not ws.protection.sort
    letters = workbook.CRITERION_LETTERS
    for section in fw.sections:
        ws = book[layout.SECTION_SHEETS[section.number]]
        expected = {
            f"{letters[key]}{row}"
            for row in criterion_rows(ws).values()
            for key in layout.CRITERION_INPUTS
        }
        expected |= {f"C{row}" for row in commentary_rows(ws).values()}
        assert unlocked(ws) == expected
    profile = book[layout.PROFILE_SHEET]
    labels = {c.value: c.row for (c,) in profile.iter_rows(min_col=1, max_col=1) if c.value}
    assert unlocked(profile) == {
        f"B{labels[layout.PROFILE_LABELS[k]]}" for k in layout.PROFILE_INPUTS
    }
    objectives = book[layout.OBJECTIVES_SHEET]
    top, columns = header(objectives, layout.OBJECTIVE_COLUMNS.values())
    inputs = [columns[label] for key, label in layout.OBJECTIVE_COLUMNS.items() if key != "number"]
    rows = range(top + 1, top + 1 + layout.OBJECTIVE_ROWS)
    assert unlocked(objectives) == {
        objectives.cell(row, column).coordinate for row in rows for column in inputs
    }
    for name in (layout.START_SHEET, layout.SCORECARD_SHEET, layout.META_SHEET):
        assert unlocked(book[name]) == set()


def test_profile_is_prefilled_and_locked_for_the_member(book, member_list):
    member = member_list.set_index("code").loc["west-midlands"]
    ws = book[layout.PROFILE_SHEET]
    values = {c.value: ws.cell(c.row, 2) for (c,) in ws.iter_rows(min_col=1, max_col=1) if c.value}
    expected = {
        "opcc_code": "west-midlands",
        "policing_body": member["policing_body"],
        "force_area": member["force_area"],
        "reporting_year": "2025-26",
    }
    for key, value in expected.items():
        cell = values[layout.PROFILE_LABELS[key]]
        assert (cell.value, cell.protection.locked) == (value, True)
    for key in layout.PROFILE_INPUTS:
        assert values[layout.PROFILE_LABELS[key]].value is None


# Validation and formatting ----------------------------------------------------------------------


def test_status_and_target_date_validations_cover_every_criterion_row(book):
    letters = workbook.CRITERION_LETTERS
    for name in layout.SECTION_SHEETS.values():
        ws = book[name]
        for cid, row in criterion_rows(ws).items():
            status = validation_for(ws, f"{letters['status']}{row}")
            assert status.type == "list" and list_values(status) == list(vocabulary.STATUSES), cid
            assert status.errorStyle == "stop" and status.showErrorMessage
            assert status.showInputMessage and "Not applicable" in status.prompt
            target = validation_for(ws, f"{letters['target_date']}{row}")
            assert target.type == "date" and target.errorStyle == "stop"
            assert "dd/mm/yyyy" in target.prompt and "dd/mm/yyyy" in target.error
            assert ws[f"{letters['target_date']}{row}"].number_format == "dd/mm/yyyy"
        # No dropdown on framework text: descriptors and theme titles stay free of it.
        assert not any(
            f"{letters['status']}{header(ws, LABEL.values())[0]}" in dv.sqref
            for dv in ws.data_validations.dataValidation
        )


def test_objectives_and_profile_validations(book):
    ws = book[layout.OBJECTIVES_SHEET]
    top, columns = header(ws, layout.OBJECTIVE_COLUMNS.values())
    assert layout.OBJECTIVE_ROWS >= 10
    for row in range(top + 1, top + 1 + layout.OBJECTIVE_ROWS):
        assert ws.cell(row, columns["No."]).value == row - top
        progress = validation_for(ws, ws.cell(row, columns["Progress"]).coordinate)
        assert list_values(progress) == list(layout.PROGRESS_VALUES)
    profile = book[layout.PROFILE_SHEET]
    rows = {c.value: c.row for (c,) in profile.iter_rows(min_col=1, max_col=1) if c.value}
    employees = validation_for(profile, f"B{rows[layout.PROFILE_LABELS['employees']]}")
    assert (employees.type, employees.operator, employees.formula1) == (
        "whole",
        "greaterThanOrEqual",
        "0",
    )
    signoff = validation_for(profile, f"B{rows[layout.PROFILE_LABELS['signoff_date']]}")
    assert signoff.type == "date"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[-6:][i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_status_colours_keep_the_word_readable(book):
    ws = book[layout.SECTION_SHEETS[1]]
    rules = [
        rule
        for cf in ws.conditional_formatting
        if str(cf.sqref).startswith(workbook.CRITERION_LETTERS["status"])
        for rule in cf.rules
    ]
    assert len(rules) == len(vocabulary.STATUSES)
    for status, rule in zip(vocabulary.STATUSES, rules, strict=True):
        assert f'"{vocabulary.STATUS_VARIANTS[status][0]}"' in rule.formula[0]
        fill = rule.dxf.fill.fgColor.rgb
        text = rule.dxf.font.color.rgb
        lighter, darker = sorted((_luminance(fill), _luminance(text)), reverse=True)
        # WCAG AA for normal text; the word itself stays in the cell.
        assert (lighter + 0.05) / (darker + 0.05) >= 4.5, status


def test_print_setup_and_properties(book):
    for name in [*layout.SECTION_SHEETS.values(), layout.OBJECTIVES_SHEET]:
        ws = book[name]
        if name != layout.OBJECTIVES_SHEET:
            assert ws.column_dimensions[workbook.CRITERION_LETTERS["criterion_text"]].width >= 50
        assert ws.page_setup.orientation == "landscape"
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows == f"${workbook.HEADER_ROW}:${workbook.HEADER_ROW}"
    props = book.properties
    assert props.creator == "APCC"
    assert "West Midlands Police and Crime Commissioner" in props.title
    assert "Equality Framework" in props.subject
    assert props.created == dt.datetime(2025, 4, 1)


# Metadata and the Start sheet -------------------------------------------------------------------


def test_metadata_sheet_and_document_properties(book, fw):
    expected = {
        "template_id": layout.TEMPLATE_ID,
        "template_version": layout.TEMPLATE_VERSION,
        "framework_edition": fw.edition,
        "opcc_code": "west-midlands",
        "reporting_year": "2025-26",
        "criteria_checksum": fw.checksum,
        "generated": "2025-04-01",
    }
    ws = book[layout.META_SHEET]
    assert {row[0]: row[1] for row in ws.iter_rows(values_only=True)} == expected
    assert list(expected) == list(layout.META_KEYS)
    assert {p.name: p.value for p in book.custom_doc_props} == expected


def test_start_sheet_shows_return_details_as_given_and_never_as_formulas(make_workbook, fw):
    path = make_workbook(return_to='=HYPERLINK("http://x")', deadline="5pm, Friday 31 July 2026")
    ws = load_workbook(path)[layout.START_SHEET]
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert cells['=HYPERLINK("http://x")'].data_type == "s"
    assert "5pm, Friday 31 July 2026" in cells
    text = " ".join(cells)
    for needle in (
        f"{layout.TEMPLATE_ID} version {layout.TEMPLATE_VERSION}",
        fw.edition,
        *vocabulary.STATUSES,
        *LEVELS,
        NOT_YET,
        "cumulative",
    ):
        assert needle in text, needle


def test_member_text_is_stored_as_text(fw):
    member = {"code": "odd", "force_area": "-1+1", "policing_body": "=SUM(A1:A2)", "region": "x"}
    book = workbook.build_workbook(member, "2025-26", fw, generated=GENERATED)
    for ws in (book[layout.START_SHEET], book[layout.PROFILE_SHEET]):
        odd = [
            c
            for row in ws.iter_rows()
            for c in row
            if isinstance(c.value, str) and c.value.startswith(("=SUM", "-1+1"))
        ]
        assert odd and all(c.data_type == "s" for c in odd), ws.title


# Files, determinism, errors, the command --------------------------------------------------------


def test_same_arguments_give_identical_bytes(make_workbook, tmp_path, member_list):
    first = make_workbook().read_bytes()
    member = member_list.set_index("code", drop=False).loc["west-midlands"].to_dict()
    again = workbook.generate_workbook(member, "2025-26", tmp_path / "again", generated=GENERATED)
    assert again.read_bytes() == first
    later = workbook.generate_workbook(
        member, "2025-26", tmp_path / "later", generated=dt.date(2025, 5, 1)
    )
    assert later.read_bytes() != first
    with zipfile.ZipFile(later) as archive:
        assert b"2025-05-01T00:00:00Z" in archive.read("docProps/core.xml")


def test_generate_workbooks_names_files_and_rejects_bad_requests(member_list, tmp_path):
    paths = workbook.generate_workbooks(
        member_list, ["kent", "dyfed-powys"], "2026-27", tmp_path, generated=GENERATED
    )
    assert [p.name for p in paths] == [
        "dyfed-powys-equality-self-assessment-2026-27.xlsx",
        "kent-equality-self-assessment-2026-27.xlsx",
    ]
    assert load_workbook(paths[1])[layout.PROFILE_SHEET]["B6"].value == "2026-27"
    with pytest.raises(workbook.WorkbookError, match=r"narnia.*equality members"):
        workbook.generate_workbooks(member_list, ["kent", "narnia"], "2026-27", tmp_path)
    with pytest.raises(workbook.WorkbookError, match="2025-26"):
        workbook.generate_workbooks(member_list, ["kent"], "2026-2027", tmp_path)


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (dt.date(2025, 3, 31), "2024-25"),
        (dt.date(2025, 4, 1), "2025-26"),
        (dt.date(2099, 12, 1), "2099-00"),
    ],
)
def test_default_year_is_the_financial_year(day, year):
    assert vocabulary.year_for_date(day) == year
    assert vocabulary.is_valid_year(year)


def test_cli_writes_the_named_members_and_explains_mistakes(tmp_path):
    runner = CliRunner()
    members_csv = tmp_path / "members.csv"
    members_csv.write_text(
        "code,force_area,policing_body,region\n"
        "kent,Kent,Kent Police and Crime Commissioner,South East\n"
        "gwent,Gwent,Gwent Police and Crime Commissioner,Wales\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    common = ["--out", str(out), "--date", "2025-04-01", "--members", str(members_csv)]
    result = runner.invoke(main, ["workbook", "--all", *common])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "gwent-equality-self-assessment-2025-26.xlsx",
        "kent-equality-self-assessment-2025-26.xlsx",
    ]
    result = runner.invoke(
        main,
        ["workbook", "--opcc", "kent", "--deadline", "31 July 2026", "--year", "2026-27", *common],
    )
    assert result.exit_code == 0, result.output
    start = load_workbook(out / "kent-equality-self-assessment-2026-27.xlsx")[layout.START_SHEET]
    assert "31 July 2026" in [c.value for c in start["B"]]
    result = runner.invoke(main, ["workbook", "--opcc", "essex", *common])
    # An unknown member is a usage error (exit 2), as the README says of every usage error.
    assert result.exit_code == 2 and "essex" in result.output
    assert "equality members" in result.output
    result = runner.invoke(main, ["workbook", *common])
    assert result.exit_code == 2 and "--all" in result.output


# Copies of one template: what `equality workbook --all` writes --------------------------------

#: Run-wide text the template carries, hostile too.
RETURN_TO = '=HYPERLINK("http://x","y")'
DEADLINE = "<b>31 July 2026</b> & after"
#: Member-list text that must stay text in every copy.
HOSTILE = [
    {"code": "formula", "force_area": "-1+1", "policing_body": '=HYPERLINK("http://x","y")'},
    {"code": "markup", "force_area": "<b>&amp;</b>", "policing_body": "A&B <i>\"q\"</i> 'x' ]]>"},
    {
        "code": "ddd",
        "force_area": "Dyfed\u2013Powys \u0175",
        "policing_body": "Comisiynydd \U0001f600",
    },
    {"code": "stand-in", "force_area": "\u00a7equality-code\u00a7", "policing_body": "@SUM(1)"},
]


@pytest.fixture(scope="module")
def template(fw):
    return workbook.Template(
        "2025-26", fw, return_to=RETURN_TO, deadline=DEADLINE, generated=GENERATED
    )


def built_in_full(member, folder: Path, fw) -> Path:
    return workbook.build_in_full(
        member,
        "2025-26",
        folder,
        framework=fw,
        return_to=RETURN_TO,
        deadline=DEADLINE,
        generated=GENERATED,
    )


def read_back(path: Path) -> dict[str, object]:
    """What a reader sees in a workbook: every sheet's cells, validations, protection, layout,
    and the workbook's names and document properties."""
    book = load_workbook(path)
    sheets = {}
    for ws in book.worksheets:
        sheets[ws.title] = {
            "state": ws.sheet_state,
            "cells": {
                c.coordinate: (c.value, c.data_type, c.protection.locked, c.style_id)
                for row in ws.iter_rows()
                for c in row
                if c.value is not None or not c.protection.locked
            },
            "validations": sorted(
                (dv.type, str(dv.sqref), dv.formula1, dv.formula2, dv.prompt, dv.error)
                for dv in ws.data_validations.dataValidation
            ),
            "protection": dict(ws.protection),
            "heights": {r: d.height for r, d in ws.row_dimensions.items() if d.height},
            "names": (ws.print_title_rows, ws.freeze_panes, ws.auto_filter.ref),
            "local names": {n: v.attr_text for n, v in ws.defined_names.items()},
        }
    return {
        "sheets": sheets,
        "names": {n: v.attr_text for n, v in book.defined_names.items()},
        "properties": {
            name: getattr(book.properties, name)
            for name in ("title", "subject", "keywords", "description", "creator", "created")
        },
        "custom": [(p.name, p.value) for p in book.custom_doc_props],
        "locked structure": book.security.lockStructure,
    }


def test_copies_are_byte_for_byte_the_workbooks_built_in_full(template, fw, member_list, tmp_path):
    by_code = member_list.set_index("code", drop=False)
    assert all(template.fits(m) for m in member_list.to_dict("records")), "--all copies all"
    real = ["dyfed-powys", "hampshire-and-isle-of-wight", "metropolitan", "west-midlands"]
    for member in [*(by_code.loc[code].to_dict() for code in real), *HOSTILE]:
        assert template.fits(member), member["code"]
        full = built_in_full(member, tmp_path / member["code"], fw)
        assert template.copy(member) == full.read_bytes(), member["code"]


def test_copies_read_back_as_built_and_member_text_stays_text(template, fw, tmp_path):
    for member in HOSTILE[:2]:
        full = built_in_full(member, tmp_path / "full", fw)
        copy = tmp_path / "copy" / full.name
        copy.parent.mkdir()
        copy.write_bytes(template.copy(member))
        seen = read_back(copy)
        assert seen == read_back(full), member["code"]
        body, area, code = member["policing_body"], member["force_area"], member["code"]
        start = seen["sheets"][layout.START_SHEET]["cells"]
        assert start["B2"][:2] == (f"{body} ({area})", "s")
        assert (code, "s") in [cell[:2] for cell in start.values()]
        profile = seen["sheets"][layout.PROFILE_SHEET]["cells"]
        for value in (code, body, area):
            assert (value, "s") in [cell[:2] for cell in profile.values()], value
        assert seen["sheets"][layout.META_SHEET]["cells"]["B4"][:2] == (code, "s")
        assert seen["properties"]["title"].endswith(f": {body}")
        assert ("opcc_code", code) in seen["custom"]
        with zipfile.ZipFile(copy) as archive:
            for part in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"):
                xml = archive.read(part)
                assert b"<f>" not in xml and b"<b>" not in xml and b"<i>" not in xml, part
        shutil.rmtree(copy.parent)
        shutil.rmtree(full.parent)


def test_members_a_copy_cannot_show_are_built_in_full(template, fw, member_list, tmp_path):
    kent = member_list.set_index("code", drop=False).loc["kent"].to_dict()
    odd = {
        "long": {"policing_body": "Police and Crime Commissioner " * 5},
        "tab": {"policing_body": "Kent\tPolice"},
        "line-break": {"force_area": "Kent\nCounty"},
        "spaced": {"force_area": " Kent"},
        "empty": {"force_area": ""},
    }
    members = {code: {**kent, **change, "code": code} for code, change in odd.items()}
    for member in members.values():
        assert not template.fits(member), member["code"]
    frame = pd.DataFrame([kent, *members.values()])
    paths = workbook.generate_workbooks(
        frame,
        None,
        "2025-26",
        tmp_path / "run",
        framework=fw,
        return_to=RETURN_TO,
        deadline=DEADLINE,
        generated=GENERATED,
    )
    assert len(paths) == 1 + len(members)
    for member in [kent, *members.values()]:
        full = built_in_full(member, tmp_path / "full", fw)
        assert (tmp_path / "run" / full.name).read_bytes() == full.read_bytes(), member["code"]
    long_row = load_workbook(tmp_path / "run" / paths[2].name)[layout.START_SHEET]
    assert (
        long_row.row_dimensions[2].height
        > load_workbook(paths[1])[layout.START_SHEET].row_dimensions[2].height
    )


def test_the_template_takes_member_text_only_into_plain_text():
    stand_in = workbook._xml_text(workbook._STAND_INS["code"], True)
    assert workbook._stand_ins_in("xl/worksheets/sheet1.xml", b"<t>" + stand_in + b"</t>")
    for part, xml in [
        ("xl/worksheets/sheet1.xml", b"<f>HYPERLINK(" + stand_in + b")</f>"),
        ("xl/worksheets/sheet1.xml", b'<dataValidation prompt="' + stand_in + b'"/>'),
        ("xl/worksheets/sheet1.xml", b"<t>equality-code</t>"),
    ]:
        with pytest.raises(workbook._TemplateError):
            workbook._stand_ins_in(part, xml)


def test_a_package_copy_changes_only_the_parts_named(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ("a.xml", "b.xml", "c.bin"):
            info = zipfile.ZipInfo(name, date_time=outputs.ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_STORED if name == "c.bin" else zipfile.ZIP_DEFLATED
            archive.writestr(info, name.encode() * 50)
    data = buffer.getvalue()
    package = sheets.Package(data)
    assert package.names == ["a.xml", "b.xml", "c.bin"]
    assert package.copy({}) == data
    copy = package.copy({"b.xml": b"<new/>" * 30, "c.bin": b"raw"})
    with zipfile.ZipFile(io.BytesIO(copy)) as archive:
        assert archive.testzip() is None
        assert [i.filename for i in archive.infolist()] == package.names
        assert {i.date_time for i in archive.infolist()} == {outputs.ZIP_EPOCH}
        assert archive.read("a.xml") == b"a.xml" * 50
        assert archive.read("b.xml") == b"<new/>" * 30 and archive.read("c.bin") == b"raw"
    with pytest.raises(KeyError):
        package.copy({"d.xml": b""})

    class Stream(io.RawIOBase):
        """A stream without seek, so that zipfile writes data descriptors."""

        def __init__(self):
            self.data = b""

        def writable(self):
            return True

        def write(self, chunk):
            self.data += bytes(chunk)
            return len(chunk)

    stream = Stream()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.xml", b"x")
    with pytest.raises(sheets.PackageError):
        sheets.Package(stream.data)


# The Scorecard and the LibreOffice round trip ---------------------------------------------------


def scenarios(fw) -> dict[str, dict[str, tuple[object, object]]]:
    """Name -> criterion id -> (Status as typed, reason)."""
    every = [c.id for c in fw.criteria]
    all_met = {cid: ("Met", None) for cid in every}
    developing_only = {c.id: ("Met", None) for c in fw.criteria if c.level == "Developing"}
    variants = [
        " MET ",
        "met",
        "Met\n",
        "Met\u00a0",
        "n/a",
        "NOT  APPLICABLE",
        "not\u2013applicable",
        "Partly met",
        "Mett",
        "Yes",
        "",
    ]
    reasons = [None, "reason", "\u00a0", "\n", " - "]
    found = {
        "all-met": all_met,
        "one-developing-not-met": {**all_met, "3.1.b": ("Not met", None)},
        "not-applicable": {
            **all_met,
            "5.2.a": ("Not applicable", "No such service in this force area."),
            "9.2.a": ("Not applicable", None),
            "13.3.a": ("N/A", "   "),
            "15.1.a": ("n/a", "\tShared service, see 15.1.b"),
        },
        "partially-met": {
            **all_met,
            "12.3.a": ("Partially met", None),
            "7.2.b": ("Partially met", None),
        },
        "developing-only": developing_only,
        "blank": {},
        "variants": {
            cid: (variants[i % len(variants)], reasons[i % len(reasons)])
            for i, cid in enumerate(every)
        },
    }
    for seed in (1, 2, 3):
        rnd = random.Random(seed)
        # Mostly Met, so that higher levels are sometimes reached.
        choices = ["Met"] * 12 + ["Partially met", "Not met", "Not applicable", "na", None, "Done"]
        found[f"random-{seed}"] = {
            cid: (rnd.choice(choices), rnd.choice([None, "", "Not commissioned here"]))
            for cid in every
        }
    return found


def read_scorecard(path: Path) -> tuple[pd.DataFrame, dict[int, str], dict[str, int]]:
    """Theme rows as a frame, section -> level, and the themes-at-each-level summary."""
    ws = load_workbook(path, data_only=True)[layout.SCORECARD_SHEET]
    top, columns = header(ws, ["Section", "Theme", "Level reached"])
    themes, sections, summary = [], {}, {}
    for row in ws.iter_rows(min_row=top + 1, values_only=True):
        if isinstance(row[0], int) and isinstance(row[1], int):
            record = {"theme": row[1], "level": row[columns["Level reached"] - 1]}
            for name in LEVELS:
                record[f"{name.lower()}_satisfied"] = row[columns[f"{name}: counted"] - 1]
                record[f"{name.lower()}_total"] = row[columns[f"{name}: criteria"] - 1]
            record["na_counted"] = row[columns["Not applicable, with a reason"] - 1]
            record["na_uncounted"] = row[columns["Not applicable, no reason (does not count)"] - 1]
            themes.append(record)
        elif isinstance(row[0], int):
            sections[row[0]] = row[columns["Level reached"] - 1]
        elif row[2] in LEVEL_LADDER:
            summary[row[2]] = row[3]
    return pd.DataFrame(themes).set_index("theme"), sections, summary


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory, member_list, fw):
    """Every scenario filled, then recalculated by LibreOffice in one call."""
    folder = tmp_path_factory.mktemp("scorecard")
    member = member_list.set_index("code", drop=False).loc["west-midlands"].to_dict()
    blank = workbook.generate_workbook(member, "2025-26", folder / "blank", generated=GENERATED)
    cases = scenarios(fw)
    paths = []
    for name, answers in cases.items():
        paths.append(
            fill_workbook(
                blank,
                folder / "filled" / f"{name}.xlsx",
                answers={
                    cid: {"status": status, "na_reason": reason}
                    for cid, (status, reason) in answers.items()
                },
            )
        )
    converted = recalculate([blank, *paths], folder / "recalculated")
    filled = dict(zip(cases, paths, strict=True))
    return cases, filled, dict(zip(["generated", *cases], converted, strict=True))


def pipeline_scores(path: Path, fw) -> tuple[pd.DataFrame, dict[int, str]]:
    """The levels the pipeline gives a return: read by `ingest`, scored by `scoring`."""
    read, problems = ingest.read_return(path, framework=fw)
    assert read is not None, problems
    themes = scoring.theme_levels(read.responses, fw)
    sections = scoring.section_levels(themes, fw).set_index("section")["level"]
    return themes.set_index("theme"), sections.to_dict()


@needs_libreoffice
@pytest.mark.libreoffice
def test_scorecard_agrees_with_the_pipeline_in_every_scenario(round_trip, fw):
    cases, filled, converted = round_trip
    for name in cases:
        themes, sections, summary = read_scorecard(converted[name])
        expected_themes, expected_sections = pipeline_scores(filled[name], fw)
        assert themes["level"].to_dict() == expected_themes["level"].to_dict(), name
        for level in LEVELS:
            for part in ("satisfied", "total"):
                column = f"{level.lower()}_{part}"
                assert themes[column].to_dict() == expected_themes[column].to_dict(), (name, column)
        claims = themes["na_counted"] + themes["na_uncounted"]
        assert claims.to_dict() == expected_themes["not_applicable"].to_dict(), name
        assert sections == expected_sections, name
        assert summary == {
            level: int((expected_themes["level"] == level).sum()) for level in LEVEL_LADDER
        }, name


@needs_libreoffice
@pytest.mark.libreoffice
def test_scorecard_levels_follow_the_cumulative_rule(round_trip, fw):
    *_, converted = round_trip
    levels = {name: read_scorecard(path) for name, path in converted.items()}
    themes = [t.number for t in fw.themes]
    assert set(levels["all-met"][0]["level"]) == {"Advancing"}
    assert set(levels["all-met"][1].values()) == {"Advancing"}
    for name in ("blank", "generated"):
        assert set(levels[name][0]["level"]) == {NOT_YET}
        assert levels[name][2] == {
            NOT_YET: len(themes),
            "Developing": 0,
            "Achieving": 0,
            "Advancing": 0,
        }
    one_gap, sections, _ = levels["one-developing-not-met"]
    assert one_gap.loc[3, "level"] == NOT_YET and sections[1] == NOT_YET
    assert set(one_gap.drop(3)["level"]) == {"Advancing"}
    assert {s: sections[s] for s in (2, 3, 4)} == dict.fromkeys((2, 3, 4), "Advancing")
    not_applicable, sections, _ = levels["not-applicable"]
    assert not_applicable.loc[5, "level"] == "Advancing"  # with a reason: counts
    assert not_applicable.loc[9, "level"] == "Developing"  # no reason: Achieving not reached
    assert not_applicable.loc[13, "level"] == "Achieving"  # a blank reason is no reason
    assert not_applicable.loc[15, "level"] == "Advancing"  # "n/a" with a reason
    assert not_applicable.loc[[5, 9, 13, 15], "na_counted"].tolist() == [1, 0, 0, 1]
    assert not_applicable.loc[[9, 13], "na_uncounted"].tolist() == [1, 1]
    assert sections[2] == "Developing" and sections[4] == "Achieving"
    partial, sections, _ = levels["partially-met"]
    assert partial.loc[12, "level"] == "Achieving" and partial.loc[7, "level"] == "Developing"
    assert sections[3] == "Achieving" and sections[2] == "Developing"
    developing, sections, _ = levels["developing-only"]
    assert set(developing["level"]) == {"Developing"} and set(sections.values()) == {"Developing"}


@needs_libreoffice
@pytest.mark.libreoffice
def test_metadata_ids_validations_and_protection_survive_a_libreoffice_save(round_trip, fw):
    *_, converted = round_trip
    book = load_workbook(converted["generated"])
    assert book.sheetnames == SHEETS
    meta = book[layout.META_SHEET]
    assert meta.sheet_state in ("hidden", "veryHidden")
    values = {row[0]: row[1] for row in meta.iter_rows(values_only=True) if row[0]}
    assert values["criteria_checksum"] == fw.checksum
    assert values["opcc_code"] == "west-midlands" and values["reporting_year"] == "2025-26"
    assert set(values) == set(layout.META_KEYS)
    letters = workbook.CRITERION_LETTERS
    ids = {}
    for name in layout.SECTION_SHEETS.values():
        ws = book[name]
        assert ws.protection.sheet
        rows = criterion_rows(ws)
        ids.update(rows)
        for row in rows.values():
            status = validation_for(ws, f"{letters['status']}{row}")
            assert list_values(status) == list(vocabulary.STATUSES)
            assert validation_for(ws, f"{letters['target_date']}{row}").type == "date"
            assert not ws[f"{letters['status']}{row}"].protection.locked
            assert ws[f"{letters['criterion_text']}{row}"].protection.locked
    assert sorted(ids) == sorted(c.id for c in fw.criteria)
    objectives = book[layout.OBJECTIVES_SHEET]
    top, columns = header(objectives, layout.OBJECTIVE_COLUMNS.values())
    progress = validation_for(objectives, objectives.cell(top + 1, columns["Progress"]).coordinate)
    assert list_values(progress) == list(layout.PROGRESS_VALUES)
