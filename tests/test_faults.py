"""Faults: a user's files survive every command, names from files stay under results/,
SIGTERM/Ctrl-C at any moment leave no process and no temporary file, damaged sweep chunks are
found and repaired, oversized designs are refused, a full disk gives one line, and the app
stops with its server. Runs are tiny; every wait on a subprocess is bounded."""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from sim.cli import main
from sim.runs import sweepspec
from sim.runs.sweep import read_results, run_sweep

ROOT = Path(__file__).resolve().parents[1]
SCEN = ROOT / "scenarios"
ENV = {**os.environ, "KAMSIM_PROGRESS_SECONDS": "0"}
SPEC = f"""
name = "../../victim/sweep"
scenario = "{(SCEN / 'baseline.toml').as_posix()}"
root_seed = 5
steps = 8
replications = 2
chunk_size = 1
overrides = {{ "run.customers" = 40 }}
[design]
method = "latin"
samples = 2
[[parameters]]
key = "suppliers[Focal].markup"
bounds = [0.02, 0.12]
[outcomes]
final = ["focal.market_share", "focal.customers_end"]
series = ["focal.customers"]
stride = 4
"""


def user_files(root: Path) -> dict[str, str]:
    """Every file under ``root`` and a hash of its bytes."""
    import hashlib

    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()[:16]
            for p in sorted(root.rglob("*")) if p.is_file()}


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def user_dir(tmp_path) -> Path:
    d = tmp_path / "thesis"
    (d / "sub").mkdir(parents=True)
    (d / "notes.txt").write_text("notes")
    (d / "sub" / "thesis.tex").write_text("\\begin{document}")
    return d


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    spec = tmp_path_factory.mktemp("spec") / "tiny.toml"
    spec.write_text(SPEC)
    out = tmp_path_factory.mktemp("sw") / "sweep"
    assert run_sweep(sweepspec.load(spec), out, workers=1).complete
    return out


# ------------------------------------------------------------------ --out and names


def test_no_command_touches_a_users_directory(capsys, tmp_path, user_dir, small_toml,
                                              sweep_dir, monkeypatch):
    monkeypatch.chdir(user_dir)
    before, sweep_before, scen_before = (user_files(tmp_path), user_files(sweep_dir),
                                         user_files(SCEN))
    commands = [["run", str(small_toml)], ["compare", str(small_toml), str(SCEN / "funnel.toml"),
                                      "--reps", "1", "--workers", "1"],
                ["analyze", str(sweep_dir)]]
    for cmd in commands:
        for out in (user_dir, Path("."), user_dir / "sub", user_dir / "notes.txt", sweep_dir,
                    SCEN):
            for force in ([], ["--force"]):
                assert main([*cmd, "--out", str(out), *force]) == 2, (cmd, out)
                assert "--out" in one_line(capsys.readouterr().err)
    spec = tmp_path.parent / f"{tmp_path.name}-spec.toml"
    spec.write_text(SPEC)
    for out in (user_dir, Path("."), user_dir / "notes.txt", SCEN):
        for resume in ([], ["--resume"]):
            assert main(["sweep", str(spec), "--out", str(out), *resume]) == 2, out
            assert "--out" in one_line(capsys.readouterr().err)
    assert user_files(tmp_path) == before and user_files(sweep_dir) == sweep_before
    assert user_files(SCEN) == scen_before


def test_default_paths_are_numbered_and_names_stay_under_results(capsys, tmp_path, small_toml,
                                                                 monkeypatch):
    work = tmp_path / "work" / "deep"
    work.mkdir(parents=True)
    victim = tmp_path / "victim"
    (victim / "backup").mkdir(parents=True)
    (victim / "backup" / "data.txt").write_text("precious")
    evil = tmp_path / "evil.toml"
    evil.write_text(small_toml.read_text().replace('name = "small"',
                                              'name = "../../victim/backup"'))
    monkeypatch.chdir(work)
    args = ["run", str(evil), "--seed", "3", "--no-dashboard"]
    assert main(args) == 0
    first = Path(capsys.readouterr().out.strip())
    assert main([*args, "--steps", "4"]) == 0  # shorter run: never over the full one
    out, err = capsys.readouterr()
    second = Path(out.strip())
    assert first.name == "victim_backup-3"
    assert second == first.with_name(first.name + "-2") and str(second) in err
    for p in (first, second):
        assert p.resolve().parent == (work / "results").resolve()
    assert json.loads((first / "summary.json").read_text())["steps"] == 30
    assert json.loads((second / "summary.json").read_text())["steps"] == 4
    assert (victim / "backup" / "data.txt").read_text() == "precious"
    assert list(victim.rglob("*")) == [victim / "backup", victim / "backup" / "data.txt"]
    spec = tmp_path / "evil_sweep.toml"
    spec.write_text(SPEC)
    assert main(["sweep", str(spec), "--workers", "1"]) == 0
    capsys.readouterr()
    [swept] = (work / "results" / "sweeps").iterdir()
    assert (swept / "sweep.json").exists() and swept.name == "victim_sweep"
    assert (victim / "backup" / "data.txt").read_text() == "precious"
    assert list(victim.rglob("*")) == [victim / "backup", victim / "backup" / "data.txt"]


