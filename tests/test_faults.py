"""Fault injection: builds killed (kill -9) at random points and in the middle of their commit,
then built again, give byte for byte what a clean build gives, and leave nothing behind."""
from __future__ import annotations

import hashlib
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, TEMPLATES

sys.path.insert(0, str(REPO / "bench"))
import specgen  # noqa: E402

LEFTOVER = re.compile(r"^\..+\.[a-z0-9_]{8}\.(tmp|old)$")


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    return [str(p) for p in folder.rglob("*") if LEFTOVER.match(p.name) or p.name in (".perfgen.lock",
                                                                                      ".perfgen.commit")]


def command(specs: Path, out: Path, *extra: str, kill_at_rename: int = 0) -> list[str]:
    """perfgen build in a new process; `kill_at_rename`: it kills itself (SIGKILL) just before the
    n-th rename, i.e. in the middle of its commit."""
    code = ["import os, signal, sys"]
    if kill_at_rename:
        code += ["real = os.replace", "count = [0]",
                 "def replace(a, b):",
                 "    count[0] += 1",
                 f"    if count[0] == {kill_at_rename}: os.kill(os.getpid(), signal.SIGKILL)",
                 "    return real(a, b)",
                 "os.replace = replace"]
    code += ["from generator.cli import entry",
             f"entry(['build', {str(specs)!r}, '-o', {str(out)!r}, '--templates', {str(TEMPLATES)!r}, *{list(extra)!r}])"]
    return [sys.executable, "-c", "\n".join(code)]


def build(specs: Path, out: Path, *extra: str, env: dict, kill_at_rename: int = 0) -> subprocess.CompletedProcess:
    return subprocess.run(command(specs, out, *extra, kill_at_rename=kill_at_rename), env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    specgen.generate(root / "specs", 24, seed=12)
    env = {**os.environ, "PERFGEN_CACHE": str(root / "cache"), "PERFGEN_LOCK_WAIT": "30"}
    clean = build(root / "specs", root / "clean", env=env)
    assert clean.returncode == 0, clean.stderr
    return root, env


def test_builds_killed_at_random_points_are_finished_by_the_next_build(tree, tmp_path):
    root, env = tree
    out = tmp_path / "out"
    rng = random.Random(12)
    for _ in range(2):
        started = time.monotonic()
        process = subprocess.Popen(command(root / "specs", out, "-j", "2"), env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.2, 1.5))
        children = _children_of(process.pid)
        process.send_signal(signal.SIGKILL)  # the build only: its workers must end by themselves
        process.wait()
        assert _gone(children), f"worker processes outlived the killed build: {children}"
        assert time.monotonic() - started < 120
    again = build(root / "specs", out, env=env)
    assert again.returncode == 0, again.stderr
    assert snapshot(out) == snapshot(root / "clean")
    assert leftovers(out) == []


@pytest.mark.parametrize("at", [1, 30])
def test_a_build_killed_during_its_commit_is_undone_then_redone(tree, tmp_path, at):
    root, env = tree
    out = tmp_path / "out"
    assert build(root / "specs", out, env=env).returncode == 0
    before = snapshot(out)
    assert build(root / "specs", out, "--force", env=env, kill_at_rename=at).returncode == -signal.SIGKILL
    assert (out / ".perfgen.commit").is_file()  # what the killed commit had done, to be undone
    again = build(root / "specs", out, "--force", env=env)
    assert again.returncode == 0, again.stderr
    assert snapshot(out) == before == snapshot(root / "clean")
    assert leftovers(out) == []


def test_a_killed_commit_of_changed_specs_leaves_old_or_new_never_a_mix(tree, tmp_path):
    import shutil

    root, env = tree
    specs, out = tmp_path / "specs", tmp_path / "out"
    shutil.copytree(root / "specs", specs)
    assert build(specs, out, env=env).returncode == 0
    old = snapshot(out)
    for path in sorted(specs.rglob("0*.yaml"))[:6]:  # six projects get a new amount
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"(项目资金: *)(\d+)", lambda m: m[1] + str(int(m[2]) + 1), text, count=1),
                        encoding="utf-8")
    assert build(specs, out, env=env, kill_at_rename=5).returncode == -signal.SIGKILL
    from generator.staging import recover

    recover(out)  # what the next build does first, under the lock
    kept = {k: v for k, v in snapshot(out).items() if not LEFTOVER.match(Path(k).name) and k != ".perfgen.lock"}
    assert kept == old  # every table as it was: none of the new ones
    assert build(specs, out, env=env).returncode == 0
    fresh = tmp_path / "fresh"
    assert build(specs, fresh, env=env).returncode == 0
    assert snapshot(out) == snapshot(fresh) and leftovers(out) == []


def _children_of(pid: int) -> list[int]:
    """The processes `pid` started (perfgen's workers and multiprocessing's resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[-1].split()
            except OSError:
                continue
            if len(fields) > 2 and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _gone(pids: list[int], wait: float = 20.0) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        alive = [pid for pid in pids if Path(f"/proc/{pid}").exists() and "Z" not in _state(pid)]
        if not alive:
            return True
        time.sleep(0.1)
    return False


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return "Z"
