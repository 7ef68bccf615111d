"""No traceback reaches a user: exit statuses, what perfgen is doing, and the report of the unexpected.

Every problem a user can act on is a PerfgenError with a Chinese message (exit status 1). What
nobody foresaw is caught at the top (`main`): its traceback goes to a log file in the cache
folder, and the user reads one line saying what perfgen was doing, on which file, and where the
details are. `doing()` is cheap (one assignment): call it where work on a new file starts.
"""
from __future__ import annotations

import datetime as dt
import os
import sys
import traceback
from pathlib import Path

from .tidy import KEPT, prune

EXIT_OK = 0
EXIT_PROBLEMS = 1      # errors in the specs or the files; a file perfgen may not replace; the lock is held
EXIT_USAGE = 2         # a wrong command line (unknown option, missing argument)
EXIT_INTERNAL = 3      # something unexpected: the details are in a log file
EXIT_INTERRUPTED = 130  # Ctrl-C: nothing was written

_DOING: tuple[str, str | None] = ("启动", None)


def doing(what: str, path: Path | str | None = None) -> None:
    """Say what perfgen is doing now, and on which file (for the message if it fails unexpectedly)."""
    global _DOING
    _DOING = (what, None if path is None else str(path))


def log_folder() -> Path:
    from .cache import cache_folder

    return cache_folder() / "logs"


def write_log(exc: BaseException) -> Path | None:
    """The traceback and what perfgen was doing, in a new file of the log folder (None if it cannot be written)."""
    what, path = _DOING
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    text = (f"perfgen {_version()} {' '.join(sys.argv)}\n{what} {path or ''}\npython {sys.version}\n\n"
            + "".join(traceback.format_exception(exc)))
    for folder in (log_folder(), Path.cwd()):
        target = folder / f"perfgen-错误-{stamp}-{os.getpid()}.log"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", errors="backslashreplace")
            if folder != Path.cwd():
                prune(folder, *KEPT["logs"])  # the newest logs only, whether or not a build tidies
            return target
        except OSError:
            continue
    return None


def unexpected(exc: BaseException) -> str:
    """The one line a user reads about an error nobody foresaw."""
    what, path = _DOING
    log = write_log(exc)
    where = f"（文件 {path}）" if path else ""
    details = f"详情已写入 {log}，请把这个文件发给 perfgen 的维护者" if log else f"详情：{type(exc).__name__}: {exc}"
    return f"perfgen 在{what}时遇到意外错误{where}：{type(exc).__name__}。未改动任何输出；{details}。"


def _version() -> str:
    from . import __version__

    return __version__


def safe_streams() -> None:
    """A console or a pipe that cannot show Chinese (cp437, ASCII, latin-1) gets escapes instead of a crash."""
    for stream in (sys.stdout, sys.stderr):
        try:
            encoding = (getattr(stream, "encoding", None) or "ascii")
            "绩效".encode(encoding)
        except (LookupError, UnicodeEncodeError):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (AttributeError, ValueError):
                pass
