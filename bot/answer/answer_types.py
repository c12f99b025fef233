"""What kind of answer a question asks for ("how much" wants an amount of money, "when" wants a
date, "how many" wants a number), and whether a sentence supplies it. A passage that is about
the right topic but never states the asked-for amount does not answer the question: an
e5 similarity cannot tell the two apart, this can."""

from __future__ import annotations

import re
from typing import Literal

from retrieval.text import TENDER_ID, fold

AnswerType = Literal[
    "amount", "date", "time", "number", "measure", "contact", "duration", "place", "form", "office"
]

_ASKS: dict[AnswerType, re.Pattern[str]] = {
    "date": re.compile(
        r"^when\b|\bwhen (is|was|are|were|does|do|did|will|would|can|could|should|must|'s)\b|"
        r"\b(until|by|since|from) when\b|\bwhat (date|day)\b|\bdeadline\b|"
        r"いつ|何日(まで|から|に)|何月|何年から|日程|日付|締切|締め切|期限"
    ),
    "time": re.compile(r"\bwhat time\b|\bwhat hour\b|何時(?!間)"),
    "amount": re.compile(
        r"\bhow much (is|are|was|were|will|would|does|do|did|can|could|money|funding|budget)\b|"
        r"\b(salary|salaries|wages?|price|cost|costs|fees?|budget(ed)?|interest rate|"
        r"exchange rate)\b|"
        r"いくら|年収|給与|給料|費用|金額|価格|相場|予算|報酬|単価|上限額|金利|為替"
    ),
    "contact": re.compile(
        r"\b(contact|e-?mail|phone|who (do|should|can) (i|we) (ask|contact|call))\b|"
        r"\bwhere (do|can|should) (i|we) (send|submit|ask|apply|write)\b|"
        r"問い合わせ|問合せ|連絡先|窓口|メールアドレス|電話番号|どこに(送|提出|聞|相談|問)"
    ),
    "duration": re.compile(
        r"\bhow long\b|\bfor how many (years|months|weeks|days)\b|\b(duration|period|valid for)\b|"
        r"期間|何年間|何か月|何ヶ月|何カ月|何週間|何日間|何時間|有効期限"
    ),
    "place": re.compile(
        r"^where\b|\bwhere (is|are|was|will|do|does|can|should|would)\b|\b(venue|location)\b|"
        r"どこ|場所|会場|所在地"
    ),
    "form": re.compile(
        r"\b(which|what) (forms?|documents?|paperwork|certificates?)\b|\bpaperwork\b|"
        r"書類|様式|書式|申請書|証明書|届出?"
    ),
    "office": re.compile(
        r"^who\b|\bwho (is|are|runs|handles|decides|issues|should|do|does|can)\b|"
        r"\b(which|what) (office|agency|ministry|division|department|body)\b|"
        r"誰|だれ|どこの(部署|機関|省)|担当(部署|課|機関)|所管"
    ),
    "measure": re.compile(
        r"\b(depths?|weight|mass|speed|temperatures?|distance|altitude|endurance|payload|"
        r"resolution|accuracy|latency|voltage|frequency|specific energy|energy density|"
        r"dimensions?|width|height|diameter|thickness)\b|"
        r"\bhow (far|big|large|heavy|fast|deep|high)\b|"
        r"温度|深さ|深度|水深|重さ|重量|速度|距離|高度|航続|ペイロード|積載|容量|解像度|分解能|"
        r"精度|遅延|出力|周波数|寸法|厚さ|エネルギー密度"
    ),
    "number": re.compile(
        r"\bhow (much|many|long|far|big|large|heavy|old|fast)\b|"
        r"\bwhat (percentage|share|number)\b|\b(maximum|minimum)\b|\bat (least|most)\b|"
        r"\b(page|word|size|upper|lower) limits?\b|\bcap(ped)?\b|"
        r"何(社|個|枚|件|人|名|日|か月|ヶ月|カ月|年|回|%|割|ページ|キロ|時間|分|機|台|点)|"
        r"最低|最大|最長|最短|上限|下限|"
        r"どのくらい|どれくらい|どの程度|何パーセント"
    ),
}

