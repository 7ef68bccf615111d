"""All or nothing on disk: outputs staged as temporary files, checked, then renamed into place
together, or not at all.

1. Every output is first written to a hidden temporary file beside its target (`stage`), so the
   disk's room is taken before anything is replaced; a full disk fails here, with nothing touched.
2. `Staging.commit` checks every target before the first rename (a directory or a file Word/WPS
   holds open in its place, a folder that cannot be written), then renames them one by one. Each
   target that exists is first moved aside to a backup, and an undo log says which: a failure
   during the commit puts every backup back, so a folder holds only the old outputs or only the
   new ones. Files to delete (a project that is gone) are moved aside the same way.
3. A build killed mid-way (kill -9, the OOM killer, a power cut) leaves temporary files, backups
   and perhaps an undo log in the output folder (`recovery`); the next build, holding the output
   folder's lock, puts the backups back (`recover`) and removes every leftover (`sweep`).

Which temporary file is for which target is kept in a journal on disk, not in memory: a
district's build stages thousands of files. To refuse one target staged twice, only the targets
of the folder being staged are held (a build stages folder by folder; a folder staged in again
has its own read back from the journal), and the commit hands the written targets over one by one. Temporary names are made in one place (`_temporary`):
`.<target name>.perfgen_.tmp` (or 8 random characters where that is taken), at most `TEMP_RESERVE`
bytes longer than the target.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, NamedTuple

from .errors import CommitError, PerfgenError
from .layout import TEMP_RESERVE

_UMASK = os.umask(0o022)  # read the umask (only settable), then put it back
os.umask(_UMASK)
_FILE_MODE = 0o666 & ~_UMASK
TEMP_SUFFIX, BACKUP_SUFFIX = ".tmp", ".old"
UNDO_LOG = ".perfgen.commit"
# what _temporary makes (8 characters: fixed, or mkstemp's) and a backup made from it: what sweep removes
_LEFTOVER = re.compile(r"^\..+\.[a-z0-9_]{8}\.(?:tmp|old)$")
_TOKEN = "perfgen_"  # the 8 characters of a fixed temporary name (_temporary), of the shape sweep knows
_ROOM = 1 << 20  # free bytes the commit needs besides the staged files (the undo log, the manifests' folders)
assert len(".") + len(".") + 8 + len(TEMP_SUFFIX) <= TEMP_RESERVE and _LEFTOVER.match(f".x.{_TOKEN}.tmp")



def close_hint(path: Path | str) -> str:
    return (f"无法写入 {path}：文件被占用，或那里不是普通文件（例如一个同名的目录）。"
            "如果它正在 Word 或 WPS 中打开，请关闭后再运行")


def disk_message(path: Path | str, exc: OSError) -> str | None:
    """A Chinese message for the OSErrors a user can act on (full disk, read-only folder, locked file)."""
    import errno

    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return f"磁盘空间不足：写入 {path} 时失败，请腾出空间后再运行"
    if exc.errno == errno.EROFS:
        return f"无法写入 {path}：所在的磁盘是只读的"
    if isinstance(exc, (PermissionError, IsADirectoryError)) or exc.errno in (errno.EACCES, errno.EPERM, errno.EBUSY):
        return close_hint(path) + "（也可能是没有写入这个目录的权限）"
    if exc.errno == errno.ENAMETOOLONG:
        return f"文件名过长，无法写入 {path}；请缩短项目名称或目录名"
    return None


def disk_error(path: Path | str, exc: OSError) -> PerfgenError:
    return CommitError((disk_message(path, exc) or f"无法写入 {path}：{exc.strerror or exc}") + "；已有的输出没有改动")


class HashingFile:
    """A write-only file that also keeps the sha256 of what went through it (for the manifest)."""

    def __init__(self, handle: BinaryIO):
        self.handle = handle
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.handle.write(data)


class Staged(NamedTuple):
    """A temporary file beside its target, the sha256 of its bytes, and the folders made for it."""

    path: str                      # the temporary file (its Path, `tmp`, made only where it is used)
    digest: str
    created: tuple[str, ...] = ()  # outermost first; removed again if the build is dropped
    stat: list[int] | None = None  # its cache.stat_key, taken when it was written (renaming keeps it)

    @property
    def tmp(self) -> Path:
        return Path(self.path)


def make_folder(folder: Path) -> tuple[str, ...]:
    """Create `folder` and its missing parents; returns those it created, outermost first."""
    missing = []
    while not folder.is_dir():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(exist_ok=True)
    return tuple(str(path) for path in reversed(missing))


def _temporary(target: Path) -> tuple[int, str]:
    """A new temporary file for `target`: `.<name>.perfgen_.tmp`, a fixed name (a build holds the
    output folder's lock and stages each target once; mkstemp's random names cost more than the
    rest of staging a table), else, where that name is taken, mkstemp's."""
    folder, base = os.path.split(target)
    name = os.path.join(folder, f".{base}.{_TOKEN}{TEMP_SUFFIX}")
    try:  # the usual mode of a new file (0666 less the umask), like any output
        return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), name
    except FileExistsError:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
        if hasattr(os, "fchmod"):  # mkstemp makes 0600
            os.fchmod(fd, _FILE_MODE)
        return fd, name


