"""Server-rendered HTML for the console: plain strings, every value through ``html.escape``,
inline CSS, no external assets and no JavaScript."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from html import escape
from urllib.parse import quote, urlencode

from bot.staff.auth import CSRF_FIELD
from bot.staff.deps import SignedIn
from bot.staff.overview import GROUPING, Overview
from bot.store import TICKET_STATES, Message, Ticket

CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
header{background:#1d3557;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.2rem;
align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}header form{margin-left:auto}
main{max-width:1100px;margin:1.2rem auto;padding:0 1.2rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #dde1e6;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f4;font-weight:600}
.state{display:inline-block;padding:0 .45rem;border-radius:.6rem;background:#e3e8ee}
.open{background:#ffe8c2}.claimed{background:#d5e8ff}.answered{background:#d9f2dc}
.resolved{background:#e6e6e6}
.msg{background:#fff;border:1px solid #dde1e6;border-radius:.4rem;padding:.5rem .7rem;
margin:.4rem 0;white-space:pre-wrap}.msg.user{border-left:4px solid #e9a23b}
.msg.assistant{border-left:4px solid #6c8ebf}.msg.staff{border-left:4px solid #3c9a5f}
.role{font-size:.8rem;color:#56606b;text-transform:uppercase}
.error{background:#fde2e1;border:1px solid #f3a8a4;padding:.5rem .7rem}
.notice{background:#e3f5e6;border:1px solid #9ed3a8;padding:.5rem .7rem}
textarea,input[type=text],input[type=email],input[type=password],input[type=search]
{width:100%;box-sizing:border-box;font:inherit;padding:.3rem}
form.inline{display:inline}button{font:inherit;padding:.25rem .8rem;cursor:pointer}
.bar{display:inline-block;background:#6c8ebf;height:.8rem}
section{margin:1.2rem 0}.muted{color:#56606b}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{background:#fff;border:1px solid #dde1e6;
padding:.6rem 1rem;border-radius:.4rem;min-width:9rem}.card b{font-size:1.5rem;display:block}
"""


def page(title: str, body: str, staff: SignedIn | None = None) -> str:
    nav = ""
    if staff is not None:
        nav = (
            '<a href="/staff">Queue</a><a href="/staff/overview">Overview</a>'
            f'<form method="post" action="/staff/logout">{csrf_field(staff)}'
            f'<span>{escape(staff.email)}</span> <button type="submit">Sign out</button></form>'
        )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · Dual-Use Desk staff</title><style>{CSS}</style></head>"
        f"<body><header><span>Dual-Use Desk · staff</span>{nav}</header>"
        f"<main>{body}</main></body></html>"
    )


def csrf_field(staff: SignedIn) -> str:
    return f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(staff.csrf)}">'


def flash(error: str | None, notice: str | None) -> str:
    parts = []
    if error:
        parts.append(f'<p class="error" role="alert">{escape(error)}</p>')
    if notice:
        parts.append(f'<p class="notice" role="status">{escape(notice)}</p>')
    return "".join(parts)


def login_page(error: str | None = None, email: str = "") -> str:
    body = (
        "<h1>Staff sign-in</h1>"
        + flash(error, None)
        + '<form method="post" action="/staff/login" style="max-width:24rem">'
        '<p><label>E-mail<br><input type="email" name="email" required autofocus '
        f'autocomplete="username" value="{escape(email)}"></label></p>'
        '<p><label>Password<br><input type="password" name="password" required '
        'autocomplete="current-password"></label></p>'
        '<p><button type="submit">Sign in</button></p></form>'
        '<p class="muted">Accounts are created with <code>dualuse staff add EMAIL</code>.</p>'
    )
    return page("Sign in", body)


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


def ticket_url(ref: str, **params: str) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return f"/staff/tickets/{quote(ref)}" + (f"?{query}" if query else "")


def _state(state: str) -> str:
    return f'<span class="state {escape(state)}">{escape(state)}</span>'


