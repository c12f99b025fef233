"""The layout as a checked rule, read from the code's imports (every import, at any depth):
no import cycles between modules; the surfaces (JSON API, web chat, staff console, Slack)
never import each other; the shared HTTP layer and the core import no surface; only the
composition root (``bot/wiring.py``, ``bot/app.py``) and the CLI entry point meet them all."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "retrieval")
SURFACES = {"bot.api", "bot.web", "bot.staff", "bot.slack"}
CORE = {"bot.answer", "bot.escalation", "bot.store", "retrieval"}
ENTRY_POINTS = {"bot.wiring", "bot.app", "bot.cli", "bot.__main__"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Module → the project modules it imports (``from a import b`` counts ``a.b`` when that
    is a module, else ``a``)."""
    files = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                submodules = {f"{node.module}.{a.name}" for a in node.names} & files.keys()
                found |= submodules or {node.module}
        graph[name] = {m for m in found if m in files and m != name}
    return graph


def area(module: str) -> str:
    """The layer a module belongs to: ``bot.api.routes.chat`` → ``bot.api``."""
    parts = module.split(".")
    return "retrieval" if parts[0] == "retrieval" else ".".join(parts[:2])


def test_no_module_imports_itself_back_through_others() -> None:
    graph = imports()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == []


def test_surfaces_never_import_each_other() -> None:
    crossing = {
        (module, target)
        for module, targets in imports().items()
        for target in targets
        if area(module) in SURFACES and area(target) in SURFACES and area(target) != area(module)
    }
    assert crossing == set()


def test_the_core_and_the_http_layer_import_no_surface() -> None:
    leaking = {
        (module, target)
        for module, targets in imports().items()
        for target in targets
        if (area(module) in CORE or area(module) == "bot.http") and area(target) in SURFACES
    }
    assert leaking == set()


def test_only_the_composition_root_and_the_cli_meet_several_surfaces() -> None:
    meeting = {
        module
        for module, targets in imports().items()
        if len({area(t) for t in targets} & SURFACES) > 1
    }
    assert meeting <= ENTRY_POINTS
