"""UI strings in English, Russian and Chinese, and number formatting per language.

``t(key, lang, **values)`` returns the string for ``lang`` (falling back to English, then to the key);
``tests/test_i18n.py`` fails when any key lacks a language. Texts from the data are never passed
through here: they are shown as they are (escaped).
"""
from __future__ import annotations

LANGS = ("en", "ru", "zh")
LANG_NAMES = {"en": "English", "ru": "Русский", "zh": "中文"}

STRINGS: dict[str, dict[str, str]] = {
    # navigation and shell
    "nav.data": {"en": "Data", "ru": "Данные", "zh": "数据"},
    "nav.funnel": {"en": "Funnel", "ru": "Воронка", "zh": "漏斗"},
    "nav.segments": {"en": "Segments", "ru": "Сегменты", "zh": "客户分群"},
    "nav.abtest": {"en": "A/B tests", "ru": "A/B-тесты", "zh": "A/B 测试"},
    "nav.sentiment": {"en": "Sentiment", "ru": "Тональность", "zh": "情感"},
    "nav.journey": {"en": "Journey map", "ru": "Карта пути", "zh": "旅程地图"},
    "side.dataset": {"en": "Dataset", "ru": "Набор данных", "zh": "数据集"},
    "side.language": {"en": "Language", "ru": "Язык", "zh": "语言"},
    "side.tagline": {"en": "cj · customer-journey analytics", "ru": "cj · аналитика клиентского пути",
                     "zh": "cj · 客户旅程分析"},
    "side.share": {"en": "Share this view", "ru": "Поделиться видом", "zh": "分享此视图"},
    "side.share_help": {
        "en": "Copy this link (button on the right). Whoever opens it sees this dataset and view; keep it "
              "private if the data is.",
        "ru": "Скопируйте ссылку (кнопка справа). Кто её откроет, увидит эти данные и этот вид; не публикуйте "
              "её, если данные закрытые.",
        "zh": "复制此链接（右侧按钮）。打开链接的人将看到相同的数据和视图；如数据保密，请勿公开。"},
    "msg.no_dataset": {"en": "No dataset yet: upload a file on the Data page.",
                       "ru": "Данных пока нет: загрузите файл на странице «Данные».",
                       "zh": "尚无数据：请在“数据”页面上传文件。"},
    "msg.go_data": {"en": "Go to the Data page", "ru": "Перейти к данным", "zh": "前往数据页面"},
    "msg.problems": {"en": "{n} problems were found:", "ru": "Найдено проблем: {n}", "zh": "发现 {n} 个问题："},
    "common.download_csv": {"en": "Download table (CSV)", "ru": "Скачать таблицу (CSV)", "zh": "下载表格（CSV）"},
    # data page
    "data.upload": {"en": "Upload a behaviour file", "ru": "Загрузить файл с поведением клиентов",
                    "zh": "上传行为数据文件"},
    "data.upload_widget": {"en": "Upload events", "ru": "Загрузить события", "zh": "上传事件"},
    "data.encoding": {"en": "Encoding", "ru": "Кодировка", "zh": "编码"},
    "data.delimiter": {"en": "Delimiter", "ru": "Разделитель", "zh": "分隔符"},
    "data.decimal": {"en": "Decimal mark", "ru": "Десятичный знак", "zh": "小数点"},
    "data.dates": {"en": "Dates", "ru": "Даты", "zh": "日期"},
    "data.rows_read": {"en": "Rows read", "ru": "Прочитано строк", "zh": "读取行数"},
    "data.usable": {"en": "Usable events", "ru": "Пригодных событий", "zh": "可用事件"},
    "data.unusable": {"en": "Unusable rows", "ru": "Непригодных строк", "zh": "不可用行"},
    "data.customers": {"en": "Customers", "ru": "Клиентов", "zh": "客户数"},
    "data.days": {"en": "Days covered", "ru": "Дней в данных", "zh": "覆盖天数"},
    "data.tab_report": {"en": "Quality report", "ru": "Отчёт о качестве", "zh": "质量报告"},
    "data.tab_mapping": {"en": "Column mapping", "ru": "Сопоставление столбцов", "zh": "列映射"},
    "data.tab_stages": {"en": "Stages", "ru": "Этапы", "zh": "阶段"},
    "data.tab_preview": {"en": "Preview", "ru": "Просмотр", "zh": "预览"},
    "data.tab_manage": {"en": "Manage", "ru": "Управление", "zh": "管理"},
    "data.no_problems": {"en": "No problems found: every row was usable.",
                         "ru": "Проблем не найдено: все строки пригодны.", "zh": "未发现问题：所有行均可用。"},
    "data.to_check": {"en": "{n} thing(s) to check:", "ru": "Что проверить ({n}):", "zh": "需检查 {n} 项："},
    "data.apply_mapping": {"en": "Apply mapping", "ru": "Применить сопоставление", "zh": "应用映射"},
    "data.save_order": {"en": "Save stage order", "ru": "Сохранить порядок этапов", "zh": "保存阶段顺序"},
    "data.events_per_stage": {"en": "Events per stage", "ru": "События по этапам", "zh": "各阶段事件数"},
    # funnel
    "funnel.steps_are": {"en": "Steps are", "ru": "Шаги — это", "zh": "步骤类型"},
    "funnel.steps": {"en": "Steps (in order; comma between steps, | for any of)",
                     "ru": "Шаги (по порядку; через запятую, | — любой из)", "zh": "步骤（按顺序；逗号分隔，| 表示任一）"},
    "funnel.mode": {"en": "Mode", "ru": "Режим", "zh": "模式"},
    "funnel.window": {"en": "Window", "ru": "Окно", "zh": "时间窗口"},
    "funnel.count": {"en": "Count", "ru": "Считать", "zh": "计数单位"},
    "funnel.by": {"en": "Break down by", "ru": "Разбивка по", "zh": "细分维度"},
    "funnel.grain": {"en": "Trend by first-seen", "ru": "Тренд по первому визиту", "zh": "按首次出现的趋势"},
    "funnel.started": {"en": "started", "ru": "начали", "zh": "开始"},
    "funnel.largest_drop": {"en": "Largest drop", "ru": "Наибольшая потеря", "zh": "最大流失"},
    "funnel.paths": {"en": "Paths", "ru": "Пути", "zh": "路径"},
    # A/B
    "ab.experiment": {"en": "Experiment", "ru": "Эксперимент", "zh": "实验"},
    "ab.control": {"en": "Control", "ru": "Контроль", "zh": "对照组"},
    "ab.goal": {"en": "Goal / metric", "ru": "Цель / метрика", "zh": "目标 / 指标"},
    "ab.window": {"en": "Window after exposure", "ru": "Окно после показа", "zh": "曝光后窗口"},
    "ab.variants": {"en": "Variants", "ru": "Варианты", "zh": "变体"},
    "ab.against": {"en": "Against the control", "ru": "По сравнению с контролем", "zh": "与对照组相比"},
    "ab.where": {"en": "Where in the journey did the change act?", "ru": "На каком этапе сработало изменение?",
                 "zh": "改动在旅程的哪个阶段起作用？"},
    "ab.plan": {"en": "Plan a test: sample size and minimum detectable effect",
                "ru": "Планирование теста: размер выборки и минимальный эффект", "zh": "规划测试：样本量与最小可检测效应"},
    # segments
    "seg.k": {"en": "Number of segments", "ru": "Число сегментов", "zh": "分群数量"},
    "seg.seed": {"en": "Random seed", "ru": "Случайное зерно", "zh": "随机种子"},
    "seg.segments": {"en": "Segments", "ru": "Сегменты", "zh": "分群"},
    "seg.rename": {"en": "Rename segment", "ru": "Переименовать сегмент", "zh": "重命名分群"},
    "seg.new_name": {"en": "New name", "ru": "Новое название", "zh": "新名称"},
    "seg.rename_btn": {"en": "Rename", "ru": "Переименовать", "zh": "重命名"},
    "seg.profiles": {"en": "Profiles against everyone", "ru": "Профили по сравнению со всеми", "zh": "与整体对比的画像"},
    "seg.compare": {"en": "Side by side, with significance against the rest",
                    "ru": "Рядом, со значимостью против остальных", "zh": "并排比较（相对其余客户的显著性）"},
    "seg.map": {"en": "Map of customers (PCA of the clustering features)",
                "ru": "Карта клиентов (PCA признаков кластеризации)", "zh": "客户分布图（聚类特征的主成分）"},
    "seg.download": {"en": "Download segment membership (CSV, for a CRM)",
                     "ru": "Скачать состав сегментов (CSV для CRM)", "zh": "下载分群成员（CSV，用于 CRM）"},
    # sentiment
    "sent.by": {"en": "Break down by", "ru": "Разбивка по", "zh": "细分维度"},
    "sent.touchpoint": {"en": "Touchpoint", "ru": "Точка контакта", "zh": "触点"},
    "sent.segment": {"en": "Segment", "ru": "Сегмент", "zh": "分群"},
    "sent.lowest": {"en": "Lowest point", "ru": "Самая низкая точка", "zh": "最低点"},
    "sent.curve": {"en": "Emotion curve (95% CI)", "ru": "Кривая эмоций (95% ДИ)", "zh": "情绪曲线（95% 置信区间）"},
    "sent.pain": {"en": "Pain points", "ru": "Болевые точки", "zh": "痛点"},
    "sent.stage": {"en": "Stage", "ru": "Этап", "zh": "阶段"},
    "sent.said": {"en": "What customers said", "ru": "Что говорили клиенты", "zh": "客户原话"},
    "sent.drop": {"en": "Does negative feedback predict drop-off?", "ru": "Предсказывает ли негатив уход?",
                  "zh": "负面反馈能否预示流失？"},
    # journey map
    "jm.present": {"en": "Presentation mode", "ru": "Режим презентации", "zh": "演示模式"},
    "jm.kpis": {"en": "KPIs", "ru": "Ключевые показатели", "zh": "关键指标"},
    "jm.journey": {"en": "The journey", "ru": "Путь клиента", "zh": "客户旅程"},
    "jm.detail": {"en": "Stage detail", "ru": "Этап подробно", "zh": "阶段详情"},
    "jm.findings": {"en": "Findings", "ru": "Выводы", "zh": "发现"},
    "jm.interventions": {"en": "Intervention points", "ru": "Точки вмешательства", "zh": "干预点"},
    "jm.meeting": {"en": "Take it into a meeting", "ru": "Для встречи", "zh": "会议材料"},
    "jm.prep_pptx": {"en": "Prepare PowerPoint", "ru": "Подготовить PowerPoint", "zh": "生成 PowerPoint"},
    "jm.prep_html": {"en": "Prepare HTML report", "ru": "Подготовить HTML-отчёт", "zh": "生成 HTML 报告"},
    "jm.reached": {"en": "Reached", "ru": "Дошли", "zh": "到达"},
    "jm.stage": {"en": "Stage", "ru": "Этап", "zh": "阶段"},
    # stages (display names of the canonical keys)
    "stage.awareness": {"en": "awareness", "ru": "осознание", "zh": "认知"},
    "stage.interest": {"en": "interest", "ru": "интерес", "zh": "兴趣"},
    "stage.consideration": {"en": "consideration", "ru": "рассмотрение", "zh": "考虑"},
    "stage.purchase": {"en": "purchase", "ru": "покупка", "zh": "购买"},
    "stage.loyalty": {"en": "loyalty", "ru": "лояльность", "zh": "忠诚"},
    "stage.advocacy": {"en": "advocacy", "ru": "рекомендация", "zh": "推荐"},
}


def t(key: str, lang: str = "en", **values) -> str:
    """The UI string ``key`` in ``lang`` with ``{values}`` filled in."""
    entry = STRINGS.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text


def stage_label(stage: str, lang: str = "en") -> str:
    """Display name of a canonical stage key; other stage names are shown as written."""
    entry = STRINGS.get(f"stage.{stage}")
    return (entry.get(lang) or entry["en"]) if entry else str(stage)


def format_number(x, lang: str = "en", *, decimals: int = 0) -> str:
    """12,345.6 (en) · 12 345,6 (ru) · 12,345.6 (zh)."""
    try:
        s = f"{float(x):,.{decimals}f}"
    except (TypeError, ValueError):
        return "—"
    if lang == "ru":
        s = s.replace(",", "\u00a0").replace(".", ",")
    return s


def format_percent(x, lang: str = "en", *, decimals: int = 1) -> str:
    try:
        v = float(x) * 100
    except (TypeError, ValueError):
        return "—"
    s = f"{v:.{decimals}f}"
    return (s.replace(".", ",") + "\u00a0%") if lang == "ru" else s + "%"