def stage(target: Path, fill: Callable[[HashingFile], None] | bytes) -> Staged:
    """A new temporary file beside `target` (never `target` itself) that `fill` writes to, or
    holding the bytes `fill`."""
    created: tuple[str, ...] = ()
    tmp = None
    try:
        try:  # its folder is made where it is missing (most files go where the last one went)
            fd, tmp = _temporary(target)
        except (FileNotFoundError, NotADirectoryError):
            created = make_folder(target.parent)
            fd, tmp = _temporary(target)
        if isinstance(fill, bytes):  # written by the descriptor itself: no file object
            try:
                digest = hashlib.sha256(fill)
                written = os.write(fd, fill)
                if written < len(fill):  # a write may take less than it is given
                    view = memoryview(fill)[written:]
                    while view:
                        view = view[os.write(fd, view):]
                st = os.fstat(fd)
            finally:
                os.close(fd)
        else:
            with os.fdopen(fd, "wb") as handle:
                hashing = HashingFile(handle)
                fill(hashing)
                digest = hashing.digest
                handle.flush()
                st = os.fstat(fd)
    except BaseException as exc:
        if tmp is not None:
            os.unlink(tmp)
        remove_folders(created)
        if isinstance(exc, OSError) and not isinstance(exc, PerfgenError):
            raise disk_error(target, exc) from exc
        raise
    return Staged(tmp, digest.hexdigest(), created, [st.st_size, st.st_mtime_ns, st.st_ino])


def stage_bytes(target: Path, data: bytes) -> Staged:
    return stage(target, data)


def remove_folders(created: Iterable[str]) -> None:
    """Remove folders a dropped build made, innermost first, where nothing else was put in them."""
    for folder in sorted(set(created), key=lambda path: path.count(os.sep), reverse=True):
        try:
            os.rmdir(folder)
        except OSError:
            pass


def missing_folders(folder: Path) -> list[str]:
    """`folder` and those of its parents that do not exist (yet)."""
    missing = []
    while not folder.exists():
        missing.append(str(folder))
        if folder.parent == folder:
            break
        folder = folder.parent
    return missing


