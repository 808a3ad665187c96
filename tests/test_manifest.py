"""Never lose an edit: the manifest of generated files, exercised on real files in a real folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import outputs
from pipeline.manifest import MANIFEST_NAME, Manifest, ManifestError


def writer(text: str):
    return lambda path: Path(path).write_text(text, encoding="utf-8")


def generate(folder: Path, name: str, text: str, *, force: bool = False):
    """One batch run: load the manifest, write one file, save the manifest."""
    records = Manifest.load(folder)
    outcome = records.write(name, writer(text), force=force)
    records.save()
    return outcome


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and p.is_file())


def test_first_write_is_recorded_with_its_hash(tmp_path):
    outcome = generate(tmp_path, "report.docx", "version 1")
    assert outcome.status == "written"
    assert (tmp_path / "report.docx").read_text() == "version 1"
    saved = json.loads((tmp_path / MANIFEST_NAME).read_text())
    assert saved["files"] == {"report.docx": outputs.sha256_file(tmp_path / "report.docx")}
    assert leftovers(tmp_path) == [MANIFEST_NAME]


def test_manifest_keys_are_sorted(tmp_path):
    records = Manifest(tmp_path)
    for name in ("b.docx", "a.docx", "c.docx"):
        records.write(name, writer(name))
    records.save()
    text = (tmp_path / MANIFEST_NAME).read_text()
    assert list(json.loads(text)["files"]) == ["a.docx", "b.docx", "c.docx"]
    assert text.index('"files"') < text.index('"version"')


def test_same_content_leaves_the_file_untouched(tmp_path):
    generate(tmp_path, "report.docx", "version 1")
    before = (tmp_path / "report.docx").stat()
    outcome = generate(tmp_path, "report.docx", "version 1")
    assert outcome.status == "unchanged"
    after = (tmp_path / "report.docx").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_unedited_file_is_replaced_by_new_content(tmp_path):
    generate(tmp_path, "report.docx", "version 1")
    outcome = generate(tmp_path, "report.docx", "version 2")
    assert outcome.status == "written"
    assert (tmp_path / "report.docx").read_text() == "version 2"
    assert not (tmp_path / "report.new.docx").exists()


def test_edited_file_is_kept_and_the_new_one_written_beside_it(tmp_path):
    generate(tmp_path, "report.docx", "version 1")
    (tmp_path / "report.docx").write_text("version 1, edited by communications")
    outcome = generate(tmp_path, "report.docx", "version 2")
    assert outcome.status == "kept-edited"
    assert (tmp_path / "report.docx").read_text() == "version 1, edited by communications"
    assert outcome.path == tmp_path / "report.new.docx"
    assert outcome.path.read_text() == "version 2"
    assert "report.docx was changed after it was generated" in outcome.message
    assert "report.new.docx" in outcome.message and "--force" in outcome.message
    # A third run still keeps the edit, and refreshes the file beside it (nobody edited that one).
    again = generate(tmp_path, "report.docx", "version 3")
    assert again.status == "kept-edited" and again.path.name == "report.new.docx"
    assert again.path.read_text() == "version 3"
    assert (tmp_path / "report.docx").read_text() == "version 1, edited by communications"


def test_an_edited_file_beside_is_kept_too(tmp_path):
    generate(tmp_path, "report.docx", "version 1")
    (tmp_path / "report.docx").write_text("edit A")
    generate(tmp_path, "report.docx", "version 2")
    (tmp_path / "report.new.docx").write_text("edit B")
    outcome = generate(tmp_path, "report.docx", "version 3")
    assert outcome.path.name == "report.new-2.docx"
    assert [(tmp_path / n).read_text() for n in ("report.docx", "report.new.docx")] == [
        "edit A",
        "edit B",
    ]


def test_force_overwrites_an_edited_file(tmp_path):
    generate(tmp_path, "report.docx", "version 1")
    (tmp_path / "report.docx").write_text("edited")
    outcome = generate(tmp_path, "report.docx", "version 2", force=True)
    assert outcome.status == "overwritten"
    assert (tmp_path / "report.docx").read_text() == "version 2"
    assert Manifest.load(tmp_path).is_edited("report.docx") is False


def test_a_file_we_never_recorded_counts_as_edited(tmp_path):
    (tmp_path / "report.docx").write_text("someone's own file")
    outcome = generate(tmp_path, "report.docx", "generated")
    assert outcome.status == "kept-edited"
    assert (tmp_path / "report.docx").read_text() == "someone's own file"


def test_a_lost_manifest_is_rebuilt_for_files_with_the_same_bytes(tmp_path):
    generate(tmp_path, "report.docx", "version 1")
    (tmp_path / MANIFEST_NAME).unlink()
    outcome = generate(tmp_path, "report.docx", "version 1")
    assert outcome.status == "unchanged"
    assert "report.docx" in Manifest.load(tmp_path).files


def test_unreadable_manifest_is_reported_not_ignored(tmp_path):
    (tmp_path / MANIFEST_NAME).write_text("{not json")
    with pytest.raises(ManifestError, match="cannot be read") as caught:
        Manifest.load(tmp_path)
    assert MANIFEST_NAME in str(caught.value) and "delete it" in str(caught.value)


def test_a_failed_write_leaves_the_old_file_and_no_temporary_files(tmp_path):
    generate(tmp_path, "report.docx", "version 1")

    def fail(path: Path) -> None:
        Path(path).write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        Manifest.load(tmp_path).write("report.docx", fail)
    assert (tmp_path / "report.docx").read_text() == "version 1"
    assert leftovers(tmp_path) == [MANIFEST_NAME]


def test_names_cannot_leave_the_folder(tmp_path):
    with pytest.raises(outputs.OutputError):
        Manifest(tmp_path / "out").write("../escape.docx", writer("x"))
    assert not (tmp_path / "escape.docx").exists()
