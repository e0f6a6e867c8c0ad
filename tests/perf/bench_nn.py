"""Cost of one evaluation of each nn workload, per device: training time, time per step, the metric.

    python tests/perf/bench_nn.py                       # CPU, default NadamW configuration
    python tests/perf/bench_nn.py --device cpu,cuda --lrfree --repeat 2

Each figure is the median over ``--repeat`` runs after one warm-up run per workload and device (the
warm-up pays for data loading, CUDA context and kernel selection). CPU runs use one thread, as
the benchmark does by default.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from carps.benchmarks.nn.algorithms import LRFREE, tuned_space  # noqa: E402
from carps.benchmarks.nn.training import train  # noqa: E402
from carps.benchmarks.nn.workloads import WORKLOADS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cpu", help="comma list: cpu,cuda")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--lrfree", action="store_true", help="also time every LR-free algorithm")
    args = parser.parse_args()
    import torch

    print(f"torch {torch.__version__}; cuda available: {torch.cuda.is_available()}" + (f" ({torch.cuda.get_device_name(0)})" if torch.cuda.is_available() else ""))
    config = dict(tuned_space().get_default_configuration(), learning_rate=1e-2)
    algorithms: list[str | None] = [None] + (list(LRFREE) if args.lrfree else [])
    print(f"{'device':6} {'workload':14} {'algorithm':18} {'steps':>6} {'train s':>8} {'ms/step':>8} {'wall s':>7} {'valid':>7} {'target':>6}")
    totals: dict[str, float] = {}
    for device in args.device.split(","):
        for name in args.workloads.split(","):
            for algorithm in algorithms:
                kwargs = dict(config=config if algorithm is None else None, seed=0, device=device, algorithm=algorithm)
                train(name, epochs=1, **kwargs)  # warm-up
                walls, trains = [], []
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    out = train(name, **kwargs)
                    walls.append(time.perf_counter() - t0)
                    trains.append(out["train_time"])
                wall, tt = statistics.median(walls), statistics.median(trains)
                totals[device] = totals.get(device, 0.0) + wall
                label = algorithm or "nadamw lr=1e-2"
                print(f"{device:6} {name:14} {label:18} {out['steps']:>6} {tt:>8.2f} {1000 * tt / out['steps']:>8.2f} {wall:>7.2f} {out['valid_metric']:>7.3f} {'yes' if out['reached_target'] else 'no':>6}", flush=True)
    for device, total in totals.items():
        print(f"total wall time on {device}: {total:.1f} s")


if __name__ == "__main__":
    main()
