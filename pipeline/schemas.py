"""What a usable return looks like, value by value: pandera schemas over the frames ingest makes.

This module is the single statement of the value rules. Each check is named after its rule in
the catalogue (`problems.Code`), and schemas are validated lazily so that every failure is found
at once; `validate` maps the failure cases back to sheet and cell before a person sees them.
File-level rules (is it a workbook, whose is it, which year) are plain Python in `ingest` and
`rules`, because they are about the file rather than its values. The frames' contracts (every
column's type) and the member list's rules are here too.
"""

from __future__ import annotations

import datetime as dt
import functools

import pandas as pd
import pandera.pandas as pa

from pipeline import layout, normalise
from pipeline.framework import Framework
from pipeline.vocabulary import (
    CRITERION_ID,
    LEVEL_LADDER,
    LEVELS,
    MET,
    NOT_APPLICABLE,
    NOT_MET,
    PARTIALLY_MET,
    STATUSES,
    level_key,
)

#: Statuses whose criterion is still to be done, so its target date matters. Blank is included:
#: not assessed is not done.
OUTSTANDING = (PARTIALLY_MET, NOT_MET, "")

_PROGRESS = {normalise.fold(value) for value in layout.PROGRESS_VALUES}


def _whole_or_none(value: object) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)


def _date_or_none(value: object) -> bool:
    return value is None or isinstance(value, dt.date)


def _is_status(value: object) -> bool:
    """A status, in one of its accepted spellings, or blank."""
    try:
        return _is_status_remembered(value)
    except TypeError:  # a value that cannot be a key
        return normalise.canonical_status(value)[1]


@functools.lru_cache(maxsize=4096, typed=True)
def _is_status_remembered(value: object) -> bool:
    # The same few values fill every row of every return.
    return normalise.canonical_status(value)[1]


def _filled(series: pd.Series) -> pd.Series:
    return series.map(lambda value: value is not None and not pd.isna(value) and value != "")


def _found(frame: pd.DataFrame) -> pd.Series:
    """Rows that were found in the workbook (a missing criterion is reported once, elsewhere)."""
    return frame["sheet"].ne("")


def _outstanding(frame: pd.DataFrame) -> pd.Series:
    return _found(frame) & frame["status"].isin(OUTSTANDING)


def responses_schema(framework: Framework, reference: dt.date | None) -> pa.DataFrameSchema:
    """The rules for one return's responses; target dates must not fall before `reference`
    (the sign-off date, or the start of the reporting year). Made once for each framework text
    and reference date: a batch asks for the same few again and again."""
    key = (framework.edition, framework.checksum, reference)
    if key not in _RESPONSES_SCHEMAS:
        if len(_RESPONSES_SCHEMAS) >= 64:
            _RESPONSES_SCHEMAS.pop(next(iter(_RESPONSES_SCHEMAS)))
        _RESPONSES_SCHEMAS[key] = _responses_schema(framework, reference)
    return _RESPONSES_SCHEMAS[key]


_RESPONSES_SCHEMAS: dict[tuple, pa.DataFrameSchema] = {}


def _text_edited(frame: pd.DataFrame, texts: dict[str, str], wording: dict[str, str]) -> pd.Series:
    """Rows whose criterion text is not the framework's, once case, spacing, quotes and dashes
    are set aside. A text typed exactly as the framework's (most of them) needs no folding."""
    edited = frame["criterion_text"].ne(frame["criterion_id"].map(texts))
    if edited.any():
        typed = frame.loc[edited]
        edited.loc[edited] = (
            typed["criterion_text"].map(normalise.fold).ne(typed["criterion_id"].map(wording))
        )
    return edited


@functools.lru_cache(maxsize=8)
def _wordings(edition: str, checksum: str, pairs: tuple) -> tuple[dict, dict]:
    """Each criterion's text, as written and as folded, for one framework text."""
    texts = dict(pairs)
    return texts, {cid: normalise.fold(text) for cid, text in texts.items()}


def _responses_schema(framework: Framework, reference: dt.date | None) -> pa.DataFrameSchema:
    texts, wording = _wordings(
        framework.edition,
        framework.checksum,
        tuple(zip(framework.frame.criterion_id, framework.frame.text, strict=True)),
    )
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
            lambda d: ~(_found(d) & _text_edited(d, texts, wording)),
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
                    lambda column: column.map(_is_status),
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


# --- the member list ----------------------------------------------------------------------------

#: A member code: lower-case words joined by hyphens ("west-midlands").
MEMBER_CODE = r"^[a-z0-9]+(-[a-z0-9]+)*$"


def members_schema(columns: list[str], regions: tuple[str, ...]) -> pa.DataFrameSchema:
    """The member list after its cells are trimmed: every cell filled, codes well formed and
    unique, regions known. A blank cell fails only `member_filled`, never the other checks."""

    def filled(column: str) -> list[pa.Check]:
        return [pa.Check(lambda s: s.ne(""), name="member_filled")]

    def unless_blank(test, name: str) -> pa.Check:
        return pa.Check(lambda s: s.eq("") | test(s), name=name)

    extra = {
        "code": [unless_blank(lambda s: s.str.fullmatch(MEMBER_CODE), "member_code_form")],
        "region": [unless_blank(lambda s: s.isin(regions), "member_region")],
    }
    return pa.DataFrameSchema(
        columns={
            column: pa.Column(str, checks=[*filled(column), *extra.get(column, [])])
            for column in columns
        },
        checks=[
            pa.Check(
                lambda d: ~(d["code"].duplicated(keep=False) & d["code"].ne("")),
                name="member_duplicate",
            )
        ],
        strict=True,
        ordered=True,
        name="members",
    )


