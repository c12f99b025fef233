"""Fiscal years a question is anchored to ("FY2028", 「2027年度」, 「来年度」). Passages that never
mention the year cannot answer for it, however close their wording: a question about next
year's budget is not answered by this year's."""

from __future__ import annotations

import datetime as dt
import re

from retrieval.text import fold

_REIWA_OFFSET = 2018  # 令和1年度 is FY2019
_ASKED = re.compile(
    r"(?P<western>\d{4})\s?年度|\bfy\s?(?P<fy>\d{4})\b|\bfiscal (?:year )?(?P<fiscal>\d{4})\b|"
    r"令和\s?(?P<reiwa>\d{1,2}|元)\s?年度|(?P<relative>再来年度|来年度|今年度|next fiscal year|"
    r"this fiscal year)"
)
_RELATIVE = {"今年度": 0, "this fiscal year": 0, "来年度": 1, "next fiscal year": 1, "再来年度": 2}


def fiscal_year(day: dt.date) -> int:
    """Japan's fiscal year runs April to March."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_years(question: str, as_of: dt.date) -> set[int]:
    years: set[int] = set()
    for match in _ASKED.finditer(fold(question)):
        found = match.groupdict()
        if found["relative"]:
            years.add(fiscal_year(as_of) + _RELATIVE[found["relative"]])
        elif found["reiwa"]:
            years.add(_REIWA_OFFSET + (1 if found["reiwa"] == "元" else int(found["reiwa"])))
        else:
            years.add(int(found["western"] or found["fy"] or found["fiscal"]))
    return years


def mentions_fiscal_year(text: str, year: int) -> bool:
    text = fold(text)
    forms = (
        rf"{year}\s?年度",
        rf"\bfy\s?{year}\b",
        rf"\bfy\s?{year % 100:02d}\b",
        rf"\bfiscal (year )?{year}\b",
        rf"令和\s?({year - _REIWA_OFFSET}{'|元' if year == _REIWA_OFFSET + 1 else ''})\s?年度",
    )
    return any(re.search(form, text) for form in forms)
