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
    "jm.move_on": {"en": "Move on to {stage}", "ru": "Переходят в «{stage}»", "zh": "进入「{stage}」"},
    "jm.lost": {"en": "-{n} lost", "ru": "-{n} потеряно", "zh": "-{n} 流失"},
    "jm.time": {"en": "Time in stage", "ru": "Время на этапе", "zh": "阶段停留时间"},
    "jm.touchpoints": {"en": "Touchpoints", "ru": "Точки контакта", "zh": "触点"},
    "jm.emotion": {"en": "Emotion", "ru": "Эмоции", "zh": "情绪"},
    "jm.top_pain": {"en": "Top pain point", "ru": "Главная болевая точка", "zh": "主要痛点"},
    "jm.segments": {"en": "Segments (move on)", "ru": "Сегменты (переход дальше)", "zh": "分群（继续前进）"},
    "jm.experiments": {"en": "Experiments", "ru": "Эксперименты", "zh": "实验"},
    "jm.pains": {"en": "Pain points", "ru": "Болевые точки", "zh": "痛点"},
    "jm.no_finding_stage": {"en": "No finding is about this stage.", "ru": "Выводов по этому этапу нет.",
                            "zh": "没有关于此阶段的发现。"},
    "jm.no_findings": {"en": "No finding is supported by the data yet.",
                       "ru": "Данные пока не подтверждают ни одного вывода.", "zh": "数据尚不支持任何发现。"},
    "jm.map_caption": {
        "en": "Counts are {unit}. Conversion: ordered funnel over the stages{window}; time in stage: median from the "
              "first event at the stage to the first at the next; touchpoints: share of the stage's events and how "
              "many who entered through it moved on.",
        "ru": "Считаются {unit}. Конверсия — упорядоченная воронка по этапам{window}; время на этапе — медиана от "
              "первого события на этапе до первого на следующем; точки контакта — доля событий этапа и сколько "
              "вошедших через них перешли дальше.",
        "zh": "计数单位：{unit}。转化率：按阶段顺序的有序漏斗{window}；阶段停留时间：从该阶段第一个事件到下一阶段第一个"
              "事件的中位数；触点：该阶段事件中的占比，以及经由该触点进入者继续前进的比例。"},
    "jm.within_window": {"en": " within the window", "ru": " в пределах окна", "zh": "（在时间窗口内）"},
    "jm.ip_caption": {
        "en": "Ranked by score = customers lost × (1 + share of negative feedback at the stage) × (1 + headroom); "
              "headroom: how much better the best group (segment, touchpoint, device, …) converts there than "
              "everyone, relatively.",
        "ru": "Порядок по баллу = потерянные клиенты × (1 + доля негативных отзывов на этапе) × (1 + запас роста); "
              "запас роста — насколько лучше (относительно) конвертируется здесь лучшая группа (сегмент, точка "
              "контакта, устройство…) по сравнению со всеми.",
        "zh": "按得分排序：得分 = 流失客户数 × (1 + 该阶段负面反馈占比) × (1 + 提升空间)；提升空间：表现最好的分组"
              "（分群、触点、设备等）在此的转化率相对整体高出多少。"},
    "jm.findings_md": {"en": "Findings (Markdown)", "ru": "Выводы (Markdown)", "zh": "发现（Markdown）"},
    "jm.findings_json": {"en": "Findings (JSON)", "ru": "Выводы (JSON)", "zh": "发现（JSON）"},
    "jm.dl_pptx": {"en": "Download PowerPoint (.pptx)", "ru": "Скачать PowerPoint (.pptx)",
                   "zh": "下载 PowerPoint（.pptx）"},
    "jm.dl_html": {"en": "Download HTML report", "ru": "Скачать HTML-отчёт", "zh": "下载 HTML 报告"},
    # reports (cj.report: HTML and PowerPoint)
    "rep.title": {"en": "Customer journey: {name}", "ru": "Клиентский путь: {name}", "zh": "客户旅程：{name}"},
    "rep.dataset": {"en": "Dataset {name}", "ru": "Набор данных {name}", "zh": "数据集 {name}"},
    "rep.dataset_colon": {"en": "Dataset: {name}", "ru": "Набор данных: {name}", "zh": "数据集：{name}"},
    "rep.made": {"en": "made {when}", "ru": "создан {when}", "zh": "生成于 {when}"},
    "rep.made_cap": {"en": "Made {when}", "ru": "Создан {when}", "zh": "生成于 {when}"},
    "rep.key_numbers": {"en": "Key numbers", "ru": "Ключевые показатели", "zh": "关键数字"},
    "rep.findings": {"en": "Findings", "ru": "Выводы", "zh": "发现"},
    "rep.no_findings": {"en": "No findings: too little data.", "ru": "Выводов нет: слишком мало данных.",
                        "zh": "没有发现：数据太少。"},
    "rep.interventions": {"en": "Intervention points", "ru": "Точки вмешательства", "zh": "干预点"},
    "rep.interventions_ranked": {"en": "Intervention points (ranked)", "ru": "Точки вмешательства (по рейтингу)",
                                 "zh": "干预点（排序）"},
    "rep.interventions_note": {
        "en": "score = customers lost × (1 + share negative) × (1 + headroom); headroom: how much better the best "
              "group converts there.",
        "ru": "балл = потерянные клиенты × (1 + доля негатива) × (1 + запас роста); запас роста — насколько лучше "
              "конвертируется здесь лучшая группа.",
        "zh": "得分 = 流失客户数 × (1 + 负面占比) × (1 + 提升空间)；提升空间：表现最好的分组在此的转化率高出多少。"},
    "rep.journey": {"en": "The journey", "ru": "Путь клиента", "zh": "客户旅程"},
    "rep.journey_glance": {"en": "The journey at a glance", "ru": "Путь клиента в целом", "zh": "旅程概览"},
    "rep.appendix": {"en": "Appendix", "ru": "Приложение", "zh": "附录"},
    "rep.appendix_of": {"en": "Appendix: {title}", "ru": "Приложение: {title}", "zh": "附录：{title}"},
    "rep.tables_behind": {"en": "Tables behind the findings:", "ru": "Таблицы, на которых основаны выводы:",
                          "zh": "发现所依据的表格："},
    "rep.continued": {"en": "{title} (continued)", "ru": "{title} (продолжение)", "zh": "{title}（续）"},
    "rep.summary": {"en": "Summary", "ru": "Итоги", "zh": "摘要"},
    "rep.said": {"en": "What customers said", "ru": "Что говорили клиенты", "zh": "客户原话"},
    "rep.no_numbers": {"en": "No numbers for this stage.", "ru": "Для этого этапа нет чисел.", "zh": "此阶段没有数据。"},
    "rep.no_stage_findings": {"en": "No findings for this stage.", "ru": "По этому этапу выводов нет.",
                              "zh": "此阶段没有发现。"},
    "rep.complaints": {"en": "Top complaint phrases (share of negative feedback): {items}",
                       "ru": "Частые фразы жалоб (доля негативных отзывов): {items}",
                       "zh": "主要投诉短语（占负面反馈的比例）：{items}"},
    "rep.footer": {"en": "Made with cj. Findings written by {source}.", "ru": "Создано в cj. Выводы: {source}.",
                   "zh": "由 cj 生成。发现由 {source} 撰写。"},
    "rep.findings_by": {"en": "Findings written by {source}.", "ru": "Выводы: {source}.", "zh": "发现由 {source} 撰写。"},
    "rep.kpi_customers": {"en": "Customers", "ru": "Клиенты", "zh": "客户"},
    "rep.kpi_customers_help": {"en": "distinct customer ids", "ru": "уникальные id клиентов", "zh": "不同的客户 ID 数"},
    "rep.kpi_events": {"en": "Events", "ru": "События", "zh": "事件"},
    "rep.kpi_events_help": {"en": "rows used", "ru": "использовано строк", "zh": "使用的行数"},
    "rep.kpis": {"en": "KPIs", "ru": "Ключевые показатели", "zh": "关键指标"},
    "rep.kpis_note": {"en": "The last full period against the one before, where the data spans both.",
                      "ru": "Последний полный период против предыдущего, если данные охватывают оба.",
                      "zh": "最近一个完整周期与上一个周期对比（数据覆盖两者时）。"},
    "rep.funnel": {"en": "Funnel", "ru": "Воронка", "zh": "漏斗"},
    "rep.emotion": {"en": "Emotion curve", "ru": "Кривая эмоций", "zh": "情绪曲线"},
    "rep.sentiment_by_stage": {"en": "Sentiment by stage", "ru": "Тональность по этапам", "zh": "各阶段情感"},
    "rep.pains_by_stage": {"en": "Pain points by stage", "ru": "Болевые точки по этапам", "zh": "各阶段痛点"},
    "rep.drop_negative": {"en": "Drop-off after negative feedback", "ru": "Уход после негативного отзыва",
                          "zh": "负面反馈后的流失"},
    "rep.segments": {"en": "Segments", "ru": "Сегменты", "zh": "客户分群"},
    "rep.segments_rest": {"en": "Segments against the rest", "ru": "Сегменты против остальных",
                          "zh": "各分群与其余客户对比"},
    "rep.experiment": {"en": "Experiment: {name}", "ru": "Эксперимент: {name}", "zh": "实验：{name}"},
    "rep.variants": {"en": "{name}: variants", "ru": "{name}: варианты", "zh": "{name}：变体"},
    "rep.against": {"en": "{name}: against the control", "ru": "{name}: по сравнению с контролем",
                    "zh": "{name}：与对照组相比"},
    "rep.by_stage": {"en": "{name}: by stage", "ru": "{name}: по этапам", "zh": "{name}：按阶段"},
    "rep.fact.reached": {"en": "Reached in order", "ru": "Дошли по порядку", "zh": "按顺序到达"},
    "rep.fact.reached_value": {"en": "{n} customers ({share} of the start)", "ru": "{n} клиентов ({share} от начала)",
                               "zh": "{n} 位客户（占起点的 {share}）"},
    "rep.fact.went_on": {"en": "Went on from {stage}", "ru": "Перешли с этапа «{stage}»", "zh": "从「{stage}」继续"},
    "rep.fact.stopped": {"en": "Stopped before this stage", "ru": "Остановились перед этим этапом",
                         "zh": "在此阶段前停止"},
    "rep.fact.median_time": {"en": "Median time from {stage}", "ru": "Медианное время от этапа «{stage}»",
                             "zh": "从「{stage}」起的中位时间"},
    "rep.fact.mean_sentiment": {"en": "Mean sentiment", "ru": "Средняя тональность", "zh": "平均情感"},
    "rep.fact.negative": {"en": "Negative feedback", "ru": "Негативные отзывы", "zh": "负面反馈"},
    "rep.fact.mean_rating": {"en": "Mean rating", "ru": "Средняя оценка", "zh": "平均评分"},
    "rep.fact.stopped_before": {"en": "Stopped before {stage}", "ru": "Остановились перед «{stage}»",
                                "zh": "在「{stage}」前停止"},
    "rep.fact.by_segment": {"en": "Reached by segment", "ru": "Дошли, по сегментам", "zh": "按分群的到达率"},
    # table column headers of the reports
    "col.step": {"en": "step", "ru": "шаг", "zh": "步骤"},
    "col.stage": {"en": "stage", "ru": "этап", "zh": "阶段"},
    "col.next_stage": {"en": "next stage", "ru": "следующий этап", "zh": "下一阶段"},
    "col.customers": {"en": "customers", "ru": "клиенты", "zh": "客户数"},
    "col.conversion_from_previous": {"en": "conversion from previous", "ru": "конверсия с предыдущего",
                                     "zh": "较上一步转化率"},
    "col.conversion_from_start": {"en": "conversion from start", "ru": "конверсия от начала", "zh": "较起点转化率"},
    "col.dropped": {"en": "dropped", "ru": "ушли", "zh": "流失"},
    "col.in_window": {"en": "in window", "ru": "в окне", "zh": "窗口内"},
    "col.median_seconds_from_previous": {"en": "median seconds from previous", "ru": "медиана времени с предыдущего",
                                         "zh": "距上一步的中位时间"},
    "col.rank": {"en": "rank", "ru": "место", "zh": "排名"},
    "col.transition": {"en": "transition", "ru": "переход", "zh": "转换"},
    "col.lost": {"en": "lost", "ru": "потеряно", "zh": "流失"},
    "col.lost_share": {"en": "lost share", "ru": "доля потерь", "zh": "流失占比"},
    "col.share_negative": {"en": "share negative", "ru": "доля негатива", "zh": "负面占比"},
    "col.headroom": {"en": "headroom", "ru": "запас роста", "zh": "提升空间"},
    "col.headroom_dim": {"en": "headroom dim", "ru": "разрез запаса", "zh": "提升维度"},
    "col.headroom_group": {"en": "headroom group", "ru": "группа запаса", "zh": "提升分组"},
    "col.score": {"en": "score", "ru": "балл", "zh": "得分"},
    "col.KPI": {"en": "KPI", "ru": "Показатель", "zh": "指标"},
    "col.value": {"en": "value", "ru": "значение", "zh": "数值"},
    "col.previous period": {"en": "previous period", "ru": "предыдущий период", "zh": "上一周期"},
    "col.previous": {"en": "previous", "ru": "раньше", "zh": "上期"},
    "col.last period": {"en": "last period", "ru": "последний период", "zh": "最近周期"},
    "col.last": {"en": "last", "ru": "сейчас", "zh": "本期"},
    "col.change": {"en": "change", "ru": "изменение", "zh": "变化"},
    "col.group": {"en": "group", "ru": "группа", "zh": "分组"},
    "col.n": {"en": "n", "ru": "n", "zh": "n"},
    "col.mean": {"en": "mean", "ru": "среднее", "zh": "均值"},
    "col.ci_low": {"en": "ci low", "ru": "ДИ от", "zh": "置信下限"},
    "col.ci_high": {"en": "ci high", "ru": "ДИ до", "zh": "置信上限"},
    "col.mean_rating": {"en": "mean rating", "ru": "средняя оценка", "zh": "平均评分"},
    "col.source": {"en": "source", "ru": "источник", "zh": "来源"},
    "col.phrase": {"en": "phrase", "ru": "фраза", "zh": "短语"},
    "col.count": {"en": "count", "ru": "число", "zh": "次数"},
    "col.share_other": {"en": "share other", "ru": "доля в остальных", "zh": "其他占比"},
    "col.segment": {"en": "segment", "ru": "сегмент", "zh": "分群"},
    "col.share": {"en": "share", "ru": "доля", "zh": "占比"},
    "col.revenue_share": {"en": "revenue share", "ru": "доля выручки", "zh": "收入占比"},
    "col.bought": {"en": "bought", "ru": "купили", "zh": "购买"},
    "col.repeat": {"en": "repeat", "ru": "повторно", "zh": "复购"},
    "col.variant": {"en": "variant", "ru": "вариант", "zh": "变体"},
    "col.control": {"en": "control", "ru": "контроль", "zh": "对照组"},
    "col.conversions": {"en": "conversions", "ru": "конверсии", "zh": "转化数"},
    "col.rate": {"en": "rate", "ru": "доля", "zh": "比率"},
    "col.reached": {"en": "reached", "ru": "дошли", "zh": "到达"},
    "col.significant": {"en": "significant", "ru": "значимо", "zh": "显著"},
    # stages (display names of the canonical keys)
    "stage.awareness": {"en": "awareness", "ru": "осознание", "zh": "认知"},
    "stage.interest": {"en": "interest", "ru": "интерес", "zh": "兴趣"},
    "stage.consideration": {"en": "consideration", "ru": "рассмотрение", "zh": "考虑"},
    "stage.purchase": {"en": "purchase", "ru": "покупка", "zh": "购买"},
    "stage.loyalty": {"en": "loyalty", "ru": "лояльность", "zh": "忠诚"},
    "stage.advocacy": {"en": "advocacy", "ru": "рекомендация", "zh": "推荐"},
}