_MONEY = re.compile(
    r"[¥$€£]\s?\d|\d[\d,.]*\s?(yen|円|jpy|usd|dollars?)|"
    r"\d[\d,.]*\s?(billion|million|trillion|thousand)\b|\d[\d,.]*\s?(兆|億|万|千)"
)
_DATE = re.compile(
    r"\b(19|20)\d{2}\b|\bfy\s?\d{2,4}\b|"
    r"\b(january|february|march|april|june|july|august|september|october|november|"
    r"december)\b|\bmay \d|\d may\b|"
    r"\d+\s?月|\d+\s?日|(令和|平成|昭和)\s?(\d+|元)\s?年|年度|毎年|\b(daily|weekly|monthly|annually)\b"
)
_TIME = re.compile(r"\b\d{1,2}:\d{2}\b|\d{1,2}\s?時(?!間)|\bnoon\b|正午")
_DURATION = re.compile(
    r"\d[\d,.]*\s?(years?|months?|weeks?|days?|hours?|minutes?)\b|"
    r"\d+\s?(年間|か月|ヶ月|カ月|週間|日間|時間|分間?)|年度"
)
_PLACE = re.compile(
    r"\b(online|portal|tokyo|osaka|ichigaya|ebisu|shibuya|building|tower|room|venue|hall)\b|"
    r"オンライン|ポータル|東京|大阪|市ヶ谷|恵比寿|渋谷|会場|ビル|タワー|[都道府県市区町]\b"
)
_FORM = re.compile(
    r"\b(forms?|certificates?|statements?|declarations?|applications?|registry)\b|"
    r"様式|書式|証明書|書類|届|申請書|謄本|財務諸表"
)
_OFFICE = re.compile(
    r"\b(office|division|department|bureau|agency|ministry|center|centre|desk|institute)\b|"
    r"[室課部局庁省]|センター|窓口|研究所"
)
_MEASURE = re.compile(
    r"\d[\d,.]*\s?(°\s?c|℃|%|km|m|cm|mm|nm|µm|kg|g|t|wh/kg|wh|kwh|kw|w|v|ms|s|hz|khz|mhz|"
    r"ghz|knots?|kt|nmi|l|db|dbm|mbps|gbps|gsd)(?![a-z])|"
    r"\d[\d,.]*\s?(度|メートル|キロ|グラム|ミリ|ノット|時間|分|秒|ワット|ボルト)"
)
_NUMBER = re.compile(r"\d|[一二三四五六七八九十百千万]+(社|個|枚|件|人|名|日|か月|年|回|割)")

_CONTACT = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+|https?://\S+|\+?\d[\d -]{8,}\d")
_CONTACT_LINE_CHARS = 120

_MATCHERS: dict[AnswerType, re.Pattern[str]] = {
    "amount": _MONEY,
    "date": _DATE,
    "time": _TIME,
    "number": _NUMBER,
    "measure": _MEASURE,
    "contact": _CONTACT,
    "duration": _DURATION,
    "place": _PLACE,
    "form": _FORM,
    "office": _OFFICE,
}


def asked_types(question: str) -> frozenset[AnswerType]:
    """The kinds of answer the question asks for; a question may ask for several ("the
    budget, and when is the deadline?") and is answered by a sentence supplying any."""
    text = fold(question)
    kinds = {kind for kind, pattern in _ASKS.items() if pattern.search(text)}
    if "amount" in kinds:
        kinds.discard("number")  # "how much is the salary" wants money, not any number
    return frozenset(kinds)


def supplies(sentence: str, kinds: frozenset[AnswerType]) -> bool:
    """Whether the sentence states something of one of those kinds."""
    text = TENDER_ID.sub(" ", fold(sentence))  # ATLA-2026-... is not a date
    return any(_MATCHERS[kind].search(text) for kind in kinds)


def is_contact_line(sentence: str) -> bool:
    """A short line that is mostly an address ("Project Office: x@example.org"): it answers
    "who do I contact?", and nothing else, however similar it looks to the question."""
    return len(sentence) <= _CONTACT_LINE_CHARS and _CONTACT.search(sentence) is not None
