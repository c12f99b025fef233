"""The commands the README shows, read from README.md itself (so tests cannot drift from it).

Every line of a fenced ```bash block is one command (``\\`` continuations joined, ``# comments``
dropped); inline code spans in the prose that start like a command (`make test-fast`,
`dualuse slack --socket`) are commands too. A README synopsis is understood: ``[...]`` is an
optional group, ``a|b`` alternatives (outside a group: one command each), and upper-case words
(``FILE...``, ``RUN_A``, ``DIR``) are placeholders. Helpers here also check a ``dualuse``
command line against the real CLI (its subcommands, options and required arguments).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import typer

from bot.cli import app
from bot.config import Settings

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"

Part = str | tuple[str, ...]  # a word, or an optional [group] of words
Kind = Literal["dualuse", "make", "curl", "docker", "other"]

_FENCE = re.compile(r"^\s*```(\w*)\s*$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_PLACEHOLDER = re.compile(r"^[A-Z][A-Z0-9_]*(\.\.\.)?$")
_TICKET_REF = re.compile(r"^DUD-\d+$")
_INLINE = re.compile(r"`([^`\n]+)`")
_INLINE_STARTS = ("make ", "dualuse ", ".venv/bin/", ".ci/", "apt-get ", "docker ")


@dataclass(frozen=True)
class Command:
    line: int  # README line the command starts on
    text: str  # as the README shows it: continuations joined, comment dropped
    env: tuple[tuple[str, str], ...]  # VAR=value prefixes
    parts: tuple[Part, ...]  # the words after the prefixes, [groups] kept as tuples
    redirect: str | None  # `> FILE`
    background: bool  # a trailing `&`
    inline: bool  # an inline code span in the prose, not a fenced block

    @property
    def words(self) -> list[str]:
        """Every word, optional groups included (as the synopsis names them)."""
        out: list[str] = []
        for part in self.parts:
            out.extend(part if isinstance(part, tuple) else [part])
        return out

    @property
    def program(self) -> str:
        return self.words[0] if self.parts else ""

    @property
    def kind(self) -> Kind:
        program = self.program
        if program in ("dualuse", ".venv/bin/dualuse"):
            return "dualuse"
        if program in ("make", "curl", "docker"):
            return program  # type: ignore[return-value]
        return "other"

    @property
    def args(self) -> tuple[Part, ...]:
        return self.parts[1:]

    @property
    def is_synopsis(self) -> bool:
        return any(
            isinstance(part, tuple) or "|" in part or is_placeholder(part) for part in self.args
        )

    def case_id(self) -> str:
        where = "prose" if self.inline else "block"
        text = self.text if len(self.text) <= 70 else self.text[:69] + "…"
        return f"L{self.line} {where}: {text}"


def is_placeholder(word: str) -> bool:
    return bool(_PLACEHOLDER.match(word)) or word in ("…", "...")


def is_ticket_ref(word: str) -> bool:
    return bool(_TICKET_REF.match(word))


def _group(tokens: list[str]) -> list[Part]:
    """`[--k 5]` → ("--k", "5"); every other token stays a word."""
    parts: list[Part] = []
    group: list[str] | None = None
    for token in tokens:
        if group is None and token.startswith("[") and len(token) > 1:
            group, token = [], token[1:]
        if group is None:
            parts.append(token)
            continue
        if token.endswith("]"):
            group.append(token[:-1])
            parts.append(tuple(word for word in group if word))
            group = None
        else:
            group.append(token)
    if group is not None:  # an unclosed bracket: keep the words
        parts.extend(group)
    return parts


def parse_command(text: str, line: int, inline: bool) -> list[Command]:
    """One README command line → one Command (or several, for `a|b` alternatives)."""
    tokens = shlex.split(text, comments=True)
    if not tokens:
        return []
    background = tokens[-1] == "&"
    if background:
        tokens = tokens[:-1]
    redirect = None
    if ">" in tokens:
        at = tokens.index(">")
        redirect = tokens[at + 1] if at + 1 < len(tokens) else ""
        tokens = tokens[:at]
    env: list[tuple[str, str]] = []
    while tokens and _ENV.match(tokens[0]):
        name, _, value = tokens.pop(0).partition("=")
        env.append((name, value))
    shown = text.split(" #")[0].strip() if not inline else text.strip()
    base = Command(line, shown, tuple(env), tuple(_group(tokens)), redirect, background, inline)
    if base.kind != "dualuse":
        return [base]
    # `tickets show|claim|reply DUD-0001`: one command per alternative.
    for at, part in enumerate(base.parts):
        if isinstance(part, str) and "|" in part:
            return [
                Command(
                    line,
                    shown.replace(part, choice, 1),
                    base.env,
                    (*base.parts[:at], choice, *base.parts[at + 1 :]),
                    redirect,
                    background,
                    inline,
                )
                for choice in part.split("|")
            ]
    return [base]


def readme_commands(path: Path = README) -> list[Command]:
    """Every command of the README's ```bash blocks, then every command-like inline span."""
    lines = path.read_text(encoding="utf-8").splitlines()
    block: list[Command] = []
    inline: list[Command] = []
    fence: str | None = None  # the language of the open fence
    pending, start = "", 0
    for number, raw in enumerate(lines, start=1):
        match = _FENCE.match(raw)
        if match:
            fence = None if fence is not None else match.group(1)
            continue
        if fence is None:
            for span in _INLINE.findall(raw):
                if span.startswith(_INLINE_STARTS):
                    inline.extend(parse_command(span, number, inline=True))
            continue
        if fence != "bash":
            continue
        stripped = raw.strip()
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        block.extend(parse_command(pending + stripped, start, inline=False))
        pending = ""
    # A command the prose names more than once, or that a block already shows, is one case.
    seen = {_normalised(command.text) for command in block}
    unique: list[Command] = []
    for command in inline:
        if _normalised(command.text) not in seen:
            seen.add(_normalised(command.text))
            unique.append(command)
    return block + unique


