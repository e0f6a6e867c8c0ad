"""The nn family passes the benchmark conformance kit (on its cheapest workload, both task types)."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")


def test_nn_family_conforms() -> None:
    from carps.testing import check_benchmark

    report = check_benchmark("nn", task_ids=["blackbox/nn/cancer_mlp", "multifidelity/nn/cancer_mlp"], n_configs=2)
    assert not report.failed and len(report.passed) >= 20
