"""`dualuse`: the command line for operators, staff and whoever runs evaluations."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.answer.engine import Delta, Final, Reset
from bot.answer.models import QuestionError
from bot.config import DeploymentError, Settings, check_workers, get_settings
from bot.escalation.tickets import TicketService
from bot.logs import configure_logging
from bot.slack import app_manifest, run_socket_mode
from bot.staff.cli import staff_app
from bot.store import Store, StoreError, Ticket
from bot.wiring import (
    build_components,
    make_answer_engine,
    make_chunker,
    make_retriever,
    open_knowledge_base,
)
from evals.questions import QuestionSetError, load_questions
from evals.retrieval import run_retrieval_eval, score
from retrieval import Hit, KnowledgeBase, KnowledgeBaseError, SearchFilters
from retrieval.ingestion.loaders import discover
from retrieval.ingestion.pipeline import IngestReport, ingest

app = typer.Typer(help="Dual-Use Desk: cited answers for startups entering Japan's defense market.")
eval_app = typer.Typer(help="Measure the assistant on question sets.")
tickets_app = typer.Typer(help="Escalations: list, show, claim, reply, resolve, promote to FAQ.")
app.add_typer(eval_app, name="eval")
app.add_typer(tickets_app, name="tickets")
app.add_typer(staff_app, name="staff")

console = Console()
#: `search` shows one passage per document: it asks for this many times k passages.
SEARCH_OVERFETCH = 4
errors = Console(stderr=True, soft_wrap=True)


def _fail(exc: Exception, code: int = 2) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {exc}")
    return typer.Exit(code)


@app.callback()
def main() -> None:
    configure_logging(get_settings())


def _run_ingest(
    settings: Settings, kb: KnowledgeBase, paths: list[Path], prune: bool, rebuild: bool
) -> IngestReport:
    total = len(list(discover(paths)))
    errors.print(f"Indexing {total} files (unchanged ones are skipped)…")
    with Progress(
        TextColumn("[bold]Indexing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=errors,
    ) as progress:
        task = progress.add_task("", total=total)
        return ingest(
            kb,
            paths,
            make_chunker(settings),
            prune=prune,
            rebuild=rebuild,
            on_file=lambda path: progress.update(task, advance=1, description=path.name),
        )


def _print_report(report: IngestReport) -> None:
    table = Table(title="Ingestion summary", show_header=False)
    for label, value in (
        ("added", len(report.added)),
        ("updated", len(report.updated)),
        ("unchanged", len(report.unchanged)),
        ("removed", len(report.removed)),
        ("failed", len(report.failed)),
        ("chunks written", report.chunks),
        ("seconds", f"{report.seconds:.1f}"),
    ):
        table.add_row(label, str(value))
    console.print(table)
    for failure in report.failed:
        errors.print(f"[red]failed[/] {failure.path}: {failure.reason}")
    for doc_id, reason in report.flagged:
        # Document text, not markup: printed as it is.
        errors.print(
            f"warning: {doc_id} flagged, {reason}", style="yellow", markup=False, highlight=False
        )


@app.command("ingest")
def ingest_command(
    paths: Annotated[list[Path], typer.Argument(exists=True, help="Files or folders.")],
    prune: Annotated[
        bool, typer.Option(help="Remove indexed documents whose files are gone from PATHS.")
    ] = False,
    rebuild: Annotated[
        bool, typer.Option(help="Drop the index and rebuild it (e.g. after changing embedder).")
    ] = False,
) -> None:
    """Index documents incrementally: unchanged files are skipped, changed ones replaced."""
    settings = get_settings()
    try:
        kb = open_knowledge_base(settings)
        report = _run_ingest(settings, kb, paths, prune, rebuild)
    except KnowledgeBaseError as exc:
        raise _fail(exc) from exc
    _print_report(report)
    if report.failed:
        raise typer.Exit(1)


@app.command("search")
def search_command(
    query: str,
    k: Annotated[int, typer.Option(min=1, max=100)] = 5,
    doc_type: Annotated[list[str] | None, typer.Option("--type", help="Document type.")] = None,
    area: Annotated[list[str] | None, typer.Option(help="Technology area.")] = None,
    lang: Annotated[list[str] | None, typer.Option(help="Document language (en, ja).")] = None,
    open_on: Annotated[
        dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Tenders open on DATE.")
    ] = None,
    audience: Annotated[str, typer.Option(help="startup or staff.")] = "startup",
    as_of: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    mode: Annotated[str, typer.Option(help="hybrid, dense or lexical.")] = "hybrid",
    chunks: Annotated[
        bool, typer.Option("--chunks", help="Every matching passage, not one per document.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The best-matching documents for a query (their best passage each, with a snippet):
    document id, title, section and score."""
    if audience not in ("startup", "staff") or mode not in ("hybrid", "dense", "lexical"):
        raise _fail(ValueError("--audience is startup|staff and --mode hybrid|dense|lexical"))
    settings = get_settings()
    filters = SearchFilters(
        doc_types=tuple(doc_type or ()),
        tech_areas=tuple(a.lower() for a in area or ()),
        languages=tuple(lang or ()),
        open_on=open_on.date() if open_on else None,
    )
    try:
        retriever = make_retriever(settings, open_knowledge_base(settings))
        hits = retriever.search(
            query,
            k=k if chunks else k * SEARCH_OVERFETCH,
            filters=filters,
            audience=audience,  # type: ignore[arg-type]
            as_of=as_of.date() if as_of else None,
            mode=mode,  # type: ignore[arg-type]
        )
    except KnowledgeBaseError as exc:
        raise _fail(exc) from exc
    if not chunks:
        hits = _best_per_document(hits)[:k]
    if as_json:
        typer.echo(json.dumps([h.as_dict() for h in hits], ensure_ascii=False, indent=2))
        return
    table = Table("#", "score", "document", "title / section", "snippet", expand=True)
    for column in table.columns[2:]:
        column.overflow = "fold"  # wrapped, never cut: ids must be copyable
    for rank, hit in enumerate(hits, start=1):
        heading = hit.title + (f"\n› {hit.section}" if hit.section else "")
        table.add_row(str(rank), f"{hit.score:.4f}", hit.doc_id, heading, _snippet(hit.text))
    console.print(table if hits else "No matching passages.")