def queue_page(
    staff: SignedIn, tickets: Sequence[Ticket], state: str | None, search: str | None
) -> str:
    options = '<option value="">any state</option>' + "".join(
        f'<option value="{s}"{" selected" if s == state else ""}>{s}</option>'
        for s in TICKET_STATES
    )
    tabs = " · ".join(f'<a href="/staff?{urlencode({"state": s})}">{s}</a>' for s in TICKET_STATES)
    rows = "".join(
        "<tr>"
        f'<td><a href="{ticket_url(t.ref)}">{escape(t.ref)}</a></td>'
        f"<td>{_state(t.state)}</td>"
        f'<td title="{t.created_at:%Y-%m-%d %H:%M} UTC">{age(t.created_at)}</td>'
        f"<td>{escape(t.channel)}</td><td>{escape(t.lang)}</td>"
        f'<td title="{escape(t.reason_detail)}">{escape(t.reason)}</td>'
        f"<td>{escape(_short(t.question, 90))}</td>"
        f"<td>{escape(t.assignee or '')}</td></tr>"
        for t in tickets
    )
    body = (
        "<h1>Queue</h1>"
        '<form method="get" action="/staff"><p>'
        f'<select name="state" aria-label="State">{options}</select> '
        f'<input type="search" name="q" value="{escape(search or "")}" '
        'placeholder="Search the questions" style="width:24rem" aria-label="Search"> '
        f'<button type="submit">Filter</button> <a href="/staff">clear</a></p></form>'
        f'<p class="muted">Show: <a href="/staff">all</a> · {tabs}</p>'
        "<table><thead><tr><th>Ticket</th><th>State</th><th>Age</th><th>Channel</th>"
        "<th>Lang</th><th>Reason</th><th>Question</th><th>Assignee</th></tr></thead>"
        f"<tbody>{rows or '<tr><td colspan=8>No tickets.</td></tr>'}</tbody></table>"
    )
    return page("Queue", body, staff)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _link(url: str, label: str) -> str:
    """A link only for site paths and http(s) URLs; anything else is shown as text."""
    if url.startswith(("/", "http://", "https://")) and not url.startswith("//"):
        return f'<a href="{escape(url)}" rel="noopener noreferrer">{escape(label)}</a>'
    return escape(label)


def ticket_page(
    staff: SignedIn,
    ticket: Ticket,
    messages: Iterable[Message],
    error: str | None = None,
    notice: str | None = None,
) -> str:
    ref = ticket.ref
    transcript = "".join(
        f'<div class="msg {escape(m.role)}"><div class="role">{escape(m.role)}'
        f"{' · ' + escape(str(m.meta.get('staff'))) if m.role == 'staff' else ''}"
        f" · {m.created_at:%Y-%m-%d %H:%M} UTC</div>{escape(m.content)}</div>"
        for m in messages
    )
    retrieved = "".join(
        "<tr>"
        f"<td>{_link(str(r.get('url') or ''), str(r.get('title') or r.get('doc_id')))}</td>"
        f"<td>{escape(str(r.get('section') or '—'))}</td>"
        f"<td><code>{escape(str(r.get('doc_id') or ''))}</code></td>"
        f"<td>{escape(str(r.get('score', '')))}</td></tr>"
        for r in ticket.retrieved
    )
    events = "".join(
        f"<tr><td>{e.created_at:%Y-%m-%d %H:%M} UTC</td><td>{escape(e.from_state or '—')} → "
        f"{escape(e.to_state)}</td><td>{escape(e.actor)}</td><td>{escape(e.note or '')}</td></tr>"
        for e in ticket.events
    )
    action = f"/staff/tickets/{quote(ref)}"
    token = csrf_field(staff)
    forms = []
    if ticket.state == "open":
        forms.append(
            f'<form class="inline" method="post" action="{action}/claim">{token}'
            '<button type="submit">Claim</button></form>'
        )
    if ticket.state != "resolved":
        forms.append(
            f'<form method="post" action="{action}/reply">{token}'
            "<p><label>Reply to the user (delivered to their conversation at once)<br>"
            f'<textarea name="text" rows="5" required>{escape(ticket.answer or "")}'
            '</textarea></label></p><p><button type="submit">Send reply</button></p></form>'
        )
        forms.append(
            f'<form method="post" action="{action}/resolve">{token}'
            '<p><label>Note (optional) <input type="text" name="note"></label></p>'
            '<p><button type="submit">Resolve</button></p></form>'
        )
    if ticket.answer:
        forms.append(
            f'<h3>Promote to FAQ</h3><form method="post" action="{action}/promote">{token}'
            '<p><label>Question<br><input type="text" name="question" required '
            f'value="{escape(ticket.question)}"></label></p>'
            '<p><label>Answer<br><textarea name="answer" rows="6" required>'
            f"{escape(ticket.answer)}</textarea></label></p>"
            '<p class="muted">Published as a public FAQ document and indexed at once.</p>'
            '<p><button type="submit">Promote to FAQ</button></p></form>'
        )
    body = (
        f'<p><a href="/staff">← Queue</a></p><h1>{escape(ref)} {_state(ticket.state)}</h1>'
        + flash(error, notice)
        + f"<p><b>Question:</b> {escape(ticket.question)}</p>"
        f"<p><b>Why it escalated:</b> <code>{escape(ticket.reason)}</code> — "
        f"{escape(ticket.reason_detail or 'no detail')}</p>"
        f"<p class=muted>Channel {escape(ticket.channel)} · language {escape(ticket.lang)} · "
        f"opened {ticket.created_at:%Y-%m-%d %H:%M} UTC ({age(ticket.created_at)} ago) · "
        f"assignee {escape(ticket.assignee or 'nobody')}</p>"
        f"<section><h2>Conversation</h2>{transcript or '<p>No messages.</p>'}</section>"
        "<section><h2>What was retrieved</h2><table><thead><tr><th>Document</th>"
        "<th>Section</th><th>Id</th><th>Score</th></tr></thead>"
        f"<tbody>{retrieved or '<tr><td colspan=4>Nothing was retrieved.</td></tr>'}"
        "</tbody></table></section>"
        f"<section><h2>Actions</h2>{''.join(forms) or '<p>Resolved: nothing to do.</p>'}"
        "</section><section><h2>History</h2><table><thead><tr><th>When</th><th>Change</th>"
        f"<th>By</th><th>Note</th></tr></thead><tbody>{events}</tbody></table></section>"
    )
    return page(ref, body, staff)


