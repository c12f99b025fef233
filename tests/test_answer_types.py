"""What a question asks for, and whether a sentence supplies it."""

from __future__ import annotations

import pytest

from bot.answer.answer_types import asked_types, is_contact_line, supplies


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("How much is the budget cap for CYB-002?", {"amount"}),
        ("DISTIのプログラムマネージャーの年収ってどれくらい？", {"amount"}),
        ("When are the hearings?", {"date"}),
        ("How many packs, and when is the review?", {"date", "number"}),
        ("What happens when I am listed?", set()),
        ("Where do I send a question the FAQ does not cover?", {"contact", "place"}),
        ("How long is the qualification valid?", {"duration", "number"}),
        ("申請に必要な書類は？", {"form"}),
        ("Who runs DISTI?", {"office"}),
        ("How much analyst time should it save?", {"number"}),
        ("What temperature range must the panel survive?", {"measure"}),
        ("How heavy can the airframe be?", {"measure", "number"}),
        ("機体の重量の上限は？", {"measure", "number"}),
        ("最低何分飛べればいい？", {"number"}),
        ("What is the maximum number of points?", {"number"}),
        ("What's the page limit for the technical proposal?", {"number"}),
        ("提案書は何時までに出せばいい？", {"time"}),
        ("What time on the last day must proposals be in?", {"time"}),
    ],
)
def test_the_kind_of_answer_a_question_asks_for(question: str, kinds: set[str]) -> None:
    assert asked_types(question) == kinds


def test_a_tender_id_is_not_mistaken_for_a_date() -> None:
    assert not supplies("ATLA-2026-SEN-011 was an open bid.", frozenset({"date"}))
    assert supplies("Bids were due on 18 September 2026.", frozenset({"date"}))


def test_a_time_of_day_is_not_a_date() -> None:
    assert supplies("Proposals must be in by 17:00 JST on the last day.", frozenset({"time"}))
    assert supplies("締切日の正午12時までに提出すること。", frozenset({"time"}))
    assert not supplies("From 15:30 there is a clinic.", frozenset({"date"}))
    assert not supplies("24時間体制で監視する。", frozenset({"time"}))


def test_an_amount_needs_a_currency_or_scale() -> None:
    assert supplies("予算上限は2,000万円（税込）です。", frozenset({"amount"}))
    assert not supplies("The plan was a staff of about 100.", frozenset({"amount"}))


def test_a_short_address_line_is_a_contact_line() -> None:
    assert is_contact_line("Project Office (fictional): cua-008@dual-use-desk.example.org")
    assert not is_contact_line("A startup registers interest by sending its technology profile.")


def test_a_measure_needs_a_figure_with_its_unit() -> None:
    assert supplies("Stable from −30 °C to +60 °C after salt spray.", frozenset({"measure"}))
    assert supplies("探知深度は200 mまで。", frozenset({"measure"}))
    assert not supplies("Bid deposits were waived.", frozenset({"measure"}))
    assert not supplies("Budget: 10 million yen.", frozenset({"measure"}))
