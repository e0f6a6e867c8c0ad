"""Load step: an experiment's run folders -> two tidy tables (and Parquet files).

``trials`` has one row per trial::

    experiment, task_id, task_type, family, optimizer, seed, trial, status, feasible, fidelity,
    budget_used, budget_fraction, wall_time, started_at, cost_0, cost_1, ...

``cost_i`` is objective ``i`` in minimization form (maximized objectives negated), NaN when the
trial failed. ``feasible`` is True for a successful trial that meets its task's constraints (every
successful trial of an unconstrained task, or of a schema 1 run), False otherwise. ``budget_fraction`` is ``budget_used`` over the run's budget (``n_trials``, counted
in full-fidelity evaluations), so it runs from ~0 to 1 on every task type. ``runs`` has one row per
run with its status, timings and the task's objective specification (names, directions, known
bounds, constraint names) that normalization and the report need.

Reading is fast and exact: all ``trials.jsonl`` files of an experiment are read in a thread pool,
joined into large buffers and parsed by Arrow's multi-threaded JSON reader with an explicit schema
(the ``config`` of each trial is skipped). Whenever Arrow cannot take a buffer the plain ``json``
reader of :mod:`carps.core.records` takes over, so the result never depends on the fast path.

>>> import tempfile
>>> from carps.analysis.gather import gather
>>> gather(tempfile.mkdtemp())  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
carps.core.errors.CarpsError: experiment folder ... holds no runs yet
"""

from __future__ import annotations

import fnmatch
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterable, Sequence

from carps.core.errors import CarpsError
from carps.core.parallel import worker_label
from carps.core.records import RUN_FILE, TRIALS_FILE

TRIALS_PARQUET = "trials.parquet"
RUNS_PARQUET = "runs.parquet"
CATEGORIES = ("experiment", "task_id", "task_type", "family", "optimizer", "status")
MULTI_OBJECTIVE_TYPES = ("multiobjective", "momf")
_CHUNK_BYTES = 64 << 20  # Arrow parses buffers of this size; bounds the memory held as raw text
_BATCH = 64  # run folders per reading task
_SIM_COLUMNS = ("sim_start", "sim_end", "worker")  # parallel runs' clock (carps.core.parallel)


def experiment_dir(experiment: str, results_dir: str | Path = "results") -> Path:
    """The folder of an experiment; a clear error if it does not exist."""
    path = Path(results_dir) / experiment
    if not path.is_dir():
        known = sorted(p.name for p in Path(results_dir).iterdir() if p.is_dir()) if Path(results_dir).is_dir() else []
        raise CarpsError(f"no experiment '{experiment}' in {Path(results_dir).resolve()} (found: {', '.join(known) or 'none'}); run one with: carps run experiment={experiment} ...")
    return path


def iter_run_files(exp_dir: Path) -> Iterable[Path]:
    """Every ``run.json`` below ``exp_dir``, in a stable (sorted) order.

    The order and the folders visited are those of ``os.walk`` with sorted folder names (symbolic
    links to folders are not followed), from one ``scandir`` per folder: os.walk also calls ``lstat``
    on every folder, which took half of the walk over 10,000 run folders.
    """
    stack = [os.fspath(exp_dir)]
    while stack:
        root = stack.pop()
        dirs = []
        has_run = False
        try:
            with os.scandir(root) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        dirs.append(entry.name)
                    elif entry.name == RUN_FILE and not entry.is_dir():  # as os.walk: a link to a folder is no file
                        has_run = True
        except OSError:  # unreadable or vanished folder: os.walk skips it too
            continue
        if has_run:
            yield Path(root) / RUN_FILE
        stack.extend(os.path.join(root, d) for d in sorted(dirs, reverse=True))  # popped in sorted order


try:
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - orjson is a core dependency
    _fast_loads = json.loads


def _read_json(path: Path) -> dict[str, Any]:
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        return _fast_loads(data)
    except ValueError:  # e.g. NaN written by the json module, which orjson rejects
        return json.loads(data)


