"""Seeded generator of realistic customer journeys with planted, known effects.

The bundled ``data/sample_events.csv.gz`` is ``write_csv(generate(20_000, seed=42)[0], ...)``;
regenerate it with ``python -m cj.sample --out data/sample_events.csv.gz``. The tests
(``tests/test_sample.py``) measure every story below from the events alone, so the stories
are the sample's answer key; ``data/README.md`` lists the values measured on the file.

Output: one row per event, columns :data:`COLUMNS` (the canonical event model), sorted by
``customer_id, timestamp``. Every customer starts at ``awareness`` and moves forward through
the six canonical stages; a new session starts after more than 30 minutes without events.
Feedback is written from templates (about 100 per language, with substitutions) in English,
Russian and Chinese, about 60/25/15 by the customer's country.

Planted stories (targets; measured values on the bundled file in brackets):

1. **Mobile checkout drop.** Consideration -> purchase conversion is 52% on mobile, 76% on
   desktop, 66% on tablet in the control arm [53.2 / 77.1 / 67.2%]: a 24-point gap. (The
   persona shares leave no room for a 35%/60% pair: 55% of all customers buy, so conversion
   from consideration must average above 55%.)
2. **Variant B of ``checkout_redesign`` adds 3 percentage points** of purchase conversion on
   every device [+2.8 points, 63.1% -> 65.9%, p ~ 0.001]. 70% of the customers who reach
   consideration are in the experiment; A or B comes from a hash of the customer number, so
   the split is 50/50 [49.65% B, SRM p = 0.44]. Exposure is the customer's first
   consideration event; ``experiment``/``variant`` are filled on it and on every later event.
   No effect before exposure, and after purchase only the mechanical one (more buyers):
   personas are drawn independently of the variant.
3. **Negative sentiment at consideration.** About 75% of consideration-stage feedback
   (checkout exit surveys, support chats, cart comments) is a complaint naming a pain point
   [75.4%]: "delivery cost", "hidden fees", "checkout error" (RU "стоимость доставки",
   "скрытые платежи", "ошибка оформления"; ZH "运费太贵", "隐藏费用", "结账失败"), phrases
   that appear at no other stage. Other stages are mostly positive or neutral (5-15%
   negative), and ratings follow [mean rating 2.2 at consideration; 3.8-4.5 elsewhere].
4. **Loyal advocates, 10% of customers:** 8-20 purchases, median order about 110 and about
   1,750 in all, loyalty and advocacy reached, last seen within the last two weeks, the
   highest ratings.
5. **One-time buyers, 25%:** exactly one purchase, never loyalty, median order about 55,
   lapsed (median three months since their last event).

Also **browsers, 45%** (never buy; a third stop at awareness or interest, the rest at
consideration) and **at-risk former customers, 20%** (4-9 purchases early in the window,
nothing for the last two to five months). Personas differ in recency, purchase count,
revenue and deepest stage, so KMeans (k=4) on log1p-scaled, standardised recency /
purchases / revenue recovers them [adjusted Rand index 0.995]; touchpoints overlap.

Acquisition is front-loaded (at-risk and loyal customers need a history, and browsers
arrive on the same schedule as buyers so conversion by first-seen week stays flat at
about 55%); only customers first seen in the last three weeks are all still browsing.
The timing is designed for the default six-month window (``months >= 3``).
"""
from __future__ import annotations

import argparse
import gzip
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

COLUMNS = ("customer_id", "timestamp", "stage", "event", "touchpoint", "device", "country",
           "session_id", "experiment", "variant", "revenue", "rating", "feedback")
STAGES = ("awareness", "interest", "consideration", "purchase", "loyalty", "advocacy")
TOUCHPOINTS = ("ad", "search", "website", "email", "social", "store", "support")
DEVICES = ("mobile", "desktop", "tablet")
DEVICE_SHARES = (0.50, 0.38, 0.12)
#: consideration -> purchase conversion by device in the control arm (story 1)
CONVERSION = {"mobile": 0.52, "desktop": 0.76, "tablet": 0.66}
EXPERIMENT = "checkout_redesign"
EXPERIMENT_SHARE = 0.70  # of customers who reach consideration
VARIANT_B_LIFT = 0.03  # story 2, absolute
PERSONAS = ("browser", "one_time", "at_risk", "loyal_advocate")
PERSONA_SHARES = {"browser": 0.45, "one_time": 0.25, "at_risk": 0.20, "loyal_advocate": 0.10}
#: country -> (feedback language, share of customers)
COUNTRIES = {"US": ("en", 0.32), "GB": ("en", 0.16), "IN": ("en", 0.12),
             "RU": ("ru", 0.20), "KZ": ("ru", 0.05), "CN": ("zh", 0.12), "TW": ("zh", 0.03)}
#: the pain-point phrases planted in consideration-stage complaints (story 3)
PAIN_PHRASES = {
    "en": ("delivery cost", "hidden fees", "checkout error"),
    "ru": ("стоимость доставки", "скрытые платежи", "ошибка оформления"),
    "zh": ("运费太贵", "隐藏费用", "结账失败"),
}
SESSION_GAP_S = 30 * 60

# event name, stage index, touchpoint weights, P(feedback), P(rating)
_EVENTS = (
    ("ad_impression", 0, {"ad": 1.0}, 0.0, 0.0),
    ("social_post_view", 0, {"social": 1.0}, 0.05, 0.0),
    ("search_result_click", 0, {"search": 1.0}, 0.0, 0.0),
    ("site_visit", 1, {"website": 0.70, "search": 0.12, "email": 0.10, "social": 0.08}, 0.02, 0.02),
    ("product_view", 1, {"website": 0.85, "store": 0.15}, 0.03, 0.03),
    ("email_open", 1, {"email": 1.0}, 0.0, 0.0),
    ("newsletter_signup", 1, {"website": 0.6, "email": 0.4}, 0.05, 0.05),
    ("store_visit", 1, {"store": 1.0}, 0.06, 0.06),
    ("add_to_cart", 2, {"website": 0.9, "store": 0.1}, 0.03, 0.03),
    ("compare_products", 2, {"website": 1.0}, 0.04, 0.04),
    ("checkout_start", 2, {"website": 1.0}, 0.22, 0.22),
    ("support_chat", 2, {"support": 1.0}, 0.60, 0.85),
    ("purchase", 3, {"website": 0.8, "store": 0.2}, 0.22, 0.40),
    ("repeat_purchase", 4, {"website": 0.65, "store": 0.20, "email": 0.15}, 0.07, 0.15),
    ("loyalty_signup", 4, {"website": 0.5, "store": 0.3, "email": 0.2}, 0.10, 0.10),
    ("review_posted", 5, {"website": 0.6, "social": 0.4}, 0.90, 1.0),
    ("referral_sent", 5, {"email": 0.5, "social": 0.5}, 0.20, 0.0),
)
EVENT_STAGE = {name: STAGES[s] for name, s, *_ in _EVENTS}
_EV = {name: i for i, (name, *_) in enumerate(_EVENTS)}
_EV_NAMES = np.array([e[0] for e in _EVENTS], dtype=object)
_EV_STAGE = np.array([e[1] for e in _EVENTS])


def _touchpoint_cum(in_store: bool) -> np.ndarray:
    """Cumulative touchpoint weights per event for online (or in-store) shoppers."""
    rows = []
    for _, _, w, _, _ in _EVENTS:
        w = dict(w)
        if "store" in w and len(w) > 1:
            if in_store:
                w = {"store": 0.75, "website": 0.25} | {k: v * 0.25 for k, v in w.items() if k not in ("store", "website")}
            else:
                w.pop("store")
        total = sum(w.values())
        rows.append([w.get(t, 0.0) / total for t in TOUCHPOINTS])
    cum = np.cumsum(rows, axis=1)
    cum[:, -1] = 1.0
    return cum


