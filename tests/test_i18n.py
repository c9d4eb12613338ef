"""UI languages: every string exists in English, Russian and Chinese; pages switch language."""
from __future__ import annotations

import re

import pytest

from apptest_utils import app
from cj import i18n, report


def test_every_key_in_every_language():
    missing = [(k, lang) for k, entry in i18n.STRINGS.items() for lang in i18n.LANGS
               if not entry.get(lang, "").strip()]
    assert missing == []


def test_placeholders_match_across_languages():
    for key, entry in i18n.STRINGS.items():
        names = {lang: set(re.findall(r"{(\w+)}", text)) for lang, text in entry.items()}
        assert len({frozenset(v) for v in names.values()}) == 1, key


def test_number_formats():
    assert i18n.format_number(1234567.5, "en", decimals=1) == "1,234,567.5"
    assert i18n.format_number(1234567.5, "ru", decimals=1) == "1\u00a0234\u00a0567,5"
    assert i18n.format_percent(0.1234, "ru") == "12,3\u00a0%"
    assert i18n.t("msg.problems", "zh", n=3) == "发现 3 个问题："
    assert i18n.t("no.such.key", "ru") == "no.such.key"


@pytest.mark.parametrize("lang,title,metric", [("ru", "Данные", "Клиентов"), ("zh", "数据", "客户数")])
def test_pages_follow_the_language_in_the_link(workspace, lang, title, metric):
    at = app({"v": "1", "lang": lang}).run()
    assert not at.exception
    assert at.title[0].value == title
    assert metric in [m.label for m in at.metric]
    assert at.selectbox(key="cj_lang").value == lang
    at.switch_page("pages/funnel.py").run()
    assert not at.exception
    assert at.title[0].value == i18n.t("nav.funnel", lang)


# ------------------------------------------------------------------ every key used in the code exists

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
_KEY_USE = re.compile(r"""(?:\b|_)(?:t|tr|L|Msg|i18n\.t)\(\s*f?["']([a-z][\w.\-' ]*)["']""")


def _used_keys() -> set[str]:
    keys = set()
    for path in [*ROOT.glob("cj/*.py"), *ROOT.glob("pages/*.py"), ROOT / "dashboard.py"]:
        # (the pattern also finds _L("ch.funnel", ...) in cj/charts.py)
        for k in _KEY_USE.findall(path.read_text(encoding="utf-8")):
            if "{" not in k and "." in k and not k.endswith("."):   # "join." + …: dynamic, tested below
                keys.add(k)
    return keys


def test_every_key_used_in_the_code_exists_in_every_language():
    used = _used_keys()
    assert len(used) > 250          # the scan finds the calls (tr("nav.data"), Msg("f.drop", ...), L("rep.findings"))
    missing = sorted(k for k in used if k not in i18n.STRINGS)
    assert missing == []
    for k in used:
        assert all(i18n.STRINGS[k].get(lang, "").strip() for lang in i18n.LANGS), k


def test_dynamic_keys_exist():
    """Keys built at run time: f"kpi.{kpi}", f"period.one.{grain}", f"unit.{unit}", f"ab.err.{code}" …"""
    from cj import abtest, findings

    dynamic = [f"kpi.{k}" for k in findings.KPI_LABELS] + [f"test.{t}" for t in ("chi-square", "Welch's t")]
    dynamic += [f"period.{w}.{g}" for w in ("one", "range", "others") for g in ("day", "week", "month")]
    dynamic += [f"unit.{u}" for u in ("customers", "sessions")] + [f"unit.{u}.subj" for u in ("customers", "sessions")]
    dynamic += [f"ab.err.{code}" for code in abtest.ERROR_CODES]
    dynamic += [f"f.kpi.{v}" for v in ("rose", "fell")] + [f"f.kpi.conv.{v}" for v in ("rose", "fell")]
    dynamic += [f"mode.{m}" for m in ("ordered", "strict", "unordered", "open")] + ["grain.week", "grain.month"]
    dynamic += ["per.customer", "per.session"] + [f"dur.{u}" for u in "smhd"] + ["ch.measure.customers",
                                                                               "ch.measure.revenue"]
    assert sorted(k for k in dynamic if k not in i18n.STRINGS) == []
    assert all(i18n.t(f"kpi.{k}") == label for k, (label, _) in findings.KPI_LABELS.items())


# ------------------------------------------------------------------ findings and the report in ru and zh

