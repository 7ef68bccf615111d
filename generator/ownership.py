"""Which files a build may replace or delete: only those perfgen wrote, unchanged since.

A file in an output folder is perfgen's when the folder's manifest (.perfgen.json) lists it with
the sha256 it still has. Anything else at an output's name — a user's own file, a table edited by
hand since it was written, a folder or a link — is never overwritten or deleted: the build stops
before anything is written and names each such file, unless the user takes them over explicitly
(`perfgen build --overwrite`). Names in a manifest are plain file names in its own folder;
anything else there (`../x`, `/abs/path`) is ignored and said (cache.Manifest.load).
"""
from __future__ import annotations

import os
import stat
from functools import cached_property
from pathlib import Path

from . import cache
from .errors import Problems

TAKE_OVER = "--overwrite"


class Owner:
    """What one output folder's last build wrote, for the questions "may this be replaced / deleted"."""

    def __init__(self, folder: Path, manifest: cache.Manifest, digests: cache.Digests, overwrite: bool,
                 problems: Problems):
        self.folder = folder
        self.manifest = manifest
        self.digests = digests
        self.overwrite = overwrite
        self.problems = problems

    @cached_property
    def recorded(self) -> dict[str, str]:
        # asked for only when a file is replaced or deleted: not for a folder with nothing to do
        return self.manifest.file_digests()

    def why_not_ours(self, name: str) -> str | None:
        """None when the file `name` is missing or is as perfgen last wrote it; else why it is not perfgen's."""
        path = os.path.join(self.folder, name)
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return None
        except OSError as exc:
            return f"无法读取（{exc.strerror}）"
        if not stat.S_ISREG(mode):
            return "不是普通文件（是目录、链接或设备）"
        recorded = self.recorded.get(name)
        if recorded is None:
            return f"不是 perfgen 生成的（{cache.MANIFEST} 中没有它）"
        try:
            if self.digests.digest(path) != recorded:
                return "在 perfgen 生成后被改动过"
        except OSError as exc:
            return f"无法读取（{exc.strerror}）"
        return None

    def may_write(self, names: list[str]) -> bool:
        """Whether every file of `names` may be replaced; those that may not are reported."""
        return all([self._ask(name, "覆盖") for name in names])

    def may_delete(self, name: str) -> bool:
        return self._ask(name, "删除")

    def _ask(self, name: str, what: str) -> bool:
        why = self.why_not_ours(name)
        if why is None:
            return True
        if self.overwrite and not why.startswith("不是普通文件"):  # a folder in a table's place never goes
            return True
        path = self.folder / name
        self.problems.add(path, None, "", f"不会{what}这个文件：它{why}。请把它移走或改名；"
                                          f"确定要让 perfgen {what}它，用 perfgen build {TAKE_OVER}")
        return False
