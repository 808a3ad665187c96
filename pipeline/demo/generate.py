"""Demo returns: a realistic filled-in self-assessment for (nearly) every member, from a seed.

They let the APCC try the whole batch before any OPCC has replied, and give the tests a national
set to run on. Every return is made with the project's own workbook generator and filled in the
way an OPCC fills it in. Most are clean; a few carry the mistakes real returns carry, one is
rejected, one member sends nothing and one sends a draft before its final return, so every verdict
of the batch shows. The same seed and year always give byte-identical files.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import os
import random
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import fill, layout, outputs, vocabulary, workbook
from pipeline import framework as framework_module
from pipeline.demo import phrases
from pipeline.framework import Criterion, Framework, Theme
from pipeline.members import REGIONS, load_members
from pipeline.vocabulary import LEVEL_LADDER, LEVELS

DEFAULT_SEED = 2025
#: Where `equality demo` writes by default: git-ignored, and never the batch's `input/`.
DEFAULT_FOLDER = Path("output") / "demo-returns"
#: Written into a demo folder, listing the files made, so that a rerun replaces exactly those.
MARKER_NAME = ".equality-demo.json"
#: The subfolder holding the earlier of the two returns one member sends (the APCC saves each
#: email's attachments in their own folder, so the two same-named files can sit side by side).
EARLIER_FOLDER = "earlier-email"

_WARNING_KINDS = ("blank-statuses", "missing-evidence", "invalid-status", "past-dates")


class DemoError(ValueError):
    """A demo set that cannot be written where asked: the message says what to change."""


@dataclass(frozen=True)
class DemoSet:
    """What a demo folder holds, so that the batch and the tests know which verdict to expect."""

    folder: Path
    seed: int
    year: str
    #: Every workbook written, sorted (the superseded draft included).
    paths: tuple[Path, ...]
    #: The member with no return, the one whose return is rejected, and those with warnings.
    missing: str | None
    rejected: str | None
    warned: tuple[str, ...]
    #: The member that sent two returns, and the earlier of them (superseded by the later one).
    resubmitted: str | None
    superseded: Path | None
    #: member code -> what is irregular about its return, in words.
    notes: dict[str, str] = field(default_factory=dict)
    #: member code -> theme -> the level its return was filled to reach (clean returns score it).
    levels: dict[str, dict[int, str]] = field(default_factory=dict)

    @property
    def returned(self) -> tuple[str, ...]:
        """The members with at least one return in the folder."""
        return tuple(sorted(self.levels))


@dataclass
class _Filled:
    """One return's answers, in the shape `fill.fill_book` takes."""

    statuses: dict[str, object]
    answers: dict[str, dict[str, object]]
    profile: dict[str, object]
    objectives: list[dict[str, object]]
    commentary: dict[int, str]
    levels: dict[int, str]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Office:
    """The invented particulars of one OPCC: names, web site, meetings, dates."""

    member: Mapping[str, str]
    site: str
    board: str
    panel: str
    leader: str
    signers: tuple[str, ...]
    signoff: dt.date


@dataclass(frozen=True)
class _Dates:
    """The demo's calendar, fixed by the reporting year so that reruns give the same files:
    workbooks out on 1 April, returns signed off in January, in time for the Equality Reports."""

    year: str
    start: int

    @property
    def generated(self) -> dt.date:
        return dt.date(self.start, 4, 1)

    @property
    def deadline(self) -> dt.date:
        return dt.date(self.start + 1, 1, 31)

    @property
    def previous_year(self) -> str:
        return f"{self.start - 1}-{self.start % 100:02d}"


def _bank() -> phrases.Phrases:
    return phrases.load()


# The national picture --------------------------------------------------------------------------


