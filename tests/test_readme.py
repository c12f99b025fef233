"""Every command the README shows is run (or, when it cannot run here, checked) so that the
README cannot drift from the code.

The commands are read from README.md when the tests are collected (tests/readme_commands.py):
each line of a ```bash block, and each command named in an inline code span of the prose, is
one test case whose id is its README line and text.

- `dualuse …` runs for real (typer's CliRunner, in this process) against a temporary data dir
  into which the bundled corpus was ingested (`dualuse ingest corpus/`), with the other
  DUALUSE_ settings cleared. A synopsis (`[--k 5]`, `startup|staff`, `FILE...`) is checked
  against the CLI (every subcommand, option and required argument, every alternative named in
  the option's help) and run in its shortest concrete form (optional groups left out,
  placeholders filled in, `show|claim|…` one case each) and in its fullest (every optional
  group without a placeholder put in, with the first of `a|b`; `--rebuild` left out).
  `DUD-0001` is a ticket opened for the case with `dualuse ask … --open-ticket`. Servers and
  blocking commands (`serve`, `slack --socket`), `eval fit` (it rewrites bot/answer/fitted.json,
  for minutes) and commands the prose only names are checked against the CLI and their
  `--help`, not run.
- `curl 'http://127.0.0.1:8000/…'`: the same request to the real app served by uvicorn on the
  same data dir; a 2xx JSON answer.
- `make …`: `make -n` (a dry run) knows the target and passes the variables on.
- `docker …`: no Docker engine here: the image's ENTRYPOINT is `dualuse`, the command after
  the image (or its CMD, or the compose service's command) is a real `dualuse` command, the
  compose services named exist, and `-e`/prefix variables are settings.
- anything else: the executable exists (its options are in its `--help` when it has one), or
  the case is skipped with the reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from typer.testing import CliRunner, Result

from bot.app import create_app
from bot.cli import app
from bot.config import Settings, get_settings
from tests.readme_commands import (
    REPO,
    Command,
    cli_problems,
    is_placeholder,
    is_ticket_ref,
    readme_commands,
    resolve_subcommand,
    settings_env_names,
)
from tests.servers import serve_app

runner = CliRunner()
COMMANDS = readme_commands()

#: Placeholders the tests can fill in (see the `eval_runs` fixture).
KNOWN_PLACEHOLDERS = {"FILE...", "RUN_A", "RUN_B", "DEV_RUN", "VALIDATION_RUN"}
#: The question that opens a ticket for the `tickets …` commands.
TICKET_QUESTION = "I want to speak to a person"
STAFF = "staff@example.org"
PASSWORD = "correct horse battery staple"


def dualuse_mode(command: Command) -> str:
    """'run', or why the command is only checked against the CLI."""
    words = command.words[1:]
    path, _, _ = resolve_subcommand(words)
    if command.inline:
        return "help: named in prose"
    if path == ["serve"]:
        return "help: starts a server"
    if path == ["slack"] and "--socket" in words and "--manifest" not in words:
        return "help: blocks on Socket Mode"
    if path == ["eval", "fit"]:
        return "help: rewrites bot/answer/fitted.json (minutes)"
    unknown = [
        word
        for word in command.args
        if isinstance(word, str) and is_placeholder(word) and word not in KNOWN_PLACEHOLDERS
    ]
    if unknown:
        return f"help: placeholder {unknown[0]}"
    return "run"


def how(command: Command) -> str:
    if command.kind == "dualuse":
        return dualuse_mode(command)
    if command.kind == "make":
        return "make -n"
    if command.kind == "curl":
        return "request"
    if command.kind == "docker":
        return "static"
    return "exists"


def _case(command: Command) -> Any:
    mode = how(command)
    slow = mode in ("run", "request")
    return pytest.param(
        command,
        id=f"{command.case_id()} [{mode}]",
        marks=[pytest.mark.slow] if slow else [],
    )


# --- fixtures: one data dir with the bundled corpus, one served app ---------------------------


@dataclass
class Desk:
    root: Path
    data_dir: Path


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """The README's working directory (the repository) and a fresh data dir; no other
    DUALUSE_ (or Slack / OpenAI) settings."""
    root = tmp_path_factory.mktemp("readme")
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(("DUALUSE_", "SLACK_", "OPENAI_")):
                patch.delenv(name)
        patch.setenv("DUALUSE_DATA_DIR", str(root / "data"))
        patch.chdir(REPO)
        get_settings.cache_clear()
        yield Desk(root, root / "data")
    get_settings.cache_clear()


def invoke(args: list[str], input: str | None = None, env: dict[str, str] | None = None) -> Result:
    get_settings.cache_clear()
    try:
        return runner.invoke(app, args, input=input, env=env)
    finally:
        get_settings.cache_clear()


def _ok(result: Result, args: list[str]) -> Result:
    assert result.exit_code == 0, (
        f"dualuse {' '.join(args)} exited {result.exit_code}\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}\n{result.exception!r}"
    )
    return result


@pytest.fixture(scope="module")
def desk(cli_env: Desk) -> Desk:
    """`dualuse ingest corpus/` into the data dir, once for the module."""
    _ok(invoke(["ingest", "corpus/"]), ["ingest", "corpus/"])
    return cli_env


@pytest.fixture(scope="module")
def served(desk: Desk) -> Iterator[str]:
    """The real app under uvicorn on the same data dir (as `dualuse serve` runs it)."""
    settings = Settings(data_dir=desk.data_dir, _env_file=None)  # type: ignore[call-arg]
    with serve_app(create_app(settings)) as base:
        yield base


@pytest.fixture(scope="module")
def eval_runs(desk: Desk) -> dict[str, str]:
    """A small question file and two runs on it, for `FILE...`, `RUN_A`, `DEV_RUN`, …"""
    source = REPO / "evals" / "questions" / "answers_dev.jsonl"
    lines = [line for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = desk.root / "questions.jsonl"
    questions.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    runs = {}
    for name in ("a", "b"):
        out = desk.root / f"run-{name}"
        args = ["eval", "run", str(questions), "--out", str(out)]
        _ok(invoke(args), args)
        runs[name] = str(out)
    return {
        "FILE...": str(questions),
        "RUN_A": runs["a"],
        "DEV_RUN": runs["a"],
        "RUN_B": runs["b"],
        "VALIDATION_RUN": runs["b"],
    }


def open_ticket() -> str:
    args = ["ask", TICKET_QUESTION, "--open-ticket", "--json"]
    answer = json.loads(_ok(invoke(args), args).stdout)
    assert answer["ticket_id"], f"{TICKET_QUESTION!r} opened no ticket: {answer}"
    return str(answer["ticket_id"])


# --- the cases --------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [_case(c) for c in COMMANDS])
def test_readme_command(command: Command, request: pytest.FixtureRequest) -> None:
    for name, _ in command.env:
        assert name in settings_env_names(), f"{name} (line {command.line}) is no setting"
    if command.kind == "dualuse":
        check_dualuse(command, request)
    elif command.kind == "make":
        check_make(command)
    elif command.kind == "curl":
        check_curl(command, request.getfixturevalue("served"))
    elif command.kind == "docker":
        check_docker(command, request)
    else:
        check_other(command)


def test_the_readme_has_commands_of_every_kind() -> None:
    """Guards the parser: a README reshaped so that nothing is found would pass vacuously."""
    kinds = {command.kind for command in COMMANDS if not command.inline}
    assert kinds >= {"dualuse", "make", "curl", "docker", "other"}
    assert sum(how(c) == "run" for c in COMMANDS) >= 10


# --- dualuse ----------------------------------------------------------------------------------


def cli_check(
    words: list[str], request: pytest.FixtureRequest, arguments: bool = True
) -> list[str]:
    """What the CLI does not accept in `dualuse WORDS` (its subcommand's --help must work)."""
    request.getfixturevalue("cli_env")
    path, _, _ = resolve_subcommand(words)
    _ok(invoke([*path, "--help"]), [*path, "--help"])
    return cli_problems(words, arguments=arguments)


def check_cli(words: list[str], request: pytest.FixtureRequest) -> None:
    problems = cli_check(words, request)
    assert not problems, "; ".join(problems)


#: Optional flags a run leaves out (checked against the CLI all the same).
EXPENSIVE = {"--rebuild"}  # re-embeds the whole corpus


def concrete(command: Command, request: pytest.FixtureRequest, full: bool = False) -> list[str]:
    """The command as one would type it: optional groups left out (or, `full`, those without
    placeholders put in, with the first of `a|b`), placeholders filled in."""
    argv: list[str] = []
    for part in command.args:
        if isinstance(part, tuple):
            if full and not EXPENSIVE & set(part) and not any(map(is_placeholder, part)):
                argv.extend(word.split("|")[0] for word in part)
            continue
        if is_ticket_ref(part):
            argv.append(open_ticket())
        elif is_placeholder(part):
            argv.append(request.getfixturevalue("eval_runs")[part])
        else:
            argv.append(part)
    return argv


def check_dualuse(command: Command, request: pytest.FixtureRequest) -> None:
    problems = cli_check(command.words[1:], request, arguments=not command.inline)
    if dualuse_mode(command) != "run":
        assert not problems, "; ".join(problems)
        return
    desk: Desk = request.getfixturevalue("desk")
    if problems:  # show what the command as written does, too
        argv = concrete(command, request)
        result = invoke(argv, env=dict(command.env))
        output = f"{result.stdout}{result.stderr}".strip()
        written = f"`dualuse {' '.join(argv)}` exits {result.exit_code}: {output}"
        pytest.fail("; ".join(problems) + "\n" + written)
    runs = [concrete(command, request)]
    if command.is_synopsis:
        full = concrete(command, request, full=True)
        if full != runs[0]:
            runs.append(full)
    for argv in runs:
        run_dualuse(command, argv, desk)


def run_dualuse(command: Command, argv: list[str], desk: Desk) -> None:
    path, _, rest = resolve_subcommand(argv)
    stdin = None
    if path == ["eval", "run"] and "--out" not in argv:  # not into evals/runs/
        argv = [*argv, "--out", str(desk.root / f"readme-run-{command.line}-{len(argv)}")]
    if path == ["staff", "add"] and "--password-stdin" not in argv:
        stdin = f"{PASSWORD}\n{PASSWORD}\n"  # it asks twice
    refs = [word for word in rest if word.startswith("DUD-")]
    if path == ["tickets", "promote"]:  # promotes the staff answer: give one first
        reply = ["tickets", "reply", refs[0], "Staff answer: write to the liaison desk.", "--as"]
        _ok(invoke([*reply, STAFF]), reply)
    result = _ok(invoke(argv, input=stdin, env=dict(command.env)), argv)
    for ref in refs:
        assert ref in result.stdout, f"dualuse {' '.join(argv)} does not mention {ref}"
    if "--json" in argv:
        json.loads(result.stdout)
    if command.redirect is not None and command.redirect.endswith(".json"):
        printed = json.dumps(json.loads(result.stdout))
        for _, value in command.env:
            assert value in printed, f"{value} is not in the printed {command.redirect}"


# --- make -------------------------------------------------------------------------------------


def check_make(command: Command) -> None:
    args = command.words[1:]
    done = subprocess.run(
        ["make", "-n", *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"make -n {' '.join(args)}: {done.stderr.strip()}"
    for arg in args:
        if "=" in arg:
            value = arg.partition("=")[2]
            assert value in done.stdout, f"make {' '.join(args)} does not use {arg}"


# --- curl -------------------------------------------------------------------------------------


def check_curl(command: Command, base: str) -> None:
    url = next(word for word in command.words if word.startswith("http"))
    parts = urlsplit(url)
    target = base + parts.path + (f"?{parts.query}" if parts.query else "")
    response = httpx.get(target, timeout=60)
    assert 200 <= response.status_code < 300, f"{target}: {response.status_code} {response.text}"
    assert "json" in response.headers.get("content-type", ""), response.headers
    response.json()


# --- docker -----------------------------------------------------------------------------------

#: docker / docker compose options that take a value.
DOCKER_VALUE_OPTIONS = {
    "-p", "--publish", "-v", "--volume", "-e", "--env", "--env-file", "--name", "-t", "--tag",
    "-w", "--workdir", "--network", "-u", "--user", "--entrypoint", "-f", "--file",
}  # fmt: skip


def docker_split(words: list[str]) -> tuple[list[tuple[str, str | None]], list[str]]:
    """(options with their values, the words from the first non-option on)."""
    options: list[tuple[str, str | None]] = []
    at = 0
    while at < len(words) and words[at].startswith("-"):
        if words[at] in DOCKER_VALUE_OPTIONS:
            options.append((words[at], words[at + 1]))
            at += 2
        else:
            options.append((words[at], None))
            at += 1
    return options, words[at:]


def dockerfile_instruction(name: str) -> list[str]:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    found = re.findall(rf"^{name}\s+(\[.*\])\s*$", text, flags=re.MULTILINE)
    assert found, f"the Dockerfile has no {name} in exec form"
    value = json.loads(found[-1])
    assert isinstance(value, list)
    return [str(word) for word in value]


def compose_services() -> dict[str, Any]:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert isinstance(services, dict)
    return services


def built_image_tag() -> str | None:
    for command in COMMANDS:
        words = command.words
        if command.kind == "docker" and words[1:2] == ["build"] and "-t" in words:
            return words[words.index("-t") + 1]
    return None


def check_image_command(rest: list[str], request: pytest.FixtureRequest) -> None:
    """`docker run IMAGE REST`: the entry point is dualuse and REST (or CMD) a dualuse command."""
    assert dockerfile_instruction("ENTRYPOINT") == ["dualuse"]
    check_cli(rest or dockerfile_instruction("CMD"), request)


def check_docker(command: Command, request: pytest.FixtureRequest) -> None:
    words = command.words[1:]
    if command.inline and len(words) < 2:
        pytest.skip("named in prose without arguments")
    if words[0] == "compose":
        check_compose(command, words[1:], request)
        return
    options, rest = docker_split(words[1:])
    values = dict(options)
    if words[0] == "build":
        assert rest, "docker build needs a context"
        assert (REPO / rest[0] / "Dockerfile").is_file(), f"no Dockerfile in {rest[0]}"
        assert dockerfile_instruction("ENTRYPOINT") == ["dualuse"]
    elif words[0] == "run":
        image, *after = rest
        tag = built_image_tag()
        assert tag is None or image == tag, f"runs {image}, the README builds {tag}"
        for option, value in options:
            if option in ("-e", "--env") and value and value.startswith("DUALUSE_"):
                assert value.partition("=")[0] in settings_env_names(), value
        if "-p" in values and values["-p"] and "DUALUSE_PORT" in str(values.get("-e")):
            port = str(values["-e"]).partition("=")[2]
            assert values["-p"].endswith(f":{port}"), "publishes another port than it serves"
        check_image_command(after, request)
    elif words[0] == "exec":
        _container, *after = rest
        assert after[:1] == ["dualuse"], f"docker exec runs {after[:1]}, not dualuse"
        check_cli(after[1:], request)
    else:
        pytest.fail(f"no check for `docker {words[0]}`")


def check_compose(command: Command, words: list[str], request: pytest.FixtureRequest) -> None:
    services = compose_services()
    compose_text = (REPO / "compose.yaml").read_text(encoding="utf-8")
    for name, _ in command.env:
        assert "${" + name in compose_text, f"compose.yaml does not use {name}"
    action, *tail = words
    _, rest = docker_split(tail)
    if action in ("up", "start", "restart", "build", "pull"):
        for service in rest:
            assert service in services, f"compose.yaml has no service {service}"
        return
    assert action in ("run", "exec"), f"no check for `docker compose {action}`"
    service, *after = rest
    assert service in services, f"compose.yaml has no service {service}"
    spec = services[service]
    entrypoint = spec.get("entrypoint") or dockerfile_instruction("ENTRYPOINT")
    if action == "exec":
        assert after[:1] == ["dualuse"], f"compose exec runs {after[:1]}, not dualuse"
        after = after[1:]
    else:
        assert entrypoint == ["dualuse"], f"{service}'s entry point is {entrypoint}"
        assert "build" in spec or spec.get("image") == built_image_tag()
    check_cli(after, request)


# --- anything else ----------------------------------------------------------------------------


def check_other(command: Command) -> None:
    program, *args = command.words
    if program == "export":
        for assignment in args:
            name = assignment.partition("=")[0]
            assert name in settings_env_names(), f"export {name}: no such setting"
        return
    if program in ("apt-get", "apt", "sudo"):
        pytest.skip("installs system packages (needs root and the network); not run")
    path = REPO / program if "/" in program else None
    executable = str(path) if path is not None else shutil.which(program)
    if path is not None:
        assert path.is_file() and os.access(path, os.X_OK), f"{program} is not an executable"
    if executable is None:
        pytest.skip(f"{program} is not installed here")
    if program == ".venv/bin/chroma" and args:
        check_help_lists_options([str(executable), args[0]], args[1:])
    elif program == "redis-server":
        done = subprocess.run([executable, "--version"], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


def check_help_lists_options(program: list[str], args: list[str]) -> None:
    done = subprocess.run(
        [*program, "--help"], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    for arg in args:
        if arg.startswith("--"):
            assert arg in done.stdout, f"`{' '.join(program)} --help` does not list {arg}"


if __name__ == "__main__":  # list the cases: python -m tests.test_readme
    for command in COMMANDS:
        sys.stdout.write(f"{command.case_id()} [{how(command)}]\n")
