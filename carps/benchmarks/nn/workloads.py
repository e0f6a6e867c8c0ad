"""The training workloads: data, model, loss, metric and target of each, all small and offline.

Data come from scikit-learn's bundled datasets or are generated with a fixed seed, so nothing is
downloaded. Every workload splits its data once (60/20/20 train/validation/test, permutation seed 0),
independent of the trial's seed, which only drives initialization and batch order.

``valid_error`` is the objective: ``1 - accuracy`` for classification and sequence workloads,
``1 - R^2`` (MSE over the target's variance) for regression, clipped to [0, 1] so a diverged run
scores like predicting the mean. Torch is imported inside the builders only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

import numpy as np

from carps.core.errors import require

SPLIT_SEED = 0


@dataclass(frozen=True)
class Workload:
    """One training problem.

    ``target`` is the validation metric (accuracy or R^2, higher is better) that counts as solved;
    ``steps_to_target`` in each trial's info measures how fast a configuration gets there.
    """

    name: str
    description: str
    kind: str  # "classification", "regression" or "sequence"
    max_epochs: int
    batch_size: int
    target: float
    load: Callable[[], dict[str, np.ndarray]]
    build: Callable[[dict[str, Any]], Any]

    @property
    def metric(self) -> str:
        return "r2" if self.kind == "regression" else "accuracy"

    def data(self) -> dict[str, np.ndarray]:
        """The fixed splits as numpy arrays: ``x_train, y_train, x_valid, y_valid, x_test, y_test``."""
        return _data(self.name)

    def steps_per_epoch(self) -> int:
        n = len(self.data()["x_train"])
        return -(-n // self.batch_size)


def _split(x: np.ndarray, y: np.ndarray, standardize: bool = True) -> dict[str, np.ndarray]:
    perm = np.random.default_rng(SPLIT_SEED).permutation(len(x))
    n_train, n_valid = int(0.6 * len(x)), int(0.2 * len(x))
    parts = {"train": perm[:n_train], "valid": perm[n_train : n_train + n_valid], "test": perm[n_train + n_valid :]}
    if standardize:  # statistics of the training split only
        mean, std = x[parts["train"]].mean(0), x[parts["train"]].std(0) + 1e-8
        x = (x - mean) / std
    out: dict[str, np.ndarray] = {}
    for name, idx in parts.items():
        out[f"x_{name}"] = np.ascontiguousarray(x[idx], dtype=np.float32 if x.dtype.kind == "f" else x.dtype)
        out[f"y_{name}"] = y[idx]
    return out


# data ------------------------------------------------------------------------------------------
def _datasets() -> Any:
    return require("sklearn.datasets", extra="nn")


def _digits_flat() -> dict[str, np.ndarray]:
    d = _datasets().load_digits()
    return _split(d.data.astype(np.float32) / 16.0, d.target.astype(np.int64), standardize=False)


def _digits_images() -> dict[str, np.ndarray]:
    data = _digits_flat()
    for key in ("x_train", "x_valid", "x_test"):
        data[key] = data[key].reshape(-1, 1, 8, 8)
    return data


def _breast_cancer() -> dict[str, np.ndarray]:
    d = _datasets().load_breast_cancer()
    return _split(d.data.astype(np.float64), d.target.astype(np.int64))


def _friedman() -> dict[str, np.ndarray]:
    x, y = _datasets().make_friedman1(n_samples=3000, n_features=10, noise=1.0, random_state=SPLIT_SEED)
    data = _split(x, y.astype(np.float64))
    mean, std = data["y_train"].mean(), data["y_train"].std()
    for key in ("y_train", "y_valid", "y_test"):
        data[key] = ((data[key] - mean) / std).astype(np.float32)
    return data


MARKOV_VOCAB, MARKOV_LENGTH, MARKOV_SEQUENCES = 12, 16, 1500


def markov_transitions() -> np.ndarray:
    """The fixed order-2 transition table ``P[a, b] = p(next | prev2=a, prev1=b)`` of the sequence task."""
    rng = np.random.default_rng(SPLIT_SEED + 1)
    return rng.dirichlet(np.full(MARKOV_VOCAB, 0.1), size=(MARKOV_VOCAB, MARKOV_VOCAB))


def _markov() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(SPLIT_SEED + 2)
    table = markov_transitions()
    cum = table.cumsum(-1)
    seqs = np.empty((MARKOV_SEQUENCES, MARKOV_LENGTH + 1), dtype=np.int64)
    seqs[:, :2] = rng.integers(0, MARKOV_VOCAB, size=(MARKOV_SEQUENCES, 2))
    for t in range(2, MARKOV_LENGTH + 1):
        u = rng.random(MARKOV_SEQUENCES)[:, None]
        row = cum[seqs[:, t - 2], seqs[:, t - 1]]
        seqs[:, t] = np.minimum((u > row).sum(-1), MARKOV_VOCAB - 1)
    # inputs are tokens 0..L-1, labels the next tokens 1..L
    return _split(seqs[:, :-1], seqs[:, 1:], standardize=False)


def markov_bayes_accuracy() -> float:
    """Accuracy of the true model on the validation split (positions with two tokens of context)."""
    data = _data("markov_gru")
    x, y = data["x_valid"].astype(np.int64), data["y_valid"]
    best = markov_transitions().argmax(-1)
    return float((best[x[:, :-1], x[:, 1:]] == y[:, 1:]).mean())


# models ----------------------------------------------------------------------------------------
def _mlp(sizes: list[int]) -> Any:
    from torch import nn

    layers: list[Any] = []
    for a, b in zip(sizes[:-2], sizes[1:-1]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    return nn.Sequential(*layers)


def _digits_mlp(_: dict[str, Any]) -> Any:
    return _mlp([64, 128, 128, 10])


def _digits_cnn(_: dict[str, Any]) -> Any:
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(32 * 4 * 4, 10),
    )  # fmt: skip


def _digits_resnet(_: dict[str, Any]) -> Any:
    import torch
    from torch import nn

    class Block(nn.Module):
        # GroupNorm rather than BatchNorm: averaged (DoG) and Schedule-Free evaluation weights need no
        # re-estimated batch statistics
        def __init__(self, width: int) -> None:
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(width, width, 3, padding=1), nn.GroupNorm(2, width), nn.ReLU(),
                nn.Conv2d(width, width, 3, padding=1), nn.GroupNorm(2, width),
            )  # fmt: skip

        def forward(self, x: Any) -> Any:
            return torch.relu(x + self.body(x))

    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.GroupNorm(2, 8), nn.ReLU(),
        Block(8), nn.MaxPool2d(2), Block(8),
        nn.Flatten(), nn.Linear(8 * 4 * 4, 10),
    )  # fmt: skip


def _cancer_mlp(_: dict[str, Any]) -> Any:
    return _mlp([30, 64, 64, 2])


def _friedman_mlp(_: dict[str, Any]) -> Any:
    return _mlp([10, 64, 64, 1])


def _markov_gru(_: dict[str, Any]) -> Any:
    from torch import nn

    class GRULanguageModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(MARKOV_VOCAB, 16)
            self.gru = nn.GRU(16, 32, batch_first=True)
            self.head = nn.Linear(32, MARKOV_VOCAB)

        def forward(self, x: Any) -> Any:
            self.gru.flatten_parameters()  # copies (DoG's averaged model) lose cuDNN's weight layout
            out, _ = self.gru(self.embed(x))
            return self.head(out)

    return GRULanguageModel()


WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload("digits_mlp", "MLP (64-128-128-10) on scikit-learn's 8x8 digits", "classification", 20, 64, 0.96, _digits_flat, _digits_mlp),
        Workload("digits_cnn", "2-layer CNN (16-32 channels) on the digits images", "classification", 10, 64, 0.96, _digits_images, _digits_cnn),
        Workload("digits_resnet", "residual CNN (2 GroupNorm blocks, width 8) on the digits images", "classification", 8, 64, 0.97, _digits_images, _digits_resnet),
        Workload("cancer_mlp", "MLP (30-64-64-2) on the breast-cancer tabular data", "classification", 20, 32, 0.98, _breast_cancer, _cancer_mlp),
        Workload("friedman_mlp", "regression MLP (10-64-64-1) on Friedman #1 (3000 samples, noise 1)", "regression", 30, 64, 0.93, _friedman, _friedman_mlp),
        Workload("markov_gru", "GRU (32 units) next-token model on an order-2 Markov source (12 tokens)", "sequence", 10, 64, 0.58, _markov, _markov_gru),
    )
}


@lru_cache(maxsize=None)
def _data(name: str) -> dict[str, np.ndarray]:
    return WORKLOADS[name].load()
