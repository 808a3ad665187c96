"""What a usable return looks like, value by value: pandera schemas over the frames ingest makes.

This module is the single statement of the value rules. Each check is named after its rule in
the catalogue (`problems.Code`), and schemas are validated lazily so that every failure is found
at once; `validate` maps the failure cases back to sheet and cell before a person sees them.
File-level rules (is it a workbook, whose is it, which year) are plain Python in `ingest` and
`validate`, because they are about the file rather than its values.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pandera.pandas as pa

from pipeline import layout, normalise
from pipeline.framework import Framework
from pipeline.vocabulary import MET, NOT_APPLICABLE, NOT_MET, PARTIALLY_MET

#: Statuses whose criterion is still to be done, so its target date matters. Blank is included:
#: not assessed is not done.
OUTSTANDING = (PARTIALLY_MET, NOT_MET, "")

_PROGRESS = {normalise.fold(value) for value in layout.PROGRESS_VALUES}


def _filled(series: pd.Series) -> pd.Series:
    return series.map(lambda value: value is not None and not pd.isna(value) and value != "")


def _found(frame: pd.DataFrame) -> pd.Series:
    """Rows that were found in the workbook (a missing criterion is reported once, elsewhere)."""
    return frame["sheet"].ne("")


def _outstanding(frame: pd.DataFrame) -> pd.Series:
    return _found(frame) & frame["status"].isin(OUTSTANDING)


def responses_schema(framework: Framework, reference: dt.date | None) -> pa.DataFrameSchema:
    """The rules for one return's responses; target dates must not fall before `reference`
    (the sign-off date, or the start of the reporting year)."""
    wording = {
        cid: normalise.fold(text)
        for cid, text in zip(framework.frame.criterion_id, framework.frame.text, strict=True)
    }
    checks = [
        pa.Check(
            lambda d: ~(_found(d) & d["status_raw"].eq("")),
            name="blank_status",
        ),
        pa.Check(
            lambda d: ~(d["status"].eq(MET) & d["evidence"].eq("")),
            name="met_without_evidence",
        ),
        pa.Check(
            lambda d: ~(d["status"].eq(NOT_APPLICABLE) & d["na_reason"].eq("")),
            name="na_without_reason",
        ),
        pa.Check(
            lambda d: (
                ~(
                    _found(d)
                    & d["criterion_text"].map(normalise.fold).ne(d["criterion_id"].map(wording))
                )
            ),
            name="text_edited",
        ),
        pa.Check(
            lambda d: ~(_outstanding(d) & d["target_date_raw"].ne("") & d["target_date"].isna()),
            name="date_invalid",
        ),
    ]
    if reference is not None:
        limit = pd.Timestamp(reference)
        checks.append(
            pa.Check(
                lambda d: (
                    ~(_outstanding(d) & d["target_date"].notna() & (d["target_date"] < limit))
                ),
                name="date_past",
            )
        )
    return pa.DataFrameSchema(
        columns={
            "criterion_id": pa.Column(),
            "status": pa.Column(),
            "status_raw": pa.Column(
                checks=pa.Check(
                    lambda value: normalise.canonical_status(value)[1],
                    element_wise=True,
                    name="invalid_status",
                )
            ),
            "evidence": pa.Column(),
            "na_reason": pa.Column(),
            "criterion_text": pa.Column(),
            "target_date": pa.Column(nullable=True),
            "target_date_raw": pa.Column(),
            "sheet": pa.Column(),
        },
        checks=checks,
        name="responses",
    )


OBJECTIVES = pa.DataFrameSchema(
    columns={
        "number": pa.Column(),
        "measure": pa.Column(),
        "target": pa.Column(),
        "progress": pa.Column(
            checks=pa.Check(
                lambda value: value == "" or normalise.fold(value) in _PROGRESS,
                element_wise=True,
                name="objective_progress",
            )
        ),
    },
    checks=[
        pa.Check(
            lambda d: d["measure"].ne("") & d["target"].ne(""),
            name="objective_incomplete",
        )
    ],
    name="objectives",
)

PROFILE = pa.DataFrameSchema(
    columns={
        key: pa.Column(
            nullable=True,
            checks=pa.Check(
                _filled,
                ignore_na=False,
                name="profile_missing",
            ),
        )
        for key in layout.PROFILE_INPUTS
    },
    name="profile",
)


def failures(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (check, index, column) that failed, from a lazy validation; empty if none.

    The frame must have a 0..n-1 index, so that `index` points back to its rows.
    """
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
        if cases["index"].isna().any():
            # A missing column or a wrong frame: a bug upstream, not a problem in the return.
            raise
        cases = cases[["check", "column", "index", "failure_case"]]
        return cases.sort_values(["index", "check"], kind="stable", ignore_index=True)
    return pd.DataFrame(columns=["check", "column", "index", "failure_case"])