def _read_trials(folder: Path) -> bytes:
    try:
        with open(folder / TRIALS_FILE, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return b""
    data = data[: data.rfind(b"\n") + 1]  # a torn last line (killed mid-write) is not a trial
    if b"\n\n" in data or data.startswith(b"\n") or b"\r" in data:
        data = b"".join(line + b"\n" for line in data.splitlines() if line.strip())
    return data


def _read_json_batch(paths: list[Path]) -> list[dict[str, Any]]:
    return [_read_json(p) for p in paths]


def _read_trials_batch(run_files: list[Path]) -> tuple[bytes, list[int]]:
    """The trials of several runs as one buffer, and the number of records of each."""
    datas = [_read_trials(f.parent) for f in run_files]
    return b"".join(datas), [d.count(b"\n") for d in datas]


def _run_row(run: dict[str, Any], experiment: str) -> dict[str, Any]:
    spec = run["run"]
    task = run.get("task") or {}
    ttype, family = spec["task"].split("/")[:2]
    budget = (run.get("budget") or {}).get("n_trials") or spec.get("n_trials") or (task.get("budget") or {}).get("n_trials")
    summary = run.get("summary") or {}
    timings = run.get("timings") or {}
    return {
        "experiment": experiment,
        "task_id": spec["task"],
        "task_type": ttype,
        "family": family,
        # a run on k workers is its own contestant: "<optimizer>@<k>w"
        "optimizer": worker_label(spec["optimizer"], spec.get("n_workers")),
        "base_optimizer": spec["optimizer"],
        "n_workers": float("nan") if spec.get("n_workers") is None else int(spec["n_workers"]),
        "time_budget": spec.get("time_budget"),
        "sim_time": summary.get("sim_time"),
        "seed": int(spec["seed"]),
        "status": run["status"],
        "n_trials": summary.get("n_trials", 0),
        "budget": float(budget) if budget is not None else float("nan"),
        "budget_used": summary.get("budget_used"),
        "stop_reason": summary.get("stop_reason"),
        "objectives": json.dumps(task.get("objectives") or []),
        "fidelity": json.dumps(task.get("fidelity")),
        "n_constraints": len(task.get("constraints") or []),
        "wall_time": timings.get("wall_time"),
        "optimizer_time": timings.get("optimizer_time"),
        "overhead_time": timings.get("overhead_time"),
        "error": run.get("error"),
    }


def _parse_arrow(buf: bytes, names: list[str], n_lines: int) -> dict[str, Any] | None:
    """Parse one JSON-lines buffer with Arrow; None if Arrow refuses it (the caller falls back to ``json``)."""
    import io

    import pyarrow as pa
    import pyarrow.json as paj

    schema = pa.schema(
        [
            ("trial", pa.int64()),
            ("fidelity", pa.float64()),
            ("status", pa.string()),
            ("budget_used", pa.float64()),
            ("started_at", pa.float64()),
            ("wall_time", pa.float64()),
            ("sim_start", pa.float64()),
            ("sim_end", pa.float64()),
            ("worker", pa.float64()),
            ("feasible", pa.bool_()),  # absent (null) on unconstrained tasks and schema 1 records
            ("objectives", pa.struct([(n, pa.float64()) for n in names])),
        ]
    )
    if not buf:
        return None
    if b"NaN" in buf or b"Infinity" in buf:
        # Python writes non-finite objectives of invalid trials as bare NaN/Infinity, which is not
        # JSON. Such trials get NaN costs anyway, and the other fields read here are never
        # non-finite, so turning the tokens into null changes nothing that is read.
        buf = buf.replace(b":NaN", b":null").replace(b":-Infinity", b":null").replace(b":Infinity", b":null")
    try:
        parse = paj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
        table = paj.read_json(io.BytesIO(buf), read_options=paj.ReadOptions(block_size=8 << 20), parse_options=parse)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    return _columns(table) if table.num_rows == n_lines else None


def _parse_chunk(buf: bytes, names: list[str], n_lines: int) -> dict[str, Any]:
    """Columns of one buffer: Arrow when it takes the buffer, else the standard ``json`` reader."""
    cols = _parse_arrow(buf, names, n_lines)
    return cols if cols is not None else _parse_python(buf, names)


def _parse_python(text: bytes, names: list[str]) -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    cols: dict[str, list[Any]] = {k: [] for k in ("trial", "fidelity", "status", "budget_used", "started_at", "wall_time", "feasible", *_SIM_COLUMNS)}
    objs: dict[str, list[float]] = {n: [] for n in names}
    for rec in (json.loads(line) for line in text.splitlines() if line.strip()):  # json: accepts NaN
        for k in cols:
            cols[k].append(rec.get(k))
        values = rec.get("objectives") or {}
        for n in names:
            v = values.get(n)
            objs[n].append(np.nan if v is None else float(v))
    out = {k: np.asarray(v, dtype=float) for k, v in cols.items() if k not in ("status", "trial", "feasible")}
    out["trial"] = np.asarray(cols["trial"], dtype=np.int64)
    out["infeasible"] = np.asarray([f is False for f in cols["feasible"]], dtype=bool)
    out["status"] = pd.Categorical(cols["status"])
    out["objectives"] = {n: np.asarray(v, dtype=float) for n, v in objs.items()}
    return out


def _concat_columns(parts: list[dict[str, Any]], names: list[str]) -> dict[str, Any]:
    import numpy as np
    from pandas.api.types import union_categoricals

    if not parts:
        parts = [_parse_python(b"", names)]

    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0] if k not in ("objectives", "status")}
    out["status"] = union_categoricals([p["status"] for p in parts])
    out["objectives"] = {n: np.concatenate([p["objectives"][n] for p in parts]) for n in names}
    return out


