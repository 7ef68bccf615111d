"""Stage 5, write: deterministic bytes, written atomically.

Same spec, same bytes: every zip entry gets one fixed timestamp and the document properties a
fixed date, so outputs diff cleanly in git. Outputs are staged as temporary files beside their
targets and renamed only once every table of the build rendered, so a failed or interrupted build
leaves every earlier output as it was.
"""
from __future__ import annotations

import os
import re
import tempfile
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Iterable

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
FIXED_DATE = "2000-01-01T00:00:00Z"
_UMASK = os.umask(0o022)  # read the umask (only settable), then put it back
os.umask(_UMASK)
_FILE_MODE = 0o666 & ~_UMASK
_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def zip_bytes(entries: Iterable[tuple[str, bytes]]) -> bytes:
    """A zip (docx/xlsx container) whose bytes depend only on the entries."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = _CORE_DATES.sub(rb"\g<1>" + FIXED_DATE.encode() + rb"\g<3>", data)
            info = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue()


def normalize_zip(data: bytes) -> bytes:
    """Re-pack a zip written by another library (openpyxl) deterministically."""
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return zip_bytes([(info.filename, archive.read(info)) for info in archive.infolist()])


class Staging:
    """Collects outputs as temporary files; `commit` renames them all into place, `discard` drops them."""

    def __init__(self) -> None:
        self.staged: list[tuple[Path, Path]] = []

    def add(self, target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            if hasattr(os, "fchmod"):  # mkstemp makes 0600; outputs get the usual mode, like any new file
                os.fchmod(fd, _FILE_MODE)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        except BaseException:
            os.unlink(tmp)
            raise
        self.staged.append((Path(tmp), target))

    def commit(self) -> list[Path]:
        written = []
        for tmp, target in self.staged:
            os.replace(tmp, target)
            written.append(target)
        self.staged.clear()
        return written

    def discard(self) -> None:
        for tmp, _ in self.staged:
            tmp.unlink(missing_ok=True)
        self.staged.clear()

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.discard()  # anything not committed is dropped, also on Ctrl-C
