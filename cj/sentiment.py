"""Offline sentiment for English, Russian and Chinese feedback, ratings, and by-stage views.

Scoring (:func:`score_texts`, :func:`score_lines`)
    A lexicon-and-rules scorer in the spirit of VADER (Hutto & Gilbert, 2014), with word lists
    written for cj (``cj/lexicons/``, provenance in its README). Each text is split by script
    (Latin → ``en``, Cyrillic → ``ru``, CJK → ``zh``); every part is scored with its own lexicon
    and the parts are combined weighted by length (a CJK character counts as 3 letters; parts
    without any sentiment word do not dilute the others). Per sentiment word: valence from the
    lexicon, plus intensifiers/downtoners in the 3 tokens before it, negation in the 3 tokens
    before it (valence × −0.74; Russian also "проблем нет"-style negation after the word;
    phrases that carry their own negation such as "не подвел" are not flipped again), contrast
    words ("but", "но", "但是": words before ×0.5, after ×1.5 within the sentence), summary
    markers ("overall", "в общем", "总之": the rest of the sentence ×2), questions (×0.3: they
    ask rather than assert), negative valences ×1.2 (SO-CAL's negativity weighting), CAPS
    emphasis (en), exclamation marks, emoji/emoticons and ratings written in the text ("2 из 5",
    "4/5", "3 stars"). The sum ``S`` is squashed to ``S / sqrt(S² + 15)``. English is matched
    word by word (with a light suffix stripper; "like" counts only as a verb), Russian by
    longest stem prefix ("отличн" covers отличный/отлично/…), Chinese by forward maximum
    matching over words and phrases (so 不错 and 没问题 are positive, 不好 negative).
    Accuracy on public review sets and how it was measured: ``cj/lexicons/README.md`` and
    ``python bench/bench_sentiment.py --accuracy``.

Ratings (:func:`rating_to_score`, :func:`nps`) map CSAT/NPS-style ratings onto the same [−1, 1].

By stage (:func:`score_feedback`, :func:`sentiment_by`, :func:`pain_points`,
:func:`drop_after_negative`) work on the DuckDB view ``events``: distinct feedback texts are
scored once into the table ``text_scores(feedback, score, label, lang)`` and joined back on the
text (view ``feedback_scores``). Every event row gets one sentiment value by precedence:
explicit ``sentiment`` column > feedback text > ``rating``.

:func:`adapt_to_ratings` fits a small TF-IDF + logistic-regression model on the user's own
texts that come with ratings and blends it with the lexicon score.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import duckdb
import pandas as pd

from . import engine, store
from .errors import ParameterError

__all__ = [
    "score_texts", "score_text", "score_lines", "detect_lang", "label_for",
    "rating_to_score", "nps", "score_feedback", "sentiment_by", "pain_points", "pain_points_by_stage",
    "drop_after_negative", "adapt_to_ratings", "AdaptedScorer", "lexicon_sizes",
    "POSITIVE_THRESHOLD", "NEGATIVE_THRESHOLD",
]

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05
LANGS = ("en", "ru", "zh")

_ALPHA = 15.0          # normalisation constant of the compound score (as in VADER)
_NEG_SCALAR = -0.74    # a negated valence is flipped and damped (as in VADER)
_CAPS_INCR = 0.733     # ALL-CAPS sentiment word in mixed-case text
_EXCL_INCR = 0.292     # per exclamation mark, up to 4
_WINDOW = 3            # modifiers are looked for this many tokens back
_CONTRAST_BEFORE, _CONTRAST_AFTER = 0.5, 1.5
_QUESTION_WEIGHT = 0.3  # a question asks rather than asserts ("是正品吗？", "is it any good?")
_SUMMARY_WEIGHT = 2.0  # sentiment after "overall" / "в общем" / "总之" in the same sentence
_NEGATIVE_WEIGHT = {"en": 1.2, "ru": 1.2, "zh": 1.2}  # SO-CAL-style weighting of negative valences
_CJK_WEIGHT = 3.0      # a CJK character carries about as much as 3 Latin/Cyrillic letters
_MAX_CHARS = 2_000_000  # longer texts are scored on their first 2M characters


def label_for(score: float) -> str:
    """``positive`` above 0.05, ``negative`` below −0.05, else ``neutral``."""
    if score > POSITIVE_THRESHOLD:
        return "positive"
    if score < NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


# ============================================================================ lexicons

class _Entry:
    """What the lexicon knows about one term: a valence and/or a modifier role."""

    __slots__ = ("val", "neg", "post", "boost", "but", "summ", "stop", "negp")

    def __init__(self):
        self.val: float | None = None   # None: pure modifier; 0.0: neutral blocker
        self.neg = False                # negator (looks forward)
        self.post = False               # post-negator (Russian "проблем нет")
        self.boost = 0.0                # intensifier (+) / downtoner (−)
        self.but = False                # contrast word
        self.summ = False               # summary marker ("overall", "в общем", "总之")
        self.stop = False               # ends the scope of a negator/booster (Chinese 就, 才, 所以)
        self.negp = False               # phrase that contains its own negation ("не подвел")

    @property
    def is_mod(self) -> bool:
        return self.neg or bool(self.boost)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"_Entry(val={self.val}, neg={self.neg}, post={self.post}, boost={self.boost}, but={self.but})"


_WEAK = 1      # clause boundary marker in token lists (comma, colon, …)
_STRONG = 2    # sentence boundary
_QUESTION = 3  # sentence boundary of a question


@dataclass
class _Lexicon:
    lang: str
    single: dict = field(default_factory=dict)   # term -> _Entry (exact)
    prefix: dict = field(default_factory=dict)   # stem -> _Entry (ru: longest-prefix match)
    phrases: dict = field(default_factory=dict)  # first component -> [(components, _Entry)] longest first
    n_terms: int = 0
    max_len: int = 1    # longest stem / phrase component (bounds prefix look-ups)


def _parse_lexicon_file(path: Path):
    """Yield ``(key, term)`` from a ``key: term, term`` file (see the files' headers)."""
    for raw in path.read_text("utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or ":" not in line:
            continue
        key, terms = line.split(":", 1)
        key = key.strip()
        for term in terms.split(","):
            term = " ".join(term.strip().lower().split())
            if term:
                yield key, term


def _apply_key(entry: _Entry, key: str) -> None:
    if key == "NEG":
        entry.neg = True
    elif key == "POSTNEG":
        entry.post = True
    elif key == "BUT":
        entry.but = True
    elif key == "SUM":
        entry.summ = True
    elif key == "STOP":
        entry.stop = True
    elif key.startswith("B+") or key.startswith("B-"):
        entry.boost = float(key[1:])
    else:
        entry.val = float(key)


def _en_tokens_of(term: str) -> list[str]:
    return _EN_WORD.findall(term.replace("’", "'"))


@lru_cache(maxsize=None)
def _lexicon(lang: str) -> _Lexicon:
    lex = _Lexicon(lang)
    path = LEXICON_DIR / f"{lang}.txt"
    terms_seen = set()
    for key, term in _parse_lexicon_file(path):
        terms_seen.add(term)
        if lang == "zh":
            e = lex.single.setdefault(term, _Entry())
            _apply_key(e, key)
            continue
        if lang == "en":
            comps = tuple(_en_tokens_of(term))
            if not comps or (len(comps) == 1 and comps[0] != term and term not in ("n't",)):
                comps = (term,)
        else:  # ru
            comps = tuple(term.replace("ё", "е").split())
        if len(comps) == 1:
            stem = comps[0]
            if lang == "ru" and not stem.endswith("$"):
                e = lex.prefix.setdefault(stem, _Entry())
            else:
                e = lex.single.setdefault(stem.rstrip("$"), _Entry())
            _apply_key(e, key)
        else:
            if lang == "ru":
                comps = tuple(c.rstrip("$") for c in comps)
            bucket = lex.phrases.setdefault(comps[0], [])
            for c, e in bucket:
                if c == comps:
                    _apply_key(e, key)
                    break
            else:
                e = _Entry()
                _apply_key(e, key)
                bucket.append((comps, e))
    for bucket in lex.phrases.values():
        bucket.sort(key=lambda ce: -len(ce[0]))
        for comps, e in bucket:
            first = lex.single.get(comps[0])
            if first is not None and first.neg and e.val:
                e.negp = True   # negative concord: "ни разу не разочаровалась" is not a double negation
    if lang == "ru":
        # an exact-word modifier ("ужасно$" booster) keeps the valence of its stem ("ужасн")
        for word, e in lex.single.items():
            if e.val is None and e.is_mod:
                for k in range(len(word), 1, -1):
                    st = lex.prefix.get(word[:k])
                    if st is not None and st.val is not None:
                        e.val = st.val
                        break
    lex.n_terms = len(terms_seen)
    lex.max_len = max([len(t) for t in lex.prefix] + [len(c) for b in lex.phrases.values() for cs, _ in b for c in cs]
                      + [len(t) for t in lex.single] + [1])
    return lex


@lru_cache(maxsize=None)
def _emoji() -> dict:
    out = {}
    for raw in (LEXICON_DIR / "emoji.tsv").read_text("utf-8").splitlines():
        if not raw.strip() or raw.startswith("#") or "\t" not in raw:
            continue
        term, val = raw.split("\t", 1)
        out[term] = float(val)
    return out


@lru_cache(maxsize=None)
def _emoji_re() -> re.Pattern:
    emo = _emoji()
    chars = "".join(re.escape(k) for k in emo if len(k) == 1)
    multi = sorted((k for k in emo if len(k) > 1), key=len, reverse=True)
    # emoticons that begin with a letter or digit must stand alone (not "0xDEAD", "D: drive")
    alnum = [re.escape(k) for k in multi if k[0].isalnum()]
    punct = [re.escape(k) for k in multi if not k[0].isalnum()]
    parts = []
    firsts = "".join(sorted({re.escape(k[0]) for k in multi}))
    if punct:
        parts.append("(?=[" + firsts + "])(?:" + "|".join(punct) + ")")
    if alnum:
        parts.append(r"(?<![\w])(?:" + "|".join(alnum) + r")(?![\w])")
    if chars:
        parts.append("[" + chars + "]")
    return re.compile("|".join(parts))


def lexicon_sizes() -> dict:
    """Number of distinct terms (words, stems, phrases, modifiers) per shipped list."""
    sizes = {lang: _lexicon(lang).n_terms for lang in LANGS}
    sizes["emoji"] = len(_emoji())
    return sizes


# ===================================================================== tokenisation

_CAPS_WORD = re.compile(r"[A-Z]{2}")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_EN_WORD = re.compile(r"[a-z0-9\u00c0-\u024f]+(?:['\-][a-z0-9\u00c0-\u024f]+)*|n't")
_EN_TOKEN = re.compile(r"([A-Za-z0-9\u00c0-\u024f]+(?:['\-][A-Za-z0-9\u00c0-\u024f]+)*)|([.!?\n\u2026]+)|([,;:()\[\]\"\u201c\u201d\u2013\u2014/])")
_RU_TOKEN = re.compile(r"([0-9a-z\u0430-\u044f\u0451]+(?:-[0-9a-z\u0430-\u044f\u0451]+)*)|([.!?\n\u2026]+)|([,;:()\[\]\"\u00ab\u00bb\u201c\u201d\u2013\u2014/])")
_ZH_STRONG = set("。！？!?\n…；;")
_ZH_WEAK = set("，,、：:（）()【】[]「」『』“”\"《》~～—-/ \t\u3000")
_SCRIPT_RUN = re.compile(r"([A-Za-z\u00c0-\u024f]+)|([\u0400-\u04ff]+)|([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)")
_LANG_OF_GROUP = {1: "en", 2: "ru", 3: "zh"}

_en_cache: dict = {}
_ru_cache: dict = {}
_ru_phrase_cache: dict = {}
_CACHE_MAX = 300_000


def _en_variants(w: str):
    n = len(w)
    if n > 3 and w.endswith("'s"):
        yield w[:-2]
    if n > 4 and w.endswith("ies"):
        yield w[:-3] + "y"
    if n > 3 and w.endswith("es"):
        yield w[:-2]
    if n > 3 and w.endswith("s") and not w.endswith("ss"):
        yield w[:-1]
    if n > 4 and w.endswith("ied"):
        yield w[:-3] + "y"
    if n > 3 and w.endswith("ed"):
        yield w[:-2]
        yield w[:-1]
        if n > 5 and w[-3] == w[-4]:
            yield w[:-3]
    if n > 4 and w.endswith("ing"):
        yield w[:-3]
        yield w[:-3] + "e"
        if n > 6 and w[-4] == w[-5]:
            yield w[:-4]
    if n > 4 and w.endswith("ly"):
        yield w[:-2]
        if w.endswith("ily"):
            yield w[:-3] + "y"
        if w.endswith("bly"):
            yield w[:-1] + "e"
    if n > 4 and w.endswith("er"):
        yield w[:-2]
        yield w[:-1]
    if n > 5 and w.endswith("est"):
        yield w[:-3]
        yield w[:-2]


def _en_lookup(w: str):
    hit = _en_cache.get(w, _MISSING)
    if hit is not _MISSING:
        return hit
    single = _lexicon("en").single
    e = single.get(w)
    if e is None:
        for v in _en_variants(w):
            cand = single.get(v)
            if cand is not None and cand.val:
                e = cand
                break
    if len(_en_cache) > _CACHE_MAX:
        _en_cache.clear()
    _en_cache[w] = e
    return e


_MISSING = object()
# "like" is read as the verb only after these words ("I like", "really like", "didn't like")
_LIKE_SUBJECTS = frozenset("""i we you they he she who everyone everybody people kids wife husband family
really also definitely totally absolutely truly just still do did does don't didn't doesn't dont didnt
doesnt not never would i'd we'd you'd they'd will i'll we'll you'll they'll so actually generally usually
especially always both all personally genuinely kinda quite much more most mostly i'm""".split())


def _tokens_en(text: str):
    """Token entries for English text: (entries, caps flags)."""
    lex = _lexicon("en")
    phrases = lex.phrases
    raw: list = []   # str word (lower) | _STRONG | _QUESTION | _WEAK
    for w, strong, _weak in _EN_TOKEN.findall(text.lower()):
        if w:
            raw.append(w)
        elif strong:
            raw.append(_QUESTION if "?" in strong else _STRONG)
        else:
            raw.append(_WEAK)
    caps = None
    if text != text.upper() and _CAPS_WORD.search(text):
        orig = _EN_TOKEN.findall(text)
        if len(orig) == len(raw):
            caps = [bool(w) and len(w) > 1 and w.isupper() and not w.isdigit() for w, _s, _k in orig]
    ents: list = []
    ecaps: list = []
    i, n = 0, len(raw)
    while i < n:
        t = raw[i]
        if t.__class__ is int:
            ents.append(t)
            ecaps.append(False)
            i += 1
            continue
        bucket = phrases.get(t)
        if bucket:
            for comps, e in bucket:
                k = len(comps)
                if i + k <= n and tuple(raw[i:i + k]) == comps:
                    ents.append(e)
                    ecaps.append(False)
                    i += k
                    break
            else:
                bucket = None
            if bucket:
                continue
        if t == "like" and (i == 0 or raw[i - 1] not in _LIKE_SUBJECTS):
            ents.append(None)   # "like" as a preposition ("tasted like dirt") carries no sentiment
        else:
            ents.append(_en_lookup(t))
        ecaps.append(caps[i] if caps is not None else False)
        i += 1
    return ents, (ecaps if caps is not None else None)


def _ru_lookup(w: str):
    hit = _ru_cache.get(w, _MISSING)
    if hit is not _MISSING:
        return hit
    lex = _lexicon("ru")
    e = lex.single.get(w)
    if e is None:
        prefix = lex.prefix
        for k in range(min(len(w), lex.max_len), 1, -1):
            e = prefix.get(w[:k])
            if e is not None:
                break
    if len(_ru_cache) > _CACHE_MAX:
        _ru_cache.clear()
    _ru_cache[w] = e
    return e


def _ru_comp_match(token: str, comp: str) -> bool:
    return token == comp if len(comp) <= 3 else token.startswith(comp)


def _ru_phrase_candidates(w: str):
    hit = _ru_phrase_cache.get(w, _MISSING)
    if hit is not _MISSING:
        return hit
    phrases = _lexicon("ru").phrases
    cands = list(phrases.get(w, ()))
    for k in range(4, min(len(w), _lexicon("ru").max_len + 1)):
        b = phrases.get(w[:k])
        if b:
            cands.extend(b)
    cands = [ce for ce in cands if _ru_comp_match(w, ce[0][0])]
    cands.sort(key=lambda ce: -len(ce[0]))
    if len(_ru_phrase_cache) > _CACHE_MAX:
        _ru_phrase_cache.clear()
    _ru_phrase_cache[w] = cands or None
    return cands or None


def _tokens_ru(text: str):
    raw: list = []
    # Russian puts a comma before the "чем" of a comparison ("дороже, чем"): keep it in the phrase
    for w, strong, _weak in _RU_TOKEN.findall(text.lower().replace("ё", "е").replace(", чем", " чем")):
        if w:
            raw.append(w)
        elif strong:
            raw.append(_QUESTION if "?" in strong else _STRONG)
        else:
            raw.append(_WEAK)
    ents: list = []
    i, n = 0, len(raw)
    while i < n:
        t = raw[i]
        if t.__class__ is int:
            ents.append(t)
            i += 1
            continue
        cands = _ru_phrase_candidates(t)
        matched = False
        if cands:
            for comps, e in cands:
                k = len(comps)
                if i + k > n:
                    continue
                ok = True
                for j in range(1, k):
                    tok = raw[i + j]
                    if tok.__class__ is int or not _ru_comp_match(tok, comps[j]):
                        ok = False
                        break
                if ok:
                    ents.append(e)
                    i += k
                    matched = True
                    break
        if matched:
            continue
        ents.append(_ru_lookup(t))
        i += 1
    return ents, None


@lru_cache(maxsize=None)
def _zh_index():
    single = _lexicon("zh").single
    first: dict = {}
    for term in single:
        first.setdefault(term[0], set()).add(len(term))
    return single, {c: tuple(sorted(ls, reverse=True)) for c, ls in first.items()}


def _tokens_zh(text: str):
    single, first = _zh_index()
    ents: list = []
    unk = 0
    i, n = 0, len(text)
    strong, weak = _ZH_STRONG, _ZH_WEAK
    while i < n:
        c = text[i]
        lens = first.get(c)
        if lens is not None:
            hit = None
            for k in lens:
                if i + k <= n:
                    e = single.get(text[i:i + k])
                    if e is not None:
                        hit = e
                        break
            if hit is not None:
                if unk:
                    ents.extend([None] * ((unk + 2) // 3))
                    unk = 0
                ents.append(hit)
                i += k
                continue
            unk += 1
        elif c in strong:
            if unk:
                ents.extend([None] * ((unk + 2) // 3))
                unk = 0
            ents.append(_QUESTION if c in "?？" else _STRONG)
        elif c in weak:
            if unk:
                ents.extend([None] * ((unk + 2) // 3))
                unk = 0
            ents.append(_WEAK)
        else:
            unk += 1
        i += 1
    if unk:
        ents.extend([None] * ((unk + 2) // 3))
    return ents, None


_TOKENIZERS = {"en": _tokens_en, "ru": _tokens_ru, "zh": _tokens_zh}


# ========================================================================== scoring

def _valence_sum(ents: list, caps, neg_weight: float = 1.0, cjk: bool = False) -> tuple[float, int]:
    """Sum of rule-adjusted valences and the number of sentiment words found."""
    vals: list = []      # [value, sentence index, token index]
    contrast: dict = {}  # sentence index -> token index of its last contrast word
    summary: dict = {}   # sentence index -> token index of its first summary marker
    questions: set = set()
    contrast_first: set = set()
    sent = 0
    sent_start = 0
    n = len(ents)
    W = _WINDOW
    for i in range(n):
        e = ents[i]
        if e is None:
            continue
        if e.__class__ is int:
            if e >= _STRONG:
                if e == _QUESTION:
                    questions.add(sent)
                sent += 1
                sent_start = i + 1
            continue
        if e.but:
            contrast[sent] = i
            if i == sent_start:
                contrast_first.add(sent)
        if e.summ and sent not in summary:
            summary[sent] = i
        v = e.val
        if not v:
            continue
        if e.is_mod:
            # a modifier that also has a valence ("pretty", "lacking", 好) modifies when a
            # sentiment word follows (boosters: right after; negators: within the window);
            # in Chinese 好 right before an unknown character is "very …" (好痒), not "good"
            if cjk and e.boost and i + 1 < n and ents[i + 1] is None:
                continue
            reach = W if e.neg else 1
            j, steps, modifies = i + 1, 0, False
            while j < n and steps < reach:
                f = ents[j]
                if f.__class__ is int:
                    break
                if f is not None and f.val and not f.is_mod:
                    modifies = True
                    break
                j += 1
                steps += 1
            if modifies:
                continue
        boost = 0.0
        negated = False
        j, steps = i - 1, 0
        while j >= 0 and steps < W:
            f = ents[j]
            if f.__class__ is int:
                break
            if f is not None:
                if f.but or f.stop:
                    break
                if f.neg and not e.negp:
                    negated = True
                if f.boost and (steps == 0 or not f.val):
                    boost += f.boost * (1.0, 0.95, 0.9)[steps]
            j -= 1
            steps += 1
        if boost:
            mag = abs(v) + boost
            if mag < 0.1 * abs(v):
                mag = 0.1 * abs(v)
            v = mag if v > 0 else -mag
        if caps is not None and caps[i]:
            v = v + _CAPS_INCR if v > 0 else v - _CAPS_INCR
        if not negated:
            j, steps = i + 1, 0
            while j < n and steps < 2:
                f = ents[j]
                if f.__class__ is int:
                    break
                if f is not None and f.post:
                    negated = True
                    break
                j += 1
                steps += 1
        if negated:
            v *= _NEG_SCALAR
        vals.append((v, sent, i))
    if not vals:
        return 0.0, 0
    total = 0.0
    for v, s, i in vals:
        c = contrast.get(s)
        if c is not None:
            v *= _CONTRAST_BEFORE if i < c else _CONTRAST_AFTER
        elif (s + 1) in contrast_first:
            v *= _CONTRAST_BEFORE
        m = summary.get(s)
        if m is not None and i > m:
            v *= _SUMMARY_WEIGHT
        if s in questions:
            v *= _QUESTION_WEIGHT
        if v < 0:
            v *= neg_weight
        total += v
    return total, len(vals)


def _part_sum(text: str, lang: str) -> tuple[float, int]:
    ents, caps = _TOKENIZERS[lang](text)
    return _valence_sum(ents, caps, _NEGATIVE_WEIGHT[lang], lang == "zh")


def _normalise(total: float) -> float:
    return total / math.sqrt(total * total + _ALPHA)


def _clean(text) -> str:
    if text is None:
        return ""
    if isinstance(text, float) and text != text:
        return ""
    if not isinstance(text, str):
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        else:
            try:
                if pd.isna(text):
                    return ""
            except (TypeError, ValueError):
                pass
            text = str(text)
    if len(text) > _MAX_CHARS:
        text = text[:_MAX_CHARS]
    if "\x00" in text:
        text = text.replace("\x00", " ")
    return text


_HAS = {"en": re.compile(r"[A-Za-z\u00c0-\u024f]"), "ru": re.compile(r"[\u0400-\u04ff]"),
        "zh": re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")}


def _split_scripts(text: str) -> tuple[dict, dict]:
    """Parts of ``text`` per language (by script) and the letter weight of each."""
    if text.isascii():
        present = ["en"] if _HAS["en"].search(text) else []
    else:
        present = [l for l in LANGS if _HAS[l].search(text)]
    if len(present) <= 1:
        w = {"en": 0.0, "ru": 0.0, "zh": 0.0}
        if present:
            w[present[0]] = 1.0
            return {present[0]: text}, w
        return {}, w
    weights = {"en": 0.0, "ru": 0.0, "zh": 0.0}
    runs = []
    for m in _SCRIPT_RUN.finditer(text):
        lang = _LANG_OF_GROUP[m.lastindex]
        n = m.end() - m.start()
        weights[lang] += n * (_CJK_WEIGHT if lang == "zh" else 1.0)
        runs.append((m.start(), lang))
    present = [l for l in LANGS if weights[l] > 0]
    if len(present) <= 1:
        return ({present[0]: text} if present else {}), weights
    parts: dict = {l: [] for l in present}
    seg_start, seg_lang = 0, runs[0][1]
    for start, lang in runs[1:]:
        if lang != seg_lang:
            parts[seg_lang].append(text[seg_start:start])
            seg_start, seg_lang = start, lang
    parts[seg_lang].append(text[seg_start:])
    joined = {l: (" " if l != "zh" else "，").join(p) for l, p in parts.items()}
    return joined, weights


def detect_lang(text) -> str:
    """``en`` / ``ru`` / ``zh`` by the dominant script, ``unknown`` when there are no letters."""
    text = _clean(text)
    _, w = _split_scripts(text)
    best = max(LANGS, key=lambda l: w[l])
    return best if w[best] > 0 else "unknown"


_DIGIT = re.compile(r"\d")
_RATING_HINT = re.compile(r"/|из|of|star|звезд|звёзд|星", re.I)
# emoji live above U+2190; every emoticon in the list has one of these characters
_EMOJI_HINT = re.compile(r"[:;=<^_\u2190-\u2bff\U0001f000-\U0001faff]|xD|XD")
# explicit ratings written in the text: "2 из 5", "4/5", "7 out of 10", "3 stars", "5星", "2 звезды"
_RATING_EXPR = re.compile(
    r"(?<![\d/])(?<!\d[.,])(\d{1,2}(?:[.,]5)?)\s*(?:из|out of|/|of)\s*(5|10)(?![\d/]|[.,]\d)"
    r"|(?<![\d/])(?<!\d[.,])([0-5](?:[.,]5)?)\s*(?:stars?|звезд[аыу]?|звёзд[аыу]?|星|颗星)", re.I)


def _rating_valence(text: str) -> tuple[float, int]:
    total, n = 0.0, 0
    for m in _RATING_EXPR.finditer(text):
        try:
            if m.group(1) is not None:
                r, top = float(m.group(1).replace(",", ".")), float(m.group(2))
            else:
                r, top = float(m.group(3).replace(",", ".")), 5.0
        except ValueError:
            continue
        if r > top:
            continue
        total += max(-3.0, min(3.0, (r / top - 0.65) * 8.0))
        n += 1
    return total, n


def _score_one(text: str, lang: str) -> tuple[float, str]:
    if not text or not text.strip():
        return 0.0, "unknown"
    text = _URL.sub(" ", text)
    rated, _ = _rating_valence(text) if (_DIGIT.search(text) and _RATING_HINT.search(text)) else (0.0, 0)
    emo = 0.0
    if _EMOJI_HINT.search(text):
        table = _emoji()
        for m in _emoji_re().findall(text):
            emo += table.get(m, 0.0)
    excl = min(text.count("!") + text.count("！"), 4)
    if lang in LANGS:
        total, hits = _part_sum(text, lang)
        out_lang = lang
    else:
        parts, weights = _split_scripts(text)
        best = max(LANGS, key=lambda l: weights[l])
        out_lang = best if weights[best] > 0 else "unknown"
        if len(parts) <= 1:
            total, hits = _part_sum(text, out_lang) if parts else (0.0, 0)
        else:
            num = den = 0.0
            hits = 0
            for l, part in parts.items():
                s, h = _part_sum(part, l)
                if h:
                    num += weights[l] * _normalise(s)
                    den += weights[l]
                    hits += h
            if den:
                # back to the raw scale so emoji and exclamation marks combine as for one part
                c = max(min(num / den, 0.999999), -0.999999)
                total = c * math.sqrt(_ALPHA) / math.sqrt(1.0 - c * c)
            else:
                total = 0.0
    total += emo + rated
    if total and excl:
        total += excl * _EXCL_INCR if total > 0 else -excl * _EXCL_INCR
    if not total:
        return 0.0, out_lang
    return _normalise(total), out_lang


def score_text(text, lang: str = "auto") -> dict:
    """Score one text: ``{"score", "label", "lang"}``."""
    lang = _check_lang(lang)
    s, l = _score_one(_clean(text), lang)
    return {"score": s, "label": label_for(s), "lang": l}


def _check_lang(lang) -> str:
    lang = (lang or "auto").lower() if isinstance(lang, str) else "auto"
    if lang not in ("auto",) + LANGS:
        raise ParameterError.one(f"Unknown language '{lang}' for sentiment",
                                 "Use 'auto' (detect by script), 'en', 'ru' or 'zh'.")
    return lang


def score_texts(texts: Sequence[str] | Iterable[str], lang: str = "auto") -> pd.DataFrame:
    """Score texts: a frame with ``score`` in [−1, 1], ``label`` and ``lang``, one row per input.

    ``lang="auto"`` detects the language per text by script (and scores mixed-script text per
    part); ``"en"``, ``"ru"`` or ``"zh"`` forces one lexicon for every text. Empty or missing
    texts score 0, ``neutral``, ``unknown``. Identical texts are scored once.
    """
    lang = _check_lang(lang)
    if isinstance(texts, (str, bytes)):
        texts = [texts]
    memo: dict = {}
    scores: list = []
    langs: list = []
    for t in texts:
        t = _clean(t)
        r = memo.get(t)
        if r is None:
            r = _score_one(t, lang)
            memo[t] = r
        scores.append(r[0])
        langs.append(r[1])
    sc = np.asarray(scores, dtype=float)
    labels = np.where(sc > POSITIVE_THRESHOLD, "positive", np.where(sc < NEGATIVE_THRESHOLD, "negative", "neutral"))
    return pd.DataFrame({"score": sc, "label": pd.Series(labels, dtype=object),
                         "lang": pd.Series(langs, dtype=object)})


def score_lines(lines: Iterable[str], lang: str = "auto") -> list[dict]:
    """CLI helper: ``{"score", "label", "lang"}`` per input line, in order (trailing newline ignored)."""
    cleaned = [(_clean(x).rstrip("\r\n")) for x in lines]
    df = score_texts(cleaned, lang)
    return [{"score": round(float(s), 4), "label": lab, "lang": lg}
            for s, lab, lg in zip(df["score"], df["label"], df["lang"])]


# ========================================================================== ratings

def _rating_scale(values: np.ndarray, scale) -> tuple[float, float]:
    if isinstance(scale, (tuple, list)) and len(scale) == 2:
        lo, hi = float(scale[0]), float(scale[1])
        if not hi > lo:
            raise ParameterError.one(f"Rating scale {scale!r} is empty",
                                     "Give (lowest, highest) with highest above lowest, e.g. (1, 5).")
        return lo, hi
    if scale == "csat5":
        return 1.0, 5.0
    if scale == "nps10":
        return 0.0, 10.0
    if scale != "auto":
        raise ParameterError.one(f"Unknown rating scale {scale!r}",
                                 "Use 'auto', 'csat5' (1–5), 'nps10' (0–10) or a (lowest, highest) pair.")
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 1.0, 5.0
    mx, mn = float(finite.max()), float(finite.min())
    if mx <= 5:
        return (0.0, 5.0) if mn < 1 else (1.0, 5.0)
    if mx <= 10:
        return 0.0, 10.0
    if mx <= 100 and mn >= 0:
        return 0.0, 100.0
    raise ParameterError.one(f"Ratings go up to {mx:g}, which is not a known rating scale",
                             "Pass the scale explicitly, e.g. scale=(0, 1000).")


def rating_to_score(values, scale="auto"):
    """Map ratings linearly onto [−1, 1] (lowest → −1, highest → +1; outside values clipped).

    ``scale``: ``"auto"`` (max ≤ 5 → 1–5, or 0–5 when a 0 occurs; max ≤ 10 → 0–10;
    max ≤ 100 → 0–100), ``"csat5"`` (1–5), ``"nps10"`` (0–10) or ``(lo, hi)``.
    Returns a Series for Series input (same index), else a float ndarray; NaN stays NaN.
    """
    index = values.index if isinstance(values, pd.Series) else None
    arr = pd.to_numeric(pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values,
                        errors="coerce").to_numpy(dtype=float)
    lo, hi = _rating_scale(arr, scale)
    out = np.clip(2.0 * (arr - lo) / (hi - lo) - 1.0, -1.0, 1.0)
    return pd.Series(out, index=index, name="score") if index is not None else out


def nps(values) -> float:
    """Net Promoter Score of 0–10 ratings: % promoters (9–10) − % detractors (0–6); NaN if none."""
    arr = pd.to_numeric(pd.Series(values, dtype=object) if not isinstance(values, pd.Series) else values,
                        errors="coerce").to_numpy(dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return float("nan")
    return float(100.0 * ((arr >= 9).sum() - (arr <= 6).sum()) / arr.size)


# ==================================================================== by-stage views

_TEXT_TABLE = "text_scores"
_FEEDBACK_VIEW = "feedback_scores"


def _columns(con) -> list[str]:
    if engine.is_spark(con):
        return con.columns()
    try:
        return store.table_columns(con)
    except duckdb.CatalogException as exc:  # no events view (other errors keep their own message)
        raise ParameterError.one("No dataset is open (the 'events' view is missing)",
                                 "Open or upload a dataset first.") from exc


def score_feedback(con, *, column: str = "feedback", lang: str = "auto", rescore: bool = False) -> dict:
    """Score the distinct feedback texts of ``events`` once and keep them in DuckDB.

    Creates (or extends) the table ``text_scores(feedback VARCHAR, score DOUBLE, label VARCHAR,
    lang VARCHAR)`` — one row per distinct non-blank text, so re-running only scores texts not
    seen before — and the view ``feedback_scores``: the event rows that carry feedback with
    ``score``, ``label`` and ``lang`` joined on the text. Returns counts
    ``{"texts": distinct texts, "scored": newly scored}``.
    """
    if engine.is_spark(con):     # scored on the executors, kept per source (cj.spark.sentiment)
        from .spark import sentiment as spark_sentiment
        return spark_sentiment.score_feedback(con, column=column, lang=lang, rescore=rescore)
    cols = _columns(con)
    if column not in cols:
        raise ParameterError.one(f"This dataset has no '{column}' column with feedback text",
                                 "Map a free-text column to 'feedback' on the upload page.", column=column)
    lang = _check_lang(lang)
    q = store.quote_ident(column)
    tbl = store.quote_ident(_TEXT_TABLE)
    if rescore:
        store.execute(con, f"DROP TABLE IF EXISTS {tbl}")
    store.execute(con, f"CREATE TABLE IF NOT EXISTS {tbl} "
                       "(feedback VARCHAR, score DOUBLE, label VARCHAR, lang VARCHAR)")
    new = store.run(con, f"""
        SELECT DISTINCT CAST(e.{q} AS VARCHAR) AS feedback
        FROM events e
        WHERE e.{q} IS NOT NULL AND trim(CAST(e.{q} AS VARCHAR)) <> ''
          AND NOT EXISTS (SELECT 1 FROM {tbl} t WHERE t.feedback = CAST(e.{q} AS VARCHAR))""")
    if len(new):
        texts = new["feedback"].tolist()
        scored = score_texts(texts, lang)
        frame = pd.DataFrame({"feedback": texts, "score": scored["score"].to_numpy(),
                              "label": scored["label"].to_numpy(), "lang": scored["lang"].to_numpy()})
        store.run(con, f"INSERT INTO {tbl} SELECT feedback, score, label, lang FROM _cj_new_scores",
                  _cj_new_scores=frame)
    clash = [c for c in ("score", "label", "lang") if c in cols]
    star = "e.*" + (" EXCLUDE (" + ", ".join(store.quote_ident(c) for c in clash) + ")" if clash else "")
    store.execute(con, f"CREATE OR REPLACE VIEW {store.quote_ident(_FEEDBACK_VIEW)} AS "
                       f"SELECT {star}, t.score, t.label, t.lang FROM events e "
                       f"JOIN {tbl} t ON t.feedback = CAST(e.{q} AS VARCHAR)")
    total = store.scalar(con, f"SELECT count(*) FROM {tbl}")
    return {"texts": int(total or 0), "scored": int(len(new))}


def _value_scale_sql(con, column: str) -> str | None:
    """SQL mapping a numeric ``column`` of events onto [−1, 1] (ratings-style), or None if empty."""
    q = store.quote_ident(column)
    st = store.run(con, f"SELECT min(TRY_CAST({q} AS DOUBLE)) AS lo, max(TRY_CAST({q} AS DOUBLE)) AS hi "
                        f"FROM events WHERE isfinite(TRY_CAST({q} AS DOUBLE))")
    if st.empty or pd.isna(st.at[0, "hi"]):
        return None
    lo, hi = _rating_scale(np.array([st.at[0, "lo"], st.at[0, "hi"]], dtype=float), "auto")
    return (f"greatest(-1.0, least(1.0, 2.0 * (TRY_CAST(e.{q} AS DOUBLE) - {lo!r}) / {hi - lo!r} - 1.0))")


@dataclass
class _Rows:
    sql: str            # SELECT … FROM events e … with _value, _source, _text_score, _rating columns
    has_text: bool
    has_rating: bool
    has_sentiment: bool
    nps_scale: bool


def _rows(con, cols: list[str]) -> _Rows:
    has_text = "feedback" in cols
    has_rating = "rating" in cols
    has_sent = "sentiment" in cols
    if has_text:
        score_feedback(con)
    exprs, sources = [], []
    sent_sql = None
    if has_sent:
        q = store.quote_ident("sentiment")
        st = store.run(con, f"SELECT min(TRY_CAST({q} AS DOUBLE)) AS lo, max(TRY_CAST({q} AS DOUBLE)) AS hi "
                            f"FROM events WHERE isfinite(TRY_CAST({q} AS DOUBLE))")
        if not st.empty and not pd.isna(st.at[0, "hi"]):
            if st.at[0, "lo"] >= -1 and st.at[0, "hi"] <= 1:
                sent_sql = f"CASE WHEN isfinite(TRY_CAST(e.{q} AS DOUBLE)) THEN TRY_CAST(e.{q} AS DOUBLE) END"
            else:
                sent_sql = f"CASE WHEN isfinite(TRY_CAST(e.{q} AS DOUBLE)) THEN {_value_scale_sql(con, 'sentiment')} END"
    rating_sql = None
    nps_scale = False
    if has_rating:
        qr = store.quote_ident("rating")
        rating_sql = _value_scale_sql(con, "rating")
        if rating_sql is not None:
            rating_sql = f"CASE WHEN isfinite(TRY_CAST(e.{qr} AS DOUBLE)) THEN {rating_sql} END"
            hi = store.scalar(con, f"SELECT max(TRY_CAST({qr} AS DOUBLE)) FROM events "
                                   f"WHERE isfinite(TRY_CAST({qr} AS DOUBLE))")
            nps_scale = hi is not None and 5 < float(hi) <= 10
    text_sql = "t.score" if has_text else None
    for expr, name in ((sent_sql, "sentiment column"), (text_sql, "text"), (rating_sql, "rating")):
        if expr is not None:
            exprs.append(expr)
            sources.append((expr, name))
    value = f"COALESCE({', '.join(exprs)})" if exprs else "CAST(NULL AS DOUBLE)"
    source = ("CASE " + " ".join(f"WHEN ({e}) IS NOT NULL THEN '{n}'" for e, n in sources) + " END") \
        if sources else "CAST(NULL AS VARCHAR)"
    rating_raw = (f"CASE WHEN isfinite(TRY_CAST(e.{store.quote_ident('rating')} AS DOUBLE)) "
                  f"THEN TRY_CAST(e.{store.quote_ident('rating')} AS DOUBLE) END") if rating_sql else "CAST(NULL AS DOUBLE)"
    join = (f"LEFT JOIN {store.quote_ident(_TEXT_TABLE)} t "
            f"ON t.feedback = CAST(e.{store.quote_ident('feedback')} AS VARCHAR)") if has_text else ""
    sql = (f"SELECT e.*, {value} AS _value, {source} AS _source, "
           f"{text_sql or 'CAST(NULL AS DOUBLE)'} AS _text_score, {rating_raw} AS _rating "
           f"FROM events e {join}")
    return _Rows(sql, has_text, rating_sql is not None, sent_sql is not None, nps_scale)


def _where(filters: dict | None, cols: list[str]) -> tuple[str, list]:
    """``WHERE`` for ``{column: value or list of values}`` (values bound)."""
    if not filters:
        return "", []
    conds, params = [], []
    for col, val in filters.items():
        if col not in cols:
            raise ParameterError.one(f"Cannot filter on '{col}': the dataset has no such column",
                                     "Pick one of: " + ", ".join(cols), column=col)
        q = store.quote_ident(col)
        if isinstance(val, (list, tuple, set, frozenset, np.ndarray, pd.Series)):
            vals = list(val)
            if not vals:
                conds.append("FALSE")
                continue
            conds.append(f"CAST({q} AS VARCHAR) IN ({', '.join('?' for _ in vals)})")
            params.extend(_filter_str(v) for v in vals)
        elif val is None:
            conds.append(f"{q} IS NULL")
        else:
            conds.append(f"CAST({q} AS VARCHAR) = ?")
            params.append(_filter_str(val))
    return " WHERE " + " AND ".join(conds), params


def _filter_str(v) -> str:
    return str(v).lower() if isinstance(v, (bool, np.bool_)) else str(v)


def _t_ci(mean: float, sd: float, n: int) -> tuple[float, float]:
    if n < 2 or not np.isfinite(sd):
        return float("nan"), float("nan")
    from scipy import stats
    half = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return mean - half, mean + half


def _aggregates(con, cols: list[str], by: str, filters: dict | None) -> tuple[pd.DataFrame, bool]:
    """Per group of ``by`` the raw aggregates :func:`sentiment_by` turns into its table, and whether
    ratings are on a 0-10 (NPS) scale. One DuckDB query; the Spark twin is
    :func:`cj.spark.sentiment.sentiment_aggregates`."""
    rows = _rows(con, cols)
    where, params = _where(filters, cols)
    g = store.quote_ident(by)
    agg = store.run(con, f"""
        WITH r AS ({rows.sql})
        SELECT {g} AS grp,
               count(_value) AS n,
               count(_text_score) AS n_texts,
               avg(_value) AS mean,
               stddev_samp(_value) AS sd,
               avg(CASE WHEN _value < {NEGATIVE_THRESHOLD} THEN 1.0 WHEN _value IS NOT NULL THEN 0.0 END) AS share_negative,
               avg(CASE WHEN _value >= {NEGATIVE_THRESHOLD} AND _value <= {POSITIVE_THRESHOLD} THEN 1.0
                        WHEN _value IS NOT NULL THEN 0.0 END) AS share_neutral,
               avg(CASE WHEN _value > {POSITIVE_THRESHOLD} THEN 1.0 WHEN _value IS NOT NULL THEN 0.0 END) AS share_positive,
               avg(_rating) AS mean_rating,
               count(_rating) AS n_ratings,
               count(*) FILTER (WHERE _rating >= 9) AS promoters,
               count(*) FILTER (WHERE _rating <= 6) AS detractors,
               count(*) FILTER (WHERE _source = 'sentiment column') AS n_src_sentiment,
               count(*) FILTER (WHERE _source = 'text') AS n_src_text,
               count(*) FILTER (WHERE _source = 'rating') AS n_src_rating,
               {"min(timestamp)" if "timestamp" in cols else "NULL"} AS first_seen
        FROM r {where}
        GROUP BY 1""", params or None)
    return agg, rows.nps_scale


def sentiment_by(con, *, by: str = "stage", stage_order: Sequence[str] | None = None,
                 filters: dict | None = None) -> pd.DataFrame:
    """Sentiment per group of ``by`` (default: stage).

    Every event row gets one value by precedence — explicit ``sentiment`` column (assumed in
    [−1, 1]; other ranges are mapped like ratings) > feedback text score > rating mapped with
    :func:`rating_to_score` — and per group the frame has: ``n`` (rows with a value),
    ``n_texts`` (rows with scored feedback text), ``mean`` with a 95% t-interval
    (``ci_low``, ``ci_high``; NaN when n < 2), ``share_negative``/``share_neutral``/
    ``share_positive`` (by the ±0.05 thresholds), ``mean_rating``, ``nps`` (only for 0–10
    ratings), and ``source``: where most of the group's values came from ("sentiment column",
    "text" or "rating"). ``filters`` is ``{column: value or list of values}``. Groups follow
    ``stage_order`` (missing stages included with n = 0), else the default journey order.
    """
    cols = _columns(con)
    if by not in cols:
        raise ParameterError.one(f"Cannot group sentiment by '{by}': the dataset has no such column",
                                 "Pick one of: " + ", ".join(cols), column=by)
    if engine.is_spark(con):     # the same aggregates computed on Spark (cj.spark.sentiment)
        from .spark import sentiment as spark_sentiment
        agg, nps_scale = spark_sentiment.sentiment_aggregates(con, by=by, filters=filters)
    else:
        agg, nps_scale = _aggregates(con, cols, by, filters)
    out_cols = [by, "n", "n_texts", "mean", "ci_low", "ci_high", "share_negative", "share_neutral",
                "share_positive", "mean_rating", "nps", "source"]
    records = []
    for _, r in agg.iterrows():
        n = int(r["n"])
        mean = float(r["mean"]) if n else float("nan")
        lo, hi = _t_ci(mean, float(r["sd"]) if pd.notna(r["sd"]) else float("nan"), n)
        srcs = [("sentiment column", int(r["n_src_sentiment"])), ("text", int(r["n_src_text"])),
                ("rating", int(r["n_src_rating"]))]
        best = max(srcs, key=lambda s: s[1])  # ties keep the precedence order
        n_r = int(r["n_ratings"])
        records.append({
            by: r["grp"], "n": n, "n_texts": int(r["n_texts"]), "mean": mean, "ci_low": lo, "ci_high": hi,
            "share_negative": float(r["share_negative"]) if n else float("nan"),
            "share_neutral": float(r["share_neutral"]) if n else float("nan"),
            "share_positive": float(r["share_positive"]) if n else float("nan"),
            "mean_rating": float(r["mean_rating"]) if n_r else float("nan"),
            "nps": (100.0 * (int(r["promoters"]) - int(r["detractors"])) / n_r) if (nps_scale and n_r) else float("nan"),
            "source": best[0] if best[1] else None,
            "_first": r["first_seen"],
        })
    df = pd.DataFrame(records, columns=out_cols + ["_first"])
    df = _order_groups(df, by, stage_order)
    return df[out_cols].reset_index(drop=True)


def _order_groups(df: pd.DataFrame, by: str, stage_order) -> pd.DataFrame:
    present = [v for v in df[by].tolist()]
    if stage_order is not None:
        order = [str(s) for s in stage_order]
        have = {str(v) for v in present}
        missing = [s for s in order if s not in have]
        if missing:
            blank = {c: float("nan") for c in df.columns}
            extra = pd.DataFrame([{**blank, by: s, "n": 0, "n_texts": 0, "source": None} for s in missing],
                                 columns=df.columns)
            extra["source"] = pd.Series([None] * len(extra), dtype=object)
            df = pd.concat([df.astype({"source": object}), extra], ignore_index=True) if len(df) else extra
        rank = {s: i for i, s in enumerate(order)}
        key = df[by].map(lambda v: (rank.get(str(v), len(rank)), str(v)))
        return df.iloc[sorted(range(len(df)), key=lambda i: key.iloc[i])]
    if by == "stage":
        try:
            from .schema import default_stage_order
            order = default_stage_order([str(v) for v in present if v is not None])
            rank = {s: i for i, s in enumerate(order)}
            return df.iloc[sorted(range(len(df)), key=lambda i: (rank.get(str(df[by].iloc[i]), len(rank)),
                                                                 str(df[by].iloc[i])))]
        except Exception:  # schema not importable: fall back to first-seen time
            return df.sort_values("_first", kind="stable", na_position="last")
    return df.iloc[sorted(range(len(df)), key=lambda i: str(df[by].iloc[i]))]


# ---------------------------------------------------------------------- pain points

_EN_STOP = frozenset("""a an the and or of to in on at for with by from as is are was were be been being am it its it's
this that these those i me my we our you your he she they them their his her him us i'm i've i'd i'll you're
we're they're there here so then than too very just also only even still have has had having do does did
doing will would can could should shall may might must if when while where which who whom what why how all
any each some such no not nor own same other more most much many few again once about into over under up
down out off after before during through above below between both because until against further s t don
doesn't didn't isn't wasn't aren't weren't won't can't cannot one two get got gets really quite rather
please thanks thank ok okay yes yeah oh well""".split())
_RU_STOP = frozenset("""и в во не что он на я с со как а то все всё она так его но да ты к у же вы за бы по только ее её
мне было вот от меня еще ещё нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был него до
вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для мы тебя их чем
была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним
здесь этом один почти мой тем чтобы нее неё сейчас были куда зачем всех никогда можно при наконец два об
другой хоть после над больше тот через эти нас про всего них какая много разве три эту моя впрочем
хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда конечно всю между это эта
очень просто было бы весь вся всё мы наш наша наши ваш ваша ваши свой своя свои""".split())
_ZH_EDGE = frozenset("的了是我你他她它们很也都就在有和与及这那个一不没吗呢吧啊呀哦嗯还又把被给让对从到为着过地得么之其而且或")
_QUOTE_MAX = 200


def _doc_phrases(text: str, lang: str) -> set:
    """Distinct 1–3-word n-grams (en/ru) or 2–4-character n-grams (zh) of one text."""
    out: set = set()
    if lang == "zh" or (lang == "unknown" and _SCRIPT_RUN.search(text) and detect_lang(text) == "zh"):
        for run in re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+", text):
            m = len(run)
            for n in (2, 3, 4):
                for i in range(m - n + 1):
                    g = run[i:i + n]
                    if g[0] in _ZH_EDGE or g[-1] in _ZH_EDGE:
                        continue
                    out.add(g)
        # Latin/Cyrillic words mixed into Chinese text still count as words
        rest = re.sub(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+", " ", text)
        if rest.strip():
            out |= _word_ngrams(rest, "en")
        return out
    return _word_ngrams(text, "ru" if lang == "ru" else "en")


def _word_ngrams(text: str, lang: str) -> set:
    out: set = set()
    low = text.lower().replace("ё", "е")
    stop = _RU_STOP | _EN_STOP
    for chunk in re.split(r"[.!?;:,()\[\]\"«»\n\u2026\u2013\u2014/]+", low):
        words = re.findall(r"[0-9a-z\u00c0-\u024f\u0430-\u044f]+(?:['\-][0-9a-z\u00c0-\u024f\u0430-\u044f]+)*", chunk)
        m = len(words)
        for n in (1, 2, 3):
            for i in range(m - n + 1):
                g = words[i:i + n]
                if g[0] in stop or g[-1] in stop or (n == 1 and len(g[0]) < 3) or g[0].isdigit() or g[-1].isdigit():
                    continue
                out.add(" ".join(g))
    return out


def _quote(text: str) -> str:
    s = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", str(text))
    s = " ".join(s.split())
    return s if len(s) <= _QUOTE_MAX else s[:_QUOTE_MAX - 1].rstrip() + "…"


def pain_points(con, *, stage: str, top: int = 10, by: str = "stage", min_count: int = 2,
                max_texts: int = 50_000) -> pd.DataFrame:
    """Phrases over-represented in the negative feedback of one stage.

    Texts of the stage are split into negative (value < −0.05, same precedence as
    :func:`sentiment_by`) and the rest; every text contributes each of its distinct phrases once
    (1–3-word n-grams for EN/RU, 2–4-character n-grams for ZH, n-grams may not start or end
    with a stop word). Phrases are ranked by the log-odds ratio with an informative Dirichlet
    prior (Monroe, Colaresi & Quinn 2008; prior = the stage's own phrase frequencies), keeping
    positive z-scores and phrases found in at least ``min_count`` negative texts; shorter
    phrases mostly occurring inside a kept longer one are folded into it. Columns: ``phrase``,
    ``count`` (negative texts with it), ``count_other``, ``share_negative`` (of negative texts),
    ``share_other``, ``z`` and ``examples`` (up to two plain-text quotes, never HTML; escape
    them when rendering). At most ``max_texts`` texts are read (a repeatable sample beyond).
    """
    return pain_points_by_stage(con, stages=[stage], top=top, by=by, min_count=min_count,
                                max_texts=max_texts)[str(stage)]


_PAIN_COLUMNS = ["phrase", "count", "count_other", "share_negative", "share_other", "z", "examples"]


def pain_points_by_stage(con, *, stages: Sequence[str], top: int = 10, by: str = "stage", min_count: int = 2,
                         max_texts: int = 50_000) -> dict[str, pd.DataFrame]:
    """:func:`pain_points` of several stages, in one query for all of them.

    Returns ``{stage: frame}`` (every stage asked for, as text); each frame equals
    ``pain_points(con, stage=stage, ...)``. Of a stage with more than ``max_texts`` texts, a repeatable
    sample of ``max_texts`` is read: the first by a hash of the text, its time and value (the same rows
    on every run and thread count).
    """
    if engine.is_spark(con):
        raise ParameterError.one("Pain points runs on DuckDB only",
                                 "Open the dataset with the DuckDB engine (the default) for this view.")
    cols = _columns(con)
    if "feedback" not in cols:
        raise ParameterError.one("This dataset has no 'feedback' column, so there are no phrases to find",
                                 "Map a free-text column to 'feedback' on the upload page.", column="feedback")
    if by not in cols:
        raise ParameterError.one(f"The dataset has no '{by}' column", "Pick a stage column.", column=by)
    wanted = list(dict.fromkeys(str(s) for s in stages))
    rows = _rows(con, cols)
    g = store.quote_ident(by)
    ts = "timestamp" if "timestamp" in cols else "NULL"
    # rk: the text's place in its stage's repeatable sample (all texts when the stage has no more than
    # max_texts of them)
    df = store.run(con, f"""
        WITH r AS ({rows.sql}), s AS (
            SELECT CAST({g} AS VARCHAR) AS stage, CAST(feedback AS VARCHAR) AS feedback, _value AS value,
                   {ts} AS timestamp
            FROM r WHERE list_contains($stages, CAST({g} AS VARCHAR)) AND _text_score IS NOT NULL),
        k AS (SELECT *, row_number() OVER (PARTITION BY stage ORDER BY hash(feedback, timestamp, value),
                                                                        feedback, timestamp, value) AS rk FROM s)
        SELECT k.stage, k.feedback, k.value, t.lang FROM k
        JOIN {store.quote_ident(_TEXT_TABLE)} t ON t.feedback = k.feedback
        WHERE k.rk <= $max_texts
        ORDER BY k.stage, k.timestamp, k.feedback""", {"stages": wanted, "max_texts": int(max_texts)})
    texts = {stage: part.reset_index(drop=True) for stage, part in df.groupby("stage", sort=False)}
    return {s: _rank_phrases(texts.get(s), top=top, min_count=min_count) for s in wanted}


def _rank_phrases(df: pd.DataFrame | None, *, top: int, min_count: int) -> pd.DataFrame:
    """The ranking of :func:`pain_points` on one stage's texts (columns feedback, value, lang)."""
    out_cols = _PAIN_COLUMNS
    if df is None or df.empty:
        return pd.DataFrame(columns=out_cols)
    neg = (df["value"].to_numpy(dtype=float) < NEGATIVE_THRESHOLD)
    if not neg.any():
        return pd.DataFrame(columns=out_cols)
    texts = df["feedback"].tolist()
    langs = df["lang"].tolist()
    # phrases per distinct text (texts repeat across customers)
    cache: dict = {}
    docs = []
    for t, l in zip(texts, langs):
        key = (t, l)
        p = cache.get(key)
        if p is None:
            p = _doc_phrases(t, l)
            cache[key] = p
        docs.append(p)
    if not any(docs):                # e.g. only emoji: negative, but no phrase to rank (CountVectorizer raises)
        return pd.DataFrame(columns=out_cols)
    from sklearn.feature_extraction.text import CountVectorizer
    vec = CountVectorizer(analyzer=lambda d: d, binary=True, lowercase=False)
    X = vec.fit_transform(docs).tocsc()
    vocab = np.asarray(vec.get_feature_names_out(), dtype=object)
    y_neg = np.asarray(X[neg].sum(axis=0)).ravel().astype(float)
    y_oth = np.asarray(X[~neg].sum(axis=0)).ravel().astype(float)
    keep = y_neg >= max(1, int(min_count))
    if not keep.any():
        return pd.DataFrame(columns=out_cols)
    total = y_neg + y_oth
    a0 = 0.05 * total.sum()                      # prior strength (scaled corpus frequencies)
    alpha = a0 * total / total.sum()
    n_neg, n_oth = y_neg.sum(), y_oth.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        l_neg = np.log((y_neg + alpha) / (n_neg + a0 - y_neg - alpha))
        l_oth = np.log((y_oth + alpha) / (n_oth + a0 - y_oth - alpha))
        z = (l_neg - l_oth) / np.sqrt(1.0 / (y_neg + alpha) + 1.0 / (y_oth + alpha))
    cand = np.where(keep & (z > 0) & np.isfinite(z))[0]
    cand = cand[np.argsort(-z[cand], kind="stable")]
    # fold sub-phrases into longer phrases that carry (almost) all of their negative texts
    chosen: list = []
    by_len = sorted(cand, key=lambda i: -len(vocab[i]))
    absorbed = set()
    for i in by_len:
        if i in absorbed:
            continue
        for j in cand:
            if j != i and j not in absorbed and len(vocab[j]) < len(vocab[i]) and _contains(vocab[i], vocab[j]) \
                    and y_neg[i] >= 0.7 * y_neg[j]:
                absorbed.add(j)
    for i in cand:
        if i not in absorbed:
            chosen.append(i)
        if len(chosen) >= top:
            break
    n_neg_docs = int(neg.sum())
    n_oth_docs = int((~neg).sum())
    neg_idx = np.where(neg)[0]
    records = []
    for i in chosen:
        col = X[:, i]
        rows_with = set(col.indices.tolist())
        ex: list = []
        for d in neg_idx:
            if d in rows_with:
                q = _quote(texts[d])
                if q not in ex:
                    ex.append(q)
                if len(ex) == 2:
                    break
        records.append({"phrase": vocab[i], "count": int(y_neg[i]), "count_other": int(y_oth[i]),
                        "share_negative": y_neg[i] / n_neg_docs,
                        "share_other": (y_oth[i] / n_oth_docs) if n_oth_docs else float("nan"),
                        "z": float(z[i]), "examples": ex})
    return pd.DataFrame(records, columns=out_cols)


def _contains(long: str, short: str) -> bool:
    if " " in long or " " in short:
        return f" {short} " in f" {long} "
    return short in long


# ------------------------------------------------------------- drop-off after negative

def drop_after_negative(con, *, stage_order: Sequence[str]) -> pd.DataFrame:
    """Drop-off after each stage for customers who were negative at it vs the others.

    For each stage except the last: customers with an event at the stage; *negative* ones had
    at least one row at that stage with a value below −0.05 (same precedence as
    :func:`sentiment_by`), *other* ones did not (including those who left no feedback). A
    customer *dropped* if they have no event at the next stage at or after their first event
    at this stage. Columns: ``stage``, ``next_stage``, ``n_negative``, ``dropped_negative``,
    ``drop_rate_negative``, ``n_other``, ``dropped_other``, ``drop_rate_other``,
    ``difference`` (negative − other rate), ``chi2`` and ``p_value`` (Pearson chi-square on the
    2×2 table without continuity correction; NaN when a row or column is empty).
    """
    if engine.is_spark(con):
        raise ParameterError.one("Drop after negative runs on DuckDB only",
                                 "Open the dataset with the DuckDB engine (the default) for this view.")
    order = [str(s) for s in (stage_order or [])]
    out_cols = ["stage", "next_stage", "n_negative", "dropped_negative", "drop_rate_negative", "n_other",
                "dropped_other", "drop_rate_other", "difference", "chi2", "p_value"]
    if len(order) < 2:
        return pd.DataFrame(columns=out_cols)
    if len(set(order)) != len(order):
        raise ParameterError.one("The stage order lists a stage twice", "List each stage once.")
    cols = _columns(con)
    for c in ("customer_id", "timestamp", "stage"):
        if c not in cols:
            raise ParameterError.one(f"The dataset has no '{c}' column", "Map it on the upload page.", column=c)
    rows = _rows(con, cols)
    pairs = pd.DataFrame({"idx": range(len(order) - 1), "stage": order[:-1], "next_stage": order[1:]})
    res = store.run(con, f"""
        WITH r AS ({rows.sql}),
        cs AS (
            SELECT customer_id, CAST(stage AS VARCHAR) AS stage, min(timestamp) AS first_ts, max(timestamp) AS last_ts,
                   bool_or(_value < {NEGATIVE_THRESHOLD}) AS neg
            FROM r WHERE CAST(stage AS VARCHAR) IN (SELECT stage FROM _cj_order UNION SELECT next_stage FROM _cj_order)
            GROUP BY 1, 2)
        SELECT p.idx, p.stage, p.next_stage, coalesce(a.neg, FALSE) AS neg, count(*) AS n,
               count(*) FILTER (WHERE b.customer_id IS NULL) AS dropped
        FROM _cj_order p
        JOIN cs a ON a.stage = p.stage
        LEFT JOIN cs b ON b.customer_id = a.customer_id AND b.stage = p.next_stage AND b.last_ts >= a.first_ts
        GROUP BY 1, 2, 3, 4""", _cj_order=pairs)
    from scipy.stats import chi2_contingency
    records = []
    for _, p in pairs.iterrows():
        sub = res[res["idx"] == p["idx"]]
        def pick(flag, col):
            v = sub.loc[sub["neg"] == flag, col]
            return int(v.iloc[0]) if len(v) else 0
        n_neg, d_neg = pick(True, "n"), pick(True, "dropped")
        n_oth, d_oth = pick(False, "n"), pick(False, "dropped")
        table = np.array([[d_neg, n_neg - d_neg], [d_oth, n_oth - d_oth]], dtype=float)
        chi2 = pval = float("nan")
        if (table.sum(axis=0) > 0).all() and (table.sum(axis=1) > 0).all():
            c, pv, _, _ = chi2_contingency(table, correction=False)
            chi2, pval = float(c), float(pv)
        r_neg = d_neg / n_neg if n_neg else float("nan")
        r_oth = d_oth / n_oth if n_oth else float("nan")
        records.append({"stage": p["stage"], "next_stage": p["next_stage"], "n_negative": n_neg,
                        "dropped_negative": d_neg, "drop_rate_negative": r_neg, "n_other": n_oth,
                        "dropped_other": d_oth, "drop_rate_other": r_oth, "difference": r_neg - r_oth,
                        "chi2": chi2, "p_value": pval})
    return pd.DataFrame(records, columns=out_cols)


# ------------------------------------------------------------------ adapt to ratings

def _adapt_analyzer(text: str) -> list:
    lang = detect_lang(text)
    if lang == "zh":
        return sorted(_doc_phrases(text, "zh"))
    low = text.lower().replace("ё", "е")
    words = re.findall(r"[0-9a-z\u00c0-\u024f\u0430-\u044f]+(?:['\-][0-9a-z\u00c0-\u024f\u0430-\u044f]+)*", low)
    return words + [a + " " + b for a, b in zip(words, words[1:])]


@dataclass
class AdaptedScorer:
    """Lexicon score blended with a model fitted on the user's own rated texts.

    ``score = weight · lexicon + (1 − weight) · (2·P(positive) − 1)``; ``weight`` was chosen
    by cross-validation on the training texts (``cv`` holds the balanced accuracy of each
    candidate weight) unless given.
    """

    model: object
    weight: float
    lang: str = "auto"
    cv: dict = field(default_factory=dict)
    n_train: int = 0

    def score_texts(self, texts: Sequence[str]) -> pd.DataFrame:
        texts = [_clean(t) for t in texts]
        lex = score_texts(texts, self.lang)
        proba = self.model.predict_proba(texts)[:, 1] if len(texts) else np.array([])
        blended = self.weight * lex["score"].to_numpy() + (1 - self.weight) * (2 * proba - 1)
        blended = np.where([not t.strip() for t in texts], 0.0, blended)
        out = lex.copy()
        out["score"] = blended
        out["label"] = [label_for(s) for s in blended]
        return out


def adapt_to_ratings(texts: Sequence[str], ratings, *, scale="auto", weight: float | None = None,
                     lang: str = "auto", seed: int = 0) -> AdaptedScorer:
    """Fit TF-IDF + logistic regression on texts that come with ratings, blended with the lexicon.

    Ratings are mapped with :func:`rating_to_score`; texts rated above the middle are positive,
    below negative (middle ratings and blank texts are left out). Needs at least 10 texts of
    each kind. Nothing leaves the machine; the model lives only in the returned object.
    """
    texts = [_clean(t) for t in texts]
    r = rating_to_score(pd.Series(list(ratings), dtype=object), scale).to_numpy()
    if len(texts) != len(r):
        raise ParameterError.one("texts and ratings have different lengths", "Pass one rating per text.")
    use = np.array([bool(t.strip()) for t in texts]) & np.isfinite(r) & (r != 0)
    X = [t for t, u in zip(texts, use) if u]
    y = (r[use] > 0).astype(int)
    if y.sum() < 10 or (len(y) - y.sum()) < 10:
        raise ParameterError.one("Too few rated texts to learn from",
                                 "At least 10 texts rated above and 10 rated below the middle of the scale are needed.")
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline

    def make():
        return make_pipeline(TfidfVectorizer(analyzer=_adapt_analyzer, sublinear_tf=True, min_df=1),
                             LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000))
    lex = score_texts(X, lang)["score"].to_numpy()
    cv: dict = {}
    if weight is None:
        grid = (0.0, 0.25, 0.5, 0.75, 1.0)
        oof = np.zeros(len(y))
        skf = StratifiedKFold(n_splits=min(5, int(min(y.sum(), len(y) - y.sum()))), shuffle=True, random_state=seed)
        for tr, te in skf.split(np.zeros(len(y)), y):
            m = make().fit([X[i] for i in tr], y[tr])
            oof[te] = m.predict_proba([X[i] for i in te])[:, 1]
        for w in grid:
            s = w * lex + (1 - w) * (2 * oof - 1)
            cv[w] = float(balanced_accuracy_score(y, (s > 0).astype(int)))
        weight = max(grid, key=lambda w: (round(cv[w], 4), w))
    model = make().fit(X, y)
    return AdaptedScorer(model=model, weight=float(weight), lang=lang, cv=cv, n_train=len(y))
