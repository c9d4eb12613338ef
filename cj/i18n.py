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
    "rep.fact.in_window": {"en": " (+{n} still within the window)", "ru": " (+{n} ещё в пределах окна)",
                           "zh": "（另有 {n} 仍在时间窗口内）"},
    "rep.fact.sentiment_value": {"en": "{mean} (95% CI {lo} to {hi}), {n} values",
                                 "ru": "{mean} (95% ДИ от {lo} до {hi}), значений: {n}",
                                 "zh": "{mean}（95% 置信区间 {lo} 至 {hi}），{n} 个值"},
    "rep.fact.drop_value": {"en": "{neg} of the {n_neg} customers negative here, {other} of the other {n_other}",
                            "ru": "{neg} из {n_neg} клиентов с негативом здесь, {other} из остальных {n_other}",
                            "zh": "在此留下负面反馈的 {n_neg} 位客户中为 {neg}，其余 {n_other} 位中为 {other}"},
    "rep.fact.exp_label": {"en": "{exp}: {variant} vs control", "ru": "{exp}: {variant} против контроля",
                           "zh": "{exp}：{variant} 对比对照组"},
    "rep.fact.exp_value": {"en": "{base}{share} reach it ({lift}, Holm p {p})",
                           "ru": "{base}{share} доходят ({lift}, p (Холм) {p})",
                           "zh": "{base}{share} 到达（{lift}，Holm p {p}）"},
    "rep.srm": {"en": "Sample-ratio mismatch (p = {p}): the split of customers is not the expected one; do not trust "
                      "these results until it is explained.",
                "ru": "Дисбаланс выборок (p = {p}): клиенты распределены не так, как ожидалось; не доверяйте этим "
                      "результатам, пока причина не найдена.",
                "zh": "样本比例失衡（p = {p}）：客户分配与预期不符；在查明原因前请勿信任这些结果。"},
    "rep.seg_intro": {"en": "{k} segments (K-means on recency, frequency, revenue and journey depth; silhouette {sil}, "
                            "stability {stab}).",
                      "ru": "Сегментов: {k} (K-means по давности, частоте, выручке и глубине пути; силуэт {sil}, "
                            "устойчивость {stab}).",
                      "zh": "{k} 个分群（基于最近活跃、频次、收入和旅程深度的 K-means；轮廓系数 {sil}，稳定性 {stab}）。"},
    "rep.seg_line": {"en": "{name}: {n} customers ({share}), {revenue_share} of revenue.",
                     "ru": "{name}: {n} клиентов ({share}), {revenue_share} выручки.",
                     "zh": "{name}：{n} 位客户（{share}），收入占比 {revenue_share}。"},
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
        "ru": "разбивка воронки в разрезе: {dim} (группа — значение в первом событии пути); хи-квадрат между группами, "
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

