"""Training algorithms: NadamW and DoG against their papers' update rules; every LR-free method learns."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from carps.benchmarks.nn.algorithms import LRFREE, lr_multiplier, lrfree_trainer, make_nadamw, tuned_trainer  # noqa: E402
from carps.benchmarks.nn.training import train  # noqa: E402


def _grad(x: np.ndarray) -> np.ndarray:
    # gradient of f(x) = sum(a_i x_i^2) / 2 + sum(sin(x)): non-trivial, deterministic
    a = np.arange(1, len(x) + 1, dtype=np.float64)
    return a * x + np.cos(x)


def _torch_steps(opt_factory, x0: np.ndarray, n: int) -> np.ndarray:
    p = torch.nn.Parameter(torch.tensor(x0, dtype=torch.float64))
    opt = opt_factory([p])
    for _ in range(n):
        opt.zero_grad()
        p.grad = torch.tensor(_grad(p.detach().numpy()), dtype=torch.float64)
        opt.step()
    return p.detach().numpy()


def test_nadamw_follows_its_update_rule() -> None:
    lr, b1, b2, eps, wd = 0.05, 0.8, 0.95, 1e-8, 0.1
    x = np.array([1.0, -2.0, 0.5])
    m, v = np.zeros(3), np.zeros(3)
    expected = x.copy()
    for t in range(1, 6):  # AlgoPerf NadamW written out
        g = _grad(expected)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        expected = expected * (1 - lr * wd)
        m_hat = (b1 * m + (1 - b1) * g) / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        expected = expected - lr * m_hat / (np.sqrt(v_hat) + eps)
    got = _torch_steps(lambda ps: make_nadamw(ps, lr=lr, betas=(b1, b2), eps=eps, weight_decay=wd), x, 5)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_dog_package_follows_the_paper() -> None:
    # Ivgi et al. (2023): r_eps = reps_rel (1 + |x0|), eta_t = max(r_eps, max_i |x_i - x0|) / sqrt(sum_i |g_i|^2)
    dog = pytest.importorskip("dog")
    x0 = np.array([1.0, -2.0, 0.5])
    reps_rel = 1e-3
    x, rbar, gsum = x0.copy(), reps_rel * (1 + np.linalg.norm(x0)), 0.0
    for _ in range(4):
        g = _grad(x)
        rbar = max(rbar, np.linalg.norm(x - x0))
        gsum += float(g @ g)
        x = x - rbar / math.sqrt(gsum) * g
    got = _torch_steps(lambda ps: dog.DoG(ps, reps_rel=reps_rel, eps=0.0), x0, 4)
    np.testing.assert_allclose(got, x, rtol=1e-6)


def test_schedule_multipliers() -> None:
    assert [lr_multiplier(s, 10, 0, "constant") for s in (0, 9)] == [1.0, 1.0]
    assert lr_multiplier(0, 10, 0, "cosine") == 1.0
    assert lr_multiplier(5, 10, 0, "cosine") == pytest.approx(0.5)
    assert lr_multiplier(10, 10, 0, "cosine") == pytest.approx(0.0, abs=1e-12)
    assert lr_multiplier(1, 10, 4, "cosine") == pytest.approx(0.5)  # warm-up: (step + 1) / warmup


def test_tuned_trainer_uses_the_schedule() -> None:
    model = torch.nn.Linear(2, 1)
    cfg = {"update_rule": "adamw", "learning_rate": 0.1, "weight_decay": 0.0, "beta1": 0.9, "one_minus_beta2": 0.01, "warmup_fraction": 0.0, "schedule": "linear"}
    trainer = tuned_trainer(model, cfg, total_steps=4)
    lrs = []
    for _ in range(4):
        lrs.append(trainer.optimizer.param_groups[0]["lr"])
        model(torch.ones(1, 2)).sum().backward()
        trainer.step()
    assert lrs == pytest.approx([0.1, 0.075, 0.05, 0.025])
    assert isinstance(trainer.optimizer, torch.optim.AdamW)


@pytest.mark.parametrize("name", sorted(LRFREE))
def test_each_lrfree_method_improves_the_loss(name: str) -> None:
    # at the workload's full length: DoG's step size starts tiny and needs a few epochs to grow
    out = train("digits_mlp", seed=0, algorithm=name)
    assert out["algorithm"] == name and not out["diverged"]
    # at their defaults they differ a lot (D-Adapt Adam without bias correction overshoots here), but all learn
    assert out["valid_loss"] < 0.7 * out["initial_valid_loss"], out
    assert out["valid_metric"] > 0.3  # well above chance (0.1)


def test_lrfree_evaluation_weights_are_the_prescribed_ones() -> None:
    model = torch.nn.Linear(3, 1)
    dog_trainer = lrfree_trainer(model, "dog", total_steps=10)
    with dog_trainer.evaluation(model) as evaluated:
        assert evaluated is dog_trainer.averager.av_model  # DoG: iterate averaging
    sf = lrfree_trainer(model, "schedulefree_adamw", total_steps=10)
    assert sf.optimizer.param_groups[0]["train_mode"]
    with sf.evaluation(model):
        assert not sf.optimizer.param_groups[0]["train_mode"]  # Schedule-Free: evaluate at x
    assert sf.optimizer.param_groups[0]["train_mode"]


def test_unknown_algorithm_is_a_clear_error() -> None:
    with pytest.raises(Exception, match="unknown learning-rate-free algorithm 'adam'"):
        lrfree_trainer(torch.nn.Linear(1, 1), "adam", total_steps=1)