@pytest.fixture(scope="module")
def sample_findings_and_report():
    import tempfile
    from pathlib import Path

    from cj import findings, ingest, report, store

    con = store.connect()
    with tempfile.TemporaryDirectory(prefix="cj-test-") as tmp:
        ingest.ingest(con, ROOT / "data" / "sample_events.csv.gz", workdir=Path(tmp))
    store.execute(con, "CREATE OR REPLACE TABLE events AS SELECT * EXCLUDE (_record) FROM events_new")
    ingest.cleanup(con)
    stages = ["awareness", "interest", "consideration", "purchase", "loyalty", "advocacy"]
    fs = findings.generate_findings(con, stage_order=stages)
    meta = {"name": "sample", "stage_order": stages}
    reps = {lang: report.build_report(con, meta, lang=lang, include_segments=False, now=__import__("datetime")
                                      .datetime(2026, 1, 1)) for lang in i18n.LANGS}
    html = {lang: report.render_html(r) for lang, r in reps.items()}
    # with the segment section and tables (clustering: a few seconds each)
    seg_reps = {lang: report.build_report(con, meta, lang=lang, now=__import__("datetime").datetime(2026, 1, 1))
                for lang in ("ru", "zh")}
    reps.update({f"{lang}+segments": r for lang, r in seg_reps.items()})
    html.update({f"{lang}+segments": report.render_html(r) for lang, r in seg_reps.items()})
    yield fs, reps, html
    con.close()


_ENGLISH_WORDS = re.compile(r"\b(the|of|and|customers|conversion|converted|dropped|loses|raised|lowered|rose|fell|"
                            r"vs|negative|revenue|bought|Warning|Findings|Appendix|stage|points)\b")


@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_findings_are_translated(sample_findings_and_report, lang):
    fs, _, _ = sample_findings_and_report
    assert len(fs.findings) >= 10
    for f in fs.findings:
        text, source = f.text_in(lang), f.source_in(lang)
        assert text != f.text and source != f.source, f.text
        assert not re.search(r"{\w+}", text), text                         # every placeholder filled
        # what remains in English is data (segment names, phrases, column names), never template words
        data = " ".join(str(v) for v in f.details.values()) + " " + " ".join(
            str(x) for v in f.details.values() if isinstance(v, list) for x in v)
        leftover = [w for w in _ENGLISH_WORDS.findall(text) if w not in data]
        assert leftover == [], (text, leftover)
    assert fs.in_language(lang).findings[0].numbers == fs.findings[0].numbers
    assert fs.in_language("en").findings[0].text == fs.findings[0].text


def test_number_formats_in_findings(sample_findings_and_report):
    fs, _, _ = sample_findings_and_report
    drop = next(f for f in fs.findings if f.kind == "drop")
    lost = drop.numbers["lost"]
    assert f"{lost:,}" in drop.text_in("en") and f"{lost:,}".replace(",", "\u00a0") in drop.text_in("ru")
    assert "%" in drop.text_in("zh") and "\u00a0%" in drop.text_in("ru")


@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_html_report_is_translated(sample_findings_and_report, lang):
    _, reps, html = sample_findings_and_report
    en, other = html["en"], html[lang]
    assert f'<html lang="{lang}">' in other
    for heading in ("rep.key_numbers", "rep.findings", "rep.appendix", "rep.journey"):
        assert f">{i18n.t(heading, lang)}<" in other and f">{i18n.t(heading, 'en')}<" in en
    # every English finding sentence is gone, replaced by its translation
    for f_en, f_other in zip(reps["en"].findings, reps[lang].findings):
        assert report.html.escape(f_en.text) in en
        assert report.html.escape(f_en.text) not in other
        assert report.html.escape(f_other.text) in other
    for english in ("Key numbers", "What customers said", "Made with cj", "Intervention points (ranked)"):
        assert english not in other, english
    assert not re.search(r">[^<]*{\w+}[^<]*<", other)                     # no unfilled placeholder in the text


# ------------------------------------------------------------------ charts and table headers on every page

_PAGES = [("funnel", {"by": "device"}), ("segments", {}), ("abtest", {}), ("sentiment", {}), ("journey", {})]
# titles that are the same words in every language (symbols, abbreviations)
_SAME_EVERYWHERE = {"k", "n", "p", "z", "χ²", "#", "CSAT", "NPS"}


