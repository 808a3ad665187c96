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
from functools import cache
from pathlib import Path

import pandas as pd

from pipeline import fill, layout, outputs, workbook
from pipeline import framework as framework_module
from pipeline.framework import LEVEL_LADDER, LEVELS, Criterion, Framework, Theme
from pipeline.members import REGIONS, load_members

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


# Content ---------------------------------------------------------------------------------------
# Evidence is chosen by what a criterion is about (a pattern on its text, within the sections
# where the topic belongs), so that it still fits when a new edition renumbers the criteria.
# First match wins, so specific topics come first.
_ANY: tuple[int, ...] = ()
_COMMUNITIES, _LEADERSHIP, _SERVICES, _WORKFORCE = (1,), (2,), (3,), (4,)


@dataclass(frozen=True)
class _Topic:
    pattern: str
    sections: tuple[int, ...]  # empty: any section
    subject: str  # a noun phrase, for work still in progress
    statements: tuple[str, ...]  # evidence that the criterion is met


_TOPICS: tuple[_Topic, ...] = (
    _Topic(
        r"GDPR|General Data Protection",
        _ANY,
        "information governance",
        (
            "GDPR compliance confirmed by the internal audit of information management in {month} "
            "(substantial assurance).",
            "Information-sharing agreement with the force and community safety partners signed in "
            "{month}; reviewed every year by the Information Governance Group.",
        ),
    ),
    _Topic(
        r"Youth Justice",
        _ANY,
        "use of the Youth Justice Board's Summary Disproportionality Tool",
        (
            "Summary Disproportionality Tool accessed through the Knowledge Hub in {month}; "
            "findings taken to the Youth Justice Management Board.",
            "Disproportionality Tool data for {area} reviewed with the youth offending service in "
            "{month}; first-time entrants by ethnicity are now a standing item at the {board}.",
        ),
    ),
    _Topic(
        r"[Ee]thics [Cc]ommittee",
        _ANY,
        "setting up the Ethics Committee",
        (
            "Ethics Committee of six trained members of the public in place since {month}; its "
            "advice to the PCC and the force's responses are published.",
        ),
    ),
    _Topic(
        r"\bAI\b|algorithm|technolog",
        _ANY,
        "oversight of the force's use of AI",
        (
            "The Chief Constable reports any new AI or algorithmic tool to the PCC before it is "
            "used; the first report, on retrospective facial recognition, came to the {board} in "
            "{month}.",
            "The force's equality impact assessment of its data analytics tools was scrutinised "
            "at the {board} in {month} (minutes {ref}).",
            "The Ethics Committee reviewed the force's use of algorithmic tools in {month}; its "
            "advice and the force's response are published.",
        ),
    ),
    _Topic(
        r"engagement strategy",
        _ANY,
        "the engagement strategy",
        (
            "Engagement strategy adopted in {month}, setting out when we inform, consult, involve "
            "and co-produce.",
        ),
    ),
    _Topic(
        r"[Ss]ection 60",
        _ANY,
        "scrutiny of section 60 authorisations",
        (
            "Every section 60 authorisation is reviewed by the {panel}; the authorising officer "
            "attended in {month} to explain the decision.",
            "Section 60 authorisations and their outcomes published quarterly; the PCC questioned "
            "their use at the {board} in {month}.",
        ),
    ),
    _Topic(
        r"[Ss]crutiny (group|panel)|[Pp]anel membership|vetting",
        _ANY,
        "the membership and training of the {panel}",
        (
            "The {panel}, chaired by an independent member, meets quarterly; its terms of "
            "reference, membership and reports are on the OPCC website.",
            "Panel recruitment and vetting reviewed in {month}: applicants with lived experience "
            "are no longer turned away for spent convictions.",
            "Panel members complete an induction and an annual refresher, last delivered in "
            "{month}.",
        ),
    ),
    _Topic(
        r"[Ss]top and [Ss]earch|police powers|use of (police )?powers|use of force|disparit",
        _ANY,
        "disproportionality in stop and search and use of force",
        (
            "Stop and search and use of force data by self-defined ethnicity published monthly "
            "on the OPCC website since {month}.",
            "The PCC questioned the Chief Constable on disproportionality in stop and search at "
            "the {board} in {month}; the force's action plan is monitored quarterly (minutes "
            "{ref}).",
            "Force audit of the use of powers by ethnicity received in {month}; recording of "
            "self-defined ethnicity is now above {pct}%.",
        ),
    ),
    _Topic(
        r"TASER|body-worn",
        _ANY,
        "scrutiny of TASER use and body-worn video",
        (
            "The {panel} reviews TASER deployments by ethnicity and a sample of body-worn video "
            "every quarter, most recently in {month}.",
            "Body-worn video review process agreed with the force's Professional Standards "
            "Department in {month}; findings reported to the {board}.",
        ),
    ),
    _Topic(
        r"[Hh]arassment|victimisation|bullying",
        _ANY,
        "the anti-harassment policy and its monitoring",
        (
            "Anti-harassment policy revised in {month} for the Worker Protection Act 2023; it "
            "covers sexual harassment and harassment related to protected characteristics.",
            "Harassment and bullying cases recorded centrally and reviewed twice a year by the "
            "Chief Executive; the force's equivalent data went to the {board} in {month}.",
            "All staff completed harassment awareness training in {month}; the policy is "
            "published on the OPCC website.",
        ),
    ),
    _Topic(
        r"Race Action",
        _ANY,
        "local progress on the Police Race Action Plan",
        (
            "Police Race Action Plan progress report taken at the {board} in {month}; the PCC's "
            "questions and the force's answers are minuted ({ref}).",
            "The PCC meets the force lead for the Police Race Action Plan twice a year; last "
            "meeting {month}.",
        ),
    ),
    _Topic(
        r"[Ss]taff networks?|Black Police Association|staff associations",
        _ANY,
        "regular engagement with the force's staff networks",
        (
            "The OPCC meets the force's Black Police Association, disability and LGBT+ networks "
            "every quarter; actions tracked in the engagement log.",
            "Staff networks helped review the force's grievance and anti-harassment policies in "
            "{month}.",
        ),
    ),
    _Topic(
        r"[Hh]ate crime",
        _ANY,
        "hate crime data and the partnership response",
        (
            "Hate crime data by protected characteristic reviewed at the {board} in {month}; two "
            "new third-party reporting centres funded as a result.",
            "The PCC brought partners and faith leaders together after the incidents of {month} "
            "and published a joint statement.",
        ),
    ),
    _Topic(
        r"[Vv]ictims|[Cc]ommissioned|[Cc]ommissioning|procurement|suppliers|[Cc]ontracts?\b|"
        r"[Ss]pecifications|[Pp]roviders",
        _SERVICES,
        "equality requirements in the victims' services contracts",
        (
            "Standard equality clauses in every grant agreement and contract since {month}; "
            "providers report equality monitoring each quarter.",
            "Victims' services needs assessment ({month}) compares service users with the "
            "population of {area} by ethnicity, age and disability.",
            "All commissioned victims' services sent equality impact assessments with their "
            "{month} monitoring return.",
            "Commissioning strategy revised in {month} in line with the EHRC's Buying Better "
            "Outcomes guidance.",
            "Victims' services promoted through community radio, faith groups and community "
            "centres in {count_small} languages since {month}.",
        ),
    ),
    _Topic(
        r"[Ii]mpact [Aa]ssessment|equality analysis",
        _ANY,
        "the equality impact assessment process",
        (
            "Equality impact assessment template revised in {month} and used for all "
            "commissioning decisions; see {board} minutes {ref}.",
            "Every decision notice since {month} carries an equality impact assessment, "
            "published alongside it on the OPCC website.",
            "The equality impact assessment of the custody visiting review drew on interviews "
            "with detainees and visitors ({month}).",
        ),
    ),
    _Topic(
        r"[Ee]quality [Oo]bjective",
        _ANY,
        "the equality objectives",
        (
            "Equality objectives published in {month}; see the Objectives sheet of this return.",
            "Progress on each equality objective reported to the {board} every six months, last "
            "in {month} (item {ref}).",
            "Each equality objective has an OPCC lead and appears in the business plan and the "
            "quarterly performance report.",
        ),
    ),
    _Topic(
        r"[Aa]nnual [Ee]quality [Rr]eport|annual report",
        _ANY,
        "the annual equality report",
        (
            "Annual Equality Report {previous_year} published in {month} with the equality "
            "information.",
            "The PCC's annual report for {previous_year} sets out how holding the force to "
            "account changed its performance on equality.",
        ),
    ),
    _Topic(
        r"[Cc]omplaints",
        _ANY,
        "recording complaints by protected characteristic",
        (
            "Complaints reviewed by the OPCC recorded by protected characteristic, where the "
            "complainant agrees, since {month}.",
        ),
    ),
    _Topic(
        r"[Hh]uman [Rr]ights",
        _ANY,
        "human rights considerations in planning",
        (
            "Human rights considerations are set out in the Police and Crime Plan and in each "
            "commissioning equality impact assessment.",
        ),
    ),
    _Topic(
        r"co-produc|co-design",
        _ANY,
        "co-production with service users",
        (
            "The restorative justice service was redesigned with service users in {month}; their "
            "panel now reviews the service every quarter.",
        ),
    ),
    _Topic(
        r"satisfaction|confidence",
        _ANY,
        "satisfaction and confidence data by protected characteristic",
        (
            "Victim satisfaction and public confidence results broken down by ethnicity, age, "
            "sex and disability in the quarterly performance report ({month}).",
            "Confidence among ethnic minority residents rose from {pct_low}% to {pct_high}% in "
            "the {previous_year} public survey.",
        ),
    ),
    _Topic(
        r"[Cc]onsult|Police and Crime Plan",
        _ANY,
        "consultation on the Police and Crime Plan",
        (
            "Police and Crime Plan consultation in {month} reached {count} residents, with "
            "targeted sessions for disabled people and ethnic minority groups.",
            "The Police and Crime Plan sets out the PCC's equality commitments; progress reviewed "
            "at the {board} (minutes {ref}).",
        ),
    ),
    _Topic(
        r"[Rr]ecruit|[Ss]election|[Ss]uccession|[Aa]pplicant",
        _WORKFORCE,
        "recruitment monitoring by protected characteristic",
        (
            "Recruitment monitored at application, shortlist and appointment; the last report "
            "went to the senior management team in {month}.",
            "Senior appointment panels complete unconscious bias training before shortlisting; "
            "last refresher {month}.",
        ),
    ),
    _Topic(
        r"[Pp]romotion|hierarchy",
        _WORKFORCE,
        "progression monitoring",
        (
            "Progression by protected characteristic monitored for OPCC staff and reported by "
            "the force to the {board} twice a year.",
        ),
    ),
    _Topic(
        r"[Ee]xit interview",
        _WORKFORCE,
        "exit interviews",
        (
            "Exit interviews offered to every leaver; themes reported to the senior management "
            "team twice a year.",
        ),
    ),
    _Topic(
        r"[Rr]easonable [Aa]djustment",
        _WORKFORCE,
        "reasonable adjustments",
        (
            "Reasonable adjustments policy and passport in place since {month}; managers trained "
            "in its use.",
        ),
    ),
    _Topic(
        r"[Mm]ental health|[Oo]ccupational health|[Ww]ellbeing|absence",
        _WORKFORCE,
        "the health and wellbeing strategy",
        (
            "Health and wellbeing priorities set from the staff survey of {month}; occupational "
            "health available to all staff.",
            "Two mental health first aiders trained in {month}; managers attended mental health "
            "awareness training.",
        ),
    ),
    _Topic(
        r"[Tt]raining|[Ll]earning|[Ii]nduction|[Aa]ppraisal|development review",
        _WORKFORCE,
        "equality training and appraisal",
        (
            "Equality training needs assessment for OPCC staff completed in {month}; induction "
            "covers the Public Sector Equality Duty.",
            "Appraisals include an equality objective for every member of staff since {month}.",
        ),
    ),
    _Topic(
        r"[Ss]ocial media|instant messaging",
        _WORKFORCE,
        "the social media and instant messaging policy",
        (
            "Social media and instant messaging policy adopted in {month}: work groups follow the "
            "code of conduct.",
        ),
    ),
    _Topic(
        r"[Pp]olicies|[Pp]olicy",
        _WORKFORCE,
        "the HR policy review",
        (
            "Employment policies checked against the Equality Act and EHRC guidance in the HR "
            "policy review of {month}.",
            "Every new or revised HR policy has an equality impact assessment; see the HR policy "
            "register.",
        ),
    ),
    _Topic(
        r"[Ww]orkforce|representativ|[Pp]ositive action|[Ff]lexible working|[Dd]isciplinary",
        _ANY,
        "workforce diversity monitoring",
        (
            "OPCC workforce profile compared with the economically active population of {area} "
            "in {month}; actions agreed by the senior management team.",
            "Positive action: the OPCC's paid internship for under-represented groups ran for the "
            "second year in {month}.",
        ),
    ),
    _Topic(
        r"[Dd]ata|[Ii]nformation",
        _COMMUNITIES + _LEADERSHIP,
        "equality data sharing with the force and partners",
        (
            "Quarterly equality data pack (census 2021, force and partner data) presented to the "
            "{board}, most recently in {month}.",
            "Gaps in partner data on disability and sexual orientation logged and an action plan "
            "agreed with the force in {month}.",
        ),
    ),
    _Topic(
        r"[Ee]ngag|[Cc]ommunit|[Pp]articipat|[Vv]oluntary",
        _COMMUNITIES + _LEADERSHIP,
        "community engagement with under-represented groups",
        (
            "Youth voice panel set up with the council's youth service in {month}; two of its "
            "recommendations are in the Police and Crime Plan refresh.",
            "Community roadshows in {count_small} towns in {month}, with sessions for disabled "
            "residents and young people.",
            "Voluntary sector alliance of {count_small} organisations meets the OPCC every "
            "quarter; it shaped the Police and Crime Plan priorities in {month}.",
        ),
    ),
)
#: Evidence for criteria whose own topic has run out: (how it starts, where it went, how it ends).
_GENERIC_OPENINGS = (
    "Update on {subject} taken to the {where} in {month}",
    "Report on {subject} discussed at the {where} in {month}",
    "Evidence on {subject} presented to the {where} in {month}",
    "{Subject} reviewed by the {where} in {month}",
)
_GENERIC_PLACES = (
    "{board}",
    "senior management team",
    "Joint Audit Committee",
    "Police and Crime Panel",
    "quarterly equality, diversity and inclusion meeting with the force",
)
_GENERIC_ENDINGS = (
    "; papers on the OPCC website.",
    " (minutes {ref}).",
    "; actions tracked in the OPCC's action log.",
    "; summary in the equality information report.",
)
_PARTLY = (
    "Work on {subject} began in {month}; about half done.",
    "{Subject}: agreed in principle at the {board} in {month}, not yet in place.",
    "In place for the OPCC but not yet across the force; next review of {subject} at the {board}.",
    "Some evidence on {subject}, but not enough yet to claim Met; gap analysis done in {month}.",
)
_NOT_YET = (
    "Not started. Work on {subject} is in the equality action plan, due {target_month}.",
    "Not yet: work on {subject} depends on the force and is due by {target_month}.",
    "",
)
#: Criteria that some OPCCs claim do not apply to them: (pattern, which OPCCs, their reason).
#: Which OPCCs: those in `_DIVERSE`, or a share of all of them drawn for each OPCC.
_NOT_APPLICABLE: tuple[tuple[str, str | float, str], ...] = (
    (
        r"^(Where applicable|Authorising officers of Section 60)",
        0.5,
        "No section 60 authorisations were made in {area} in {previous_year}, so there was "
        "nothing to review.",
    ),
    (
        r"^In areas with smaller",
        "diverse",
        "{area} has large Black, Asian and Minority Ethnic communities; confidence is measured "
        "through the main public survey, broken down by ethnicity.",
    ),
    (
        r"^Where there is very limited or no actual representation",
        "diverse",
        "The communities of {area} are very diverse, so this criterion, for areas with little "
        "local representation, does not apply.",
    ),
    (
        r"financial compensation",
        0.2,
        "Panel members are volunteers and asked not to be paid; their expenses are reimbursed.",
    ),
)
#: Force areas whose population is among the most ethnically diverse in England and Wales.
_DIVERSE = {
    "bedfordshire",
    "city-of-london",
    "greater-manchester",
    "leicestershire",
    "metropolitan",
    "west-midlands",
    "west-yorkshire",
}

