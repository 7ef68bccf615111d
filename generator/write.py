"""Stage 5, write: deterministic bytes, written atomically.

Same spec, same bytes: every zip entry gets one fixed timestamp and the document properties a
fixed date, so outputs diff cleanly in git. Outputs are staged as temporary files beside their
targets and renamed only once every table of the build rendered, so a failed or interrupted build
leaves every earlier output as it was.

The zip writer is our own (the layout `zipfile` writes, byte for byte, on every OS) because a
table's package is mostly fixed parts: a template's styles, theme and fonts are deflated once as
`Entry`s and copied into every table, and the 汇总 workbook copies each project's sheet as it was
compressed for the project's own workbook.
"""
from __future__ import annotations

import hashlib
import os
import re
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, NamedTuple

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
FIXED_DATE = "2000-01-01T00:00:00Z"
COMPRESSLEVEL = 6  # zlib's default: level 9 makes these parts 1 % smaller and deflates 3× slower
_UMASK = os.umask(0o022)  # read the umask (only settable), then put it back
os.umask(_UMASK)
_FILE_MODE = 0o666 & ~_UMASK
_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")

# the records zipfile writes (APPNOTE 4.3.7, 4.3.12, 4.3.16), for entries without zip64 extras
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_END = struct.Struct("<4s4H2LH")
_DOS_TIME = FIXED_ZIP_TIME[3] << 11 | FIXED_ZIP_TIME[4] << 5 | FIXED_ZIP_TIME[5] // 2
_DOS_DATE = (FIXED_ZIP_TIME[0] - 1980) << 9 | FIXED_ZIP_TIME[1] << 5 | FIXED_ZIP_TIME[2]
_VERSION = 20          # deflate
_UNIX = 3              # "made by" Unix, so that the mode bits below mean the same everywhere
_MODE = 0o644 << 16
_UTF8_NAME = 0x800


@dataclass(frozen=True)
class Entry:
    """A zip member, already deflated: written as it is into any number of packages."""

    name: str
    crc: int
    size: int
    data: bytes  # raw deflate stream


def deflate(name: str, data: bytes) -> Entry:
    if name == "docProps/core.xml":
        data = _CORE_DATES.sub(rb"\g<1>" + FIXED_DATE.encode() + rb"\g<3>", data)
    compressor = zlib.compressobj(COMPRESSLEVEL, zlib.DEFLATED, -15)
    return Entry(name, zlib.crc32(data), len(data), compressor.compress(data) + compressor.flush())


class ZipWriter:
    """Writes entries one after the other to a binary file: nothing but the central directory
    (~100 bytes per entry) stays in memory, so a workbook of any size streams to disk."""

    def __init__(self, handle: BinaryIO):
        self.handle = handle
        self.offset = 0
        self.central: list[bytes] = []

    def add(self, entry: Entry | tuple[str, bytes]) -> None:
        if not isinstance(entry, Entry):
            entry = deflate(*entry)
        try:
            name, flags = entry.name.encode("ascii"), 0
        except UnicodeEncodeError:
            name, flags = entry.name.encode("utf-8"), _UTF8_NAME
        if len(entry.data) > 0xFFFFFFF0 or entry.size > 0xFFFFFFF0 or self.offset > 0xFFFFFFF0:
            raise ValueError(f"{entry.name}: too large for a table package (zip64)")
        self.handle.write(_LOCAL.pack(b"PK\x03\x04", _VERSION, 0, flags, zipfile.ZIP_DEFLATED, _DOS_TIME, _DOS_DATE,
                                      entry.crc, len(entry.data), entry.size, len(name), 0))
        self.handle.write(name)
        self.handle.write(entry.data)
        self.central.append(_CENTRAL.pack(b"PK\x01\x02", _VERSION, _UNIX, _VERSION, 0, flags, zipfile.ZIP_DEFLATED,
                                          _DOS_TIME, _DOS_DATE, entry.crc, len(entry.data), entry.size, len(name),
                                          0, 0, 0, 0, _MODE, self.offset) + name)
        self.offset += _LOCAL.size + len(name) + len(entry.data)

    def close(self) -> None:
        directory = b"".join(self.central)
        self.handle.write(directory)
        self.handle.write(_END.pack(b"PK\x05\x06", 0, 0, len(self.central), len(self.central), len(directory),
                                    self.offset, 0))


def zip_bytes(entries: Iterable[Entry | tuple[str, bytes]]) -> bytes:
    """A zip (docx/xlsx container) whose bytes depend only on the entries."""
    buffer = BytesIO()
    writer = ZipWriter(buffer)
    for entry in entries:
        writer.add(entry)
    writer.close()
    return buffer.getvalue()


