"""What run.json carries for each return so that replies can be drafted from the output folder
alone: who to write to (the return's contact, else the sender it came from), where the return came
from (collected.json), and which feedback workbook and report belong to it."""

from __future__ import annotations

from pathlib import Path

from pipeline import feedback, normalise
from pipeline.mail import collect


def with_mail_details(returns: list[dict], result) -> list[dict]:
    """The run record's return rows, each with `contact`, `collected` and `outputs` added.

    `result` is the run's RunResult; rows are matched to it by their `file`.
    """
    batch = result.batch
    by_path = {Path(found.path): found for found in batch.returns}
    feedback_names = feedback.feedback_names(batch.log, batch.problems)
    reports = {outcome.code: outcome.path for outcome in result.report_outcomes}
    root = result.out_dir.resolve()
    details = {}
    for row in batch.log.itertuples(index=False):
        path = Path(row.path)
        found = by_path.get(path)
        profile = found.profile if found is not None else {}
        email = normalise.clean_text(profile.get("contact_email"))
        files = {}
        if row.file in feedback_names:
            files["feedback"] = f"feedback/{feedback_names[row.file]}"
        report = reports.get(row.opcc_code) if found is not None else None
        if report is not None:
            files["report"] = Path(report).resolve().relative_to(root).as_posix()
        details[row.file] = {
            "contact": {
                "name": normalise.clean_text(profile.get("contact_name")),
                "email": email if normalise.is_email(email) else "",
            },
            "collected": None
            if result.demo
            else collect.provenance(path, found.sha256 if found is not None else None),
            "outputs": files,
        }
    return [{**entry, **details.get(entry.get("file"), {})} for entry in returns]