#: Owner roles by theme: who in an OPCC usually carries each theme.
_OWNERS = {
    (1, 2): ("Head of Performance and Insight", "Data and Insight Analyst", "Head of Policy"),
    (3, 4, 5): ("Engagement Manager", "Scrutiny and Assurance Manager", "Head of Policy"),
    (6, 7): ("Chief Executive", "Head of Strategy and Partnerships", "Head of Policy"),
    (8, 9, 10): ("Equality and Diversity Officer", "Head of Policy", "Chief Executive"),
    (11, 12): ("Head of Commissioning", "Commissioning Officer", "Victims' Services Manager"),
    (13, 14, 15, 16): ("HR Business Partner", "Head of Business Services", "Chief Executive"),
}
#: (part of the body's name, who speaks in its equality statement, who may sign off its return)
_BODIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Mayor's Office",
        "the Deputy Mayor",
        ("Chief Executive", "Deputy Mayor for Policing and Crime"),
    ),
    ("Mayor of", "the Mayor", ("Chief Executive", "Deputy Mayor for Policing and Crime")),
    (
        "Police Authority",
        "the Police Authority Board",
        ("Chief Executive", "Chair of the Police Authority Board"),
    ),
    ("Fire", "the Commissioner", ("Chief Executive", "Police, Fire and Crime Commissioner")),
    (
        "",
        "the Commissioner",
        (
            "Chief Executive",
            "Police and Crime Commissioner",
            "Deputy Police and Crime Commissioner",
        ),
    ),
)
_LEAD_ROLES = (
    "Head of Policy and Equality",
    "Equality and Diversity Officer",
    "Head of Policy and Engagement",
    "Policy Officer (Equality, Diversity and Inclusion)",
    "Head of Strategy and Partnerships",
)
_BOARDS = (
    "Strategic Policing and Crime Board",
    "Accountability Board",
    "Performance and Accountability Board",
    "Strategic Governance Board",
    "Police Accountability Forum",
)
_PANELS = (
    "Independent Scrutiny Panel",
    "Stop and Search Scrutiny Panel",
    "Police Powers Scrutiny Group",
    "Out of Court Resolutions and Police Powers Panel",
)
# fmt: off
_FIRST_NAMES = (
    "Aisha", "Amrit", "Bethan", "Callum", "Chidi", "Claire", "Dafydd", "Deborah", "Eleanor",
    "Farah", "Gareth", "Hannah", "Imran", "Joanne", "Kwame", "Laura", "Marcus", "Megan", "Nadia",
    "Oliver", "Priya", "Rachel", "Rhys", "Samira", "Sian", "Tom", "Yusuf", "Zoe",
)
# fmt: on
# fmt: off
_SURNAMES = (
    "Ahmed", "Bennett", "Chowdhury", "Davies", "Edwards", "Evans", "Fletcher", "Griffiths",
    "Hussain", "Jones", "Kaur", "Lewis", "Mensah", "Morgan", "Nowak", "Okafor", "Patel", "Price",
    "Reid", "Shah", "Taylor", "Thomas", "Walsh", "Whitfield", "Williams", "Wright",
)
# fmt: on