def _titles(spec, out):
    """Every chart, axis, legend and tooltip title of a Vega-Lite spec."""
    if isinstance(spec, dict):
        for k, v in spec.items():
            if k == "title" and isinstance(v, str):
                out.append(v)
            elif k == "title" and isinstance(v, dict) and isinstance(v.get("text"), str):
                out.append(v["text"])
            elif k == "tooltip" and isinstance(v, list):
                out += [x.get("title") or x.get("field") for x in v if isinstance(x, dict)]
            else:
                _titles(v, out)
    elif isinstance(spec, list):
        for x in spec:
            _titles(x, out)
    return out


def _page_charts_and_headers(lang: str):
    import json

    out = {}
    for page, query in _PAGES:
        at = app({"v": "1", "lang": lang, **query}).run()
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (page, lang, at.exception)
        specs = [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]
        headers = []
        for d in at.dataframe:
            config = json.loads(d.proto.columns or "{}")
            headers += [(col, (config.get(col) or {}).get("label")) for col in d.value.columns]
        out[page] = (specs, headers)
    return out


@pytest.fixture(scope="module")
def page_views(_sample_workspace_template, tmp_path_factory):
    import os
    import shutil

    root = tmp_path_factory.mktemp("i18n-pages") / "ws"
    shutil.copytree(_sample_workspace_template, root)
    old = os.environ.get("CJ_WORKSPACE")
    os.environ["CJ_WORKSPACE"] = str(root)
    try:
        yield {lang: _page_charts_and_headers(lang) for lang in i18n.LANGS}
    finally:
        if old is None:
            os.environ.pop("CJ_WORKSPACE", None)
        else:
            os.environ["CJ_WORKSPACE"] = old


@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_page_charts_have_no_english_titles(page_views, lang):
    for page, _ in _PAGES:
        en_specs, _ = page_views["en"][page]
        specs, _ = page_views[lang][page]
        assert len(specs) == len(en_specs) > 0, page
        english = {t for s in en_specs for t in _titles(s, [])} - _SAME_EVERYWHERE
        assert english, page
        for en_spec, spec in zip(en_specs, specs):
            left = sorted(t for t in _titles(spec, []) if t in english)
            assert left == [], (page, left)
            # numbers on the axes follow the language (inline locale, nothing fetched)
            assert spec["config"]["locale"]["number"]["decimal"] == ("," if lang == "ru" else ".")
        assert all("locale" not in s.get("config", {}) for s in en_specs)


@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_table_headers_are_translated(page_views, lang):
    for page, _ in _PAGES:
        _, en_headers = page_views["en"][page]
        _, headers = page_views[lang][page]
        assert headers and len(headers) == len(en_headers), page
        for col, label in headers:
            assert label, (page, col)                               # every column has a display label
            key = f"col.{col}"
            if key in i18n.STRINGS and i18n.STRINGS[key]["en"] != i18n.STRINGS[key][lang]:
                assert label == i18n.STRINGS[key][lang] != col, (page, col, label)
        # known result columns never show their raw English name
        raw = [col for col, label in headers if label == col and f"col.{col}" in i18n.STRINGS
               and i18n.STRINGS[f"col.{col}"][lang] != col]
        assert raw == [], (page, raw)


def test_durations_and_chart_locale():
    from cj import charts

    assert i18n.duration_text(60_840, "en") == "16.9h"
    assert i18n.duration_text(60_840, "ru") == "16,9\u00a0ч"
    assert i18n.duration_text(60_840, "zh") == "16.9 小时"
    assert charts.LOCALES["ru"]["number"]["thousands"] == "\u00a0"
    assert i18n.column_label("revenue (mean)", "zh") == "收入（均值）"
    assert i18n.column_label("some data value", "ru") == "some data value"


# ------------------------------------------------------------------ segment names, report cells, help texts, link notes

def _rule_names() -> list[str]:
    """Every name cj.segments' rules can give (read from the rule function, so a new rule is seen)."""
    import inspect

    from cj import segments

    names = re.findall(r'"([A-Z][A-Za-z -]+)"', inspect.getsource(segments._rule_name))
    assert len(names) >= 8, names
    return names