# ---------------------------------------------------------------------- sentences (findings, summaries, reports)
# Placeholders are filled with values already formatted for the language (see Msg / V below).
SENTENCES: dict[str, dict[str, str]] = {
    # units
    "unit.customers": {"en": "customers", "ru": "клиентов", "zh": "客户"},
    "unit.sessions": {"en": "sessions", "ru": "сессий", "zh": "会话"},
    "unit.customers.subj": {"en": "customers", "ru": "клиенты", "zh": "客户"},
    "unit.sessions.subj": {"en": "sessions", "ru": "сессии", "zh": "会话"},
    "join.and": {"en": " and ", "ru": " и ", "zh": "和"},
    "join.list": {"en": ", ", "ru": ", ", "zh": "、"},
    "join.clause": {"en": "; ", "ru": "; ", "zh": "；"},
    "p.less": {"en": "p < {p}", "ru": "p < {p}", "zh": "p < {p}"},
    "p.equal": {"en": "p = {p}", "ru": "p = {p}", "zh": "p = {p}"},
    "points": {"en": "{v} points", "ru": "{v} п.\u00a0п.", "zh": "{v} 个百分点"},
    "period.one.day": {"en": "the day of {a}", "ru": "день {a}", "zh": "{a} 当天"},
    "period.one.week": {"en": "the week of {a}", "ru": "неделю с {a}", "zh": "{a} 起的那一周"},
    "period.one.month": {"en": "the month of {a}", "ru": "месяц {a}", "zh": "{a} 这个月"},
    "period.range.day": {"en": "the days of {a} to {b}", "ru": "дни с {a} по {b}", "zh": "{a}至{b}这几天"},
    "period.range.week": {"en": "the weeks of {a} to {b}", "ru": "недели с {a} по {b}", "zh": "{a}至{b}这几周"},
    "period.range.month": {"en": "the months of {a} to {b}", "ru": "месяцы с {a} по {b}", "zh": "{a}至{b}这几个月"},
    "period.others.day": {"en": "the other days", "ru": "остальные дни", "zh": "其他日期"},
    "period.others.week": {"en": "the other weeks", "ru": "остальные недели", "zh": "其他周"},
    "period.others.month": {"en": "the other months", "ru": "остальные месяцы", "zh": "其他月份"},
    "period.first_half": {"en": "the first half", "ru": "первая половина периода", "zh": "前半段"},
    "period.second_half": {"en": "the second half", "ru": "вторая половина периода", "zh": "后半段"},
    # findings (cj.findings)
    "f.drop": {
        "en": "{transition} loses {lost_share} of {unit} ({lost} of {reached}), the largest drop in the journey.",
        "ru": "На переходе {transition} теряется {lost_share} {unit} ({lost} из {reached}) — это самая большая "
              "потеря на всём пути.",
        "zh": "{transition} 流失了 {lost_share} 的{unit}（{reached} 中的 {lost}），是整个旅程中最大的流失。"},
    "f.breakdown": {
        "en": "By {dim}: {low_group} {unit} convert {low_rate} vs {high_rate} for {high_group} at {transition} "
              "({p}; n = {low_n} and {high_n}){small}.",
        "ru": "В разрезе «{dim}»: на переходе {transition} конверсия {unit} из группы {low_group} — {low_rate}, "
              "а из группы {high_group} — {high_rate} ({p}; n = {low_n} и {high_n}){small}.",
        "zh": "按 {dim} 细分：在{transition}环节，{low_group} {unit}的转化率为 {low_rate}，而 {high_group} 为 {high_rate}"
              "（{p}；n = {low_n} 和 {high_n}）{small}。"},
    "f.small_group": {"en": "{group} is a small group", "ru": "{group} — малая группа", "zh": "{group} 是小样本组"},
    "f.small_groups": {"en": "; {groups}", "ru": "; {groups}", "zh": "；{groups}"},
    "f.trend": {
        "en": "{transition} conversion dropped to {conversion_in} for {who} entering {stage} in {when}, vs "
              "{conversion_out} in {others} ({p}; {converted_in} of {units_in} converted{small}).",
        "ru": "Конверсия перехода {transition} упала до {conversion_in} у {who}, пришедших на этап «{stage}» за {when}, "
              "против {conversion_out} за {others} ({p}; сконвертировались {converted_in} из {units_in}{small}).",
        "zh": "在{when}进入「{stage}」阶段的{who}，{transition} 的转化率降至 {conversion_in}，而{others}为 "
              "{conversion_out}（{p}；{units_in} 中有 {converted_in} 完成转化{small}）。"},
    "f.trend.who_group": {"en": "{group} {unit} ({dim})", "ru": "{unit} из группы {group} ({dim})",
                          "zh": "{group}（{dim}）{unit}"},
    "f.trend.small": {"en": ", a small group", "ru": ", малая группа", "zh": "，样本较小"},
    "f.sentiment": {
        "en": "{stage} is the low point of the emotion curve: mean sentiment {mean}{ci}; {share_negative} of {n} "
              "feedback values are negative{pains}.",
        "ru": "Этап «{stage}» — нижняя точка кривой эмоций: средняя тональность {mean}{ci}; {share_negative} из "
              "{n} отзывов и оценок — негативные{pains}.",
        "zh": "「{stage}」是情绪曲线的最低点：平均情感得分 {mean}{ci}；{n} 条反馈中有 {share_negative} 为负面{pains}。"},
    "f.sentiment.ci": {"en": " (95% CI {lo} to {hi})", "ru": " (95% ДИ от {lo} до {hi})",
                       "zh": "（95% 置信区间 {lo} 至 {hi}）"},
    "f.sentiment.pains": {"en": ". Top pain points: {items}", "ru": ". Главные болевые точки: {items}",
                          "zh": "。主要痛点：{items}"},
    "f.sentiment.pain": {"en": "“{phrase}” ({count} negative texts)", "ru": "«{phrase}» (негативных текстов: {count})",
                         "zh": "“{phrase}”（{count} 条负面文本）"},
    "f.exp.srm": {
        "en": "Warning: the variants of {name} are not split as expected (sample ratio mismatch, {p}); the "
              "assignment may be broken, so its results may be biased.",
        "ru": "Внимание: варианты эксперимента {name} разделены не так, как ожидалось (дисбаланс выборок, {p}); "
              "распределение по вариантам может быть нарушено, поэтому результаты могут быть смещены.",
        "zh": "警告：实验 {name} 的各变体分流比例与预期不符（样本比例失衡，{p}）；分组可能出错，结果可能有偏差。"},
    "f.exp.error": {"en": "{name}: no verdict yet ({reason}).", "ru": "{name}: вывода пока нет ({reason}).",
                    "zh": "{name}：暂无结论（{reason}）。"},
    "f.exp.cmp_error": {"en": "{name}: no verdict yet for {variant} vs {control} ({reason}).",
                        "ru": "{name}: вывода по {variant} против {control} пока нет ({reason}).",
                        "zh": "{name}：{variant} 与 {control} 的比较暂无结论（{reason}）。"},
    "f.exp.raised": {
        "en": "Variant {variant} of {name} raised {label} from {control_rate} to {treatment_rate} ({lift}; {p}; "
              "n = {n}).",
        "ru": "Вариант {variant} эксперимента {name}: {label} выросла с {control_rate} до {treatment_rate} ({lift}; "
              "{p}; n = {n}).",
        "zh": "实验 {name} 的变体 {variant} 将{label}从 {control_rate} 提高到 {treatment_rate}（{lift}；{p}；n = {n}）。"},
    "f.exp.lowered": {
        "en": "Variant {variant} of {name} lowered {label} from {control_rate} to {treatment_rate} ({lift}; {p}; "
              "n = {n}).",
        "ru": "Вариант {variant} эксперимента {name}: {label} снизилась с {control_rate} до {treatment_rate} ({lift}; "
              "{p}; n = {n}).",
        "zh": "实验 {name} 的变体 {variant} 将{label}从 {control_rate} 降低到 {treatment_rate}（{lift}；{p}；n = {n}）。"},
    "f.exp.none": {
        "en": "No significant difference yet between {variant} and {control} of {name} in {label}: "
              "{treatment_rate} vs {control_rate} ({p}; n = {n}).",
        "ru": "Между {variant} и {control} эксперимента {name} пока нет значимой разницы: {label} — "
              "{treatment_rate} против {control_rate} ({p}; n = {n}).",
        "zh": "实验 {name} 中 {variant} 与 {control} 在{label}上暂无显著差异：{treatment_rate} 对比 "
              "{control_rate}（{p}；n = {n}）。"},
    "f.exp.holm": {"en": "{p} Holm-adjusted", "ru": "{p}, с поправкой Холма", "zh": "{p}，Holm 校正"},
    "f.exp.label": {"en": "{goal} conversion", "ru": "конверсия в этап «{goal}»", "zh": "{goal}转化率"},
    "f.segment": {"en": "{segment} are {share} of customers ({customers}){revenue}{rest}",
                  "ru": "«{segment}» — это {share} клиентов ({customers}){revenue}{rest}",
                  "zh": "「{segment}」占客户的 {share}（{customers} 人）{revenue}{rest}"},
    "f.segment.revenue": {"en": " and {revenue_share} of revenue", "ru": " и {revenue_share} выручки",
                          "zh": "，贡献 {revenue_share} 的收入"},
    "f.segment.none": {"en": "; none of them bought.", "ru": "; никто из них не купил.", "zh": "；其中无人购买。"},
    "f.segment.bought": {"en": "; {buyers_share} of them bought, {repeat_share} of those more than once.",
                         "ru": "; купили {buyers_share}, из купивших {repeat_share} — больше одного раза.",
                         "zh": "；其中 {buyers_share} 购买过，购买者中 {repeat_share} 复购。"},
    "f.kpi.conv.rose": {
        "en": "{label} to {stage} of new customers rose from {previous} (first seen in {period_previous}) to "
              "{current} (first seen in {period_current}; {p}; n = {n_previous} and {n_current}).",
        "ru": "{label} новых клиентов в этап «{stage}» выросла с {previous} (впервые пришли: {period_previous}) до "
              "{current} (впервые пришли: {period_current}; {p}; n = {n_previous} и {n_current}).",
        "zh": "新客户到「{stage}」的{label}从 {previous}（首次出现于 {period_previous}）升至 {current}"
              "（首次出现于 {period_current}；{p}；n = {n_previous} 和 {n_current}）。"},
    "f.kpi.conv.fell": {
        "en": "{label} to {stage} of new customers fell from {previous} (first seen in {period_previous}) to "
              "{current} (first seen in {period_current}; {p}; n = {n_previous} and {n_current}).",
        "ru": "{label} новых клиентов в этап «{stage}» снизилась с {previous} (впервые пришли: {period_previous}) до "
              "{current} (впервые пришли: {period_current}; {p}; n = {n_previous} и {n_current}).",
        "zh": "新客户到「{stage}」的{label}从 {previous}（首次出现于 {period_previous}）降至 {current}"
              "（首次出现于 {period_current}；{p}；n = {n_previous} 和 {n_current}）。"},
    "f.kpi.rose": {
        "en": "{label} rose from {previous} in {period_previous} to {current} in {period_current} ({p}; "
              "n = {n_previous} and {n_current}).",
        "ru": "Показатель «{label}» вырос с {previous} ({period_previous}) до {current} ({period_current}; {p}; "
              "n = {n_previous} и {n_current}).",
        "zh": "{label}从 {period_previous} 的 {previous} 升至 {period_current} 的 {current}（{p}；"
              "n = {n_previous} 和 {n_current}）。"},
    "f.kpi.fell": {
        "en": "{label} fell from {previous} in {period_previous} to {current} in {period_current} ({p}; "
              "n = {n_previous} and {n_current}).",
        "ru": "Показатель «{label}» снизился с {previous} ({period_previous}) до {current} ({period_current}; {p}; "
              "n = {n_previous} и {n_current}).",
        "zh": "{label}从 {period_previous} 的 {previous} 降至 {period_current} 的 {current}（{p}；"
              "n = {n_previous} 和 {n_current}）。"},
    "f.intervention": {
        "en": "Top intervention point: {transition} (score {score} = {lost} {unit} lost × (1 + {share_negative} "
              "share of negative feedback at {stage}) × (1 + {headroom} headroom)){best}.",
        "ru": "Главная точка вмешательства: {transition} (балл {score} = потеряно {lost} {unit} × (1 + "
              "{share_negative} — доля негативных отзывов на этапе «{stage}») × (1 + {headroom} — запас роста)){best}.",
        "zh": "首要干预点：{transition}（得分 {score} = 流失{unit} {lost} × (1 + {share_negative}，即「{stage}」阶段的"
              "负面反馈占比) × (1 + {headroom}，即提升空间)）{best}。"},
    "f.intervention.best": {
        "en": "; {group} ({dim}) converts {rate} there vs {overall} overall",
        "ru": "; в группе {group} ({dim}) конверсия здесь {rate} против {overall} в целом",
        "zh": "；{group}（{dim}）在此的转化率为 {rate}，整体为 {overall}"},
    # sources of findings
    "src.drop": {"en": "journey map: ordered funnel", "ru": "карта пути: упорядоченная воронка",
                 "zh": "旅程地图：有序漏斗"},
    "src.breakdown": {
        "en": "funnel breakdown by {dim} (group = value on the first journey event); chi-square across groups, "
              "Benjamini–Hochberg across steps",
        "ru": "разбивка воронки по {dim} (группа — значение в первом событии пути); хи-квадрат между группами, "
              "поправка Бенджамини–Хохберга по шагам",
        "zh": "按 {dim} 细分漏斗（分组取旅程第一个事件的值）；组间卡方检验，步骤间 Benjamini–Hochberg 校正"},
    "src.trend": {
        "en": "stage conversion by period of entry; scan over runs of periods (z-test, Bonferroni over runs, "
              "Benjamini–Hochberg across series)",
        "ru": "конверсия этапа по периоду входа; перебор серий периодов (z-тест, поправка Бонферрони по сериям, "
              "Бенджамини–Хохберга по рядам)",
        "zh": "按进入时期统计的阶段转化率；扫描连续时期（z 检验，时期段间 Bonferroni 校正，序列间 Benjamini–Hochberg 校正）"},
    "src.sentiment": {
        "en": "emotion curve (sentiment by stage, t-interval) and pain points (log-odds of phrases in negative "
              "feedback)",
        "ru": "кривая эмоций (тональность по этапам, t-интервал) и болевые точки (лог-шансы фраз в негативных "
              "отзывах)",
        "zh": "情绪曲线（各阶段情感，t 区间）与痛点（负面反馈中短语的对数几率）"},
    "src.srm": {"en": "A/B test: chi-square sample-ratio check", "ru": "A/B-тест: проверка баланса выборок (хи-квадрат)",
                "zh": "A/B 测试：样本比例卡方检验"},
    "src.ab": {"en": "A/B test", "ru": "A/B-тест", "zh": "A/B 测试"},
    "src.ab_test": {"en": "A/B test: two-proportion z-test (Fisher for small counts)",
                    "ru": "A/B-тест: z-тест для двух долей (точный тест Фишера для малых чисел)",
                    "zh": "A/B 测试：双比例 z 检验（小样本用 Fisher 精确检验）"},
    "src.ab_test_holm": {"en": "A/B test: two-proportion z-test (Fisher for small counts), Holm across variants",
                         "ru": "A/B-тест: z-тест для двух долей (точный тест Фишера для малых чисел), поправка "
                               "Холма по вариантам",
                         "zh": "A/B 测试：双比例 z 检验（小样本用 Fisher 精确检验），变体间 Holm 校正"},
    "src.segment": {"en": "segments (clustering of customer features) and their revenue",
                    "ru": "сегменты (кластеризация признаков клиентов) и их выручка",
                    "zh": "客户分群（基于客户特征聚类）及其收入"},
    "src.kpi": {"en": "KPI by period: {test}, Benjamini–Hochberg across KPIs",
                "ru": "показатель по периодам: {test}, поправка Бенджамини–Хохберга по показателям",
                "zh": "分时期的关键指标：{test}，指标间 Benjamini–Hochberg 校正"},
    "src.intervention": {"en": "ranked intervention points: lost × (1 + share negative) × (1 + headroom)",
                         "ru": "рейтинг точек вмешательства: потери × (1 + доля негатива) × (1 + запас роста)",
                         "zh": "干预点排序：流失 × (1 + 负面占比) × (1 + 提升空间)"},
    "test.chi-square": {"en": "chi-square", "ru": "хи-квадрат", "zh": "卡方检验"},
    "test.Welch's t": {"en": "Welch's t", "ru": "t-критерий Уэлча", "zh": "Welch t 检验"},
    # A/B reasons for no verdict (codes of cj.abtest.ERROR_CODES); English uses the analysis' own message
    "ab.err.NO_DATA": {"en": "a variant has no customers (or no values of the metric)",
                       "ru": "в одном из вариантов нет клиентов (или значений метрики)",
                       "zh": "某个变体没有客户（或没有该指标的取值）"},
    "ab.err.NOT_ENOUGH_CUSTOMERS": {"en": "fewer than {n} customers in a variant",
                                    "ru": "в одном из вариантов меньше {n} клиентов",
                                    "zh": "某个变体的客户少于 {n} 人"},
    "ab.err.NOT_ENOUGH_CONVERSIONS": {"en": "fewer than {n} conversions in the two variants together",
                                      "ru": "в двух вариантах вместе меньше {n} конверсий",
                                      "zh": "两个变体合计转化少于 {n} 次"},
    "ab.err.ZERO_VARIANCE": {"en": "the metric does not vary, so there is nothing to test",
                             "ru": "метрика не меняется, проверять нечего", "zh": "该指标没有变化，无法检验"},
    "ab.err.ZERO_CONTROL": {"en": "the control's value is 0, so a relative lift is undefined",
                            "ru": "у контроля значение 0, поэтому относительный прирост не определён",
                            "zh": "对照组的值为 0，无法计算相对提升"},
    "ab.err.ONE_VARIANT": {"en": "fewer than two variants have customers",
                           "ru": "клиенты есть меньше чем в двух вариантах", "zh": "有客户的变体少于两个"},
    "ab.err.TOO_LARGE": {"en": "the values are too large (beyond about 1e150) to compute a variance",
                         "ru": "значения слишком велики (больше примерно 1e150), дисперсию не вычислить",
                         "zh": "数值过大（超过约 1e150），无法计算方差"},
    # funnel summary (cj.texts.funnel_summary; Markdown: ** marks bold)
    "fs.reached": {"en": "**{started}** {unit} started; **{reached}** ({share}) reached {last}.",
                   "ru": "Начали **{started}** {unit}; до шага «{last}» дошли **{reached}** ({share}).",
                   "zh": "共有 **{started}** 位{unit}开始；其中 **{reached}**（{share}）到达 {last}。"},
    "fs.drop": {"en": " Largest drop: into **{step}** ({share} of the previous step continued, {dropped} dropped{open}).",
                "ru": " Наибольшая потеря — на входе в шаг **«{step}»**: дальше прошли {share} с предыдущего шага, "
                      "ушли {dropped}{open}.",
                "zh": "最大流失：进入 **{step}** 时（上一步中 {share} 继续前进，{dropped} 流失{open}）。"},
    "fs.in_window": {"en": ", {n} still within the window", "ru": ", ещё {n} в пределах окна",
                     "zh": "，另有 {n} 仍在时间窗口内"},
    "fs.open": {"en": " Open mode: each step counts everyone who ever reached it, in any order.",
                "ru": " Открытый режим: каждый шаг считает всех, кто когда-либо до него дошёл, в любом порядке.",
                "zh": "开放模式：每一步统计所有曾到达该步的人，不限顺序。"},
    # A/B verdict (cj.texts.ab_verdict)
    "ab.v.srm": {"en": "Warning — sample ratio mismatch ({p}): the variants' sizes differ from the expected split, "
                       "so the assignment may be broken and these results may be biased.",
                 "ru": "Внимание — дисбаланс выборок ({p}): размеры вариантов отличаются от ожидаемого разбиения, "
                       "распределение может быть нарушено, а результаты — смещены.",
                 "zh": "警告——样本比例失衡（{p}）：各变体的规模与预期分流不符，分组可能出错，结果可能有偏差。"},
    "ab.v.not_enough": {"en": "Not enough data yet: {reason}.", "ru": "Пока недостаточно данных: {reason}.",
                        "zh": "数据尚不足：{reason}。"},
    "ab.v.no_verdict": {"en": "No verdict: {reason}.", "ru": "Вывода нет: {reason}.", "zh": "暂无结论：{reason}。"},
    "ab.v.cmp_error": {"en": "No verdict for {variant} vs {control} in {label}: {reason}.",
                       "ru": "Нет вывода по {variant} против {control} ({label}): {reason}.",
                       "zh": "{variant} 与 {control} 在{label}上暂无结论：{reason}。"},
    "ab.v.raised": {"en": "{variant} raised {label} from {a} to {b}{rel}; {p}{chance}.",
                    "ru": "{variant}: {label} — рост с {a} до {b}{rel}; {p}{chance}.",
                    "zh": "{variant} 将{label}从 {a} 提高到 {b}{rel}；{p}{chance}。"},
    "ab.v.lowered": {"en": "{variant} lowered {label} from {a} to {b}{rel}; {p}{chance}.",
                     "ru": "{variant}: {label} — снижение с {a} до {b}{rel}; {p}{chance}.",
                     "zh": "{variant} 将{label}从 {a} 降低到 {b}{rel}；{p}{chance}。"},
    "ab.v.none": {"en": "No significant difference yet between {variant} and {control} in {label}: {a} vs {b}{rel}; "
                        "{p}{chance}.",
                  "ru": "Значимой разницы между {variant} и {control} пока нет ({label}): {a} против {b}{rel}; "
                        "{p}{chance}.",
                  "zh": "{variant} 与 {control} 在{label}上暂无显著差异：{a} 对比 {b}{rel}；{p}{chance}。"},
    "ab.v.rel": {"en": " ({lift}, {level} CI {lo} to {hi})", "ru": " ({lift}, {level} ДИ от {lo} до {hi})",
                 "zh": "（{lift}，{level} 置信区间 {lo} 至 {hi}）"},
    "ab.v.holm": {"en": "{p} (Holm-adjusted)", "ru": "{p} (с поправкой Холма)", "zh": "{p}（Holm 校正）"},
    "ab.v.chance": {"en": "; {chance} chance to beat {control}", "ru": "; вероятность превзойти {control}: {chance}",
                    "zh": "；胜过 {control} 的概率为 {chance}"},
    "ab.label.conversion": {"en": "{metric} conversion", "ru": "конверсия в этап «{metric}»", "zh": "{metric}转化率"},
    "ab.label.per_customer": {"en": "{metric} per customer", "ru": "{metric} на клиента", "zh": "每位客户的 {metric}"},
    "ab.label.average": {"en": "average {metric}", "ru": "среднее {metric}", "zh": "平均 {metric}"},
    # KPI names
    "kpi.conversion_rate": {"en": "Conversion rate", "ru": "Конверсия", "zh": "转化率"},
    "kpi.average_rating": {"en": "Average rating", "ru": "Средняя оценка", "zh": "平均评分"},
    "kpi.csat": {"en": "CSAT (share of 4–5 ratings)", "ru": "CSAT (доля оценок 4–5)", "zh": "CSAT（4–5 分占比）"},
    "kpi.nps": {"en": "NPS", "ru": "NPS", "zh": "NPS"},
    "kpi.average_order_value": {"en": "Average order value", "ru": "Средний чек", "zh": "平均订单金额"},
    "kpi.repeat_purchase_rate": {"en": "Repeat-purchase rate", "ru": "Доля повторных покупок", "zh": "复购率"},
    "kpi.revenue_per_customer": {"en": "Revenue per customer", "ru": "Выручка на клиента", "zh": "每位客户收入"},
}
STRINGS.update(SENTENCES)


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