IN_STORE_SHARE = 0.15  # customers who browse and buy mostly in the store
_EV_TP_CUM = np.stack([_touchpoint_cum(False), _touchpoint_cum(True)])  # [in_store, event, touchpoint]
_EV_P_FEEDBACK = np.array([e[3] for e in _EVENTS])
_EV_P_RATING = np.array([e[4] for e in _EVENTS])

# (positive, neutral, negative) probabilities of an event's sentiment, by stage (story 3)
_SENTIMENT_P = np.array([
    [0.45, 0.40, 0.15],  # awareness
    [0.50, 0.35, 0.15],  # interest
    [0.08, 0.17, 0.75],  # consideration
    [0.65, 0.22, 0.13],  # purchase
    [0.70, 0.20, 0.10],  # loyalty
    [0.85, 0.10, 0.05],  # advocacy
])
_SENT_KEYS = ("pos", "neu", "neg")
_DAY = 86_400

# --------------------------------------------------------------------------- templates
# Slots: {product}/{Product} (capitalised), {days}, {minutes}, {amount}, {pct}, {social}, {city}.
# Russian products are masculine singular nouns whose nominative equals their accusative,
# so the templates agree grammatically whatever is substituted.

_SLOTS = {
    "en": {
        "product": ["rain jacket", "blender", "kettle", "down jacket", "yoga mat", "phone case",
                    "humidifier", "vacuum cleaner", "floor lamp", "scooter", "backpack", "coffee maker"],
        "days": ["2", "3", "4", "5", "6", "7", "10"],
        "minutes": ["2", "3", "5", "10", "15"],
        "amount": ["$4.99", "$6.50", "$7.99", "$9.90", "$12", "$14.99"],
        "pct": ["10%", "15%", "20%", "25%"],
        "social": ["Instagram", "TikTok", "YouTube", "Facebook", "Pinterest"],
        "city": ["Boston", "Leeds", "Denver", "Manchester", "Austin", "Bristol", "Pune", "Seattle"],
    },
    "ru": {
        "product": ["рюкзак", "блендер", "чайник", "пуховик", "коврик для йоги", "чехол для телефона",
                    "увлажнитель", "пылесос", "торшер", "самокат", "термос", "кофейник"],
        "days": ["2 дня", "3 дня", "4 дня", "5 дней", "неделю", "6 дней"],
        "minutes": ["2 минуты", "3 минуты", "5 минут", "10 минут", "15 минут"],
        "amount": ["390 ₽", "450 ₽", "590 ₽", "790 ₽", "990 ₽"],
        "pct": ["10%", "15%", "20%", "25%"],
        "social": ["ВКонтакте", "Telegram", "YouTube", "Дзен"],
        "city": ["Москву", "Казань", "Новосибирск", "Екатеринбург", "Самару", "Алматы", "Пермь"],
    },
    "zh": {
        "product": ["双肩包", "搅拌机", "电水壶", "羽绒服", "瑜伽垫", "手机壳", "加湿器", "吸尘器",
                    "落地灯", "滑板车", "保温杯", "咖啡机"],
        "days": ["2天", "3天", "4天", "5天", "一周", "6天"],
        "minutes": ["2分钟", "3分钟", "5分钟", "10分钟", "15分钟"],
        "amount": ["15元", "20元", "25元", "38元", "45元"],
        "pct": ["10%", "15%", "20%", "25%"],
        "social": ["微博", "小红书", "抖音", "微信"],
        "city": ["上海", "北京", "广州", "成都", "杭州", "台北", "深圳"],
    },
}