# ---------------------------------------------------------------------- charts, table headers, page notes
# Chart titles, axis, legend and tooltip titles (cj.charts, cj.report's charts); "col.<name>" are the
# display labels of result-table columns (pages show them as headers, charts as tooltip titles; the
# CSV/XLSX downloads keep the stable English column names).
UI: dict[str, dict[str, str]] = {
    "ch.funnel": {"en": "Funnel ({mode})", "ru": "Воронка ({mode})", "zh": "漏斗（{mode}）"},
    "ch.share_start_ci": {"en": "share of starting {unit} (95% CI)", "ru": "доля начавших {unit} (95% ДИ)",
                          "zh": "占起始{unit}的比例（95% 置信区间）"},
    "ch.share_start": {"en": "share of starting {unit}", "ru": "доля начавших {unit}", "zh": "占起始{unit}的比例"},
    "ch.time_from_start": {"en": "time from step 1 (at least)", "ru": "время от шага 1 (не меньше)",
                           "zh": "距第 1 步的时间（至少）"},
    "ch.time_to_reach": {"en": "Time to reach {step} (median {median})",
                         "ru": "Время до шага «{step}» (медиана {median})", "zh": "到达 {step} 所需时间（中位数 {median}）"},
    "ch.first_seen": {"en": "first seen ({grain})", "ru": "первый визит ({grain})", "zh": "首次出现（{grain}）"},
    "ch.converted_last": {"en": "converted to the last step", "ru": "дошли до последнего шага",
                          "zh": "转化到最后一步"},
    "ch.trend": {"en": "Conversion trend (95% CI)", "ru": "Динамика конверсии (95% ДИ)", "zh": "转化趋势（95% 置信区间）"},
    "ch.share_dropped": {"en": "share of {unit} who dropped", "ru": "доля ушедших {unit}", "zh": "流失{unit}中的占比"},
    "ch.where_dropped": {"en": "Where those who dropped before step {n} went instead",
                         "ru": "Куда ушли те, кто не дошёл до шага {n}", "zh": "在第 {n} 步前流失的人去了哪里"},
    "ch.next_stage": {"en": "next stage", "ru": "следующий этап", "zh": "下一阶段"},
    "ch.stage": {"en": "stage", "ru": "этап", "zh": "阶段"},
    "ch.transitions": {"en": "Stage-to-stage transitions (share of moves from each stage)",
                       "ru": "Переходы между этапами (доля переходов из каждого этапа)",
                       "zh": "阶段间转移（各阶段出发的转移占比）"},
    "ch.k": {"en": "number of segments (k)", "ru": "число сегментов (k)", "zh": "分群数量（k）"},
    "ch.silhouette": {"en": "silhouette", "ru": "силуэт", "zh": "轮廓系数"},
    "ch.why_k": {"en": "Why this k: silhouette by k (higher = better separated)",
                 "ru": "Почему такое k: силуэт по k (выше — лучше разделены)",
                 "zh": "为何选此 k：各 k 的轮廓系数（越高分得越开）"},
    "ch.seg_reach": {"en": "share of segment reaching the stage", "ru": "доля сегмента, дошедшая до этапа",
                     "zh": "分群中到达该阶段的比例"},
    "ch.seg_funnel": {"en": "The funnel per segment", "ru": "Воронка по сегментам", "zh": "各分群的漏斗"},
    "ch.segment": {"en": "segment", "ru": "сегмент", "zh": "分群"},
    "ch.pc1": {"en": "component 1", "ru": "компонента 1", "zh": "主成分 1"},
    "ch.pc2": {"en": "component 2", "ru": "компонента 2", "zh": "主成分 2"},
    "ch.by_variant": {"en": "{label} by variant (95% CI)", "ru": "{label} по вариантам (95% ДИ)",
                      "zh": "各变体的{label}（95% 置信区间）"},
    "ch.rel_lift": {"en": "relative lift", "ru": "относительный прирост", "zh": "相对提升"},
    "ch.lift_vs_control": {"en": "Relative lift vs control (95% CI)",
                           "ru": "Относительный прирост к контролю (95% ДИ)", "zh": "相对对照组的提升（95% 置信区间）"},
    "ch.lift_stages": {"en": "Lift at every stage (reached at or after exposure)",
                       "ru": "Прирост на каждом этапе (достигнут при показе или позже)",
                       "zh": "各阶段的提升（曝光时或之后到达）"},
    "ch.significant": {"en": "significant (Holm)", "ru": "значимо (Холм)", "zh": "显著（Holm）"},
    "ch.not_significant": {"en": "not significant", "ru": "не значимо", "zh": "不显著"},
    "ch.mean_sentiment": {"en": "mean sentiment (−1 … +1)", "ru": "средняя тональность (−1 … +1)",
                          "zh": "平均情感（−1 … +1）"},
    "ch.events": {"en": "events", "ru": "события", "zh": "事件数"},
    "ch.rep_funnel": {"en": "Funnel: share of starting customers reaching each stage",
                      "ru": "Воронка: доля начавших клиентов, дошедших до каждого этапа",
                      "zh": "漏斗：起始客户到达各阶段的比例"},
    "ch.rep_emotion": {"en": "Emotion curve: mean sentiment by stage (95% CI)",
                       "ru": "Кривая эмоций: средняя тональность по этапам (95% ДИ)",
                       "zh": "情绪曲线：各阶段平均情感（95% 置信区间）"},
    "ch.position_funnel": {"en": "Position in the funnel", "ru": "Место в воронке", "zh": "在漏斗中的位置"},
    "ch.position_emotion": {"en": "Position on the emotion curve", "ru": "Место на кривой эмоций",
                            "zh": "在情绪曲线上的位置"},
    "ch.pain_share": {"en": "share of negative feedback mentioning it", "ru": "доля негативных отзывов с этой фразой",
                      "zh": "提及该短语的负面反馈占比"},
    "ch.complaints_at": {"en": "What the complaints at {stage} are about", "ru": "О чём жалобы на этапе «{stage}»",
                         "zh": "「{stage}」阶段的投诉内容"},
    "ch.segments_share": {"en": "Segments: share of customers and of revenue", "ru": "Сегменты: доля клиентов и выручки",
                          "zh": "分群：客户占比与收入占比"},
    "ch.measure.customers": {"en": "customers", "ru": "клиенты", "zh": "客户"},
    "ch.measure.revenue": {"en": "revenue", "ru": "выручка", "zh": "收入"},
    "ch.continued_into": {"en": "continued into {stage}", "ru": "перешли в «{stage}»", "zh": "继续进入 {stage}"},
    "ch.into_by": {"en": "Into {stage} by {dimension} (95% CI)", "ru": "Переход в «{stage}» в разрезе: {dimension} (95% ДИ)",
                   "zh": "按{dimension}进入 {stage}（95% 置信区间）"},
    # funnel modes and grains (select boxes and chart titles)
    "mode.ordered": {"en": "ordered", "ru": "упорядоченная", "zh": "有序"},
    "mode.strict": {"en": "strict", "ru": "строгая", "zh": "严格"},
    "mode.unordered": {"en": "unordered", "ru": "в любом порядке", "zh": "无序"},
    "mode.open": {"en": "open", "ru": "открытая", "zh": "开放"},
    "grain.week": {"en": "week", "ru": "неделя", "zh": "周"},
    "grain.month": {"en": "month", "ru": "месяц", "zh": "月"},
    "per.customer": {"en": "customers", "ru": "клиенты", "zh": "客户"},
    "per.session": {"en": "sessions", "ru": "сессии", "zh": "会话"},
    "opt.none": {"en": "(none)", "ru": "(нет)", "zh": "（无）"},
    "opt.all": {"en": "all", "ru": "все", "zh": "全部"},
    # durations (cj.report.duration_text)
    "dur.s": {"en": "{v}s", "ru": "{v}\u00a0с", "zh": "{v} 秒"},
    "dur.m": {"en": "{v}m", "ru": "{v}\u00a0мин", "zh": "{v} 分钟"},
    "dur.h": {"en": "{v}h", "ru": "{v}\u00a0ч", "zh": "{v} 小时"},
    "dur.d": {"en": "{v}d", "ru": "{v}\u00a0дн.", "zh": "{v} 天"},
    # page notes
    "funnel.available": {"en": "Available values: {values}", "ru": "Доступные значения: {values}",
                         "zh": "可用取值：{values}"},
    "funnel.in_window_note": {
        "en": "In window: reached the previous step so recently that the window is still open at the end of the "
              "data (not yet converted, kept apart from dropped). Confidence intervals: Wilson 95%.",
        "ru": "«В окне» — дошли до предыдущего шага так недавно, что к концу данных окно ещё открыто (ещё не "
              "конвертировались; считаются отдельно от ушедших). Доверительные интервалы: Уилсон, 95 %.",
        "zh": "窗口内：到达上一步的时间太近，数据结束时时间窗口仍未关闭（尚未转化，与流失分开统计）。置信区间：Wilson 95%。"},
    "funnel.dropped_at": {"en": "Dropped at step", "ru": "Ушли на шаге", "zh": "流失于步骤"},
    "funnel.prep_dropped": {"en": "Prepare the list of those who dropped", "ru": "Подготовить список ушедших",
                            "zh": "准备流失名单"},
    "funnel.dl_dropped": {"en": "Download the {n} {unit} who dropped (CSV)", "ru": "Скачать ушедших {unit}: {n} (CSV)",
                          "zh": "下载流失的 {n} 位{unit}（CSV）"},
    "funnel.by_heading": {"en": "By {by}", "ru": "По: {by}", "zh": "按{by}"},
    "funnel.tests_note": {
        "en": "Does step conversion differ between groups? Chi-square per step on those who reached the previous "
              "step; adjusted p: Benjamini–Hochberg across steps.",
        "ru": "Отличается ли конверсия шага между группами? Хи-квадрат по каждому шагу среди дошедших до "
              "предыдущего; скорректированное p — поправка Бенджамини–Хохберга по шагам.",
        "zh": "各组之间的步骤转化率是否不同？对到达上一步的人逐步做卡方检验；校正 p 值：跨步骤 Benjamini–Hochberg 校正。"},
    "funnel.more": {"en": "Time to convert, trend and paths", "ru": "Время до конверсии, динамика и пути",
                    "zh": "转化时间、趋势与路径"},
    "funnel.top_paths": {"en": "Top paths from {a} to {b}", "ru": "Частые пути от «{a}» до «{b}»",
                         "zh": "从 {a} 到 {b} 的常见路径"},
    "seg.caption": {"en": "**k = {k}** segments · silhouette {sil} · stability (adjusted Rand index across {seeds} "
                          "seeds) **{stab}** · features: {features} (log-scaled, standardised; K-means)",
                    "ru": "Сегментов: **k = {k}** · силуэт {sil} · устойчивость (скорректированный индекс Рэнда по "
                          "{seeds} зёрнам) **{stab}** · признаки: {features} (логарифм, стандартизация; K-means)",
                    "zh": "**k = {k}** 个分群 · 轮廓系数 {sil} · 稳定性（{seeds} 个随机种子间的调整兰德指数）**{stab}** · "
                          "特征：{features}（对数缩放、标准化；K-means）"},
    "seg.names_note": {"en": "Names are saved with the dataset and used on every page (e.g. as a funnel breakdown).",
                       "ru": "Названия сохраняются вместе с данными и используются на всех страницах (например, в "
                             "разбивке воронки).",
                       "zh": "名称随数据集保存，并在所有页面使用（例如作为漏斗的细分维度）。"},
    "seg.name_placeholder": {"en": "a name your team will recognise", "ru": "название, понятное команде",
                             "zh": "团队能认出的名称"},
    "seg.segment_n": {"en": "Segment {n}", "ru": "Сегмент {n}", "zh": "分群 {n}"},
    "seg.star_note": {
        "en": "* differs from the rest of the customers (chi-square for rates, Welch's t-test for means, "
              "Mann–Whitney for revenue per customer; Benjamini–Hochberg across the whole table, 5%).",
        "ru": "* отличается от остальных клиентов (хи-квадрат для долей, t-критерий Уэлча для средних, "
              "Манна–Уитни для выручки на клиента; поправка Бенджамини–Хохберга по всей таблице, 5 %).",
        "zh": "* 与其余客户存在差异（比率用卡方检验，均值用 Welch t 检验，每位客户收入用 Mann–Whitney 检验；全表 "
              "Benjamini–Hochberg 校正，5%）。"},
    "seg.full_table": {"en": "Full comparison table", "ru": "Полная таблица сравнения", "zh": "完整对比表"},
    "seg.no_projection": {"en": "No projection: {reason}", "ru": "Проекции нет: {reason}", "zh": "无法投影：{reason}"},
    "seg.clustering": {"en": "Clustering customers…", "ru": "Кластеризация клиентов…", "zh": "正在对客户聚类…"},
    "sent.no_column": {"en": "This dataset has no feedback text, rating or sentiment column: map one on the Data page.",
                       "ru": "В этих данных нет столбца с отзывами, оценками или тональностью: сопоставьте его на "
                             "странице «Данные».",
                       "zh": "此数据集没有反馈文本、评分或情感列：请在“数据”页面映射。"},
    "sent.no_values": {"en": "No feedback, rating or sentiment values match these filters.",
                       "ru": "Под эти фильтры не подходит ни один отзыв, оценка или значение тональности.",
                       "zh": "没有符合这些筛选条件的反馈、评分或情感值。"},
    "sent.lowest_line": {"en": "{label}: **{where}** (mean {mean}, {neg} negative, from {n} values).",
                         "ru": "{label}: **{where}** (среднее {mean}, негатив {neg}, по {n} значениям).",
                         "zh": "{label}：**{where}**（均值 {mean}，负面 {neg}，基于 {n} 个值）。"},
    "sent.by_heading": {"en": "By {by}", "ru": "По: {by}", "zh": "按{by}"},
    "sent.source_note": {
        "en": "Source: where each figure comes from — an explicit sentiment column first, then the feedback text "
              "(scored offline, EN/RU/ZH), then ratings mapped onto −1…+1. NPS appears when ratings are 0–10.",
        "ru": "Источник — откуда взято каждое значение: сначала явный столбец тональности, затем текст отзыва "
              "(оценивается офлайн, EN/RU/ZH), затем оценки, переведённые в шкалу −1…+1. NPS — если оценки 0–10.",
        "zh": "来源：每个数值的出处——优先使用明确的情感列，其次是反馈文本（离线评分，支持中英俄），再次是映射到 −1…+1 的评分。"
              "评分为 0–10 时显示 NPS。"},
    "sent.no_phrases": {"en": "Not enough negative feedback at this stage to find phrases.",
                        "ru": "На этом этапе слишком мало негативных отзывов, чтобы выделить фразы.",
                        "zh": "此阶段负面反馈不足，无法提取短语。"},
    "sent.phrases_note": {
        "en": "Phrases over-represented in negative feedback at this stage compared with the rest of its feedback "
              "(log-odds with an informative prior; z > 2 is notable).",
        "ru": "Фразы, которые в негативных отзывах на этом этапе встречаются чаще, чем в остальных его отзывах "
              "(логарифм шансов с информативным априорным распределением; z > 2 — заметно).",
        "zh": "此阶段负面反馈中相对其余反馈更常出现的短语（带信息先验的对数几率；z > 2 值得关注）。"},
    "sent.drop_note": {
        "en": "Share who never reached the next stage: customers who left negative feedback at the stage vs "
              "everyone else (chi-square).",
        "ru": "Доля не дошедших до следующего этапа: клиенты с негативным отзывом на этапе против всех остальных "
              "(хи-квадрат).",
        "zh": "未到达下一阶段的比例：在该阶段留下负面反馈的客户与其他所有人对比（卡方检验）。"},
    "sent.scoring": {"en": "Scoring feedback texts…", "ru": "Оценка тональности отзывов…", "zh": "正在为反馈文本评分…"},
    "ab.no_experiment": {"en": "This dataset has no experiment: map a 'variant' column (and optionally 'experiment') "
                               "on the Data page.",
                         "ru": "В этих данных нет эксперимента: сопоставьте столбец «variant» (и при желании "
                               "«experiment») на странице «Данные».",
                         "zh": "此数据集没有实验：请在“数据”页面映射“variant”列（可选“experiment”列）。"},
    "ab.no_window": {"en": "{reason}. Using no window.", "ru": "{reason}. Окно не используется.",
                     "zh": "{reason}。不使用时间窗口。"},
    "ab.srm_box": {"en": "**Sample-ratio mismatch** ({p}): the split of customers ({counts}) is not the expected one. "
                         "Assignment or logging is likely broken; do not trust the results until it is explained.",
                   "ru": "**Дисбаланс выборок** ({p}): распределение клиентов ({counts}) не соответствует ожидаемому. "
                         "Вероятно, нарушено распределение или логирование; не доверяйте результатам, пока причина "
                         "не найдена.",
                   "zh": "**样本比例失衡**（{p}）：客户分配（{counts}）与预期不符。分组或日志很可能有问题；在查明原因前请勿"
                         "信任结果。"},
    "ab.p_note": {"en": "p: two-proportion z-test (Fisher's exact test for small counts) or Welch's t-test; Holm p: "
                        "Holm-corrected across the variants; chance to win and expected loss: Bayesian, Beta(1,1) "
                        "prior (Gaussian for means).",
                  "ru": "p — z-тест для двух долей (точный тест Фишера для малых чисел) или t-критерий Уэлча; p (Холм) — "
                        "с поправкой Холма по вариантам; вероятность выигрыша и ожидаемые потери — байесовские, "
                        "априорное Beta(1,1) (нормальное для средних).",
                  "zh": "p：双比例 z 检验（小样本用 Fisher 精确检验）或 Welch t 检验；Holm p：变体间 Holm 校正；获胜概率与"
                        "预期损失：贝叶斯方法，先验 Beta(1,1)（均值用正态）。"},
    "ab.dl_stages": {"en": "Download stage table (CSV)", "ru": "Скачать таблицу этапов (CSV)",
                     "zh": "下载阶段表（CSV）"},
    "ab.goal.conversion": {"en": "conversion to {stage}", "ru": "конверсия в «{stage}»", "zh": "转化到 {stage}"},
    "ab.goal.per_customer": {"en": "{metric} per customer", "ru": "{metric} на клиента", "zh": "每位客户的 {metric}"},
    "ab.baseline": {"en": "Baseline conversion", "ru": "Базовая конверсия", "zh": "基线转化率"},
    "ab.mde": {"en": "Minimum detectable lift (absolute, points)",
               "ru": "Минимальный обнаружимый прирост (абсолютный, п.\u00a0п.)", "zh": "最小可检测提升（绝对值，百分点）"},
    "ab.power": {"en": "Power", "ru": "Мощность", "zh": "检验功效"},
    "ab.need": {"en": "You need **{n} customers per variant** to detect {a} → {b} with {power} power at α = 0.05 "
                      "(two-sided).",
                "ru": "Нужно **{n} клиентов на вариант**, чтобы обнаружить {a} → {b} с мощностью {power} при α = 0,05 "
                      "(двусторонний тест).",
                "zh": "需要**每个变体 {n} 位客户**，才能以 {power} 的功效在 α = 0.05（双侧）下检测到 {a} → {b}。"},
    "ab.can_detect": {"en": "With the {n} customers per variant in this test, the smallest lift it can detect is "
                            "**{m} points**.",
                      "ru": "При {n} клиентах на вариант в этом тесте наименьший обнаружимый прирост — **{m} п.\u00a0п.**",
                      "zh": "按本测试每个变体 {n} 位客户计算，可检测的最小提升为 **{m} 个百分点**。"},
    "jm.need_stages": {"en": "A journey map needs at least two stages: map a stage column (or events to stages) on the "
                             "Data page.",
                       "ru": "Для карты пути нужны хотя бы два этапа: сопоставьте столбец этапа (или события с этапами) "
                             "на странице «Данные».",
                       "zh": "旅程地图至少需要两个阶段：请在“数据”页面映射阶段列（或将事件映射到阶段）。"},
    "jm.mapping": {"en": "Mapping the journey…", "ru": "Строим карту пути…", "zh": "正在绘制旅程…"},
    "jm.continue_short": {"en": "Move on", "ru": "Дальше", "zh": "继续前进"},
    "jm.emotion_scale": {"en": "Emotion (−1 … +1)", "ru": "Эмоции (−1 … +1)", "zh": "情绪（−1 … +1）"},
    "jm.help_reached": {"en": "{unit} with any event at this stage", "ru": "{unit} с любым событием на этом этапе",
                        "zh": "在此阶段有任何事件的{unit}"},
    "jm.help_move_on": {"en": "of those who reached {stage} in order, the share who reached {next}",
                        "ru": "доля дошедших до «{next}» среди тех, кто по порядку дошёл до «{stage}»",
                        "zh": "按顺序到达「{stage}」的人中到达「{next}」的比例"},
    "jm.help_time": {"en": "median, over those who moved on", "ru": "медиана по перешедшим дальше",
                     "zh": "继续前进者的中位数"},
    "jm.help_emotion": {"en": "mean sentiment (−1…+1) of {n} values; {neg} negative",
                        "ru": "средняя тональность (−1…+1) по {n} значениям; негатив {neg}",
                        "zh": "{n} 个值的平均情感（−1…+1）；负面 {neg}"},
    "jm.tp_move_on": {"en": "{share} move on", "ru": "дальше {share}", "zh": "{share} 继续前进"},
    "jm.vs": {"en": "vs {period}", "ru": "к {period}", "zh": "对比 {period}"},
    "jm.kpi_n": {"en": "n = {n}", "ru": "n = {n}", "zh": "n = {n}"},
    "jm.kpi_reached": {"en": "customers who reached {stage} (by period: of the customers first seen in it)",
                       "ru": "клиенты, дошедшие до этапа «{stage}» (по периодам — среди впервые появившихся в нём)",
                       "zh": "到达「{stage}」的客户（按时期：在该时期首次出现的客户中）"},
    "jm.kpi_change": {"en": "{a} → {b}: {change} ({p})", "ru": "{a} → {b}: {change} ({p})", "zh": "{a} → {b}：{change}（{p}）"},
    "jm.not_significant": {"en": "not significant", "ru": "не значимо", "zh": "不显著"},
    "jm.not_tested": {"en": "not tested", "ru": "не проверялось", "zh": "未检验"},
    "jm.no_emotion": {"en": "No feedback, rating or sentiment column: there is no emotion curve.",
                      "ru": "Нет столбца с отзывами, оценками или тональностью — кривой эмоций нет.",
                      "zh": "没有反馈、评分或情感列：无法绘制情绪曲线。"},
    "jm.no_touchpoints": {"en": "No touchpoint column.", "ru": "Нет столбца точек контакта.", "zh": "没有触点列。"},
    "jm.who_moves_on": {"en": "**Who moves on to {stage}** (by the value on entering the stage)",
                        "ru": "**Кто переходит в «{stage}»** (по значению при входе на этап)",
                        "zh": "**谁进入了「{stage}」**（按进入该阶段时的取值）"},
    "jm.no_pains": {"en": "No pain points found at this stage (no or too little negative feedback text).",
                    "ru": "На этом этапе болевых точек не найдено (негативных отзывов нет или слишком мало).",
                    "zh": "此阶段未发现痛点（没有或只有很少的负面反馈文本）。"},
    "jm.exp_stage": {"en": "**Experiments at this stage**", "ru": "**Эксперименты на этом этапе**",
                     "zh": "**此阶段的实验**"},
    "jm.exports_note": {"en": "A PowerPoint deck (title, summary of findings, one slide per stage with its chart, "
                              "appendix tables; text stays editable) or a self-contained HTML report that opens "
                              "offline.",
                        "ru": "Презентация PowerPoint (титул, сводка выводов, по слайду на этап с графиком, таблицы в "
                              "приложении; текст можно править) или автономный HTML-отчёт, открывающийся без сети.",
                        "zh": "PowerPoint 演示文稿（标题、发现摘要、每个阶段一页含图表、附录表格；文字可编辑）或可离线打开的独立 "
                              "HTML 报告。"},
    "jm.building_deck": {"en": "Building the deck…", "ru": "Собираем презентацию…", "zh": "正在生成演示文稿…"},
    "jm.building_report": {"en": "Building the report…", "ru": "Собираем отчёт…", "zh": "正在生成报告…"},
    "jm.exp_line": {"en": "{exp}: {variant} {change} vs {control}", "ru": "{exp}: {variant} {change} к {control}",
                    "zh": "{exp}：{variant} 相对 {control} {change}"},
    "jm.present_help": {"en": "Full width, large type, controls hidden, one stage at a time (kept in the link).",
                        "ru": "Во всю ширину, крупный шрифт, без элементов управления, по одному этапу (сохраняется "
                              "в ссылке).",
                        "zh": "全宽、大字体、隐藏控件、一次一个阶段（保存在链接中）。"},
    "common.xlsx_help": {"en": "The same table as an Excel workbook (formula-looking cells stay text)",
                         "ru": "Та же таблица в формате Excel (ячейки, похожие на формулы, остаются текстом)",
                         "zh": "同一表格的 Excel 工作簿（看起来像公式的单元格保持为文本）"},
    "kpi.short.csat": {"en": "CSAT", "ru": "CSAT", "zh": "CSAT"},
    "rep.cap.funnel": {"en": "Share of the customers who started at the first stage that reached each stage, in "
                             "order{window}.",
                       "ru": "Доля клиентов, начавших с первого этапа, которые по порядку дошли до каждого этапа{window}.",
                       "zh": "从第一阶段开始的客户中按顺序到达各阶段的比例{window}。"},
    "rep.cap.emotion": {"en": "Mean sentiment of feedback and ratings at each stage, with 95% confidence band.",
                        "ru": "Средняя тональность отзывов и оценок на каждом этапе с 95-процентным доверительным "
                              "интервалом.",
                        "zh": "各阶段反馈与评分的平均情感，附 95% 置信带。"},
    "rep.chart.into_by": {"en": "Into {stage} by {dimension}", "ru": "Переход в «{stage}» в разрезе: {dimension}",
                          "zh": "按{dimension}进入 {stage}"},
    "rep.cap.breakdown": {"en": "Conversion into {stage} from the stage before, per {dimension}.",
                          "ru": "Конверсия в «{stage}» из предыдущего этапа, по: {dimension}.",
                          "zh": "按{dimension}划分的从上一阶段进入 {stage} 的转化率。"},
    "rep.chart.stage": {"en": "{stage} in the journey", "ru": "{stage}: место в пути", "zh": "{stage}在旅程中的位置"},
    "rep.cap.stage": {"en": "Where {stage} sits in the funnel and on the emotion curve.",
                      "ru": "Где этап «{stage}» находится в воронке и на кривой эмоций.",
                      "zh": "「{stage}」在漏斗和情绪曲线上的位置。"},
    "rep.chart.complaints": {"en": "Complaints at {stage}", "ru": "Жалобы на этапе «{stage}»", "zh": "「{stage}」阶段的投诉"},
    "rep.cap.pains": {"en": "Phrases over-represented in the negative feedback of this stage.",
                      "ru": "Фразы, которые чаще обычного встречаются в негативных отзывах этого этапа.",
                      "zh": "在此阶段负面反馈中出现得格外多的短语。"},
    "rep.chart.by_variant": {"en": "{label} by variant", "ru": "{label} по вариантам", "zh": "各变体的{label}"},
    "rep.cap.rates": {"en": "Conversion rate per variant with its 95% interval.",
                      "ru": "Конверсия по вариантам с 95-процентным интервалом.", "zh": "各变体的转化率及其 95% 区间。"},
    "rep.chart.stage_lifts": {"en": "Lift at every stage", "ru": "Прирост на каждом этапе", "zh": "各阶段的提升"},
    "rep.cap.stage_lifts": {"en": "Relative lift of each treatment against the control at every stage, 95% CI.",
                            "ru": "Относительный прирост каждого варианта к контролю на каждом этапе, 95% ДИ.",
                            "zh": "各处理组在每个阶段相对对照组的提升，95% 置信区间。"},
    "rep.cap.lift": {"en": "Relative lift against the control with its 95% interval.",
                     "ru": "Относительный прирост к контролю с 95-процентным интервалом.",
                     "zh": "相对对照组的提升及其 95% 区间。"},
    "rep.cap.segments": {"en": "Each segment's share of customers and of revenue.",
                         "ru": "Доля каждого сегмента в клиентах и в выручке.", "zh": "各分群的客户占比与收入占比。"},
    "rep.note.funnel": {"en": "Ordered funnel{window}; in window: still able to convert at the end of the data.",
                        "ru": "Упорядоченная воронка{window}; «в окне» — к концу данных ещё могут конвертироваться.",
                        "zh": "有序漏斗{window}；窗口内：数据结束时仍可能转化。"},
    "rep.note.pains": {"en": "Phrases over-represented in negative feedback (log-odds z-score).",
                       "ru": "Фразы, чаще обычного встречающиеся в негативных отзывах (z-оценка логарифма шансов).",
                       "zh": "负面反馈中出现得格外多的短语（对数几率 z 分数）。"},
    "rep.note.segment_kpis": {"en": "Chi-square for rates, Welch's t for means, Mann–Whitney for revenue; "
                                    "Benjamini–Hochberg.",
                              "ru": "Хи-квадрат для долей, t-критерий Уэлча для средних, Манна–Уитни для выручки; "
                                    "поправка Бенджамини–Хохберга.",
                              "zh": "比率用卡方检验，均值用 Welch t 检验，收入用 Mann–Whitney 检验；Benjamini–Hochberg 校正。"},
    "rep.within": {"en": " within {w}", "ru": " в пределах {w}", "zh": "（{w}内）"},
    "col.mean_of": {"en": "{col} (mean)", "ru": "{col} (среднее)", "zh": "{col}（均值）"},
    "col.vs_all": {"en": "{col} vs all", "ru": "{col} к общему", "zh": "{col} 相对整体"},
}
_COLUMNS = {
    "step": ("Step", "Шаг", "步骤"), "step_index": ("#", "№", "序号"),
    "customers": ("Customers", "Клиенты", "客户"), "sessions": ("Sessions", "Сессии", "会话"),
    "conversion_from_previous": ("From previous step", "От предыдущего шага", "相对上一步"),
    "conversion_from_start": ("From start", "От начала", "相对起点"),
    "ci_prev_low": ("From previous: CI low", "От предыдущего: ДИ от", "相对上一步：置信下限"),
    "ci_prev_high": ("From previous: CI high", "От предыдущего: ДИ до", "相对上一步：置信上限"),
    "ci_start_low": ("From start: CI low", "От начала: ДИ от", "相对起点：置信下限"),
    "ci_start_high": ("From start: CI high", "От начала: ДИ до", "相对起点：置信上限"),
    "dropped": ("Dropped", "Ушли", "流失"), "in_window": ("In window", "В окне", "窗口内"),
    "median_seconds_from_previous": ("Median time from previous (s)", "Медиана времени от предыдущего (с)",
                                     "距上一步中位时间（秒）"),
    "median_seconds_from_start": ("Median time from start (s)", "Медиана времени от начала (с)", "距起点中位时间（秒）"),
    "median_seconds": ("Median time (s)", "Медиана времени (с)", "中位时间（秒）"),
    "chi2": ("χ²", "χ²", "χ²"), "dof": ("Degrees of freedom", "Степени свободы", "自由度"),
    "p_value": ("p", "p", "p 值"), "p_adjusted": ("Adjusted p", "Скорр. p", "校正 p 值"),
    "p_value_holm": ("Holm p", "p (Холм)", "Holm p 值"),
    "groups": ("Groups", "Группы", "组数"), "lowest_group": ("Lowest group", "Худшая группа", "最低组"),
    "highest_group": ("Highest group", "Лучшая группа", "最高组"),
    "path": ("Path", "Путь", "路径"), "length": ("Length", "Длина", "长度"), "share": ("Share", "Доля", "占比"),
    "segment": ("Segment", "Сегмент", "分群"), "name": ("Name", "Название", "名称"), "size": ("Size", "Размер", "规模"),
    "revenue_share": ("Revenue share", "Доля выручки", "收入占比"), "segment_name": ("Segment", "Сегмент", "分群"),
    "kpi": ("KPI", "Показатель", "指标"), "value": ("Value", "Значение", "数值"),
    "rest_value": ("Rest", "Остальные", "其余"), "n": ("n", "n", "n"), "rest_n": ("Rest n", "n остальных", "其余 n"),
    "test": ("Test", "Тест", "检验"), "significant": ("Significant", "Значимо", "显著"), "note": ("Note", "Примечание", "备注"),
    "aov": ("Average order value", "Средний чек", "平均订单金额"),
    "conversion_rate": ("Conversion rate", "Конверсия", "转化率"), "csat": ("CSAT", "CSAT", "CSAT"),
    "retention_rate": ("Retention rate", "Удержание", "留存率"),
    "revenue_per_customer": ("Revenue per customer", "Выручка на клиента", "每位客户收入"),
    "sentiment": ("Sentiment", "Тональность", "情感"),
    "variant": ("Variant", "Вариант", "变体"), "conversions": ("Conversions", "Конверсии", "转化数"),
    "rate": ("Rate", "Доля", "比率"), "ci_low": ("CI low", "ДИ от", "置信下限"), "ci_high": ("CI high", "ДИ до", "置信上限"),
    "control": ("Control", "Контроль", "对照组"), "lift_abs": ("Lift (points)", "Прирост (п.\u00a0п.)", "提升（百分点）"),
    "lift_rel": ("Relative lift", "Относит. прирост", "相对提升"),
    "ci_rel_low": ("Relative lift: CI low", "Прирост: ДИ от", "相对提升：置信下限"),
    "ci_rel_high": ("Relative lift: CI high", "Прирост: ДИ до", "相对提升：置信上限"),
    "chance_to_win": ("Chance to win", "Вероятность выигрыша", "获胜概率"),
    "expected_loss": ("Expected loss", "Ожидаемые потери", "预期损失"), "error": ("Error", "Ошибка", "错误"),
    "stage": ("Stage", "Этап", "阶段"), "reached": ("Reached", "Дошли", "到达"),
    "n_texts": ("Texts", "Текстов", "文本数"), "mean": ("Mean", "Среднее", "均值"),
    "share_negative": ("Negative", "Негатив", "负面占比"), "share_neutral": ("Neutral", "Нейтрально", "中性占比"),
    "share_positive": ("Positive", "Позитив", "正面占比"), "mean_rating": ("Mean rating", "Средняя оценка", "平均评分"),
    "nps": ("NPS", "NPS", "NPS"), "source": ("Source", "Источник", "来源"),
    "phrase": ("Phrase", "Фраза", "短语"), "count": ("Count", "Количество", "次数"),
    "count_other": ("Count elsewhere", "Количество в остальных", "其他中的次数"),
    "share_other": ("Share elsewhere", "Доля в остальных", "其他中的占比"), "z": ("z", "z", "z"),
    "next_stage": ("Next stage", "Следующий этап", "下一阶段"),
    "n_negative": ("With negative feedback", "С негативным отзывом", "有负面反馈"),
    "dropped_negative": ("Dropped (negative)", "Ушли (негатив)", "流失（负面）"),
    "drop_rate_negative": ("Drop rate (negative)", "Доля ушедших (негатив)", "流失率（负面）"),
    "n_other": ("Others", "Остальные", "其他"), "dropped_other": ("Dropped (others)", "Ушли (остальные)", "流失（其他）"),
    "drop_rate_other": ("Drop rate (others)", "Доля ушедших (остальные)", "流失率（其他）"),
    "difference": ("Difference", "Разница", "差异"),
    "touchpoint": ("Touchpoint", "Точка контакта", "触点"), "events": ("Events", "События", "事件数"),
    "units": ("Count", "Количество", "数量"), "converted": ("Converted", "Конвертировались", "已转化"),
    "conversion": ("Conversion", "Конверсия", "转化率"), "dim": ("Dimension", "Измерение", "维度"),
    "group": ("Group", "Группа", "分组"), "rank": ("Rank", "Место", "排名"), "experiment": ("Experiment", "Эксперимент", "实验"),
    "transition": ("Transition", "Переход", "转移"), "lost": ("Lost", "Потеряно", "流失数"),
    "lost_share": ("Lost share", "Доля потерь", "流失占比"), "headroom": ("Headroom", "Запас роста", "提升空间"),
    "headroom_dim": ("Best group: dimension", "Лучшая группа: измерение", "最佳分组：维度"),
    "headroom_group": ("Best group", "Лучшая группа", "最佳分组"),
    "headroom_rate": ("Best group's rate", "Конверсия лучшей группы", "最佳分组转化率"),
    "headroom_units": ("Best group's size", "Размер лучшей группы", "最佳分组规模"),
    "overall_rate": ("Overall rate", "Общая конверсия", "整体转化率"), "score": ("Score", "Балл", "得分"),
    "revenue": ("Revenue", "Выручка", "收入"), "orders": ("Orders", "Заказы", "订单数"),
    "recency_days": ("Days since last event", "Дней с последнего события", "距最近事件天数"),
    "deepest_stage": ("Deepest stage", "Самый дальний этап", "最深阶段"),
    "days_to_purchase": ("Days to purchase", "Дней до покупки", "购买前天数"),
    "mean_sentiment": ("Mean sentiment", "Средняя тональность", "平均情感"),
    "device": ("Device", "Устройство", "设备"), "country": ("Country", "Страна", "国家"),
    "period": ("Period", "Период", "时期"), "from": ("From", "Откуда", "起点"), "to": ("To", "Куда", "终点"),
    "k": ("k", "k", "k"), "silhouette": ("Silhouette", "Силуэт", "轮廓系数"), "bin": ("Time", "Время", "时间"),
    "rating": ("Rating", "Оценка", "评分"), "feedback": ("Feedback", "Отзыв", "反馈"), "event": ("Event", "Событие", "事件"),
    "timestamp": ("Time", "Время", "时间"), "customer_id": ("Customer", "Клиент", "客户"),
    "session_id": ("Session", "Сессия", "会话"),
}
for _name, (_en, _ru, _zh) in _COLUMNS.items():
    UI[f"col.{_name}"] = {"en": _en, "ru": _ru, "zh": _zh}
