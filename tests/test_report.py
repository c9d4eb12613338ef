"""Meeting exports: the PowerPoint deck and the self-contained HTML report.

The data is the seeded sample generator's (small), with two stages renamed into Cyrillic/Chinese and
one hostile stage name, segment name and feedback text: whatever the data says must reach the reader
as text, never as markup or script.
"""
from __future__ import annotations

import io
import json
import re
import sys
from html.parser import HTMLParser

import pytest
from pptx import Presentation
from pptx.oxml.ns import qn

from cj import cli, exports, report, sample, store

HOSTILE_TEXT = "<script>alert(1)</script> Terrible, awful, the worst experience ever!"
HOSTILE_SEGMENT = "<img src=x onerror=alert(2)>"
STAGES = ["awareness", "интерес 兴趣", "consideration", "purchase", "loyalty", "口碑推荐 <b>&amp;</b>"]
RENAME = {"interest": STAGES[1], "advocacy": STAGES[5]}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    events, _ = sample.generate(900, seed=11)
    events["stage"] = events["stage"].replace(RENAME)
    adv = events.index[(events["stage"] == STAGES[5]) & events["feedback"].notna()][:6]
    assert len(adv) == 6
    events.loc[adv, "feedback"] = HOSTILE_TEXT
    path = tmp_path_factory.mktemp("report") / "journeys.csv"
    sample.write_csv(events, path)
    return path


@pytest.fixture(scope="module")
def opened(dataset):
    con = store.connect()
    meta = cli.open_events(con, str(dataset))
    meta_like = {"name": "Journeys <Q3> «тест» 测试", "stage_order": STAGES,   # the user's stage order
                 "extra": {"segments": {"k": "auto", "seed": 0}},
                 "segment_names": {"k=auto,seed=0": {"0": HOSTILE_SEGMENT}}}
    yield con, meta, meta_like
    con.close()


@pytest.fixture(scope="module")
def rep(opened):
    con, _, meta_like = opened
    return report.build_report(con, meta_like)


@pytest.fixture(scope="module")
def html_static(rep):
    return report.render_html(rep)


@pytest.fixture(scope="module")
def html_interactive(rep):
    return report.render_html(rep, interactive=True)


@pytest.fixture(scope="module")
def deck(rep):
    return Presentation(io.BytesIO(report.render_pptx(rep)))


# ------------------------------------------------------------------ the report value

def test_report_has_a_section_per_stage_and_numbered_findings(rep):
    assert [s.stage for s in rep.stages] == STAGES
    assert [f.number for f in rep.findings] == list(range(1, len(rep.findings) + 1)) and len(rep.findings) >= 3
    assert all(f.text and f.source for f in rep.findings)
    assert {f.stage for f in rep.findings} - {None} <= set(STAGES)
    labels = [k[0] for k in rep.kpis]
    assert labels[:2] == ["Customers", "Events"] and rep.kpis[0][1] == "900"
    assert any(s.charts for s in rep.stages) and len(rep.overview) >= 2
    assert HOSTILE_TEXT in rep.stages[5].quotes                   # the most negative text at that stage


def test_summary_without_the_findings_module(opened, monkeypatch):
    """When cj.findings cannot be imported, the report writes its own numbered summary."""
    con, _, meta_like = opened
    import cj

    monkeypatch.setitem(sys.modules, "cj.findings", None)          # makes `from . import findings` fail
    monkeypatch.delattr(cj, "findings", raising=False)
    r = report.build_report(con, meta_like, include_segments=False)
    assert r.findings_source == "cj.report"
    assert [f.number for f in r.findings] == list(range(1, len(r.findings) + 1))
    sources = {f.source for f in r.findings}
    assert {"funnel", "sentiment"} <= sources
    worst = next(f for f in r.findings if f.source == "sentiment")
    assert worst.stage == "consideration" and worst.numbers["share_negative"] > 0.5
    assert not r.sections or all(s.key != "segments" for s in r.sections)


