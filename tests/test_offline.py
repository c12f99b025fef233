"""Nothing reaches for the network at run time: a fresh process, with every non-loopback
connection refused and recorded, indexes and searches using only installed packages."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import write_doc

GUARD = textwrap.dedent(
    """
    import os, socket

    _LOG = os.environ["NETWORK_ATTEMPTS_LOG"]
    _LOCAL = ("127.0.0.1", "::1", "localhost")

    def _refuse(address):
        with open(_LOG, "a") as log:
            log.write(repr(address) + "\\n")
        raise OSError("network disabled by test: " + repr(address))

    _connect = socket.socket.connect
    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in _LOCAL:
            _refuse(address)
        return _connect(self, address)
    socket.socket.connect = connect

    _getaddrinfo = socket.getaddrinfo
    def getaddrinfo(host, *args, **kwargs):
        if host not in _LOCAL and host is not None:
            _refuse(host)
        return _getaddrinfo(host, *args, **kwargs)
    socket.getaddrinfo = getaddrinfo
    """
)


def test_ingest_and_search_run_without_network(tmp_path: Path) -> None:
    (tmp_path / "guard").mkdir()
    (tmp_path / "guard" / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    corpus = tmp_path / "corpus"
    write_doc(corpus, "qual", "## Grades\nGrades A to D depend on sales and equity.")
    write_doc(corpus, "jp", "## 締切\n入札の締切は2026年12月18日です。", language="ja")
    log = tmp_path / "attempts.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path / "guard"),
        "NETWORK_ATTEMPTS_LOG": str(log),
        "DUALUSE_DATA_DIR": str(tmp_path / "data"),
        "TIKTOKEN_CACHE_DIR": str(tmp_path / "empty-tiktoken-cache"),
        "HF_HOME": str(tmp_path / "empty-hf-home"),
    }
    cli = [sys.executable, "-m", "bot"]
    ingest = subprocess.run([*cli, "ingest", str(corpus)], env=env, capture_output=True, text=True)
    assert ingest.returncode == 0, ingest.stderr
    search = subprocess.run(
        [*cli, "search", "締切はいつ", "--json"], env=env, capture_output=True, text=True
    )
    assert search.returncode == 0, search.stderr
    assert '"doc_id": "jp"' in search.stdout
    assert not log.exists(), log.read_text()
