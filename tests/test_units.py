"""Evidence units: the pieces an answer quotes, cut at ingestion so each stands on its own."""

from __future__ import annotations

from pathlib import Path

from retrieval.ingestion.loaders import load_document
from retrieval.ingestion.units import document_units, split_units
from tests.conftest import write_doc


def test_a_list_keeps_its_lead_in() -> None:
    units = split_units("The contractor shall:\n\n1. deliver five kits;\n2. support two trials.")
    assert units == [("list", "The contractor shall:\n- deliver five kits;\n- support two trials.")]


def test_a_sentence_pointing_at_the_list_is_its_lead_in_in_either_language() -> None:
    for text, language in (
        ("点数の基礎となるのは次の項目です。\n\n- 売上高\n- 営業年数", "ja"),
        ("You will need the following documents.\n\n- a registry extract\n- a tax form", "en"),
        ("The steps are as follows.\n\n1. register\n2. apply", "en"),
    ):
        units = split_units(text, language)
        assert [kind for kind, _ in units] == ["list"]


def test_a_paragraph_before_a_list_that_does_not_point_at_it_stands_alone() -> None:
    units = split_units("Drones are in scope.\n\n- UAS-014\n- UAS-015")
    assert units == [("paragraph", "Drones are in scope."), ("list", "- UAS-014\n- UAS-015")]


def test_no_unit_ends_on_a_colon_with_its_list_cut_off() -> None:
    items = "\n".join(f"- item number {i} with some words to make it long" for i in range(40))
    units = split_units("法人が申請する際の主な書類は次のとおりです。\n" + items, "ja")
    assert len(units) > 1
    assert all(
        text.startswith("法人が申請する際の主な書類は次のとおりです。\n- ") for _, text in units
    )
    assert not any(
        text.rstrip().endswith((":", "：", "。")) and "\n" not in text for _, text in units
    )


def test_a_table_row_names_its_columns() -> None:
    table = (
        "| Milestone | Date |\n|---|---|\n"
        "| Bid deadline | 18 December 2026 |\n| Opening | 22 January 2027 |"
    )
    assert split_units(table) == [
        ("row", "Milestone: Bid deadline; Date: 18 December 2026"),
        ("row", "Milestone: Opening; Date: 22 January 2027"),
    ]


def test_label_and_value_lines_stay_together() -> None:
    units = split_units("Briefing: 3 December 2026\nContact: desk@example.org")
    assert units == [("fields", "Briefing: 3 December 2026\nContact: desk@example.org")]


def test_a_hard_wrapped_labelled_line_goes_on_in_its_unit_in_either_language() -> None:
    for text, language, tail in (
        (
            "PROGRAMME OFFICER: Breakthrough research aims to get new equipment into service\n"
            "in about three years, using technology that already exists.\n\nHOST: Thanks.",
            "en",
            "in about three years, using technology that already exists.",
        ),
        (
            "担当官：ブレークスルー研究は、既にある技術を活かして新しい装備品を\n"
            "おおむね3年で部隊に届けることを目指します。",
            "ja",
            "おおむね3年で部隊に届けることを目指します。",
        ),
    ):
        units = split_units(text, language)
        assert units[0][0] == "fields"
        assert units[0][1].endswith(tail)


def test_a_short_labelled_line_and_the_sentence_under_it_stay_apart() -> None:
    units = split_units("E-mail: desk@example.org\nQuestions by telephone are not taken.")
    assert units == [
        ("fields", "E-mail: desk@example.org"),
        ("paragraph", "Questions by telephone are not taken."),
    ]


def test_a_long_paragraph_is_cut_at_sentence_ends_only() -> None:
    sentence = "The institute reviews each proposal within thirty days of receipt. "
    units = split_units(sentence * 20)
    assert len(units) > 1
    assert all(text.endswith("receipt.") for _, text in units)


def test_act_no_is_not_a_sentence_end() -> None:
    text = "The Act (Act No. 54 of 2023) took effect on 1 October 2023. " * 12
    assert all(not text.endswith("No.") for _, text in split_units(text))


def test_a_plain_text_heading_introduces_the_paragraph_after_it() -> None:
    units = split_units("How to register\n\nSend the form to the desk by 8 January 2027.")
    assert units == [("paragraph", "How to register\nSend the form to the desk by 8 January 2027.")]


def test_a_question_on_its_own_introduces_the_answer_after_it_in_either_language() -> None:
    for text, language in (
        ("HANA MORI: Money-wise?\n\nTAKESHI NOGUCHI: The FY2024 budget was ¥21.7 billion.", "en"),
        ("予算はどのくらいですか？\n\n2024年度の関連予算は217億円でした。", "ja"),
        ("**問3**　予算はどのくらいですか。\n\n**答**　2024年度は217億円でした。", "ja"),
    ):
        (unit,) = split_units(text, language)
        assert unit[1].splitlines()[0].endswith(("?", "？", "か。"))
        assert "21" in unit[1]


def test_a_question_at_the_end_of_a_section_stays_a_unit() -> None:
    assert split_units("Any questions?") == [("paragraph", "Any questions?")]


def test_a_rule_drawn_with_characters_separates_like_a_blank_line() -> None:
    text = "-----\nPART 1 - WHAT DISTI IS\n-----\nDISTI opened in October 2024."
    expected = "PART 1 - WHAT DISTI IS\nDISTI opened in October 2024."
    assert split_units(text) == [("paragraph", expected)]


def test_a_unit_is_embedded_with_its_documents_title_and_section(tmp_path: Path) -> None:
    document = load_document(
        write_doc(tmp_path, "rq-uas", "## Schedule\nHearings: late March", title="UAS requirements")
    )
    (unit,) = document_units(document)
    assert unit.text == "Hearings: late March"
    assert unit.search_text == "UAS requirements > Schedule\nHearings: late March"
