"""The meeting deck rendered as a person sees it: LibreOffice (headless) turns the PPTX into a PDF, and
poppler into PNGs (``screenshots/pptx-<lang>-<n>.png``, looked at by a person for Cyrillic and Chinese).

What is asserted: every slide renders (PDF pages == slides); the fonts embedded in the PDF include a
font with Chinese glyphs for the Chinese deck (a missing one shows as boxes, and LibreOffice would
fall back silently); the rendered text, extracted back from the PDF, holds the deck's Russian and
Chinese sentences (not boxes or question marks).
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pptx import Presentation

from cj import report, store

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "screenshots"
TOOLS = ("soffice", "pdftoppm", "pdftotext", "pdffonts")


def _tools_or_skip():
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {', '.join(missing)} missing: scripts/test.sh installs libreoffice-impress "
                        "and poppler-utils when run as root")
        pytest.skip(f"needs {', '.join(missing)} (LibreOffice headless and poppler-utils)")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, _sample_workspace_template):
    _tools_or_skip()
    out = tmp_path_factory.mktemp("pptx")
    ws = store.Workspace(_sample_workspace_template)
    con = store.connect()
    meta = ws.open(con, store.SAMPLE_ID)
    decks = {}
    for lang in ("ru", "zh"):
        data = report.pptx_report(con, meta, lang=lang)
        (out / f"deck-{lang}.pptx").write_bytes(data)
        decks[lang] = Presentation(io.BytesIO(data))
    con.close()
    env = {**os.environ, "HOME": str(out)}        # LibreOffice keeps its profile under HOME
    subprocess.run(["soffice", "--headless", "--norestore", "--convert-to", "pdf", "--outdir", str(out),
                    str(out / "deck-ru.pptx"), str(out / "deck-zh.pptx")],
                   check=True, capture_output=True, timeout=300, env=env)
    SHOTS.mkdir(exist_ok=True)
    for lang in ("ru", "zh"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "4", str(out / f"deck-{lang}.pdf"),
                       str(SHOTS / f"pptx-{lang}")], check=True, timeout=120)
    return out, decks


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.parametrize("lang", ["ru", "zh"])
def test_every_slide_renders(rendered, lang):
    out, decks = rendered
    assert _pages(out / f"deck-{lang}.pdf") == len(decks[lang].slides) >= 4
    assert sorted(SHOTS.glob(f"pptx-{lang}-*.png")), "slide images for a person to look at"


def test_chinese_deck_embeds_a_font_with_chinese_glyphs(rendered):
    out, _ = rendered
    fonts = subprocess.run(["pdffonts", str(out / "deck-zh.pdf")], capture_output=True, text=True,
                           check=True).stdout
    assert re.search(r"WenQuanYi|Noto\w*CJK|Source\w*Han|Droid\w*Fallback|SimSun|Microsoft\w*YaHei|PingFang",
                     fonts, re.I), fonts


@pytest.mark.parametrize("lang,script", [("ru", r"[А-Яа-яЁё]{4,}"), ("zh", r"[\u4e00-\u9fff]{2,}")])
def test_rendered_text_is_in_the_language(rendered, lang, script):
    """The deck's own words come back out of the rendered PDF in their script, title slide included."""
    out, decks = rendered
    text = _text(out / f"deck-{lang}.pdf")
    words = re.findall(script, text)
    assert len(words) >= 50, f"only {len(words)} {lang} words rendered"
    title = decks[lang].slides[1].shapes.title.text_frame.text
    assert re.search(script, title) and title.split()[0] in text
    assert "\ufffd" not in text and "□" not in text
