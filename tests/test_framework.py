"""The framework as data: faithful to the shared source, and strict about malformed files."""

import json
import pickle
from pathlib import Path

import pytest
import yaml

from pipeline import framework, vocabulary

SHARED = Path(__file__).resolve().parents[2] / "shared" / "framework"
SOURCE = SHARED / "apcc-equality-framework-2024-25.json"
SHIPPED = framework.edition_path("2024-25")


def shared_criteria() -> list[tuple[int, int, str, str, str]]:
    data = json.loads(SOURCE.read_text(encoding="utf-8"))
    return [
        (section["number"], theme["number"], level["level"], c["id"], c["text"])
        for section in data["sections"]
        for theme in section["themes"]
        for level in theme["levels"]
        for c in level["criteria"]
    ]


def test_default_edition_has_the_framework_shape():
    fw = framework.load()
    assert fw.edition == "2024-25"
    assert len(fw.sections) == 4
    assert [t.number for t in fw.themes] == list(range(1, 17))
    assert all([lv.name for lv in t.levels] == list(vocabulary.LEVELS) for t in fw.themes)
    assert len(fw.criteria) == 218
    assert fw.theme(3).level("Achieving").criteria[1].id == "3.2.b"


@pytest.mark.skipif(
    not SOURCE.exists(), reason="the shared framework folder is not beside the repo"
)
def test_criteria_equal_the_shared_source():
    frame = framework.load().frame
    ours = list(
        frame[["section", "theme", "level", "criterion_id", "text"]].itertuples(
            index=False, name=None
        )
    )
    assert ours == shared_criteria()


@pytest.mark.skipif(
    not SOURCE.exists(), reason="the shared framework folder is not beside the repo"
)
def test_descriptors_and_definitions_equal_the_shared_source():
    data = json.loads(SOURCE.read_text(encoding="utf-8"))
    fw = framework.load()
    assert fw.level_definitions == data["level_definitions"]
    for section in data["sections"]:
        for theme in section["themes"]:
            ours = fw.theme(theme["number"])
            assert ours.title == theme["title"]
            assert [lv.descriptor for lv in ours.levels] == [
                lv["descriptor"] for lv in theme["levels"]
            ]
            assert [lv.code for lv in ours.levels] == [lv["code"] for lv in theme["levels"]]


def test_frame_is_tidy_and_ordered():
    frame = framework.load().frame
    assert list(frame.columns) == framework.FRAME_COLUMNS
    assert frame["criterion_id"].is_unique
    assert frame["level_rank"].isin([1, 2, 3]).all()
    assert (
        frame["level_code"] == frame["theme"].astype(str) + "." + frame["level_rank"].astype(str)
    ).all()


def test_checksum_changes_when_one_word_changes(tmp_path):
    data = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    data["sections"][0]["themes"][0]["levels"][0]["criteria"][0]["text"] += " Edited."
    edited = write(tmp_path, data)
    assert framework.load_file(edited).checksum != framework.load().checksum


def test_editions_are_discovered():
    assert "2024-25" in framework.available_editions()
    with pytest.raises(framework.FrameworkError, match=r"Editions available: .*2024-25"):
        framework.load("1999-00")


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def shipped() -> dict:
    return yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))


def test_duplicate_id_is_reported_with_where(tmp_path):
    data = shipped()
    criteria = data["sections"][0]["themes"][1]["levels"][0]["criteria"]
    criteria[1]["id"] = criteria[0]["id"]
    with pytest.raises(framework.FrameworkError, match=r"2\.1\.a.*used more than once"):
        framework.load_file(write(tmp_path, data))


def test_missing_level_is_reported(tmp_path):
    data = shipped()
    del data["sections"][1]["themes"][3]["levels"][2]
    with pytest.raises(framework.FrameworkError, match=r"theme 9: .*missing Advancing"):
        framework.load_file(write(tmp_path, data))


def test_empty_text_is_reported(tmp_path):
    data = shipped()
    data["sections"][2]["themes"][0]["levels"][1]["criteria"][2]["text"] = "  "
    with pytest.raises(framework.FrameworkError, match=r"criterion 11\.2\.c .*text is empty"):
        framework.load_file(write(tmp_path, data))


def test_id_in_the_wrong_level_is_reported(tmp_path):
    data = shipped()
    data["sections"][0]["themes"][2]["levels"][1]["criteria"][0]["id"] = "3.3.z"
    with pytest.raises(framework.FrameworkError, match=r"must look like '3\.2\.<letter>'"):
        framework.load_file(write(tmp_path, data))


def test_every_problem_is_listed_at_once(tmp_path):
    data = shipped()
    data["sections"][0]["themes"][0]["levels"][0]["criteria"][0]["text"] = ""
    data["sections"][3]["themes"][0]["levels"][0]["descriptor"] = ""
    with pytest.raises(framework.FrameworkError) as raised:
        framework.load_file(write(tmp_path, data))
    message = str(raised.value)
    assert "1.1.a" in message and "theme 13 Developing descriptor" in message


def test_not_yaml_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("sections: [unclosed", encoding="utf-8")
    with pytest.raises(framework.FrameworkError, match="not valid YAML"):
        framework.load_file(path)


def test_the_reading_table_of_one_theme_or_all():
    fw = framework.load()
    table = fw.table()
    assert len(table) == len(fw.criteria) and "level_rank" not in table.columns
    assert set(fw.table(9)["theme"]) == {9}
    with pytest.raises(KeyError, match="themes are 1 to 16"):
        fw.table(17)


def test_a_published_edition_travels_by_name_and_any_other_framework_whole():
    """A run sends the framework with every report's job to its workers: a published edition
    goes as its name and comes back as the one object `load` gives; one read from another file
    goes whole, every criterion with it."""
    published = framework.load()
    sent = pickle.dumps(published)
    assert len(sent) < 200 and pickle.loads(sent) is published
    assert framework.load(published.edition) is published
    other = framework.load_file(framework.edition_path(published.edition))
    whole = pickle.dumps(other)
    assert len(whole) > 10_000
    back = pickle.loads(whole)
    assert back is not published and back == other
    assert back.frame.equals(published.frame)