_TEMPLATES = {
    "en": {
        "awareness": {
            "pos": [
                "Love the new {product} ad, looks great!",
                "Saw your post on {social}, the {product} looks really nice.",
                "Your {social} videos are actually fun to watch, nice job.",
                "Great ad, finally a brand that shows real people using the {product}.",
                "The {product} in your latest post looks amazing, I want one.",
                "Nice campaign on {social}, clear and friendly.",
                "Just discovered you through {social}, love the style.",
            ],
            "neu": [
                "Saw this on {social}. What is the price of the {product}?",
                "Is the {product} available in other colours?",
                "Found you while searching for a {product}, will take a look later.",
                "Do you ship to {city}?",
                "Who makes the {product}? Is it your own brand?",
            ],
            "neg": [
                "Too many ads, I see the {product} ad on {social} ten times a day.",
                "Your ads keep following me everywhere, it is annoying.",
                'The ad said "{pct} off" but the link just opened the home page.',
                "Misleading ad, the {product} looks nothing like the photo.",
                "Please stop showing me the same video, I already scrolled past it twenty times.",
            ],
        },
        "interest": {
            "pos": [
                "The product page for the {product} is really detailed, thanks.",
                "Easy to find what I need on the website.",
                "Love the newsletter, the tips about the {product} were useful.",
                "Great photos and honest reviews on the site.",
                "The size guide was very helpful.",
                "Site is fast and the filters work well.",
            ],
            "neu": [
                "Browsing the {product} options, still deciding.",
                "Signed up for the newsletter to get updates.",
                "Would be nice to see more photos of the {product}.",
                "Is there a store in {city} where I can see the {product}?",
                "Looking for a {product}, comparing a few brands.",
            ],
            "neg": [
                "The website is slow on my phone, pages take forever.",
                "Could not find the size chart for the {product}.",
                'Search is useless, typing "{product}" shows random items.',
                "Too many pop-ups on the site, very distracting.",
                "Product description is vague, no dimensions for the {product}.",
            ],
        },
        "consideration": {
            "pos": [
                "Checkout was quick this time, thanks.",
                "The comparison table helped me choose the right {product}.",
                "Support answered my question in {minutes} minutes, very helpful.",
                "Nice that I can pay with Apple Pay.",
                "The cart kept my items between phone and laptop, handy.",
            ],
            "neu": [
                "Comparing the {product} with two other models, which one has the better warranty?",
                "Added the {product} to my cart, will decide at the weekend.",
                "Can I pay in instalments?",
                "How long does delivery to {city} usually take?",
                "Is there a pickup point near {city}?",
            ],
            "neg": [
                "The delivery cost is way too high, {amount} for a {product}?",
                "Hidden fees appeared at the last step, I closed the tab.",
                "Got a checkout error three times, gave up.",
                "Checkout error again: the payment page just reloads.",
                "Delivery cost of {amount} only shows up at checkout, very frustrating.",
                "Why is the delivery cost higher than the {product} itself?",
                "Hidden fees everywhere: service fee, packaging fee, and so on.",
                "Checkout error after entering my card, no idea if I was charged.",
                'Your "free shipping" is not free, hidden fees added at the end.',
                "I abandoned my cart because the delivery cost to {city} is {amount}.",
                "The promo code gives a checkout error, please fix it.",
                "Annoying hidden fees, the total jumped by {amount}.",
                'Checkout error on mobile, the "Pay" button does nothing.',
                "Delivery cost is ridiculous, other shops deliver for free.",
                "Too many hidden fees, I will buy the {product} elsewhere.",
                "Hit a checkout error twice, and the cart emptied itself.",
                "The delivery cost changes every time I refresh the page, not trustworthy.",
                "Hidden fees and a checkout error in one visit, terrible experience.",
            ],
        },
        "purchase": {
            "pos": [
                "Arrived in {days} days, well packed, the {product} is great.",
                "Very happy with the {product}, exactly as described.",
                "Fast delivery and the quality is excellent.",
                "Smooth order, the courier was on time.",
                "Great value for money, would buy again.",
                "The {product} works perfectly, thank you!",
                "Everything arrived in perfect condition, thanks.",
                "Good quality, nice packaging, fast shipping.",
            ],
            "neu": [
                "The {product} is fine, nothing special.",
                "Order arrived after {days} days, as expected.",
                "OK product, the colour is a bit different from the photo.",
                "Average quality for the price.",
                "Received the {product}, have not tried it yet.",
            ],
            "neg": [
                "The {product} arrived damaged, the box was crushed.",
                "Delivery took {days} days longer than promised.",
                "Wrong size sent, now I have to return it.",
                "Poor quality, the {product} broke after a week.",
                "The parcel was left outside in the rain.",
                "Item does not match the description, disappointed.",
            ],
        },
        "loyalty": {
            "pos": [
                "Ordered again, still the best {product} I have found.",
                "Love the loyalty points, got {pct} off my second order.",
                "Always reliable, this is my go-to shop now.",
                "Member perks are great, free returns make it easy.",
                "Third order this month, never disappointed.",
                "Thanks for the birthday discount, nice touch!",
            ],
            "neu": [
                "Reordered the {product}, same as last time.",
                "Joined the loyalty program, let's see how it works.",
                "The points balance is a bit confusing but OK.",
                "Repeat order, delivery in {days} days as usual.",
            ],
            "neg": [
                "My loyalty points expired without any warning.",
                "The new member prices are higher than before.",
                "The second order was worse quality than the first one.",
                "Reward voucher did not work on sale items, pointless.",
            ],
        },
        "advocacy": {
            "pos": [
                "Five stars! The {product} is fantastic, highly recommend.",
                "Recommended you to my friends, they love it too.",
                "Best {product} I have ever owned, worth every penny.",
                "Excellent shop, great service, fast delivery. Recommended!",
                "My sister ordered after seeing mine, we are both very happy.",
                '"Buy it, you won\'t regret it" is all I can say.',
                "Amazing quality, I tell everyone about this brand.",
            ],
            "neu": [
                "Good {product} overall, a few small issues.",
                "Decent shop, I would recommend it for basics.",
                "Shared a referral link with a colleague.",
            ],
            "neg": [
                "Would not recommend the {product}, it stopped working.",
                "Used to love this shop, quality has dropped lately.",
                "Review: OK product, but customer service ignored my emails.",
            ],
        },
    },
    "ru": {
        "awareness": {
            "pos": [
                "Классная реклама, {product} выглядит отлично!",
                "Увидела ваш пост в {social}, очень понравилось.",
                "Наконец-то нормальная реклама без глупостей, спасибо.",
                "Ролик в {social} просто супер, хочу такой {product}.",
                "Красивые фото, {product} смотрится очень стильно.",
                "Подписалась на вас в {social}, интересный контент.",
            ],
            "neu": [
                "Увидел в {social}. Сколько стоит {product}?",
                "А {product} есть в других цветах?",
                "Нашёл вас через поиск, посмотрю позже.",
                "Доставляете в {city}?",
                "Это ваш собственный бренд или перепродажа?",
            ],
            "neg": [
                "Слишком много рекламы, {product} показывают по десять раз в день.",
                "Ваша реклама преследует меня везде, это раздражает.",
                "В рекламе обещали «скидку {pct}», а по ссылке обычная главная страница.",
                "Реклама вводит в заблуждение, {product} на фото совсем другой.",
                "Уберите этот ролик, я его уже двадцать раз пролистал.",
            ],
        },
        "interest": {
            "pos": [
                "Очень подробное описание, про {product} всё понятно.",
                "На сайте легко найти нужное, удобные фильтры.",
                "Рассылка полезная, советы по уходу пригодились.",
                "Отличные фото и честные отзывы на сайте.",
                "Таблица размеров очень помогла.",
                "Сайт быстрый, всё работает без глюков.",
            ],
            "neu": [
                "Смотрю варианты, пока выбираю {product}.",
                "Подписался на рассылку, чтобы следить за новинками.",
                "Хотелось бы больше фотографий товара.",
                "Есть ли магазин, где можно посмотреть {product} вживую?",
                "Сравниваю несколько брендов, пока не решил.",
            ],
            "neg": [
                "Сайт ужасно тормозит на телефоне.",
                "Не нашёл таблицу размеров, пришлось гадать.",
                "Поиск не работает: пишу «{product}», а показывает что угодно.",
                "Слишком много всплывающих окон, раздражает.",
                "Описание очень скудное, нет даже размеров.",
            ],
        },
        "consideration": {
            "pos": [
                "В этот раз оформление прошло быстро, спасибо.",
                "Таблица сравнения помогла выбрать {product}.",
                "Поддержка ответила за {minutes}, очень помогли.",
                "Удобно, что можно оплатить через СБП.",
                "Корзина сохраняется между телефоном и ноутбуком, удобно.",
            ],
            "neu": [
                "Сравниваю {product} с двумя другими моделями, у кого гарантия лучше?",
                "Положил {product} в корзину, решу на выходных.",
                "Можно ли оплатить в рассрочку?",
                "Сколько обычно идёт доставка в {city}?",
                "Есть ли пункт выдачи рядом с домом?",
            ],
            "neg": [
                "Стоимость доставки слишком высокая, {amount} за {product} — это перебор.",
                "На последнем шаге появились скрытые платежи, закрыла вкладку.",
                "Три раза вылезла ошибка оформления заказа, бросил.",
                "Снова ошибка оформления: страница оплаты просто перезагружается.",
                "Стоимость доставки {amount} видна только в корзине, очень неприятно.",
                "Почему стоимость доставки выше, чем сам товар?",
                "Везде скрытые платежи: сервисный сбор, упаковка и так далее.",
                "После ввода карты ошибка оформления, непонятно, списали деньги или нет.",
                "«Бесплатная доставка» оказалась платной, скрытые платежи в самом конце.",
                "Бросила корзину: стоимость доставки в {city} целых {amount}.",
                "Промокод не применяется, выходит ошибка оформления.",
                "Итог вырос на {amount}, какие-то скрытые платежи, так нельзя.",
                "На телефоне ошибка оформления, кнопка «Оплатить» не нажимается.",
                "Стоимость доставки просто грабительская, у других бесплатно.",
                "Скрытые платежи отбивают желание покупать, куплю {product} в другом месте.",
                "Дважды была ошибка оформления, и корзина очистилась.",
                "Стоимость доставки меняется при каждом обновлении страницы, доверия нет.",
                "И скрытые платежи, и ошибка оформления за один раз — ужасный сервис.",
            ],
        },
        "purchase": {
            "pos": [
                "Пришло через {days}, упаковано хорошо, {product} отличный.",
                "Очень довольна, {product} полностью соответствует описанию.",
                "Быстрая доставка и отличное качество.",
                "Всё прошло гладко, курьер приехал вовремя.",
                "Хорошее соотношение цены и качества, закажу ещё.",
                "{Product} работает идеально, спасибо!",
                "Всё пришло в целости и сохранности.",
                "Качество на высоте, упаковка аккуратная.",
            ],
            "neu": [
                "{Product} нормальный, ничего особенного.",
                "Заказ пришёл через {days}, как и обещали.",
                "В целом неплохо, цвет немного отличается от фото.",
                "Качество среднее для такой цены.",
                "Получил {product}, ещё не успел попробовать.",
            ],
            "neg": [
                "{Product} пришёл повреждённым, коробка помята.",
                "Доставка задержалась на {days}.",
                "Прислали не тот размер, теперь возврат.",
                "Качество плохое, {product} сломался через неделю.",
                "Посылку оставили под дождём у двери.",
                "Товар не соответствует описанию, разочарована.",
            ],
        },
        "loyalty": {
            "pos": [
                "Заказала снова, лучший {product}, который я находила.",
                "Бонусные баллы — это здорово, получил скидку {pct} на второй заказ.",
                "Всегда надёжно, теперь заказываю только здесь.",
                "Привилегии участника отличные, бесплатный возврат очень удобен.",
                "Третий заказ за месяц, ни разу не разочаровалась.",
                "Спасибо за скидку в день рождения, приятно!",
            ],
            "neu": [
                "Повторил заказ, всё как в прошлый раз.",
                "Вступил в программу лояльности, посмотрим, как работает.",
                "Баланс баллов немного запутанный, но в целом нормально.",
                "Повторный заказ, доставка через {days}, как обычно.",
            ],
            "neg": [
                "Баллы сгорели без всякого предупреждения.",
                "Цены для участников стали выше, чем раньше.",
                "Второй заказ оказался хуже первого по качеству.",
                "Бонусный купон не работает на товары со скидкой, бессмысленно.",
            ],
        },
        "advocacy": {
            "pos": [
                "Пять звёзд! {Product} просто супер, всем рекомендую.",
                "Посоветовала вас друзьям, им тоже всё понравилось.",
                "Лучший {product}, который у меня был, стоит своих денег.",
                "Отличный магазин, прекрасный сервис, быстрая доставка. Рекомендую!",
                "Сестра заказала себе такой же, обе очень довольны.",
                "«Берите, не пожалеете» — больше нечего добавить.",
                "Потрясающее качество, рассказываю об этом бренде всем.",
            ],
            "neu": [
                "В целом хороший {product}, есть мелкие недочёты.",
                "Нормальный магазин, для базовых вещей рекомендую.",
                "Поделился реферальной ссылкой с коллегой.",
            ],
            "neg": [
                "Не рекомендую, {product} перестал работать.",
                "Раньше любила этот магазин, но качество упало.",
                "Отзыв: товар нормальный, но поддержка игнорирует письма.",
            ],
        },
    },
    "zh": {
        "awareness": {
            "pos": [
                "广告拍得很好，{product}看起来很棒！",
                "在{social}上看到你们的帖子，很喜欢。",
                "终于看到一个不浮夸的广告，赞。",
                "{social}上的视频很有意思，想要这款{product}。",
                "图片很漂亮，{product}很有设计感。",
                "在{social}关注了你们，内容很实用。",
            ],
            "neu": [
                "在{social}上看到的，{product}多少钱？",
                "这款{product}有其他颜色吗？",
                "搜索时看到你们，回头再看看。",
                "可以送到{city}吗？",
                "这是你们自己的品牌吗？",
            ],
            "neg": [
                "广告太多了，一天看到十次{product}的广告。",
                "广告到处跟着我，很烦人。",
                "广告写着“优惠{pct}”，点进去却只是首页。",
                "广告有误导，实物{product}和图片完全不一样。",
                "别再推这个视频了，我已经划过去二十次了。",
            ],
        },
        "interest": {
            "pos": [
                "{product}的商品详情写得很详细，谢谢。",
                "网站很好找东西，筛选很方便。",
                "邮件推送很有用，保养小技巧很实用。",
                "网站上的图片清晰，评价也很真实。",
                "尺码表很有帮助。",
                "网站速度很快，用起来很顺畅。",
            ],
            "neu": [
                "在看{product}，还在比较。",
                "订阅了邮件，方便关注新品。",
                "希望能多放几张{product}的实拍图。",
                "{city}有门店可以看实物吗？",
                "正在比较几个牌子，还没决定。",
            ],
            "neg": [
                "手机上网站太慢了，页面一直加载。",
                "找不到{product}的尺码表。",
                "搜索没用，输入“{product}”出来一堆无关商品。",
                "弹窗太多，很影响浏览。",
                "商品描述太简单，连尺寸都没有。",
            ],
        },
        "consideration": {
            "pos": [
                "这次结账很顺利，谢谢。",
                "对比表很有用，帮我选到了合适的{product}。",
                "客服{minutes}就回复了，很专业。",
                "可以用支付宝付款，很方便。",
                "购物车在手机和电脑上同步，很方便。",
            ],
            "neu": [
                "在比较这款{product}和另外两款，哪个保修更好？",
                "{product}先加入购物车了，周末再决定。",
                "可以分期付款吗？",
                "寄到{city}一般要几天？",
                "附近有自提点吗？",
            ],
            "neg": [
                "运费太贵了，买个{product}运费要{amount}？",
                "最后一步突然多了隐藏费用，直接关掉了。",
                "结账失败三次，放弃了。",
                "又是结账失败，支付页面一直刷新。",
                "运费太贵，而且到结算时才显示{amount}运费。",
                "运费太贵了，比{product}本身还贵。",
                "到处都是隐藏费用：服务费、包装费等等。",
                "输入银行卡后结账失败，不知道有没有扣款。",
                "说好的“包邮”根本不包，最后还有隐藏费用。",
                "寄到{city}运费太贵，购物车直接放弃了。",
                "优惠券用不了，一直提示结账失败。",
                "总价莫名多了{amount}，隐藏费用太坑了。",
                "手机上结账失败，“支付”按钮点了没反应。",
                "运费太贵，别家都包邮。",
                "隐藏费用太多，{product}还是去别家买吧。",
                "两次结账失败，购物车还被清空了。",
                "每次刷新运费都不一样，运费太贵还不透明。",
                "又有隐藏费用又结账失败，体验太差了。",
            ],
        },
        "purchase": {
            "pos": [
                "{days}就到了，包装很好，{product}很棒。",
                "{product}和描述的一模一样，很满意。",
                "发货快，质量非常好。",
                "下单很顺利，快递员很准时。",
                "性价比很高，还会再买。",
                "{product}用起来完美，谢谢！",
                "收到时完好无损，谢谢。",
                "质量好，包装精致，发货迅速。",
            ],
            "neu": [
                "{product}还行，没什么特别的。",
                "{days}后收到，和预期一样。",
                "东西还可以，颜色和图片有点差别。",
                "这个价格质量一般。",
                "收到{product}了，还没开始用。",
            ],
            "neg": [
                "{product}到货时已经损坏，箱子都压扁了。",
                "比承诺的晚了{days}才送到。",
                "发错尺码了，只能退货。",
                "质量很差，{product}一周就坏了。",
                "快递把包裹放在门外淋雨。",
                "实物与描述不符，很失望。",
            ],
        },
        "loyalty": {
            "pos": [
                "又买了一次，还是最好用的{product}。",
                "积分很划算，第二单优惠了{pct}。",
                "一直很靠谱，现在只在这里买。",
                "会员福利很好，免费退货很方便。",
                "这个月第三单了，从没失望过。",
                "谢谢生日优惠券，很贴心！",
            ],
            "neu": [
                "又买了{product}，和上次一样。",
                "加入了会员计划，看看怎么样。",
                "积分规则有点复杂，不过还行。",
                "复购，{days}送到，和平时一样。",
            ],
            "neg": [
                "积分没有任何提醒就过期了。",
                "会员价比以前还贵。",
                "第二次买的质量比第一次差。",
                "会员优惠券不能用于特价商品，没意义。",
            ],
        },
        "advocacy": {
            "pos": [
                "五星！{product}太好用了，强烈推荐。",
                "推荐给朋友了，他们也很喜欢。",
                "用过最好的{product}，物超所值。",
                "很棒的店，服务好，发货快，推荐！",
                "我姐看了我的也买了，我们都很满意。",
                "“买就对了，不会后悔”，就这一句话。",
                "质量太好了，逢人就推荐这个牌子。",
            ],
            "neu": [
                "{product}总体不错，有些小问题。",
                "店铺还行，买基础款可以推荐。",
                "把推荐链接分享给了同事。",
            ],
            "neg": [
                "不推荐，{product}用了没多久就坏了。",
                "以前很喜欢这家店，最近质量下降了。",
                "评价：东西还行，但客服不回邮件。",
            ],
        },
    },
}
_LANGS = ("en", "ru", "zh")
_SLOT_NAMES = ("product", "days", "minutes", "amount", "pct", "social", "city")