def test_goal_must_be_a_stage(opened):
    con, _, meta_like = opened
    with pytest.raises(report.CJError, match="not one of the stages"):
        report.build_report(con, meta_like, goal="checkout", include_segments=False)


def test_missing_chinese_font_is_said_not_fatal(rep, monkeypatch):
    monkeypatch.setattr(exports, "glyph_support", lambda: {"cyrillic": True, "cjk": False})
    assert report._font_notes(rep, images=True) == ["Chart images: " + report.CJK_FONT_HINT]
    assert "fonts-wqy-microhei" in report.CJK_FONT_HINT
    monkeypatch.setattr(exports, "glyph_support", lambda: {"cyrillic": True, "cjk": True})
    assert report._font_notes(rep, images=True) == []


# ------------------------------------------------------------------ HTML

class _Refs(HTMLParser):
    """Every URL-bearing attribute and tag the page has."""

    def __init__(self):
        super().__init__()
        self.urls, self.tags, self.scripts_with_src = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            if k in ("src", "href", "xlink:href", "action", "data", "poster", "srcset", "formaction") and v:
                self.urls.append(v)
            if tag == "script" and k == "src":
                self.scripts_with_src.append(v)


@pytest.mark.parametrize("which", ["html_static", "html_interactive"])
def test_html_loads_nothing_from_the_network(which, request):
    page = request.getfixturevalue(which)
    refs = _Refs()
    refs.feed(page)
    external = [u for u in refs.urls if not u.startswith("#")]
    assert external == []                                          # only in-page anchors
    assert refs.scripts_with_src == [] and "link" not in refs.tags and "iframe" not in refs.tags
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", page) and "@import" not in page
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    if which == "html_static":
        assert "<script" not in page and "script-src 'none'" in csp
        assert "https://" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") \
            .replace('xmlns:xlink="http://www.w3.org/1999/xlink"', "")


@pytest.mark.parametrize("which", ["html_static", "html_interactive"])
def test_html_escapes_text_from_the_data(which, request):
    page = request.getfixturevalue(which)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Terrible" in page
    assert HOSTILE_SEGMENT not in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<b>&amp;</b>" not in page and "口碑推荐 &lt;b&gt;&amp;amp;&lt;/b&gt;" in page
    assert "Journeys &lt;Q3&gt; «тест» 测试" in page and "интерес 兴趣" in page
    if which == "html_interactive":
        specs = page[page.rindex("const specs = "):]
        assert "\\u003cb\\u003e" in specs and "<b>" not in specs   # chart data cannot end the script element


def test_html_has_every_chart_and_table(rep, html_static):
    n = len(rep.charts())
    assert html_static.count('<figure class="chart"') == n and html_static.count("<svg") >= n
    ids = re.findall(r'\bid="([^"]+)"', html_static)
    assert len(ids) == len(set(ids))                               # clip paths of different charts do not clash
    for s in STAGES:
        assert f"<h2>{STAGES.index(s) + 1}. {report.html.escape(s)}</h2>" in html_static
    assert html_static.count("<table") == len(rep.appendix) + (rep.intervention_points is not None)


# ------------------------------------------------------------------ PPTX

def slide_texts(slide) -> str:
    parts = []
    for sh in slide.shapes:
        if sh.has_text_frame:
            parts.append(sh.text_frame.text)
        if getattr(sh, "has_table", False) and sh.has_table:
            parts += [c.text for row in sh.table.rows for c in row.cells]
    return "\n".join(parts)