def test_every_segment_rule_name_has_a_russian_and_chinese_label():
    for name in _rule_names():
        assert i18n.segment_label(name, "en") == name
        for lang in ("ru", "zh"):
            label = i18n.segment_label(name, lang)
            assert label and label != name and not re.search(r"[A-Za-z]", label), (name, lang, label)
            # duplicates made unique by cj.segments keep their number
            assert i18n.segment_label(f"{name} (2)", lang) in (f"{label} (2)", f"{label}（2）")
    # names typed by a user (or from the data) are shown as typed
    for lang in i18n.LANGS:
        assert i18n.segment_label("VIP from Berlin", lang) == "VIP from Berlin"
        assert i18n.segment_label("Repeat buyers of socks", lang) == "Repeat buyers of socks"
    # in a finding's sentence too
    msg = i18n.Msg("f.segment", {"segment": i18n.V("segment", "One-time buyers"), "share": i18n.V("pct", 0.25),
                                 "customers": i18n.V("count", 5007), "revenue": "", "rest": ""})
    assert "One-time buyers" in msg.render("en")
    assert "Разовые покупатели" in msg.render("ru") and "One-time" not in msg.render("zh")


@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_reports_name_no_segment_in_english(sample_findings_and_report, lang):
    fs, reps, html = sample_findings_and_report
    names = _rule_names()
    assert any(n in f.text for f in fs.findings for n in names)          # the sample's segments have rule names
    for key in (lang, f"{lang}+segments"):
        text = report.html.unescape(html[key])
        left = [n for n in names if n in text]
        assert left == [], (key, left)
    rep = reps[f"{lang}+segments"]
    assert any(s.key == "segments" for s in rep.sections)
    seg_text = " ".join(" ".join(s.paragraphs) for s in rep.sections if s.key == "segments")
    assert not re.search(r"\b(segments|customers|revenue|silhouette|stability)\b", seg_text), seg_text
    cells = " ".join(" ".join(t.formatted().astype(str).agg(" ".join, axis=1)) for t in rep.appendix)
    assert not re.search(r"\b(pts|yes|no)\b", cells), cells[:500]
    facts = " ".join(f"{a} {b}" for st in rep.stages for a, b in st.facts)
    assert not re.search(r"\b(still within|values|of the other|reach it|vs control)\b", facts), facts


def test_report_cells_follow_the_language():
    fv = report.format_value
    assert (fv(0.012, "points"), fv(True, "bool"), fv(0.0001, "p"), fv(12345.678, "float2")) == \
        ("+1.2 pts", "yes", "< 0.001", "12,345.68")
    assert fv(0.012, "points", "ru") == "+1,2 п.\u00a0п." and fv(0.012, "points", "zh") == "+1.2 个百分点"
    assert (fv(True, "bool", "ru"), fv(False, "bool", "zh")) == ("да", "否")
    assert fv(0.0001, "p", "ru") == "< 0,001" and fv(0.0123, "p", "ru") == "0,012"
    assert fv(12345.678, "float2", "ru") == "12\u00a0345,68" and fv(0.123, "pct", "ru") == "12,3\u00a0%"
    assert fv(1234, "int", "zh") == "1,234" and fv(3600 * 5, "duration", "ru") == "5,0\u00a0ч"
    assert fv("One-time buyers", "segment", "zh") == i18n.segment_label("One-time buyers", "zh")
    assert fv("One-time buyers", "segment") == "One-time buyers"


def test_help_texts_are_translated_keys():
    """The widget help texts and option labels of the pages come from cj.i18n (the key scan checks them)."""
    used = _used_keys()
    for key in ("funnel.steps_help", "funnel.mode_help", "funnel.window_help", "funnel.more_help", "ab.window_help",
                "seg.k_help", "seg.k_auto", "side.password", "side.wrong_password"):
        assert key in used, key
    for page in ("funnel", "abtest", "segments"):
        src = (ROOT / "pages" / f"{page}.py").read_text(encoding="utf-8")
        assert not re.search(r'help="', src), page                      # no English literal help text left


@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_tampered_link_note_in_the_language(workspace, lang):
    at = app({"v": "1", "lang": lang, "mode": "exec(1)", "goal": "conversion to <script>"}).run()
    at.switch_page("pages/funnel.py").run()
    assert not at.exception
    notes = " ".join(w.value for w in at.warning)
    assert i18n.t("link.what.mode", lang) in notes and "exec" in notes, notes      # the value, Markdown-escaped
    assert "The link's" not in notes and "using the default" not in notes, notes
    # (a new app: AppTest cannot re-run a page whose selectboxes show translated option labels)
    at = app({"v": "1", "lang": lang, "goal": "conversion to <script>"}).run()
    at.switch_page("pages/abtest.py").run()
    assert not at.exception
    notes = " ".join(w.value for w in at.warning)
    assert i18n.t("link.what.goal", lang) in notes and "script" in notes, notes
    assert "The link's" not in notes, notes