def _columns(table: Any) -> dict[str, Any]:
    import numpy as np
    import pandas as pd
    import pyarrow.compute as pc

    out = {k: table.column(k).to_numpy(zero_copy_only=False) for k in ("trial", "fidelity", "budget_used", "started_at", "wall_time", *_SIM_COLUMNS)}
    for k in ("fidelity", *_SIM_COLUMNS):
        out[k] = np.asarray(out[k], dtype=float)
    # only an explicit false marks a trial infeasible; null (no constraints, schema 1) does not
    out["infeasible"] = np.asarray(pc.fill_null(pc.invert(table.column("feasible")), False).to_numpy(zero_copy_only=False), dtype=bool)
    # dictionary-encode in Arrow: a million status strings never become Python objects
    status = pc.dictionary_encode(table.column("status")).combine_chunks()
    codes = status.indices.to_numpy(zero_copy_only=False)
    codes = np.where(np.isnan(codes), -1, codes).astype(np.int64) if codes.dtype.kind == "f" else codes.astype(np.int64)
    out["status"] = pd.Categorical.from_codes(codes, [str(v) for v in status.dictionary.to_pylist()])
    struct = table.column("objectives").combine_chunks()
    out["objectives"] = {struct.type.field(i).name: np.asarray(struct.field(i).to_numpy(zero_copy_only=False), dtype=float) for i in range(struct.type.num_fields)}
    return out