STRINGS.update(UI)

# ---------------------------------------------------------------------- segment names made by rules
# cj.segments names segments by rules in English; those names are identities (stored renames, links,
# the ``segment`` column), so they are translated for display only (segment_label). Names a user typed
# are shown as typed.
SEGMENT_RULE_NAMES: dict[str, tuple[str, str]] = {
    "New prospects": ("Новые потенциальные клиенты", "新的潜在客户"),
    "Browsers who never bought": ("Смотрят, но не покупают", "只逛不买的访客"),
    "One-time buyers": ("Разовые покупатели", "单次购买客户"),
    "At-risk former customers": ("Бывшие клиенты в зоне риска", "有流失风险的老客户"),
    "High-value loyal advocates": ("Ценные лояльные амбассадоры", "高价值忠实推荐者"),
    "High-value repeat buyers": ("Ценные постоянные покупатели", "高价值复购客户"),
    "Repeat buyers": ("Постоянные покупатели", "复购客户"),
    "Occasional buyers": ("Нерегулярные покупатели", "偶尔购买的客户"),
}
for _name, (_ru, _zh) in SEGMENT_RULE_NAMES.items():
    STRINGS[f"segname.{_name}"] = {"en": _name, "ru": _ru, "zh": _zh}
STRINGS["segname.suffix"] = {"en": "{name} ({n})", "ru": "{name} ({n})", "zh": "{name}（{n}）"}