def normalize_zip(data: bytes) -> bytes:
    """Re-pack a zip written by another library deterministically."""
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return zip_bytes([(info.filename, archive.read(info)) for info in archive.infolist()])


def read_entry(path: Path, name: str) -> Entry:
    """One member of a zip file as an Entry, without inflating it when it is deflated (as ours are)."""
    with open(path, "rb") as handle, zipfile.ZipFile(handle) as archive:
        info = archive.getinfo(name)
        if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 0x1:
            return deflate(name, archive.read(info))
        handle.seek(info.header_offset)
        header = _LOCAL.unpack(handle.read(_LOCAL.size))
        handle.seek(header[-2] + header[-1], os.SEEK_CUR)  # the name and extra field
        return Entry(name, info.CRC, info.file_size, handle.read(info.compress_size))


# ---------------------------------------------------------------- staging

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

    tmp: Path
    digest: str
    created: tuple[str, ...] = ()  # outermost first; removed again if the build is dropped


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


def stage(target: Path, fill: Callable[[HashingFile], None]) -> Staged:
    """A new temporary file beside `target` (never `target` itself) that `fill` writes to."""
    created = make_folder(target.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        if hasattr(os, "fchmod"):  # mkstemp makes 0600; outputs get the usual mode, like any new file
            os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            hashing = HashingFile(handle)
            fill(hashing)
    except BaseException:
        os.unlink(tmp)
        remove_folders(created)
        raise
    return Staged(Path(tmp), hashing.digest.hexdigest(), created)


def stage_bytes(target: Path, data: bytes) -> Staged:
    return stage(target, lambda handle: handle.write(data))


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


class Staging:
    """Collects outputs as temporary files beside their targets; `commit` renames them all into
    place, `discard` drops them. Which temporary file is for which target is kept in a journal on
    disk, not in memory: a district's build stages thousands of files. `index=True` also keeps a
    map in memory, for `path()` (the PDF conversion reads this build's tables before the commit)."""

    def __init__(self, index: bool = True) -> None:
        self._journal = tempfile.TemporaryFile()  # "tmp\0target\0" for each staged file
        self._where: dict[str, str] | None = {} if index else None
        self._created: list[str] = []  # folders made for staged files (a few per output folder)
        self.count = 0

    def add(self, target: Path, data: bytes) -> Staged:
        """Stage `data` for `target`."""
        return self.adopt(stage_bytes(target, data), target)

    def write(self, target: Path, fill: Callable[[HashingFile], None]) -> Staged:
        """Stage `target` by streaming: `fill(handle)` writes it."""
        return self.adopt(stage(target, fill), target)

    def expect(self, folder: Path) -> None:
        """Files will be staged in `folder` (by worker processes too): if the build is dropped, the
        folders that do not exist now are removed again, once every temporary file in them is."""
        self._created += missing_folders(folder)

    def adopt(self, staged: Staged, target: Path) -> Staged:
        """Take over a temporary file staged for `target` (here, or by a worker process)."""
        self._journal.write(os.fsencode(staged.tmp) + b"\0" + os.fsencode(target) + b"\0")
        self._created += staged.created
        self.count += 1
        if self._where is not None:
            self._where[str(target)] = str(staged.tmp)
        return staged

    def path(self, target: Path) -> Path:
        """Where this build's bytes for `target` are until commit (`target` itself if not staged)."""
        if self._where is None:
            raise RuntimeError("Staging(index=False) keeps no map of its files")
        return Path(self._where.get(str(target), target))

    def _entries(self):
        """The journal's (tmp, target) pairs, read back a block at a time; then it is emptied."""
        self._journal.flush()
        self._journal.seek(0)
        rest = b""
        while block := self._journal.read(1 << 16):
            fields = (rest + block).split(b"\0")
            rest = fields.pop()
            if len(fields) % 2:
                rest = fields.pop() + b"\0" + rest
            for i in range(0, len(fields), 2):
                yield os.fsdecode(fields[i]), os.fsdecode(fields[i + 1])
        self._journal.seek(0)
        self._journal.truncate()
        self.count = 0
        if self._where is not None:
            self._where.clear()

    def commit(self) -> list[Path]:
        written = []
        for tmp, target in self._entries():
            os.replace(tmp, target)
            written.append(Path(target))
        self._created.clear()
        return written

    def discard(self) -> None:
        for tmp, _ in self._entries():
            Path(tmp).unlink(missing_ok=True)
        remove_folders(self._created)
        self._created.clear()

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.discard()  # anything not committed is dropped, also on Ctrl-C
        self._journal.close()