def gather(exp_dir: str | Path, experiment: str | None = None, threads: int | None = None) -> tuple[Any, Any]:
    """Read every run of an experiment folder into ``(trials, runs)`` pandas DataFrames.

    ``experiment`` names the rows (default: the folder name); ``threads`` bounds the reader pool.
    """
    import numpy as np
    import pandas as pd

    exp_dir = Path(exp_dir)
    experiment = experiment or exp_dir.name
    run_files = list(iter_run_files(exp_dir))
    if not run_files:
        raise CarpsError(f"experiment folder {exp_dir} holds no runs yet")
    workers = threads or min(8, (os.cpu_count() or 2) * 2)
    # files go to the pool in batches: one future per file would cost more than reading it
    batches = [run_files[i : i + _BATCH] for i in range(0, len(run_files), _BATCH)]
    with ThreadPoolExecutor(max_workers=workers) as pool, ThreadPoolExecutor(max_workers=1) as parser:
        loaded = [run for batch in pool.map(_read_json_batch, batches) for run in batch]
        run_rows = [_run_row(run, experiment) for run in loaded]
        # objective names per run, in the task's order (the parse schema needs all of them up front)
        specs = [(run.get("task") or {}).get("objectives") or [] for run in loaded]
        del loaded
        names = sorted({o["name"] for spec in specs for o in spec})
        # the pool reads trials files while Arrow (with its own threads) parses the previous buffer
        counts_parts: list[list[int]] = []
        pending: list[Any] = []
        current: list[bytes] = []
        size = lines = 0
        for data, batch_counts in pool.map(_read_trials_batch, batches):
            counts_parts.append(batch_counts)
            current.append(data)
            size += len(data)
            lines += sum(batch_counts)
            if size >= _CHUNK_BYTES:
                pending.append(parser.submit(_parse_chunk, b"".join(current), names, lines))
                current, size, lines = [], 0, 0
        if current:
            pending.append(parser.submit(_parse_chunk, b"".join(current), names, lines))
        del current
        parts = [future.result() for future in pending]
        del pending
    counts = np.fromiter((c for part in counts_parts for c in part), dtype=np.int64, count=len(run_files))
    n_obj = max([len(s) for s in specs] + [1])
    cols = _concat_columns(parts, names)
    del parts
    runs = pd.DataFrame(run_rows)

    n = int(counts.sum())
    ridx = np.repeat(np.arange(len(run_rows), dtype=np.int64), counts)
    trials = pd.DataFrame({"experiment": pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [experiment])})
    for col in ("task_id", "task_type", "family", "optimizer"):
        codes, cats = pd.factorize(runs[col], sort=True)
        trials[col] = pd.Categorical.from_codes(codes[ridx], cats)
    trials["seed"] = runs["seed"].to_numpy(dtype=np.int64)[ridx]
    trials["trial"] = cols["trial"]
    status = cols["status"]
    trials["status"] = status.reorder_categories(sorted(status.categories))
    ok = np.asarray(status == "ok", dtype=bool)
    trials["feasible"] = ok & ~cols["infeasible"]
    trials["fidelity"] = cols["fidelity"]
    trials["budget_used"] = cols["budget_used"]
    trials["budget_fraction"] = cols["budget_used"] / runs["budget"].to_numpy(dtype=float)[ridx]
    trials["wall_time"] = cols["wall_time"]
    trials["started_at"] = cols["started_at"]
    for col in _SIM_COLUMNS:  # NaN for sequential runs
        trials[col] = cols[col]
    for i in range(n_obj):
        # the i-th objective of each run, in minimization form
        name_of = [spec[i]["name"] if len(spec) > i else None for spec in specs]
        sign_of = np.array([(1.0 if spec[i].get("minimize", True) else -1.0) if len(spec) > i else np.nan for spec in specs])
        cost = np.full(n, np.nan)
        name_codes, name_cats = pd.factorize(pd.Series(name_of, dtype=object))
        row_codes = name_codes[ridx]
        for code, name in enumerate(name_cats):
            rows = row_codes == code
            cost[rows] = cols["objectives"][name][rows]
        cost *= sign_of[ridx]
        cost[~ok] = np.nan
        trials[f"cost_{i}"] = cost
    for col in ("experiment", "task_id", "task_type", "family", "optimizer", "status"):
        runs[col] = runs[col].astype("category")
    return trials, runs


def gather_to_parquet(exp_dir: str | Path, out_dir: str | Path | None = None) -> tuple[Path, Path]:
    """Write ``trials.parquet`` and ``runs.parquet`` for an experiment; returns their paths."""
    trials, runs = gather(exp_dir)
    out = Path(out_dir) if out_dir else Path(exp_dir)
    out.mkdir(parents=True, exist_ok=True)
    trials.to_parquet(out / TRIALS_PARQUET, index=False)
    runs.to_parquet(out / RUNS_PARQUET, index=False)
    return out / TRIALS_PARQUET, out / RUNS_PARQUET


def _is_stale(folder: Path) -> bool:
    """Parquet files older than the newest run.json (e.g. runs added or resumed since) are stale."""
    parquet = folder / TRIALS_PARQUET
    if not parquet.exists() or not (folder / RUNS_PARQUET).exists():
        return True
    stamp = parquet.stat().st_mtime
    return any(f.stat().st_mtime > stamp for f in iter_run_files(folder))