_OBJECTIVES = (
    {
        "objective": "Reduce the disproportionate use of stop and search on Black people in "
        "{area}.",
        "related_themes": "1, 2, 3",
        "measure": "How many times more likely Black people are to be stopped and searched "
        "than White people (rolling 12 months, force data).",
        "baseline": "{ratio_high} times ({previous_year})",
        "target": "Below {ratio_low} times by March {plus3}",
    },
    {
        "objective": "Increase confidence in policing among ethnic minority residents.",
        "related_themes": "3, 4",
        "measure": "Share of ethnic minority respondents who agree the police do a good job "
        "(force public survey).",
        "baseline": "{pct_low}% ({previous_year})",
        "target": "{pct_high}% by March {plus3}",
    },
    {
        "objective": "Improve access to victims' services for disabled victims of crime.",
        "related_themes": "11, 12",
        "measure": "Share of referrals to commissioned victims' services from victims who are "
        "disabled.",
        "baseline": "{share_low}% ({previous_year})",
        "target": "{share_high}% by March {plus2}",
    },
    {
        "objective": "Make the OPCC's own workforce reflect the communities it serves.",
        "related_themes": "13, 14",
        "measure": "Share of OPCC staff from ethnic minority backgrounds, against the "
        "economically active population of {area}.",
        "baseline": "{share_low}% of staff against {share_high}% locally ({previous_year})",
        "target": "{share_high}% of staff by March {plus4}",
    },
    {
        "objective": "Publish an equality impact assessment with every key decision of the "
        "Commissioner.",
        "related_themes": "8, 9",
        "measure": "Share of key decisions published with an equality impact assessment.",
        "baseline": "{pct_low}% ({previous_year})",
        "target": "100% from April {plus1}",
    },
    {
        "objective": "Increase the reporting of hate crime by disabled and LGBT+ people.",
        "related_themes": "4",
        "measure": "Recorded disability and sexual orientation hate crimes, and referrals to the "
        "hate crime support service.",
        "baseline": "{count} recorded crimes and {count_small} referrals ({previous_year})",
        "target": "A 15% rise in reporting by March {plus2}, with victim satisfaction at or "
        "above {pct_high}%",
    },
    {
        "objective": "Make the community scrutiny panels as diverse as the communities they "
        "scrutinise.",
        "related_themes": "3, 10",
        "measure": "Panel members by age, ethnicity and disability, against the census profile of "
        "{area}.",
        "baseline": "{count_small} of 24 members under 30; {share_low}% from ethnic minority "
        "backgrounds",
        "target": "Each group within 5 points of the census profile by March {plus2}",
    },
    {
        "objective": "Close the gap in satisfaction between Black and White victims of crime.",
        "related_themes": "2, 12",
        "measure": "Satisfaction with the whole experience (force victim survey), Black against "
        "White victims.",
        "baseline": "A gap of {gap} points ({previous_year})",
        "target": "A gap below 3 points by March {plus3}",
    },
)
_PROGRESS_COMMENTARY = {
    "Not started": "Work starts in {target_month}, once the data-sharing agreement with the force "
    "is signed.",
    "On track": "Latest quarter shows steady improvement; reported to the {board} in {month}.",
    "At risk": "Progress slowed this year; a recovery plan was agreed with the force in {month}.",
    "Off track": "No improvement on the baseline yet; the PCC has asked the Chief Constable for "
    "a revised plan by {target_month}.",
    "Achieved": "Target met in {month}; a stretch target will be set at the next refresh of the "
    "objectives.",
}
_PROGRESS_WEIGHTS = {
    "Not started": 1,
    "On track": 5,
    "At risk": 2,
    "Off track": 1,
    "Achieved": 1,
}
_STANDING = {
    0: "We are not yet at Developing in this theme",
    1: "We assess ourselves at Developing",
    2: "We assess ourselves at Achieving",
}
_COMMENTARY = (
    "{standing}. To reach {next_level} we still need {gaps}; the actions are in the equality "
    "action plan, owned by the {owner}.",
    "{standing}. What remains for {next_level} ({gaps}) depends on work with the force, "
    "reviewed at the {board}.",
    "{standing}; {gap_count} {next_level} {criteria} still to do ({gaps}). We aim to reach "
    "{next_level} by {target_month}.",
)
_COMMENTARY_TOP = (
    "Every criterion is met up to Advancing. We will keep the evidence current and share what "
    "worked with other OPCCs through the APCC.",
    "Advancing reached this year; the {board} will review the evidence again in {target_month}.",
)
# fmt: off
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
# fmt: on
_PROTECTED = (
    "age, disability, gender reassignment, marriage or civil partnership, pregnancy or maternity, "
    "race, religion or belief, sex or sexual orientation"
)


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
    if not layout.is_valid_year(year):
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
    leader, signers = next((who, sign) for part, who, sign in _BODIES if part in body)
    signoff = dates.deadline - dt.timedelta(days=rng.randint(0, 24))
    while signoff.weekday() >= 5:  # offices sign off on working days
        signoff -= dt.timedelta(days=1)
    return _Office(
        member=member,
        site=f"https://www.{member['code']}-pcc.example",
        board=rng.choice(_BOARDS),
        panel=rng.choice(_PANELS),
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
            statuses.update(dict.fromkeys(ids, layout.MET))
        elif level.rank == reached + 1:
            # Working towards this level: most of it done, never all of it.
            missing = [cid for cid in ids if rng.random() < 0.35] or [rng.choice(ids)]
            for cid in ids:
                statuses[cid] = layout.MET
            for cid in missing:
                statuses[cid] = layout.PARTIALLY_MET if rng.random() < 0.7 else layout.NOT_MET
            gaps = missing
        else:
            for cid in ids:
                statuses[cid] = rng.choices(
                    (layout.MET, layout.PARTIALLY_MET, layout.NOT_MET), (2, 3, 5)
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
        self.draws = {pattern: rng.random() for pattern, _, _ in _NOT_APPLICABLE}

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

    def owner(self, theme: int) -> str:
        roles = next(roles for themes, roles in _OWNERS.items() if theme in themes)
        return self.rng.choice(roles)

    def evidence(self, topic: _Topic | None, values: Mapping[str, object]) -> str:
        """Evidence for a Met criterion: its topic's own words once, then a meeting or report."""
        rng = self.rng
        fresh = [text for text in (topic.statements if topic else ()) if text not in self.used]
        if fresh:
            chosen = rng.choice(fresh)
            self.used.add(chosen)
            return chosen.format(**values)
        where = rng.choice(_GENERIC_PLACES).format(**values)
        text = rng.choice(_GENERIC_OPENINGS) + rng.choice(_GENERIC_ENDINGS)
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
        for pattern, who, reason in _NOT_APPLICABLE:
            if re.search(pattern, criterion.text):
                applies = code in _DIVERSE if who == "diverse" else self.draws[pattern] < who
                return reason.format(**self.fields()) if applies else None
        return None

    def answer(
        self, criterion: Criterion, status: str, theme: Theme
    ) -> tuple[str, dict[str, object]]:
        """The status as the OPCC gives it (a fair Not applicable claim replaces Met); answers."""
        rng = self.rng
        target = self.target_date()
        values = self.fields(target_month=_month_year(target))
        topic = _topic_of(criterion)
        subject = (topic.subject if topic else "the equality action plan").format(**values)
        values |= {"subject": subject, "Subject": subject[0].upper() + subject[1:]}
        owner = self.owner(theme.number)
        if status == layout.MET:
            reason = self.not_applicable_reason(criterion)
            if reason:
                return layout.NOT_APPLICABLE, {"na_reason": reason, "owner": owner}
            answer: dict[str, object] = {"evidence": self.evidence(topic, values), "owner": owner}
            if rng.random() < 0.7:
                answer["evidence_link"] = self.link(theme)
            return status, answer
        template = rng.choice(_PARTLY if status == layout.PARTIALLY_MET else _NOT_YET)
        answer = {"owner": owner, "target_date": target}
        if template:
            answer["evidence"] = template.format(**values)
        return status, answer

    def commentary(self, theme: Theme, reached: int, gaps: Sequence[str]) -> str:
        values = self.fields(owner=self.owner(theme.number))
        if reached >= len(LEVELS):
            return self.rng.choice(_COMMENTARY_TOP).format(**values)
        listed = ", ".join(gaps[:4]) + (f" and {len(gaps) - 4} more" if len(gaps) > 4 else "")
        return self.rng.choice(_COMMENTARY).format(
            **values,
            standing=_STANDING[reached],
            next_level=LEVELS[reached],
            gaps=listed,
            gap_count=len(gaps),
            criteria="criterion" if len(gaps) == 1 else "criteria",
        )

    def objectives(self, count: int) -> list[dict[str, object]]:
        chosen = self.rng.sample(_OBJECTIVES, count)
        rows = []
        for number, template in enumerate(chosen, start=1):
            values = self.fields()
            progress = self.rng.choices(list(_PROGRESS_WEIGHTS), list(_PROGRESS_WEIGHTS.values()))[
                0
            ]
            row = {key: text.format(**values) for key, text in template.items()}
            row |= {
                "number": number,
                "progress": progress,
                "commentary": _PROGRESS_COMMENTARY[progress].format(**values),
            }
            rows.append(row)
        return rows


@cache
def _topic_of(criterion: Criterion) -> _Topic | None:
    """The first topic whose pattern matches the criterion's text, within the topic's sections."""
    for topic in _TOPICS:
        if topic.sections and criterion.section not in topic.sections:
            continue
        if re.search(topic.pattern, criterion.text):
            return topic
    return None


def _profile(office: _Office, rng: random.Random, dates: _Dates) -> dict[str, object]:
    member = office.member
    domain = office.site.removeprefix("https://www.")
    first, last = rng.choice(_FIRST_NAMES), rng.choice(_SURNAMES)
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
        "lead_role": rng.choice(_LEAD_ROLES),
        "contact_name": f"{first} {last}",
        "contact_email": email,
        "employees": employees,
        "signoff_role": rng.choice(office.signers),
        "signoff_date": office.signoff,
        "equality_statement": _equality_statement(office, rng),
        "published_links": "\n".join(links),
    }


def _equality_statement(office: _Office, rng: random.Random) -> str:
    area = office.member["force_area"]
    leader = office.leader[0].upper() + office.leader[1:]
    opening = rng.choice(
        (
            f"{leader} is committed to equality, diversity and inclusion in everything the office "
            f"does and in the policing of {area}.",
            f"{leader} and the office are committed to fairness and equality for everyone who "
            f"lives in, works in or visits {area}.",
        )
    )
    fairness = (
        "Nobody who contacts the office, works or volunteers for it, or applies to join it, will "
        f"be treated less fairly because of their {_PROTECTED}."
    )
    duty = (
        "In all our work we will have due regard to the need to eliminate unlawful "
        "discrimination, advance equality of opportunity and foster good relations between people "
        "who share a protected characteristic and those who do not."
    )
    force = rng.choice(
        (
            f"{leader} will hold the Chief Constable to account for the force's duties on equality "
            f"and diversity, so that every community in {area} can trust the police.",
            f"{leader} expects the same standards of the force and will hold the Chief Constable "
            "to account for meeting them.",
        )
    )
    promises = [
        "We will publish equality information every year, set our equality objectives with our "
        "communities and report openly on our progress.",
        "We will listen to all of our communities, especially those heard least, and let what we "
        "hear shape the Police and Crime Plan.",
    ]
    rng.shuffle(promises)
    closing = promises[: rng.randint(1, 2)]
    if rng.random() < 0.6:
        closing.append(
            "Organisations we fund or contract with are expected to share these commitments."
        )
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
    met = [cid for cid, status in filled.statuses.items() if status == layout.MET]
    open_ids = [
        cid
        for cid, status in filled.statuses.items()
        if status in (layout.PARTIALLY_MET, layout.NOT_MET)
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
        filled.statuses[unexplained] = layout.NOT_APPLICABLE
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
            filled.statuses[met[-1]] = layout.PARTIALLY_MET
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
    return f"{_MONTHS[day.month - 1]} {day.year}"


def _other_edition(edition: str) -> str:
    """The edition before `edition` (2024-25 -> 2023-24): last year's workbook, sent by mistake."""
    match = layout.YEAR_PATTERN.match(edition)
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