def _file_digest(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


# a log line as json.dumps(entry, ensure_ascii=False) writes it, the texts escaped by json's own C
# function (a commit logs every file: the encoder's call per line was a third of the commit's time)
_TEXT = json.encoder.encode_basestring  # type: ignore[attr-defined]


class _UndoLog:
    """One line per target about to change: [target, backup or "", sha256 of the new bytes or ""].
    On disk (in `recovery`) when a later build must be able to undo a killed commit; else in a
    temporary file. Written before each rename, so that it always covers what was done."""

    def __init__(self, recovery: Path | None):
        self.path = recovery / UNDO_LOG if recovery is not None else None
        if self.path is not None:
            self.handle = open(self.path, "w", encoding="utf-8")
        else:
            self.handle = tempfile.TemporaryFile("w+", encoding="utf-8")

    def add(self, target: str, backup: str, digest: str) -> None:
        self.add_all([(target, backup, digest)])

    def add_all(self, entries: list[tuple[str, str, str]]) -> None:
        """Log changes about to be made, in one write."""
        self.handle.write("".join(f"[{_TEXT(target)}, {_TEXT(backup)}, {_TEXT(digest)}]\n"
                                  for target, backup, digest in entries))
        self.handle.flush()

    def entries(self) -> list[list[str]]:
        return list(self.lines())

    def lines(self) -> Iterator[list[str]]:
        """The entries, read back one at a time (a commit of a district's build has thousands)."""
        self.handle.flush()
        if self.path is not None:
            yield from _undo_lines(self.path)
            return
        self.handle.seek(0)
        for line in self.handle:
            if line.strip():
                yield json.loads(line)

    def close(self, keep: bool = False) -> None:
        self.handle.close()
        if self.path is not None and not keep:  # kept: the next build tries the undo again
            self.path.unlink(missing_ok=True)


def read_undo_log(path: Path) -> list[list[str]]:
    """The well-formed lines of an undo log (the last one may have been cut by a kill)."""
    return list(_undo_lines(path))


def _undo_lines(path: Path) -> Iterator[list[str]]:
    try:
        handle = open(path, encoding="utf-8", errors="replace")
    except OSError:
        return
    with handle:
        for line in handle:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, list) and len(entry) == 3 and all(isinstance(part, str) for part in entry):
                yield entry


def _undo(entries: list[list[str]], inside: Path | None = None) -> bool:
    """Put every backup back and remove the new files that had none, last change first; False if
    some could not be. `inside`: only paths below it (an undo log read from disk is trusted no further)."""
    done = True
    for target, backup, digest in reversed(entries):
        if inside is not None and not all(_below(path, inside) for path in (target, backup) if path):
            continue
        try:
            if backup:
                if os.path.lexists(backup):
                    os.replace(backup, target)
            elif digest and _file_digest(target) == digest:  # a new file, as this build wrote it
                os.unlink(target)
        except OSError:
            done = False
    return done


def _below(path: str, folder: Path) -> bool:
    try:
        return Path(os.path.abspath(path)).is_relative_to(Path(os.path.abspath(folder)))
    except ValueError:
        return False


def recover(folder: Path) -> bool:
    """Undo the commit a killed build left half done in `folder` (its undo log); True if there was one."""
    log = folder / UNDO_LOG
    if not log.is_file():
        return False
    if _undo(read_undo_log(log), inside=folder):
        log.unlink()
    return True


def sweep(folder: Path) -> int:
    """Remove the temporary files and backups killed builds left anywhere under `folder`; run only
    while holding the folder's lock (then no build is writing there) and after `recover`."""
    removed = 0
    todo = [os.fspath(folder)]
    while todo:  # os.walk's folders and files (not into linked folders), without its lists: a district has thousands
        try:
            with os.scandir(todo.pop()) as entries:
                for entry in entries:
                    try:
                        is_dir = entry.is_dir()
                    except OSError:
                        is_dir = False
                    if is_dir:
                        if not entry.is_symlink():
                            todo.append(entry.path)
                    elif _LEFTOVER.match(entry.name):
                        try:
                            os.unlink(entry.path)
                            removed += 1
                        except OSError:
                            pass
        except OSError:
            continue
    return removed


