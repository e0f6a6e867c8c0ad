"""The training loop shared by every workload and algorithm.

One call trains a fresh model for ``epochs`` epochs and measures it: the validation metric is checked
at the end of every epoch (that is where ``steps_to_target`` is read), and the final validation
and test metrics, validation loss and training time are reported.

On CPU the run is bit-for-bit reproducible for a seed: torch's deterministic algorithms are on and
torch runs on ``threads`` threads (1 by default) while training; both settings are restored after.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Iterator

from carps.core.errors import CarpsError, require
from carps.benchmarks.nn.algorithms import Trainer, lrfree_trainer, tuned_trainer
from carps.benchmarks.nn.workloads import WORKLOADS, Workload


def resolve_device(device: str | None) -> str:
    """``auto`` (or None) picks ``cuda`` when a GPU is visible, else ``cpu``; other names pass through."""
    torch = require("torch", extra="nn")
    if device in (None, "", "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise CarpsError(f"device '{device}' was requested but torch sees no GPU (torch {torch.__version__}); use device=cpu or device=auto")
    return str(device)


@lru_cache(maxsize=16)
def _tensors(name: str, device: str) -> dict[str, Any]:
    torch = require("torch", extra="nn")
    return {k: torch.as_tensor(v).to(device) for k, v in WORKLOADS[name].data().items()}


@contextmanager
def _reproducible(device: str, threads: int | None) -> Iterator[None]:
    torch = require("torch", extra="nn")
    was_deterministic = torch.are_deterministic_algorithms_enabled()
    old_threads = torch.get_num_threads()
    cpu = device == "cpu"
    if cpu:
        torch.use_deterministic_algorithms(True)
        if threads:
            torch.set_num_threads(int(threads))
    try:
        yield
    finally:
        if cpu:
            torch.use_deterministic_algorithms(was_deterministic)
            torch.set_num_threads(old_threads)


def _loss_and_score(workload: Workload, out: Any, y: Any) -> tuple[Any, Any]:
    """Mean training loss, and the per-batch quantity the metric is built from."""
    torch = require("torch", extra="nn")
    f = torch.nn.functional
    if workload.kind == "regression":
        pred = out.squeeze(-1)
        return f.mse_loss(pred, y), ((pred - y) ** 2).sum()
    if workload.kind == "sequence":
        loss = f.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))
        # the first position has one token of context only: it is left out of the accuracy
        return loss, (out[:, 1:].argmax(-1) == y[:, 1:]).sum()
    return f.cross_entropy(out, y), (out.argmax(-1) == y).sum()


def _evaluate(workload: Workload, model: Any, x: Any, y: Any, batch: int = 1024) -> tuple[float, float]:
    """(metric, mean loss) on a split: accuracy, or R^2 for regression."""
    torch = require("torch", extra="nn")
    total_loss, total_score, count = 0.0, 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            xb, yb = x[i : i + batch], y[i : i + batch]
            loss, score = _loss_and_score(workload, model(xb), yb)
            total_loss += float(loss) * len(xb)
            total_score += float(score)
            count += len(xb)
    loss = total_loss / count
    if workload.kind == "regression":
        return 1.0 - (total_score / count) / float(y.var(unbiased=False)), loss
    per_item = y[:, 1:].numel() / len(y) if workload.kind == "sequence" else 1
    return total_score / (count * per_item), loss


def train(
    workload: str | Workload,
    config: dict[str, Any] | None = None,
    epochs: int | None = None,
    seed: int = 0,
    device: str | None = "cpu",
    algorithm: str | None = None,
    options: dict[str, Any] | None = None,
    threads: int | None = 1,
) -> dict[str, Any]:
    """Train ``workload`` with a tuned configuration, or with the LR-free ``algorithm``; return its metrics.

    ``config`` is a configuration of :func:`~carps.benchmarks.nn.algorithms.tuned_space` (its
    defaults when None); ``epochs`` defaults to the workload's ``max_epochs``.

    >>> out = train("cancer_mlp", epochs=2, seed=1)
    >>> out["steps"], out["valid_loss"] < out["initial_valid_loss"], 0.0 <= out["valid_error"] <= 1.0
    (22, True, True)
    """
    torch = require("torch", extra="nn")
    wl = WORKLOADS[workload] if isinstance(workload, str) else workload
    epochs = int(epochs or wl.max_epochs)
    if epochs < 1:
        raise CarpsError(f"epochs must be at least 1, got {epochs}")
    device = resolve_device(device)
    data = _tensors(wl.name, device)
    x_train, y_train = data["x_train"], data["y_train"]
    n = len(x_train)
    steps_per_epoch = -(-n // wl.batch_size)
    total_steps = epochs * steps_per_epoch
    target_error = 1.0 - wl.target

    with _reproducible(device, threads):
        torch.manual_seed(int(seed))
        model = wl.build({}).to(device)
        model.train()
        if algorithm is None:
            from carps.benchmarks.nn.algorithms import tuned_space

            trainer: Trainer = tuned_trainer(model, config or dict(tuned_space().get_default_configuration()), total_steps)
        else:
            trainer = lrfree_trainer(model, algorithm, total_steps, options)
        with trainer.evaluation(model) as evaluated:
            _, initial_valid_loss = _evaluate(wl, evaluated, data["x_valid"], data["y_valid"])
        order = torch.Generator().manual_seed(int(seed))
        steps, steps_to_target, diverged = 0, None, False
        curve: list[float] = []
        sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
        sync()
        t0 = time.perf_counter()
        for _ in range(epochs):
            perm = torch.randperm(n, generator=order).to(device)
            for i in range(0, n, wl.batch_size):
                idx = perm[i : i + wl.batch_size]
                trainer.zero_grad()
                loss, _ = _loss_and_score(wl, model(x_train[idx]), y_train[idx])
                loss.backward()
                trainer.step()
                steps += 1
            if not math.isfinite(float(loss.detach())):
                diverged = True
                break
            with trainer.evaluation(model) as evaluated:
                metric, _ = _evaluate(wl, evaluated, data["x_valid"], data["y_valid"])
            curve.append(metric)
            if steps_to_target is None and metric >= wl.target:
                steps_to_target = steps
        sync()
        train_time = time.perf_counter() - t0
        with trainer.evaluation(model) as evaluated:
            valid_metric, valid_loss = _evaluate(wl, evaluated, data["x_valid"], data["y_valid"])
            test_metric, test_loss = _evaluate(wl, evaluated, data["x_test"], data["y_test"])

    def error(metric: float) -> float:
        return 1.0 if diverged or not math.isfinite(metric) else min(max(1.0 - metric, 0.0), 1.0)

    return {
        "valid_error": error(valid_metric),
        "valid_metric": valid_metric,
        "test_metric": test_metric,
        "test_error": error(test_metric),
        "valid_loss": valid_loss,
        "initial_valid_loss": initial_valid_loss,
        "train_time": train_time,
        "steps": steps,
        "steps_to_target": steps_to_target if steps_to_target is not None else total_steps,
        "reached_target": steps_to_target is not None,
        "target_error": target_error,
        "epochs": epochs,
        "metric": wl.metric,
        "curve": curve,
        "diverged": diverged,
        "algorithm": algorithm or (config or {}).get("update_rule", "nadamw"),
        "device": device,
    }