#: The optional `welsh` column: whether a member is a Welsh public body under the Welsh Language
#: Standards (its reports are written in Welsh and English). Blank means no.
MEMBER_YES = ("yes", "true", "y")
MEMBER_NO = ("no", "false", "n", "")


def member_flag_schema(column: str) -> pa.DataFrameSchema:
    """A yes/no column of the member list, lower-cased and trimmed: yes, true, no, false, blank."""
    return pa.DataFrameSchema(
        columns={
            column: pa.Column(
                str, checks=[pa.Check.isin([*MEMBER_YES, *MEMBER_NO], name="member_flag")]
            )
        },
        name="member flags",
    )


# --- the frames' contracts ----------------------------------------------------------------------
# What every frame between the modules holds, column by column: `ingest` makes the first three
# and `scoring` the last two. They state the types the value rules above rely on; the tests hold
# every frame the pipeline makes to them.

_TEXT = pa.Column(str)
_WHERE = {"sheet": pa.Column(str), "row": pa.Column("int64", pa.Check.ge(0))}
_LEVEL_OR_NOT_YET = pa.Check.isin(LEVEL_LADDER)

RESPONSE_FRAME = pa.DataFrameSchema(
    columns={
        "opcc_code": _TEXT,
        "criterion_id": pa.Column(str, pa.Check.str_matches(CRITERION_ID.pattern), unique=True),
        "theme": pa.Column("int64", pa.Check.ge(1)),
        "level": pa.Column(str, pa.Check.isin(LEVELS)),
        "status": pa.Column(str, pa.Check.isin([*STATUSES, ""])),
        "status_raw": _TEXT,
        "evidence": _TEXT,
        "evidence_link": _TEXT,
        "owner": _TEXT,
        "target_date": pa.Column("datetime64[ns]", nullable=True),
        "target_date_raw": _TEXT,
        "na_reason": _TEXT,
        "criterion_text": _TEXT,
        **_WHERE,
    },
    strict=True,
    ordered=True,
    name="response frame",
)

OBJECTIVE_FRAME = pa.DataFrameSchema(
    columns={
        key: _TEXT
        for key in ("opcc_code", *layout.OBJECTIVE_COLUMNS)  # every objective cell as text
    }
    | _WHERE,
    strict=True,
    ordered=True,
    name="objective frame",
)

#: The Profile's values, one row: text, except the employees count and the sign-off date.
_MAYBE = {"element_wise": True}
PROFILE_FRAME = pa.DataFrameSchema(
    columns={
        **{key: _TEXT for key in layout.PROFILE_LABELS},
        "employees": pa.Column(None, pa.Check(_whole_or_none, element_wise=True), nullable=True),
        "signoff_date": pa.Column(
            object, pa.Check(_date_or_none, element_wise=True), nullable=True
        ),
    },
    strict=True,
    name="profile frame",
)

_COUNT = pa.Column("int64", pa.Check.ge(0))


def _within_total(key: str) -> pa.Check:
    return pa.Check(
        lambda d: d[f"{key}_satisfied"].le(d[f"{key}_total"]), name=f"{key}_within_total"
    )


THEME_LEVELS = pa.DataFrameSchema(
    columns={
        "opcc_code": _TEXT,
        "section": pa.Column("int64", pa.Check.ge(1)),
        "theme": pa.Column("int64", pa.Check.ge(1)),
        "theme_title": _TEXT,
        "level": pa.Column(str, _LEVEL_OR_NOT_YET),
        "level_rank": pa.Column("int64", pa.Check.in_range(0, len(LEVELS))),
        **{
            f"{level_key(level)}_{part}": _COUNT
            for level in LEVELS
            for part in ("satisfied", "total")
        },
        "not_applicable": _COUNT,
    },
    checks=[
        pa.Check(
            lambda d: d["level"].map(LEVEL_LADDER.index).eq(d["level_rank"]),
            name="level_matches_rank",
        ),
        *(_within_total(level_key(level)) for level in LEVELS),
    ],
    unique=["opcc_code", "theme"],
    strict=True,
    ordered=True,
    name="theme levels",
)

SECTION_LEVELS = pa.DataFrameSchema(
    columns={
        "opcc_code": _TEXT,
        "section": pa.Column("int64", pa.Check.ge(1)),
        "section_title": _TEXT,
        "level": pa.Column(str, _LEVEL_OR_NOT_YET),
        "level_rank": pa.Column("int64", pa.Check.in_range(0, len(LEVELS))),
    },
    unique=["opcc_code", "section"],
    strict=True,
    ordered=True,
    name="section levels",
)