def _best_per_document(hits: list[Hit]) -> list[Hit]:
    seen: set[str] = set()
    best = []
    for hit in hits:
        if hit.doc_id not in seen:
            seen.add(hit.doc_id)
            best.append(hit)
    return best


def _snippet(text: str, chars: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= chars else flat[: chars - 1].rstrip() + "…"


@app.command("ask")
def ask_command(
    question: str,
    session: Annotated[
        str | None, typer.Option(help="Conversation id, to ask a follow-up.")
    ] = None,
    audience: Annotated[str, typer.Option(help="startup or staff.")] = "startup",
    as_of: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    open_ticket: Annotated[
        bool,
        typer.Option(
            "--open-ticket",
            help="Open a real ticket for staff when the desk escalates (default: only say so).",
        ),
    ] = False,
) -> None:
    """Answer a question from the documents, with citations. When the desk would hand the
    question to staff it says so and why; --open-ticket opens the ticket."""
    if audience not in ("startup", "staff"):
        raise _fail(ValueError("--audience is startup or staff"))
    settings = get_settings()
    try:
        kb = open_knowledge_base(settings)
        store = Store.for_settings(settings)
        engine = make_answer_engine(settings, kb, store)
        events = engine.stream(
            question,
            session,
            audience=audience,  # type: ignore[arg-type]
            as_of=as_of.date() if as_of else None,
            channel="cli",
            open_ticket=open_ticket,
        )
        for event in events:
            if isinstance(event, Delta) and not as_json:
                typer.echo(event.text, nl=False)
            elif isinstance(event, Reset) and not as_json:
                typer.echo("\n[the model failed; the answer from the documents follows]\n")
            elif isinstance(event, Final):
                answer = event.answer
    except (KnowledgeBaseError, QuestionError, StoreError) as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps(answer.public_dict(), ensure_ascii=False, indent=2))
        return
    typer.echo("")
    for citation in answer.citations:
        section = f" > {citation.section}" if citation.section else ""
        typer.echo(f"[{citation.n}] {citation.title}{section} ({citation.url})")
    errors.print(
        f"[dim]conversation {answer.conversation_id} · confidence {answer.confidence:.2f}[/]"
    )


def _print_ticket(ticket: Ticket) -> None:
    console.print(
        f"[bold]{ticket.ref}[/] · {ticket.state} · {ticket.channel} · {ticket.lang} · "
        f"reason: {ticket.reason}"
    )
    console.print(f"Question: {ticket.question}")
    if ticket.reason_detail:
        console.print(f"Why: {ticket.reason_detail}")
    if ticket.assignee:
        console.print(f"Assignee: {ticket.assignee}")
    if ticket.answer:
        console.print(f"Staff answer: {ticket.answer}")


