"""The launcher interface: the one way the rest of carps hands runs to whatever executes them.

A launcher is a class built from a plain options object (a dataclass of settings, which the CLI fills
from ``key=value`` overrides) with two methods: :meth:`Launcher.launch` executes runs (finished ones
are skipped, partial ones resumed from their ``trials.jsonl``) and :meth:`Launcher.in_flight` says
which runs a scheduler holds right now (for ``carps status`` and so that a rerun does not submit them
twice). ``local``, ``ray`` and ``slurm`` are built in; an installed package adds one through an entry
point in the group ``carps.launchers`` whose object is the launcher class.

>>> from carps.launch.launcher import get_launcher
>>> cls = get_launcher("local")
>>> cls.name, cls.options_type.__name__
('local', 'LocalOptions')
>>> cls(cls.options_type(n_jobs=2)).options.n_jobs
2
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Mapping, Protocol, Sequence, runtime_checkable

from carps.core.errors import CarpsError, UnknownNameError

if TYPE_CHECKING:
    from carps.launch.execute import RunOutcome
    from carps.launch.plan import RunSpec
    from carps.launch.progress import RunProgress

ENTRY_POINT_GROUP = "carps.launchers"
# name -> "module:Class"; imported only when asked for, so `carps run` loads the one it uses
BUILTIN: dict[str, str] = {
    "local": "carps.launch.local:LocalLauncher",
    "ray": "carps.launch.ray_launcher:RayLauncher",
    "slurm": "carps.launch.slurm:SlurmLauncher",
}
PENDING, RUNNING = "pending", "running"

#: what identifies a run within an experiment: (task, optimizer, seed), as :func:`carps.launch.execute.run_key`
RunKey = tuple[str, str, int]


@dataclass(frozen=True)
class InFlight:
    """A run that a scheduler holds and that has not finished.

    ``state`` is ``pending`` (queued, or waiting behind other runs of its job) or ``running``;
    ``job`` is the scheduler's id of what holds it (a Slurm array task such as ``1234_5``).
    """

    state: str
    job: str


@runtime_checkable
class Launcher(Protocol):
    """What executes runs. Implementations: ``local``, ``ray``, ``slurm`` and plugins.

    ``options_type`` is a dataclass of plain settings (numbers, strings, booleans, and ``dict`` fields
    for pass-through options); the CLI builds one from ``launcher.<field>=value`` overrides (and from
    the shared keys ``n_jobs``, ``max_retries``, ``wait``, ``resources.*`` for fields of those names)
    and the launcher is constructed from it.
    """

    name: ClassVar[str]
    options_type: ClassVar[type]
    options: Any

    def launch(self, runs: Sequence[RunSpec], experiment_dir: Path, progress: RunProgress) -> list[RunOutcome]:
        """Execute the runs not done yet; report each finished run to ``progress`` and return the outcomes.

        A launcher that submits and returns before runs finish (Slurm with ``wait=false``) tells
        ``progress`` how many it left in flight (:meth:`RunProgress.left_in_flight`).
        """
        ...

    def in_flight(self, experiment_dir: Path) -> Mapping[RunKey, InFlight]:
        """Runs of the experiment that this launcher's scheduler holds now; empty when it holds none."""
        ...


def _load(name: str, value: str) -> type:
    import importlib

    module, _, attr = value.partition(":")
    try:
        obj = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise CarpsError(f"launcher '{name}' ({value}) failed to load: {exc}") from exc
    missing = [a for a in ("name", "options_type", "launch", "in_flight") if not hasattr(obj, a)]
    if missing:
        raise CarpsError(f"launcher '{name}' ({value}) is not a carps launcher: it has no {', '.join(missing)} (see docs/scaling.md, launcher plugins)")
    return obj


def _plugins() -> dict[str, str]:
    from importlib.metadata import entry_points

    found = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in BUILTIN:
            raise CarpsError(f"plugin launcher '{ep.name}' ({ep.value}) takes the name of a built-in launcher; give it another name")
        found[ep.name] = ep.value
    return found


def launcher_names() -> list[str]:
    """The built-in launchers, then those installed plugins add."""
    return [*BUILTIN, *sorted(_plugins())]


def get_launcher(name: str) -> type:
    """The launcher class called ``name`` (``local``, ``ray``, ``slurm`` or a plugin's)."""
    if name in BUILTIN:  # no scan of every installed package's entry points for the built-ins
        return _load(name, BUILTIN[name])
    plugins = _plugins()
    if name not in plugins:
        import difflib

        names = [*BUILTIN, *sorted(plugins)]
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise UnknownNameError(f"unknown launcher '{name}'{hint}; launchers: {', '.join(names)}")
    return _load(name, plugins[name])


def launchers_holding(experiment_dir: Path) -> dict[RunKey, InFlight]:
    """Every launcher's :meth:`~Launcher.in_flight` for the experiment, merged (for ``carps status``).

    Each launcher looks for its own trace in the experiment folder and answers at once when there is
    none, so the status of a local experiment asks no scheduler anything.
    """
    held: dict[RunKey, InFlight] = {}
    for name in launcher_names():
        cls = get_launcher(name)
        held.update(cls(cls.options_type()).in_flight(Path(experiment_dir)))
    return held