def _normalised(text: str) -> str:
    return text.removeprefix(".venv/bin/")


# --- checking a `dualuse` command against the real CLI ---------------------------------------


def cli_root() -> Any:
    """The click command behind `dualuse` (typer vendors its own click: duck-typed here)."""
    return typer.main.get_command(app)


def resolve_subcommand(words: list[str]) -> tuple[list[str], Any, list[str]]:
    """(the subcommand path, its click command, the words after it)."""
    command = cli_root()
    path: list[str] = []
    rest = list(words)
    while hasattr(command, "commands") and rest and rest[0] in command.commands:
        command = command.commands[rest[0]]
        path.append(rest.pop(0))
    return path, command, rest


def _options(command: Any) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for param in command.params:
        if param.param_type_name == "option":
            for opt in (*param.opts, *param.secondary_opts):
                options[opt] = param
    return options


def _value_problems(name: str, opt: str, param: Any, value: str) -> list[str]:
    """`--mode hybrid|dense|lexical`: the option's help should name every alternative."""
    if "|" not in value:
        return []
    helptext = (param.help or "").lower()
    return [
        f"{name} {opt}: its help does not name {choice!r}"
        for choice in value.split("|")
        if choice.lower() not in helptext
    ]


def _argument_problems(name: str, command: Any, positionals: int) -> list[str]:
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    required = [p for p in arguments if p.required]
    if positionals < len(required):
        missing = ", ".join(str(p.name).upper() for p in required[positionals:])
        return [f"{name} needs the argument(s) {missing}"]
    if not any(p.nargs == -1 for p in arguments) and positionals > len(arguments):
        return [f"{name} takes {len(arguments)} argument(s), the README gives {positionals}"]
    return []


def cli_problems(words: list[str], arguments: bool = True) -> list[str]:
    """What in `dualuse WORDS` (a synopsis: optional words included, `a|b` values allowed) the
    CLI does not accept: unknown subcommands or options, missing or extra arguments (unless
    `arguments` is false: a command named in prose), values the option's help does not name."""
    path, command, rest = resolve_subcommand(words)
    name = " ".join(["dualuse", *path])
    if hasattr(command, "commands"):
        if rest and not rest[0].startswith("-"):
            return [f"{name} has no subcommand {rest[0]!r}"]
        return []
    options = _options(command)
    problems: list[str] = []
    positionals = 0
    at = 0
    while at < len(rest):
        word = rest[at]
        at += 1
        if not (word.startswith("-") and len(word) > 1):
            positionals += 1
            continue
        opt, has_value, value = word.partition("=")
        param = options.get(opt)
        if param is None:
            problems.append(f"{name} has no option {opt}")
            if not has_value and at < len(rest) and not rest[at].startswith("-"):
                at += 1  # its value, most likely
        elif not param.is_flag and not param.count:
            if not has_value:
                value = rest[at] if at < len(rest) else ""
                at += 1
            problems.extend(_value_problems(name, opt, param, value))
    if arguments:
        problems.extend(_argument_problems(name, command, positionals))
    return problems


def settings_env_names() -> set[str]:
    """Every environment variable the settings read."""
    names: set[str] = set()
    for field, info in Settings.model_fields.items():
        names.add(f"DUALUSE_{field.upper()}")
        alias = info.validation_alias
        if alias is not None:
            choices = getattr(alias, "choices", [alias])
            names.update(str(choice) for choice in choices)
    return names
