"""The web chat at `/` in a real browser (Debian's chromium driven by Playwright) against the
real app over HTTP: streaming answers with citation links, reloads, new conversations,
English/Japanese, feedback, "Ask institute staff", staff replies, keyboard use, errors, and no
request to any other host."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from bot.app import create_app
from bot.config import Settings
from bot.store import Store
from bot.web.routes import STATIC
from retrieval import KnowledgeBase
from tests.conftest import browser_unavailable
from tests.servers import serve_app

QUESTION = "What documents do I need for the unified qualification?"
ANSWER = ".msg.assistant:not([aria-busy]) .body"


try:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Response
except ImportError:  # pragma: no cover - dev extras not installed
    browser_unavailable("playwright is not installed: pip install -e '.[dev]'", module_level=True)


@pytest.fixture(scope="module")
def settings(mini_index: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    database = tmp_path_factory.mktemp("web-db") / "store.sqlite3"
    return Settings(  # type: ignore[call-arg]
        data_dir=mini_index.data_dir,
        database_url=f"sqlite:///{database}",
        chat_rate_limit="3/minute",
        _env_file=None,
    )


@pytest.fixture(scope="module")
def base(settings: Settings) -> Iterator[str]:
    with serve_app(create_app(settings)) as url:
        yield url


class Visit:
    """One browser context and page, with every request the page made."""

    def __init__(self, browser: Browser, base: str, locale: str = "en-US") -> None:
        self.base = base
        self.context = browser.new_context(locale=locale, viewport={"width": 1024, "height": 800})
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(base + "/")

    def ask(self, question: str = QUESTION) -> None:
        answers = self.page.locator(ANSWER).count()
        self.page.fill("#question", question)
        self.page.click("#send")
        self.page.locator(ANSWER).nth(answers).wait_for()

    def conversation_id(self) -> str | None:
        value = self.page.evaluate("localStorage.getItem('dualuse.conversation')")
        return str(value) if value is not None else None

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Browser, base: str) -> Iterator[Visit]:
    opened = Visit(browser, base)
    yield opened
    opened.close()
    assert not opened.errors, f"JavaScript errors on the page: {opened.errors}"


def test_a_question_streams_an_answer_whose_citation_markers_link_to_the_source(
    visit: Visit,
) -> None:
    page = visit.page
    page.fill("#question", QUESTION)
    with page.expect_response(visit.base + "/api/chat/stream") as streamed:
        page.click("#send")
    response = streamed.value
    assert response.request.method == "POST"
    assert response.headers["content-type"].startswith("text/event-stream")
    page.locator(ANSWER).first.wait_for()
    stored = httpx.get(
        f"{visit.base}/api/conversations/{visit.conversation_id()}/messages?after=0"
    ).json()
    final = stored[-1]
    assert final["role"] == "assistant"

    assert page.locator(".msg.user .body").inner_text() == QUESTION
    marker = page.locator(f"{ANSWER} a.cite").first
    assert marker.inner_text() == "[1]"
    citation = final["citations"][0]
    assert marker.get_attribute("href") == visit.base + citation["url"]
    assert citation["title"] in page.locator(".msg.assistant .sources").inner_text()
    shown = page.locator(ANSWER).inner_text()
    assert final["content"].split("\n")[-1].replace(" [1]", "") in shown.replace(" [1]", "")


def test_the_conversation_survives_a_reload(visit: Visit) -> None:
    visit.ask()
    conversation = visit.conversation_id()
    assert conversation
    visit.page.reload()
    visit.page.locator(".msg.assistant .body a.cite").first.wait_for()
    assert visit.page.locator(".msg.user .body").inner_text() == QUESTION
    assert visit.conversation_id() == conversation
    assert visit.page.locator("#welcome").is_hidden()


def test_new_conversation_clears_the_page_and_the_stored_conversation(visit: Visit) -> None:
    visit.ask()
    visit.page.click("#new-conversation")
    assert visit.page.locator(".msg").count() == 0
    assert visit.page.locator("#welcome").is_visible()
    assert visit.conversation_id() is None
    visit.page.reload()
    visit.page.wait_for_timeout(300)
    assert visit.page.locator(".msg").count() == 0


def test_switching_to_japanese_changes_the_strings_and_html_lang(visit: Visit) -> None:
    page = visit.page
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("#send").inner_text() == "Send"
    page.click("#lang-toggle")
    assert page.evaluate("document.documentElement.lang") == "ja"
    assert page.locator("#send").inner_text() == "送信"
    assert "不完全" in page.locator("#note").inner_text()
    assert page.locator("#lang-toggle").inner_text() == "English"
    page.reload()
    assert page.evaluate("document.documentElement.lang") == "ja"


def test_the_page_follows_the_browsers_language_by_default(browser: Browser, base: str) -> None:
    japanese = Visit(browser, base, locale="ja-JP")
    try:
        assert japanese.page.evaluate("document.documentElement.lang") == "ja"
        assert japanese.page.locator("#new-conversation").inner_text() == "新しい会話"
    finally:
        japanese.close()


def test_one_click_on_a_thumb_saves_the_rating_and_a_reload_shows_it(
    visit: Visit, settings: Settings
) -> None:
    visit.ask()
    page = visit.page
    page.locator(".msg.assistant[data-id]").wait_for()
    page.click(".msg.assistant .thumb.down")
    page.get_by_text("your rating is saved").wait_for()
    conversation = visit.conversation_id()
    assert conversation
    with Store(str(settings.database_url)) as store:
        assert store.negative_feedback_count(conversation) == 1
    page.reload()
    page.locator(".msg.assistant .thumb.down[aria-pressed=true]").wait_for()
    page.click(".msg.assistant .thumb.up")
    page.get_by_text("your rating is saved").wait_for()
    with Store(str(settings.database_url)) as store:
        assert store.negative_feedback_count(conversation) == 0


def test_a_comment_after_a_thumbs_down_is_stored_with_it(visit: Visit, settings: Settings) -> None:
    visit.ask()
    page = visit.page
    page.click(".msg.assistant .thumb.down")
    page.fill(".feedback-form textarea", "Too vague")
    page.click(".feedback-form button[type=submit]")
    page.get_by_text("Thank you for your feedback.").wait_for()
    conversation = visit.conversation_id()
    assert conversation
    with Store(str(settings.database_url)) as store:
        assert store.negative_feedback_count(conversation) == 1


def test_ask_institute_staff_shows_the_ticket_and_the_staff_reply_arrives_without_reload(
    visit: Visit, settings: Settings
) -> None:
    visit.ask()
    page = visit.page
    page.click(".msg.assistant .ask-staff")
    notice = page.locator(".notice")
    notice.wait_for()
    ref = notice.get_attribute("data-ticket")
    assert ref and ref in notice.inner_text()
    assert "institute staff" in notice.inner_text()
    page.evaluate("window.__notReloaded = true")

    with Store(str(settings.database_url)) as store:
        assert store.ticket(ref).conversation_id == visit.conversation_id()
        store.reply(ref, "aiko@disti.example", "Bring the certificates to the portal.")

    staff = page.locator(".msg.staff")
    staff.wait_for(timeout=15_000)
    assert "Bring the certificates to the portal." in staff.locator(".body").inner_text()
    assert staff.locator(".who").inner_text() == "Institute staff"
    assert page.evaluate("window.__notReloaded") is True


def test_an_escalated_answer_says_so_once_with_the_ticket_reference(visit: Visit) -> None:
    visit.ask("I want to talk to a person about the unified qualification.")
    answer = visit.page.locator(ANSWER).last
    ref = re.search(r"DUD-\d{4}", answer.inner_text())
    assert ref, "the answer names its ticket"
    visit.page.locator(".msg.assistant .ask-staff[disabled]").wait_for()
    assert visit.page.locator(".notice").count() == 0
    assert visit.page.get_by_text(ref.group()).count() == 1


def test_the_keyboard_alone_reaches_the_input_and_sends_with_enter(visit: Visit) -> None:
    page = visit.page
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "question":
            break
    assert page.evaluate("document.activeElement.id") == "question"
    page.keyboard.type("What documents do I need")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("for the unified qualification?")
    assert page.locator(".msg").count() == 0
    page.keyboard.press("Enter")
    page.locator(ANSWER).first.wait_for()
    assert page.locator(".msg.user .body").inner_text().split() == QUESTION.split()
    assert page.input_value("#question") == ""
    log = page.locator("#messages")
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"


def test_text_is_shown_as_text_never_as_html(visit: Visit) -> None:
    hostile = '<img src="/x" onerror="window.__owned = 1"> qualification documents?'
    visit.ask(hostile)
    assert visit.page.locator(".msg.user .body").inner_text() == hostile
    assert visit.page.locator(".msg img").count() == 0
    assert visit.page.evaluate("window.__owned") is None


def test_a_rate_limited_question_is_shown_as_an_inline_error_and_kept(visit: Visit) -> None:
    # The first question opens the conversation; the limit counts the ones that continue it.
    for _ in range(4):
        visit.ask("And the grades?")
    page = visit.page
    page.fill("#question", "One more?")
    page.click("#send")
    status = page.locator("#status")
    status.wait_for()
    assert "too quickly" in status.inner_text()
    assert status.get_attribute("role") == "alert"
    assert page.input_value("#question") == "One more?"
    assert page.locator(".msg.user").count() == 4


def test_the_page_requests_nothing_from_any_other_host(visit: Visit, base: str) -> None:
    visit.ask()
    visit.page.click("#lang-toggle")
    visit.page.reload()
    visit.page.locator(".msg.assistant .body").first.wait_for()
    visit.page.wait_for_timeout(3500)  # one poll for new messages
    assert visit.requests, "the page made no requests at all"
    foreign = [url for url in visit.requests if not url.startswith(base + "/")]
    assert not foreign, foreign
    assert base + "/static/app.js" in visit.requests
    assert any("/messages?after=" in url for url in visit.requests)


def test_assets_come_from_an_allow_list(base: str) -> None:
    page = httpx.get(base + "/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert httpx.get(base + "/static/app.css").status_code == 200
    for bad in ("/static/routes.py", "/static/..%2Froutes.py", "/static/index.html"):
        assert httpx.get(base + bad).status_code == 404, bad


def test_the_page_loads_only_its_own_module_scripts_without_errors(
    browser: Browser, base: str
) -> None:
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    scripts: dict[str, tuple[int, str]] = {}
    problems: list[str] = []

    def seen(response: Response) -> None:
        if response.request.resource_type == "script":
            scripts[response.url] = (response.status, response.headers.get("content-type", ""))

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("response", seen)
    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        page.goto(base + "/", wait_until="networkidle")  # module scripts run before "load"
        tags = page.eval_on_selector_all(
            "script", "nodes => nodes.map(n => [n.type, n.getAttribute('src')])"
        )
        examples = page.locator(".example").count()
    finally:
        context.close()

    assert tags == [["module", "/static/app.js"]]
    assert base + "/static/app.js" in scripts
    assert all(url.startswith(base + "/static/") for url in scripts), scripts
    for url, (code, media_type) in scripts.items():
        assert code == 200, url
        assert media_type.startswith("text/javascript"), (url, media_type)
    modules = {url.rsplit("/", 1)[1] for url in scripts if url.startswith(base + "/static/js/")}
    on_disk = {path.name for path in (STATIC / "js").glob("*")}
    assert modules == on_disk, "every module is imported, and only those are"
    assert httpx.get(base + "/static/js/..%2Froutes.py").status_code == 404
    assert httpx.get(base + "/static/js/missing.js").status_code == 404
    assert not problems, problems
    assert examples == 3, "the modules ran and filled in the example questions"
