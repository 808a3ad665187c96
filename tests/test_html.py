"""The HTML report: one self-contained, semantic page per report, checked in a real browser.

A demo run's pages are opened in headless Chromium with axe-core (WCAG 2.1 AA and axe's best
practices): zero violations on every distinct layout (the fewest pages that between them use every
element, class and language any page uses). One page is also screenshotted for a person to look
at (the path is printed). Without Chromium or axe-core these skip locally; under CI they must run.
"""

from __future__ import annotations

import datetime as dt
import html as html_module
import itertools
import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from helpers import member_subset

from pipeline import charts, demo, framework, marks, members, scoring, validate
from pipeline import returns as returns_module
from pipeline.demo import batch as demo_batch
from pipeline.outputs import TEMP_PREFIX
from pipeline.report import html, model, publish

YEAR = "2025-26"
GENERATED = dt.date(2026, 5, 1)
#: The axe-core release the checks run (installed from the npm registry into a cache folder).
AXE_VERSION = "4.14.1"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = bool(os.environ.get("CI"))
HOSTILE = '<script>alert("x")</script> & <b onmouseover=alert(1)>'


# --- a page built from a small document ----------------------------------------------------------


class Page(HTMLParser):
    """The parts of a page the tests look at: tags in order, ids, links, headings, cells."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(source)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]

    @property
    def ids(self) -> list[str]:
        return [attrs["id"] for _, attrs in self.tags if attrs.get("id")]

    @property
    def headings(self) -> list[int]:
        return [int(name[1]) for name, _ in self.tags if re.fullmatch(r"h[1-6]", name)]


def small_document(**title_page) -> model.Document:
    T = model.Text
    table = model.Table(
        caption="Level reached by theme",
        description="One row per theme: its level.",
        header=("Theme", "Level reached"),
        rows=(
            ((T("1. Collecting " + HOSTILE),), (T("Achieving"),)),
            ((T("2. Analysing"),), (T("Not yet Developing"),)),
        ),
        widths=(3, 1),
        level_column=1,
    )
    blocks = (
        model.Contents("Contents", (1, 2)),
        model.Heading("Introduction", 1),
        model.Paragraph((T("Label:", strong=True), T(" body " + HOSTILE))),
        model.Paragraph((T("A quote\nover two lines"),), role="quote"),
        model.Heading("Evidence", 2),
        model.BulletList(
            (
                (T("Good link", link="https://example.gov.uk/equality"),),
                (T("Bad link", link="javascript:alert(1)"),),
            )
        ),
        model.Heading("Introduction", 1),
        model.Figure(_png(), "Levels chart", "Bar chart: theme 1 Achieving.", "Figure 1: levels."),
        table,
        model.Heading("Detail", 3),
    )
    properties = model.Properties(
        title="Equality Report 2025-26: Kent " + HOSTILE,
        subject="Self-assessment",
        author="Kent PCC",
        language="en-GB",
        keywords="equality",
        category="Report",
        status="Final",
        comments="",
        created=dt.datetime(2026, 5, 1),
    )
    page = model.TitlePage(
        title="Equality Report 2025-26",
        subtitle="Kent Police and Crime Commissioner",
        details=(model.Field("Date:", "1 May 2026"),),
        **title_page,
    )
    return model.Document(properties, page, blocks)


def _png() -> bytes:
    themes = pd.DataFrame({"theme": [1, 2], "theme_title": ["One", "Two"], "level_rank": [2, 0]})
    return charts.levels_chart(themes)


def test_text_from_a_return_is_escaped_never_markup():
    source = html.render(small_document())
    assert "<script" not in source and "<b " not in source
    # in the title, a paragraph and a table cell
    assert source.count("&lt;script&gt;alert(") == 3
    page = Page(source)
    assert not any(name in ("script", "b") for name, _ in page.tags)
    assert HOSTILE in "".join(page.text)  # shown as the words it is


def test_only_checked_http_links_become_links_and_they_open_safely():
    page = Page(html.render(small_document()))
    external = [a for a in page.all("a") if not (a["href"] or "").startswith("#")]
    assert [a["href"] for a in external] == ["https://example.gov.uk/equality"]
    assert external[0]["rel"] == "noopener"
    assert "Bad link" in "".join(page.text)


def test_the_page_is_semantic_landmarks_skip_link_headings_in_order_and_a_contents_list():
    page = Page(html.render(small_document()))
    assert page.all("html")[0]["lang"] == "en-GB"
    assert page.tags[page.tags.index(("a", page.all("a")[0]))][1]["href"] == "#main"
    assert page.all("a")[0]["class"] == "skip-link"
    for landmark in ("header", "nav", "main", "footer"):
        assert len(page.all(landmark)) == 1, landmark
    assert page.all("main")[0]["id"] == "main"
    levels = page.headings
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    assert len(page.ids) == len(set(page.ids)), "ids must be unique"
    contents = [a["href"][1:] for a in page.all("a") if (a["href"] or "").startswith("#")][1:]
    assert len(contents) == 3  # Introduction, Evidence, Introduction (level 3 not listed)
    assert len(set(contents)) == 3 and set(contents) <= set(page.ids)


def test_tables_have_captions_scopes_and_level_colours_with_the_word():
    source = html.render(small_document())
    page = Page(source)
    assert "<caption>Level reached by theme</caption>" in source
    assert [th["scope"] for th in page.all("th")] == ["col", "col", "row", "row"]
    described = page.all("table")[0]["aria-describedby"]
    assert described in page.ids
    assert '<td class="level level-achieving">Achieving</td>' in source
    assert ".level-not-yet-developing { background: #F4B6B6; color: #7F0000;" in source


def test_a_chart_is_an_inline_png_with_alt_text_and_no_external_request():
    source = html.render(small_document())
    image = Page(source).all("img")[0]
    assert image["src"].startswith("data:image/png;base64,")
    assert image["alt"] == "Bar chart: theme 1 Achieving."
    assert int(image["width"]) > 0 and int(image["height"]) > 0
    assert_self_contained(source)


def test_language_and_the_page_s_own_words_come_from_parameters():
    assert html.word("skip") == "Skip to content"
    # The page's own words come from the report's catalogues: Welsh for Welsh, else English.
    assert html.word("skip", "cy-GB") == "Neidio i'r cynnwys"
    assert html.word("skip", "fr-FR") == "Skip to content"
    source = html.render(small_document(), language="cy-GB")
    assert '<html lang="cy-GB">' in source
    assert ">Neidio i&#x27;r cynnwys</a>" in source or ">Neidio i'r cynnwys</a>" in source


def test_a_demo_page_says_demo_in_its_title_and_a_banner():
    page = Page(html.render(small_document(), demo=True))
    text = "".join(page.text)
    assert text.count(marks.PREFIX) >= 2  # <title> and <h1>
    assert "made from invented returns" in text
    assert page.all("p")[0]["class"] == "demo-banner"
    assert marks.PREFIX not in html.render(small_document())


def test_a_notice_and_an_unknown_block_are_shown_as_text():
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Prompt:
        text: str

    base = small_document(
        notice_title="Draft — incomplete return",
        notice=(model.Paragraph((model.Text("Three criteria have no status."),)),),
    )
    document = model.Document(base.properties, base.title_page, (*base.blocks, Prompt("Add X")))
    source = html.render(document)
    assert '<p class="notice-title">Draft — incomplete return</p>' in source
    assert "<p>Add X</p>" in source


def test_the_same_document_gives_the_same_bytes():
    assert html.render(small_document()) == html.render(small_document())


def assert_self_contained(source: str) -> None:
    """No script, stylesheet link, frame or resource from anywhere but the page itself."""
    assert "<script" not in source.lower()
    assert "<link" not in source.lower() and "@import" not in source
    assert not re.search(r"url\(", source)
    sources = re.findall(r'\ssrc="([^"]*)"', source)
    assert all(s.startswith("data:") for s in sources), sources


# --- the demo run's pages ----------------------------------------------------------------------


#: Enough members for every kind of demo return (rejected, superseded, with warnings, clean) and
#: two Welsh members, whose reports come in Welsh and English.
DEMO_MEMBERS = (
    "cumbria",
    "dorset",
    "dyfed-powys",
    "essex",
    "gwent",
    "kent",
    "lancashire",
    "merseyside",
    "surrey",
    "west-midlands",
)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """The demo run on ten members, once for this module."""
    out = tmp_path_factory.mktemp("html-demo")
    listed = member_subset(DEMO_MEMBERS, out / "members.csv")
    return demo_batch.run_demo(out, year=YEAR, generated=GENERATED, members_file=listed)


@pytest.fixture(scope="module")
def pages(demo_run) -> list[Path]:
    return sorted((demo_run.out_dir / "reports").glob("*.html"))


def test_the_run_writes_a_page_beside_every_word_report(demo_run, pages):
    words = sorted((demo_run.out_dir / "reports").glob("*.docx"))
    # The Welsh members' reports come in Welsh and in English (-cy, -en): two pages each.
    welsh = members.welsh_codes() & {r.opcc_code for r in demo_run.batch.returns}
    assert welsh
    assert len(pages) == len(words) == len(demo_run.batch.returns) + len(welsh) >= 8
    assert [p.stem for p in pages] == [w.stem for w in words]
    assert all(re.search(rf"-equality-report-{YEAR}(-cy|-en)?-DEMO\.html$", p.name) for p in pages)
    assert {p.name for p in pages if f"{YEAR}-cy-" in p.name} == {
        f"{code}-equality-report-{YEAR}-cy-DEMO.html" for code in welsh
    }
    assert sorted(demo_run.outputs["web pages"]) == pages
    record = json.loads((demo_run.out_dir / "run.json").read_text(encoding="utf-8"))
    listed = {o["file"] for o in record["outputs"]}
    assert {f"reports/{p.name}" for p in pages} <= listed


def test_every_demo_page_is_self_contained_and_says_demo(pages):
    for path in pages:
        source = path.read_text(encoding="utf-8")
        assert_self_contained(source)
        assert f"<title>{marks.PREFIX}" in source, path.name
        assert 'class="demo-banner"' in source, path.name
        language = "cy-GB" if f"{YEAR}-cy-" in path.name else "en-GB"
        assert f'<html lang="{language}">' in source, path.name


@pytest.fixture(scope="module")
def whole_returns(demo_run, tmp_path_factory):
    """Two of the demo's returns, whole, and their scores. The run's own returns hold only their
    standing once it has ended (their evidence was kept on disk while it ran): made again."""
    with pytest.raises(returns_module.SpoolGoneError, match="read the file again"):
        demo_run.batch.returns[0].whole()
    folder = tmp_path_factory.mktemp("whole") / "returns"
    made = demo.make_demo_returns(folder, year=YEAR, members=demo_run.members)
    returns = validate.check_returns([made.folder], demo_run.members, year=YEAR).returns[:2]
    return returns, scoring.score(pd.concat([r.responses for r in returns]), framework.load())


def test_an_edited_page_is_kept_and_the_new_one_written_beside_it(
    demo_run, whole_returns, tmp_path
):
    args = (*whole_returns, *_framework_and_members(demo_run))
    first = publish.write_html_reports(*args, tmp_path, generated=GENERATED)
    assert [o.status for o in first] == ["written", "written"]
    again = publish.write_html_reports(*args, tmp_path, generated=GENERATED)
    assert [o.status for o in again] == ["unchanged", "unchanged"]
    edited = first[0].path
    edited.write_text(edited.read_text(encoding="utf-8") + "<!-- edited -->", encoding="utf-8")
    third = publish.write_html_reports(*args, tmp_path, generated=GENERATED)
    assert third[0].status == "kept-edited" and third[0].path.name.endswith(".new.html")
    assert edited.read_text(encoding="utf-8").endswith("<!-- edited -->")
    forced = publish.write_html_reports(*args, tmp_path, generated=GENERATED, force=True)
    assert forced[0].status == "overwritten"
    assert not edited.read_text(encoding="utf-8").endswith("<!-- edited -->")


def _framework_and_members(demo_run):
    from pipeline import framework

    return framework.load(), demo_run.members


# --- in a real browser -------------------------------------------------------------------------


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason}: CI must have it (see .ci/run).")
    pytest.skip(reason)


def test_a_welsh_member_s_pages_are_in_welsh_and_english_and_link_to_each_other(pages):
    by_name = {p.name: p for p in pages}
    welsh_name = next(n for n in sorted(by_name) if "-cy-" in n)
    assert welsh_name.split("-equality-report-")[0] in members.welsh_codes()
    english_name = welsh_name.replace("-cy-", "-en-")
    welsh = by_name[welsh_name].read_text(encoding="utf-8")
    english = by_name[english_name].read_text(encoding="utf-8")
    assert '<html lang="cy-GB">' in welsh and '<html lang="en-GB">' in english
    assert f'<a href="{english_name}">{english_name}</a>' in welsh
    assert f'<a href="{welsh_name}">{welsh_name}</a>' in english
    shown = html_module.unescape(welsh)
    assert f'<p>Mae\'r adroddiad hwn ar gael yn Saesneg: <a href="{english_name}">' in shown
    assert "Nid oes cyfieithiad Cymraeg swyddogol" in shown
    assert ">Neidio i'r cynnwys</a>" in shown
    # The framework's criteria stay in English, marked so; the English page marks nothing.
    marked = re.findall(r'<span lang="en">([^<]*)</span>', welsh)
    marked = {html_module.unescape(text) for text in marked}
    criteria = set(framework.load().frame["text"])
    assert marked & criteria
    assert '<span lang="en">' not in english


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe.min.js: $AXE_CORE_JS, or axe-core from the npm registry in a cache folder."""
    given = os.environ.get("AXE_CORE_JS")
    if given:
        return Path(given)
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "equality-tests"
    script = cache / f"axe-core-{AXE_VERSION}" / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm is not installed, so axe-core cannot be installed")
        done = subprocess.run(
            [
                npm,
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(script.parents[2]),
                f"axe-core@{AXE_VERSION}",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0 or not script.is_file():
            _unavailable(f"axe-core could not be installed with npm: {done.stderr[-500:]}")
    return script


@pytest.fixture(scope="session")
def chromium() -> str:
    if CHROMIUM is None:
        _unavailable("Chromium is not installed (Debian: apt-get install chromium)")
    return CHROMIUM


def browser_command(browser: str, folder: Path) -> list[str]:
    """Headless Chromium as root in a container, with a profile of its own per call."""
    return [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={folder / 'profile'}",
    ]


RUNNER = """
window.addEventListener("load", function () {
  axe.run(document, {runOnly: {type: "tag", values: TAGS}, resultTypes: ["violations"]})
    .then(function (results) {
      return {rules: results.passes.length + results.violations.length,
              violations: results.violations.map(function (v) {
        return {id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(function (n) {
                  return n.target.join(" ") + ": " + n.failureSummary; })}; })};
    })
    .catch(function (error) { return {error: String(error)}; })
    .then(function (summary) {
      var out = document.createElement("pre");
      out.id = "axe-results";
      out.textContent = JSON.stringify(summary);
      document.body.appendChild(out);
    });
});
""".replace("TAGS", json.dumps(AXE_TAGS))


def run_axe(page: Path, folder: Path, axe: Path, browser: str) -> dict:
    """axe-core's results for `page`, run in headless Chromium on a copy that loads axe (the
    page itself has no script)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(axe, folder / "axe.min.js")
    (folder / "run-axe.js").write_text(RUNNER, encoding="utf-8")
    source = page.read_text(encoding="utf-8")
    copy = folder / page.name
    copy.write_text(
        source.replace(
            "</head>",
            '<script src="axe.min.js"></script><script src="run-axe.js"></script></head>',
            1,
        ),
        encoding="utf-8",
    )
    dom = subprocess.run(
        [
            *browser_command(browser, folder),
            "--virtual-time-budget=15000",
            "--dump-dom",
            copy.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    found = re.search(r'<pre id="axe-results">(.*?)</pre>', dom, re.S)
    assert found, f"{page.name}: axe-core did not report (is the page loading?)"
    import html as std_html

    return json.loads(std_html.unescape(found.group(1)))


def test_axe_finds_violations_on_a_bad_page(tmp_path, axe_script, chromium):
    """The check itself works: a page with known faults fails it."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><head><title>x</title></head><body><img src="data:image/png;'
        'base64,iVBORw0KGgo="><p style="color:#ccc;background:#fff">faint</p>'
        "<table><tr><td>a</td></tr></table></body></html>",
        encoding="utf-8",
    )
    result = run_axe(bad, tmp_path / "axe", axe_script, chromium)
    found = {v["id"] for v in result["violations"]}
    assert {"image-alt", "html-has-lang", "color-contrast"} <= found, found


def distinct_layouts(pages: list[Path]) -> list[Path]:
    """The fewest pages that between them show every element, class and language any page uses:
    the pages differ in their words and figures, which axe judges the same way on every page."""

    def parts(page: Path) -> set[str]:
        source = page.read_text(encoding="utf-8")
        tags = {f"<{tag}" for tag in re.findall(r"<([a-z][a-z0-9]*)", source)}
        classes = {
            f".{name}" for value in re.findall(r'class="([^"]*)"', source) for name in value.split()
        }
        return tags | classes | {f"lang={lang}" for lang in re.findall(r'lang="([^"]*)"', source)}

    remaining = {page: parts(page) for page in pages}
    chosen: list[Path] = []
    covered: set[str] = set()
    while remaining:
        page, adds = max(remaining.items(), key=lambda item: (len(item[1] - covered), item[0].name))
        if not adds - covered:
            break
        chosen.append(page)
        covered |= adds
        del remaining[page]
    return chosen


def test_the_sample_for_axe_covers_welsh_english_and_notices(pages):
    sample = distinct_layouts(pages)
    assert 2 <= len(sample) < len(pages)
    sources = [p.read_text(encoding="utf-8") for p in sample]
    assert any('<html lang="cy-GB">' in s for s in sources)
    assert any('<html lang="en-GB">' in s for s in sources)
    everything = set().union(*(set(re.findall(r'class="([^"]*)"', s)) for s in sources))
    for page in pages:
        assert set(re.findall(r'class="([^"]*)"', page.read_text(encoding="utf-8"))) <= everything


def test_every_demo_page_layout_passes_axe_wcag_2_1_aa(pages, tmp_path, axe_script, chromium):
    def check(page: Path) -> tuple[str, dict]:
        return page.name, run_axe(page, tmp_path / page.stem, axe_script, chromium)

    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        results = list(pool.map(check, distinct_layouts(pages)))
    failures = {name: r for name, r in results if r.get("error") or r["violations"]}
    assert not failures, json.dumps(failures, indent=1)[:4000]
    assert all(r["rules"] > 20 for _, r in results)  # axe really ran its rules


def test_a_screenshot_of_a_page_for_a_person_to_look_at(pages, tmp_path_factory, chromium, capsys):
    from PIL import Image

    folder = tmp_path_factory.mktemp("screenshots")
    shot = folder / (pages[0].stem + ".png")
    subprocess.run(
        [
            *browser_command(chromium, folder),
            "--hide-scrollbars",
            f"--screenshot={shot}",
            "--window-size=1200,3000",
            pages[0].as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    with Image.open(shot) as image:
        assert image.size == (1200, 3000)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50  # text, a banner, not a blank page
    with capsys.disabled():
        print(f"\nScreenshot of {pages[0].name}: {shot}")


def test_the_batch_passes_the_language_to_every_page(demo_run, whole_returns, tmp_path):
    returns, scores = whole_returns
    written = publish.write_html_reports(
        returns[:1],
        scores,
        *_framework_and_members(demo_run),
        tmp_path,
        generated=GENERATED,
        language="cy-GB",
    )
    assert '<html lang="cy-GB">' in written[0].path.read_text(encoding="utf-8")


def test_reports_handed_to_a_pool_a_few_at_a_time_are_those_written_in_turn(
    demo_run, whole_returns, tmp_path, monkeypatch
):
    """The run hands its reports to its pool as workers free up (publish._Feeder), so that the
    jobs of thousands are never all made at once: the files are those of a run without one."""
    monkeypatch.setattr(publish._Feeder, "IN_FLIGHT", 1)
    rets, scores = whole_returns
    fw, members_frame = _framework_and_members(demo_run)
    args = (rets, scores, fw, members_frame)
    alone = publish.write_reports_and_pages(*args, tmp_path / "alone", generated=GENERATED)
    with ThreadPoolExecutor(max_workers=2) as pool:
        pooled = publish.write_reports_and_pages(
            *args, tmp_path / "pooled", generated=GENERATED, executor=pool
        )
    for one, other in zip(alone, pooled, strict=True):
        assert [o.path.name for o in one] == [o.path.name for o in other]
        assert [o.path.read_bytes() for o in one] == [o.path.read_bytes() for o in other]
    assert not [p for p in (tmp_path / "pooled").iterdir() if p.name.startswith(TEMP_PREFIX)]