class Staging:
    """Collects outputs as temporary files beside their targets, and deletions; `commit` puts them
    all in place (or none), `discard` drops them. `index=True` also keeps a map in memory, for
    `path()` (the PDF conversion reads this build's tables before the commit). `recovery`: the
    folder whose undo log lets a later build finish off a killed commit (the lock's folder)."""

    def __init__(self, index: bool = True, recovery: Path | None = None) -> None:
        self._journal = tempfile.TemporaryFile()  # "tmp\0target\0sha256\0" per staged file ("" tmp: delete)
        self._where: dict[str, str] | None = {} if index else None
        self._created: list[str] = []  # folders made for staged files (a few per output folder)
        # the targets staged in the folder being staged (a build stages folder by folder; every
        # file staged is listed only on disk, in the journal, however many there are)
        self._folder, self._targets = "", set()
        self._folders: set[str] = set()  # the folders staged in before
        self.recovery = recovery
        self.count = 0

    def add(self, target: Path, data: bytes) -> Staged:
        """Stage `data` for `target`."""
        return self.adopt(stage_bytes(target, data), target)

    def write(self, target: Path, fill: Callable[[HashingFile], None]) -> Staged:
        """Stage `target` by streaming: `fill(handle)` writes it."""
        return self.adopt(stage(target, fill), target)

    def delete(self, target: Path) -> None:
        """Delete `target` with the commit (moved aside first: a failed commit puts it back)."""
        self._record("", target, "")

    def expect(self, folder: Path) -> None:
        """Files will be staged in `folder` (by worker processes too): if the build is dropped, the
        folders that do not exist now are removed again, once every temporary file in them is."""
        self._created += missing_folders(folder)

    def adopt(self, staged: Staged, target: Path) -> Staged:
        """Take over a temporary file staged for `target` (here, or by a worker process)."""
        self._created += staged.created
        self._record(staged.path, target, staged.digest)
        if self._where is not None:
            self._where[str(target)] = staged.path
        return staged

    def _record(self, tmp: str, target: Path, digest: str) -> None:
        key = os.path.normcase(os.path.abspath(target))
        folder = os.path.dirname(key)
        if folder != self._folder:  # back in a folder staged in before (PDFs): its targets, from the journal
            self._folders.add(self._folder)
            self._folder = folder
            self._targets = {name for name in (os.path.normcase(os.path.abspath(staged)) for _, staged, _
                                               in self._entries()) if os.path.dirname(name) == folder} \
                if folder in self._folders else set()
        if key in self._targets:  # two outputs of one name: a bug upstream, never a silent overwrite
            if tmp:
                os.unlink(tmp)
            raise CommitError(f"同一次运行要写两次 {target}，已停止，未改动任何文件")
        self._targets.add(key)
        self._journal.write(os.fsencode(tmp) + b"\0" + os.fsencode(target) + b"\0" + digest.encode() + b"\0")
        self.count += 1

    def path(self, target: Path) -> Path:
        """Where this build's bytes for `target` are until commit (`target` itself if not staged)."""
        if self._where is None:
            raise RuntimeError("Staging(index=False) keeps no map of its files")
        return Path(self._where.get(str(target), target))

    def _entries(self) -> Iterator[tuple[str, str, str]]:
        """The journal's (tmp, target, sha256) triples, read back a block at a time."""
        self._journal.flush()
        self._journal.seek(0)
        rest = b""
        while block := self._journal.read(1 << 16):
            fields = (rest + block).split(b"\0")
            rest = fields.pop()
            while len(fields) % 3:
                rest = fields.pop() + b"\0" + rest
            for i in range(0, len(fields), 3):
                yield os.fsdecode(fields[i]), os.fsdecode(fields[i + 1]), fields[i + 2].decode()
        self._journal.seek(0, os.SEEK_END)

    def _clear(self) -> None:
        self._journal.seek(0)
        self._journal.truncate()
        self._folder, self._targets = "", set()
        self._folders.clear()
        self.count = 0
        if self._where is not None:
            self._where.clear()

    def check(self) -> bytearray:
        """Every target can be replaced: raise CommitError naming the first that cannot. Returns
        whether each target (in the journal's order) exists."""
        folders: set[str] = set()
        exists = bytearray()
        for tmp, target, _ in self._entries():
            if tmp and not os.path.isfile(tmp):
                raise CommitError(f"临时文件 {tmp} 不见了（被其他程序删除？），未改动任何输出，请重新运行")
            there = os.path.lexists(target)
            exists.append(there)
            if there and not (os.path.isfile(target) or os.path.islink(target)):
                raise CommitError(close_hint(target))
            if sys.platform == "win32" and os.path.isfile(target):
                try:  # a table open in Word or WPS cannot be opened for writing on Windows
                    with open(target, "r+b"):
                        pass
                except OSError as exc:
                    raise CommitError(close_hint(target)) from exc
            folders.add(os.path.dirname(target))
        for folder in sorted(folders):
            if not os.access(folder, os.W_OK):
                raise CommitError(f"无法写入目录 {folder}：没有写入权限或磁盘是只读的；已有的输出没有改动")
        if self.recovery is not None and folders:
            try:
                free = shutil.disk_usage(self.recovery).free
            except OSError:
                free = _ROOM
            if free < _ROOM:
                raise CommitError(f"磁盘空间不足（{self.recovery} 所在的磁盘）：请腾出空间后再运行；已有的输出没有改动")
        return exists

    def commit(self, record: Callable[[list[Path]], object] | None = None) -> list[Path]:
        """Check every target, then put every staged file in place and make every deletion; on any
        failure undo what was done and raise CommitError. Returns the targets written, or, with
        `record`, gives them to it a block at a time (and returns nothing: a district's build
        writes tens of thousands)."""
        written: list[Path] = []
        if not self.count:
            self._created.clear()
            return written
        record = record or written.extend
        exists = iter(self.check())  # the targets there now (the build holds the folder's lock)
        log = _UndoLog(self.recovery)
        target = ""
        backups = False
        try:
            # a block of changes at a time: each logged (one write) before the first is made, since
            # undoing a change not made yet changes nothing (no backup to put back, no new file)
            for block in _blocks(self._entries(), 256):
                changes = []
                for tmp, target, digest in block:
                    backup = ""
                    if next(exists):
                        backups = True
                        backup = (tmp[:-len(TEMP_SUFFIX)] if tmp else str(_temporary_name(Path(target)))) \
                            + BACKUP_SUFFIX
                    changes.append((tmp, target, digest, backup))
                log.add_all([(target, backup, digest) for _, target, digest, backup in changes])
                done = []
                for tmp, target, _, backup in changes:
                    if backup:
                        os.replace(target, backup)
                    if tmp:
                        os.replace(tmp, target)
                        done.append(target)
                record([Path(target) for target in done])
        except BaseException as exc:
            log.close(keep=not _undo(log.entries()))
            if isinstance(exc, OSError):
                raise CommitError((disk_message(target, exc) or f"无法写入 {target}：{exc.strerror or exc}")
                                  + "；已恢复原有的输出，本次未改动任何文件") from exc
            raise
        for _, backup, _ in log.lines() if backups else ():  # done: the old outputs go
            if backup:
                try:
                    os.unlink(backup)
                except OSError:
                    pass
        log.close()
        self._clear()
        self._created.clear()
        return written

    def discard(self) -> None:
        for tmp, _, _ in self._entries():
            if tmp:
                Path(tmp).unlink(missing_ok=True)
        self._clear()
        remove_folders(self._created)
        self._created.clear()

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.discard()  # anything not committed is dropped, also on Ctrl-C
        self._journal.close()


def _blocks(items: Iterable, size: int) -> Iterator[list]:
    """`items` in lists of `size` (the last shorter): a commit of any size holds one block."""
    block = []
    for item in items:
        block.append(item)
        if len(block) == size:
            yield block
            block = []
    if block:
        yield block


def _temporary_name(target: Path) -> Path:
    """A free hidden name beside `target` of the temporary files' shape (for a deletion's backup)."""
    fd, name = _temporary(target)
    os.close(fd)
    os.unlink(name)
    return Path(name[:-len(TEMP_SUFFIX)])