def _render(rng: np.random.Generator, langs, stages, sents) -> list[str]:
    """One feedback text per (language, stage index, sentiment index) triple."""
    n = len(langs)
    pick = rng.integers(0, 1 << 30, size=(n, 1 + len(_SLOT_NAMES)))
    out = []
    for i in range(n):
        lang = _LANGS[langs[i]]
        options = _TEMPLATES[lang][STAGES[stages[i]]][_SENT_KEYS[sents[i]]]
        slots = _SLOTS[lang]
        values = {k: slots[k][pick[i, j + 1] % len(slots[k])] for j, k in enumerate(_SLOT_NAMES)}
        values["Product"] = values["product"][:1].upper() + values["product"][1:]
        out.append(options[pick[i, 0] % len(options)].format_map(values))
    return out


# --------------------------------------------------------------------------- helpers

def _stratified_uniform(rng: np.random.Generator, groups: np.ndarray) -> np.ndarray:
    """Uniform(0, 1) draws, stratified within each group.

    Inside a group of size m the draws are a random permutation of
    ``(k + jitter) / m``, so the share below any threshold p is within 1/m of p.
    That makes planted rates (conversion by device and arm, persona shares) hold
    at every seed instead of wobbling by sampling noise.
    """
    n = len(groups)
    order = np.lexsort((rng.random(n), groups))
    g = groups[order]
    starts = np.r_[0, np.flatnonzero(np.diff(g)) + 1]
    sizes = np.diff(np.r_[starts, n])
    group_no = np.repeat(np.arange(len(starts)), sizes)
    rank = np.arange(n) - starts[group_no]
    u = np.empty(n)
    u[order] = (rank + rng.random(n)) / sizes[group_no]
    return u


