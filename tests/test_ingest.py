"""Reading returns: real generated workbooks, filled in, then damaged the way people damage them.

The helpers (`filled_return`, `edit`, `rezip`, `paste_values`) live in `tests/helpers.py`, shared
with the validate, feedback and CLI tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from collections.abc import Callable
from pathlib import Path

import msoffcrypto.format.ooxml
import openpyxl
import pandas as pd
import pytest
from helpers import (
    KEY_COLUMNS,
    NOT_APPLICABLE_ID,
    OBJECTIVES,
    OPEN_THEME,
    PROFILE,
    SIGNOFF,
    YEAR,
    codes,
    convert,
    edit,
    filled_return,
    needs_libreoffice,
    only,
    paste_values,
    read,
    recalculate,
    returned,
    rezip,
    row_number,
    rows,
)
from openpyxl import Workbook, load_workbook
from openpyxl.packaging.custom import CustomPropertyList

from pipeline import ingest, layout, vocabulary
from pipeline.problems import APCC
from pipeline.returns import COMMENTARY_COLUMNS, OBJECTIVE_COLUMNS, RESPONSE_COLUMNS
from pipeline.workbook import HEADER_ROW


@pytest.fixture
def complete(make_workbook, tmp_path) -> Path:
    return filled_return(make_workbook("kent"), returned(tmp_path / "inbox"))


# --- a good return -------------------------------------------------------------------------------


def test_a_complete_return_is_read_in_full(complete, fw):
    found, problems = read(complete)
    assert problems == []
    assert (found.opcc_code, found.reporting_year) == ("kent", YEAR)
    assert (found.framework_edition, found.template_version) == (
        fw.edition,
        layout.TEMPLATE_VERSION,
    )
    assert found.sha256 == hashlib.sha256(complete.read_bytes()).hexdigest()

    responses = found.responses
    assert list(responses.columns) == RESPONSE_COLUMNS
    assert responses["criterion_id"].tolist() == fw.frame["criterion_id"].tolist()
    assert responses["theme"].tolist() == fw.frame["theme"].tolist()
    assert (responses["criterion_text"] == fw.frame["text"]).all()
    assert set(responses["opcc_code"]) == {"kent"}
    assert pd.api.types.is_datetime64_any_dtype(responses["target_date"])
    by_id = responses.set_index("criterion_id")
    assert by_id.loc["3.2.b", "status"] == vocabulary.MET
    assert by_id.loc["3.2.b", "evidence"] == "Board minutes recording 3.2.b"
    assert by_id.loc["3.2.b", "sheet"] == layout.SECTION_SHEETS[1]
    assert by_id.loc[NOT_APPLICABLE_ID, "na_reason"].startswith("The force area")
    open_ids = [c.id for c in fw.theme(OPEN_THEME).level("Advancing").criteria]
    assert (by_id.loc[open_ids, "status"] == vocabulary.NOT_MET).all()
    assert (by_id.loc[open_ids, "target_date"] == pd.Timestamp(2026, 12, 31)).all()
    assert (by_id.loc[open_ids, "target_date_raw"] == "2026-12-31").all()

    # The row and column letters point at the cell a person would look at.
    book = load_workbook(complete)
    ws = book[by_id.loc["3.2.b", "sheet"]]
    letter = found.column_letters[ws.title]["evidence"]
    assert ws[f"{letter}{by_id.loc['3.2.b', 'row']}"].value == "Board minutes recording 3.2.b"

    assert found.profile["employees"] == 24
    assert found.profile["signoff_date"] == SIGNOFF
    assert found.profile["lead_role"] == PROFILE["lead_role"]
    assert found.profile["policing_body"] == "Kent Police and Crime Commissioner"
    sheet, cell = found.profile_cells["contact_email"]
    assert book[sheet][cell].value == PROFILE["contact_email"]

    assert list(found.objectives.columns) == OBJECTIVE_COLUMNS
    assert found.objectives["objective"].tolist() == [o["objective"] for o in OBJECTIVES]
    assert found.objectives["number"].tolist() == ["1", "2"]
    assert list(found.commentary.columns) == COMMENTARY_COLUMNS
    assert found.commentary["theme"].tolist() == list(range(1, 17))
    sheet, cell = found.commentary.iloc[2][["sheet", "cell"]]
    assert book[sheet][cell].value == "Progress on theme 3 this year."


def test_reading_never_changes_the_file(complete):
    before = (complete.read_bytes(), complete.stat().st_mtime_ns)
    read(complete)
    assert (complete.read_bytes(), complete.stat().st_mtime_ns) == before


def test_openpyxl_parses_through_defusedxml():
    assert openpyxl.DEFUSEDXML is True


# --- tolerances: what happens to a workbook in other people's hands ------------------------------


def _sort_rows(book: Workbook) -> None:
    """Sort a criterion sheet by Status, then by text (what a filter dropdown does)."""
    ws = book[layout.SECTION_SHEETS[2]]
    values = rows(ws)
    values.sort(key=lambda row: (str(row[3] or ""), str(row[2] or "")), reverse=True)
    for offset, row in enumerate(values, start=HEADER_ROW + 1):
        for column, value in enumerate(row, start=1):
            ws.cell(row=offset, column=column).value = value


def _filter_rows(book: Workbook) -> None:
    ws = book[layout.SECTION_SHEETS[4]]
    ws.auto_filter.add_filter_column(3, [vocabulary.MET])
    for row in range(HEADER_ROW + 1, ws.max_row + 1):
        if ws.cell(row=row, column=4).value != vocabulary.MET:
            ws.row_dimensions[row].hidden = True


def _insert_blank_rows(book: Workbook) -> None:
    ws = book[layout.SECTION_SHEETS[1]]
    ws.insert_rows(HEADER_ROW + 1, 2)
    ws.insert_rows(20, 3)


def _widen_columns(book: Workbook) -> None:
    for ws in book.worksheets:
        for letter in "ABCDEFGHI":
            ws.column_dimensions[letter].width = 90


def _reorder_sheets(book: Workbook) -> None:
    book.move_sheet(layout.SECTION_SHEETS[4], offset=-4)
    book.move_sheet(layout.PROFILE_SHEET, offset=5)


def _rename_sheets(book: Workbook) -> None:
    book[layout.SECTION_SHEETS[2]].title = "Leadership (final)"
    book[layout.PROFILE_SHEET].title = "About us"
    book[layout.OBJECTIVES_SHEET].title = "Our objectives"


TOLERANCES = {
    "rows sorted": _sort_rows,
    "rows filtered": _filter_rows,
    "blank rows inserted": _insert_blank_rows,
    "columns widened": _widen_columns,
    "sheets reordered": _reorder_sheets,
    "sheets renamed": _rename_sheets,
}


@pytest.mark.parametrize("damage", list(TOLERANCES))
def test_tolerated_changes_give_the_same_answers(complete, tmp_path, damage):
    original, _ = read(complete)
    changed, problems = read(edit(complete, TOLERANCES[damage], tmp_path / "changed.xlsx"))
    assert problems == []
    pd.testing.assert_frame_equal(changed.responses[KEY_COLUMNS], original.responses[KEY_COLUMNS])
    assert changed.profile == original.profile
    pd.testing.assert_frame_equal(
        changed.objectives.drop(columns=["sheet", "row"]),
        original.objectives.drop(columns=["sheet", "row"]),
    )
    assert changed.commentary["text"].tolist() == original.commentary["text"].tolist()


def test_renamed_sheets_are_named_as_the_opcc_sees_them(complete, tmp_path):
    found, _ = read(edit(complete, _rename_sheets, tmp_path / "renamed.xlsx"))
    assert found.responses.set_index("criterion_id").loc["6.1.a", "sheet"] == "Leadership (final)"
    assert found.profile_cells["employees"][0] == "About us"
    assert set(found.objectives["sheet"]) == {"Our objectives"}


def test_sorted_rows_keep_their_own_row_numbers(complete, tmp_path):
    found, _ = read(edit(complete, _sort_rows, tmp_path / "sorted.xlsx"))
    book = load_workbook(tmp_path / "sorted.xlsx")
    by_id = found.responses.set_index("criterion_id")
    for cid in ("6.1.a", "7.3.b", "10.2.a"):
        sheet, row = by_id.loc[cid, ["sheet", "row"]]
        assert book[sheet].cell(row=int(row), column=1).value == cid


def test_values_pasted_into_a_new_workbook_without_ids(complete, tmp_path):
    original, _ = read(complete)
    found, problems = read(paste_values(complete, tmp_path / "kent pasted.xlsx"))
    pd.testing.assert_frame_equal(
        found.responses[["criterion_id", "status", "evidence", "na_reason"]],
        original.responses[["criterion_id", "status", "evidence", "na_reason"]],
    )
    assert found.opcc_code == "kent" and found.reporting_year == YEAR
    assert codes(problems) == ["W114", *["W118"] * 4]
    assert "from the Profile sheet" in only(problems, "W114").message
    by_text = [p for p in problems if p.code == "W118"]
    assert {p.sheet for p in by_text} == set(layout.SECTION_SHEETS.values())
    assert "69 row(s)" in next(p.message for p in by_text if p.sheet == layout.SECTION_SHEETS[1])


def test_values_pasted_without_ids_or_header_rows(complete, tmp_path):
    original, _ = read(complete)
    found, problems = read(paste_values(complete, tmp_path / "bare.xlsx", headers=False))
    assert (found.responses["status"] == original.responses["status"]).all()
    assert (found.responses["evidence"] == original.responses["evidence"]).all()
    assert "W116" not in codes(problems)


def test_edited_text_on_a_row_without_its_id_is_still_found(complete, tmp_path, fw):
    def damage(book):
        ws = book[layout.SECTION_SHEETS[2]]
        row = row_number(ws, "6.2.c")
        ws.cell(row=row, column=1).value = None
        ws.cell(row=row, column=3).value = fw.frame.set_index("criterion_id").text["6.2.c"][:-12]
        ws.cell(row=row, column=4).value = vocabulary.NOT_MET

    found, problems = read(edit(complete, damage, tmp_path / "edited.xlsx"))
    assert found.responses.set_index("criterion_id").loc["6.2.c", "status"] == vocabulary.NOT_MET
    assert "6.2.c" in only(problems, "W118").message


def _google_sheets_export(book: Workbook) -> None:
    """What a Google Sheets download changes: metadata sheet only hidden, no custom properties,
    dates as plain serial numbers, whole numbers as floats, statuses retyped."""
    book[layout.META_SHEET].sheet_state = "hidden"
    book.custom_doc_props = CustomPropertyList()
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, dt.datetime):
                    cell.value = float((cell.value - dt.datetime(1899, 12, 30)).days)
                    cell.number_format = "General"
                elif isinstance(cell.value, int) and not isinstance(cell.value, bool):
                    cell.value = float(cell.value)
                elif cell.value == vocabulary.NOT_MET:
                    cell.value = "not met "


def test_a_google_sheets_download_reads_the_same(complete, tmp_path):
    original, _ = read(complete)
    found, problems = read(edit(complete, _google_sheets_export, tmp_path / "google.xlsx"))
    assert problems == []
    for column in ("status", "evidence", "target_date", "na_reason"):
        assert found.responses[column].tolist() == original.responses[column].tolist(), column
    assert found.profile == original.profile
    assert found.objectives["number"].tolist() == ["1", "2"]


# --- LibreOffice ---------------------------------------------------------------------------------


@needs_libreoffice
def test_libreoffice_saves_read_the_same_and_other_formats_are_refused(complete, tmp_path):
    damaged = edit(complete, _rename_sheets, tmp_path / "kent renamed.xlsx")
    _sort_rows_file = edit(complete, _sort_rows, tmp_path / "kent sorted.xlsx")
    saved = recalculate([complete, damaged, _sort_rows_file], tmp_path / "libreoffice")
    original, _ = read(complete)
    for path in saved:
        found, problems = read(path)
        assert problems == [], path.name
        pd.testing.assert_frame_equal(
            found.responses[KEY_COLUMNS], original.responses[KEY_COLUMNS], obj=path.name
        )
        assert found.profile == original.profile
        assert found.commentary["text"].tolist() == original.commentary["text"].tolist()
        assert (found.opcc_code, found.reporting_year) == ("kent", YEAR)

    (xls,) = convert([complete], "xls", tmp_path / "xls")
    (ods,) = convert([complete], "ods", tmp_path / "ods")
    for path, kind in ((xls, "legacy Excel 97-2003"), (ods, "OpenDocument spreadsheet")):
        found, problems = read(path)
        assert found is None
        assert codes(problems) == ["E001"]
        assert kind in problems[0].message
        assert ".xlsx" in problems[0].fix


# --- files that are not a usable workbook --------------------------------------------------------


def _billion_laughs(complete: Path, target: Path) -> Path:
    entities = ['<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        entities.append(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">')
    bomb = f'<?xml version="1.0"?><!DOCTYPE sst [{"".join(entities)}]><sst>&lol9;</sst>'
    return rezip(complete, target, replace={"xl/sharedStrings.xml": bomb.encode()})


def _zip_bomb(complete: Path, target: Path) -> Path:
    return rezip(complete, target, add={"xl/media/padding.bin": bytes(3_000_000)})


def _zip_with(target: Path, name: str) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr(name, "<w:document/>")
    return target


def _bytes(data: bytes) -> Callable[[Path, Path], Path]:
    def make(complete: Path, target: Path) -> Path:
        target.write_bytes(data)
        return target

    return make


def _truncated(complete: Path, target: Path) -> Path:
    target.write_bytes(complete.read_bytes()[: complete.stat().st_size // 2])
    return target


def _garbled(complete: Path, target: Path) -> Path:
    return rezip(complete, target, replace={"xl/worksheets/sheet3.xml": b"<worksheet><sheetD"})


HOSTILE: dict[str, tuple[Callable[[Path, Path], Path], str, str]] = {
    "empty file": (_bytes(b""), "E001", "empty (0 bytes)"),
    "text named .xlsx": (_bytes(b"Kent: all met. See my email"), "E001", "a text file"),
    "csv named .xlsx": (_bytes(b"ID,Status\n1.1.a,Met\n"), "E001", "a CSV or text file"),
    "pdf named .xlsx": (_bytes(b"%PDF-1.7\n%\xe2\xe3\n1 0 obj"), "E001", "a PDF document"),
    "web page": (_bytes(b"<html><body>Kent</body></html>"), "E001", "a web page (HTML)"),
    "word document": (lambda c, t: _zip_with(t, "word/document.xml"), "E001", "a Word document"),
    "plain zip": (lambda c, t: _zip_with(t, "notes/readme.txt"), "E001", "a zip file"),
    "truncated download": (_truncated, "E002", "the zip archive is incomplete"),
    "garbled sheet": (_garbled, "E002", "could not be read as a workbook"),
    "billion laughs": (_billion_laughs, "E003", "xl/sharedStrings.xml"),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_unusable_files_are_rejected_with_one_coded_error(complete, tmp_path, kind):
    make, code, phrase = HOSTILE[kind]
    path = make(complete, tmp_path / "kent-return.xlsx")
    found, problems = read(path)
    assert found is None
    assert codes(problems) == [code]
    assert phrase in problems[0].message
    assert problems[0].message.startswith("[file 'kent-return.xlsx']")
    assert problems[0].fix


def test_a_zip_bomb_is_refused_before_it_is_unpacked(complete, tmp_path):
    path = _zip_bomb(complete, tmp_path / "kent.xlsx")
    assert path.stat().st_size < 200_000  # compressed, it looks harmless
    found, problems = read(path, max_unzipped_bytes=2_000_000)
    assert found is None and codes(problems) == ["E004"]
    assert "limit of 1.9 MB" in problems[0].message
    assert ingest.DEFAULT_MAX_UNZIPPED_BYTES == 200 * 1024 * 1024
    found, _ = read(path)  # under the default limit the same file is fine
    assert found is not None


def test_missing_paths_and_folders_are_reported_not_raised(tmp_path):
    for path, phrase in ((tmp_path / "gone.xlsx", "does not exist"), (tmp_path, "folder")):
        found, problems = read(path)
        assert found is None and codes(problems) == ["E014"]
        assert phrase in problems[0].message


def _encrypt(plain: Path, target: Path, password: str) -> Path:
    with open(plain, "rb") as source, open(target, "wb") as out:
        msoffcrypto.format.ooxml.OOXMLFile(source).encrypt(password, out)
    return target


def test_password_protected_returns(complete, tmp_path):
    path = _encrypt(complete, returned(tmp_path), "Secret1")
    found, problems = read(path)
    assert found is None and codes(problems) == ["E005"]
    assert "--passwords" in problems[0].how(APCC) and "code,password" in problems[0].how(APCC)
    assert "--" not in problems[0].fix  # the OPCC is told what it can do: remove the password

    found, problems = read(path, passwords={"kent": "wrong"})
    assert found is None and codes(problems) == ["E006"]
    assert "kent" in problems[0].message

    found, problems = read(path, passwords={"Kent": "Secret1", "surrey": "other"})
    assert problems == []
    assert found.responses["status"].tolist() == read(complete)[0].responses["status"].tolist()
    assert found.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_macro_workbook_is_read_for_values_only(complete, tmp_path):
    path = rezip(complete, tmp_path / "kent.xlsm", add={"xl/vbaProject.bin": b"\xd0\xcf" * 64})
    found, problems = read(path)
    assert codes(problems) == ["W121"]
    assert found.responses["status"].tolist() == read(complete)[0].responses["status"].tolist()


# --- damage that leaves a usable return ----------------------------------------------------------


def test_deleted_criterion_rows_are_blank_and_reported_per_theme(complete, tmp_path):
    def damage(book):
        ws = book[layout.SECTION_SHEETS[2]]
        for cid in ("7.2.a", "6.1.b"):
            ws.delete_rows(row_number(ws, cid))

    found, problems = read(edit(complete, damage, tmp_path / "deleted.xlsx"))
    missing = found.responses.set_index("criterion_id").loc[["6.1.b", "7.2.a"]]
    assert (missing["status"] == "").all() and (missing["sheet"] == "").all()
    assert (missing["row"] == 0).all()
    assert len(found.responses) == 218
    assert codes(problems) == ["W116", "W116"]
    assert "1 criteria of theme 6 (Leadership) were not found in the workbook: 6.1.b" in (
        problems[0].message
    )


def test_duplicated_rows_keep_the_first_filled_one(complete, tmp_path):
    def damage(book):
        ws = book[layout.SECTION_SHEETS[2]]
        source = row_number(ws, "6.1.a")
        copy = [cell.value for cell in ws[source]][:9]
        ws.append([*copy[:3], vocabulary.NOT_MET])
        ws.cell(row=source, column=4).value = None  # the original emptied: the copy is the answer
        for column in range(5, 10):
            ws.cell(row=source, column=column).value = None
        ws.append(["6.1.b", None, "repeated", vocabulary.NOT_MET])

    path = edit(complete, damage, tmp_path / "dup.xlsx")
    found, problems = read(path)
    by_id = found.responses.set_index("criterion_id")
    assert by_id.loc["6.1.a", "status"] == vocabulary.NOT_MET
    assert by_id.loc["6.1.b", "status"] == vocabulary.MET
    assert codes(problems) == ["W117", "W117"]
    ws = load_workbook(path)[layout.SECTION_SHEETS[2]]
    first = next(p for p in problems if "6.1.a" in p.message)
    assert ws[first.cell].value == "6.1.a" and ws[first.cell].row == row_number(ws, "6.1.a")
    assert f"row {ws.max_row - 1}" in first.message


def test_edited_ids_are_matched_by_text_and_unknown_rows_reported(complete, tmp_path):
    def damage(book):
        ws = book[layout.SECTION_SHEETS[3]]
        ws.cell(row=row_number(ws, "11.2.b"), column=1).value = "11.2b"
        ws.cell(row=row_number(ws, "12.1.a"), column=1).value = "12.1.b"  # another's id
        ws.append(["99.9.z", None, "Our own extra criterion", vocabulary.MET, "Yes"])

    found, problems = read(edit(complete, damage, tmp_path / "ids.xlsx"))
    by_id = found.responses.set_index("criterion_id")
    assert by_id.loc["11.2.b", "status"] == vocabulary.MET
    assert by_id.loc["12.1.b", "sheet"] != ""
    assert codes(problems) == ["W118", "W119"]
    assert "11.2.b, 12.1.a" in only(problems, "W118").message
    assert "'99.9.z'" in only(problems, "W119").message


def test_deleted_profile_and_objectives_sheets(complete, tmp_path):
    def damage(book):
        del book[layout.PROFILE_SHEET]
        del book[layout.OBJECTIVES_SHEET]

    found, problems = read(edit(complete, damage, tmp_path / "no-profile.xlsx"))
    assert found.opcc_code == "kent" and found.reporting_year == YEAR
    assert found.profile["signoff_date"] is None and found.objectives.empty
    assert codes(problems) == ["W120", "W120"]
    assert any("no Profile sheet" in p.message for p in problems)
    assert any("no Objectives sheet" in p.message for p in problems)


def test_the_metadata_sheet_or_all_metadata_gone(complete, tmp_path):
    def drop_sheet(book):
        del book[layout.META_SHEET]

    found, problems = read(edit(complete, drop_sheet, tmp_path / "no-sheet.xlsx"))
    assert problems == []  # the document properties still say whose workbook it is
    assert (found.opcc_code, found.framework_edition) == ("kent", "2024-25")

    def drop_all(book):
        drop_sheet(book)
        book.custom_doc_props = CustomPropertyList()

    found, problems = read(edit(complete, drop_all, tmp_path / "no-metadata.xlsx"))
    assert found.opcc_code == "kent"
    assert "OPCC kent (from the Profile sheet)" in only(problems, "W114").message


def test_a_full_cell_is_probably_cut_off(complete, tmp_path):
    essay = ("We consulted widely. " * 2000)[:32_767]
    path = filled_return(complete, tmp_path / "full.xlsx", answers={"2.1.a": {"evidence": essay}})
    found, problems = read(path)
    warning = only(problems, "W122")
    assert "32,767 characters" in warning.message
    assert warning.sheet == layout.SECTION_SHEETS[1] and warning.cell.startswith("E")
    assert found.responses.set_index("criterion_id").loc["2.1.a", "evidence"] == essay.strip()


def test_control_characters_emoji_welsh_and_right_to_left_text(complete, tmp_path):
    welsh = "Cyfarfod y Bwrdd – ŵ ŷ 👍 العربية"
    path = filled_return(
        complete,
        tmp_path / "text.xlsx",
        statuses={"2.1.b": "Met_x000B_"},
        answers={"2.1.a": {"evidence": "Board_x000B_minutes"}, "2.1.c": {"evidence": welsh}},
        profile={"lead_role": "Pennaeth Polisi_x000B_"},
    )
    found, problems = read(path)
    by_id = found.responses.set_index("criterion_id")
    assert by_id.loc["2.1.a", "evidence"] == "Board minutes"
    assert by_id.loc["2.1.b", "status"] == vocabulary.MET
    assert by_id.loc["2.1.c", "evidence"] == welsh
    assert found.profile["lead_role"] == "Pennaeth Polisi"
    assert problems == []


def test_dates_typed_as_text(complete, tmp_path):
    path = filled_return(
        complete,
        tmp_path / "dates.xlsx",
        answers={"16.3.a": {"target_date": "31/03/2027"}, "16.3.b": {"target_date": "soon"}},
        profile={"signoff_date": "20/05/2026", "employees": "24"},
    )
    found, problems = read(path)
    by_id = found.responses.set_index("criterion_id")
    assert by_id.loc["16.3.a", "target_date"] == pd.Timestamp(2027, 3, 31)
    assert pd.isna(by_id.loc["16.3.b", "target_date"])
    assert by_id.loc["16.3.b", "target_date_raw"] == "soon"
    assert found.profile["signoff_date"] == SIGNOFF and found.profile["employees"] == 24
    assert problems == []  # an unreadable target date is a value rule: see test_validate


def test_unreadable_profile_values_are_reported_where_they_are(complete, tmp_path):
    path = filled_return(
        complete,
        tmp_path / "profile.xlsx",
        profile={"employees": "about 20", "signoff_date": "next week", "contact_email": "Sam"},
    )
    found, problems = read(path)
    assert found.profile["employees"] is None and found.profile["signoff_date"] is None
    assert codes(problems) == ["W109"] * 3
    cells = {p.cell: p.message for p in problems}
    assert (
        "'Number of OPCC employees' holds 'about 20'" in cells[found.profile_cells["employees"][1]]
    )
    assert "not a date" in cells[found.profile_cells["signoff_date"][1]]


def test_formula_text_stays_text(complete, tmp_path):
    def damage(book):
        ws = book[layout.SECTION_SHEETS[1]]
        cell = ws.cell(row=row_number(ws, "1.1.a"), column=5)
        cell.value = '=HYPERLINK("http://evil.example","click")'
        cell.data_type = "s"  # typed with a leading apostrophe

    found, _ = read(edit(complete, damage, tmp_path / "formula.xlsx"))
    evidence = found.responses.set_index("criterion_id").loc["1.1.a", "evidence"]
    assert evidence == '=HYPERLINK("http://evil.example","click")'


# --- whose return, which year, which template ----------------------------------------------------


def _set_meta(**values: str) -> Callable[[Workbook], None]:
    def change(book: Workbook) -> None:
        ws = book[layout.META_SHEET]
        for row in ws.iter_rows(min_col=1, max_col=2):
            if row[0].value in values:
                row[1].value = values[row[0].value]
        book.custom_doc_props = CustomPropertyList()

    return change


def test_profile_and_file_name_disagreeing_with_the_metadata(complete, tmp_path):
    def damage(book):
        ws = book[layout.PROFILE_SHEET]
        ws["B3"].value = "surrey"  # Member code
        ws["B6"].value = "2024-25"  # Reporting year

    path = edit(complete, damage, returned(tmp_path, "sussex", "2024-25"))
    found, problems = read(path, member_codes={"kent", "surrey", "sussex"})
    assert (found.opcc_code, found.reporting_year) == ("kent", YEAR)
    assert codes(problems) == ["W113", "W113", "W115", "W115"]
    profile_code = next(p for p in problems if p.code == "W113" and p.cell)
    assert (profile_code.sheet, profile_code.cell) == (layout.PROFILE_SHEET, "B3")
    assert "names 'surrey'" in profile_code.message
    assert any("file name names 'sussex'" in p.message for p in problems)


def test_the_member_code_from_a_free_form_file_name(complete, tmp_path):
    def damage(book):
        _set_meta(opcc_code="")(book)
        book[layout.PROFILE_SHEET]["B3"].value = None

    path = edit(complete, damage, tmp_path / "West Midlands OPCC – final return ü.xlsx")
    found, problems = read(path, member_codes={"kent", "west-midlands", "midlands"})
    assert found.opcc_code == "west-midlands"
    assert "from the file name" in only(problems, "W114").message
    assert problems[0].file == "West Midlands OPCC – final return ü.xlsx"


@pytest.mark.parametrize(
    ("change", "code", "phrases"),
    [
        (
            _set_meta(framework_edition="2023-24"),
            "E009",
            ["framework edition 2023-24", "edition 2024-25", "equality workbook --opcc kent"],
        ),
        (_set_meta(template_version="2.0"), "E008", ["template version 2.0", "reads version 1.0"]),
        (_set_meta(template_id="budget-return"), "E007", ["'budget-return'"]),
    ],
)
def test_another_template_or_edition_is_rejected(complete, tmp_path, change, code, phrases):
    found, problems = read(edit(complete, change, tmp_path / "other.xlsx"))
    assert found is None and codes(problems) == [code]
    for phrase in phrases:
        assert phrase in problems[0].what(APCC) + problems[0].how(APCC)
    assert "equality " not in problems[0].fix
    assert problems[0].opcc_code == "kent"


def test_a_workbook_that_is_not_the_template(tmp_path):
    book = Workbook()
    book.active.append(["Name", "Budget"])
    book.active.append(["Kent", 12])
    book.save(tmp_path / "kent.xlsx")
    found, problems = read(tmp_path / "kent.xlsx")
    assert found is None and codes(problems) == ["E007"]
    assert "no sheet holds the criteria" in problems[0].message


def test_no_member_code_or_year_anywhere(complete, tmp_path):
    def damage(book):
        _set_meta(opcc_code="", reporting_year="")(book)
        book[layout.PROFILE_SHEET]["B3"].value = None
        book[layout.PROFILE_SHEET]["B6"].value = "this year"

    found, problems = read(edit(complete, damage, tmp_path / "return.xlsx"))
    assert found is None and codes(problems) == ["E011", "E013"]
    assert "Member code" in problems[0].fix


def test_criterion_sheets_deleted_is_not_a_return(complete, tmp_path):
    def damage(book):
        for title in layout.SECTION_SHEETS.values():
            del book[title]

    found, problems = read(edit(complete, damage, tmp_path / "empty.xlsx"))
    assert found is None and codes(problems) == ["E007"]
    assert "criterion sheets were deleted" in problems[0].message


def test_codes_in_file_names():
    members = {"kent", "west-midlands", "north-yorkshire", "west-yorkshire", "yorkshire"}
    assert ingest.codes_in_name("Kent OPCC return.xlsx", members) == ["kent"]
    assert ingest.codes_in_name("west_midlands final.xlsx", members) == ["west-midlands"]
    assert ingest.codes_in_name("West Yorkshire.xlsx", members) == ["west-yorkshire", "yorkshire"]
    assert ingest.codes_in_name("kentish town.xlsx", members) == []
    assert ingest.codes_in_name("../../kent.xlsx", members) == ["kent"]


def test_reading_is_quick(complete):
    clock = dt.datetime.now()
    for _ in range(5):
        read(complete)
    assert (dt.datetime.now() - clock).total_seconds() / 5 < 1.0


def test_a_passwords_file_is_read_or_refused_with_the_fix(tmp_path):
    good = tmp_path / "passwords.csv"
    good.write_text("code,password\nkent, Secret1\n\nessex,a,b\n", encoding="utf-8")
    assert ingest.load_passwords(good) == {"kent": " Secret1", "essex": "a"}
    assert ingest.load_passwords(None) == {}
    bad = tmp_path / "bad.csv"
    bad.write_text("kent\n", encoding="utf-8")
    with pytest.raises(ingest.PasswordsError, match="'member code,password'"):
        ingest.load_passwords(bad)