def make_demo_returns(
    out_dir: Path,
    *,
    seed: int = DEFAULT_SEED,
    year: str = "2025-26",
    members: pd.DataFrame | None = None,
    framework: Framework | None = None,
) -> DemoSet:
    """Write a filled return for every member but one into `out_dir`; say what to expect of them.

    `out_dir` must be empty or a demo folder made before (whose files are then replaced).
    """
    if not vocabulary.is_valid_year(year):
        raise DemoError(
            f"The reporting year {year!r} is not a financial year: write it like 2025-26."
        )
    members = load_members() if members is None else members
    framework = framework or framework_module.load()
    folder = Path(out_dir).resolve()
    _clear(folder)

    dates = _Dates(year, int(year[:4]))
    # Separate streams, so that one member's return does not change when the member list does.
    roles = _irregular_roles(sorted(members["code"]), random.Random(f"{seed}:roles"))
    region_lift = _region_lift(random.Random(f"{seed}:regions"))
    themes_rng = random.Random(f"{seed}:themes")
    theme_lift = {theme.number: themes_rng.gauss(0, 0.25) for theme in framework.themes}

    jobs: list[tuple[Path, Mapping[str, str], _Filled, str | None]] = []
    notes: dict[str, str] = {}
    levels: dict[str, dict[int, str]] = {}
    superseded = None
    for member in members.sort_values("code").to_dict("records"):
        code = member["code"]
        role = roles.get(code, "clean")
        if role == "missing":
            notes[code] = "sent no return"
            continue
        member_rng = random.Random(f"{seed}:{code}")
        office = _office(member, member_rng, dates)
        lift = region_lift.get(member["region"], 0.0)
        filled = _plan_return(office, member_rng, framework, dates, lift, theme_lift)
        levels[code] = filled.levels
        edition = None
        if role in _WARNING_KINDS:
            _spoil(filled, role, member_rng, framework, office)
        elif role == "resubmitted":
            draft = _draft_of(filled, member_rng, framework, office)
            jobs.append((folder / EARLIER_FOLDER, member, draft, None))
            superseded = workbook.workbook_path(folder / EARLIER_FOLDER, code, year)
            filled.notes.append(
                f"sent a draft signed off {draft.profile['signoff_date']:%d/%m/%Y} "
                f"({EARLIER_FOLDER}/), then its final return, signed off "
                f"{filled.profile['signoff_date']:%d/%m/%Y}"
            )
        elif role == "rejected":
            edition = _other_edition(framework.edition)
            filled.notes.append(
                f"returned a workbook made for framework edition {edition} "
                f"(the batch assesses {framework.edition})"
            )
        jobs.append((folder, member, filled, edition))
        if filled.notes:
            notes[code] = "; ".join(filled.notes)
    paths = _write_all(jobs, framework, dates)

    demo = DemoSet(
        folder=folder,
        seed=seed,
        year=year,
        paths=tuple(sorted(paths)),
        missing=_only(roles, "missing"),
        rejected=_only(roles, "rejected"),
        warned=tuple(sorted(code for code, role in roles.items() if role in _WARNING_KINDS)),
        resubmitted=_only(roles, "resubmitted"),
        superseded=superseded,
        notes=dict(sorted(notes.items())),
        levels=levels,
    )
    _write_marker(demo)
    return demo


