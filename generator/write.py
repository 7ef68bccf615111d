"""Stage 5, write: deterministic bytes (how they reach the disk, all or nothing, is staging.py's).

Same spec, same bytes: every zip entry gets one fixed timestamp and the document properties a
fixed date, so outputs diff cleanly in git.

The zip writer is our own (the layout `zipfile` writes, byte for byte, on every OS) because a
table's package is mostly fixed parts: a template's styles, theme and fonts are deflated once as
`Entry`s and copied into every table, and the 汇总 workbook copies each project's sheet as it was
compressed for the project's own workbook.
"""
from __future__ import annotations

import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import BinaryIO, Iterable

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
FIXED_DATE = "2000-01-01T00:00:00Z"
COMPRESSLEVEL = 6  # zlib's default: level 9 makes these parts 1 % smaller and deflates 3× slower
_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")
_FIXED_DATES = rb"\g<1>" + FIXED_DATE.encode() + rb"\g<3>"

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
        data = _CORE_DATES.sub(_FIXED_DATES, data)
    return Entry(name, zlib.crc32(data), len(data), zlib.compress(data, COMPRESSLEVEL, -15))  # raw deflate


_OFFSET = struct.Struct("<L")
_LARGEST = 0xFFFFFFF0  # zip64 above: a table package never needs it


def _name(name: str) -> tuple[bytes, int]:
    try:
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), _UTF8_NAME


def _records(entry: Entry) -> tuple[bytes, bytes, bytes]:
    """(the local header with the name, the central record before its offset, the name) zipfile
    writes for `entry` (APPNOTE 4.3.7, 4.3.12)."""
    if len(entry.data) > _LARGEST or entry.size > _LARGEST:
        raise ValueError(f"{entry.name}: too large for a table package (zip64)")
    name, flags = _name(entry.name)
    local = _LOCAL.pack(b"PK\x03\x04", _VERSION, 0, flags, zipfile.ZIP_DEFLATED, _DOS_TIME, _DOS_DATE, entry.crc,
                        len(entry.data), entry.size, len(name), 0) + name
    central = _CENTRAL.pack(b"PK\x01\x02", _VERSION, _UNIX, _VERSION, 0, flags, zipfile.ZIP_DEFLATED, _DOS_TIME,
                            _DOS_DATE, entry.crc, len(entry.data), entry.size, len(name), 0, 0, 0, 0, _MODE, 0)
    return local, central[:-_OFFSET.size], name


def packed(entry: Entry) -> Entry:
    """`entry` with its zip records made once, for a part copied into many packages (a template's
    styles, a workbook's fixed parts): ZipWriter then writes them as they are."""
    if "records" not in entry.__dict__:
        local, central, name = _records(entry)
        entry.__dict__["records"] = (local + entry.data, central, name)  # frozen: its fields, not this
    return entry


class ZipWriter:
    """Writes entries one after the other to a binary file: nothing but the central directory
    (~100 bytes per entry) stays in memory, so a workbook of any size streams to disk."""

    def __init__(self, handle: BinaryIO):
        self.write = handle.write
        self.offset = 0
        self.central: list[bytes] = []  # per entry: its record before its offset, its offset, its name

    def add(self, entry: Entry | tuple[str, bytes]) -> None:
        self.add_all((entry,))

    def add_all(self, entries: Iterable[Entry | tuple[str, bytes]]) -> None:
        """Each entry (or (name, data), deflated here) in turn: one loop, not a call per entry (a
        table's packages hold 18)."""
        write, central, offset, pack = self.write, self.central, self.offset, _OFFSET.pack
        for entry in entries:
            if entry.__class__ is not Entry:
                entry = deflate(*entry)
            if offset > _LARGEST:
                raise ValueError(f"{entry.name}: too large for a table package (zip64)")
            records = entry.__dict__.get("records")  # packed(): made once, the data after the local header
            if records is None:
                local, before, name = _records(entry)
                write(local)
                write(entry.data)
                size = len(local) + len(entry.data)
            else:
                local, before, name = records
                write(local)
                size = len(local)
            central += (before, pack(offset), name)
            offset += size
        self.offset = offset

    def close(self) -> None:
        directory = b"".join(self.central)
        self.write(directory)
        count = len(self.central) // 3
        self.write(_END.pack(b"PK\x05\x06", 0, 0, count, count, len(directory), self.offset, 0))


def zip_bytes(entries: Iterable[Entry | tuple[str, bytes]]) -> bytes:
    """A zip (docx/xlsx container) whose bytes depend only on the entries."""
    buffer = BytesIO()
    writer = ZipWriter(buffer)
    writer.add_all(entries)
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


# Staging moved to staging.py (the commit is a concern of its own); this name stays for imports
# written before the move. New code imports it from there.
from .staging import Staging  # noqa: E402,F401
