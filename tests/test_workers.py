"""The render pool: a worker that dies has its chunks redone once; a second death is a message."""
from __future__ import annotations

import hashlib
import os
import re

import pytest

from generator import workers
from generator.batch import run
from generator.errors import WorkerError
from generator.folder_build import build_folder

from conftest import EXAMPLES, TEMPLATES


def die_once_per_marker(task):
    """In a worker: die (as the OOM killer kills) if a marker file is left to take, else build the folder."""
    folder = os.environ["PERFGEN_TEST_DEATHS"]
    for name in sorted(os.listdir(folder)):
        try:
            os.unlink(os.path.join(folder, name))
        except FileNotFoundError:
            continue  # another worker took it
        os._exit(9)
    return build_folder(task)


def snapshot(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def dying(tmp_path, monkeypatch):
    def deaths(n: int) -> None:
        markers = tmp_path / "deaths"
        markers.mkdir()
        for i in range(n):
            (markers / str(i)).write_text("")
        monkeypatch.setenv("PERFGEN_TEST_DEATHS", str(markers))
        monkeypatch.setattr(workers, "INLINE", 0)
        monkeypatch.setattr(workers, "run_task", die_once_per_marker)
    return deaths


def test_a_dead_worker_has_its_chunks_redone(tmp_path, dying):
    run(EXAMPLES / "2024", tmp_path / "serial", TEMPLATES)
    dying(1)
    result = run(EXAMPLES / "2024", tmp_path / "parallel", TEMPLATES, jobs=2)
    assert result.built and snapshot(tmp_path / "parallel") == snapshot(tmp_path / "serial")
    assert not [p for p in (tmp_path / "parallel").rglob(".*") if re.search(r"\.(tmp|old)$", p.name)]


def test_a_worker_that_dies_again_is_a_message_and_nothing_is_written(tmp_path, dying):
    dying(3)  # the first pool's two workers may both die: the second pool still meets a death
    with pytest.raises(WorkerError, match="子进程意外退出"):
        run(EXAMPLES / "2024", tmp_path / "out", TEMPLATES, jobs=2)
    assert not (tmp_path / "out").exists() or not [p for p in (tmp_path / "out").rglob("*") if p.is_file()]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_forked_and_spawned_workers_give_the_bytes_of_one_process(tmp_path, monkeypatch, method):
    import multiprocessing
    import shutil

    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} here")
    root = tmp_path / "specs"
    for name in ("a", "b", "c"):
        shutil.copytree(EXAMPLES / "2024", root / name)
    serial = run(root, tmp_path / "serial", TEMPLATES)
    monkeypatch.setattr(workers, "INLINE", 7)  # the first folder here (templates compiled), the others forked after it
    monkeypatch.setattr(workers, "start_method", lambda: method)
    parallel = run(root, tmp_path / "parallel", TEMPLATES, jobs=2)
    assert [(f.name, n) for f, n in parallel.built] == [(f.name, n) for f, n in serial.built]
    assert list(parallel.warnings) == list(serial.warnings)
    assert snapshot(tmp_path / "parallel") == snapshot(tmp_path / "serial")


def test_workers_are_forked_only_where_no_other_thread_runs(monkeypatch):
    import sys
    import threading

    monkeypatch.setattr(sys, "platform", "linux")
    assert workers.start_method() == "fork"
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)  # a progress bar's refresh, an old pool's manager
    other.start()
    try:
        assert workers.start_method() == "spawn"
    finally:
        stop.set()
        other.join()
    monkeypatch.setattr(sys, "platform", "darwin")
    assert workers.start_method() == "spawn"
