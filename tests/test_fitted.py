"""The fitted parameters are a versioned file that says what data it was fitted on."""

from __future__ import annotations

import json

import pytest

from bot.answer.fitted import FITTED_FILE, FittedModelError, FittedModels
from evals.fit import data_hash, training_files


def test_the_fitted_file_matches_the_training_data_it_names() -> None:
    recorded = json.loads(FITTED_FILE.read_text(encoding="utf-8"))["data_sha256"]
    assert recorded == data_hash(training_files()), "training data changed: run `make fit`"


def test_an_embedder_without_fitted_ranking_is_refused_with_the_fix() -> None:
    with pytest.raises(FittedModelError, match="make fit"):
        FittedModels.load("openai/some-model-nobody-fitted")