def make_previous_returns(
    out_dir: Path,
    *,
    seed: int = DEFAULT_SEED,
    year: str = "2025-26",
    members: pd.DataFrame | None = None,
    framework: Framework | None = None,
) -> DemoSet:
    """Write last year's returns of the demo set of `year` into `out_dir`: for the year before.

    The same offices, with the same plans as the demo set of `year` makes, so that the two years
    differ only where the demo means them to: about a quarter of the themes stood a level lower
    the year before (the office has improved), a few a level higher (it has slipped back, so
    criteria that were Met are not now), and every member returned a clean return, including
    the one that sends nothing in `year`.
    """
    if not vocabulary.is_valid_year(year):
        raise DemoError(
            f"The reporting year {year!r} is not a financial year: write it like 2025-26."
        )
    members = load_members() if members is None else members
    framework = framework or framework_module.load()
    folder = Path(out_dir).resolve()
    _clear(folder)
    start = int(year[:4]) - 1
    dates = _Dates(f"{start}-{(start + 1) % 100:02d}", start)
    region_lift = _region_lift(random.Random(f"{seed}:regions"))
    themes_rng = random.Random(f"{seed}:themes")
    theme_lift = {theme.number: themes_rng.gauss(0, 0.25) for theme in framework.themes}
    jobs = []
    levels: dict[str, dict[int, str]] = {}
    for member in members.sort_values("code").to_dict("records"):
        code = member["code"]
        member_rng = random.Random(f"{seed}:{code}")
        office = _office(member, member_rng, dates)
        lift = region_lift.get(member["region"], 0.0)
        filled = _plan_return(office, member_rng, framework, dates, lift, theme_lift)
        _year_before(filled, random.Random(f"{seed}:{code}:year-before"), framework, office, dates)
        levels[code] = filled.levels
        jobs.append((folder, member, filled, None))
    paths = _write_all(jobs, framework, dates)
    demo = DemoSet(
        folder=folder,
        seed=seed,
        year=dates.year,
        paths=tuple(sorted(paths)),
        missing=None,
        rejected=None,
        warned=(),
        resubmitted=None,
        superseded=None,
        levels=levels,
    )
    _write_marker(demo)
    return demo


def _year_before(
    filled: _Filled, rng: random.Random, framework: Framework, office: _Office, dates: _Dates
) -> None:
    """Turn this year's plan into last year's: some themes a level lower, a few a level higher."""
    writer = _Writer(office, rng, dates)
    for theme in framework.themes:
        reached = LEVEL_LADDER.index(filled.levels[theme.number])
        draw = rng.random()
        if reached > 0 and draw < 0.25:
            # A level lower: one or two criteria of the level reached were still outstanding.
            ids = [c.id for c in theme.criteria if c.level == LEVELS[reached - 1]]
            lowered = rng.sample(ids, min(len(ids), rng.randint(1, 2)))
            for criterion in theme.criteria:
                if criterion.id in lowered:
                    status = rng.choice((vocabulary.PARTIALLY_MET, vocabulary.NOT_MET))
                    _, filled.answers[criterion.id] = writer.answer(criterion, status, theme)
                    filled.statuses[criterion.id] = status
            filled.levels[theme.number] = LEVEL_LADDER[reached - 1]
        elif reached < len(LEVELS) and draw > 0.92:
            # A level higher: what is outstanding now was Met then.
            for criterion in theme.criteria:
                if criterion.level == LEVELS[reached] and (
                    filled.statuses[criterion.id] != vocabulary.MET
                ):
                    status, answer = writer.answer(criterion, vocabulary.MET, theme)
                    filled.statuses[criterion.id], filled.answers[criterion.id] = status, answer
            filled.levels[theme.number] = LEVEL_LADDER[reached + 1]


def describe(demo: DemoSet) -> str:
    """What a demo set holds, for a person: counts, what the batch should find, and why."""
    returned = len(demo.returned)
    lines = [
        f"{len(demo.paths)} demo return(s) for {demo.year} (seed {demo.seed}) in {demo.folder}",
        "These are invented returns for trying the batch, not real OPCC returns.",
        f"{returned} member(s) sent a return"
        + (f"; {demo.missing} sent none." if demo.missing else "."),
    ]
    expect = []
    if demo.rejected:
        expect.append(f"  rejected: {demo.rejected}")
    if demo.warned:
        expect.append(f"  accepted with warnings: {', '.join(demo.warned)}")
    if demo.superseded:
        expect.append(f"  superseded: {demo.superseded.relative_to(demo.folder).as_posix()}")
    if expect:
        lines += ["The batch should find:", *expect]
    if demo.notes:
        lines += ["What the irregular members did:"]
        lines += [f"  {code}: {note}" for code, note in demo.notes.items()]
    return "\n".join(lines)


