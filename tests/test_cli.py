"""The `dualuse` command line, as an operator uses it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import get_settings
from tests.conftest import write_doc

runner = CliRunner()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("DUALUSE_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def test_ingest_prints_a_summary_and_succeeds(mini_corpus: Path) -> None:
    result = runner.invoke(app, ["ingest", str(mini_corpus)])
    assert result.exit_code == 0, result.output
    assert "added" in result.stdout
    assert "chunks written" in result.stdout


def test_ingest_exits_nonzero_when_a_document_fails(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    write_doc(corpus, "good", "## A\nFine.")
    (corpus / "bad.md").write_text("---\ndoc_type: memo\n---\nx", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(corpus)])
    assert result.exit_code == 1
    assert "bad.md" in result.stderr
    assert "doc_type" in result.stderr


def test_search_json_lists_ranked_hits(mini_corpus: Path) -> None:
    runner.invoke(app, ["ingest", str(mini_corpus)])
    result = runner.invoke(
        app, ["search", "ATLA-2026-UAS-014", "--k", "2", "--as-of", "2026-11-27", "--json"]
    )
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 2
    assert hits[0]["tender_id"] == "ATLA-2026-UAS-014"


def test_search_open_on_and_type_filters(mini_corpus: Path) -> None:
    runner.invoke(app, ["ingest", str(mini_corpus)])
    args = ["search", "tender", "--type", "tender_notice", "--open-on", "2026-11-27", "--json"]
    hits = json.loads(runner.invoke(app, [*args, "--as-of", "2026-11-27"]).stdout)
    assert {h["tender_id"] for h in hits} == {"ATLA-2026-UAS-014", "ATLA-2026-SAT-003"}


def test_search_without_an_index_says_to_ingest() -> None:
    result = runner.invoke(app, ["search", "eligibility"])
    assert result.exit_code == 2
    assert "dualuse ingest" in result.stderr


def test_eval_retrieval_json_on_an_external_corpus(mini_corpus: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        "\n".join(
            json.dumps(q, ensure_ascii=False)
            for q in [
                {
                    "id": "a",
                    "question": "When does ATLA-2026-SAT-003 close?",
                    "expected_sources": ["atla-2026-sat-003"],
                    "as_of": "2026-11-27",
                },
                {
                    "id": "b",
                    "question": "必要な書類は何ですか（統一資格）",
                    "expected_sources": ["qualification#documents"],
                    "lang": "ja",
                },
                {"id": "c", "question": "No expected source: not scored"},
            ]
        ),
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["eval", "retrieval", str(questions), "--corpus", str(mini_corpus), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert set(summary) == {"n", "hit_at_1", "hit_at_5", "mrr", "by_lang"}
    assert summary["n"] == 2
    assert summary["hit_at_1"] >= 0.5
    assert set(summary["by_lang"]) == {"en", "ja"}


def test_eval_retrieval_reports_a_malformed_question_file(tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"id": "a"}\n', encoding="utf-8")
    result = runner.invoke(app, ["eval", "retrieval", str(questions)])
    assert result.exit_code == 2
    assert "q.jsonl:1" in result.stderr


def test_ask_json_prints_the_answer_object(mini_corpus: Path) -> None:
    runner.invoke(app, ["ingest", str(mini_corpus)])
    result = runner.invoke(
        app, ["ask", "When does ATLA-2026-UAS-014 close?", "--as-of", "2026-11-27", "--json"]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert set(answer) == {
        "answer",
        "citations",
        "escalated",
        "ticket_id",
        "confidence",
        "lang",
        "declined",
    }
    assert answer["citations"][0] == {
        "n": 1,
        "doc_id": "atla-2026-uas-014",
        "title": answer["citations"][0]["title"],
        "section": answer["citations"][0]["section"],
        "url": answer["citations"][0]["url"],
    }
    assert "2026-12-18" in answer["answer"]


def test_ask_says_it_would_escalate_without_opening_a_ticket(mini_corpus: Path) -> None:
    runner.invoke(app, ["ingest", str(mini_corpus)])
    before = runner.invoke(app, ["tickets", "list"]).stdout
    result = runner.invoke(app, ["ask", "I want to speak to a person about my bid", "--json"])
    answer = json.loads(result.stdout)
    assert answer["escalated"] and answer["ticket_id"] is None
    assert "No ticket was opened" in answer["answer"]
    assert runner.invoke(app, ["tickets", "list"]).stdout == before


def test_ask_refuses_an_empty_question_clearly(mini_corpus: Path) -> None:
    runner.invoke(app, ["ingest", str(mini_corpus)])
    result = runner.invoke(app, ["ask", "   "])
    assert result.exit_code == 2
    assert "empty" in result.stderr


def test_tickets_commands_take_an_escalation_to_resolved(mini_corpus: Path) -> None:
    runner.invoke(app, ["ingest", str(mini_corpus)])
    asked = json.loads(
        runner.invoke(
            app, ["ask", "I want to speak to a person about my bid", "--json", "--open-ticket"]
        ).stdout
    )
    ref = asked["ticket_id"]
    assert asked["escalated"] and ref

    listed = runner.invoke(app, ["tickets", "list", "--state", "open"])
    assert ref in listed.stdout
    assert (
        runner.invoke(app, ["tickets", "claim", ref, "--as", "aiko@disti.example"]).exit_code == 0
    )
    replied = runner.invoke(
        app, ["tickets", "reply", ref, "We will call you tomorrow.", "--as", "aiko@disti.example"]
    )
    assert "answered" in replied.stdout
    shown = runner.invoke(app, ["tickets", "show", ref])
    assert "staff: We will call you tomorrow." in shown.stdout
    assert "claimed by aiko@disti.example" in shown.stdout
    resolved = runner.invoke(app, ["tickets", "resolve", ref, "--as", "aiko@disti.example"])
    assert "resolved" in resolved.stdout
    again = runner.invoke(app, ["tickets", "claim", ref, "--as", "kenji@disti.example"])
    assert again.exit_code == 2