# ---------------------------------------------------------------------- messages with typed values
# The core (findings, reports, summaries) builds a Msg once and renders it in any language later:
# Msg("f.drop", {"lost": V("count", 120), ...}).render("ru"). Values are formatted for the language
# when rendered; texts from the data (V("text", ...)) are inserted as they are.

import math as _math
from dataclasses import dataclass as _dataclass, field as _field
from typing import Any as _Any


@_dataclass(frozen=True)
class V:
    """A typed value of a message: ``kind`` says how to write it (see :func:`format_value`)."""

    kind: str
    value: _Any
    digits: int | None = None


@_dataclass(frozen=True)
class Msg:
    """A template key and its values; ``render(lang)`` gives the sentence."""

    key: str
    args: dict = _field(default_factory=dict)

    def render(self, lang: str = "en", escape=None) -> str:
        """The sentence in ``lang``; ``escape`` (e.g. Markdown escaping) is applied to texts from the data."""
        return t(self.key, lang, **{k: format_value(v, lang, escape) for k, v in self.args.items()})


def _isnan(v) -> bool:
    try:
        return v is None or (isinstance(v, float) and _math.isnan(v))
    except TypeError:
        return False


def _decimal(s: str, lang: str) -> str:
    return s.replace(".", ",") if lang == "ru" else s


