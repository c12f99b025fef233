"""Several workers on shared state: two `dualuse serve` processes started natively against a
Chroma server, Redis and PostgreSQL (the compose.yaml topology without Docker). What one
process does, the other sees: conversations, rate limits, Slack retries, promoted FAQs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from benchmarks.topology import Topology, native_topology
from bot.staff.auth import hash_password
from bot.store import Store
from retrieval.index.manifest import Manifest
from tests.fake_slack import FakeSlack, fake_slack
from tests.test_slack import SECRET, STAFF_CHANNEL, dm, in_thread, new_ts, post_event

pytestmark = pytest.mark.slow

EMAIL, PASSWORD = "kenji@disti.example", "a long enough password"
QUESTION = "What documents do I need for the unified qualification?"
PER_CONVERSATION = 6  # questions per minute; each client address gets ten times that


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with fake_slack() as fake:
        yield fake


@pytest.fixture(scope="module")
def topology(slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    slack_env = {
        "DUALUSE_SLACK_BOT_TOKEN": "xoxb-test-token",
        "DUALUSE_SLACK_SIGNING_SECRET": SECRET,
        "DUALUSE_SLACK_STAFF_CHANNEL": STAFF_CHANNEL,
        "DUALUSE_SLACK_API_URL": slack.base_url,
        "DUALUSE_LOG_LEVEL": "INFO",
    }
    try:
        with native_topology(
            workers=2,
            chat_rate_limit=f"{PER_CONVERSATION}/minute",
            extra_env=slack_env,
            keep_logs=tmp_path_factory.mktemp("topology-logs"),
        ) as started:
            with Store(started.database_url) as store:
                store.create_staff(EMAIL, hash_password(PASSWORD))
            yield started
    except RuntimeError as exc:
        if "DUALUSE_TEST_POSTGRES_URL" in str(exc):
            pytest.skip(str(exc))
        raise


def chat(base: str, message: str, conversation: str | None = None) -> httpx.Response:
    body = {"message": message, "conversation_id": conversation}
    return httpx.post(f"{base}/api/chat", json=body, timeout=120)


@contextmanager
def staff_client(base: str) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    with httpx.Client(base_url=base, timeout=120) as client:
        signed = client.post("/staff/login", data={"email": EMAIL, "password": PASSWORD})
        assert signed.status_code == 303, signed.text
        yield client, {"X-CSRF-Token": client.get("/api/staff/me").json()["csrf_token"]}


def answered_ticket(topology: Topology, question: str, staff_answer: str) -> str:
    """A ticket opened on the first process and answered by staff on the second."""
    first, second = topology.app_urls
    conversation = chat(first, question).json()["conversation_id"]
    opened = httpx.post(f"{first}/api/conversations/{conversation}/escalate", json={}, timeout=60)
    ref = str(opened.json()["ticket_id"])
    with staff_client(second) as (client, headers):
        replied = client.post(
            f"/api/staff/tickets/{ref}/reply", json={"text": staff_answer}, headers=headers
        )
        assert replied.status_code == 200, replied.text
    return ref


def test_a_conversation_continues_when_its_turns_alternate_between_processes(
    topology: Topology,
) -> None:
    first, second = topology.app_urls
    opened = chat(first, "When does ATLA-2026-UAS-014 close?").json()
    followed = chat(second, "And what is the budget?", opened["conversation_id"]).json()
    assert followed["conversation_id"] == opened["conversation_id"]
    messages = httpx.get(f"{first}/api/conversations/{opened['conversation_id']}/messages").json()
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]


def test_a_conversation_rate_limit_holds_across_both_processes(topology: Topology) -> None:
    conversation = chat(topology.app_urls[0], QUESTION).json()["conversation_id"]
    codes = [
        chat(topology.app_urls[n % 2], QUESTION, conversation).status_code
        for n in range(1, PER_CONVERSATION + 2)
    ]
    assert codes == [200] * PER_CONVERSATION + [429]


def test_a_slack_event_retried_to_the_other_process_is_answered_once(
    topology: Topology, slack: FakeSlack
) -> None:
    ts = new_ts()
    event = dm(QUESTION, ts, channel="DTOPOLOGY1")
    first, second = topology.app_urls
    assert post_event(first, event, event_id="EvTopology1").status_code == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert post_event(second, event, retry, event_id="EvTopology1").status_code == 200
    slack.wait_for("chat.update", lambda c: c.args.get("channel") == "DTOPOLOGY1")
    deadline = time.monotonic() + 60
    while not any("was handled already" in p.read_text() for p in topology.app_logs()):
        assert time.monotonic() < deadline, "neither process saw the retry as a duplicate"
        time.sleep(0.2)
    assert len(slack.of("chat.postMessage", in_thread("DTOPOLOGY1", ts))) == 1


def test_an_faq_promoted_through_one_process_is_answered_by_the_other(
    topology: Topology,
) -> None:
    question = "Does the institute lend test ranges to startups for drone trials?"
    ref = answered_ticket(
        topology, question, "Yes: the institute lends its Hokkaido test range for drone trials."
    )
    with staff_client(topology.app_urls[0]) as (client, headers):
        promoted = client.post(f"/api/staff/tickets/{ref}/promote", json={}, headers=headers)
        assert promoted.status_code == 200, promoted.text
    answer = chat(topology.app_urls[1], question).json()
    assert "Hokkaido test range" in answer["answer"]
    assert f"faq-{ref.lower()}" in {c["doc_id"] for c in answer["citations"]}


def test_concurrent_promotions_and_chats_give_no_errors_and_a_consistent_index(
    topology: Topology,
) -> None:
    refs = [
        answered_ticket(topology, f"Can a startup borrow lab equipment, case {n}?", "Yes.")
        for n in range(6)
    ]
    sessions = [staff_client(url) for url in topology.app_urls]
    clients = [session.__enter__() for session in sessions]
    try:

        def promote(n: int) -> int:
            client, headers = clients[n % 2]
            return client.post(
                f"/api/staff/tickets/{refs[n]}/promote", json={}, headers=headers
            ).status_code

        with ThreadPoolExecutor(max_workers=10) as pool:
            promotions = [pool.submit(promote, n) for n in range(len(refs))]
            chats = [
                pool.submit(chat, topology.app_urls[n % 2], f"{QUESTION} ({n})") for n in range(10)
            ]
            assert [f.result() for f in promotions] == [200] * len(refs)
            assert [f.result().status_code for f in chats] == [200] * 10
    finally:
        for session in sessions:
            session.__exit__(None, None, None)
    manifest = Manifest(Path(topology.data_dir) / "index" / "manifest.sqlite3")
    try:
        for url in topology.app_urls:
            assert httpx.get(f"{url}/healthz").json()["chunks"] == len(manifest.chunks())
    finally:
        manifest.close()
