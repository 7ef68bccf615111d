"""Incremental builds: a content key per output, and a manifest of what each output folder holds.

A project's key hashes everything its two tables are made of: the typed project (what the spec
became after expand() and the model, so inherited or category indicators count), every file of
its variant folder, and the toolchain (perfgen's version and source, the libraries that write the
bytes, zlib). A project whose key and output files are unchanged since the last build is skipped.

The manifest (`.perfgen.json` in each output folder) records, per group of outputs, the key it was
built from and the sha256 of each file written: an output edited or deleted by hand is rebuilt, and
a file perfgen wrote for a project that is gone is removed. It holds no timestamps, so the same
specs give the same manifest, however they were built.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import sys
import zlib
from decimal import Decimal
from enum import Enum
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

from . import __version__

MANIFEST = ".perfgen.json"
# the libraries whose versions can change the bytes of an output
_WRITERS = ("docxtpl", "python-docx", "openpyxl", "lxml", "jinja2")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _plain(value: Any) -> Any:
    """A JSON-ready, order-stable view of a model value (dataclasses, pydantic models, Decimal, dates)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"__type__": type(value).__name__,   # a field marked prints=False (a line number) changes no output
                **{f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                   if f.metadata.get("prints", True)}}
    if hasattr(value, "model_dump"):
        return _plain(value.model_dump())
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return f"D:{value}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return value.as_posix()
    return value


def fingerprint(value: Any, *, skip: tuple[str, ...] = ()) -> str:
    """sha256 of a value's content; top-level dataclass fields in `skip` are left out."""
    plain = _plain(value)
    if isinstance(plain, dict):
        plain = {k: v for k, v in plain.items() if k not in skip}
    return sha256(json.dumps(plain, ensure_ascii=False, sort_keys=True).encode("utf-8"))


def folder_key(folder: Path) -> str:
    """sha256 over every file of a folder (relative names and contents), hidden files excluded."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder)
        if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            continue
        digest.update(relative.as_posix().encode("utf-8") + b"\0")
        digest.update(sha256(path.read_bytes()).encode() + b"\n")
    return digest.hexdigest()


@lru_cache(maxsize=1)
def toolchain_key() -> str:
    """perfgen's version and source plus the versions of what writes the bytes."""
    parts = [f"perfgen {__version__}", f"python {sys.version_info[:2]}", f"zlib {zlib.ZLIB_RUNTIME_VERSION}",
             f"source {folder_key(Path(__file__).resolve().parent)}"]
    for name in _WRITERS:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} ?")
    return sha256("\n".join(parts).encode())


def key(*parts: str) -> str:
    return sha256("\n".join(parts).encode())


class Manifest:
    """What an output folder holds: group → {"key": …, "files": {name: sha256}}."""

    def __init__(self, folder: Path, groups: dict[str, dict] | None = None):
        self.folder = folder
        self.groups: dict[str, dict] = groups or {}

    @classmethod
    def load(cls, folder: Path) -> "Manifest":
        """The folder's manifest; a missing or unreadable one is empty (everything rebuilds)."""
        try:
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
            groups = data["outputs"]
            if not isinstance(groups, dict):
                raise TypeError
        except (OSError, ValueError, KeyError, TypeError):
            groups = {}
        return cls(folder, groups)

    def fresh(self, group: str, group_key: str) -> bool:
        """True when `group` was built from `group_key` and every file it wrote is still as written."""
        entry = self.groups.get(group)
        if not isinstance(entry, dict) or entry.get("key") != group_key or not entry.get("files"):
            return False
        for name, digest in entry["files"].items():
            path = self.folder / name
            try:
                if sha256(path.read_bytes()) != digest:
                    return False
            except OSError:
                return False
        return True

    def files(self, group: str) -> dict[str, str]:
        entry = self.groups.get(group)
        return dict(entry.get("files", {})) if isinstance(entry, dict) else {}

    def record(self, group: str, group_key: str, files: dict[str, bytes]) -> None:
        self.groups[group] = {"key": group_key, "files": {name: sha256(data) for name, data in sorted(files.items())}}

    def all_files(self) -> set[str]:
        return {name for group in self.groups for name in self.files(group)}

    def to_bytes(self) -> bytes:
        data = {"perfgen": __version__, "outputs": dict(sorted(self.groups.items()))}
        return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
