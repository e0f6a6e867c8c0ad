"""The local launcher: runs in this process (``n_jobs=1``) or in a process pool."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Sequence

from carps.launch.execute import RunOutcome, run_to_folder
from carps.launch.plan import RunSpec
from carps.launch.progress import RunProgress


def launch_local(runs: Sequence[RunSpec], experiment_dir: Path, n_jobs: int = 1, progress: RunProgress | None = None) -> list[RunOutcome]:
    """Execute ``runs``; each worker writes its run's folder itself. Finished runs are skipped."""
    progress = progress or RunProgress(len(runs), enabled=False)
    outcomes: list[RunOutcome] = []
    if n_jobs <= 1 or len(runs) <= 1:
        for spec in runs:
            outcome = run_to_folder(spec, experiment_dir)
            progress.update(outcome)
            outcomes.append(outcome)
        return outcomes
    # forkserver: workers start clean (no inherited threads or locks) yet cheaply
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["carps.launch.execute"])
    with ProcessPoolExecutor(max_workers=n_jobs, mp_context=context) as pool:
        pending: set[Future[RunOutcome]] = set()
        queue = list(reversed(runs))
        try:
            while queue or pending:
                # keep a bounded window in flight so memory stays flat for huge experiments
                while queue and len(pending) < 4 * n_jobs:
                    pending.add(pool.submit(run_to_folder, queue.pop(), experiment_dir))
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    outcome = future.result()
                    progress.update(outcome)
                    outcomes.append(outcome)
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return outcomes