@tickets_app.command("list")
def tickets_list(
    state: Annotated[str | None, typer.Option(help="open, claimed, answered or resolved.")] = None,
    search: Annotated[str | None, typer.Option(help="Text in the question.")] = None,
) -> None:
    """The queue, newest first."""
    store = Store.for_settings(get_settings())
    table = Table("ticket", "state", "age", "channel", "lang", "reason", "question")
    now = dt.datetime.now(dt.UTC)
    for ticket in store.tickets(state=state, search=search):
        age = now - ticket.created_at
        table.add_row(
            ticket.ref,
            ticket.state,
            f"{age.days}d {age.seconds // 3600}h",
            ticket.channel,
            ticket.lang,
            ticket.reason,
            ticket.question[:60],
        )
    console.print(table)


@tickets_app.command("show")
def tickets_show(ref: str) -> None:
    """A ticket with its conversation, what was retrieved, and its history."""
    store = Store.for_settings(get_settings())
    try:
        ticket = store.ticket(ref)
    except StoreError as exc:
        raise _fail(exc) from exc
    _print_ticket(ticket)
    console.print("\n[bold]Conversation[/]")
    for message in store.messages(ticket.conversation_id):
        console.print(f"  {message.role}: {message.content}")
    console.print("\n[bold]Retrieved[/]")
    for item in ticket.retrieved:
        console.print(f"  {item['doc_id']} > {item.get('section') or '—'} ({item.get('score')})")
    console.print("\n[bold]History[/]")
    for event in ticket.events:
        console.print(
            f"  {event.created_at:%Y-%m-%d %H:%M} {event.from_state or '—'} → "
            f"{event.to_state} by {event.actor}" + (f": {event.note}" if event.note else "")
        )


def _ticket_service(settings: Settings) -> TicketService:
    """Staff actions from the CLI reach the user's channel and update Slack cards too."""
    return build_components(settings).tickets


ActorOption = Annotated[str, typer.Option("--as", help="Who is acting (staff e-mail).")]


@tickets_app.command("claim")
def tickets_claim(ref: str, actor: ActorOption) -> None:
    settings = get_settings()
    try:
        _print_ticket(_ticket_service(settings).claim(ref, actor))
    except StoreError as exc:
        raise _fail(exc) from exc


@tickets_app.command("reply")
def tickets_reply(ref: str, text: str, actor: ActorOption) -> None:
    """Answer the user: stored in their conversation and delivered on their channel."""
    settings = get_settings()
    try:
        ticket, _ = _ticket_service(settings).reply(ref, actor, text)
    except (StoreError, ValueError) as exc:
        raise _fail(exc) from exc
    _print_ticket(ticket)


@tickets_app.command("resolve")
def tickets_resolve(
    ref: str, actor: ActorOption, note: Annotated[str | None, typer.Option()] = None
) -> None:
    settings = get_settings()
    try:
        _print_ticket(_ticket_service(settings).resolve(ref, actor, note))
    except StoreError as exc:
        raise _fail(exc) from exc


@tickets_app.command("promote")
def tickets_promote(
    ref: str,
    actor: ActorOption,
    question: Annotated[str | None, typer.Option(help="Edited question.")] = None,
    answer: Annotated[str | None, typer.Option(help="Edited answer.")] = None,
) -> None:
    """Publish the staff answer as an FAQ document and index it at once."""
    try:
        doc_id = _ticket_service(get_settings()).promote(
            ref, actor, question=question, answer=answer
        )
    except (StoreError, KnowledgeBaseError, ValueError) as exc:
        raise _fail(exc) from exc
    console.print(f"Promoted {ref} to FAQ [bold]{doc_id}[/] and indexed it.")


@app.command("serve")
def serve_command(
    host: Annotated[str | None, typer.Option(help="Default: DUALUSE_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: DUALUSE_PORT.")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Worker processes (default: DUALUSE_WORKERS, 1). More than one needs "
            "DUALUSE_CHROMA_URL and a PostgreSQL DUALUSE_DATABASE_URL.",
        ),
    ] = None,
    ingest_paths: Annotated[
        list[Path] | None,
        typer.Option(
            "--ingest",
            exists=True,
            help="Index these folders first (incrementally, with --prune); a bad file is "
            "reported and skipped, and the server starts anyway.",
        ),
    ] = None,
) -> None:
    """Serve the web chat, the staff console, the JSON API and (when configured) Slack."""
    import uvicorn

    settings = get_settings()
    workers = workers or settings.workers
    try:
        for warning in check_workers(settings, workers):
            errors.print(f"[yellow]warning:[/] {warning}")
    except DeploymentError as exc:
        raise _fail(exc) from exc
    if ingest_paths:
        try:
            kb = open_knowledge_base(settings)
            _print_report(_run_ingest(settings, kb, ingest_paths, prune=True, rebuild=False))
            kb.close()
        except KnowledgeBaseError as exc:
            raise _fail(exc) from exc
    base = f"http://{host or settings.host}:{port or settings.port}"
    console.print(
        f"\n[bold green]Dual-Use Desk[/] starting: open [bold]{base}[/] for the web chat and "
        f"[bold]{base}/staff[/] for the staff console "
        f"(first account: [bold]dualuse staff add EMAIL[/]). Ctrl+C stops it.\n"
    )
    # Each worker builds its own app from the same environment (an app factory).
    uvicorn.run(
        "bot.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        # Forwarded headers are the app's business (DUALUSE_TRUSTED_PROXIES), never
        # uvicorn's default of trusting whatever reaches it from 127.0.0.1.
        proxy_headers=False,
        # The app logs each request itself, with conversation ids hashed (bot.access).
        access_log=False,
    )


