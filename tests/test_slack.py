"""The Slack app over real HTTP: requests signed as Slack signs them go to the FastAPI app's
/slack/events, and the real slack_sdk WebClient talks to a local stand-in for Slack's Web API
(tests/fake_slack.py). Listeners run after the acknowledgement, so tests wait for the calls."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import logging
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from typer.testing import CliRunner

from bot.answer.models import Answer, Citation
from bot.app import create_app
from bot.cli import app as cli
from bot.config import Settings
from bot.slack import slack_status
from bot.slack.blocks import MAX_BLOCKS, SECTION_LIMIT, answer_blocks
from bot.slack.listeners.assistant import SUGGESTED_PROMPTS
from bot.staff.auth import hash_password
from bot.store import Store
from retrieval import KnowledgeBase
from tests.fake_slack import BOT_ID, BOT_USER, TEAM, Call, FakeSlack, fake_slack
from tests.servers import serve_app

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
STAFF_CHANNEL = "CSTAFF0001"
STAFF = "USTAFF0001"
STARTUP = "USTARTUP01"
PUBLIC = "https://desk.example.org"
QUESTION = "What documents do I need for the unified qualification?"
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with fake_slack() as fake:
        yield fake


@pytest.fixture(scope="module")
def settings(
    mini_index: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory, slack: FakeSlack
) -> Settings:
    database = tmp_path_factory.mktemp("slack-db") / "store.sqlite3"
    return Settings(  # type: ignore[call-arg]
        data_dir=mini_index.data_dir,
        database_url=f"sqlite:///{database}",
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SECRET,
        slack_staff_channel=STAFF_CHANNEL,
        slack_staff_users=f"{STAFF}, UOTHERSTAFF",
        slack_api_url=slack.base_url,
        public_url=PUBLIC,
        _env_file=None,
    )


@pytest.fixture(scope="module")
def api(settings: Settings) -> Iterator[str]:
    with serve_app(create_app(settings)) as base:
        yield base


@pytest.fixture(scope="module")
def store(settings: Settings) -> Iterator[Store]:
    with Store.for_settings(settings) as opened:
        yield opened


def signed_headers(body: str, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Exactly what Slack sends: v0 HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def post_event(
    api: str, event: dict[str, Any], headers: dict[str, str] | None = None, event_id: str = ""
) -> httpx.Response:
    body = json.dumps(
        {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "AAPP0001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
        }
    )
    return httpx.post(
        f"{api}/slack/events",
        content=body,
        headers={"Content-Type": "application/json", **signed_headers(body), **(headers or {})},
        timeout=30,
    )


def post_interaction(api: str, payload: dict[str, Any]) -> httpx.Response:
    body = urlencode({"payload": json.dumps(payload)})
    return httpx.post(
        f"{api}/slack/events",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", **signed_headers(body)},
        timeout=30,
    )


def new_ts() -> str:
    return f"1700000000.{next(_ids):06d}"


def dm(text: str, ts: str, thread_ts: str | None = None, channel: str = "DSTARTUP1") -> dict:
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": channel,
        "user": STARTUP,
        "text": text,
        "ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def button(action_id: str, value: str, user: str, channel: str, message_ts: str) -> dict:
    return {
        "type": "block_actions",
        "user": {"id": user, "team_id": TEAM},
        "team": {"id": TEAM},
        "api_app_id": "AAPP0001",
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
        "channel": {"id": channel},
        "message": {"ts": message_ts, "type": "message"},
        "trigger_id": f"trigger-{next(_ids)}",
        "actions": [
            {
                "action_id": action_id,
                "block_id": "ticket_actions",
                "value": value,
                "type": "button",
                "action_ts": str(time.time()),
            }
        ],
    }


def in_thread(channel: str, thread_ts: str) -> Any:
    return lambda c: c.args.get("channel") == channel and c.args.get("thread_ts") == thread_ts


def ask(slack: FakeSlack, api: str, event: dict[str, Any]) -> tuple[Call, Call]:
    """Send the event; wait for the placeholder in its thread and the update that answers."""
    channel, thread = event["channel"], event.get("thread_ts") or event["ts"]
    before = len(slack.of("chat.postMessage", in_thread(channel, thread)))
    assert post_event(api, event).status_code == 200
    placeholder = slack.wait_for("chat.postMessage", in_thread(channel, thread), count=before + 1)[
        before
    ]
    assert placeholder.args["text"] == "Looking that up…"
    update = slack.wait_for(
        "chat.update",
        lambda c: (
            c.args.get("channel") == channel and c.args.get("ts") == placeholder.response["ts"]
        ),
    )[0]
    return placeholder, update


def card_for(slack: FakeSlack, ref: str) -> Call:
    return slack.wait_for(
        "chat.postMessage",
        lambda c: c.args.get("channel") == STAFF_CHANNEL and ref in c.args.get("text", ""),
    )[0]


def all_text(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


# -- tests ----------------------------------------------------------------------------------


def test_a_dm_question_is_answered_with_linked_sources(api: str, slack: FakeSlack) -> None:
    placeholder, update = ask(slack, api, dm(QUESTION, new_ts()))
    assert placeholder.token == "xoxb-test-token"
    blocks = update.args["blocks"]
    assert blocks[0]["type"] == "section" and "[1]" in blocks[0]["text"]["text"]
    sources = next(b for b in blocks if b["type"] == "context")["elements"][0]["text"]
    assert f"<{PUBLIC}/sources/qualification" in sources and "|[1] " in sources
    actions = next(b for b in blocks if b["type"] == "actions")["elements"]
    assert [a["action_id"] for a in actions] == ["feedback_up", "feedback_down", "ask_staff"]


def test_a_question_the_documents_do_not_answer_gets_no_sources(api: str, slack: FakeSlack) -> None:
    _, update = ask(slack, api, dm("What colour is the minister's umbrella on Tuesdays?", new_ts()))
    blocks = update.args["blocks"]
    assert not [b for b in blocks if b["type"] == "context"]
    assert "[1]" not in blocks[0]["text"]["text"]


def test_a_thread_follow_up_continues_the_conversation(
    api: str, slack: FakeSlack, store: Store
) -> None:
    first = new_ts()
    _, update = ask(slack, api, dm(QUESTION, first))
    conversation = update.args["blocks"][-1]["elements"][0]["value"]
    _, follow = ask(slack, api, dm("and what grades are there?", new_ts(), thread_ts=first))
    assert follow.args["blocks"][-1]["elements"][0]["value"] == conversation
    turns = [m.role for m in store.messages(conversation)]
    assert turns == ["user", "assistant", "user", "assistant"]
    saved = store.get_conversation(conversation)
    assert saved is not None and saved.channel == "slack"
    assert saved.reply_to == {"kind": "slack", "channel": "DSTARTUP1", "thread_ts": first}


def test_bot_messages_and_edits_are_ignored(api: str, slack: FakeSlack) -> None:
    ts = new_ts()
    bot = {**dm("I am a bot", ts), "bot_id": BOT_ID, "user": BOT_USER}
    edit = {**dm("edited", new_ts()), "subtype": "message_changed"}
    assert post_event(api, bot).status_code == 200
    assert post_event(api, edit).status_code == 200
    time.sleep(1.5)
    assert not slack.of("chat.postMessage", in_thread("DSTARTUP1", ts))
    assert not slack.of("chat.postMessage", in_thread("DSTARTUP1", edit["ts"]))


def test_a_retried_event_is_not_answered_twice(
    api: str, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    ts = new_ts()
    event = dm(QUESTION, ts, channel="DRETRY0001")
    ask(slack, api, event)
    with caplog.at_level(logging.INFO, logger="bot.slack.desk"):
        retried = post_event(
            api, event, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        )
        assert retried.status_code == 200
        deadline = time.monotonic() + 20
        while not any("was handled already" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, "the retry was not recognised as a duplicate"
            time.sleep(0.05)
    assert len(slack.of("chat.postMessage", in_thread("DRETRY0001", ts))) == 1


def test_forged_signatures_and_stale_timestamps_are_refused(api: str) -> None:
    body = json.dumps({"type": "event_callback", "event": dm(QUESTION, new_ts())})
    forged = httpx.post(
        f"{api}/slack/events",
        content=body,
        headers={"Content-Type": "application/json", **signed_headers(body, secret="wrong")},
    )
    assert forged.status_code == 401
    stale = httpx.post(
        f"{api}/slack/events",
        content=body,
        headers={
            "Content-Type": "application/json",
            **signed_headers(body, timestamp=int(time.time()) - 10 * 60),
        },
    )
    assert stale.status_code == 401
    unsigned = httpx.post(f"{api}/slack/events", content=body)
    assert unsigned.status_code == 401


def test_escalation_card_claim_reply_and_delivery(api: str, slack: FakeSlack, store: Store) -> None:
    ts = new_ts()
    _, update = ask(slack, api, dm("I want to talk to a person about export licences.", ts))
    conversation = update.args["blocks"][-1]["elements"][0]["value"]
    ticket = store.tickets(search="talk to a person")[0]
    assert ticket.conversation_id == conversation and ticket.channel == "slack"
    card = card_for(slack, ticket.ref)
    text = all_text(card.args["blocks"])
    assert "talk to a person" in text and "asked_for_person" in text
    assert f"{PUBLIC}/staff/tickets/{ticket.ref}" in text
    card_ts = str(card.response["ts"])

    # A startup founder pressing Claim is refused, privately.
    assert (
        post_interaction(
            api, button("ticket_claim", ticket.ref, STARTUP, STAFF_CHANNEL, card_ts)
        ).status_code
        == 200
    )
    refusal = slack.wait_for("chat.postEphemeral", lambda c: c.args.get("user") == STARTUP)[0]
    assert "staff" in refusal.args["text"] and store.ticket(ticket.ref).state == "open"

    # Staff claim: the ticket is claimed and the card shows it.
    assert (
        post_interaction(
            api, button("ticket_claim", ticket.ref, STAFF, STAFF_CHANNEL, card_ts)
        ).status_code
        == 200
    )
    claimed = slack.wait_for("chat.update", lambda c: c.args.get("ts") == card_ts)[-1]
    assert "claimed" in all_text(claimed.args["blocks"])
    assert store.ticket(ticket.ref).state == "claimed"
    assert store.ticket(ticket.ref).assignee == STAFF

    # Reply opens a modal; its submission answers the ticket in the user's thread.
    assert (
        post_interaction(
            api, button("ticket_reply", ticket.ref, STAFF, STAFF_CHANNEL, card_ts)
        ).status_code
        == 200
    )
    modal = slack.wait_for("views.open")[-1]
    view = modal.args["view"]
    submission = {
        "type": "view_submission",
        "user": {"id": STAFF, "team_id": TEAM},
        "team": {"id": TEAM},
        "api_app_id": "AAPP0001",
        "view": {
            "id": "VFAKE0001",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": {"reply": {"text": {"type": "plain_text_input",
                                                     "value": "Yes: apply to METI first."}}}},
        },
    }  # fmt: skip
    response = post_interaction(api, submission)
    assert response.status_code == 200 and not response.content.strip()
    delivered = slack.wait_for(
        "chat.postMessage",
        lambda c: in_thread("DSTARTUP1", ts)(c) and "From institute staff" in c.args["text"],
    )[0]
    assert "Yes: apply to METI first." in all_text(delivered.args["blocks"])
    answered_ticket = store.ticket(ticket.ref)
    assert answered_ticket.state == "answered" and answered_ticket.answer == (
        "Yes: apply to METI first."
    )
    assert [m.role for m in store.messages(conversation)][-1] == "staff"
    slack.wait_for(
        "chat.update",
        lambda c: c.args.get("ts") == card_ts and "answered" in c.args.get("text", ""),
    )

    # Resolve removes the buttons.
    post_interaction(api, button("ticket_resolve", ticket.ref, STAFF, STAFF_CHANNEL, card_ts))
    resolved = slack.wait_for(
        "chat.update",
        lambda c: c.args.get("ts") == card_ts and "resolved" in c.args.get("text", ""),
    )[0]
    assert not [b for b in resolved.args["blocks"] if b["type"] == "actions"]
    assert store.ticket(ticket.ref).state == "resolved"


def test_ask_institute_staff_button_opens_a_ticket_with_a_card(
    api: str, slack: FakeSlack, store: Store
) -> None:
    ts = new_ts()
    placeholder, update = ask(slack, api, dm(QUESTION, ts, channel="DASKSTAFF1"))
    conversation = update.args["blocks"][-1]["elements"][0]["value"]
    press = button(
        "ask_staff", conversation, STARTUP, "DASKSTAFF1", str(placeholder.response["ts"])
    )
    press["message"]["thread_ts"] = ts
    assert post_interaction(api, press).status_code == 200
    slack.wait_for(
        "chat.postMessage",
        lambda c: in_thread("DASKSTAFF1", ts)(c) and "institute staff" in c.args["text"],
    )
    ticket = next(t for t in store.tickets() if t.conversation_id == conversation)
    card_for(slack, ticket.ref)


def test_a_ticket_opened_from_the_web_chat_gets_a_slack_staff_card(
    api: str, slack: FakeSlack
) -> None:
    answer = httpx.post(f"{api}/api/chat", json={"message": QUESTION}, timeout=30).json()
    opened = httpx.post(
        f"{api}/api/conversations/{answer['conversation_id']}/escalate", json={}, timeout=30
    )
    assert opened.status_code == 201
    card = card_for(slack, opened.json()["ticket_id"])
    assert QUESTION in all_text(card.args["blocks"])


def test_without_slack_settings_there_is_no_slack_route(
    mini_index: KnowledgeBase, tmp_path_factory: pytest.TempPathFactory
) -> None:
    plain = Settings(  # type: ignore[call-arg]
        data_dir=mini_index.data_dir,
        database_url=f"sqlite:///{tmp_path_factory.mktemp('no-slack') / 's.sqlite3'}",
        _env_file=None,
    )
    with serve_app(create_app(plain)) as base:
        assert httpx.post(f"{base}/slack/events", content="{}").status_code == 404


def test_a_mention_is_answered_in_its_thread_and_the_thread_is_followed(
    api: str, slack: FakeSlack
) -> None:
    ts = new_ts()
    mention = {
        "type": "app_mention",
        "channel": "CPUBLIC001",
        "user": STARTUP,
        "text": f"<@{BOT_USER}> {QUESTION}",
        "ts": ts,
    }
    _, update = ask(slack, api, mention)
    assert "[1]" in update.args["blocks"][0]["text"]["text"]
    # The same message also arrives as a channel message event: it is not answered again.
    as_message = {**mention, "type": "message", "channel_type": "channel"}
    assert post_event(api, as_message).status_code == 200
    # A reply in that thread, without a mention, continues the conversation.
    follow = {**as_message, "text": "and what grades are there?", "ts": new_ts(), "thread_ts": ts}
    ask(slack, api, follow)
    # A message in some other channel thread is none of the desk's business.
    other = {**as_message, "ts": new_ts(), "thread_ts": "1600000000.000001"}
    assert post_event(api, other).status_code == 200
    time.sleep(1.5)
    assert len(slack.of("chat.postMessage", in_thread("CPUBLIC001", ts))) == 2
    assert not slack.of("chat.postMessage", in_thread("CPUBLIC001", "1600000000.000001"))


# -- cards follow the ticket, rate limits, long answers, audiences, assistant, start-up ---------


def escalate_in_slack(slack: FakeSlack, api: str, store: Store, channel: str) -> tuple[str, str]:
    """A Slack question that escalates; (ticket ref, card ts)."""
    ts = new_ts()
    _, update = ask(
        slack, api, dm("I want to talk to a person about export licences.", ts, channel=channel)
    )
    conversation = update.args["blocks"][-1]["elements"][0]["value"]
    ticket = next(t for t in store.tickets() if t.conversation_id == conversation)
    return ticket.ref, str(card_for(slack, ticket.ref).response["ts"])


def test_a_claim_and_reply_in_the_staff_console_update_the_slack_card(
    api: str, slack: FakeSlack, store: Store
) -> None:
    ref, card_ts = escalate_in_slack(slack, api, store, "DCONSOLE01")
    email, password = "kenji@desk.example", "console password 123"
    store.create_staff(email, hash_password(password))

    def on_card(state: str) -> Any:
        return lambda c: (
            c.args.get("channel") == STAFF_CHANNEL
            and c.args.get("ts") == card_ts
            and f"({state})" in c.args.get("text", "")
        )

    with httpx.Client(base_url=api, timeout=60) as client:
        signed_in = client.post("/staff/login", data={"email": email, "password": password})
        assert signed_in.status_code == 303
        headers = {"X-CSRF-Token": client.get("/api/staff/me").json()["csrf_token"]}

        claimed = client.post(f"/api/staff/tickets/{ref}/claim", headers=headers)
        assert claimed.status_code == 200, claimed.text
        update = slack.wait_for("chat.update", on_card("claimed"))[0]
        assert f"claimed by {email}" in all_text(update.args["blocks"])  # not <@…>: no Slack id
        buttons = next(b for b in update.args["blocks"] if b["type"] == "actions")["elements"]
        assert [b["action_id"] for b in buttons] == ["ticket_reply", "ticket_resolve"]

        replied = client.post(
            f"/api/staff/tickets/{ref}/reply", json={"text": "We will call you."}, headers=headers
        )
        assert replied.status_code == 200, replied.text
        slack.wait_for("chat.update", on_card("answered"))
        slack.wait_for(
            "chat.postMessage",
            lambda c: (
                c.args.get("channel") == "DCONSOLE01" and "We will call you." in c.args["text"]
            ),
        )

        client.post(f"/api/staff/tickets/{ref}/resolve", json={}, headers=headers)
        resolved = slack.wait_for("chat.update", on_card("resolved"))[0]
        assert not [b for b in resolved.args["blocks"] if b["type"] == "actions"]


def test_a_rate_limited_post_is_retried_and_posted_once(api: str, slack: FakeSlack) -> None:
    slack.throttle_next("chat.postMessage", channel="DTHROTTLE1", retry_after=1)
    ts = new_ts()
    started = time.monotonic()
    _, update = ask(slack, api, dm(QUESTION, ts, channel="DTHROTTLE1"))
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured
    assert [c.args["channel"] for c in slack.throttled] == ["DTHROTTLE1"]
    assert len(slack.of("chat.postMessage", in_thread("DTHROTTLE1", ts))) == 1
    assert "[1]" in update.args["blocks"][0]["text"]["text"]


def _long_answer(paragraphs: int) -> Answer:
    text = "\n\n".join(
        f"Paragraph {i}: " + " ".join(f"word{i}x{j}" for j in range(120)) + f" [{1 + i % 2}]"
        for i in range(paragraphs)
    )
    citations = [
        Citation(n=n, doc_id=f"doc{n}", title=f"Doc {n}", section="", url=f"/sources/doc{n}")
        for n in (1, 2)
    ]
    return Answer(text, citations, escalated=False, ticket_id=None, confidence=0.9, lang="en")


def test_a_long_answer_is_split_into_sections_within_slacks_limits() -> None:
    answer = _long_answer(12)  # about 14,000 characters
    blocks = answer_blocks(answer, "conv-1", PUBLIC)
    sections = [b for b in blocks if b["type"] == "section"]
    assert len(sections) > 3 and len(blocks) <= MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in sections)
    joined = "\n\n".join(b["text"]["text"] for b in sections)
    assert all(f"Paragraph {i}:" in joined for i in range(12))
    assert [b["type"] for b in blocks[-2:]] == ["context", "actions"]

    huge = answer_blocks(_long_answer(400), "conv-1", PUBLIC)  # about 470,000 characters
    assert len(huge) == MAX_BLOCKS
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in huge if b["type"] == "section")
    assert "shortened" in huge[-3]["text"]["text"]


def test_staff_in_the_staff_channel_may_be_answered_from_staff_only_documents(
    api: str, slack: FakeSlack
) -> None:
    question = "What is the internal scoring weight for team experience?"

    def mention(user: str, channel: str) -> dict[str, Any]:
        text = f"<@{BOT_USER}> {question}"
        return {
            "type": "app_mention",
            "channel": channel,
            "user": user,
            "text": text,
            "ts": new_ts(),
        }

    _, staff = ask(slack, api, mention(STAFF, STAFF_CHANNEL))
    assert "/sources/internal-scoring" in all_text(staff.args["blocks"])
    _, elsewhere = ask(slack, api, mention(STAFF, "CPUBLIC002"))
    assert "internal-scoring" not in all_text(elsewhere.args["blocks"])
    _, not_staff = ask(slack, api, mention(STARTUP, STAFF_CHANNEL))
    assert "internal-scoring" not in all_text(not_staff.args["blocks"])
    _, direct = ask(slack, api, dm(question, new_ts(), channel="DAUDIENCE1"))
    assert "internal-scoring" not in all_text(direct.args["blocks"])


def test_the_assistant_surface_suggests_prompts_and_shows_a_status_while_answering(
    api: str, slack: FakeSlack
) -> None:
    channel, thread = "DASSIST001", new_ts()
    started = {
        "type": "assistant_thread_started",
        "assistant_thread": {
            "user_id": STARTUP,
            "context": {"channel_id": "CPUBLIC001", "team_id": TEAM},
            "channel_id": channel,
            "thread_ts": thread,
        },
        "event_ts": new_ts(),
    }
    assert post_event(api, started).status_code == 200
    prompts = slack.wait_for(
        "assistant.threads.setSuggestedPrompts", lambda c: c.args.get("channel_id") == channel
    )[0]
    assert prompts.args["thread_ts"] == thread
    assert prompts.args["prompts"] == SUGGESTED_PROMPTS
    titles = " ".join(p["title"] for p in prompts.args["prompts"])
    assert "qualification" in titles and "統一資格" in titles

    message = {**dm(QUESTION, new_ts(), thread_ts=thread, channel=channel)}
    assert post_event(api, message).status_code == 200
    answered = slack.wait_for("chat.postMessage", in_thread(channel, thread))[0]
    status = slack.of("assistant.threads.setStatus", lambda c: c.args.get("channel_id") == channel)
    assert [s.args["status"] for s in status] == ["Looking that up…"]
    assert status[0].args["thread_ts"] == thread
    assert slack.calls.index(status[0]) < slack.calls.index(answered)
    assert "[1]" in answered.args["blocks"][0]["text"]["text"]
    time.sleep(0.5)
    # No placeholder in an assistant thread: the status shows instead, and one answer.
    assert len(slack.of("chat.postMessage", in_thread(channel, thread))) == 1


def test_the_start_up_log_says_whether_slack_is_on(settings: Settings) -> None:
    on = slack_status(settings)
    assert "Slack is ON" in on and "/slack/events" in on and STAFF_CHANNEL in on
    off = Settings(slack_bot_token="xoxb-x", _env_file=None)  # type: ignore[call-arg]
    assert slack_status(off) == (
        "Slack is OFF: missing SLACK_SIGNING_SECRET (no /slack/events route)"
    )
    none = slack_status(Settings(_env_file=None))  # type: ignore[call-arg]
    assert "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET" in none


def test_the_manifest_is_printed_for_http_or_socket_mode() -> None:
    runner = CliRunner()
    http = runner.invoke(cli, ["slack", "--manifest"], env={"DUALUSE_PUBLIC_URL": PUBLIC})
    socket = runner.invoke(cli, ["slack", "--manifest", "--socket"])
    http_settings = json.loads(http.stdout)["settings"]
    socket_settings = json.loads(socket.stdout)["settings"]
    assert http_settings["event_subscriptions"]["request_url"] == f"{PUBLIC}/slack/events"
    assert http_settings["socket_mode_enabled"] is False
    assert socket_settings["socket_mode_enabled"] is True
    assert "request_url" not in socket_settings["event_subscriptions"]
