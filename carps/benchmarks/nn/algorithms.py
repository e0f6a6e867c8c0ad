"""Training algorithms of the nn workloads: tuned AdamW/NadamW and the learning-rate-free methods.

A training algorithm is a torch optimizer plus what its authors prescribe around it: a learning-rate
schedule, iterate averaging (DoG), or a train/eval weight switch (Schedule-Free). :class:`Trainer`
bundles these so the training loop treats every algorithm alike.

Tuned algorithms come from a configuration of the search space (:data:`TUNED_SPACE`); the LR-free
ones are named (:data:`LRFREE`) and run at their packages' documented defaults, optionally with
constructor keyword overrides. torch and the LR-free packages are imported lazily.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from carps.core.errors import CarpsError, require

# name -> (pip package, import path, one-line description); used by docs, errors and the catalog
LRFREE: dict[str, tuple[str, str, str]] = {
    "dog": ("dog-optimizer", "dog.DoG", "DoG (Ivgi et al., 2023): distance over gradients, polynomial-decay iterate averaging (gamma=8)"),
    "prodigy": ("prodigyopt", "prodigyopt.Prodigy", "Prodigy (Mishchenko & Defazio, 2024), lr=1, cosine annealing over the run as its README advises"),
    "dadapt_adam": ("dadaptation", "dadaptation.DAdaptAdam", "D-Adaptation Adam (Defazio & Mishchenko, 2023), lr=1, cosine annealing over the run"),
    "schedulefree_adamw": ("schedulefree", "schedulefree.AdamWScheduleFree", "Schedule-Free AdamW (Defazio et al., 2024), package defaults (lr=0.0025, no warm-up)"),
}

# the documented recipe of each LR-free method: constructor defaults are the package's own
_LRFREE_SCHEDULE = {"dog": "constant", "prodigy": "cosine", "dadapt_adam": "cosine", "schedulefree_adamw": "constant"}
_DOG_AVERAGING_GAMMA = 8.0  # the value the DoG paper and package recommend

UPDATE_RULES = ("adamw", "nadamw")
SCHEDULES = ("cosine", "linear", "constant")


def tuned_space() -> Any:
    """The search space of the tuned baselines, the same for every workload (so configurations transfer).

    >>> space = tuned_space()
    >>> sorted(space.keys())
    ['beta1', 'learning_rate', 'one_minus_beta2', 'schedule', 'update_rule', 'warmup_fraction', 'weight_decay']
    """
    from ConfigSpace import Categorical, ConfigurationSpace, Float

    return ConfigurationSpace(
        {
            "update_rule": Categorical("update_rule", UPDATE_RULES, default="nadamw"),
            "learning_rate": Float("learning_rate", (1e-5, 1e-1), default=1e-3, log=True),
            "weight_decay": Float("weight_decay", (1e-5, 1.0), default=1e-2, log=True),
            "beta1": Float("beta1", (0.5, 0.99), default=0.9),
            "one_minus_beta2": Float("one_minus_beta2", (1e-3, 1e-1), default=1e-3, log=True),
            "warmup_fraction": Float("warmup_fraction", (0.0, 0.2), default=0.05),
            "schedule": Categorical("schedule", SCHEDULES, default="cosine"),
        }
    )


def lr_multiplier(step: int, total_steps: int, warmup_steps: int, schedule: str) -> float:
    """The factor on the base learning rate at ``step`` (0-based): linear warm-up, then the decay.

    >>> [round(lr_multiplier(s, 10, 2, "linear"), 3) for s in (0, 1, 2, 6, 9)]
    [0.5, 1.0, 1.0, 0.5, 0.125]
    """
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    if schedule == "constant":
        return 1.0
    progress = (step - warmup_steps) / max(total_steps - warmup_steps, 1)
    if schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    if schedule == "linear":
        return 1.0 - progress
    raise CarpsError(f"unknown schedule '{schedule}'; choose one of: {', '.join(SCHEDULES)}")


def make_nadamw(params: Any, lr: float, betas: tuple[float, float], eps: float = 1e-8, weight_decay: float = 0.0) -> Any:
    """NadamW: Adam with Nesterov momentum and decoupled weight decay, as in the AlgoPerf baseline.

    Per step ``t``, with gradient ``g``::

        m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
        p = p (1 - lr wd) - lr (b1 m + (1 - b1) g) / (1 - b1^t) / (sqrt(v / (1 - b2^t)) + eps)

    (torch's ``NAdam`` uses Dozat's momentum schedule instead, hence this class.)
    """
    torch = require("torch", extra="nn")

    class NAdamW(torch.optim.Optimizer):
        def __init__(self) -> None:
            super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

        @torch.no_grad()
        def step(self, closure: Callable[[], Any] | None = None) -> None:
            for group in self.param_groups:
                b1, b2 = group["betas"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]
                    if not state:
                        state["step"] = 0
                        state["m"] = torch.zeros_like(p)
                        state["v"] = torch.zeros_like(p)
                    state["step"] += 1
                    t, m, v, g = state["step"], state["m"], state["v"], p.grad
                    m.mul_(b1).add_(g, alpha=1 - b1)
                    v.mul_(b2).addcmul_(g, g, value=1 - b2)
                    p.mul_(1 - group["lr"] * group["weight_decay"])
                    numerator = m.mul(b1).add_(g, alpha=1 - b1)
                    denom = (v / (1 - b2**t)).sqrt_().add_(group["eps"])
                    p.addcdiv_(numerator, denom, value=-group["lr"] / (1 - b1**t))

    return NAdamW()


@dataclass
class Trainer:
    """A torch optimizer with its schedule and evaluation-time weights.

    ``step()`` updates the weights, ``evaluation(model)`` is a context in which the model holds the
    weights to evaluate (averaged ones for DoG, the ``x`` sequence for Schedule-Free).
    """

    optimizer: Any
    scheduler: Any = None
    averager: Any = None
    schedule_free: bool = False
    name: str = ""

    def zero_grad(self) -> None:
        self.optimizer.zero_grad(set_to_none=True)

    def step(self) -> None:
        self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()
        if self.averager is not None:
            self.averager.step()

    def train_mode(self) -> None:
        if self.schedule_free:
            self.optimizer.train()

    @contextmanager
    def evaluation(self, model: Any) -> Iterator[Any]:
        """Yield the module to evaluate, in eval mode; training resumes unchanged afterwards."""
        if self.schedule_free:
            self.optimizer.eval()
        evaluated = self.averager.av_model if self.averager is not None else model
        evaluated.eval()
        try:
            yield evaluated
        finally:
            model.train()
            self.train_mode()


def tuned_trainer(model: Any, config: dict[str, Any], total_steps: int) -> Trainer:
    """AdamW or NadamW from a configuration of :func:`tuned_space`."""
    torch = require("torch", extra="nn")
    rule = config.get("update_rule", "nadamw")
    lr = float(config["learning_rate"])
    betas = (float(config["beta1"]), 1.0 - float(config["one_minus_beta2"]))
    wd = float(config["weight_decay"])
    if rule == "adamw":
        opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=betas, eps=1e-8, weight_decay=wd)
    elif rule == "nadamw":
        opt = make_nadamw(model.parameters(), lr=lr, betas=betas, eps=1e-8, weight_decay=wd)
    else:
        raise CarpsError(f"unknown update_rule '{rule}'; choose one of: {', '.join(UPDATE_RULES)}")
    warmup = int(round(float(config.get("warmup_fraction", 0.0)) * total_steps))
    schedule = str(config.get("schedule", "cosine"))
    lr_multiplier(0, total_steps, warmup, schedule)  # reject an unknown schedule before training
    scheduler = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_multiplier(s, total_steps, warmup, schedule))
    return Trainer(opt, scheduler=scheduler, name=rule)


def lrfree_trainer(model: Any, name: str, total_steps: int, options: dict[str, Any] | None = None) -> Trainer:
    """A learning-rate-free method at its documented defaults; ``options`` override constructor kwargs.

    ``options["schedule"]`` replaces the method's schedule (``constant`` or ``cosine``).
    """
    torch = require("torch", extra="nn")
    if name not in LRFREE:
        raise CarpsError(f"unknown learning-rate-free algorithm '{name}'; choose one of: {', '.join(LRFREE)}")
    package, target, _ = LRFREE[name]
    module_name, _, cls_name = target.rpartition(".")
    try:
        module = __import__(module_name, fromlist=[cls_name])
    except ImportError as exc:
        raise CarpsError(f"'{name}' needs the package {package} ({exc}); install it with: pip install 'carps[nn]'") from exc
    kwargs = dict(options or {})
    schedule = kwargs.pop("schedule", _LRFREE_SCHEDULE[name])
    opt = getattr(module, cls_name)(model.parameters(), **kwargs)
    scheduler = None
    if schedule != "constant":
        scheduler = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_multiplier(s, total_steps, 0, schedule))
    averager = None
    if name == "dog":
        from dog import PolynomialDecayAverager

        averager = PolynomialDecayAverager(model, gamma=_DOG_AVERAGING_GAMMA)
    trainer = Trainer(opt, scheduler=scheduler, averager=averager, schedule_free=name == "schedulefree_adamw", name=name)
    trainer.train_mode()
    return trainer
