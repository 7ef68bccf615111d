"""One build at a time per output folder.

A build holds `.perfgen.lock` in its output folder (the -o folder: everything under it is the
build's) for as long as it runs: an OS lock on the file (flock, or msvcrt on Windows), which the
system drops when the process ends however it ends, so a crashed or killed build never leaves
a lock behind. The file also names its holder (process id, host, start time, command) for the
message a second build gives: it waits a few seconds (PERFGEN_LOCK_WAIT, default 10), then says
who holds the folder. A lock file whose holder is gone is stale and simply taken over.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

from .errors import LockError

LOCK = ".perfgen.lock"
_WAIT = 10.0     # seconds a second build waits for the first by default
_POLL = 0.2



def _host() -> str:
    if hasattr(os, "uname"):  # what gethostname() says, without importing socket
        return os.uname().nodename
    import socket

    return socket.gethostname()


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            os.lseek(fd, 1 << 20, os.SEEK_SET)  # a byte past the holder's text, so it stays readable
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    except OSError:  # a file system without locks (some network shares): the holder text is all there is
        return True


def holder(path: Path) -> dict:
    """What the lock file says about its holder ({} if nothing readable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def describe(info: dict) -> str:
    parts = []
    if info.get("pid"):
        parts.append(f"进程 {info['pid']}")
    if info.get("host"):
        parts.append(f"主机 {info['host']}")
    if info.get("started"):
        parts.append(f"开始于 {info['started']}")
    return "，".join(parts) or "持有者不明"


class BuildLock:
    """`with BuildLock(folder):` — the folder is this build's until the block ends."""

    def __init__(self, folder: Path, wait: float | None = None):
        self.folder = folder
        self.path = folder / LOCK
        if wait is None:
            try:
                wait = float(os.environ.get("PERFGEN_LOCK_WAIT", _WAIT))
            except ValueError:
                wait = _WAIT
        self.wait = max(0.0, wait)
        self.fd: int | None = None
        self.stale: dict = {}   # what a lock left by a build that ended without releasing it said

    def acquire(self) -> "BuildLock":
        deadline = time.monotonic() + self.wait
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            if _try_lock(fd):
                try:  # the file may have been removed by the holder that just let go: lock the one there
                    same = os.path.samestat(os.fstat(fd), os.stat(self.path))
                except OSError:
                    same = False
                if same:
                    break
            os.close(fd)
            if time.monotonic() >= deadline:
                info = holder(self.path)
                raise LockError(f"输出目录 {self.folder} 正由另一次生成使用（{describe(info)}），等了 {self.wait:g} 秒仍未结束。"
                                f"请等它结束后再运行；如果确定没有生成在运行，删除 {self.path} 后再运行")
            time.sleep(_POLL)
        self.fd = fd
        self.stale = holder(self.path)
        info = {"pid": os.getpid(), "host": _host(),
                "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                "command": " ".join(sys.argv[:1] + sys.argv[1:4])}
        os.lseek(fd, 0, os.SEEK_SET)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(info, ensure_ascii=False).encode("utf-8"))
        return self

    def release(self) -> None:
        if self.fd is None:
            return
        try:
            if sys.platform == "win32":  # an open file cannot be removed there
                os.close(self.fd)
                self.path.unlink(missing_ok=True)
            else:  # removed while locked: a build waiting on this file sees it gone and takes a new one
                self.path.unlink(missing_ok=True)
                os.close(self.fd)
        except OSError:
            pass
        self.fd = None

    def __enter__(self) -> "BuildLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()
