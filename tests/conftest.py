"""Shared fixtures: the framework, the members, generated workbooks, LibreOffice recalculation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import GENERATED

from pipeline import framework, members, workbook


@pytest.fixture(scope="session")
def fw() -> framework.Framework:
    return framework.load()


@pytest.fixture(scope="session")
def member_list():
    return members.load_members()


@pytest.fixture
def make_workbook(tmp_path: Path, member_list) -> Callable[..., Path]:
    """Factory: `make_workbook(code="west-midlands", year="2025-26")` -> a generated workbook."""
    by_code = member_list.set_index("code", drop=False)

    def make(code: str = "west-midlands", year: str = "2025-26", **options) -> Path:
        options.setdefault("generated", GENERATED)
        out_dir = tmp_path / "workbooks" / year
        return workbook.generate_workbook(by_code.loc[code].to_dict(), year, out_dir, **options)

    return make
