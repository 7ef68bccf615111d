"""One build at a time per output folder: a lock that names its holder and dies with it."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from generator.batch import run
from generator.buildlock import LOCK, BuildLock
from generator.errors import LockError

from conftest import EXAMPLES, TEMPLATES

HOLD = """
import sys, time
from pathlib import Path
from generator.buildlock import BuildLock
with BuildLock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()  # until the test closes stdin (or kills this process)
"""


def holder_process(folder):
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(folder)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_second_build_waits_then_says_who_holds_the_folder(tmp_path):
    holder = holder_process(tmp_path)
    try:
        with pytest.raises(LockError) as held:
            BuildLock(tmp_path, wait=0.3).acquire()
        assert f"进程 {holder.pid}" in str(held.value) and "主机" in str(held.value) and str(tmp_path / LOCK) in str(held.value)
        with pytest.raises(LockError):  # the build itself: nothing rendered, nothing written
            os.environ["PERFGEN_LOCK_WAIT"] = "0"
            try:
                run(EXAMPLES / "2024", tmp_path, TEMPLATES)
            finally:
                del os.environ["PERFGEN_LOCK_WAIT"]
        assert sorted(p.name for p in tmp_path.iterdir()) == [LOCK]
    finally:
        holder.stdin.close()
        holder.wait()
    assert not (tmp_path / LOCK).exists()  # let go: removed
    run(EXAMPLES / "2024", tmp_path, TEMPLATES)


def test_the_lock_of_a_killed_build_is_stale_and_taken_over(tmp_path):
    holder = holder_process(tmp_path)
    holder.kill()
    holder.wait()
    assert json.loads((tmp_path / LOCK).read_text(encoding="utf-8"))["pid"] == holder.pid  # left behind
    with BuildLock(tmp_path, wait=0) as lock:
        assert lock.stale["pid"] == holder.pid
        assert json.loads((tmp_path / LOCK).read_text(encoding="utf-8"))["pid"] == os.getpid()
    assert not (tmp_path / LOCK).exists()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")
def test_a_forked_worker_does_not_keep_the_lock(tmp_path):
    """-j workers may be forked while the build holds its lock, and share its open lock file: a worker
    still ending does not hold the folder after the build released it (the file released is removed)."""
    from generator.buildlock import BuildLock

    lock = BuildLock(tmp_path, wait=0).acquire()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the worker: alive until the parent says so
        os.close(write)
        os.read(read, 1)
        os._exit(0)
    os.close(read)
    try:
        lock.release()
        again = BuildLock(tmp_path, wait=0).acquire()  # not held by the living child
        again.release()
    finally:
        os.write(write, b"x")
        os.waitpid(child, 0)