def _irregular_roles(codes: Sequence[str], rng: random.Random) -> dict[str, str]:
    """Which members get which irregular return; at least one member always stays clean."""
    wanted = ["missing", "rejected", *_WARNING_KINDS, "resubmitted"]
    chosen = rng.sample(list(codes), min(len(wanted), max(len(codes) - 1, 0)))
    return dict(zip(chosen, wanted, strict=False))


def _only(roles: Mapping[str, str], role: str) -> str | None:
    return next((code for code, given in roles.items() if given == role), None)


def _region_lift(rng: random.Random) -> dict[str, float]:
    """A couple of regions a little ahead and a couple a little behind, as in any national set."""
    regions = list(REGIONS)
    rng.shuffle(regions)
    return {**dict.fromkeys(regions[:2], 0.5), **dict.fromkeys(regions[-2:], -0.4)}


# One OPCC --------------------------------------------------------------------------------------


def _office(member: Mapping[str, str], rng: random.Random, dates: _Dates) -> _Office:
    body = member["policing_body"]
    leader, signers = next((b.leader, b.signers) for b in _bank().bodies if b.name_has in body)
    signoff = dates.deadline - dt.timedelta(days=rng.randint(0, 24))
    while signoff.weekday() >= 5:  # offices sign off on working days
        signoff -= dt.timedelta(days=1)
    return _Office(
        member=member,
        site=f"https://www.{member['code']}-pcc.example",
        board=rng.choice(_bank().boards),
        panel=rng.choice(_bank().panels),
        leader=leader,
        signers=signers,
        signoff=signoff,
    )


def _plan_return(
    office: _Office,
    rng: random.Random,
    framework: Framework,
    dates: _Dates,
    lift: float,
    theme_lift: Mapping[int, float],
) -> _Filled:
    """A clean, consistent return: statuses that reach the drawn level of each theme, evidenced."""
    # Most themes land at Developing or Achieving; a region's lift moves all of a member's themes.
    maturity = 1.35 + lift + rng.gauss(0, 0.4)
    writer = _Writer(office, rng, dates)
    filled = _Filled({}, {}, _profile(office, rng, dates), [], {}, {})
    for theme in framework.themes:
        drawn = maturity + theme_lift[theme.number] + rng.gauss(0, 0.55)
        reached = min(max(round(drawn), 0), len(LEVELS))
        filled.levels[theme.number] = LEVEL_LADDER[reached]
        gaps = _theme_statuses(theme, reached, rng, filled.statuses)
        for criterion in theme.criteria:
            status, answer = writer.answer(criterion, filled.statuses[criterion.id], theme)
            filled.statuses[criterion.id] = status
            filled.answers[criterion.id] = answer
        if rng.random() < 0.8:
            filled.commentary[theme.number] = writer.commentary(theme, reached, gaps)
    filled.objectives = writer.objectives(rng.randint(2, 5))
    return filled


def _theme_statuses(
    theme: Theme, reached: int, rng: random.Random, statuses: dict[str, object]
) -> list[str]:
    """Statuses of one theme that reach exactly `reached`; returns the gaps at the next level."""
    gaps: list[str] = []
    for level in theme.levels:
        ids = [c.id for c in level.criteria]
        if level.rank <= reached:
            statuses.update(dict.fromkeys(ids, vocabulary.MET))
        elif level.rank == reached + 1:
            # Working towards this level: most of it done, never all of it.
            missing = [cid for cid in ids if rng.random() < 0.35] or [rng.choice(ids)]
            for cid in ids:
                statuses[cid] = vocabulary.MET
            for cid in missing:
                statuses[cid] = (
                    vocabulary.PARTIALLY_MET if rng.random() < 0.7 else vocabulary.NOT_MET
                )
            gaps = missing
        else:
            for cid in ids:
                statuses[cid] = rng.choices(
                    (vocabulary.MET, vocabulary.PARTIALLY_MET, vocabulary.NOT_MET), (2, 3, 5)
                )[0]
    return gaps