def pct_text(v, lang: str = "en", digits: int | None = None) -> str:
    """A share as a percentage: whole numbers from 10% to 99.5%, one decimal otherwise (or ``digits``)."""
    if _isnan(v):
        return "—"
    x = 100 * float(v)
    if digits is None:
        digits = 0 if (x == 0 or abs(x) >= 100 or 10 <= abs(x) < 99.5) else 1
    s = f"{x:.{digits}f}"
    return _decimal(s, lang) + "\u00a0%" if lang == "ru" else s + "%"


def p_text(p, lang: str = "en") -> str:
    """``p < 0.001`` / ``p = 0.012`` / ``p = 0.34``."""
    p = float(p)
    if p < 0.001:
        return t("p.less", lang, p=_decimal("0.001", lang))
    return t("p.equal", lang, p=_decimal(f"{p:.3f}" if p < 0.1 else f"{p:.2f}", lang))


def format_date(ts, lang: str = "en", grain: str = "day") -> str:
    """2024-03-04 (en) · 04.03.2024 (ru) · 2024年3月4日 (zh); months: 2024-03 · 03.2024 · 2024年3月."""
    import pandas as pd

    d = pd.Timestamp(ts)
    if grain == "month":
        return {"ru": f"{d.month:02d}.{d.year}", "zh": f"{d.year}年{d.month}月"}.get(lang, f"{d.year}-{d.month:02d}")
    return {"ru": f"{d.day:02d}.{d.month:02d}.{d.year}",
            "zh": f"{d.year}年{d.month}月{d.day}日"}.get(lang, d.strftime("%Y-%m-%d"))


