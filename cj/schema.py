"""The canonical event model, default stages with synonyms, and column detection.

Headers are recognised in English, Russian and Chinese, by name first and by
the values in the column second. Stage values are normalised to the canonical
English keys (``awareness`` …) so the six default stages line up whatever
language the file was written in; unknown stage values are kept as written.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# (name, required, kind, meaning) — the data contract of DESIGN.md.
CANONICAL_COLUMNS: tuple[tuple[str, bool, str, str], ...] = (
    ("customer_id", True, "string", "who: customer / user / client id"),
    ("timestamp", True, "timestamp", "when (converted to UTC)"),
    ("stage", False, "string", "journey stage (or derived from event through a mapping)"),
    ("event", False, "string", "raw action, e.g. page_view, add_to_cart"),
    ("touchpoint", False, "string", "channel: ad, website, email, social, store, support, …"),
    ("experiment", False, "string", "experiment name"),
    ("variant", False, "string", "A/B variant"),
    ("revenue", False, "number", "money on the event"),
    ("rating", False, "number", "CSAT 1–5, NPS 0–10 or similar"),
    ("feedback", False, "string", "free text in EN/RU/ZH"),
    ("session_id", False, "string", "session"),
    ("sentiment", False, "number", "an explicit sentiment score in [-1, 1]"),
)
CANONICAL = tuple(c[0] for c in CANONICAL_COLUMNS)
REQUIRED = tuple(c[0] for c in CANONICAL_COLUMNS if c[1])
NUMERIC = tuple(c[0] for c in CANONICAL_COLUMNS if c[2] == "number")

HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_id": (
        "customer_id", "customer", "customerid", "cust_id", "client_id", "client", "clientid", "user_id", "user",
        "userid", "uid", "visitor_id", "visitor", "member_id", "account_id", "person_id", "contact_id", "id_customer",
        "customer_number", "customer_no", "distinct_id", "anonymous_id",
        "клиент", "id_клиента", "идентификатор_клиента", "пользователь", "id_пользователя", "номер_клиента",
        "код_клиента", "покупатель", "посетитель", "клиент_id", "user_id_клиента",
        "用户id", "用户", "客户编号", "客户id", "客户", "顾客id", "顾客", "会员id", "会员", "用户编号", "访客id",
    ),
    "timestamp": (
        "timestamp", "time", "datetime", "date", "date_time", "event_time", "event_timestamp", "ts", "created_at",
        "occurred_at", "event_date", "when", "time_stamp", "eventtime",
        "дата", "время", "дата_время", "дата_и_время", "время_события", "дата_события", "момент",
        "时间", "日期", "时间戳", "事件时间", "发生时间", "日期时间", "创建时间",
    ),
    "stage": (
        "stage", "journey_stage", "funnel_stage", "cj_stage", "step", "phase", "lifecycle_stage",
        "этап", "стадия", "этап_пути", "шаг", "фаза", "этап_воронки",
        "阶段", "旅程阶段", "环节", "漏斗阶段", "步骤",
    ),
    "event": (
        "event", "action", "event_name", "event_type", "activity", "interaction", "eventname",
        "событие", "действие", "тип_события", "активность",
        "事件", "行为", "动作", "事件名称", "事件类型", "操作",
    ),
    "touchpoint": (
        "touchpoint", "channel", "source", "medium", "utm_source", "utm_medium", "acquisition_channel", "touch_point",
        "канал", "точка_контакта", "источник",
        "渠道", "触点", "接触点", "来源", "频道",
    ),
    "experiment": ("experiment", "experiment_name", "test", "ab_test", "test_name",
                   "эксперимент", "тест", "实验", "实验名称", "测试"),
    "variant": ("variant", "variation", "group", "arm", "ab_group", "test_group", "bucket", "treatment",
                "вариант", "группа", "版本", "变体", "实验组", "分组", "组别"),
    "revenue": ("revenue", "amount", "value", "price", "order_value", "sales", "total", "sum", "spend", "gmv",
                "выручка", "сумма", "доход", "стоимость", "цена", "сумма_заказа",
                "收入", "金额", "销售额", "订单金额", "价格", "营收"),
    "rating": ("rating", "score", "csat", "nps", "stars", "satisfaction", "review_score",
               "оценка", "рейтинг", "балл", "удовлетворенность",
               "评分", "评价分", "满意度", "星级", "打分"),
    "feedback": ("feedback", "comment", "comments", "review", "text", "review_text", "message", "opinion", "verbatim",
                 "отзыв", "комментарий", "текст", "мнение", "текст_отзыва",
                 "反馈", "评论", "评价", "意见", "留言", "文本"),
    "session_id": ("session_id", "session", "sessionid", "visit_id", "сессия", "id_сессии", "визит", "会话id", "会话", "访问id"),
    "sentiment": ("sentiment", "sentiment_score", "тональность", "настроение", "情感", "情绪", "情感得分"),
}

# The six default stages (seeds: customer-journey mapping practice) and their synonyms.
DEFAULT_STAGES: tuple[str, ...] = ("awareness", "interest", "consideration", "purchase", "loyalty", "advocacy")
STAGE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "awareness": ("awareness", "aware", "discovery", "discover", "attention", "reach",
                  "осознание", "осведомленность", "осведомлённость", "узнавание", "знакомство", "внимание",
                  "认知", "认识", "知晓", "意识", "发现", "关注"),
    "interest": ("interest", "interested", "engagement", "engage", "research",
                 "интерес", "заинтересованность", "вовлечение", "兴趣", "感兴趣", "興趣"),
    "consideration": ("consideration", "consider", "evaluation", "evaluate", "intent", "comparison", "desire",
                      "рассмотрение", "оценка", "сравнение", "желание", "考虑", "考慮", "评估", "比较", "欲望"),
    "purchase": ("purchase", "buy", "conversion", "convert", "order", "checkout", "transaction", "sale", "action",
                 "покупка", "заказ", "оплата", "конверсия", "приобретение",
                 "购买", "購買", "下单", "购物", "转化", "成交", "支付"),
    "loyalty": ("loyalty", "retention", "repeat", "repeat_purchase", "retain", "loyal",
                "лояльность", "удержание", "повторная_покупка", "忠诚", "忠誠", "留存", "复购", "回购"),
    "advocacy": ("advocacy", "advocate", "referral", "recommendation", "recommend", "promotion",
                 "рекомендация", "рекомендации", "адвокация", "пропаганда", "推荐", "推薦", "口碑", "拥护", "传播"),
}


def norm_header(name: object) -> str:
    """Normalise a header for matching: NFKC, lower case, separators to ``_``."""
    s = unicodedata.normalize("NFKC", str(name)).replace("\ufeff", "").strip().lower()
    s = s.replace("ё", "е")
    s = re.sub(r"[\s\-./:#()\[\]]+", "_", s)
    return s.strip("_")


def _norm_value(value: object) -> str:
    s = unicodedata.normalize("NFKC", str(value)).strip().lower().replace("ё", "е")
    return re.sub(r"[\s\-]+", "_", s)


_HEADER_INDEX = {norm_header(syn): canon for canon, syns in HEADER_SYNONYMS.items() for syn in syns}
_STAGE_INDEX = {_norm_value(syn): canon for canon, syns in STAGE_SYNONYMS.items() for syn in syns}


def canonical_stage(value: object) -> str | None:
    """The canonical stage key for a value in any of EN/RU/ZH, else None."""
    if value is None:
        return None
    return _STAGE_INDEX.get(_norm_value(value))


def normalise_stage(value: object) -> object:
    """Canonical key when the value is a known stage synonym, else the value as written."""
    if value is None:
        return None
    return canonical_stage(value) or str(value).strip()


@dataclass(frozen=True)
class Detection:
    """Result of :func:`detect_mapping`."""

    mapping: dict          # canonical -> source column
    reasons: dict          # canonical -> "header" | "values"
    unmapped: tuple        # source columns kept as extra dimensions


def detect_mapping(columns: list[str], samples: dict[str, list] | None = None) -> Detection:
    """Map source columns onto canonical ones.

    By header name first (exact synonym, then a synonym contained in the
    header, e.g. ``ID клиента`` or ``order_total_revenue``), then by values for
    required columns still missing: a column most of whose values are
    timestamps becomes ``timestamp``; a column most of whose values are stage
    synonyms becomes ``stage``.
    """
    samples = samples or {}
    mapping: dict[str, str] = {}
    reasons: dict[str, str] = {}
    used: set[str] = set()
    # Pass 1: exact synonym.
    for col in columns:
        canon = _HEADER_INDEX.get(norm_header(col))
        if canon and canon not in mapping and col not in used:
            mapping[canon], reasons[canon] = col, "header"
            used.add(col)
    # Pass 2: a synonym contained in the header (longest synonym wins).
    for col in columns:
        if col in used:
            continue
        h = norm_header(col)
        best = None
        for syn, canon in _HEADER_INDEX.items():
            if canon in mapping or len(syn) < 2:
                continue
            # whole '_'-separated words (plain string search: ~10x faster than a regex per pair,
            # which made a 10,000-column file take seconds here)
            if f"_{syn}_" in f"_{h}_" or (not syn.isascii() and syn in h):
                if best is None or len(syn) > len(best[0]):
                    best = (syn, canon)
        if best:
            mapping[best[1]], reasons[best[1]] = col, "header"
            used.add(col)
    # Pass 3: by values.
    from .timeparse import looks_like_timestamps  # local import: schema stays a leaf for most callers

    if "timestamp" not in mapping:
        for col in columns:
            if col not in used and looks_like_timestamps(samples.get(col, [])):
                mapping["timestamp"], reasons["timestamp"] = col, "values"
                used.add(col)
                break
    if "stage" not in mapping:
        for col in columns:
            vals = [v for v in samples.get(col, []) if v not in (None, "")]
            if col not in used and vals and sum(canonical_stage(v) is not None for v in vals) >= 0.6 * len(vals):
                mapping["stage"], reasons["stage"] = col, "values"
                used.add(col)
                break
    unmapped = tuple(c for c in columns if c not in used)
    return Detection(mapping, reasons, unmapped)


def default_stage_order(present: list[str]) -> list[str]:
    """Default stages that occur, in canonical order, then the others as given."""
    known = [s for s in DEFAULT_STAGES if s in present]
    return known + [s for s in present if s not in DEFAULT_STAGES]


def stage_counts(value_counts, stage_of: dict, stage_order=None) -> dict[str, int]:
    """Rows per saved stage, in the dataset's stage order, for the quality report.

    ``value_counts``: ``(raw stage value, rows)`` pairs; ``stage_of``: raw value -> saved stage (None:
    no stage). Raw values that map to the same stage are added up; rows without a stage are counted
    under ``"(none)"``, last. The order is ``stage_order`` (stages that occur), then the default
    stages that occur, then the others by count (largest first) when there is no ``stage_order``.
    """
    per_stage: dict[str, int] = {}
    for v, n in value_counts:
        key = stage_of.get(v) if v is not None and v == v else None      # v == v: not NaN
        key = "(none)" if key is None else str(key)
        per_stage[key] = per_stage.get(key, 0) + int(n)
    present = [s for s in per_stage if s != "(none)"]
    if stage_order:
        order = [s for s in stage_order if s in present] + [s for s in default_stage_order(present)
                                                          if s not in stage_order]
    else:
        order = default_stage_order(sorted(present, key=lambda s: -per_stage[s]))
    return {s: per_stage[s] for s in order + (["(none)"] if "(none)" in per_stage else [])}
