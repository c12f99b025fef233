"""The learned decisions' parameters: one versioned JSON file (``fitted.json``) written by
``make fit`` (``evals/fit.py``), with the hash of the data it was fitted on. Only numbers are
stored (weights, intercepts, thresholds), never pickled objects, so reading it needs numpy
alone and a diff shows what a refit changed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FITTED_FILE = Path(__file__).with_name("fitted.json")
FORMAT_VERSION = 1


class FittedModelError(RuntimeError):
    """The fitted parameters are missing or do not match this code or this embedder."""


@dataclass(frozen=True)
class LinearModel:
    """Logistic regression (binary or multinomial) as weights: what scikit-learn fitted."""

    classes: tuple[str, ...]
    coef: npt.NDArray[np.float64]  # (1, n_features) for two classes, else (n_classes, n)
    intercept: npt.NDArray[np.float64]
    threshold: float = 0.5
    features: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinearModel:
        return cls(
            classes=tuple(data["classes"]),
            coef=np.asarray(data["coef"], dtype=np.float64),
            intercept=np.asarray(data["intercept"], dtype=np.float64),
            threshold=float(data.get("threshold", 0.5)),
            features=tuple(data.get("features", ())),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "classes": list(self.classes),
            "features": list(self.features),
            "threshold": round(self.threshold, 4),
            "intercept": [round(float(v), 6) for v in self.intercept],
            "coef": [[round(float(v), 6) for v in row] for row in self.coef],
        }

    def probabilities(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """One row per sample, one column per class (in ``classes`` order)."""
        x = np.atleast_2d(np.asarray(x, dtype=np.float64))
        scores = x @ self.coef.T + self.intercept
        if len(self.classes) == 2:
            positive = 1.0 / (1.0 + np.exp(-scores[:, 0]))
            return np.column_stack([1.0 - positive, positive])
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def positive(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Probability of the second class of a binary model, one per sample."""
        return self.probabilities(x)[:, 1]


@dataclass(frozen=True)
class FittedModels:
    meta: dict[str, Any]
    text: dict[str, LinearModel]  # decisions on the question's text: embedder-independent
    ranking: dict[str, LinearModel]  # unit ranking and answerability: one set per embedder

    @classmethod
    def load(cls, embedder_name: str, path: Path = FITTED_FILE) -> FittedModels:
        data = _read(path)
        per_embedder = data.get("ranking", {})
        if embedder_name not in per_embedder:
            fitted_for = ", ".join(sorted(per_embedder)) or "none"
            raise FittedModelError(
                f"No unit ranking fitted for the embedder '{embedder_name}' (fitted for: "
                f"{fitted_for}). Similarities differ between embedders, so run `make fit` "
                "with this DUALUSE_EMBEDDER to fit and calibrate it."
            )
        return cls(
            meta={k: v for k, v in data.items() if k not in ("text", "ranking")},
            text={k: LinearModel.from_dict(v) for k, v in data["text"].items()},
            ranking={k: LinearModel.from_dict(v) for k, v in per_embedder[embedder_name].items()},
        )


@lru_cache(maxsize=4)
def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise FittedModelError(f"{path} is missing; run `make fit` to create it.")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT_VERSION:
        raise FittedModelError(
            f"{path} has format {data.get('format')}; this code reads {FORMAT_VERSION}. "
            "Run `make fit`."
        )
    return data