def _variant_is_b(customer_no: np.ndarray) -> np.ndarray:
    """50/50 assignment by a hash of the customer number (splitmix64 finaliser)."""
    with np.errstate(over="ignore"):
        z = customer_no.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(17)) & np.uint64(1) == 1


def _pick(rng: np.random.Generator, names: list[str], weights, size: int) -> np.ndarray:
    """Event codes drawn from ``names`` with ``weights``."""
    codes = np.array([_EV[n] for n in names])
    return codes[rng.choice(len(names), size=size, p=np.asarray(weights) / np.sum(weights))]


def _segment_cumsum(values: np.ndarray, group: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at every group (rows grouped contiguously)."""
    cs = np.cumsum(values)
    return cs - (cs[starts] - values[starts])[group]


def _window(start: str, months: int) -> tuple[pd.Timestamp, int]:
    t0 = pd.Timestamp(start)
    if t0.tzinfo is not None:
        t0 = t0.tz_convert("UTC").tz_localize(None)
    t1 = t0 + pd.DateOffset(months=months)
    return t0, int((t1 - t0).total_seconds())


_TIME_OF_DAY: pa.Array | None = None


def _iso_utc(epoch_s: np.ndarray) -> pa.Array:
    """Epoch seconds -> ``YYYY-MM-DDTHH:MM:SSZ`` strings, fast (two small lookups + a join)."""
    global _TIME_OF_DAY
    if _TIME_OF_DAY is None:
        s = np.arange(_DAY)
        _TIME_OF_DAY = pa.array([f"T{h:02d}:{m:02d}:{x:02d}Z" for h, m, x in
                                 zip(s // 3600, s // 60 % 60, s % 60)])
    if len(epoch_s) == 0:
        return pa.array([], pa.string())
    day = epoch_s // _DAY
    d0 = int(day.min())
    days = np.datetime_as_string(np.arange(d0, int(day.max()) + 1).astype("datetime64[D]"), unit="D")
    return pc.binary_join_element_wise(pa.array(days.tolist()).take(pa.array(day - d0)),
                                       _TIME_OF_DAY.take(pa.array(epoch_s % _DAY)), "")


# --------------------------------------------------------------------------- generate

def generate(n_customers: int = 20_000, *, seed: int = 42, start: str = "2026-01-01",
             months: int = 6) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate customer journeys with the planted stories of this module.

    Parameters
    ----------
    n_customers : number of customers (ids ``C000001`` ...).
    seed : random seed; the output is identical for identical arguments.
    start : first day of the window (UTC).
    months : length of the window; every timestamp is in ``[start, start + months)``.

    Returns
    -------
    events : DataFrame with :data:`COLUMNS`, sorted by ``customer_id, timestamp``.
        ``timestamp`` is naive UTC; missing values are NA (empty in the CSV).
    truth : one row per customer: ``customer_id, persona, device, variant``
        (``variant`` is ``""`` for customers outside the experiment).
    """
    if n_customers < 1:
        raise ValueError(f"n_customers={n_customers} should be >= 1.")
    rng = np.random.default_rng(seed)
    t_start, span = _window(start, months)
    n = n_customers
    cust_no = np.arange(1, n + 1)

    # --- who they are -------------------------------------------------------------
    device = rng.choice(3, size=n, p=DEVICE_SHARES)
    country_names = list(COUNTRIES)
    country = rng.choice(len(country_names), size=n, p=[v[1] for v in COUNTRIES.values()])
    lang_of_country = np.array([_LANGS.index(v[0]) for v in COUNTRIES.values()])
    lang = lang_of_country[country]
    in_store = (rng.random(n) < IN_STORE_SHARE).astype(np.int64)

    # --- how far they get: reach consideration, experiment, purchase (stories 1, 2) -
    conv = np.array([CONVERSION[d] for d in DEVICES])
    buyers_share = 1 - PERSONA_SHARES["browser"]
    mean_conv = float(np.dot(DEVICE_SHARES, conv)) + EXPERIMENT_SHARE * 0.5 * VARIANT_B_LIFT
    p_reach = min(1.0, buyers_share / mean_conv)
    reach = _stratified_uniform(rng, device) < p_reach
    in_exp = np.zeros(n, bool)
    in_exp[reach] = _stratified_uniform(rng, device[reach]) < EXPERIMENT_SHARE
    is_b = _variant_is_b(cust_no)
    arm = np.where(in_exp, np.where(is_b, 2, 1), 0)
    p_buy = conv[device] + VARIANT_B_LIFT * (arm == 2)
    buyer = np.zeros(n, bool)
    buyer[reach] = _stratified_uniform(rng, (device * 3 + arm)[reach]) < p_buy[reach]

    # --- persona: buyers split independently of device and variant ----------------
    persona = np.zeros(n, int)  # 0 browser
    shares = np.array([PERSONA_SHARES[p] for p in PERSONAS[1:]]) / buyers_share
    ub = _stratified_uniform(rng, device[buyer])
    persona[buyer] = 1 + np.searchsorted(np.cumsum(shares)[:-1], ub, side="right")
    depth = np.where(reach, 2, np.where(rng.random(n) < 0.4, 0, 1))

    # --- first journey: awareness -> interest -> consideration -> purchase --------
    # first seen. At-risk customers arrive in the first weeks (they need a past), loyal ones in
    # the first months, one-time buyers over the first 85% of the window. Browsers arrive like
    # buyers do (a "shadow" buyer persona each), so conversion by first-seen week stays flat,
    # plus a thin tail of late browsers: acquisition is front-loaded and slows down.
    shadow = np.where(persona > 0, persona, 1 + rng.choice(3, size=n, p=shares))
    t0 = np.select([shadow == 1, shadow == 2],
                   [0.85 * rng.random(n), 0.30 * rng.beta(1.0, 2.0, n)],
                   0.50 * rng.beta(1.0, 1.5, n))
    late = (persona == 0) & (rng.random(n) < 0.06)
    t0[late] = rng.uniform(0.85, 1.0, int(late.sum()))
    t0 = np.minimum(t0 * span, span - 2 * 3600).astype(np.int64)
    n_aw = 1 + rng.poisson(0.6, n)
    n_in = np.where(depth >= 1, 1 + rng.poisson(1.0, n), 0)
    n_co = np.where(depth >= 2, 1 + rng.poisson(0.8, n), 0)
    n_pu = buyer.astype(np.int64)
    length = n_aw + n_in + n_co + n_pu
    cust = np.repeat(np.arange(n), length)
    starts = np.cumsum(length) - length
    pos = np.arange(len(cust)) - starts[cust]
    stage = np.select([pos < n_aw[cust], pos < (n_aw + n_in)[cust], pos < (n_aw + n_in + n_co)[cust]],
                      [0, 1, 2], 3)
    m = len(cust)
    new_stage = np.r_[True, stage[1:] != stage[:-1]]
    p_same = np.where(new_stage, np.select([stage == 3, stage == 2], [0.8, 0.5], 0.35), 0.55)
    same = rng.random(m) < p_same
    gap_same = np.minimum(15 + rng.exponential(150, m), 1500)
    gap_new = np.minimum(SESSION_GAP_S + 60 + rng.exponential(1.5 * _DAY, m), 10 * _DAY)
    gap = np.where(same, gap_same, gap_new).astype(np.int64)
    gap[starts] = 0
    t = t0[cust] + _segment_cumsum(gap, cust, starts)
    # a buyer's first purchase must fall inside the window (with room for what follows)
    last_step = t[starts + length - 1]
    late_buyer = np.maximum(np.where(buyer, last_step - (span - 20 * _DAY), 0), 0)
    t = np.maximum(t - late_buyer[cust], 0)

    ev = np.empty(m, np.int64)
    mobile = device[cust] == 0
    for s, names, w in ((0, ["ad_impression", "social_post_view", "search_result_click"], [0.45, 0.35, 0.20]),
                        (1, ["site_visit", "product_view", "email_open", "newsletter_signup", "store_visit"],
                         [0.35, 0.40, 0.10, 0.08, 0.07]),
                        (2, ["add_to_cart", "compare_products", "checkout_start", "support_chat"],
                         [0.45, 0.22, 0.23, 0.10])):
        sel = stage == s
        ev[sel] = _pick(rng, names, w, int(sel.sum()))
    sel = (stage == 0) & mobile  # mobile users see more social content
    ev[sel] = _pick(rng, ["ad_impression", "social_post_view", "search_result_click"], [0.35, 0.5, 0.15],
                    int(sel.sum()))
    ev[stage == 3] = _EV["purchase"]
    # the last consideration event before buying is usually the checkout; abandoners often reach it too
    last_co = (stage == 2) & (pos == (n_aw + n_in + n_co - 1)[cust])
    to_checkout = last_co & (rng.random(m) < np.where(buyer[cust], 0.8, 0.45))
    ev[to_checkout] = _EV["checkout_start"]

    t_expo = np.full(n, np.iinfo(np.int64).max)
    first_co = (stage == 2) & (pos == (n_aw + n_in)[cust])
    t_expo[cust[first_co]] = t[first_co]
    in_exp &= t_expo < span  # assigned at exposure: a journey cut off before it is never in the test
    t_buy = np.zeros(n, np.int64)
    t_buy[cust[stage == 3]] = t[stage == 3]

    parts_c, parts_t, parts_e = [cust], [t], [ev]

    def add(c, times, codes):
        parts_c.append(np.asarray(c))
        parts_t.append(np.asarray(times, np.int64))
        parts_e.append(np.asarray(codes, np.int64))

    # --- after the first purchase, by persona (stories 4, 5) ---------------------
    ot = np.flatnonzero(persona == 1)
    k = rng.poisson(0.8, len(ot))
    c = np.repeat(ot, k)
    add(c, t_buy[c] + 3600 + (rng.random(len(c)) * 14 * _DAY).astype(np.int64),
        _pick(rng, ["email_open", "site_visit", "product_view", "ad_impression"], [0.4, 0.3, 0.2, 0.1], len(c)))

    ar = np.flatnonzero(persona == 2)
    ar_span = (rng.uniform(25, 60, len(ar)) * _DAY).astype(np.int64)
    ar_end = dict(zip(ar, t_buy[ar] + 4 * _DAY + ar_span))
    k = rng.integers(3, 9, len(ar))  # 4-9 purchases in all
    c = np.repeat(ar, k)
    rep_ar = t_buy[c] + 4 * _DAY + (rng.random(len(c)) * np.repeat(ar_span, k)).astype(np.int64)

    la = np.flatnonzero(persona == 3)
    la_last = span - (rng.uniform(1, 14, len(la)) * _DAY).astype(np.int64)
    k = rng.integers(7, 20, len(la))  # 8-20 purchases in all
    c2 = np.repeat(la, k)
    lo = t_buy[c2] + 3 * _DAY
    hi = np.repeat(la_last, k)
    rep_la = lo + (rng.random(len(c2)) * np.maximum(hi - lo, 0)).astype(np.int64)
    first_of = np.cumsum(k) - k
    rep_la[first_of] = la_last  # every loyal customer bought in the last two weeks

    rc = np.r_[c, c2]
    rt = np.r_[rep_ar, rep_la]
    add(rc, rt, np.full(len(rc), _EV["repeat_purchase"]))
    # a repeat visit often starts with a product view and an add to cart
    sel = rng.random(len(rc)) < 0.55
    add(rc[sel], rt[sel] - rng.integers(120, 900, int(sel.sum())), np.full(int(sel.sum()), _EV["product_view"]))
    sel = rng.random(len(rc)) < 0.35
    add(rc[sel], rt[sel] - rng.integers(30, 110, int(sel.sum())), np.full(int(sel.sum()), _EV["add_to_cart"]))

    ar_end_arr = np.array([ar_end[i] for i in ar], dtype=np.int64) if len(ar) else np.zeros(0, np.int64)
    sel = rng.random(len(ar)) < 0.55
    add(ar[sel], t_buy[ar[sel]] + (rng.uniform(1, 15, int(sel.sum())) * _DAY).astype(np.int64),
        np.full(int(sel.sum()), _EV["loyalty_signup"]))
    sel = rng.random(len(ar)) < 0.12
    add(ar[sel], t_buy[ar[sel]] + (rng.random(int(sel.sum())) * (ar_end_arr[sel] - t_buy[ar[sel]])).astype(np.int64),
        np.full(int(sel.sum()), _EV["review_posted"]))
    k = rng.poisson(1.5, len(ar))
    c = np.repeat(ar, k)
    add(c, t_buy[c] + (rng.random(len(c)) * (np.repeat(ar_end_arr, k) - t_buy[c])).astype(np.int64),
        _pick(rng, ["email_open", "site_visit", "social_post_view", "ad_impression"], [0.4, 0.3, 0.2, 0.1], len(c)))

    sel = rng.random(len(la)) < 0.95
    add(la[sel], t_buy[la[sel]] + (rng.uniform(1, 20, int(sel.sum())) * _DAY).astype(np.int64),
        np.full(int(sel.sum()), _EV["loyalty_signup"]))
    k = 1 + rng.poisson(1.5, len(la))
    c = np.repeat(la, k)
    lo = t_buy[c] + 7 * _DAY
    add(c, lo + (rng.random(len(c)) * np.maximum(np.repeat(la_last, k) - lo, 0)).astype(np.int64),
        _pick(rng, ["review_posted", "referral_sent"], [0.65, 0.35], len(c)))
    k = rng.poisson(4, len(la))
    c = np.repeat(la, k)
    add(c, t_buy[c] + (rng.random(len(c)) * (np.repeat(la_last, k) - t_buy[c])).astype(np.int64),
        _pick(rng, ["email_open", "site_visit", "social_post_view", "ad_impression", "store_visit"],
              [0.35, 0.3, 0.15, 0.1, 0.1], len(c)))

    # --- assemble, cut at the window's end, sort -----------------------------------
    cust = np.concatenate(parts_c)
    t = np.concatenate(parts_t)
    ev = np.concatenate(parts_e)
    keep = (t >= 0) & (t < span)
    cust, t, ev = cust[keep], t[keep], ev[keep]
    order = np.lexsort((np.arange(len(t)), t, cust))
    cust, t, ev = cust[order], t[order], ev[order]
    m = len(t)
    stage = _EV_STAGE[ev]

    # touchpoint by event (channels overlap: a site visit may come from email or search);
    # in-store shoppers view, buy and sign up mostly in the store
    tp = (rng.random(m)[:, None] > _EV_TP_CUM[in_store[cust], ev]).sum(axis=1)

    # sessions: a new one after more than 30 minutes without events
    new_session = np.r_[True, (cust[1:] != cust[:-1]) | (np.diff(t) > SESSION_GAP_S)]
    session_no = np.cumsum(new_session)

    # revenue (lognormal, by persona)
    is_first = ev == _EV["purchase"]
    is_repeat = ev == _EV["repeat_purchase"]
    p_of = persona[cust]
    median = np.where(is_first, np.array([0, 55, 65, 95])[p_of], np.array([0, 55, 60, 110])[p_of])
    revenue = np.full(m, np.nan)
    paid = is_first | is_repeat
    revenue[paid] = np.maximum(np.round(median[paid] * rng.lognormal(0.0, 0.55, int(paid.sum())), 2), 3.0)

    # sentiment, rating and feedback (story 3; loyal advocates rate high, at-risk sour on loyalty)
    probs = _SENTIMENT_P[stage].copy()
    shift = np.where((p_of == 3) & (stage != 2), 0.12, 0.0)
    moved = np.minimum(shift, probs[:, 2])
    probs[:, 2] -= moved
    probs[:, 0] += moved
    sour = (p_of == 2) & (stage == 4)
    probs[sour] = [0.5, 0.25, 0.25]
    sent = (rng.random(m)[:, None] > np.cumsum(probs, axis=1)[:, :2]).sum(axis=1)
    rating_by_sent = np.array([[0.0, 0.0, 0.0, 0.40, 0.60],   # positive: 4-5
                               [0.0, 0.05, 0.65, 0.30, 0.0],  # neutral: mostly 3
                               [0.45, 0.42, 0.13, 0.0, 0.0]])  # negative: 1-2
    has_fb = rng.random(m) < _EV_P_FEEDBACK[ev]
    # a survey answer with a comment usually has a score too
    has_rating = (rng.random(m) < _EV_P_RATING[ev]) | (has_fb & (_EV_P_RATING[ev] > 0) & (rng.random(m) < 0.7))
    rating = np.full(m, np.nan)
    r_cum = np.cumsum(rating_by_sent, axis=1)[sent[has_rating]]
    rating[has_rating] = 1 + (rng.random(int(has_rating.sum()))[:, None] > r_cum[:, :4]).sum(axis=1)
    feedback = np.full(m, None, dtype=object)
    idx = np.flatnonzero(has_fb)
    feedback[idx] = _render(rng, lang[cust[idx]], stage[idx], sent[idx])

    # experiment columns: from exposure (first consideration event) onwards
    exposed = in_exp[cust] & (t >= t_expo[cust])
    experiment = np.where(exposed, EXPERIMENT, None)
    variant = np.where(exposed, np.where(is_b[cust], "B", "A"), None)

    width = max(6, len(str(n)))
    ids = np.array([f"C{i:0{width}d}" for i in cust_no], dtype=object)
    swidth = max(7, len(str(int(session_no[-1]) if m else 0)))
    sess_ids = np.array([f"S{i:0{swidth}d}" for i in range(1, (int(session_no[-1]) if m else 0) + 1)],
                        dtype=object)
    ts = (np.datetime64(t_start.to_datetime64(), "s") + t.astype("timedelta64[s]")).astype("datetime64[us]")
    events = pd.DataFrame({
        "customer_id": ids[cust],
        "timestamp": ts,
        "stage": np.array(STAGES, dtype=object)[stage],
        "event": _EV_NAMES[ev],
        "touchpoint": np.array(TOUCHPOINTS, dtype=object)[tp],
        "device": np.array(DEVICES, dtype=object)[device[cust]],
        "country": np.array(country_names, dtype=object)[country[cust]],
        "session_id": sess_ids[session_no - 1],
        "experiment": experiment.astype(object),
        "variant": variant.astype(object),
        "revenue": revenue,
        "rating": rating,
        "feedback": feedback,
    })
    truth = pd.DataFrame({
        "customer_id": ids,
        "persona": np.array(PERSONAS, dtype=object)[persona],
        "device": np.array(DEVICES, dtype=object)[device],
        "variant": np.where(in_exp, np.where(is_b, "B", "A"), "").astype(object),
    })
    return events, truth


# --------------------------------------------------------------------------- writing
# pyarrow's CSV writer quotes every string ("needed" means "strings") or refuses commas
# ("none"), so lines are assembled in Arrow: fields quoted only when they contain a comma,
# a quote or a line break (RFC 4180), joined, and the joined buffer written as is.

_JOIN = pc.JoinOptions(null_handling="replace", null_replacement="")


def _csv_escape(arr: pa.Array) -> pa.Array:
    """Quote the string values that need it (``"`` doubled); nulls stay null (empty fields)."""
    needs = pc.match_substring_regex(arr, r'[",\r\n]')
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(arr, '"', '""'), '"', "")
    return pc.if_else(needs, quoted, arr)