def test_pptx_has_title_summary_stage_and_appendix_slides(rep, deck):
    titles = [s.shapes.title.text_frame.text if s.shapes.title is not None else "" for s in deck.slides]
    assert titles[0] == rep.title == "Customer journey: Journeys <Q3> «тест» 测试"
    assert titles[1] == "Summary"
    for i, stage in enumerate(STAGES, start=1):
        assert titles.count(f"{i}. {stage}") == 1
    assert titles.index(f"1. {STAGES[0]}") < titles.index(f"6. {STAGES[5]}") < titles.index("Appendix")
    assert any(t.startswith("Appendix: ") for t in titles)
    summary = "\n".join(slide_texts(s) for s, t in zip(deck.slides, titles) if t.startswith("Summary"))
    assert all(f"{f.number}. {f.text}" in summary for f in rep.findings)
    for i, stage in enumerate(STAGES, start=1):
        sl = deck.slides[titles.index(f"{i}. {stage}")]
        assert stage in slide_texts(sl)
        if rep.stages[i - 1].charts:
            assert any(sh.shape_type == 13 for sh in sl.shapes)     # the chart, as a picture
    adv = slide_texts(deck.slides[titles.index(f"6. {STAGES[5]}")])
    assert HOSTILE_TEXT in adv                                      # plain text on a slide: shown as written


def test_pptx_tables_are_native_and_text_has_an_east_asian_font(rep, deck):
    tables = [sh for s in deck.slides for sh in s.shapes if getattr(sh, "has_table", False) and sh.has_table]
    assert tables
    funnel = next(t for t in tables if t.table.cell(0, 0).text == "step")
    assert [funnel.table.cell(i, 0).text for i in range(1, len(STAGES) + 1)] == STAGES
    eas = {el.get("typeface") for s in deck.slides for el in s.shapes._spTree.iter(qn("a:ea"))}
    assert eas == {report.PPTX_EA_FONT}
    for rpr in (el for s in deck.slides for el in s.shapes._spTree.iter(qn("a:rPr"))):
        kids = [c.tag.split("}")[1] for c in rpr]
        # every run: Latin, East Asian and complex-script fonts, in schema order (else PowerPoint "repairs" the file)
        assert kids[-3:] == ["latin", "ea", "cs"], kids


# ------------------------------------------------------------------ CLI

def test_cli_writes_the_report(dataset, tmp_path, capsys):
    out = tmp_path / "deck.pptx"
    assert cli.main(["report", str(dataset), "--format", "pptx", "--out", str(out), "--no-segments", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["out"] == str(out) and info["bytes"] == out.stat().st_size > 10_000
    prs = Presentation(str(out))
    assert len(prs.slides) >= 2 + len(info["stages"])
    assert cli.main(["report", str(dataset), "--goal", "nope", "--out", str(tmp_path / "x.html")]) == cli.EXIT_BAD_INPUT
    assert "'nope' is not one of the stages" in capsys.readouterr().err and not (tmp_path / "x.html").exists()


# ------------------------------------------------------------------ a real browser, offline

@pytest.mark.browser
@pytest.mark.parametrize("which", ["html_static", "html_interactive"])
def test_html_renders_every_chart_offline_in_chromium(which, request, rep, tmp_path, browser):
    """Debian chromium (conftest's ``browser``), every request but the file itself refused."""
    path = tmp_path / f"{which}.html"
    path.write_text(request.getfixturevalue(which), "utf-8")
    url = path.as_uri()
    blocked, errors, dialogs = [], [], []

    def route(r):
        if r.request.url == url:
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        pg = ctx.new_page()
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        pg.route("**/*", route)
        pg.goto(url, wait_until="load")
        n = len(rep.charts())
        sel = "figure.chart svg" if which == "html_static" else "figure.chart .vega svg"
        pg.wait_for_function(f"document.querySelectorAll({json.dumps(sel)}).length >= {n}", timeout=30_000)
        boxes = pg.eval_on_selector_all(sel, "els => els.map(e => [e.getBoundingClientRect().width, "
                                             "e.getBoundingClientRect().height, "
                                             "e.querySelectorAll('path, text').length])")
        assert len(boxes) == n and all(w > 100 and h > 50 and marks > 3 for w, h, marks in boxes)
        assert pg.locator("text=Chart error").count() == 0
        # the hostile quote is on the page as text, and nothing it contains ran
        assert any(t.startswith("<script>alert(1)</script>") for t in pg.locator("blockquote").all_inner_texts())
        assert dialogs == []
        pg.screenshot(path=str(tmp_path / f"{which}.png"), full_page=True)
    finally:
        ctx.close()
    assert blocked == [] and errors == []
