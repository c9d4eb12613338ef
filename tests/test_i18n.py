"""UI languages: every string exists in English, Russian and Chinese; pages switch language."""
from __future__ import annotations

import re

import pytest

from apptest_utils import app
from cj import i18n


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