def _write_lines(out, fields: list[pa.Array]) -> None:
    """Write rows made of already-escaped string fields as CSV lines."""
    line = pc.binary_join_element_wise(*fields, ",", options=_JOIN)
    line = pc.binary_join_element_wise(line, "\n", "")
    if isinstance(line, pa.ChunkedArray):
        line = line.combine_chunks()
    if len(line) == 0:
        return
    if line.type == pa.large_string():
        line = line.cast(pa.string())
    _, offsets, data = line.buffers()
    off = np.frombuffer(offsets, np.int32)[line.offset:line.offset + len(line) + 1]
    out.write(memoryview(data)[int(off[0]):int(off[-1])])


class _Output:
    """A binary output for ``path``; gzip with mtime 0 (byte-reproducible) if it ends in .gz."""

    def __init__(self, path):
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._raw = open(path, "wb")
        self._gz = (gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, compresslevel=9, mtime=0)
                    if path.name.endswith(".gz") else None)
        self.write = (self._gz or self._raw).write
        self.write((",".join(COLUMNS) + "\n").encode())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._gz is not None:
            self._gz.close()
        self._raw.close()


def _string_field(values: pd.Series) -> pa.Array:
    arr = pa.array(values.astype(object).where(values.notna(), None).tolist(), pa.string())
    return _csv_escape(arr)