def test_link_note_stays_english_in_english(workspace):
    at = app({"v": "1", "mode": "exec(1)"}).run()
    at.switch_page("pages/funnel.py").run()
    notes = " ".join(w.value for w in at.warning)
    assert "The link's funnel mode" in notes and "using the default" in notes, notes


# ------------------------------------------------------------------ problems found when a file is read

def test_every_problem_key_has_its_templates():
    """Each ``key="..."`` given to a Problem in cj.ingest / cj.store has prob.<key>.msg and .fix in every language
    (the placeholder scan above covers the prob.* keys too)."""
    import inspect

    from cj import ingest, store

    keys = set()
    for mod in (ingest, store):
        keys |= set(re.findall(r'\bkey="(\w+)"', inspect.getsource(mod)))
    assert len(keys) >= 30
    for k in sorted(keys):
        for part in ("msg", "fix"):
            entry = i18n.STRINGS.get(f"prob.{k}.{part}")
            assert entry and all(entry.get(lang, "").strip() for lang in i18n.LANGS), (k, part)
    # templates point only at template keys that exist (values {"t": ...})
    assert all(f"prob.what.{c}" in i18n.STRINGS for c in __import__("cj.schema").schema.REQUIRED)


_ALLOWED_LATIN = {"ISO", "CSV", "Parquet", "Excel", "gzip", "JSON", "HTML", "XML", "xlsx", "xls", "UTF", "MB",
                  "NaN", "Inf", "id", "ID", "stage", "event", "meta", "json", "CJ_MAX_UNZIPPED_MB", "zip"}


def _bad_file_problems(tmp_path):
    """(file name, problems) for a few typical bad files."""
    from cj import ingest, store
    from cj.errors import IngestError, Problem

    files = {
        "empty.csv": b"",
        "export.csv": b'[{"customer_id": "c1", "timestamp": "2024-01-01"}]\n',
        "ragged.csv": b"customer_id,timestamp,event\n" + b"c1;2024-01-01;view\n" * 8 + b"c2,2024-01-02,buy\n",
        "times.csv": b"customer_id,timestamp,event\n" + b"c1,2024-01-01 10:00:00,view\n" * 5
                     + b"c2,not a date,buy\nc3,2024-01-03 11:00:00,buy\n",
        "noid.csv": b"person,timestamp,event\n" + b"1.5,2024-01-01 10:00:00,view\n" * 5,
    }
    out = {}
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        con = store.connect()
        try:
            rep = ingest.ingest(con, path, workdir=tmp_path)
            problems = [Problem.from_item(p) for p in rep.report.problem_items]
            assert [str(p) for p in problems] == rep.report.problems
        except IngestError as exc:
            problems = exc.problems
        finally:
            con.close()
        out[name] = problems
    return out


def test_problems_of_bad_files_are_translated(tmp_path):
    found = _bad_file_problems(tmp_path)
    expected = {"empty.csv": "empty", "export.csv": "json", "ragged.csv": "ragged", "times.csv": "bad_ts",
                "noid.csv": "no_column"}
    for name, key in expected.items():
        assert key in [p.key for p in found[name]], (name, [str(p) for p in found[name]])
    for name, problems in found.items():
        for p in problems:
            assert p.text_in("en") == str(p)
            if not p.key:
                continue
            assert p.render("en") == str(p), p.key                 # the English template is the message
            data = [name] + [str(v) for v in p.values.values() if isinstance(v, str)]
            data += [str(x) for v in p.values.values() if isinstance(v, list) for pair in v for x in pair]
            for lang in ("ru", "zh"):
                text = p.text_in(lang)
                assert text != str(p) and not re.search(r"{\w+}", text), (lang, text)
                for d in sorted(data, key=len, reverse=True):
                    text = text.replace(d, " ")
                latin = [w for w in re.findall(r"[A-Za-z_]{2,}", text) if w not in _ALLOWED_LATIN]
                assert latin == [], (lang, p.key, p.text_in(lang), latin)


def test_store_problems_are_translated(tmp_path):
    from cj import store
    from cj.errors import StoreError

    ws = store.Workspace(tmp_path)
    with pytest.raises(StoreError) as exc:
        ws.meta("ds_does_not_exist")
    p = exc.value.problems[0]
    assert exc.value.text_in("en") == exc.value.message
    assert p.key and p.render("en") == str(p)
    assert "не найден" in p.text_in("ru") and "未找到" in p.text_in("zh")