class _Writer:
    """Writes one OPCC's text: evidence, dates, owners, commentary, objectives, profile."""

    def __init__(self, office: _Office, rng: random.Random, dates: _Dates) -> None:
        self.office = office
        self.rng = rng
        self.dates = dates
        self.used: set[str] = set()
        # Drawn once, so that an OPCC claims Not applicable consistently across its criteria.
        self.draws = {claim.pattern: rng.random() for claim in _bank().not_applicable}

    def fields(self, **extra: object) -> dict[str, object]:
        rng = self.rng
        month = self.evidence_month()
        low = rng.randint(52, 66)
        return {
            "area": self.office.member["force_area"],
            "board": self.office.board,
            "panel": self.office.panel,
            "month": _month_year(month),
            "ref": f"{rng.randint(3, 24)}/{month:%y}",
            "previous_year": self.dates.previous_year,
            "target_month": _month_year(self.target_date()),
            "pct": rng.randint(93, 99),
            "pct_low": low,
            "pct_high": low + rng.randint(5, 12),
            "share_low": rng.randint(4, 11),
            "share_high": rng.randint(12, 22),
            "ratio_high": f"{rng.uniform(2.4, 5.6):.1f}",
            "ratio_low": f"{rng.uniform(1.5, 2.2):.1f}",
            "gap": rng.randint(6, 14),
            "count": f"{rng.randint(180, 2400):,}",
            "count_small": rng.randint(4, 12),
            **{f"plus{n}": self.dates.start + n for n in range(1, 5)},
        } | extra

    def evidence_month(self) -> dt.date:
        """A month in the eighteen before sign-off, when the evidence was produced."""
        return _month_end(self.office.signoff, -self.rng.randint(1, 18))

    def target_date(self) -> dt.date:
        """The end of a month within the year after sign-off: when outstanding work is due."""
        return _month_end(self.office.signoff, self.rng.randint(2, 11))

    def owner(self, theme: Theme) -> str:
        return self.rng.choice(_bank().owners_of(theme))

    def evidence(self, topic: phrases.Topic | None, values: Mapping[str, object]) -> str:
        """Evidence for a Met criterion: its topic's own words once, then a meeting or report."""
        rng = self.rng
        fresh = [text for text in (topic.statements if topic else ()) if text not in self.used]
        if fresh:
            chosen = rng.choice(fresh)
            self.used.add(chosen)
            return chosen.format(**values)
        where = rng.choice(_bank().places).format(**values)
        text = rng.choice(_bank().openings) + rng.choice(_bank().endings)
        return text.format(**values, where=where)

    def link(self, theme: Theme) -> str:
        slug = outputs.safe_name(theme.title)
        board = outputs.safe_name(self.office.board)
        when = self.evidence_month()
        return self.rng.choice(
            (
                f"{self.office.site}/equality/{slug}",
                f"{self.office.site}/meetings/{board}/{when:%Y-%m}",
                f"{self.office.site}/publications/equality-information-{self.dates.previous_year}",
            )
        )

    def not_applicable_reason(self, criterion: Criterion) -> str | None:
        code = self.office.member["code"]
        bank = _bank()
        for claim in bank.not_applicable:
            if re.search(claim.pattern, criterion.text):
                if claim.who == "diverse":
                    applies = code in bank.diverse_areas
                else:
                    applies = self.draws[claim.pattern] < claim.who
                return claim.reason.format(**self.fields()) if applies else None
        return None

    def answer(
        self, criterion: Criterion, status: str, theme: Theme
    ) -> tuple[str, dict[str, object]]:
        """The status as the OPCC gives it (a fair Not applicable claim replaces Met); answers."""
        rng = self.rng
        target = self.target_date()
        values = self.fields(target_month=_month_year(target))
        topic = _bank().topic_of(criterion)
        subject = (topic.subject if topic else "the equality action plan").format(**values)
        values |= {"subject": subject, "Subject": subject[0].upper() + subject[1:]}
        owner = self.owner(theme)
        if status == vocabulary.MET:
            reason = self.not_applicable_reason(criterion)
            if reason:
                return vocabulary.NOT_APPLICABLE, {"na_reason": reason, "owner": owner}
            answer: dict[str, object] = {"evidence": self.evidence(topic, values), "owner": owner}
            if rng.random() < 0.7:
                answer["evidence_link"] = self.link(theme)
            return status, answer
        bank = _bank()
        template = rng.choice(
            bank.partly_met if status == vocabulary.PARTIALLY_MET else bank.not_met
        )
        answer = {"owner": owner, "target_date": target}
        if template:
            answer["evidence"] = template.format(**values)
        return status, answer

    def commentary(self, theme: Theme, reached: int, gaps: Sequence[str]) -> str:
        values = self.fields(owner=self.owner(theme))
        if reached >= len(LEVELS):
            return self.rng.choice(_bank().commentary_top).format(**values)
        listed = ", ".join(gaps[:4]) + (f" and {len(gaps) - 4} more" if len(gaps) > 4 else "")
        return self.rng.choice(_bank().commentary).format(
            **values,
            standing=_bank().standing[reached],
            next_level=LEVELS[reached],
            gaps=listed,
            gap_count=len(gaps),
            criteria="criterion" if len(gaps) == 1 else "criteria",
        )

    def objectives(self, count: int) -> list[dict[str, object]]:
        chosen = self.rng.sample(_bank().objectives, count)
        rows = []
        for number, template in enumerate(chosen, start=1):
            values = self.fields()
            weights = _bank().progress_weights
            progress = self.rng.choices(list(weights), list(weights.values()))[0]
            row = {key: text.format(**values) for key, text in template.items()}
            row |= {
                "number": number,
                "progress": progress,
                "commentary": _bank().progress_commentary[progress].format(**values),
            }
            rows.append(row)
        return rows


