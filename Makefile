# One command runs it, one command tests it.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint typecheck pytest test-fast ingest bench bench-chat eval eval-validation \
	eval-retrieval fit lexicon bench-answer bench-load lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Exact versions with hashes from the lock files (`make lock` refreshes them), then the
# project itself without resolving anything again.
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

LOCK := $(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock" --quiet

## lock: re-pin every dependency (with hashes) from pyproject.toml: requirements.lock for
## running, requirements-dev.lock for testing too
lock: $(VENV)/.installed-dev
	$(LOCK) --upgrade -o requirements.lock
	$(LOCK) --upgrade --extra dev -o requirements-dev.lock

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
	@# No function of cyclomatic-complexity grade D or worse (radon): each reads in one screen.
	@complex="$$($(BIN)/radon cc -n D -s bot retrieval evals benchmarks)"; \
	  if [ -n "$$complex" ]; then echo "radon: split these functions:"; echo "$$complex"; exit 1; fi

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest -q

## test-fast: skip the slow suites locally
test-fast: $(VENV)/.installed-dev
	$(BIN)/pytest -q -m "not slow"

## eval: the answer engine on the development packs (the bundled corpus's sets, and the third
## corpus with its questions) and on the three validation packs (each its own corpus), the naive
## baseline on the freshest validation pack, and development beside validation with the gap →
## evals/runs/latest/sidebyside.html and .md (evals/runs/ is not tracked)
DEV_QUESTIONS := evals/questions/answers_dev.jsonl evals/questions/retrieval_dev.jsonl
THIRD         := evals/questions/third
VALIDATION    := evals/validation3
FIRST_VALIDATION := evals/validation
SECOND_VALIDATION := evals/validation2
RUNS          := evals/runs/latest
eval: eval-validation
	$(BIN)/dualuse eval run $(DEV_QUESTIONS) --corpus corpus --out $(RUNS)/dev
	$(BIN)/dualuse eval run $(THIRD)/questions.jsonl --corpus $(THIRD)/corpus --out $(RUNS)/dev-third
	$(BIN)/dualuse eval run $(FIRST_VALIDATION)/questions.jsonl --corpus $(FIRST_VALIDATION)/corpus \
	  --out $(RUNS)/validation-first
	$(BIN)/dualuse eval run $(SECOND_VALIDATION)/questions.jsonl --corpus $(SECOND_VALIDATION)/corpus \
	  --out $(RUNS)/validation-second
	$(BIN)/dualuse eval sidebyside $(RUNS)/dev $(RUNS)/validation \
	  --html $(RUNS)/sidebyside.html --md $(RUNS)/sidebyside.md
	$(BIN)/dualuse eval sidebyside $(RUNS)/dev-third $(RUNS)/validation-first \
	  --html $(RUNS)/sidebyside-third.html --md $(RUNS)/sidebyside-third.md
	$(BIN)/dualuse eval sidebyside $(RUNS)/dev $(RUNS)/validation-second \
	  --html $(RUNS)/sidebyside-second.html --md $(RUNS)/sidebyside-second.md

## eval-validation: the freshest validation pack only, answer engine and baseline (report in
## evals/runs/latest/validation/report.html)
eval-validation: $(VENV)/.installed
	$(BIN)/dualuse eval run $(VALIDATION)/questions.jsonl --corpus $(VALIDATION)/corpus \
	  --pipeline baseline --out $(RUNS)/validation-baseline
	$(BIN)/dualuse eval run $(VALIDATION)/questions.jsonl --corpus $(VALIDATION)/corpus \
	  --out $(RUNS)/validation --baseline-run $(RUNS)/validation-baseline

## fit: refit the learned decisions on evals/train/ (thresholds chosen on the dev packs) and
## write bot/answer/fitted.json, stamped with the hash of the data it was fitted on
fit: $(VENV)/.installed
	$(BIN)/dualuse eval fit

## lexicon: rewrite retrieval/data/ja_en.tsv.gz, the Japanese-English word list the ranking
## matches across languages with, from JMdict (installs the 300 MB jamdict-data first)
lexicon: $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[lexicon]"
	$(BIN)/python -m evals.lexicon

## eval-retrieval: hybrid vs dense-only vs BM25-only on the development set
eval-retrieval: $(VENV)/.installed
	for mode in hybrid dense lexical; do \
	  $(BIN)/dualuse eval retrieval evals/questions/retrieval_dev.jsonl --corpus corpus --mode $$mode; \
	done

## bench: ingestion throughput and search latency (prints numbers; not a test)
bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_retrieval.py

## bench-answer: answer latency, engine against the naive baseline (prints numbers)
bench-answer: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_answer.py

## bench-chat: time to the first streamed words over HTTP (after `make run` indexed corpus/)
bench-chat: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_chat.py

## bench-load: 100 concurrent web sessions for 60 s on the native topology (Chroma, Redis,
## PostgreSQL from DUALUSE_TEST_POSTGRES_URL, 2 app processes); prints latency and the turn check
bench-load: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/bench_load.py

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
