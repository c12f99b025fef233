"""The console's HTML: Jinja2 templates (``bot/staff/templates``, autoescaping on) filled with
plain data computed here. No JavaScript and no external assets: the app's CSP allows neither
(inline styles are allowed)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from bot.http.document_page import sections_html
from bot.staff.auth import CSRF_FIELD
from bot.staff.deps import SignedIn
from bot.staff.overview import GROUPING, Overview
from bot.store import TICKET_STATES, Conversation, Message, Ticket
from bot.store.records import FeedbackComment

ENV = Environment(
    loader=PackageLoader("bot.staff", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

#: What each escalation reason (``Ticket.reason``) is called on the console, in English and
#: Japanese. The codes come from ``bot/escalation/policy.py`` (low confidence, negative
#: feedback, a user's request) and the ``sensitive`` kinds of ``policy.yaml``, whose
#: ``detail`` texts are the longer English explanation stored on each ticket. This is the one
#: place for the short labels: the policy file has no short or Japanese text.
REASON_LABELS: dict[str, tuple[str, str]] = {
    "low_confidence": ("The documents do not answer it", "資料に回答が見つからない"),
    "asked_for_person": ("Asked for a person", "担当者を希望"),
    "repeated_negative_feedback": ("Repeated thumbs-down", "低評価が続いた"),
    "determination": ("Needs a determination on their case", "個別案件の判断が必要"),
    "contract_commitment": ("Asks for a commitment", "契約・価格・期限などの約束を求めている"),
    "classified_information": ("Asks for protected material", "保護・秘密情報の要求"),
    "complaint": ("Complaint", "苦情"),
    "dispute": ("Dispute", "異議・紛争"),
    "personal_data": ("Personal data", "個人情報"),
    "unspecified": ("No reason given", "理由の記載なし"),
}


@dataclass(frozen=True)
class Reason:
    code: str
    en: str
    ja: str


def reason(code: str) -> Reason:
    """The readable label of a reason code; an unknown code is shown as words."""
    en, ja = REASON_LABELS.get(code, (code.replace("_", " ").capitalize(), ""))
    return Reason(code, en, ja)


def _render(template: str, staff: SignedIn | None = None, **data: Any) -> str:
    return ENV.get_template(template).render(
        staff=staff,
        csrf_name=CSRF_FIELD,
        csrf=staff.csrf if staff is not None else "",
        **data,
    )


def age(created_at: datetime, now: datetime | None = None) -> str:
    seconds = max(int(((now or datetime.now(UTC)) - created_at).total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def ticket_url(ref: str, **params: str) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"/staff/tickets/{quote(ref)}" + (f"?{query}" if query else "")


def source_url(doc_id: str, anchor: str = "") -> str:
    """The staff document view: every document, staff-only ones included."""
    return f"/staff/sources/{quote(doc_id, safe='')}" + (f"#{quote(anchor)}" if anchor else "")


def feedback_url(feedback_id: int) -> str:
    return f"/staff/feedback/{feedback_id}"


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def login_page(error: str | None = None, email: str = "") -> str:
    return _render("login.html", title="Sign in", error=error, email=email)


def first_run_page() -> str:
    return _render("first_run.html", title="Set up the staff console")


def queue_page(
    staff: SignedIn, tickets: Sequence[Ticket], state: str | None, search: str | None
) -> str:
    rows = [
        {
            "ref": t.ref,
            "url": ticket_url(t.ref),
            "state": t.state,
            "age": age(t.created_at),
            "opened": _when(t.created_at),
            "channel": t.channel,
            "lang": t.lang,
            "reason": reason(t.reason),
            "reason_detail": t.reason_detail,
            "question": _short(t.question, 90),
            "assignee": t.assignee or "",
        }
        for t in tickets
    ]
    return _render(
        "queue.html",
        staff,
        title="Queue",
        rows=rows,
        states=[(s, f"/staff?{urlencode({'state': s})}") for s in TICKET_STATES],
        state=state,
        search=search or "",
    )


def _messages(messages: Iterable[Message], highlight: int | None = None) -> list[dict[str, Any]]:
    return [
        {
            "id": m.id,
            "role": m.role,
            "by": str(m.meta.get("staff") or "") if m.role == "staff" else "",
            "when": _when(m.created_at),
            "content": m.content,
            "highlight": m.id == highlight,
        }
        for m in messages
    ]


def _source(hit: dict[str, Any]) -> dict[str, Any]:
    doc_id = str(hit.get("doc_id") or "")
    anchor = str(hit.get("url") or "").partition("#")[2]
    return {
        "title": str(hit.get("title") or doc_id or "untitled"),
        "url": source_url(doc_id, anchor) if doc_id else None,
        "section": str(hit.get("section") or "—"),
        "doc_id": doc_id,
        "score": str(hit.get("score", "")),
    }


def ticket_page(
    staff: SignedIn,
    ticket: Ticket,
    messages: Iterable[Message],
    error: str | None = None,
    notice: str | None = None,
) -> str:
    return _render(
        "ticket.html",
        staff,
        title=ticket.ref,
        ticket=ticket,
        reason=reason(ticket.reason),
        opened=_when(ticket.created_at),
        age=age(ticket.created_at),
        action=f"/staff/tickets/{quote(ticket.ref)}",
        messages=_messages(messages),
        sources=[_source(hit) for hit in ticket.retrieved],
        events=[
            {
                "when": _when(e.created_at),
                "change": f"{e.from_state or '—'} → {e.to_state}",
                "actor": e.actor,
                "note": e.note or "",
            }
            for e in ticket.events
        ],
        error=error,
        notice=notice,
    )


def _comment(comment: FeedbackComment) -> dict[str, Any]:
    return {
        "when": _when(comment.created_at),
        "comment": comment.comment or "",
        "question": _short(comment.question, 200) if comment.question else None,
        "answer": _short(comment.answer, 300) if comment.answer else None,
        "ticket": comment.ticket_ref,
        "ticket_url": ticket_url(comment.ticket_ref) if comment.ticket_ref else None,
        "conversation_url": feedback_url(comment.feedback_id),
    }


def overview_page(staff: SignedIn, overview: Overview) -> str:
    peak = max((count for _, count in overview.days), default=0) or 1
    cards = [
        ("questions", "questions", overview.questions),
        ("answered", "answered without escalation", overview.answered),
        ("escalated", "escalated to staff", overview.escalated),
        ("helpful", "answers rated helpful", overview.helpful),
        ("unhelpful", "answers rated unhelpful", overview.unhelpful),
    ]
    return _render(
        "overview.html",
        staff,
        title="Overview",
        overview=overview,
        cards=cards,
        days=[
            (f"{day:%a %Y-%m-%d}", count, round(100 * count / peak)) for day, count in overview.days
        ],
        topics=[
            {
                "title": t.title,
                "doc_id": t.doc_id,
                "count": len(t.tickets),
                "tickets": [
                    {"ref": x.ref, "url": ticket_url(x.ref), "question": _short(x.question, 80)}
                    for x in t.tickets[:5]
                ],
            }
            for t in overview.unanswered
        ],
        comments=[_comment(c) for c in overview.comments],
        security=[
            {"when": f"{e.created_at:%Y-%m-%d %H:%M}", **vars(e)} for e in overview.security_events
        ],
        grouping=GROUPING,
    )


def conversation_page(
    staff: SignedIn, conversation: Conversation, messages: Iterable[Message], rated: FeedbackComment
) -> str:
    """The conversation a rating belongs to, read-only, the rated answer highlighted."""
    return _render(
        "conversation.html",
        staff,
        title="Conversation",
        messages=_messages(messages, highlight=rated.message_id),
        channel=conversation.channel,
        started=_when(conversation.created_at),
        rated=rated.message_id,
        rating="thumbs up" if rated.rating > 0 else "thumbs down",
        comment=rated.comment,
        ticket=rated.ticket_ref,
        ticket_url=ticket_url(rated.ticket_ref) if rated.ticket_ref else None,
    )


def source_page(staff: SignedIn, meta: dict[str, Any], body: str) -> str:
    """A whole document for staff, staff-only ones included. Sections carry the same anchors
    as the public document view (``bot.api.render``), so a citation's anchor lands here too."""
    title = str(meta.get("title") or meta.get("id") or "Document")
    details = [
        (label, str(meta[key]))
        for key, label in (
            ("id", "Id"),
            ("doc_type", "Type"),
            ("access", "Access"),
            ("language", "Language"),
            ("tender_id", "Tender"),
            ("published", "Published"),
            ("deadline", "Deadline"),
            ("issuer", "Issuer"),
        )
        if meta.get(key)
    ]
    link = str(meta.get("source_url") or "")
    return _render(
        "source.html",
        staff,
        title=title,
        details=details,
        source_link=link if link.lower().startswith(("http://", "https://")) else None,
        staff_only=str(meta.get("access") or "public") != "public",
        # Markdown rendered with raw HTML disabled, as on the public document view.
        body=Markup(sections_html(body, title)),
    )


def not_found_page(staff: SignedIn, message: str) -> str:
    return _render("not_found.html", staff, title="Not found", message=message)