def _profile(office: _Office, rng: random.Random, dates: _Dates) -> dict[str, object]:
    member = office.member
    domain = office.site.removeprefix("https://www.")
    first, last = rng.choice(_bank().first_names), rng.choice(_bank().surnames)
    email = f"equality@{domain}" if rng.random() < 0.4 else f"{first}.{last}@{domain}".lower()
    # Most OPCCs are small offices; the mayoral and London bodies are the large ones.
    large = "Mayor" in member["policing_body"] or member["region"] == "London"
    employees = rng.randint(160, 420) if large else rng.randint(14, 140)
    links = [
        f"{office.site}/equality/equality-information-{dates.previous_year}",
        f"{office.site}/equality/equality-objectives",
    ]
    if rng.random() < 0.5:
        links.append(f"{office.site}/publications/annual-report-{dates.previous_year}")
    return {
        "lead_role": rng.choice(_bank().lead_roles),
        "contact_name": f"{first} {last}",
        "contact_email": email,
        "employees": employees,
        "signoff_role": rng.choice(office.signers),
        "signoff_date": office.signoff,
        "equality_statement": _equality_statement(office, rng),
        "published_links": "\n".join(links),
    }


def _equality_statement(office: _Office, rng: random.Random) -> str:
    bank = phrases.load().statement
    values = {
        "area": office.member["force_area"],
        "leader": office.leader[0].upper() + office.leader[1:],
        "protected": phrases.load().protected,
    }
    opening = rng.choice(bank["openings"]).format(**values)
    fairness = bank["fairness"].format(**values)
    duty = bank["duty"]
    force = rng.choice(bank["force"]).format(**values)
    promises = list(bank["promises"])
    rng.shuffle(promises)
    closing = promises[: rng.randint(1, 2)]
    if rng.random() < 0.6:
        closing.append(bank["funded"])
    return "\n\n".join([f"{opening} {fairness}", f"{duty} {force}", " ".join(closing)])


# Irregular returns -------------------------------------------------------------------------------