def overview_page(staff: SignedIn, overview: Overview) -> str:
    peak = max((count for _, count in overview.days), default=0) or 1
    days = "".join(
        f"<tr><td>{day:%a %Y-%m-%d}</td><td>{count}</td>"
        f'<td><span class="bar" style="width:{round(300 * count / peak)}px"></span></td></tr>'
        for day, count in overview.days
    )
    topics = "".join(
        f"<tr><td>{escape(t.title)}"
        + (f" <code>{escape(t.doc_id)}</code>" if t.doc_id else "")
        + f"</td><td>{len(t.tickets)}</td><td>"
        + "<br>".join(
            f'<a href="{ticket_url(x.ref)}">{escape(x.ref)}</a> {escape(_short(x.question, 80))}'
            for x in t.tickets[:5]
        )
        + "</td></tr>"
        for t in overview.unanswered
    )
    security = (
        "".join(
            f"<tr><td>{e.created_at:%Y-%m-%d %H:%M}</td><td>{escape(e.subject)}</td>"
            f"<td>{escape(e.client)}</td><td>{escape(e.detail)}</td></tr>"
            for e in overview.security_events
        )
        or "<tr><td colspan=4>None in this period.</td></tr>"
    )
    cards = "".join(
        f'<div class="card" data-metric="{key}"><b>{value}</b>{escape(label)}</div>'
        for key, label, value in (
            ("questions", "questions", overview.questions),
            ("answered", "answered by the assistant", overview.answered),
            ("escalated", "escalated to staff", overview.escalated),
            ("thumbs_up", "thumbs up", overview.thumbs_up),
            ("thumbs_down", "thumbs down", overview.thumbs_down),
        )
    )
    body = (
        f"<h1>Overview</h1><p class=muted>{overview.first_day:%Y-%m-%d} to "
        f"{overview.last_day:%Y-%m-%d} (UTC days). Answered = questions that did not become "
        "a ticket; escalated = tickets opened (by the assistant or by the user asking for "
        f'staff).</p><div class="cards">{cards}</div>'
        "<section><h2>Questions per day</h2><table><thead><tr><th>Day</th><th>Questions</th>"
        f"<th></th></tr></thead><tbody>{days}</tbody></table></section>"
        "<section><h2>Questions the assistant could not answer, by topic</h2>"
        f"<p class=muted>{escape(GROUPING)}</p><table><thead><tr><th>Topic (top document)"
        "</th><th>Tickets</th><th>Questions</th></tr></thead>"
        f"<tbody>{topics or '<tr><td colspan=3>None in this period.</td></tr>'}</tbody>"
        "</table></section>"
        "<section><h2>Sign-in lockouts</h2><p class=muted>Accounts or addresses paused after "
        "repeated wrong passwords.</p><table><thead><tr><th>When (UTC)</th><th>Account</th>"
        f"<th>From</th><th>What</th></tr></thead><tbody>{security}</tbody></table></section>"
    )
    return page("Overview", body, staff)


def not_found_page(staff: SignedIn, message: str) -> str:
    return page("Not found", f"<h1>Not found</h1><p>{escape(message)}</p>", staff)
