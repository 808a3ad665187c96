"""The APCC Equality Framework as data: one YAML file per edition, loaded into typed objects.

The framework is updated about once a year and each edition keeps its own criteria, so the text
lives in `apcc-<edition>.yaml` beside this module and code never spells out a criterion.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from pipeline.vocabulary import CRITERION_ID, LEVEL_RANK, LEVELS

DEFAULT_EDITION = "2024-25"
#: libyaml's safe loader where PyYAML was built with it (ten times faster), else PyYAML's own.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: Excel's limit on a sheet name, and the characters it refuses in one.
SHEET_NAME_LIMIT = 31
_SHEET_FORBIDDEN = set("[]:*?/\\")

FRAME_COLUMNS = [
    "section",
    "section_title",
    "theme",
    "theme_title",
    "level",
    "level_rank",
    "level_code",
    "criterion_id",
    "text",
]


class FrameworkError(ValueError):
    """A framework file that cannot be trusted: the message lists every problem found."""


@dataclass(frozen=True)
class Criterion:
    id: str
    text: str
    level: str
    theme: int
    section: int


@dataclass(frozen=True)
class Level:
    name: str
    rank: int
    code: str
    descriptor: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Theme:
    number: int
    title: str
    section: int
    levels: tuple[Level, ...]

    def level(self, name: str) -> Level:
        return self.levels[LEVEL_RANK[name] - 1]

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for level in self.levels for c in level.criteria)


@dataclass(frozen=True)
class Section:
    number: int
    title: str
    themes: tuple[Theme, ...]
    #: The workbook sheet that holds the section's criteria ("1 Communities").
    sheet: str = ""


@dataclass(frozen=True)
class Framework:
    edition: str
    title: str
    update: str
    publisher: str
    level_definitions: dict[str, str]
    scoring_rule: str
    sections: tuple[Section, ...]

    def __reduce_ex__(self, protocol):
        """A published edition is sent to another process by its name, and that process loads
        it once (`load` caches it): a run sends the framework with every report's job, and
        thousands of copies of its objects cost the time and memory of both ends. Any other
        framework (`load_file`) travels whole."""
        try:
            published = load(self.edition) is self
        except FrameworkError:
            published = False
        if published:
            return load, (self.edition,)
        return super().__reduce_ex__(protocol)

    @property
    def themes(self) -> tuple[Theme, ...]:
        return tuple(t for s in self.sections for t in s.themes)

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return tuple(c for t in self.themes for c in t.criteria)

    def theme(self, number: int) -> Theme:
        for theme in self.themes:
            if theme.number == number:
                return theme
        raise KeyError(f"The framework has no theme {number}: themes are 1 to {len(self.themes)}.")

    def section(self, number: int) -> Section:
        for section in self.sections:
            if section.number == number:
                return section
        raise KeyError(f"The framework has no section {number}.")

    @cached_property
    def frame(self) -> pd.DataFrame:
        """One row per criterion, in framework order (the tidy form the pipeline joins on)."""
        rows = [
            {
                "section": section.number,
                "section_title": section.title,
                "theme": theme.number,
                "theme_title": theme.title,
                "level": level.name,
                "level_rank": level.rank,
                "level_code": level.code,
                "criterion_id": criterion.id,
                "text": criterion.text,
            }
            for section in self.sections
            for theme in section.themes
            for level in theme.levels
            for criterion in level.criteria
        ]
        return pd.DataFrame(rows, columns=FRAME_COLUMNS)

    def table(self, theme: int | None = None) -> pd.DataFrame:
        """The criteria for a person to read (every column but the rank), or one theme's.

        Raises KeyError, saying which themes there are, for a theme the edition lacks.
        """
        if theme is not None:
            self.theme(theme)
        frame = self.frame if theme is None else self.frame[self.frame["theme"] == theme]
        return frame[[c for c in FRAME_COLUMNS if c != "level_rank"]]

    @cached_property
    def checksum(self) -> str:
        """sha256 of every criterion id and text: does a workbook carry this exact text?"""
        digest = hashlib.sha256()
        for criterion in self.criteria:
            digest.update(f"{criterion.id}\t{criterion.text}\n".encode())
        return digest.hexdigest()


def edition_path(edition: str) -> Path:
    return Path(str(resources.files(__name__).joinpath(f"apcc-{edition}.yaml")))


def available_editions() -> list[str]:
    folder = Path(str(resources.files(__name__)))
    return sorted(p.stem.removeprefix("apcc-") for p in folder.glob("apcc-*.yaml"))


def load(edition: str = DEFAULT_EDITION) -> Framework:
    """The framework of one edition, checked for integrity (cached: it never changes in a run;
    one object per edition, however it is asked for)."""
    return _load(edition)


@cache
def _load(edition: str) -> Framework:
    path = edition_path(edition)
    if not path.is_file():
        known = ", ".join(available_editions()) or "none"
        raise FrameworkError(f"No framework edition {edition!r}. Editions available: {known}.")
    return load_file(path)


def load_file(path: Path) -> Framework:
    """Read and check one framework file; every problem is reported, not just the first."""
    try:
        data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise FrameworkError(f"{path}: not valid YAML ({exc}).") from exc
    problems: list[str] = []
    framework = _build(data, problems)
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        raise FrameworkError(f"{path} is not a valid framework file:\n{listed}")
    return framework


def _text(value: object, where: str, problems: list[str]) -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        problems.append(f"{where}: the text is empty.")
    return text


def _build(data: object, problems: list[str]) -> Framework | None:
    if not isinstance(data, dict):
        problems.append("the file does not hold a mapping of edition, levels and sections.")
        return None
    for key in ("edition", "title", "levels", "level_definitions", "scoring_rule", "sections"):
        if key not in data:
            problems.append(f"the top-level key {key!r} is missing.")
    if list(data.get("levels") or []) != list(LEVELS):
        problems.append(f"levels must be exactly {', '.join(LEVELS)} in that order.")
    definitions = data.get("level_definitions") or {}
    for name in LEVELS:
        _text(definitions.get(name), f"level_definitions.{name}", problems)

    seen_ids: set[str] = set()
    sections = []
    for s_index, raw_section in enumerate(data.get("sections") or [], start=1):
        s_where = f"section {raw_section.get('number', s_index)}"
        themes = []
        for raw_theme in raw_section.get("themes") or []:
            theme = _build_theme(raw_theme, raw_section.get("number"), seen_ids, problems)
            if theme:
                themes.append(theme)
        if not themes:
            problems.append(f"{s_where}: has no themes.")
        number = int(raw_section.get("number", s_index))
        title = _text(raw_section.get("title"), f"{s_where} title", problems)
        sheet = str(raw_section.get("sheet") or f"{number} {title}").strip()
        if len(sheet) > SHEET_NAME_LIMIT or any(c in sheet for c in _SHEET_FORBIDDEN):
            problems.append(
                f"{s_where}: the sheet name {sheet!r} must be at most {SHEET_NAME_LIMIT} "
                "characters, without any of [ ] : * ? / \\ (give a shorter 'sheet')."
            )
        sections.append(Section(number=number, title=title, themes=tuple(themes), sheet=sheet))
    if not sections:
        problems.append("the file has no sections.")
    sheets = [s.sheet.casefold() for s in sections]
    if len(set(sheets)) != len(sheets):
        problems.append("two sections have the same sheet name.")
    numbers = [t.number for s in sections for t in s.themes]
    if numbers != list(range(1, len(numbers) + 1)):
        problems.append(f"themes must be numbered 1, 2, 3, ... in order; found {numbers}.")
    if problems:
        return None
    return Framework(
        edition=str(data["edition"]),
        title=str(data["title"]),
        update=str(data.get("update", "")),
        publisher=str(data.get("publisher", "")),
        level_definitions={name: str(definitions[name]).strip() for name in LEVELS},
        scoring_rule=str(data["scoring_rule"]).strip(),
        sections=tuple(sections),
    )


def _build_theme(
    raw: dict, section: object, seen_ids: set[str], problems: list[str]
) -> Theme | None:
    number = raw.get("number")
    where = f"theme {number}"
    if not isinstance(number, int):
        problems.append(f"a theme in section {section} has no whole-number 'number'.")
        return None
    raw_levels = raw.get("levels") or []
    names = [lv.get("level") for lv in raw_levels]
    if names != list(LEVELS):
        missing = [n for n in LEVELS if n not in names]
        detail = f"missing {', '.join(missing)}" if missing else f"found {names}"
        problems.append(f"{where}: must have the levels {', '.join(LEVELS)} in order ({detail}).")
        return None
    levels = []
    for rank, raw_level in enumerate(raw_levels, start=1):
        name = raw_level["level"]
        code = str(raw_level.get("code", ""))
        if code != f"{number}.{rank}":
            problems.append(f"{where} {name}: code is {code!r}, expected '{number}.{rank}'.")
        criteria = []
        for raw_criterion in raw_level.get("criteria") or []:
            cid = str(raw_criterion.get("id", ""))
            c_where = f"criterion {cid or '(no id)'} in {where} {name}"
            match = CRITERION_ID.match(cid)
            if not match or (int(match[1]), int(match[2])) != (number, rank):
                problems.append(f"{c_where}: the id must look like '{number}.{rank}.<letter>'.")
            if cid in seen_ids:
                problems.append(f"{c_where}: the id {cid} is used more than once.")
            seen_ids.add(cid)
            text = _text(raw_criterion.get("text"), c_where, problems)
            criteria.append(Criterion(cid, text, name, number, int(section or 0)))
        if not criteria:
            problems.append(f"{where} {name}: has no criteria.")
        levels.append(
            Level(
                name=name,
                rank=rank,
                code=code,
                descriptor=_text(
                    raw_level.get("descriptor"), f"{where} {name} descriptor", problems
                ),
                criteria=tuple(criteria),
            )
        )
    return Theme(
        number=number,
        title=_text(raw.get("title"), f"{where} title", problems),
        section=int(section or 0),
        levels=tuple(levels),
    )