# widget help texts, option labels, link notes, the password prompt, yes/no
STRINGS.update({
    "yes": {"en": "yes", "ru": "да", "zh": "是"},
    "no": {"en": "no", "ru": "нет", "zh": "否"},
    "funnel.steps_help": {"en": "e.g. awareness,interest,consideration|cart,purchase",
                          "ru": "например: awareness,interest,consideration|cart,purchase (значения из данных)",
                          "zh": "例如：awareness,interest,consideration|cart,purchase（数据中的取值）"},
    "funnel.mode_help": {
        "en": "ordered: steps in order within the window (ties allowed); strict: consecutive events; "
              "unordered: any order within the window; open: ever reached each step",
        "ru": "упорядоченная — шаги по порядку в пределах окна (одновременные допускаются); строгая — события подряд; "
              "в любом порядке — в пределах окна; открытая — кто когда-либо дошёл до каждого шага",
        "zh": "有序：在时间窗口内按顺序完成各步（允许同时）；严格：连续事件；无序：窗口内任意顺序；开放：曾到达过每一步即可"},
    "funnel.window_help": {"en": "30d, 12h, 2w … or none", "ru": "30d, 12h, 2w … или none (без ограничения)",
                           "zh": "30d、12h、2w …，或 none（不限）"},
    "funnel.more_help": {"en": "On for datasets under 300,000 events; switch on for bigger ones (each takes about "
                               "as long as the funnel itself).",
                         "ru": "Включено для данных до 300\u00a0000 событий; для больших включите сами (каждый расчёт "
                               "занимает примерно столько же, сколько сама воронка).",
                         "zh": "事件少于 300,000 条的数据集默认开启；更大的数据集请手动开启（每项计算耗时与漏斗本身相当）。"},
    "ab.window_help": {"en": "e.g. 14d, 48h, or none for no limit", "ru": "например, 14d, 48h или none — без ограничения",
                       "zh": "例如 14d、48h，或 none 表示不限"},
    "seg.k_help": {"en": "auto: chosen by the silhouette score over 2–10",
                   "ru": "авто — выбирается по коэффициенту силуэта среди 2–10",
                   "zh": "自动：在 2–10 之间按轮廓系数选择"},
    "seg.k_auto": {"en": "auto", "ru": "авто", "zh": "自动"},
    "side.password": {"en": "Password", "ru": "Пароль", "zh": "密码"},
    "side.wrong_password": {"en": "Wrong password.", "ru": "Неверный пароль.", "zh": "密码错误。"},
    # notes on a share link that could not be honoured ({raw}: the link's value, escaped)
    "link.invalid": {"en": "The link's {what} ('{raw}') is not valid; using the default.",
                     "ru": "Значение «{what}» в ссылке ('{raw}') недопустимо; используется значение по умолчанию.",
                     "zh": "链接中的{what}（'{raw}'）无效；已改用默认值。"},
    "link.not_fit": {"en": "The link's {what} ('{raw}') does not fit this data; using the default.",
                     "ru": "Значение «{what}» в ссылке ('{raw}') не подходит к этим данным; используется значение по "
                           "умолчанию.",
                     "zh": "链接中的{what}（'{raw}'）与此数据不符；已改用默认值。"},
    "link.not_here": {"en": "The link's {what} ('{raw}') is not in this dataset; using the default.",
                      "ru": "Значения «{what}» из ссылки ('{raw}') нет в этих данных; используется значение по "
                            "умолчанию.",
                      "zh": "链接中的{what}（'{raw}'）不在此数据集中；已改用默认值。"},
})
# the Data page (upload, read options, external Parquet, column chooser, quality report, editors)
STRINGS.update({
    "data.formats": {
        "en": "CSV (comma, semicolon, tab or |; UTF-8, UTF-16, cp1251, GB18030, Latin-1), .csv.gz, Parquet or "
              "Excel .xlsx — one row per customer event, up to {max_mb} MB. Bigger data: save it as Parquet, "
              "or use `python -m cj ingest FILE --save` on the server.",
        "ru": "CSV (запятая, точка с запятой, табуляция или |; UTF-8, UTF-16, cp1251, GB18030, Latin-1), .csv.gz, "
              "Parquet или Excel .xlsx — одна строка на событие клиента, до {max_mb} МБ. Данные больше: сохраните "
              "их в Parquet или выполните на сервере `python -m cj ingest FILE --save`.",
        "zh": "CSV（逗号、分号、制表符或 |；UTF-8、UTF-16、cp1251、GB18030、Latin-1）、.csv.gz、Parquet 或 Excel "
              ".xlsx —— 每行一个客户事件，最大 {max_mb} MB。更大的数据：请另存为 Parquet，或在服务器上运行 "
              "`python -m cj ingest FILE --save`。"},
    "data.opt.auto": {"en": "auto", "ru": "авто", "zh": "自动"},
    "data.opt.tab": {"en": "tab", "ru": "табуляция", "zh": "制表符"},
    "data.opt.day first": {"en": "day first", "ru": "сначала день", "zh": "日在前"},
    "data.opt.month first": {"en": "month first", "ru": "сначала месяц", "zh": "月在前"},
    "data.reading": {"en": "Reading {name}…", "ru": "Чтение {name}…", "zh": "正在读取 {name}…"},
    "data.loaded": {"en": "Loaded {name}.", "ru": "Загружено: {name}.", "zh": "已加载 {name}。"},
    "data.ext": {"en": "Add a Parquet location", "ru": "Добавить расположение Parquet", "zh": "添加 Parquet 位置"},
    "data.ext_caption": {
        "en": "Events already stored as Parquet with the canonical columns (customer_id, timestamp, stage and/or "
              "event, …) — a file, or a folder of files on this machine — are read where they are: nothing is "
              "copied, and deleting the dataset never deletes them. The same location can be analysed on Apache "
              "Spark: `python -m cj funnel DATASET_ID --engine spark`.",
        "ru": "События, уже сохранённые в Parquet со стандартными столбцами (customer_id, timestamp, stage и/или "
              "event, …), — файл или папка с файлами на этом компьютере — читаются на месте: ничего не копируется, "
              "а удаление набора данных никогда не удаляет их. То же расположение можно анализировать в Apache "
              "Spark: `python -m cj funnel DATASET_ID --engine spark`.",
        "zh": "已按标准列（customer_id、timestamp、stage 和/或 event 等）存为 Parquet 的事件——本机上的一个文件或一个"
              "文件夹——将就地读取：不复制任何内容，删除数据集也不会删除这些文件。同一位置也可在 Apache Spark 上分析："
              "`python -m cj funnel DATASET_ID --engine spark`。"},
    "data.ext_location": {"en": "File or folder", "ru": "Файл или папка", "zh": "文件或文件夹"},
    "data.ext_name": {"en": "Name (optional)", "ru": "Название (необязательно)", "zh": "名称（可选）"},
    "data.ext_add": {"en": "Add location", "ru": "Добавить расположение", "zh": "添加位置"},
    "data.checking": {"en": "Checking {where}…", "ru": "Проверка {where}…", "zh": "正在检查 {where}…"},
    "data.added": {"en": "Added {name} (read in place).", "ru": "Добавлено: {name} (читается на месте).",
                   "zh": "已添加 {name}（就地读取）。"},
    "data.not_loaded": {"en": "{name} could not be loaded as it is:", "ru": "Файл {name} не удалось загрузить как есть:",
                        "zh": "无法按原样加载 {name}："},
    "data.choose_columns": {"en": "Choose the columns", "ru": "Выберите столбцы", "zh": "选择列"},
    "data.required": {"en": "{label} (required)", "ru": "{label} — обязательно", "zh": "{label}（必填）"},
    "data.canon": {"en": "{label} ({canon})", "ru": "{label} ({canon})", "zh": "{label}（{canon}）"},
    "data.load_mapping": {"en": "Load with this mapping", "ru": "Загрузить с этим сопоставлением",
                          "zh": "按此映射加载"},
    "data.fix_file": {"en": "Fix the file (or the read options above) and upload it again.",
                      "ru": "Исправьте файл (или параметры чтения выше) и загрузите его снова.",
                      "zh": "请修正文件（或上方的读取选项）后重新上传。"},
    "data.file_caption": {
        "en": "File {file} · {format} · encoding {encoding} · delimiter {delimiter} · timestamps: {ts}",
        "ru": "Файл {file} · {format} · кодировка {encoding} · разделитель {delimiter} · формат времени: {ts}",
        "zh": "文件 {file} · {format} · 编码 {encoding} · 分隔符 {delimiter} · 时间格式：{ts}"},
    "data.q.duplicates": {"en": "duplicates (same customer, time, stage, event)",
                          "ru": "дубликаты (тот же клиент, время, этап, событие)",
                          "zh": "重复行（客户、时间、阶段、事件均相同）"},
    "data.q.unparseable_timestamps": {"en": "unparseable timestamps", "ru": "нераспознанное время",
                                      "zh": "无法解析的时间"},
    "data.q.missing_timestamps": {"en": "missing timestamps", "ru": "нет времени", "zh": "缺少时间"},
    "data.q.missing_ids": {"en": "missing customer ids", "ru": "нет id клиента", "zh": "缺少客户 ID"},
    "data.q.future_dates": {"en": "future dates", "ru": "даты в будущем", "zh": "未来日期"},
    "data.q.malformed_lines": {"en": "malformed lines", "ru": "повреждённые строки", "zh": "格式错误的行"},
    "data.unusable_rows": {"en": "**Unusable rows** (kept aside, not deleted):",
                           "ru": "**Непригодные строки** (отложены, не удалены):",
                           "zh": "**不可用行**（已单独保存，未删除）："},
    "data.dl_rejects": {"en": "Download unusable rows (CSV)", "ru": "Скачать непригодные строки (CSV)",
                        "zh": "下载不可用行（CSV）"},
    "data.mapping_caption": {
        "en": "What each canonical column was read from. Correct it and apply: the dataset is rebuilt from the "
              "original file, keeping its id and links.",
        "ru": "Из какого столбца файла прочитан каждый стандартный столбец. Исправьте и примените: набор данных "
              "будет пересобран из исходного файла с тем же id и ссылками.",
        "zh": "每个标准列读取自文件的哪一列。更正后点击应用：数据集将从原始文件重建，ID 和链接保持不变。"},
    "data.rebuilding": {"en": "Rebuilding the dataset…", "ru": "Пересборка набора данных…", "zh": "正在重建数据集…"},
    "data.mapping_applied": {"en": "Mapping applied.", "ru": "Сопоставление применено.", "zh": "映射已应用。"},
    "data.stages_caption": {
        "en": "The order of journey stages used by the funnel and the journey map. Untick a stage to leave it out; "
              "change the numbers to reorder.",
        "ru": "Порядок этапов пути для воронки и карты пути. Снимите отметку, чтобы исключить этап; меняйте "
              "номера, чтобы изменить порядок.",
        "zh": "漏斗和旅程地图使用的旅程阶段顺序。取消勾选可排除某阶段；修改序号可调整顺序。"},
    "data.order_saved": {"en": "Stage order saved.", "ru": "Порядок этапов сохранён.", "zh": "阶段顺序已保存。"},
    "data.esm_intro": {
        "en": "**Map events to stages** — each event can be a funnel step on its own; mapping them to stages "
              "gives the journey view.",
        "ru": "**Сопоставьте события с этапами** — каждое событие может быть отдельным шагом воронки; "
              "сопоставление с этапами даёт карту пути.",
        "zh": "**将事件映射到阶段** —— 每个事件本身都可作为漏斗步骤；映射到阶段后即可查看旅程视图。"},
    "data.apply_esm": {"en": "Apply event → stage mapping", "ru": "Применить сопоставление событий с этапами",
                       "zh": "应用事件 → 阶段映射"},
    "data.esm_applied": {"en": "Events mapped to stages.", "ru": "События сопоставлены с этапами.",
                         "zh": "事件已映射到阶段。"},
    "data.preview_caption": {"en": "The first 100 events as the product reads them (timestamps in UTC).",
                             "ru": "Первые 100 событий в том виде, как их прочитал продукт (время в UTC).",
                             "zh": "产品读取到的前 100 个事件（时间为 UTC）。"},
    "data.sample_caption": {
        "en": "The bundled sample dataset (generated; see data/README.md for its planted stories).",
        "ru": "Встроенный пример данных (сгенерирован; заложенные в него истории описаны в data/README.md).",
        "zh": "内置示例数据集（生成数据；其中预设的情节见 data/README.md）。"},
    "data.sample_name": {"en": "Sample: online store journeys", "ru": "Пример: пути клиентов интернет-магазина",
                         "zh": "示例：网店客户旅程"},
    "data.name": {"en": "Name", "ru": "Название", "zh": "名称"},
    "data.rename": {"en": "Rename", "ru": "Переименовать", "zh": "重命名"},
    "data.dataset_id": {"en": "Dataset id (keep it private: whoever has it can open the data): {id}",
                        "ru": "Id набора данных (храните в тайне: любой, у кого он есть, может открыть данные): {id}",
                        "zh": "数据集 ID（请保密：持有者即可打开数据）：{id}"},
    "data.delete": {"en": "Delete this dataset", "ru": "Удалить этот набор данных", "zh": "删除此数据集"},
    "data.deleted": {"en": "Deleted {name}.", "ru": "Удалено: {name}.", "zh": "已删除 {name}。"},
    # columns of the Data page's tables and editors, and clustering features
    "col.check": {"en": "Check", "ru": "Проверка", "zh": "检查项"},
    "col.rows": {"en": "Rows", "ru": "Строк", "zh": "行数"},
    "col.position": {"en": "Position", "ru": "Позиция", "zh": "位置"},
    "col.include": {"en": "Include", "ru": "Включить", "zh": "包含"},
    "col.purchased": {"en": "Purchased", "ru": "Покупал", "zh": "已购买"},
    "col.active_days": {"en": "Active days", "ru": "Активных дней", "zh": "活跃天数"},
    "col.r_score": {"en": "Recency score", "ru": "Балл давности", "zh": "近度评分"},
    "col.f_score": {"en": "Frequency score", "ru": "Балл частоты", "zh": "频度评分"},
    "col.m_score": {"en": "Monetary score", "ru": "Балл выручки", "zh": "金额评分"},
    "col.rfm": {"en": "RFM", "ru": "RFM", "zh": "RFM"},
    "col.line": {"en": "Line", "ru": "Строка", "zh": "行号"},
    "col.reason": {"en": "Reason", "ru": "Причина", "zh": "原因"},
    "col.record": {"en": "Record", "ru": "Запись", "zh": "记录"},
    "col.timestamp_text": {"en": "Time as written", "ru": "Время в файле", "zh": "原始时间"},
})
# problems found when a file is read or a dataset opened (cj.errors.Problem.key → "prob.<key>.msg" / ".fix");
# the English texts reproduce the messages of cj.ingest / cj.store exactly (the CLI and saved reports keep them)
_FIX_AGAIN = {"en": "Delete it and upload the file again; other datasets are unaffected.",
              "ru": "Удалите его и загрузите файл заново; другие наборы данных не затронуты.",
              "zh": "请删除它并重新上传文件；其他数据集不受影响。"}
