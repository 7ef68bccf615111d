"""The cache folder stays bounded: stores beyond the newest kept or unused for long are pruned, at
most once a day, and a store in use is kept."""
import os
import time
from pathlib import Path

from generator import cache, tidy
from generator.batch import run


def _files(folder: Path, ages_days: list[float], now: float) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for i, age in enumerate(ages_days):
        path = folder / f"{i:04d}.json"
        path.write_text("{}")
        os.utime(path, (now - age * tidy.DAY, now - age * tidy.DAY))
        made.append(path)
    return made


def test_prune_keeps_the_newest_and_the_recent(tmp_path):
    now = time.time()
    made = _files(tmp_path, [0, 1, 2, 3, 100, 5], now)
    assert tidy.prune(tmp_path, kept=3, days=90, now=now) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in made[:3]]


def test_prune_without_an_age_limit_and_a_missing_folder(tmp_path):
    now = time.time()
    _files(tmp_path / "a", [1000, 2000], now)
    assert tidy.prune(tmp_path / "a", kept=5, days=None, now=now) == 0
    assert tidy.prune(tmp_path / "missing", kept=0) == 0


def test_tidy_runs_at_most_once_a_day(tmp_path):
    now = time.time()
    _files(tmp_path / "digests", [200, 1], now)
    _files(tmp_path / "logs", [1] * 60, now)
    assert tidy.tidy(tmp_path, now=now) == 1 + 10
    _files(tmp_path / "digests", [300], now)  # 0000.json again, older than the limit
    assert tidy.tidy(tmp_path, now=now + 3600) == 0  # tidied an hour ago: not again
    assert (tmp_path / "digests" / "0000.json").exists()
    assert tidy.tidy(tmp_path, now=now + 2 * tidy.DAY) == 1
    assert sorted(p.name for p in (tmp_path / "digests").iterdir()) == ["0001.json"]


def test_tidy_without_a_cache_folder_makes_none(tmp_path):
    assert tidy.tidy(tmp_path / "nothing") == 0
    assert not (tmp_path / "nothing").exists()


def test_a_store_read_is_marked_as_used(tmp_path):
    store = tmp_path / "store.json"
    store.write_text('{"version": 2, "files": {}}')
    old = time.time() - 10 * tidy.DAY
    os.utime(store, (old, old))
    cache.Digests(store)
    assert time.time() - store.stat().st_mtime < 60


def test_a_build_prunes_stores_of_output_folders_long_gone(spec_folder, tmp_path):
    folder = cache.cache_folder()
    stale = folder / "digests" / "a-year-old-store.json"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("{}")
    os.utime(stale, (time.time() - 365 * tidy.DAY,) * 2)
    (folder / ".tidied").unlink(missing_ok=True)
    run(spec_folder, tmp_path / "out")
    assert not stale.exists()
    assert (folder / ".tidied").exists()


def test_only_the_newest_error_logs_are_kept(tmp_path, monkeypatch):
    from generator.failure import write_log

    monkeypatch.setenv("PERFGEN_CACHE", str(tmp_path))
    kept, _ = tidy.KEPT["logs"]
    _files(tmp_path / "logs", [1] * kept, time.time())
    log = write_log(ValueError("?"))
    assert log is not None and log.exists() and len(list(log.parent.iterdir())) == kept


def test_prune_keeps_to_the_files_it_is_asked_about(tmp_path):
    now = time.time()
    _files(tmp_path, [1, 2, 3], now)
    (tmp_path / ".x.123.tmp").write_text("being written by another process")
    assert tidy.prune(tmp_path, kept=1, suffix=".json", now=now) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [".x.123.tmp", "0000.json"]