def _cap(s: str) -> str:
    head = s[:1].upper()
    return head + s[1:] if len(head) == 1 else s


def period_text(label, lang: str = "en") -> str:
    """A KPI period label: ``2024-03`` (a month) or ``the first half`` / ``the second half``."""
    import re

    s = str(label)
    if s == "the first half":
        return t("period.first_half", lang)
    if s == "the second half":
        return t("period.second_half", lang)
    if re.fullmatch(r"\d{4}-\d{2}", s):
        return format_date(s + "-01", lang, "month")
    return s


def format_value(v, lang: str = "en", escape=None) -> str:
    """Write one message value in ``lang``. Plain values (str, int, float) are inserted as they are;
    ``escape`` is applied to texts from the data (kind ``text``)."""
    if isinstance(v, Msg):
        return v.render(lang, escape)
    if not isinstance(v, V):
        return str(v)
    k, x = v.kind, v.value
    if k == "text":
        return escape(str(x)) if escape is not None else str(x)
    if k == "msgs":                      # a list of Msg joined with "join.<and|list>" (given in ``digits``)
        sep = t("join." + (v.digits or "list"), lang) if isinstance(v.digits, str) else t("join.list", lang)
        return sep.join(format_value(m, lang, escape) for m in x)
    if k == "reason":                    # (error code, English message) of an analysis without a verdict
        code, message = x
        if lang == "en" or f"ab.err.{code}" not in STRINGS:
            return str(message)
        from . import abtest

        n = {"NOT_ENOUGH_CUSTOMERS": abtest.MIN_CUSTOMERS_PER_VARIANT,
             "NOT_ENOUGH_CONVERSIONS": abtest.MIN_CONVERSIONS}.get(code)
        return t(f"ab.err.{code}", lang, **({"n": format_number(n, lang)} if n is not None else {}))
    if k == "key":                       # another template without values
        return t(str(x), lang)
    if _isnan(x) and k not in ("stage", "stage_cap", "transition", "period", "date"):
        return "—"
    if k == "pct":
        return pct_text(x, lang, v.digits)
    if k == "count":
        return format_number(int(x), lang)
    if k == "num":
        return format_number(x, lang, decimals=2 if v.digits is None else v.digits)
    if k == "signed":
        return _decimal(f"{float(x):+.{2 if v.digits is None else v.digits}f}", lang)
    if k == "signed_pct":
        return _decimal(f"{100 * float(x):+.{1 if v.digits is None else v.digits}f}", lang) + \
            ("\u00a0%" if lang == "ru" else "%")
    if k == "points":
        return t("points", lang, v=_decimal(f"{100 * float(x):+.1f}", lang))
    if k == "p":
        return p_text(x, lang)
    esc = escape or str
    if k == "stage":
        return esc(stage_label(str(x), lang))
    if k == "stage_cap":
        return esc(_cap(stage_label(str(x), lang)))
    if k == "transition":
        a, b = x
        return f"{esc(_cap(stage_label(str(a), lang)))} → {esc(_cap(stage_label(str(b), lang)))}"
    if k == "unit":
        return t(f"unit.{x}", lang)
    if k == "unit_subj":
        return t(f"unit.{x}.subj", lang)
    if k == "kpi":
        return t(f"kpi.{x}", lang)
    if k == "period":
        return period_text(x, lang)
    if k == "date":
        return format_date(x, lang, v.digits or "day")
    raise ValueError(f"unknown message value kind {k!r}")
