# One command runs it, one command tests it.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint typecheck pytest test-fast ingest bench bench-chat eval eval-retrieval calibrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

## run: set up, index the bundled corpus (incrementally) and serve on http://$(HOST):$(PORT)
run: $(VENV)/.installed
	$(BIN)/dualuse serve --ingest corpus --host $(HOST) --port $(PORT)

ingest: $(VENV)/.installed
	$(BIN)/dualuse ingest corpus/ --prune

## test: lint, type-check and the whole test suite (slow suites included)
test: $(VENV)/.installed-dev lint typecheck pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check bot retrieval evals tests benchmarks
	$(BIN)/ruff format --check bot retrieval evals tests benchmarks

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest -q

## test-fast: skip the slow suites locally
test-fast: $(VENV)/.installed-dev
	$(BIN)/pytest -q -m "not slow"

## eval: every question set through the answer engine and the naive baseline, side by side;
## the report is written to evals/runs/latest/report.html (evals/runs/ is not tracked by git)
QUESTIONS := $(wildcard evals/questions/*.jsonl)
eval: $(VENV)/.installed
	$(BIN)/dualuse eval run $(QUESTIONS) --corpus corpus --pipeline baseline --out evals/runs/latest-baseline
	$(BIN)/dualuse eval run $(QUESTIONS) --corpus corpus --out evals/runs/latest --baseline-run evals/runs/latest-baseline

## calibrate: the confidence-threshold curve behind bot/escalation/policy.yaml
calibrate: $(VENV)/.installed
	$(BIN)/dualuse eval calibrate evals/questions/answers_dev.jsonl --corpus corpus

## eval-retrieval: hybrid vs dense-only vs BM25-only on the development set
eval-retrieval: $(VENV)/.installed
	for mode in hybrid dense lexical; do \
	  $(BIN)/dualuse eval retrieval evals/questions/retrieval_dev.jsonl --corpus corpus --mode $$mode; \
	done

## bench: ingestion throughput and search latency (prints numbers; not a test)
bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_retrieval.py

## bench-chat: time to the first streamed words over HTTP (after `make run` indexed corpus/)
bench-chat: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_chat.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
