"""The frames' contracts hold for every frame the pipeline makes from a real return."""

from __future__ import annotations

import pandas as pd
import pytest
from pandera.errors import SchemaError

from pipeline import ingest, schemas, scoring, vocabulary
from pipeline.fill import fill_workbook


@pytest.fixture(scope="module")
def found(tmp_path_factory, member_list, fw):
    from conftest import GENERATED

    from pipeline import workbook

    folder = tmp_path_factory.mktemp("schemas")
    member = member_list.set_index("code", drop=False).loc["kent"].to_dict()
    blank = workbook.generate_workbook(member, "2025-26", folder, generated=GENERATED)
    statuses = {c.id: vocabulary.MET for c in fw.criteria}
    statuses["3.1.a"] = vocabulary.NOT_MET
    filled = fill_workbook(
        blank,
        folder / "kent-return.xlsx",
        statuses=statuses,
        answers={"3.1.a": {"target_date": "31/03/2026"}},
        profile={"employees": 24, "signoff_date": GENERATED, "lead_role": "Head of Policy"},
        objectives=[{"objective": "Fairer stop and search", "measure": "Rate", "target": "Half"}],
    )
    result, problems = ingest.read_return(filled, framework=fw)
    assert result is not None, [p.message for p in problems]
    return result


def test_the_frames_of_a_return_meet_their_contracts(found):
    schemas.RESPONSE_FRAME.validate(found.responses)
    schemas.OBJECTIVE_FRAME.validate(found.objectives)
    schemas.PROFILE_FRAME.validate(pd.DataFrame([found.profile]))
    assert found.profile["employees"] == 24


def test_the_score_frames_meet_their_contracts(found, fw):
    scores = scoring.score(found.responses, fw)
    schemas.THEME_LEVELS.validate(scores.themes)
    schemas.SECTION_LEVELS.validate(scores.sections)


def test_a_frame_that_breaks_its_contract_is_refused(found, fw):
    themes = scoring.score(found.responses, fw).themes.copy()
    themes.loc[0, "level"] = "Excellent"
    with pytest.raises(SchemaError):
        schemas.THEME_LEVELS.validate(themes)
    responses = found.responses.copy()
    responses.loc[0, "status"] = "Done"
    with pytest.raises(SchemaError):
        schemas.RESPONSE_FRAME.validate(responses)
    with pytest.raises(SchemaError):
        schemas.RESPONSE_FRAME.validate(found.responses.drop(columns=["row"]))
