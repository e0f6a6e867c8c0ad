"""``carps data fetch / status``: download from a local HTTP server, verify, install atomically; refuse
runs whose data is missing.

The server runs on 127.0.0.1 in a thread and serves archives built here: from the real YAHPO files
next to the checkout (the files of the shipped manifest, under ``yahpo_data-1.0.2/`` as in the
release archive), and from a small fake data set with a manifest made by the test.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import subprocess
import threading
import zipfile
from pathlib import Path

import pytest

from carps.benchmarks.data_store import DATASETS, MARKER, DataSet, build_manifest, fetch, install_dir, status, verify
from carps.core.errors import CarpsError
from tests.conftest import carps_cmd

YAHPO = DATASETS["yahpo"]
TOP = "yahpo_data-1.0.2"
#: the real files to serve, from the test configuration's setting (tests/conftest.py points it at
#: ../shared/data/yahpo when that is next to the checkout); read at import, before tests unset it
REAL_YAHPO = Path(os.environ.get("CARPS_YAHPO_DATA") or "/nonexistent-yahpo-data")


# a local server ---------------------------------------------------------------
class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files; ``/short/<name>`` announces the file's full length but sends only half of it."""

    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/short/"):
            data = (Path(self.directory) / self.path[len("/short/"):]).read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "application/zip")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def www(tmp_path_factory) -> tuple[str, Path]:
    root = tmp_path_factory.mktemp("www")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