def load_experiment(path: str | Path, refresh: bool | None = None) -> tuple[Any, Any]:
    """One experiment's ``(trials, runs)``: from its Parquet files, gathered first when missing or stale.

    ``path`` is an experiment folder (or a folder holding only the two Parquet files). ``refresh``
    forces (True) or skips (False) re-gathering; by default it happens when Parquet is stale.
    """
    import pandas as pd

    folder = Path(path)
    has_runs = any(True for _ in iter_run_files(folder)) if refresh is None else refresh
    if refresh or (refresh is None and has_runs and _is_stale(folder)):
        trials, runs = gather(folder)
        try:
            trials.to_parquet(folder / TRIALS_PARQUET, index=False)
            runs.to_parquet(folder / RUNS_PARQUET, index=False)
        except OSError:  # a read-only results folder: analyse without caching
            pass
        return trials, runs
    if not (folder / TRIALS_PARQUET).exists():
        raise CarpsError(f"{folder} holds neither runs nor {TRIALS_PARQUET}; pass an experiment folder (results/<experiment>)")
    return pd.read_parquet(folder / TRIALS_PARQUET), pd.read_parquet(folder / RUNS_PARQUET)


def combine(tables: Sequence[tuple[Any, Any]]) -> tuple[Any, Any]:
    """Stack several experiments' ``(trials, runs)`` into one pair (categories unified, costs padded)."""
    import pandas as pd
    from pandas.api.types import union_categoricals

    if len(tables) == 1:
        return tables[0]
    out = []
    for part in (0, 1):
        frames = [t[part] for t in tables]
        columns = list(dict.fromkeys(c for f in frames for c in f.columns))
        cats = {c: union_categoricals([f[c].astype("category") for f in frames if c in f.columns]).categories for c in CATEGORIES if c in columns}
        aligned = []
        for f in frames:
            f = f.reindex(columns=columns)
            for c, cat in cats.items():
                f[c] = pd.Categorical(f[c].astype(object), categories=cat)
            aligned.append(f)
        out.append(pd.concat(aligned, ignore_index=True))
    return out[0], out[1]


def load_experiments(paths: Iterable[str | Path]) -> tuple[Any, Any]:
    """Combine several experiments (e.g. a new optimizer's runs and shipped baselines) into one pair of tables.

    Normalization bounds and ranks are then computed over all of them together.
    """
    return combine([load_experiment(p) for p in paths])


def _expand_subsets(globs: list[str]) -> list[str]:
    """Replace ``subset/<type>/<name>`` patterns by the task ids of the shipped subsets they name."""
    from carps.core.registry import get_registry

    out: list[str] = []
    for g in globs:
        out.extend(get_registry().subset_tasks(g) if str(g).startswith("subset/") else [g])
    return out


def select(trials: Any, runs: Any, task: str | Sequence[str] | None = None, optimizer: str | Sequence[str] | None = None) -> tuple[Any, Any]:
    """Keep the rows whose task id / optimizer id match a glob (or any glob of a list).

    A task pattern may also name a shipped subset (``subset/blackbox/k10_dev``).

    >>> import pandas as pd
    >>> t = pd.DataFrame({"task_id": ["blackbox/bbob/f01_d2_i1", "multiobjective/pymoo/zdt1"], "optimizer": ["random", "random"]})
    >>> select(t, t, task="blackbox/*")[0]["task_id"].tolist()
    ['blackbox/bbob/f01_d2_i1']
    """

    def mask(frame: Any, col: str, globs: Any) -> Any:
        if globs is None:
            return None
        globs = [globs] if isinstance(globs, str) else list(globs)
        if col == "task_id" and any(str(g).startswith("subset/") for g in globs):
            globs = _expand_subsets(globs)
        values = frame[col].astype("category").cat.categories
        keep = [v for v in values if any(fnmatch.fnmatchcase(str(v), g) for g in globs)]
        return frame[col].isin(keep).to_numpy()

    for col, globs in (("task_id", task), ("optimizer", optimizer)):
        m_t, m_r = mask(trials, col, globs), mask(runs, col, globs)
        if m_t is not None:
            if not m_r.any():
                known = sorted(map(str, runs[col].unique()))[:8]
                raise CarpsError(f"no {col.replace('_id', '')} matches {globs!r}; known: {', '.join(known)}{' ...' if runs[col].nunique() > 8 else ''}")
            trials, runs = trials[m_t], runs[m_r]
    for frame in (trials, runs):
        for col in CATEGORIES:
            if col in frame.columns and hasattr(frame[col], "cat"):
                frame[col] = frame[col].cat.remove_unused_categories()
    return trials.reset_index(drop=True), runs.reset_index(drop=True)