def test_analyze_numbers_its_default_and_force_replaces_it(capsys, sweep_dir, tmp_path):
    sw = tmp_path / "sw"
    shutil.copytree(sweep_dir, sw)
    assert main(["analyze", str(sw)]) == 0
    assert main(["analyze", str(sw)]) == 0
    out, err = capsys.readouterr()
    assert out.split() == [str(sw / "analysis"), str(sw / "analysis-2")]
    assert "--force" in one_line(err)
    assert main(["analyze", str(sw), "--force"]) == 0
    assert capsys.readouterr().out.strip() == str(sw / "analysis")
    assert not list(sw.glob(".analysis*"))


# ------------------------------------------------------------------ signals


def session_processes(sid: int) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter():
        try:
            if os.getsid(p.pid) == sid and p.status() != psutil.STATUS_ZOMBIE:
                found.append(p)
        except (psutil.Error, ProcessLookupError, PermissionError):
            continue
    return found


def start(args: list[str], cwd: Path) -> tuple[subprocess.Popen, list[str]]:
    """``kamsim ARGS`` in its own session; its stderr lines collected as they come."""
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", *args], cwd=cwd, env=ENV,
                            start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True).start()
    return proc, lines


def wait_for(cond, proc: subprocess.Popen, lines: list[str], timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert proc.poll() is None, f"finished before the signal: {''.join(lines)}"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def signal_state(pid: int) -> str:
    """Each thread's blocked, ignored and caught signal masks (``/proc``), for a failure's
    message: a signal that is not acted on is blocked, ignored or not caught somewhere."""
    found = []
    for task in sorted(Path(f"/proc/{pid}/task").glob("*")):
        try:
            status = (task / "status").read_text().splitlines()
        except OSError:
            continue
        keep = [x for x in status if x.split(":")[0] in ("Name", "SigBlk", "SigIgn", "SigCgt")]
        found.append(f"{task.name}: " + " ".join(x.replace("\t", "") for x in keep))
    return "; ".join(found)


def assert_all_stopped(proc: subprocess.Popen, lines: list[str], code: int,
                       state: str = "") -> None:
    assert proc.wait(timeout=60) == code, "".join(lines) + state
    deadline = time.monotonic() + 10
    while (left := session_processes(proc.pid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, [p.cmdline()[:4] for p in left]
    time.sleep(0.2)
    assert "Traceback" not in "".join(lines)
    if code != -signal.SIGKILL:
        assert lines[-1].strip() in ("kamsim: stopped by SIGTERM", "kamsim: interrupted")


@pytest.mark.parametrize("phase,how", [("start-up", "SIGTERM"), ("start-up", "Ctrl-C"),
                                       ("simulation", "SIGTERM"), ("writing", "SIGTERM"),
                                       ("simulation", "SIGKILL")])
def test_compare_stopped_at_any_moment_leaves_nothing(tmp_path, phase, how, foreground_sigint):
    out = tmp_path / "cmp"
    proc, lines = start(["compare", str(SCEN / "reservoir.toml"), str(SCEN / "funnel.toml"),
                         "--reps", "4", "--workers", "2", "--steps", "20",
                         "--set", "run.customers=200", "--out", str(out)], tmp_path)
    shell = psutil.Process(proc.pid)
    conds = {"start-up": lambda: shell.children(),
             "simulation": lambda: any(re.search(r" 1/\d+ runs", x) for x in lines),
             "writing": lambda: any(p.name.startswith(".cmp") for p in tmp_path.iterdir())}
    wait_for(conds[phase], proc, lines)
    state = "\nat the signal: " + signal_state(proc.pid)
    if how == "Ctrl-C":
        os.killpg(proc.pid, signal.SIGINT)  # the terminal's process group
    else:  # to the command only, as a scheduler (or the OOM killer) would
        os.kill(proc.pid, getattr(signal, how))
    assert_all_stopped(proc, lines, {"SIGTERM": 143, "Ctrl-C": 130, "SIGKILL": -9}[how], state)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no result, no temp dir


def test_sweep_stopped_by_sigterm_saves_runs_and_leaves_nothing(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC.replace("samples = 2", "samples = 8"))
    out = tmp_path / "sw"
    proc, lines = start(["sweep", str(spec), "--out", str(out), "--workers", "2"], tmp_path)
    wait_for(lambda: any(" 2/16 runs" in x for x in lines), proc, lines)
    os.kill(proc.pid, signal.SIGTERM)
    assert_all_stopped(proc, lines, 143)
    assert "finish with --resume" in "".join(lines)
    assert not list(out.rglob(".*.tmp"))
    assert main(["sweep", str(spec), "--out", str(out), "--resume", "--workers", "1"]) == 0
    assert len(read_results(out)) == 16


# ------------------------------------------------------------------ sweep chunks and sizes


def _damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_damaged_chunks_are_found_and_rerun_on_resume(capsys, sweep_dir, tmp_path):
    sw = tmp_path / "sw"
    shutil.copytree(sweep_dir, sw)
    parts = sorted((sw / "results").glob("part-*.parquet"))
    manifest = json.loads((sw / "chunks.json").read_text())["chunks"]
    assert set(manifest) == {p.name for p in parts} and len(parts) == 4
    _damage(parts[1])
    _damage(sw / "series" / parts[2].name)
    assert main(["analyze", str(sw)]) == 2
    line = one_line(capsys.readouterr().err)
    assert f"results/{parts[1].name}" in line and "--resume" in line
    assert not (sw / "analysis").exists()
    spec = tmp_path / "tiny.toml"
    spec.write_text(SPEC)
    assert main(["sweep", str(spec), "--out", str(sw), "--resume", "--workers", "1"]) == 0
    err = capsys.readouterr().err
    for part in (f"results/{parts[1].name}", f"series/{parts[2].name}"):
        assert f"{part}: checksum mismatch" in err and "run again" in err
    pd = pytest.importorskip("pandas")
    pd.testing.assert_frame_equal(read_results(sw).drop(columns="duration_s"),
                                  read_results(sweep_dir).drop(columns="duration_s"))
    assert main(["analyze", str(sw)]) == 0


def test_oversized_designs_are_refused_before_any_design_is_built(capsys, tmp_path,
                                                                  monkeypatch):
    def never(spec):
        raise AssertionError("the design was built")

    monkeypatch.setattr(sweepspec, "design", never)
    big = tmp_path / "big.toml"
    big.write_text(SPEC.replace("samples = 2", "samples = 1000000")
                   .replace("replications = 2", "replications = 100000"))
    assert main(["sweep", str(big), "--out", str(tmp_path / "o")]) == 2
    line = one_line(capsys.readouterr().err)
    assert "100,000,000,000 runs" in line and "--yes" in line
    grid = tmp_path / "grid.toml"
    factors = "".join(f'[[parameters]]\nkey = "suppliers[{s}].markup"\nbounds = [0.0, 1.0]\n'
                      for s in ("Focal", "Rival A", "Rival B", "Rival C"))
    grid.write_text(SPEC.split("[design]")[0] + '[design]\nmethod = '
                    '"factorial"\nlevels = 1000\n' + factors + '[outcomes]\nfinal = '
                    '["focal.market_share"]\n')
    assert main(["sweep", str(grid), "--out", str(tmp_path / "o"), "--yes"]) == 2
    line = one_line(capsys.readouterr().err)  # 1000^4 points: refused even with --yes
    assert "1,000,000,000,000 points" in line and "GiB" in line
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------ disk full, app


def test_a_full_disk_gives_one_line_naming_the_path(tmp_path, small_toml):
    out = tmp_path / "r"

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))

    done = subprocess.run([sys.executable, "-B", "-m", "sim.cli", "run", str(small_toml), "--out",
                           str(out), "--no-dashboard"], cwd=tmp_path, timeout=120,
                          env={**ENV, "KAMSIM_PROGRESS_SECONDS": "3600"},
                          capture_output=True, text=True, preexec_fn=small_files)
    assert done.returncode == 2, done.stderr
    line = one_line(done.stderr)
    assert str(out) in line and "cannot write" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.toml"]


def test_app_port_errors_are_one_line(capsys):
    from sim.app import server

    with pytest.raises(SystemExit) as stop:
        main(["app", "--port", "70000"])
    assert stop.value.code == 2
    assert "65535" in one_line(capsys.readouterr().err)
    if server.missing_assets():
        pytest.skip("front-end assets not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        assert main(["app", "--port", str(s.getsockname()[1])]) == 2
    assert "in use" in one_line(capsys.readouterr().err)


def _answers(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_app_stopped_by_sigterm_stops_its_server(tmp_path):
    from sim.app import server

    if server.missing_assets():
        pytest.skip("front-end assets not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc, lines = start(["app", "--port", str(port)], tmp_path)
    wait_for(lambda: _answers(port), proc, lines, timeout=180)
    assert session_processes(proc.pid)  # the server child is there
    os.kill(proc.pid, signal.SIGTERM)
    assert_all_stopped(proc, lines, 143)
    assert not _answers(port)