def _zip(path: Path, top: str, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(f"{top}/", b"")
        for rel, data in sorted(files.items()):
            zf.writestr(f"{top}/{rel}", data)
    return path


def _tree(folder: Path) -> list[str]:
    """Every file and folder below ``folder`` (relative, sorted): what a failed fetch must not leave."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) if folder.exists() else []


# archives of the real data ----------------------------------------------------
@pytest.fixture(scope="module")
def real_archives(www) -> dict[str, str]:
    """URLs of: the real manifest files (good), that archive cut in half, and one with a flipped byte."""
    missing = [rel for rel in YAHPO.files() if not (REAL_YAHPO / rel).is_file()]
    if missing:
        pytest.skip(f"these tests serve the real YAHPO files from a local server: set CARPS_YAHPO_DATA to a copy ({REAL_YAHPO}: {missing[0]} missing)")
    base, root = www
    files = {rel: (REAL_YAHPO / rel).read_bytes() for rel in YAHPO.files()}
    files["README.md"] = b"a file the manifest does not list is unpacked too\n"
    good = _zip(root / "yahpo-good.zip", TOP, files)
    (root / "yahpo-truncated.zip").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    data = bytearray(files["lcbench/encoding.json"])
    data[len(data) // 2] ^= 0x01  # same size, other bytes: only the digest can tell
    _zip(root / "yahpo-corrupted.zip", TOP, {**files, "lcbench/encoding.json": bytes(data)})
    return {k: f"{base}/yahpo-{k}.zip" for k in ("good", "truncated", "corrupted")}


@pytest.fixture
def env(cli_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """The CLI's environment with no YAHPO setting and an empty cache of its own."""
    cli_env.pop("CARPS_YAHPO_DATA", None)
    cli_env["CARPS_CACHE_DIR"] = str(tmp_path / "cache")
    return cli_env


def carps(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([*carps_cmd(), *args], env=env, capture_output=True, text=True, timeout=timeout)


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_fetch_installs_the_real_data_where_status_and_the_loader_find_it(real_archives, env, tmp_path, monkeypatch):
    cache = Path(env["CARPS_CACHE_DIR"])
    done = carps("data", "fetch", "yahpo", f"url={real_archives['good']}", env=env)
    assert done.returncode == 0, done.stderr
    target = cache / "yahpo" / "1.0.2"
    assert f"verified {len(YAHPO.files())} files, installed in {target}" in done.stdout
    # exactly the archive's files, unpacked without its top folder, plus the marker; nothing else in the cache
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) == sorted([*YAHPO.files(), "README.md", MARKER])
    assert _tree(cache / "yahpo") == sorted({"1.0.2", *(f"1.0.2/{p}" for p in _tree(target))})
    assert json.loads((target / MARKER).read_text())["url"] == real_archives["good"]

    shown = carps("data", "status", env=env)
    assert shown.returncode == 0, shown.stderr
    row = next(line for line in shown.stdout.splitlines() if line.startswith("yahpo "))
    assert row.split() == ["yahpo", str(target), "cache", "1.0.2", "verified"]

    again = carps("data", "fetch", "yahpo", f"url={real_archives['good']}", env=env)
    assert again.returncode == 0 and "already installed" in again.stdout and "nothing to do" in again.stdout

    # the loader finds the fetched copy with CARPS_YAHPO_DATA unset, and a yahpo task runs
    monkeypatch.delenv("CARPS_YAHPO_DATA", raising=False)
    monkeypatch.setenv("CARPS_CACHE_DIR", str(cache))
    from carps.benchmarks.yahpo import make_yahpo_task, yahpo_data_dir
    from carps.core.types import TaskType

    assert yahpo_data_dir() == target
    task = make_yahpo_task("lcbench", "3945", TaskType.BLACKBOX)
    assert 0 <= task.evaluate(dict(task.space.get_default_configuration())).objectives[0] <= 100
    run = carps("run", "optimizer=random", "task=blackbox/yahpo/lcbench_3945", "n_trials=2", "quiet=true", env=env)
    assert run.returncode == 0, run.stderr
    assert (Path(env["CARPS_RESULTS_DIR"]) / "default/blackbox/yahpo/lcbench_3945/random/seed_1/trials.jsonl").is_file()

    # CARPS_YAHPO_DATA still wins over the cache, and status says so
    elsewhere = {**env, "CARPS_YAHPO_DATA": str(REAL_YAHPO)}
    shown = carps("data", "status", env=elsewhere)
    row = next(line for line in shown.stdout.splitlines() if line.startswith("yahpo "))
    assert row.split() == ["yahpo", str(REAL_YAHPO), "$CARPS_YAHPO_DATA", "1.0.2", "verified"]
    assert f"$CARPS_YAHPO_DATA wins over the fetched copy in {target}" in shown.stdout
    monkeypatch.setenv("CARPS_YAHPO_DATA", str(REAL_YAHPO))
    assert yahpo_data_dir() == REAL_YAHPO


@pytest.mark.parametrize(
    ("archive", "message"),
    [
        ("truncated", "is truncated or corrupted"),
        ("corrupted", "does not match the yahpo 1.0.2 manifest: lcbench/encoding.json has the wrong SHA-256 (corrupted or another release); nothing was installed"),
    ],
)
def test_a_broken_archive_is_one_line_exit_2_and_leaves_nothing(real_archives, env, archive, message):
    cache = Path(env["CARPS_CACHE_DIR"])
    failed = carps("data", "fetch", "yahpo", f"url={real_archives[archive]}", env=env)
    assert failed.returncode == 2
    line = _one_line(failed.stderr)
    assert line.startswith("carps data: error: ") and message in line, line
    assert failed.stdout == ""
    assert _tree(cache) == []  # no download, no staging folder, no half-unpacked copy
    shown = carps("data", "status", env=env)
    assert "not installed" in shown.stdout and "carps data fetch yahpo" in shown.stdout


def test_run_is_refused_before_anything_runs_when_the_data_is_missing(env):
    results = Path(env["CARPS_RESULTS_DIR"])
    refused = carps("run", "optimizer=random", "task=blackbox/yahpo/lcbench_*", "n_trials=2", env=env)
    assert refused.returncode == 2
    line = _one_line(refused.stderr)
    assert line.startswith("carps run: error: 34 yahpo tasks cannot run: ")
    assert "run `carps data fetch yahpo` (or set CARPS_YAHPO_DATA=" in line and line.endswith("nothing was run")
    assert _tree(results) == []


# a fake data set (no real data needed) ----------------------------------------
@pytest.fixture
def toy(tmp_path: Path, www) -> tuple[DataSet, dict[str, str], Path]:
    base, root = www
    files = {"a.txt": b"alpha\n", "sub/b.bin": bytes(range(256)) * 40, "VERSION": b"VERSION:0.1\n"}
    src = tmp_path / "src"
    for rel, data in files.items():
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_bytes(data)
    manifest = tmp_path / "toy_manifest.json"
    manifest.write_text(json.dumps(build_manifest(src, files, "toy", "0.1")))
    name = tmp_path.name
    _zip(root / f"{name}.zip", "toy-0.1", {**files, "extra.txt": b"not in the manifest\n"})
    _zip(root / f"{name}-missing.zip", "toy-0.1", {k: v for k, v in files.items() if k != "sub/b.bin"})
    urls = {"good": f"{base}/{name}.zip", "missing": f"{base}/{name}-missing.zip", "short": f"{base}/short/{name}.zip", "absent": f"{base}/{name}-nope.zip"}
    dataset = DataSet(name="toy", version="0.1", url=urls["good"], env_var="CARPS_TOY_DATA_FOR_TESTS", manifest=manifest)
    return dataset, urls, tmp_path / "cache"


def test_fetch_verifies_installs_and_keeps_a_verified_copy(toy):
    dataset, urls, cache = toy
    first = fetch(dataset, cache_dir=cache, progress=None)
    assert first.fetched and first.path == install_dir(dataset, cache) == cache / "toy" / "0.1"
    assert _tree(cache) == ["toy", "toy/0.1", f"toy/0.1/{MARKER}", "toy/0.1/VERSION", "toy/0.1/a.txt", "toy/0.1/extra.txt", "toy/0.1/sub", "toy/0.1/sub/b.bin"]
    assert verify(first.path, dataset.files()) == []
    st = status(dataset, cache)
    assert (st.source, st.version, st.ok, st.verdict()) == ("cache", "0.1", True, "verified")
    marker = (first.path / MARKER).stat().st_mtime_ns
    assert not fetch(dataset, cache_dir=cache, progress=None).fetched
    assert (first.path / MARKER).stat().st_mtime_ns == marker
    (first.path / "extra.txt").unlink()
    redo = fetch(dataset, cache_dir=cache, force=True, progress=None)
    assert redo.fetched and (redo.path / "extra.txt").is_file() and _tree(cache / "toy") == ["0.1", *(f"0.1/{p}" for p in _tree(redo.path))]


def test_a_copy_that_no_longer_verifies_shows_in_status_and_is_replaced(toy):
    dataset, urls, cache = toy
    path = fetch(dataset, cache_dir=cache, progress=None).path
    (path / "a.txt").write_bytes(b"ALPHA\n")
    assert status(dataset, cache).verdict() == "FAILED: a.txt has the wrong SHA-256 (corrupted or another release)"
    assert fetch(dataset, cache_dir=cache, progress=None).fetched
    assert (path / "a.txt").read_bytes() == b"alpha\n"


@pytest.mark.parametrize(
    ("which", "sha", "message"),
    [
        ("missing", None, "does not match the toy 0.1 manifest: sub/b.bin is missing; nothing was installed"),
        ("short", None, "is truncated: got"),
        ("absent", None, "HTTP 404"),
        ("good", "0" * 64, "not the sha256= given"),
    ],
)
def test_failures_leave_the_cache_as_it_was(toy, which, sha, message):
    dataset, urls, cache = toy
    with pytest.raises(CarpsError, match=message) as info:
        fetch(dataset, url=urls[which], sha256=sha, cache_dir=cache, progress=None)
    assert "\n" not in str(info.value)
    assert _tree(cache) == []
    # with a verified copy installed, a failed forced fetch keeps it
    installed = fetch(dataset, cache_dir=cache, progress=None).path
    before = _tree(cache)
    with pytest.raises(CarpsError, match=message):
        fetch(dataset, url=urls[which], sha256=sha, cache_dir=cache, force=True, progress=None)
    assert _tree(cache) == before and verify(installed, dataset.files()) == []


def test_the_archive_digest_is_checked_when_given(toy, www):
    import hashlib

    dataset, urls, cache = toy
    archive = www[1] / urls["good"].rsplit("/", 1)[1]
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    result = fetch(dataset, sha256=digest.upper(), cache_dir=cache, progress=None)
    assert result.fetched and json.loads((result.path / MARKER).read_text())["archive_sha256"] == digest


def test_lookup_order_data_dir_then_env_then_cache(monkeypatch, tmp_path):
    from carps.benchmarks.data_store import MissingDataError
    from carps.benchmarks.yahpo import YAHPO as YAHPOFamily
    from carps.benchmarks.yahpo import yahpo_data_dir

    def folder(name: str) -> Path:
        (tmp_path / name / "lcbench").mkdir(parents=True)
        return tmp_path / name

    monkeypatch.delenv("CARPS_YAHPO_DATA", raising=False)
    monkeypatch.setenv("CARPS_CACHE_DIR", str(tmp_path / "cache"))
    family = YAHPOFamily(scenarios={"lcbench": ["3945"]})
    with pytest.raises(MissingDataError, match="carps data fetch yahpo"):
        yahpo_data_dir()
    assert "carps data fetch yahpo" in family.missing_data()
    fetched = install_dir(YAHPO, tmp_path / "cache")
    fetched.mkdir(parents=True)
    assert "not installed" in family.missing_data()  # a folder without the marker was never verified
    (fetched / MARKER).write_text(json.dumps({"version": YAHPO.version}))
    assert yahpo_data_dir() == fetched and family.missing_data() is None
    monkeypatch.setenv("CARPS_YAHPO_DATA", str(folder("env")))
    assert yahpo_data_dir() == tmp_path / "env"
    assert yahpo_data_dir(str(folder("param"))) == tmp_path / "param"
    monkeypatch.setenv("CARPS_YAHPO_DATA", str(tmp_path / "nowhere"))
    assert "from CARPS_YAHPO_DATA" in YAHPOFamily(scenarios={}).missing_data()


def test_list_tasks_marks_the_tasks_whose_data_is_missing(monkeypatch, tmp_path, capsys):
    from carps.cli.main import main

    monkeypatch.delenv("CARPS_YAHPO_DATA", raising=False)
    monkeypatch.setenv("CARPS_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["list", "tasks", "*/yahpo/lcbench_3945"]) == 0
    out = capsys.readouterr().out
    assert "blackbox/yahpo/lcbench_3945" in out and "not installed" in out
    assert "2 yahpo tasks cannot run yet: the YAHPO surrogate data is not installed: run `carps data fetch yahpo`" in out
    assert main(["list", "tasks", "blackbox/bbob/f01_d2_i1"]) == 0
    assert "not installed" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["data", "fetch", "yahpoo"], "unknown data set 'yahpoo'; known: yahpo"),
        (["data", "fetch"], "name the data set to fetch: carps data fetch yahpo"),
        (["data", "fech", "yahpo"], "unknown subcommand 'fech' (did you mean 'fetch'?); use: carps data fetch NAME | carps data status"),
        (["data", "fetch", "yahpo", "urll=http://x"], "unknown key 'urll' in 'urll=http://x' (did you mean url?); valid keys: url, sha256, dir, force"),
        (["data", "fetch", "yahpo", "sha256=abc"], "sha256 must be 64 hex digits"),
        (["data", "fetch", "yahpo", "force=maybe"], "force must be true or false"),
        (["data", "status", "nope"], "unknown data set 'nope'"),
        (["data", "fetch", "yahpo", "url=http://127.0.0.1:1/yahpo.zip"], "cannot download http://127.0.0.1:1/yahpo.zip"),
    ],
)
def test_bad_input_is_one_line_with_the_fix(args, message, capsys, monkeypatch, tmp_path):
    from carps.cli.main import main

    monkeypatch.setenv("CARPS_CACHE_DIR", str(tmp_path / "cache"))
    assert main(args) == 2
    captured = capsys.readouterr()
    line = _one_line(captured.err)
    assert line.startswith("carps data: error: ") and message in line, line
    assert _tree(tmp_path / "cache") == []


def test_help_lists_subcommands_and_data_sets(capsys):
    from carps.cli.main import main

    assert main(["data", "--help"]) == 0
    out = capsys.readouterr().out
    assert "carps data fetch NAME" in out and "carps data status" in out and "CARPS_YAHPO_DATA" in out
    assert main([]) == 0 and "data " in capsys.readouterr().out
