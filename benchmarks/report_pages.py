"""How long are the Equality Reports? Page counts of the demo reports, against the 20-35 target.

Builds the demo set, writes every accepted return's report (default appendix, or the one named),
converts them to PDF with LibreOffice and prints each report's pages and words, then the
minimum, median and maximum. Published equality reports are short documents people read: a
typical return should make 20-35 pages.

    .venv/bin/python benchmarks/report_pages.py [--appendix full|summary|none] [--limit N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from pipeline import demo, framework, members, report, scoring, validate

TARGET_PAGES = (20, 35)
GENERATED = dt.date(2026, 5, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appendix", choices=report.APPENDIX_CHOICES, default="summary")
    parser.add_argument("--limit", type=int, default=0, help="Only the first N reports.")
    options = parser.parse_args()
    soffice = shutil.which("soffice")
    if soffice is None:
        print("LibreOffice (soffice) is needed to count pages.", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="report-pages-") as scratch:
        folder = Path(scratch)
        made = demo.make_demo_returns(folder / "returns", year="2025-26")
        member_list = members.load_members()
        paths = validate.discover([made.folder])
        batch = validate.resolve([(p, *validate.check_file(p, member_list)) for p in paths])
        fw = framework.load()
        scores = scoring.score(batch.responses, fw)
        returns = sorted(batch.returns, key=lambda r: r.opcc_code)
        if options.limit:
            returns = returns[: options.limit]
        outcomes = report.write_reports(
            returns,
            scores,
            fw,
            member_list,
            folder / "reports",
            generated=GENERATED,
            demo=True,
            appendix=options.appendix,
        )
        profile = folder / f"lo-{uuid.uuid4().hex}"
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                str(folder / "reports"),
                *(str(o.path) for o in outcomes),
            ],
            check=True,
            capture_output=True,
        )
        pages = {}
        for outcome in outcomes:
            pdf = outcome.path.with_suffix(".pdf")
            pages[outcome.code] = report.page_count(pdf)
            words = len(
                subprocess.run(
                    ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
                ).stdout.split()
            )
            print(f"{outcome.code:<30} {pages[outcome.code]:>4} pages {words:>7} words")
    counts = sorted(pages.values())
    low, high = TARGET_PAGES
    median = statistics.median(counts)
    print(
        f"\n{len(counts)} reports, appendix {options.appendix}: min {counts[0]}, median {median}, "
        f"max {counts[-1]} pages (target for a typical return: {low}-{high})"
    )
    return 0 if low <= median <= high else 1


if __name__ == "__main__":
    sys.exit(main())