STRINGS.update({
    "prob.line_example": {"en": "line {line}: {error}", "ru": "строка {line}: {error}", "zh": "第 {line} 行：{error}"},
    "prob.tab": {"en": "tab", "ru": "табуляция", "zh": "制表符"},
    "prob.fmt.unrecognised": {"en": "unrecognised", "ru": "не распознан", "zh": "无法识别"},
    "prob.what.customer_id": {"en": "customer id", "ru": "id клиента", "zh": "客户 ID"},
    "prob.what.timestamp": {"en": "timestamp", "ru": "время события", "zh": "时间戳"},
    "prob.cannot_open.msg": {"en": "{name}: the file cannot be opened", "ru": "{name}: файл не открывается",
                             "zh": "{name}：无法打开文件"},
    "prob.cannot_open.fix": {"en": "Check the path and that the file is readable.",
                             "ru": "Проверьте путь и права на чтение файла.", "zh": "请检查路径以及文件是否可读。"},
    "prob.empty.msg": {"en": "{name} is empty (0 bytes)", "ru": "{name} пуст (0 байт)", "zh": "{name} 是空文件（0 字节）"},
    "prob.empty.fix": {"en": "Export the data again; the file has no content.",
                       "ru": "Выгрузите данные заново: в файле ничего нет.", "zh": "请重新导出数据；该文件没有内容。"},
    "prob.blank.msg": {"en": "{name} contains only blank space", "ru": "В {name} только пробелы и пустые строки",
                       "zh": "{name} 只包含空白"},
    "prob.blank.fix": {"en": "Export the data again; the file has no rows.",
                       "ru": "Выгрузите данные заново: в файле нет строк.", "zh": "请重新导出数据；该文件没有数据行。"},
    "prob.binary.msg": {"en": "{name} is not a text table (it contains binary data)",
                        "ru": "{name} — не текстовая таблица (в нём двоичные данные)",
                        "zh": "{name} 不是文本表格（包含二进制数据）"},
    "prob.binary.fix": {"en": "Upload a CSV, gzip-compressed CSV, Parquet or Excel (.xlsx) file.",
                        "ru": "Загрузите файл CSV, CSV в архиве gzip, Parquet или Excel (.xlsx).",
                        "zh": "请上传 CSV、gzip 压缩的 CSV、Parquet 或 Excel（.xlsx）文件。"},
    "prob.json.msg": {"en": "{name} looks like JSON, not a table", "ru": "{name} похож на JSON, а не на таблицу",
                      "zh": "{name} 看起来是 JSON，而不是表格"},
    "prob.json.fix": {"en": "Export the events as CSV (one row per event, a header row first) or Parquet.",
                      "ru": "Выгрузите события в CSV (одна строка на событие, первой строкой — заголовок) или Parquet.",
                      "zh": "请将事件导出为 CSV（每个事件一行，第一行为表头）或 Parquet。"},
    "prob.html.msg": {"en": "{name} looks like an HTML/XML page, not a table",
                      "ru": "{name} похож на страницу HTML/XML, а не на таблицу",
                      "zh": "{name} 看起来是 HTML/XML 页面，而不是表格"},
    "prob.html.fix": {"en": "Download the actual CSV export rather than the web page that links to it.",
                      "ru": "Скачайте сам файл выгрузки CSV, а не веб-страницу со ссылкой на него.",
                      "zh": "请下载实际的 CSV 导出文件，而不是链接到它的网页。"},
    "prob.zip.msg": {"en": "{name} is a zip archive, not a table", "ru": "{name} — архив zip, а не таблица",
                     "zh": "{name} 是 zip 压缩包，而不是表格"},
    "prob.zip.fix": {"en": "Unzip it and upload the CSV, Parquet or Excel file inside.",
                     "ru": "Распакуйте архив и загрузите лежащий в нём файл CSV, Parquet или Excel.",
                     "zh": "请解压并上传其中的 CSV、Parquet 或 Excel 文件。"},
    "prob.bad_zip.msg": {"en": "{name} is a damaged zip/Excel file", "ru": "{name} — повреждённый файл zip/Excel",
                         "zh": "{name} 是损坏的 zip/Excel 文件"},
    "prob.bad_zip.fix": {"en": "Save it again from Excel, or export as CSV.",
                         "ru": "Сохраните его заново в Excel или выгрузите в CSV.",
                         "zh": "请在 Excel 中重新保存，或导出为 CSV。"},
    "prob.xls.msg": {"en": "{name} is an old binary Excel (.xls) file",
                     "ru": "{name} — старый двоичный файл Excel (.xls)", "zh": "{name} 是旧版二进制 Excel（.xls）文件"},
    "prob.xls.fix": {"en": "Save it as .xlsx or CSV (File → Save as) and upload that.",
                     "ru": "Сохраните его как .xlsx или CSV («Файл → Сохранить как») и загрузите его.",
                     "zh": "请另存为 .xlsx 或 CSV（文件 → 另存为）后上传。"},
    "prob.bad_gzip.msg": {"en": "{name} is a damaged gzip archive ({detail})",
                          "ru": "{name} — повреждённый архив gzip ({detail})", "zh": "{name} 是损坏的 gzip 压缩包（{detail}）"},
    "prob.bad_gzip.fix": {"en": "Compress the file again or upload the uncompressed CSV.",
                          "ru": "Сожмите файл заново или загрузите несжатый CSV.",
                          "zh": "请重新压缩文件，或上传未压缩的 CSV。"},
    "prob.gzip_big.msg": {"en": "{name} expands to more than {mb} MB when decompressed",
                          "ru": "{name} после распаковки занимает больше {mb} МБ", "zh": "{name} 解压后超过 {mb} MB"},
    "prob.gzip_big.fix": {
        "en": "Convert it to Parquet (much smaller and faster), split it, or raise CJ_MAX_UNZIPPED_MB on the server "
              "if it really is that big.",
        "ru": "Преобразуйте его в Parquet (намного меньше и быстрее), разделите на части или, если он действительно "
              "такой большой, увеличьте CJ_MAX_UNZIPPED_MB на сервере.",
        "zh": "请转换为 Parquet（更小更快）、拆分文件，或者如果确实这么大，在服务器上调高 CJ_MAX_UNZIPPED_MB。"},
    "prob.gzip_nested.msg": {"en": "{name} is gzip inside gzip", "ru": "{name} — gzip внутри gzip",
                             "zh": "{name} 是嵌套的 gzip（gzip 中还有 gzip）"},
    "prob.gzip_nested.fix": {"en": "Decompress it once and upload the inner file.",
                             "ru": "Распакуйте его один раз и загрузите вложенный файл.", "zh": "请先解压一次，再上传里面的文件。"},
    "prob.unknown_encoding.msg": {"en": "Unknown encoding '{encoding}'", "ru": "Неизвестная кодировка «{encoding}»",
                                  "zh": "未知编码“{encoding}”"},
    "prob.unknown_encoding.fix": {"en": "Choose one of: {encodings}.", "ru": "Выберите одну из: {encodings}.",
                                  "zh": "请选择以下之一：{encodings}。"},
    "prob.unreadable_text.msg": {
        "en": "{name} is not a readable text table (too many control or invalid characters)",
        "ru": "{name} не читается как текстовая таблица (слишком много управляющих или недопустимых символов)",
        "zh": "{name} 不是可读的文本表格（控制字符或无效字符过多）"},
    "prob.unreadable_text.fix": {
        "en": "If it is a CSV in another encoding, choose the encoding ({encodings}).",
        "ru": "Если это CSV в другой кодировке, выберите кодировку ({encodings}).",
        "zh": "如果是其他编码的 CSV，请选择编码（{encodings}）。"},
    "prob.one_column_head.msg": {"en": "{name}: only one column found (header starts '{first}')",
                                 "ru": "{name}: найден только один столбец (заголовок начинается с «{first}»)",
                                 "zh": "{name}：只找到一列（表头开头为“{first}”）"},
    "prob.one_column_head.fix": {
        "en": "A behaviour file needs at least a customer id and a timestamp column, separated by comma, semicolon, "
              "tab or | ; check the export settings.",
        "ru": "В файле поведения нужны как минимум столбцы с id клиента и временем, разделённые запятой, точкой с "
              "запятой, табуляцией или | ; проверьте настройки выгрузки.",
        "zh": "行为数据文件至少需要客户 ID 列和时间戳列，并以逗号、分号、制表符或 | 分隔；请检查导出设置。"},
    "prob.one_column.msg": {"en": "{name}: only one column found", "ru": "{name}: найден только один столбец",
                            "zh": "{name}：只找到一列"},
    "prob.one_column.fix": {"en": "A behaviour file needs at least a customer id and a timestamp column.",
                            "ru": "В файле поведения нужны как минимум столбцы с id клиента и временем.",
                            "zh": "行为数据文件至少需要客户 ID 列和时间戳列。"},
    "prob.no_rows.msg": {"en": "{name} has a header but no rows", "ru": "В {name} есть заголовок, но нет строк",
                         "zh": "{name} 只有表头，没有数据行"},
    "prob.no_rows.fix": {"en": "Export the data again including the rows.", "ru": "Выгрузите данные заново вместе со строками.",
                         "zh": "请重新导出数据，并包含数据行。"},
    "prob.bad_parquet.msg": {"en": "{name} is not a readable Parquet file ({detail})",
                             "ru": "{name} не читается как файл Parquet ({detail})", "zh": "{name} 不是可读的 Parquet 文件（{detail}）"},
    "prob.bad_parquet.fix": {"en": "Write the Parquet file again, or upload a CSV.",
                             "ru": "Запишите файл Parquet заново или загрузите CSV.", "zh": "请重新生成 Parquet 文件，或上传 CSV。"},
    "prob.bad_excel.msg": {"en": "{name} is not a readable Excel file ({detail})",
                           "ru": "{name} не читается как файл Excel ({detail})", "zh": "{name} 不是可读的 Excel 文件（{detail}）"},
    "prob.bad_excel.fix": {"en": "Save it again from Excel as .xlsx, or export the sheet as CSV.",
                           "ru": "Сохраните его заново в Excel как .xlsx или выгрузите лист в CSV.",
                           "zh": "请在 Excel 中重新另存为 .xlsx，或将工作表导出为 CSV。"},
    "prob.dup_column.msg": {"en": "Column name '{base}' appears more than once; the later one is called '{col}'",
                            "ru": "Столбец «{base}» встречается несколько раз; следующий назван «{col}»",
                            "zh": "列名“{base}”出现了多次；后面的一列改名为“{col}”"},
    "prob.dup_column.fix": {"en": "Rename the columns in the file if they mean different things.",
                            "ru": "Переименуйте столбцы в файле, если они означают разное.",
                            "zh": "如果这些列含义不同，请在文件中重命名。"},
    "prob.long_line.msg": {"en": "{name} has a line of {mb} MB; lines up to 8 MB can be read",
                           "ru": "В {name} есть строка размером {mb} МБ; читаются строки до 8 МБ",
                           "zh": "{name} 中有一行大小为 {mb} MB；最多只能读取 8 MB 的行"},
    "prob.long_line.fix": {
        "en": "Check the quoting (a quote that is never closed joins the rest of the file into one line), or shorten "
              "the very long texts.",
        "ru": "Проверьте кавычки (незакрытая кавычка склеивает весь остаток файла в одну строку) или сократите очень "
              "длинные тексты.",
        "zh": "请检查引号（未闭合的引号会把文件其余部分连成一行），或缩短过长的文本。"},
    "prob.unclosed_quote.msg": {"en": "{name}: the quote opened on line {line} is never closed",
                                "ru": "{name}: кавычка, открытая в строке {line}, нигде не закрыта",
                                "zh": "{name}：第 {line} 行开始的引号没有闭合"},
    "prob.unclosed_quote.fix": {
        "en": "Close the quote on line {line} (a quote inside a text is written twice: \"\"), or export the file again "
              "with proper quoting.",
        "ru": "Закройте кавычку в строке {line} (кавычка внутри текста пишется дважды: \"\") или выгрузите файл "
              "заново с правильными кавычками.",
        "zh": "请闭合第 {line} 行的引号（文本内的引号要写两次：\"\"），或用正确的引号设置重新导出文件。"},
    "prob.bad_encoding.msg": {"en": "{name} is not valid {encoding}", "ru": "{name} не в кодировке {encoding}",
                              "zh": "{name} 不是有效的 {encoding} 编码"},
    "prob.bad_encoding.fix": {"en": "Choose the file's encoding ({encodings}).",
                              "ru": "Выберите кодировку файла ({encodings}).", "zh": "请选择文件的编码（{encodings}）。"},
    "prob.bad_encoding_byte.msg": {"en": "{name} is not valid {encoding} (byte {byte} cannot be decoded)",
                                   "ru": "{name} не в кодировке {encoding} (байт {byte} не декодируется)",
                                   "zh": "{name} 不是有效的 {encoding} 编码（第 {byte} 字节无法解码）"},
    "prob.bad_encoding_byte.fix": {"en": "Choose the file's encoding ({encodings}) or save it as UTF-8.",
                                   "ru": "Выберите кодировку файла ({encodings}) или сохраните его в UTF-8.",
                                   "zh": "请选择文件的编码（{encodings}），或将其另存为 UTF-8。"},
    "prob.bad_encoding_line.msg": {"en": "{name} is not valid {encoding} (line {line})",
                                   "ru": "{name} не в кодировке {encoding} (строка {line})",
                                   "zh": "{name} 不是有效的 {encoding} 编码（第 {line} 行）"},
    "prob.bad_encoding_line.fix": {"en": "Choose the file's encoding ({encodings}).",
                                   "ru": "Выберите кодировку файла ({encodings}).", "zh": "请选择文件的编码（{encodings}）。"},
    "prob.not_utf8.msg": {"en": "The file is not UTF-8 throughout (first bad byte at {byte}); read as {encoding}",
                          "ru": "Файл не целиком в UTF-8 (первый ошибочный байт — {byte}); прочитан как {encoding}",
                          "zh": "文件并非全部为 UTF-8（第一个错误字节位于 {byte}）；已按 {encoding} 读取"},
    "prob.not_utf8.fix": {"en": "If letters look wrong in the preview, choose the right encoding and load again.",
                          "ru": "Если в просмотре буквы искажены, выберите правильную кодировку и загрузите снова.",
                          "zh": "如果预览中的文字显示不正确，请选择正确的编码并重新加载。"},
    "prob.mapped_missing.msg": {"en": "Mapped columns not in the file: {cols}",
                                "ru": "Сопоставленных столбцов нет в файле: {cols}", "zh": "映射的列不在文件中：{cols}"},
    "prob.mapped_missing.fix": {"en": "Columns in the file: {columns}.", "ru": "Столбцы в файле: {columns}.",
                                "zh": "文件中的列：{columns}。"},
    "prob.no_column.msg": {"en": "No column was recognised as {what}", "ru": "Не найден столбец «{what}»",
                           "zh": "没有识别出“{what}”列"},
    "prob.no_column.fix": {
        "en": "Choose which column holds the {what} in the mapping (columns: {columns}), or name it '{name}'.",
        "ru": "Укажите в сопоставлении, в каком столбце «{what}» (столбцы: {columns}), или назовите его «{name}».",
        "zh": "请在映射中选择哪一列是“{what}”（列：{columns}），或将其命名为“{name}”。"},
    "prob.no_stage_event.msg": {"en": "No stage or event column was recognised",
                                "ru": "Не найден столбец этапа или события", "zh": "没有识别出阶段列或事件列"},
    "prob.no_stage_event.fix": {
        "en": "Map a column to 'stage' (journey stage) or 'event' (action) so funnels have steps.",
        "ru": "Сопоставьте столбец с «stage» (этап пути) или «event» (действие), чтобы у воронок были шаги.",
        "zh": "请把某一列映射为“stage”（旅程阶段）或“event”（行为），这样漏斗才有步骤。"},
    "prob.ragged.msg": {
        "en": "{name}: {bad} of {total} lines do not have the header's {fields} fields (delimiter '{delim}') — "
              "{examples}",
        "ru": "{name}: в {bad} из {total} строк не столько полей, сколько в заголовке ({fields}) (разделитель "
              "«{delim}») — {examples}",
        "zh": "{name}：{total} 行中有 {bad} 行的字段数与表头的 {fields} 个不一致（分隔符“{delim}”）— {examples}"},
    "prob.ragged.fix": {
        "en": "The file is ragged or uses another delimiter: check the delimiter and quoting in the export, or "
              "choose the delimiter by hand.",
        "ru": "В файле неровные строки или другой разделитель: проверьте разделитель и кавычки в выгрузке или "
              "выберите разделитель вручную.",
        "zh": "文件各行字段数不一致或使用了其他分隔符：请检查导出的分隔符和引号设置，或手动选择分隔符。"},
    "prob.day_month.msg": {"en": "Dates in '{column}' could be day-first or month-first; read as {format}",
                           "ru": "Даты в «{column}» могут быть как день-месяц, так и месяц-день; прочитаны как {format}",
                           "zh": "“{column}”中的日期可能是日在前，也可能是月在前；已按 {format} 读取"},
    "prob.day_month.fix": {"en": "If that is wrong, choose the other order in the mapping and load again.",
                           "ru": "Если это неверно, выберите другой порядок в сопоставлении и загрузите снова.",
                           "zh": "如果不对，请在映射中选择另一种顺序并重新加载。"},
    "prob.not_numbers.msg": {
        "en": "{n} value(s) in '{column}' ({field}) are not numbers; they are left empty (the rows are kept)",
        "ru": "Значений в «{column}» ({field}), не являющихся числами: {n}; они оставлены пустыми (строки сохранены)",
        "zh": "“{column}”（{field}）中有 {n} 个值不是数字；这些值留空（行仍保留）"},
    "prob.not_numbers.fix": {"en": "Check the column for text, currency words or NaN/Inf.",
                             "ru": "Проверьте, нет ли в столбце текста, названий валют или NaN/Inf.",
                             "zh": "请检查该列中是否有文字、货币单位或 NaN/Inf。"},
    "prob.missing_ids.msg": {"en": "{n} row(s) have no customer id and cannot be used",
                             "ru": "Строк без id клиента: {n}; их нельзя использовать",
                             "zh": "有 {n} 行没有客户 ID，无法使用"},
    "prob.missing_ids.fix": {"en": "Fill in '{column}' for those rows (see the unusable rows download).",
                             "ru": "Заполните «{column}» в этих строках (см. выгрузку непригодных строк).",
                             "zh": "请为这些行填写“{column}”（见不可用行的下载）。"},
    "prob.missing_ts.msg": {"en": "{n} row(s) have no timestamp and cannot be used",
                            "ru": "Строк без времени события: {n}; их нельзя использовать",
                            "zh": "有 {n} 行没有时间戳，无法使用"},
    "prob.missing_ts.fix": {"en": "Fill in '{column}' for those rows.", "ru": "Заполните «{column}» в этих строках.",
                            "zh": "请为这些行填写“{column}”。"},
    "prob.bad_ts.msg": {"en": "{n} timestamp(s) in '{column}' could not be read (e.g. {examples}); read as {format}",
                        "ru": "Не удалось прочитать время в «{column}»: {n} (например, {examples}); формат: {format}",
                        "zh": "“{column}”中有 {n} 个时间无法读取（例如 {examples}）；按 {format} 读取"},
    "prob.bad_ts.fix": {"en": "Use ISO 8601 (2026-03-04 12:30:00) or one consistent date format.",
                        "ru": "Используйте ISO 8601 (2026-03-04 12:30:00) или один единый формат дат.",
                        "zh": "请使用 ISO 8601（2026-03-04 12:30:00）或统一的日期格式。"},
    "prob.malformed.msg": {"en": "{n} line(s) do not have the header's {fields} fields (lines {lines})",
                           "ru": "Строк, в которых не столько полей, сколько в заголовке ({fields}): {n} (строки {lines})",
                           "zh": "有 {n} 行的字段数与表头的 {fields} 个不一致（第 {lines} 行）"},
    "prob.malformed.fix": {"en": "Fix the quoting or delimiters on those lines.",
                           "ru": "Исправьте кавычки или разделители в этих строках.", "zh": "请修正这些行的引号或分隔符。"},
    "prob.future.msg": {"en": "{n} event(s) are dated in the future (after {date})",
                        "ru": "Событий с датой в будущем (после {date}): {n}", "zh": "有 {n} 个事件的日期在未来（晚于 {date}）"},
    "prob.future.fix": {"en": "Check the time zone or the date format; the rows are kept.",
                        "ru": "Проверьте часовой пояс или формат дат; строки сохранены.", "zh": "请检查时区或日期格式；这些行仍保留。"},
    "prob.duplicates.msg": {"en": "{n} row(s) repeat another row's customer, time, stage and event",
                            "ru": "Строк, повторяющих клиента, время, этап и событие другой строки: {n}",
                            "zh": "有 {n} 行与其他行的客户、时间、阶段和事件完全相同"},
    "prob.duplicates.fix": {"en": "They are kept; remove them in the source if they are double-logged.",
                            "ru": "Они сохранены; удалите их в источнике, если они записаны дважды.",
                            "zh": "这些行仍保留；如果是重复记录，请在数据源中删除。"},
    "prob.unmapped.msg": {"en": "{n} event(s) are not mapped to a journey stage",
                          "ru": "Событий без этапа пути: {n}", "zh": "有 {n} 个事件没有对应的旅程阶段"},
    "prob.unmapped.fix": {"en": "Map events to stages on the Data page, or use events as funnel steps.",
                          "ru": "Сопоставьте события с этапами на странице «Данные» или используйте события как шаги воронки.",
                          "zh": "请在“数据”页面把事件映射到阶段，或把事件用作漏斗步骤。"},
    "prob.no_usable.msg": {"en": "No usable rows: every row lacks a customer id or a readable timestamp",
                           "ru": "Пригодных строк нет: в каждой нет id клиента или читаемого времени",
                           "zh": "没有可用的行：每一行都缺少客户 ID 或可读的时间戳"},
    "prob.no_usable.fix": {"en": "Check the mapping of the customer id and timestamp columns.",
                           "ru": "Проверьте сопоставление столбцов id клиента и времени.",
                           "zh": "请检查客户 ID 列和时间戳列的映射。"},
    # cj.store
    "prob.saved_file_damaged.msg": {"en": "A saved data file cannot be read ({file}): it is damaged or was removed",
                                    "ru": "Сохранённый файл данных не читается ({file}): он повреждён или удалён",
                                    "zh": "无法读取已保存的数据文件（{file}）：文件已损坏或被删除"},
    "prob.saved_file_damaged.fix": {
        "en": "Delete this dataset and upload the file again; other datasets are unaffected.",
        "ru": "Удалите этот набор данных и загрузите файл заново; другие наборы данных не затронуты.",
        "zh": "请删除此数据集并重新上传文件；其他数据集不受影响。"},
    "prob.ds_not_found.msg": {"en": "Dataset '{name}' was not found", "ru": "Набор данных «{name}» не найден",
                              "zh": "未找到数据集“{name}”"},
    "prob.ds_not_found.fix": {"en": "It may have been deleted; pick another dataset or upload the file again.",
                              "ru": "Возможно, он удалён; выберите другой набор данных или загрузите файл заново.",
                              "zh": "它可能已被删除；请选择其他数据集或重新上传文件。"},
    "prob.ds_meta_damaged.msg": {"en": "Dataset '{name}' is damaged (its meta.json cannot be read)",
                                 "ru": "Набор данных «{name}» повреждён (его meta.json не читается)",
                                 "zh": "数据集“{name}”已损坏（无法读取其 meta.json）"},
    "prob.ds_meta_damaged.fix": _FIX_AGAIN,
    "prob.ds_lost_events.msg": {"en": "Dataset '{name}' has lost its events file",
                                "ru": "Набор данных «{name}» потерял файл событий", "zh": "数据集“{name}”的事件文件已丢失"},
    "prob.ds_lost_events.fix": _FIX_AGAIN,
    "prob.ds_damaged.msg": {"en": "Dataset '{name}' is damaged ({error})", "ru": "Набор данных «{name}» повреждён ({error})",
                            "zh": "数据集“{name}”已损坏（{error}）"},
    "prob.ds_damaged.fix": _FIX_AGAIN,
})
# what each link setting is (cj.links.KEYS), for the notes above
_LINK_WHAT = {
    "v": ("link format version", "версия формата ссылки", "链接格式版本"),
    "ds": ("dataset id", "id набора данных", "数据集 ID"),
    "lang": ("interface language", "язык интерфейса", "界面语言"),
    "steps": ("funnel steps", "шаги воронки", "漏斗步骤"),
    "col": ("funnel step column", "столбец шагов воронки", "漏斗步骤列"),
    "mode": ("funnel mode", "режим воронки", "漏斗模式"),
    "window": ("conversion window", "окно конверсии", "转化时间窗口"),
    "per": ("funnel unit", "единица воронки", "漏斗计数单位"),
    "by": ("breakdown column", "столбец разбивки", "细分维度"),
    "grain": ("trend grain", "шаг тренда", "趋势粒度"),
    "k": ("number of segments", "число сегментов", "分群数量"),
    "seed": ("random seed", "случайное зерно", "随机种子"),
    "exp": ("experiment", "эксперимент", "实验"),
    "ctrl": ("control variant", "контрольный вариант", "对照组变体"),
    "goal": ("goal or metric", "цель или метрика", "目标或指标"),
    "awin": ("A/B window after exposure", "окно A/B после показа", "A/B 曝光后窗口"),
    "stage": ("stage", "этап", "阶段"),
    "tp": ("touchpoint filter", "фильтр точки контакта", "触点筛选"),
    "seg": ("segment filter", "фильтр сегмента", "分群筛选"),
    "present": ("presentation mode", "режим презентации", "演示模式"),
}
for _name, (_en, _ru, _zh) in _LINK_WHAT.items():
    STRINGS[f"link.what.{_name}"] = {"en": _en, "ru": _ru, "zh": _zh}


