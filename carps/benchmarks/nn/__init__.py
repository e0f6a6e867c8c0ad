"""Neural-network training workloads (torch) as tasks, and the training algorithms they run.

>>> from carps.benchmarks.nn import NNBenchmark
>>> "multifidelity/nn/digits_mlp" in NNBenchmark().task_ids()
True

Modules: :mod:`~carps.benchmarks.nn.workloads` (data and models), :mod:`~carps.benchmarks.nn.algorithms`
(AdamW/NadamW and the learning-rate-free methods), :mod:`~carps.benchmarks.nn.training` (the loop),
:mod:`~carps.benchmarks.nn.family` (tasks). torch is imported only when a task is built or run.
"""

from carps.benchmarks.nn.family import NNBenchmark, make_nn_task

__all__ = ["NNBenchmark", "make_nn_task"]
