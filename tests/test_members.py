"""The member list: 43 force areas, and clear errors for a list the APCC has broken."""

import pytest

from pipeline import members

EXPECTED_CODES = (
    "avon-and-somerset bedfordshire cambridgeshire cheshire city-of-london cleveland cumbria "
    "derbyshire devon-and-cornwall dorset durham dyfed-powys essex gloucestershire "
    "greater-manchester gwent hampshire-and-isle-of-wight hertfordshire humberside kent "
    "lancashire leicestershire "
    "lincolnshire merseyside metropolitan norfolk north-wales north-yorkshire northamptonshire "
    "northumbria nottinghamshire south-wales south-yorkshire staffordshire suffolk surrey sussex "
    "thames-valley warwickshire west-mercia west-midlands west-yorkshire wiltshire"
).split()


def test_built_in_list_has_the_43_force_areas():
    frame = members.load_members()
    assert list(frame.columns) == members.MEMBER_COLUMNS
    assert sorted(frame["code"]) == sorted(EXPECTED_CODES)
    assert set(frame["region"]) == set(members.REGIONS)
    by_code = frame.set_index("code")
    assert by_code.loc["metropolitan", "policing_body"] == "Mayor's Office for Policing and Crime"
    assert (
        by_code.loc["west-midlands", "policing_body"]
        == "West Midlands Police and Crime Commissioner"
    )
    assert (frame[frame["region"] == "Wales"]["code"].tolist()) == [
        "dyfed-powys",
        "gwent",
        "north-wales",
        "south-wales",
    ]


def write(tmp_path, text: str):
    path = tmp_path / "members.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_an_edited_list_is_used(tmp_path):
    path = write(
        tmp_path,
        "code,force_area,policing_body,region\n"
        "new-area,New Area,New Area Police and Crime Commissioner,Wales\n",
    )
    assert members.load_members(path)["code"].tolist() == ["new-area"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("code,force_area,region\nkent,Kent,South East\n", "column.*policing_body.*missing"),
        (
            "code,force_area,policing_body,region\nKent Area,Kent,Kent PCC,South East\n",
            "line 2: code",
        ),
        (
            "code,force_area,policing_body,region\nkent,Kent,,South East\n",
            "line 2: policing_body is empty",
        ),
        ("code,force_area,policing_body,region\nkent,Kent,Kent PCC,Narnia\n", "region 'Narnia'"),
        (
            "code,force_area,policing_body,region\n"
            "kent,Kent,A,South East\nkent,Kent,B,South East\n",
            "'kent' appears more than once",
        ),
        ("code,force_area,policing_body,region\n", "no members"),
    ],
)
def test_malformed_lists_are_clear_errors(tmp_path, text, expected):
    with pytest.raises(members.MembersError, match=expected):
        members.load_members(write(tmp_path, text))


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(members.MembersError, match="not found"):
        members.load_members(tmp_path / "nope.csv")


def test_resolve_code_folds_case_spaces_and_force_areas():
    from pipeline.members import UnknownMember, load_members, resolve_code

    frame = load_members()
    assert resolve_code(frame, "Kent") == "kent"
    assert resolve_code(frame, "thames valley") == "thames-valley"
    assert resolve_code(frame, "  Thames_Valley ") == "thames-valley"
    assert resolve_code(frame, "Metropolitan Police") == "metropolitan"
    assert resolve_code(frame, "Avon & Somerset") == "avon-and-somerset"
    with pytest.raises(UnknownMember) as raised:
        resolve_code(frame, "north yorks")
    assert "north-yorkshire" in raised.value.suggestions
    with pytest.raises(UnknownMember) as raised:
        resolve_code(frame, "zzzz")
    assert raised.value.suggestions == []


def test_the_welsh_members_are_flagged_in_the_built_in_list():
    assert sorted(members.welsh_codes()) == ["dyfed-powys", "gwent", "north-wales", "south-wales"]


def test_the_welsh_column_is_optional_and_checked(tmp_path):
    header = "code,force_area,policing_body,region"
    plain_list = write(tmp_path, f"{header}\nkent,Kent,Kent PCC,South East\n")
    assert members.welsh_codes(plain_list) == frozenset()
    flagged = write(
        tmp_path,
        f"{header},welsh\nkent,Kent,Kent PCC,South East,\ngwent,Gwent,Gwent PCC,Wales, Yes \n"
        "dyfed-powys,Dyfed-Powys,Dyfed-Powys PCC,Wales,TRUE\n",
    )
    assert members.welsh_codes(flagged) == {"gwent", "dyfed-powys"}
    broken = write(tmp_path, f"{header},welsh\ngwent,Gwent,Gwent PCC,Wales,maybe\n")
    with pytest.raises(members.MembersError, match=r"line 2: welsh 'maybe' must be yes or no"):
        members.welsh_codes(broken)