def segment_label(name, lang: str = "en") -> str:
    """Display name of a segment: the rule names of :mod:`cj.segments` ("One-time buyers", "Repeat buyers (2)")
    in ``lang``; any other name (typed by a user, from the data) is returned as it is."""
    import re

    if name is None:
        return ""
    s = str(name)
    if lang == "en":
        return s
    entry = STRINGS.get(f"segname.{s}")
    if entry is not None:
        return entry.get(lang) or s
    m = re.fullmatch(r"(.+) \((\d+)\)", s)
    if m and f"segname.{m[1]}" in STRINGS:
        return t("segname.suffix", lang, name=STRINGS[f"segname.{m[1]}"].get(lang) or m[1], n=m[2])
    return s


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


def _lower_label(s: str, lang: str) -> str:
    """A column label inside a Russian sentence starts in lower case ("по устройство" → "устройство")."""
    if lang == "ru" and s[:1].isupper() and not s[1:2].isupper():
        return s[:1].lower() + s[1:]
    return s


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
    if k == "segment":                   # a segment name: rule names translated, others as they are
        return esc(segment_label(x, lang))
    if k == "dim":                       # a breakdown column: its display label outside English
        return esc(str(x)) if lang == "en" else esc(_lower_label(column_label(x, lang), lang))
    if k == "group":                     # a group of a breakdown (``digits``: its column); segment names translated
        return esc(segment_label(x, lang) if v.digits == "segment" else str(x))
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