@app.command("slack")
def slack_command(
    socket: Annotated[
        bool, typer.Option("--socket", help="Connect over Socket Mode (needs SLACK_APP_TOKEN).")
    ] = False,
    manifest: Annotated[
        bool,
        typer.Option(
            "--manifest",
            help="Print the app manifest to paste at api.slack.com/apps (with --socket: for "
            "Socket Mode; otherwise HTTP mode at DUALUSE_PUBLIC_URL).",
        ),
    ] = False,
) -> None:
    """Run the Slack app over Socket Mode (HTTP mode runs inside `dualuse serve`), or print
    its manifest."""
    settings = get_settings()
    if manifest:
        typer.echo(json.dumps(app_manifest(settings.public_url, socket), indent=2))
        return
    if not socket:
        raise _fail(
            ValueError(
                "HTTP mode runs inside `dualuse serve` at /slack/events; "
                "use `dualuse slack --socket` for Socket Mode."
            )
        )
    try:
        components = build_components(settings)
    except (KnowledgeBaseError, StoreError) as exc:
        raise _fail(exc) from exc
    if components.slack is None:
        raise _fail(ValueError("Socket Mode needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN."))
    try:
        run_socket_mode(settings, components.slack)
    except ValueError as exc:
        raise _fail(exc) from exc
    finally:
        components.close()


@eval_app.command("run")
def eval_run_command(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False)],
    corpus: Annotated[
        Path | None,
        typer.Option(exists=True, help="Index this corpus into a fresh temporary directory."),
    ] = None,
    pipeline: Annotated[str, typer.Option(help="default or baseline.")] = "default",
    out: Annotated[Path | None, typer.Option(help="Default: evals/runs/<time>-<pipeline>.")] = None,
    as_of: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    baseline_run: Annotated[
        Path | None,
        typer.Option(exists=True, file_okay=False, help="A baseline run to show side by side."),
    ] = None,
) -> None:
    """Every question through the pipeline; results.jsonl, summary.json and the reports."""
    from evals.report import write_reports
    from evals.run import run

    if pipeline not in ("default", "baseline"):
        raise _fail(ValueError("--pipeline is default or baseline"))
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = out or Path("evals/runs") / f"{stamp}-{pipeline}"
    try:
        questions = load_questions(files)
        with Progress(console=errors, transient=True) as progress:
            task = progress.add_task(f"Evaluating ({pipeline})", total=len(questions))
            outcome = run(
                get_settings(),
                files,
                out,
                corpus=corpus,
                pipeline=pipeline,  # type: ignore[arg-type]
                as_of=as_of.date() if as_of else None,
                questions=questions,
                on_question=lambda _q: progress.advance(task),
            )
        html, markdown = write_reports(out, baseline_run)
    except (KnowledgeBaseError, QuestionSetError, StoreError) as exc:
        raise _fail(exc) from exc
    summary = outcome.summary
    table = Table("metric", "value", title=f"{pipeline} · {summary['n']} questions")
    for key, value in summary.items():
        if not isinstance(value, dict):
            table.add_row(key, f"{value}")
    for key, value in outcome.handoff.items():
        table.add_row(key, f"{value}")
    console.print(table)
    console.print(f"Report: {html}\nMarkdown: {markdown}")


@eval_app.command("compare")
def eval_compare_command(
    run_a: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="Reference run.")],
    run_b: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="New run.")],
    html: Annotated[Path | None, typer.Option(help="Also write the comparison as a page.")] = None,
) -> None:
    """Per-metric deltas and the questions whose outcome changed, newly failing first."""
    from evals.compare import compare_runs, format_comparison, write_comparison_html

    try:
        comparison = compare_runs(run_a, run_b)
    except (OSError, ValueError, KeyError) as exc:
        raise _fail(exc) from exc
    typer.echo(format_comparison(comparison))
    if html is not None:
        console.print(f"Comparison page: {write_comparison_html(comparison, html)}")


