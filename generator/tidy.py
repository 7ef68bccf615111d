"""The cache folder kept bounded: what perfgen leaves there (the digest stores, one per output
folder built; the logs of unexpected errors) would otherwise grow with every output folder ever
built, as ccache's and pip's caches would. (docxtpl's patched templates are bounded where they are
written: render/docx.py, PATCHED_KEPT.)

Each kind keeps its newest files up to a count, and drops what was not used for a while (a store
in use is touched when it is read, `refresh`). A build tidies at most once a day (`tidy`, one
stat otherwise), so a no-op build pays nothing; anything in the way (a file gone, no permission)
is skipped: this is a cache, and a file removed here is only work done again.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

DAY = 86_400  # seconds
# folder in the cache → (files kept at most, days a file may go unused; None: no limit)
KEPT: dict[str, tuple[int, int | None]] = {
    "digests": (1_000, 90),   # a district's build uses one store per output folder, about a hundred
    "logs": (50, 180),
}
_MARK = ".tidied"  # in the cache folder: its mtime is the last tidying


def prune(folder: Path, kept: int, days: int | None = None, now: float | None = None, suffix: str = "") -> int:
    """Remove the files of `folder` (those whose names end with `suffix`) beyond the `kept` newest
    (by modification time) and those not modified for `days`; returns how many were removed."""
    now = time.time() if now is None else now
    files = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                try:
                    if entry.name.endswith(suffix) and entry.is_file(follow_symlinks=False):
                        files.append((entry.stat(follow_symlinks=False).st_mtime, entry.path))
                except OSError:
                    continue
    except OSError:
        return 0
    files.sort(reverse=True)
    removed = 0
    for rank, (mtime, path) in enumerate(files):
        if rank >= kept or (days is not None and now - mtime > days * DAY):
            try:
                os.unlink(path)
                removed += 1
            except OSError:
                pass
    return removed


def tidy(cache: Path, now: float | None = None) -> int:
    """Prune each kind of file in the cache folder `cache` (KEPT), unless that was done less than a
    day ago; returns how many files were removed."""
    now = time.time() if now is None else now
    mark = cache / _MARK
    try:
        if now - os.stat(mark).st_mtime < DAY:
            return 0
    except OSError:
        if not cache.is_dir():
            return 0  # nothing cached yet
    removed = sum(prune(cache / name, kept, days, now) for name, (kept, days) in KEPT.items())
    try:
        mark.touch()
        os.utime(mark, (now, now))
    except OSError:
        pass
    return removed


def refresh(path: Path, mtime: float) -> None:
    """A cache file just read whose modification time is `mtime`: marked as used if it was not
    today (one utime a day, not one a build)."""
    now = time.time()
    if now - mtime > DAY:
        try:
            os.utime(path, (now, now))
        except OSError:
            pass
