"""``carps <command> key=value ...``: dispatch to one command module, print user errors as one line."""

from __future__ import annotations

import importlib
import os
import sys

# name -> (module with main(args) -> int, one-line help); modules load only when their command runs
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("carps.cli.run", "run optimizers on tasks: carps run optimizer=random,optuna/tpe task='blackbox/bbob/*_d2_i1' seed=1,2"),
    "list": ("carps.cli.listing", "list the catalog: carps list tasks [GLOB] | carps list optimizers"),
    "status": ("carps.cli.status", "done / failed / missing runs of an experiment: carps status experiment=NAME"),
    "gather": ("carps.cli.gather", "collect an experiment's trials into Parquet: carps gather experiment=NAME"),
    "report": ("carps.cli.report", "rankings and plots of an experiment: carps report experiment=NAME"),
    "export": ("carps.cli.export", "an experiment in the IOHprofiler format for IOHanalyzer: carps export experiment=NAME format=ioh"),
    "subsets": ("carps.cli.subsets", "representative task subsets: carps subsets recompute experiment=NAME task_type=blackbox"),
    "calibrate": ("carps.cli.calibrate", "cross-workload default for the lrfree/calibrated baseline: carps calibrate experiment=NAME"),
    "data": ("carps.cli.data", "download and check benchmark data: carps data fetch yahpo | carps data status"),
}

USAGE = """usage: carps <command> [key=value ...]

Benchmark hyperparameter optimizers on many tasks, fairly and reproducibly.

commands:
{commands}

Overrides are Hydra-style: key=value, comma lists sweep (seed=1,2,3), globs select tasks (task='blackbox/*').
Run 'carps <command> --help' for the keys a command takes. Docs: docs/cli.md
"""


def usage() -> str:
    width = max(len(n) for n in COMMANDS)
    return USAGE.format(commands="\n".join(f"  {name.ljust(width)}  {text}" for name, (_, text) in COMMANDS.items()))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    if args[0] in ("-V", "--version"):
        from carps import __version__

        print(f"carps {__version__}")
        return 0
    name, rest = args[0], args[1:]
    if name not in COMMANDS:
        import difflib

        close = difflib.get_close_matches(name, COMMANDS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        print(f"carps: unknown command '{name}'{hint}; commands: {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    from carps.core.errors import CarpsError

    try:
        module = importlib.import_module(COMMANDS[name][0])
        return int(module.main(rest) or 0)
    except CarpsError as exc:
        print(f"carps {name}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (carps list tasks | head): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that the interpreter's final flush does not fail again
        return 0
    except Exception as exc:  # an internal error: one line unless the user asks for the traceback
        if os.environ.get("CARPS_DEBUG"):
            raise
        print(f"carps {name}: internal error: {type(exc).__name__}: {exc} (rerun with CARPS_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\ncarps {name}: interrupted; finished runs are on disk, rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
