"""The deployment files say what the code reads: every setting compose.yaml passes is one the
settings object knows, and the multi-worker services point at each other."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import DeploymentError, Settings, check_workers

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def settings_env_names() -> set[str]:
    return {f"DUALUSE_{name.upper()}" for name in Settings.model_fields}


def test_every_setting_in_compose_is_one_the_desk_reads() -> None:
    for name, service in compose()["services"].items():
        unknown = {k for k in service.get("environment") or {} if k.startswith("DUALUSE_")}
        assert unknown <= settings_env_names(), name


def test_the_app_waits_for_ingestion_and_shares_chroma_postgres_and_redis() -> None:
    services = compose()["services"]
    app = services["app"]
    assert app["depends_on"]["ingest"]["condition"] == "service_completed_successfully"
    assert {"postgres", "chroma", "redis"} <= set(app["depends_on"])
    env = app["environment"]
    assert env["DUALUSE_CHROMA_URL"].startswith("http://chroma:")
    assert env["DUALUSE_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["DUALUSE_RATE_LIMIT_STORAGE"].startswith("redis://redis:")
    for name in ("app", "chroma", "postgres", "redis"):
        assert "start_period" in services[name]["healthcheck"], name


def test_several_workers_refuse_embedded_chroma_and_sqlite() -> None:
    with pytest.raises(DeploymentError, match=r"DUALUSE_CHROMA_URL.*DUALUSE_DATABASE_URL"):
        check_workers(Settings(_env_file=None), 2)  # type: ignore[call-arg]


def test_several_workers_with_memory_rate_limits_are_warned_not_refused() -> None:
    settings = Settings(  # type: ignore[call-arg]
        chroma_url="http://chroma:8000",
        database_url="postgresql+psycopg://u:p@db/dualuse",
        _env_file=None,
    )
    assert check_workers(settings, 1) == []
    (warning,) = check_workers(settings, 3)
    assert "3 times" in warning and "DUALUSE_RATE_LIMIT_STORAGE" in warning


def test_the_dockerfile_passes_hadolint() -> None:
    linter = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run(
        [linter, "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_checks_health_after_a_start_period_on_the_configured_port() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    healthcheck = next(line for line in dockerfile.splitlines() if "HEALTHCHECK" in line)
    assert "--start-period=" in healthcheck and "DUALUSE_PORT" in healthcheck
    assert 'ENTRYPOINT ["dualuse"]' in dockerfile


@pytest.mark.slow
def test_the_built_package_carries_every_runtime_file(tmp_path: Path) -> None:
    """What `pip install .` (the Docker image) installs: every template, static asset, fitted
    model and manifest the code reads at run time, not only the Python files."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    packaged = set(zipfile.ZipFile(wheel).namelist())
    data = {".json", ".yaml", ".html", ".js", ".css", ".j2", ".mako", ".jsonl"}
    needed = {
        str(path.relative_to(ROOT))
        for package in ("bot", "evals")
        for path in (ROOT / package).rglob("*")
        # Training, third-corpus and validation data are read from a checkout (`make fit`,
        # `make eval`).
        if path.suffix in data
        and not {"runs", "train", "third", "validation", "validation2", "validation3"}
        & set(path.parts)
    }
    assert needed - packaged == set()


@pytest.mark.parametrize(
    ("lock", "extras"), [("requirements.lock", ()), ("requirements-dev.lock", ("dev",))]
)
def test_every_declared_dependency_is_pinned_with_hashes(
    lock: str, extras: tuple[str, ...]
) -> None:
    """`make run`, `make test`, CI and the image install from the lock files: a dependency
    added to pyproject.toml without `make lock` would be missing there."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"])
    for extra in extras:
        declared += project["optional-dependencies"][extra]
    lines = (ROOT / lock).read_text().splitlines()
    pins = {
        i: _canonical(line.split("==")[0].split("[")[0])
        for i, line in enumerate(lines)
        if "==" in line and not line.startswith((" ", "#"))
    }
    names = {_canonical(re.split(r"[\[<>=!~ ;]", d, maxsplit=1)[0]) for d in declared}
    assert names - set(pins.values()) == set()
    assert all(lines[i + 1].strip().startswith("--hash=sha256:") for i in pins)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.strip()).lower()
