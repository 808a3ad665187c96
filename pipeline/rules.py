"""The identity and batch rules (E007 to E013): is this the APCC workbook, whose, for which year.

Value rules live in `schemas` and file-safety rules (E001 to E006, E014) where the bytes are read,
in `ingest`. These are the rules about what a readable workbook says it is, applied to what
`ingest` found (metadata, Profile, file name) and to the batch; each code is created here and
nowhere else, so `grep E012 pipeline/` finds its one home.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from pipeline import layout
from pipeline.problems import Code, Problem, sort_key
from pipeline.returns import Return
from pipeline.vocabulary import parse_year

#: Why a workbook is not the self-assessment workbook (E007), by what was found.
NOT_TEMPLATE = {
    "no_worksheets": "the workbook has no worksheets.",
    "no_criteria": "no sheet holds the criteria (a header row with ID, Criterion and Status) "
    "and there is no _metadata sheet.",
    "criteria_deleted": "no sheet holds the criteria (a header row with ID, Criterion and "
    "Status); the criterion sheets were deleted or their headers changed.",
    "other_template": "its metadata names the template '{template_id}', not the APCC equality "
    "self-assessment.",
}


def not_template(file: str, why: str, opcc_code: str = "", **values: object) -> Problem:
    """E007: the workbook is not the APCC self-assessment workbook, for the reason `why`."""
    detail = NOT_TEMPLATE[why].format(**values)
    return Code.E007.problem(file=file, opcc_code=opcc_code, detail=detail)


@dataclass(frozen=True)
class Identity:
    """Whose return a workbook is and for which year and edition, as the rules settled it."""

    code: str
    year: str
    edition: str
    #: Where the code came from: "metadata", "Profile sheet" or "file name".
    code_source: str


def identify(
    file: str,
    meta: Mapping[str, str],
    *,
    profile_code: str,
    profile_year: str,
    profile_cells: Mapping[str, tuple[str, str]],
    name_code: str,
    name_year: str,
    edition: str,
) -> tuple[Identity, list[Problem], list[Problem]]:
    """(identity, errors, warnings): metadata first, checked against the Profile and file name.

    `meta` holds the metadata keys as found (cleaned text; {} when there is none); `edition` is
    the framework edition returns are assessed against.
    """
    errors: list[Problem] = []
    warnings: list[Problem] = []
    meta_code = str(meta.get("opcc_code") or "")
    code = meta_code or profile_code or name_code
    code_source = "metadata" if meta_code else "Profile sheet" if profile_code else "file name"
    if not code:
        errors.append(Code.E011.problem(file=file))
    warnings += _disagreements(
        Code.W113,
        file,
        code,
        ("Profile sheet ('Member code')", profile_code, profile_cells.get("opcc_code", ("", ""))),
        ("file name", name_code, ("", "")),
        opcc_code=code,
        code=code,
    )

    meta_year = parse_year(meta.get("reporting_year") or "")
    year = meta_year or profile_year or name_year
    if not year:
        errors.append(Code.E013.problem(file=file, opcc_code=code))
    warnings += _disagreements(
        Code.W115,
        file,
        year,
        (
            "Profile sheet ('Reporting year')",
            profile_year,
            profile_cells.get("reporting_year", ("", "")),
        ),
        ("file name", name_year, ("", "")),
        opcc_code=code,
        year=year,
    )

    template_id = meta.get("template_id", "")
    if template_id and template_id != layout.TEMPLATE_ID:
        errors.append(not_template(file, "other_template", code, template_id=template_id))
    version = meta.get("template_version", "")
    if version and version.split(".")[0] != layout.TEMPLATE_VERSION.split(".")[0]:
        errors.append(
            Code.E008.problem(
                file=file,
                opcc_code=code,
                found=version,
                expected=layout.TEMPLATE_VERSION,
                code=code or "<code>",
            )
        )
    found_edition = meta.get("framework_edition", "")
    if found_edition and found_edition != edition:
        errors.append(
            Code.E009.problem(
                file=file,
                opcc_code=code,
                found=found_edition,
                expected=edition,
                code=code or "<code>",
            )
        )
    identity = Identity(code, year, found_edition or edition, code_source)
    if not errors:
        missing = [
            key for key in ("opcc_code", "reporting_year", "framework_edition") if not meta.get(key)
        ]
        if missing:
            state = "missing" if not meta else f"incomplete (no {', '.join(missing)})"
            warnings.append(
                Code.W114.problem(
                    file=file,
                    opcc_code=code,
                    state=state,
                    code=code,
                    source=code_source,
                    year=year,
                    edition=edition,
                )
            )
    return identity, errors, warnings


def admission(found: Return, member_codes: Collection[str], year: str | None) -> list[Problem]:
    """The errors that keep a readable return out of the batch: its code is not a member's
    (E010), or it is for another year than the batch's (E012, when `year` is given)."""
    errors = []
    if found.opcc_code not in member_codes:
        errors.append(Code.E010.problem(file=found.path.name, code=found.opcc_code))
    return [*errors, *_other_year(found, year)]


def _other_year(found: Return, year: str | None) -> list[Problem]:
    if not year or found.reporting_year == year:
        return []
    return [
        Code.E012.problem(
            file=found.path.name,
            opcc_code=found.opcc_code,
            found=found.reporting_year,
            expected=year,
        )
    ]


def only_year(checked: list, year: str) -> list:
    """One run is one reporting year: of (path, Return | None, problems) entries, a readable
    return for another year becomes (path, None, [E012, *problems])."""
    kept = []
    for path, found, problems in checked:
        errors = _other_year(found, year) if found is not None else []
        if errors:
            kept.append((path, None, sorted([*errors, *problems], key=sort_key)))
        else:
            kept.append((path, found, problems))
    return kept


def _disagreements(rule: Code, file: str, value: str, *sources, **values) -> list[Problem]:
    """`rule` once for every (source, other value, (sheet, cell)) whose value differs from the
    one the return is identified by."""
    return [
        rule.problem(file=file, sheet=sheet, cell=cell, source=source, other=other, **values)
        for source, other, (sheet, cell) in sources
        if value and other and other != value
    ]