def write_csv(events: pd.DataFrame, path) -> None:
    """Write events as CSV (gzip if ``path`` ends in ``.gz``; byte-reproducible).

    Columns :data:`COLUMNS` in order; timestamps as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC),
    missing values as empty fields, ratings as integers, revenue in its shortest
    form (``46.05``, ``12``); fields are quoted only when they need it.
    """
    ts = pd.to_datetime(events["timestamp"])
    if ts.dt.tz is not None:
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    epoch = ts.to_numpy().astype("datetime64[s]").astype(np.int64)
    fields = []
    for col in COLUMNS:
        if col == "timestamp":
            fields.append(_iso_utc(epoch))
        elif col in ("revenue", "rating"):
            num = pa.array(pd.to_numeric(events[col]).to_numpy(dtype=float, na_value=np.nan), from_pandas=True)
            fields.append(pc.cast(num.cast(pa.int64()) if col == "rating" else num, pa.string()))
        else:
            fields.append(_string_field(events[col]))
    with _Output(path) as out:
        _write_lines(out, fields)


def write_benchmark_events(path, n_events: int, *, seed: int = 1, chunk_customers: int = 50_000) -> None:
    """Write ``n_events`` events (exactly) for benchmarks: ~10 events per customer.

    The same columns and vocabulary as :func:`generate`, with a simpler model built for
    speed (numpy per chunk of customers, lines assembled in Arrow): stages move forward
    in time for every customer, mobile converts worse, variant B converts a little better,
    revenue sits on purchases, ratings and feedback are sparse. 10M events (1M customers,
    about 0.94 GB of CSV) take about 10 s on two cores; gzip if ``path`` ends in ``.gz``.
    """
    if n_events < 1:
        raise ValueError(f"n_events={n_events} should be >= 1.")
    rng = np.random.default_rng(seed)
    _, span = _window("2026-01-01", 6)
    epoch0 = int(pd.Timestamp("2026-01-01").timestamp())
    # events per customer: 1 + Poisson(9), the last customer trimmed so the total is exact
    counts = 1 + rng.poisson(9, n_events // 10 + 64)
    while counts.sum() < n_events:
        counts = np.r_[counts, 1 + rng.poisson(9, n_events // 100 + 64)]
    cum = np.cumsum(counts)
    n_cust = int(np.searchsorted(cum, n_events) + 1)
    counts = counts[:n_cust]
    counts[-1] -= int(cum[n_cust - 1] - n_events)

    per_cell = 20
    pool = _csv_escape(pa.array(_benchmark_feedback_pool(per_cell) + [None], pa.string()))  # last: none
    lang_of_country = np.array([_LANGS.index(v[0]) for v in COUNTRIES.values()])
    experiment_arr = pa.array([EXPERIMENT, None], pa.string())
    variant_arr = pa.array(["A", "B", None], pa.string())
    names = {"stage": pa.array(STAGES), "event": pa.array(_EV_NAMES.tolist()), "tp": pa.array(TOUCHPOINTS),
             "device": pa.array(DEVICES), "country": pa.array(list(COUNTRIES))}
    stage_events = [np.flatnonzero(_EV_STAGE == s) for s in range(len(STAGES))]
    stage_events[3] = np.array([_EV["purchase"]])
    p_country = [v[1] for v in COUNTRIES.values()]
    conv = np.array([CONVERSION[d] for d in DEVICES])
    width = max(7, len(str(n_cust)))
    session_base = 0
    with _Output(path) as out:
        for lo in range(0, n_cust, chunk_customers):
            hi = min(n_cust, lo + chunk_customers)
            k = counts[lo:hi]
            nc = hi - lo
            device = rng.choice(3, size=nc, p=DEVICE_SHARES)
            country = rng.choice(len(p_country), size=nc, p=p_country)
            in_exp = rng.random(nc) < EXPERIMENT_SHARE
            is_b = _variant_is_b(np.arange(lo + 1, hi + 1))
            # deepest stage: a funnel with the mobile drop and the B lift at purchase
            d = (rng.random(nc) < 0.94).astype(np.int64)
            d += (d == 1) & (rng.random(nc) < 0.92)
            d += (d == 2) & (rng.random(nc) < conv[device] + VARIANT_B_LIFT * (in_exp & is_b))
            d += (d == 3) & (rng.random(nc) < 0.55)
            d += (d == 4) & (rng.random(nc) < 0.35)
            d = np.minimum(d, k - 1)
            cust = np.repeat(np.arange(nc), k)
            starts = np.cumsum(k) - k
            j = np.arange(len(cust)) - starts[cust]
            stage = j * (d[cust] + 1) // k[cust]  # every stage up to the deepest, in order
            m = len(cust)
            ev = np.empty(m, np.int64)
            for s in range(len(STAGES)):
                sel = np.flatnonzero(stage == s)
                ev[sel] = stage_events[s][rng.integers(0, len(stage_events[s]), len(sel))]
            first_of_stage = np.r_[True, (stage[1:] != stage[:-1]) | (cust[1:] != cust[:-1])]
            ev[(stage == 4) & first_of_stage] = _EV["repeat_purchase"]
            same = rng.random(m) < 0.6
            gap = np.where(same, 10 + rng.exponential(120, m),
                           np.minimum(SESSION_GAP_S + 60 + rng.exponential(1.5 * _DAY, m), 5 * _DAY)).astype(np.int64)
            gap[starts] = 0
            t0 = (rng.random(nc) * (span - 20 * _DAY)).astype(np.int64)
            t = t0[cust] + _segment_cumsum(gap, cust, starts)
            # a customer running past the window's end is moved earlier, not squashed onto its last second
            last = t[np.cumsum(k) - 1]
            shift = np.where(last > span - 1, last - (span - 1) + rng.integers(0, 3 * _DAY, nc), 0)
            t = np.maximum(t - shift[cust], 0)
            new_session = np.r_[True, (cust[1:] != cust[:-1]) | (np.diff(t) > SESSION_GAP_S)]
            session_no = session_base + np.cumsum(new_session)
            session_base = int(session_no[-1])
            tp = (rng.random(m)[:, None] > _EV_TP_CUM[0, ev]).sum(axis=1)
            exposed = in_exp[cust] & (stage >= 2)
            paid = (ev == _EV["purchase"]) | (ev == _EV["repeat_purchase"])
            revenue = np.round(rng.lognormal(4.1, 0.6, m), 2)
            rated = (stage >= 2) & (rng.random(m) < 0.05)
            rating = np.where(stage == 2, rng.integers(1, 4, m), rng.integers(3, 6, m))
            has_fb = rng.random(m) < 0.015
            fb_idx = (stage * len(_LANGS) + lang_of_country[country[cust]]) * per_cell + rng.integers(0, per_cell, m)
            ids = pa.array([f"C{i:0{width}d}" for i in range(lo + 1, hi + 1)])
            session = pc.binary_join_element_wise(
                "S", pc.utf8_lpad(pc.cast(pa.array(session_no), pa.string()), 8, "0"), "")
            _write_lines(out, [
                ids.take(pa.array(cust)),
                _iso_utc(epoch0 + t),
                names["stage"].take(pa.array(stage)),
                names["event"].take(pa.array(ev)),
                names["tp"].take(pa.array(tp)),
                names["device"].take(pa.array(device[cust])),
                names["country"].take(pa.array(country[cust])),
                session,
                experiment_arr.take(pa.array(np.where(exposed, 0, 1))),
                variant_arr.take(pa.array(np.where(exposed, is_b[cust].astype(np.int64), 2))),
                pc.cast(pa.array(revenue, mask=~paid), pa.string()),
                pc.cast(pa.array(rating, mask=~rated), pa.string()),
                pool.take(pa.array(np.where(has_fb, fb_idx, len(pool) - 1))),
            ])


def _benchmark_feedback_pool(per_cell: int = 20) -> list[str]:
    """Pre-rendered feedback texts, ``per_cell`` for each (stage, language), for the benchmark writer."""
    rng = np.random.default_rng(7)
    pool = []
    for s in range(len(STAGES)):
        for lang in range(len(_LANGS)):
            sents = rng.choice(3, size=per_cell, p=_SENTIMENT_P[s])
            pool += _render(rng, np.full(per_cell, lang), np.full(per_cell, s), sents)
    return pool


# --------------------------------------------------------------------------- CLI

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cj.sample",
                                     description="Regenerate the bundled sample (planted stories in cj/sample.py).")
    parser.add_argument("--out", default="data/sample_events.csv.gz", help="output CSV (.gz to compress)")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--start", default="2026-01-01")
    parser.add_argument("--months", type=int, default=6)
    args = parser.parse_args(argv)
    t = time.perf_counter()
    events, _ = generate(args.customers, seed=args.seed, start=args.start, months=args.months)
    write_csv(events, args.out)
    size = Path(args.out).stat().st_size
    print(f"wrote {len(events):,} events for {args.customers:,} customers to {args.out} "
          f"({size / 1e6:.2f} MB) in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