@eval_app.command("sidebyside")
def eval_sidebyside_command(
    dev_run: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, help="Run on the development set.")
    ],
    validation_run: Annotated[
        Path, typer.Argument(exists=True, file_okay=False, help="Run on the validation set.")
    ],
    html: Annotated[Path | None, typer.Option(help="Write the report as a page here.")] = None,
    md: Annotated[Path | None, typer.Option(help="Write the report as Markdown here.")] = None,
) -> None:
    """Development and validation runs side by side: every headline metric, overall and per
    language, with the gap (development minus validation)."""
    from evals.sidebyside import format_side_by_side, side_by_side, write_side_by_side

    try:
        report = side_by_side(dev_run, validation_run)
    except (OSError, ValueError) as exc:
        raise _fail(exc) from exc
    typer.echo(format_side_by_side(report))
    for path in write_side_by_side(report, html, md):
        console.print(f"Side-by-side report: {path}")


class FitPart(StrEnum):
    text = "text"
    ranking = "ranking"


@eval_app.command("fit")
def eval_fit_command(
    data_dir: Annotated[
        Path | None, typer.Option(help="Keep the corpus index here between fits.")
    ] = None,
    only: Annotated[
        FitPart | None,
        typer.Option(
            help="Refit one half, keeping the other: text (the question models) or ranking."
        ),
    ] = None,
) -> None:
    """Fit the learned decisions (unit ranking, answerability, scope, sensitivity, follow-ups)
    on evals/train/, choose thresholds on the development set, write bot/answer/fitted.json."""
    from bot.answer.fitted import FITTED_FILE
    from evals.fit import fit

    try:
        with errors.status("Fitting on evals/train/ (a few minutes)…"):
            data = fit(get_settings(), FITTED_FILE, data_dir, only.value if only else None)
    except (KnowledgeBaseError, QuestionSetError, OSError) as exc:
        raise _fail(exc) from exc
    console.print(
        f"Wrote {FITTED_FILE} (training data sha256 {data['data_sha256'][:12]}, "
        f"fitted {data['fitted']})."
    )


@eval_app.command("retrieval")
def eval_retrieval_command(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False)],
    corpus: Annotated[
        Path | None,
        typer.Option(exists=True, help="Index this corpus into a fresh temporary directory."),
    ] = None,
    k: Annotated[int, typer.Option(min=1, max=100)] = 5,
    mode: Annotated[str, typer.Option(help="hybrid, dense or lexical.")] = "hybrid",
    as_of: Annotated[dt.datetime | None, typer.Option(formats=["%Y-%m-%d"])] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """hit@1, hit@k and MRR of retrieval on question sets, overall and per language."""
    if mode not in ("hybrid", "dense", "lexical"):
        raise _fail(ValueError("--mode is hybrid, dense or lexical"))
    settings = get_settings()
    try:
        questions = load_questions(files)
        with tempfile.TemporaryDirectory(prefix="dualuse-eval-") as scratch:
            if corpus is not None:
                settings = settings.model_copy(
                    update={"data_dir": Path(scratch), "chroma_url": None}
                )
            kb = open_knowledge_base(settings)
            if corpus is not None:
                report = _run_ingest(settings, kb, [corpus], prune=False, rebuild=False)
                for failure in report.failed:
                    errors.print(f"[yellow]skipped[/] {failure.path}: {failure.reason}")
            retriever = make_retriever(settings, kb)
            with Progress(console=errors, transient=True) as progress:
                task = progress.add_task("Evaluating", total=len(questions))
                results = run_retrieval_eval(
                    retriever,
                    questions,
                    k=k,
                    mode=mode,  # type: ignore[arg-type]
                    as_of=as_of.date() if as_of else None,
                    on_question=lambda _q: progress.advance(task),
                )
            kb.close()
    except (KnowledgeBaseError, QuestionSetError) as exc:
        raise _fail(exc) from exc
    summary = score(results, k=k)
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    table = Table("scope", "n", "hit@1", f"hit@{k}", "MRR", title=f"Retrieval ({mode})")
    for name, row in [("all", summary), *summary["by_lang"].items()]:
        table.add_row(
            name,
            str(row["n"]),
            f"{row['hit_at_1']:.3f}",
            f"{row['hit_at_5']:.3f}",
            f"{row['mrr']:.3f}",
        )
    console.print(table)