def _spoil(
    filled: _Filled,
    kind: str,
    rng: random.Random,
    framework: Framework,
    office: _Office,
) -> None:
    """Make the mistakes of one kind that real returns carry; say what was done in `notes`."""
    order = {c.id: index for index, c in enumerate(framework.criteria)}
    met = [cid for cid, status in filled.statuses.items() if status == vocabulary.MET]
    open_ids = [
        cid
        for cid, status in filled.statuses.items()
        if status in (vocabulary.PARTIALLY_MET, vocabulary.NOT_MET)
    ]
    if kind == "blank-statuses":
        theme = rng.choice([t for t in framework.themes if len(t.criteria) >= 6])
        blank = [c.id for c in theme.criteria if c.level != LEVELS[0]]
        for cid in blank:
            filled.statuses[cid] = None
            filled.answers[cid] = {key: None for key in layout.CRITERION_INPUTS}
        filled.commentary.pop(theme.number, None)
        filled.notes.append(
            f"left {len(blank)} statuses of theme {theme.number} ({theme.title}) blank"
        )
    elif kind == "missing-evidence":
        bare = sorted(rng.sample(met, 3), key=order.get)
        for cid in bare:
            filled.answers[cid] = {"evidence": None, "evidence_link": None}
        unexplained = rng.choice([cid for cid in met if cid not in bare])
        filled.statuses[unexplained] = vocabulary.NOT_APPLICABLE
        filled.answers[unexplained] = {"evidence": None, "evidence_link": None, "na_reason": None}
        filled.notes.append(
            f"marked {', '.join(bare)} Met without evidence and {unexplained} Not applicable "
            "without a reason"
        )
    elif kind == "invalid-status":
        wrong = sorted(rng.sample(met, 2), key=order.get)
        for cid, typed in zip(wrong, ("Completed", "In progress"), strict=True):
            filled.statuses[cid] = typed
        # Accepted variants, typed by hand rather than picked from the list: not problems.
        variants = [cid for cid in met if cid not in wrong][:2]
        for cid, typed in zip(variants, ("met", "MET "), strict=False):
            filled.statuses[cid] = typed
        filled.notes.append(
            f"typed '{filled.statuses[wrong[0]]}' for {wrong[0]} and "
            f"'{filled.statuses[wrong[1]]}' for {wrong[1]}, which are not statuses"
        )
    elif kind == "past-dates":
        if not open_ids:  # everything met: reopen one criterion, as a lapsed one would be
            open_ids = [met[-1]]
            filled.statuses[met[-1]] = vocabulary.PARTIALLY_MET
        late = sorted(rng.sample(open_ids, min(3, len(open_ids))), key=order.get)
        for cid in late:
            filled.answers[cid]["target_date"] = _month_end(office.signoff, -rng.randint(1, 6))
        filled.notes.append(f"gave {', '.join(late)} target dates that had passed at sign-off")


def _draft_of(
    filled: _Filled, rng: random.Random, framework: Framework, office: _Office
) -> _Filled:
    """The draft a member emailed before its final return: earlier sign-off, last themes blank."""
    themes = framework.themes
    unfinished = themes[len(themes) - rng.randint(2, 4) :]
    statuses = dict(filled.statuses)
    answers = {cid: dict(values) for cid, values in filled.answers.items()}
    for theme in unfinished:
        for criterion in theme.criteria:
            statuses[criterion.id] = None
            answers[criterion.id] = {key: None for key in layout.CRITERION_INPUTS}
    earlier = office.signoff - dt.timedelta(days=rng.randint(14, 28))
    while earlier.weekday() >= 5:
        earlier -= dt.timedelta(days=1)
    return _Filled(
        statuses=statuses,
        answers=answers,
        profile={**filled.profile, "signoff_date": earlier},
        objectives=filled.objectives[:1],
        commentary={
            n: t for n, t in filled.commentary.items() if n not in {t.number for t in unfinished}
        },
        levels=filled.levels,
    )


def _month_end(day: dt.date, months: int) -> dt.date:
    """The last day of the month `months` after (or before, if negative) the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _month_year(day: dt.date) -> str:
    """'May 2025', in English whatever the machine's locale."""
    return f"{_bank().months[day.month - 1]} {day.year}"