def column_label(name, lang: str = "en") -> str:
    """Display label of a result column (``col.<name>``); "x (mean)" / "x vs all" are built from x's label;
    other names (data values, pivoted groups) are shown as they are."""
    import re

    name = str(name)
    entry = STRINGS.get(f"col.{name}")
    if entry is not None:
        return entry.get(lang) or entry["en"]
    m = re.fullmatch(r"(.+) \(mean\)", name)
    if m and f"col.{m[1]}" in STRINGS:
        return t("col.mean_of", lang, col=column_label(m[1], lang))
    m = re.fullmatch(r"(.+) vs all", name)
    if m and f"col.{m[1]}" in STRINGS:
        return t("col.vs_all", lang, col=column_label(m[1], lang))
    return name


def duration_text(seconds, lang: str = "en") -> str:
    """45s, 12m, 3.5h, 2.1d (en) · 3,5 ч (ru) · 3.5 小时 (zh)."""
    try:
        s = float(seconds)
    except (TypeError, ValueError):
        return "—"
    if not _math.isfinite(s):
        return "—"
    if s < 60:
        return t("dur.s", lang, v=f"{s:.0f}")
    if s < 3600:
        return t("dur.m", lang, v=f"{s / 60:.0f}")
    if s < 86400:
        return t("dur.h", lang, v=_decimal(f"{s / 3600:.1f}", lang))
    return t("dur.d", lang, v=_decimal(f"{s / 86400:.1f}", lang))
