"""``dualuse staff``: staff console accounts."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.config import get_settings
from bot.staff.auth import MIN_PASSWORD_CHARS, hash_password
from bot.store import Store, StoreError

staff_app = typer.Typer(help="Staff console accounts: add, list.")
console = Console()
errors = Console(stderr=True, soft_wrap=True)


@staff_app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="The staff member's e-mail (their sign-in).")],
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from standard input (scripts)."),
    ] = False,
) -> None:
    """Create a staff account; the password (at least 10 characters) is asked twice (hidden)
    and stored hashed."""
    if password_stdin:
        password = typer.get_text_stream("stdin").readline().rstrip("\r\n")
    else:
        rule = f"at least {MIN_PASSWORD_CHARS} characters"
        console.print(f"Choose a password for {email.strip()}: {rule}.")
        password = typer.prompt(
            f"Password ({rule})",
            hide_input=True,
            confirmation_prompt=True,
            value_proc=_long_enough,
        )
    try:
        hashed = hash_password(password)
        with Store.for_settings(get_settings()) as store:
            member = store.create_staff(email, hashed)
    except (ValueError, StoreError) as exc:
        errors.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"Added staff account [bold]{member.email}[/]; sign in at /staff/login.")


def _long_enough(password: str) -> str:
    """Checked as soon as it is typed, before the confirmation is asked."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise typer.BadParameter(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    return password


@staff_app.command("list")
def list_staff() -> None:
    """Every staff account."""
    with Store.for_settings(get_settings()) as store:
        members = store.staff_members()
    table = Table("e-mail", "created")
    for member in members:
        table.add_row(member.email, f"{member.created_at:%Y-%m-%d %H:%M} UTC")
    console.print(table if members else "No staff accounts yet: dualuse staff add EMAIL")