def _other_edition(edition: str) -> str:
    """The edition before `edition` (2024-25 -> 2023-24): last year's workbook, sent by mistake."""
    match = vocabulary.YEAR_PATTERN.match(edition)
    if not match:
        return f"{edition}-old"
    start = int(match[1]) - 1
    return f"{start}-{(start + 1) % 100:02d}"


# Files -----------------------------------------------------------------------------------------


def _write_all(
    jobs: Sequence[tuple[Path, Mapping[str, str], _Filled, str | None]],
    framework: Framework,
    dates: _Dates,
) -> list[Path]:
    """Write every return, across processes when there are many: building workbooks is the slow
    part, and each file depends only on its own job, so the bytes are the same either way."""
    workers = min(os.cpu_count() or 1, 8, len(jobs))
    if workers <= 1 or len(jobs) < 8:
        return [_write(*job, framework, dates) for job in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_write, *job, framework, dates) for job in jobs]
        return [future.result() for future in futures]


def _write(
    folder: Path,
    member: Mapping[str, str],
    filled: _Filled,
    edition: str | None,
    framework: Framework,
    dates: _Dates,
) -> Path:
    """Generate the member's workbook in memory, fill it in, and save it under its own name."""
    book = workbook.build_workbook(
        member,
        dates.year,
        framework,
        deadline=f"{dates.deadline.day} {_month_year(dates.deadline)}",
        generated=dates.generated,
    )
    fill.fill_book(
        book,
        statuses=filled.statuses,
        answers=filled.answers,
        profile=filled.profile,
        objectives=filled.objectives,
        commentary=filled.commentary,
    )
    if edition:
        meta = book[layout.META_SHEET]
        for row in meta.iter_rows(min_col=1, max_col=2):
            if row[0].value == "framework_edition":
                row[1].value = edition
    signoff = filled.profile["signoff_date"]
    # As saved by the OPCC: its contact last modified the file, on the day of sign-off.
    book.properties.lastModifiedBy = str(filled.profile["contact_name"])
    book.properties.modified = dt.datetime.combine(signoff, dt.time(16, 30))
    path = outputs.save_workbook(book, workbook.workbook_path(folder, member["code"], dates.year))
    stamp = dt.datetime.combine(signoff, dt.time(16, 30)).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def _clear(folder: Path) -> None:
    """Empty a demo folder made before; refuse any folder holding other files (such as input/)."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise DemoError(f"{folder} is a file; give a folder for the demo returns.")
    marker = folder / MARKER_NAME
    made: set[str] = set()
    if marker.is_file():
        try:
            made = set(json.loads(marker.read_text(encoding="utf-8"))["files"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DemoError(
                f"{marker} cannot be read ({exc}); delete the folder and run again."
            ) from exc
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    others = sorted(present - made - {MARKER_NAME})
    if others:
        listed = ", ".join(others[:3]) + (" ..." if len(others) > 3 else "")
        raise DemoError(
            f"{folder} holds files that are not demo returns ({listed}). Demo returns go into an "
            "empty folder (or one made by an earlier demo); choose another folder with --out."
        )
    for name in sorted(made & present):
        (folder / name).unlink()
    for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True):
        if not any(sub.iterdir()):
            sub.rmdir()


def _write_marker(demo: DemoSet) -> None:
    record = {
        "about": "Demo returns made by `equality demo`: invented, not real OPCC returns.",
        "seed": demo.seed,
        "year": demo.year,
        "files": [p.relative_to(demo.folder).as_posix() for p in demo.paths],
        "missing": demo.missing,
        "rejected": demo.rejected,
        "warned": list(demo.warned),
        "resubmitted": demo.resubmitted,
        "notes": demo.notes,
    }
    text = json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    outputs.write_bytes_atomically(demo.folder / MARKER_NAME, text.encode("utf-8"))
