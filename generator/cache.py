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
import errno
import hashlib
import json
import os
import re
import sys
import time
import zlib
from enum import Enum
from itertools import chain
from operator import attrgetter
from pathlib import Path
from stat import S_ISREG
from typing import Any

from . import __version__
from .errors import Frozen
from .tidy import refresh

MANIFEST = ".perfgen.json"
# the libraries whose versions can change the bytes of an output (the Excel XML is perfgen's own)
_WRITERS = ("docxtpl", "python-docx", "lxml", "jinja2")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_SCALARS = frozenset((str, int, float, bool, type(None)))
_FIELDS: dict[type, tuple[str, ...] | None] = {}  # a table's class → the fields its key hashes; other types → None


def _fields(kind: type) -> tuple[str, ...] | None:
    """The fields of a dataclass that print (a field marked prints=False, a line number, changes no
    output), or of a class naming them in PRINTED (the model's errors.Frozen tables, keyed as the
    dataclasses they were), looked up once per class: a district's build keys thousands of projects."""
    if kind not in _FIELDS:
        _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(kind) if f.metadata.get("prints", True)) \
            if dataclasses.is_dataclass(kind) else kind.__dict__.get("PRINTED")
    return _FIELDS[kind]


def _one_level(value: Any) -> Any:
    """A JSON-ready view of what json's C encoder cannot write itself (dataclasses, pydantic models,
    Decimal, dates), one level deep: the encoder calls it for each such value inside, so the texts
    and numbers of a project cost no Python call. (Mappings' keys must be texts, as every table's
    are: the encoder would write 1 and True as "1" and "true".)"""
    kind = type(value)
    view = _VIEWS.get(kind)
    if view is not None:
        return view(value)
    names = _fields(kind)
    if names is not None:
        view = _VIEWS[kind] = _dataclass_view(kind.__name__, names)
        return view(value)
    if hasattr(value, "model_dump"):
        return value.model_dump()
    from decimal import Decimal  # loaded where projects are keyed, not by a build with nothing to do

    if isinstance(value, Decimal):
        if kind is Decimal:
            _VIEWS[kind] = _decimal_view
        return f"D:{value}"
    if isinstance(value, (dt.date, dt.datetime)):
        if kind is dt.date or kind is dt.datetime:
            _VIEWS[kind] = kind.isoformat
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return value.as_posix()
    raise TypeError(f"{kind.__name__} has no content key")


# a kind met before → its view, for the kinds whose view depends on nothing but the kind: a
# dataclass, Decimal, date and datetime themselves (a project's amounts and dates: the encoder asks
# for each of them)
_VIEWS: dict[type, Any] = {}


def _decimal_view(value: Any) -> str:
    return f"D:{value}"


def _dataclass_view(type_name: str, names: tuple[str, ...]) -> Any:
    get = attrgetter(*names) if len(names) > 1 else None

    def view(value: Any) -> dict[str, Any]:
        plain = {"__type__": type_name}
        if get is not None:
            plain.update(zip(names, get(value)))
        else:
            for name in names:
                plain[name] = getattr(value, name)
        return plain
    return view


_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, check_circular=False, default=_one_level).encode


def fingerprint(value: Any, *, skip: tuple[str, ...] = ()) -> str:
    """sha256 of a value's content; top-level dataclass fields in `skip` are left out."""
    plain = value if type(value) in _SCALARS or isinstance(value, (dict, list, tuple)) else _one_level(value)
    if isinstance(plain, dict) and skip:
        plain = {k: v for k, v in plain.items() if str(k) not in skip}
    return sha256(_encode(plain).encode("utf-8"))


def _encode(plain: Any) -> str:
    """_ENCODE(plain), with a top-level field that lists dataclasses (a table's indicators) written
    from each item's remembered JSON: a district's tables repeat their indicators, and encoding
    them is most of a key. The text is the same: a sentinel is encoded in the field's place and
    replaced by the list as the encoder writes it (", " between items)."""
    if not isinstance(plain, dict):
        return _ENCODE(plain)
    lists = {}
    for name, items in plain.items():
        if type(items) in (tuple, list) and items and _fields(type(items[0])) is not None \
                and all(type(item) is type(items[0]) for item in items):
            lists[name] = items
    if not lists:
        return _ENCODE(plain)
    marked = dict(plain)
    for name in lists:
        marked[name] = f"\0{name}\0"
    text = _ENCODE(marked)
    for name, items in lists.items():
        sentinel = _ENCODE(f"\0{name}\0")
        if text.count(sentinel) != 1:  # a text of the table holds the sentinel itself: no splicing
            return _ENCODE(plain)
        text = text.replace(sentinel, "[" + ", ".join(map(_item_json, items)) + "]")
    return text


# a list item's JSON by its printing fields: texts by value, anything else (numbers too: 1 is not
# true, Decimal 1.0 is not 1.00) by identity, kept in the entry so that no other object takes its id
_ITEMS: dict[tuple, tuple[tuple, str]] = {}
_GETTERS: dict[type, tuple[Any, bool]] = {}  # a dataclass → its printing fields' getter, whether it is frozen
# a frozen item's JSON by the item's identity (the model shares an indicator met before between
# tables: model._indicators), the item kept with it
_BY_ID: dict[int, tuple[Any, str]] = {}


def _item_json(item: Any) -> str:
    found = _BY_ID.get(id(item))
    if found is not None and found[0] is item:
        return found[1]
    kind = type(item)
    known = _GETTERS.get(kind)
    if known is None:
        names = _FIELDS[kind]
        get = attrgetter(*names) if len(names) > 1 else (lambda value: (getattr(value, names[0]),) if names else ())
        known = _GETTERS[kind] = (get, issubclass(kind, Frozen) or kind.__dataclass_params__.frozen)
    get, frozen = known
    parts = get(item)
    key = (kind, tuple(part if type(part) is str or part is None else id(part) for part in parts))
    found = _ITEMS.get(key)
    if found is not None:
        text = found[1]
    else:
        text = _ENCODE(item)
        if len(_ITEMS) >= 1024:  # a department repeats its indicators (categories, copies); memory stays flat
            _ITEMS.clear()
        _ITEMS[key] = (parts, text)
    if frozen:
        if len(_BY_ID) >= 1024:
            _BY_ID.clear()
        _BY_ID[id(item)] = (item, text)
    return text


def folder_key(folder: Path, digests: "Digests | None" = None) -> str:
    """sha256 over every file of a folder (relative names and contents), hidden files excluded.
    `digests`: the memory of files' sha256 to use (a build keeps one for the folders every spec
    folder shares: perfgen's source, the templates, 类别/), so that unchanged files are not read."""
    digests = digests or _NO_MEMORY
    files = []
    # os.walk, hidden folders and __pycache__ pruned (rglob went through every .pyc), not into
    # linked folders; regular files only (a link to a file counts as the file), as rglob + is_file
    for path, subfolders, names in os.walk(folder):
        subfolders[:] = [name for name in subfolders if not name.startswith(".") and name != "__pycache__"]
        relative = os.path.relpath(path, folder)
        parts = () if relative == "." else tuple(relative.split(os.sep))
        files += [((*parts, name), os.path.join(path, name)) for name in names
                  if not name.startswith(".") and name != "__pycache__"]
    digest = hashlib.sha256()
    # in the order of the Paths' sort, part by part ("a/b" before "a-c"), as before
    for parts, path in sorted(files, key=lambda item: tuple(map(os.path.normcase, item[0]))):
        try:
            sha = digests.digest(path)
        except IsADirectoryError:  # a FIFO, a device, a link to a folder: no bytes of a file
            continue
        except OSError as exc:  # a broken link, a file gone since: not a file (Path.is_file)
            if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP, errno.EBADF):
                continue
            raise
        digest.update("/".join(parts).encode("utf-8") + b"\0")
        digest.update(sha.encode() + b"\n")
    return digest.hexdigest()


_TOOLCHAIN: list[str] = []  # once per process (a forked worker has its parent's)


def toolchain_key(digests: "Digests | None" = None) -> str:
    """perfgen's version and source plus the versions of what writes the bytes (`digests`: see folder_key)."""
    if not _TOOLCHAIN:
        parts = [f"perfgen {__version__}", f"python {sys.version_info[:2]}", f"zlib {zlib.ZLIB_RUNTIME_VERSION}",
                 f"source {folder_key(Path(__file__).resolve().parent, digests)}"]
        versions = installed_versions(_WRITERS)
        parts += [f"{name} {versions.get(name, '?')}" for name in _WRITERS]
        _TOOLCHAIN.append(sha256("\n".join(parts).encode()))
    return _TOOLCHAIN[0]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def installed_versions(names: tuple[str, ...]) -> dict[str, str]:
    """The installed version of each distribution, read from the names of the *.dist-info folders
    on sys.path, first found first (as importlib.metadata finds them, without its 15 ms import: a
    build with nothing to do takes a third of a second)."""
    wanted = {_normal(name): name for name in names}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            listing = os.listdir(entry or ".")
        except OSError:
            continue
        for item in listing:
            if item.endswith(".dist-info") and "-" in item:
                name, version = item[:-len(".dist-info")].split("-", 1)
                if _normal(name) in wanted:
                    found.setdefault(wanted[_normal(name)], version)
    missing = [name for name in names if name not in found]
    if missing:  # installed some other way (an egg, a zip): ask importlib.metadata
        from importlib import metadata

        for name in missing:
            try:
                found[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                pass
    return found


def key(*parts: str) -> str:
    return sha256("\n".join(parts).encode())


def stat_key(path: Path | str) -> list[int]:
    """What identifies a file's bytes without reading them: size, modification time, inode.
    (Not ctime: renaming a staged file into place changes it, and every output is renamed.)"""
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def cache_folder() -> Path:
    """$PERFGEN_CACHE, else the platform's cache folder for perfgen."""
    if os.environ.get("PERFGEN_CACHE"):
        return Path(os.environ["PERFGEN_CACHE"])
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home()) / "perfgen" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "perfgen"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "perfgen"


class Digests:
    """The sha256 of files, remembered between builds by (size, mtime, inode) as git's index
    does: a no-op build of a district reads none of its thousands of tables and specs.

    One store per output folder, in the user's cache folder, never beside the outputs (which are
    committed); it holds the files this build met, so it stays the size of one folder. A file
    changed just before its entry was made is not trusted ("racily clean": an edit in the same
    tick of the file clock could keep size and mtime) and is read again next time; the tick is
    taken as 2 s where mtimes are whole (FAT, HFS+), else as 50 ms (ext4, NTFS, APFS…)."""

    def __init__(self, store: Path | None = None):
        self.store = store
        self.entries: dict[str, list] = {}
        self.seen: dict[str, list] = {}   # path → [size, mtime_ns, inode, sha256, when recorded]
        # the `# 待核对` comments of the spec folder, and the inputs key of the files they were read from
        self.review: dict | None = None
        self.reviewed = False             # `review` set in this build (saved with the entries)
        if store is not None:
            try:
                with open(store, "rb") as handle:
                    data = _store_data(handle.read())
                    refresh(store, os.fstat(handle.fileno()).st_mtime)  # in use: kept by tidy
                if isinstance(data, dict) and isinstance(data.get("files"), dict):
                    self.entries = data["files"]
                    self.review = data.get("review") if isinstance(data.get("review"), dict) else None
            except (OSError, ValueError):
                self.entries = {}

    @classmethod
    def for_output(cls, out: Path, stores: Path | None = None) -> "Digests":
        """The remembered digests of the files met when building into the output folder `out`
        (`stores`: the folder of the stores, Digests.folder(), when it is known)."""
        name = sha256(os.path.abspath(out).encode("utf-8"))[:32]
        return cls((stores or cls.folder()) / f"{name}.json")

    @staticmethod
    def folder() -> Path:
        """Where the stores are kept."""
        return cache_folder() / "digests"

    @classmethod
    def shared(cls, out: Path) -> "Digests":
        """The remembered digests of the files every spec folder of a build into `out` shares:
        perfgen's source, the templates, the 类别/ and 评分规则/ folders (the build holds out's lock)."""
        name = sha256(os.path.abspath(out).encode("utf-8") + b"\0shared")[:32]
        return cls(cache_folder() / "digests" / f"{name}.json")

    def digest(self, path: Path | str) -> str:
        """The file's sha256 (OSError if it cannot be read)."""
        key = path if type(path) is str else str(path)
        st = os.stat(key)
        if not S_ISREG(st.st_mode):  # a folder or a FIFO (reading one would hang) holds no bytes of ours
            raise IsADirectoryError(errno.EISDIR, "不是普通文件", key)
        entry = self.entries.get(key)
        # (compared field by field: a no-op build of a district asks this of six thousand files)
        if (type(entry) is list and len(entry) == 5 and entry[0] == st.st_size and entry[1] == st.st_mtime_ns
                and entry[2] == st.st_ino and _trusted(entry) and type(entry[3]) is str):  # (a store is not trusted)
            self.seen[key] = entry
            return entry[3]
        with open(key, "rb") as handle:
            digest = sha256(handle.read())
        if self.store is not None:
            self.seen[key] = [st.st_size, st.st_mtime_ns, st.st_ino, digest, time.time_ns()]
        return digest

    def same(self, folder: str, groups: list[dict[str, str]]) -> bool:
        """Whether each file of `groups` (file name in `folder` → sha256) still has that sha256:
        `digest` of each, its common case in one loop (a no-op build of a district asks it of
        thousands of tables)."""
        entries, seen, stat = self.entries, self.seen, os.stat
        prefix = os.path.join(folder, "")  # + a plain name (Manifest.load): os.path.join's path
        for files in groups:
            for name, sha in files.items():
                path = prefix + name
                entry = entries.get(path)
                try:
                    if type(entry) is list and len(entry) == 5 and entry[3] == sha:
                        st = stat(path)
                        if (entry[0] == st.st_size and entry[1] == st.st_mtime_ns and entry[2] == st.st_ino
                                and S_ISREG(st.st_mode) and _trusted(entry)):
                            seen[path] = entry
                            continue
                    if self.digest(path) != sha:
                        return False
                except OSError:
                    return False
        return True

    def remember(self, path: Path, digest: str, stat: list[int]) -> None:
        """`path` holds bytes with this digest, as `stat` (taken when they were written) says.
        Entries are dated when the store is saved: save a written file's entry after a while."""
        if self.store is not None:  # without a store nothing is kept
            self.seen[str(path)] = [*stat, digest, None]

    def save(self) -> None:
        """Keep the entries of the files met in this build (a cache: failing to write it is no error)."""
        if self.store is None or (self.seen == self.entries and not self.reviewed):
            return
        now = time.time_ns()
        for entry in self.seen.values():
            if entry[4] is None:
                entry[4] = now
        data: dict[str, Any] = {"files": self.seen}
        if self.review is not None:
            data["review"] = self.review
        try:
            self.store.parent.mkdir(parents=True, exist_ok=True)
            _overwrite(self.store, _store_bytes(data))
        except OSError:
            pass

    def review_marks(self, inputs: str) -> list[tuple[str, int, str]] | None:
        """The `# 待核对` comments (file name, line, note) remembered for a spec folder whose
        inputs_key is `inputs` (its files byte for byte those they were read from), or None."""
        review = self.review
        if review is None or review.get("inputs") != inputs or not isinstance(review.get("marks"), list):
            return None
        marks = review["marks"]
        if not all(isinstance(m, list) and len(m) == 3 and isinstance(m[0], str) and type(m[1]) is int
                   and isinstance(m[2], str) for m in marks):
            return None
        return [(name, line, note) for name, line, note in marks]

    def remember_review_marks(self, inputs: str, marks: list[tuple[str, int, str]]) -> None:
        if self.store is not None:
            self.review = {"inputs": inputs, "marks": [list(mark) for mark in marks]}
            self.reviewed = True


_STORE = b"perfgen digests 3 "  # a store's first line: this, then the CRC-32 and length of the JSON after it


def _store_bytes(data: dict) -> bytes:
    """A store: its first line (_STORE), then its JSON: texts as they are, not \\u escapes (read
    back faster: every build reads every store), but for a path that is no text (a file name's
    bytes not UTF-8): escaped then."""
    try:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        body = json.dumps(data).encode("ascii")
    return b"%s%08x %d\n%s" % (_STORE, zlib.crc32(body), len(body), body)


def _store_data(raw: bytes) -> Any:
    """A store's JSON, read; None for a store that is not whole (cut short, or old bytes left after
    new ones by a write cut short: see _overwrite) or of another version: an empty store."""
    head, _, body = raw.partition(b"\n")
    if not head.startswith(_STORE) or head[len(_STORE):] != b"%08x %d" % (zlib.crc32(body), len(body)):
        return None
    return json.loads(body.decode("utf-8"))


def _overwrite(path: Path, data: bytes) -> None:
    """Write `data` over the file's old bytes and then cut it to their length, not truncate it
    first: freeing the old blocks and taking new ones costs ~3 ms a file on a disk mounted with
    online discard (this VM's; a build saves a store per output folder), rewriting them nothing.
    A write cut short leaves a store that _store_data refuses."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


def _trusted(entry: list) -> bool:
    """Whether an entry's file had been unchanged for a clock tick when the entry was made."""
    _, mtime, _, _, recorded = entry
    tick = 2_000_000_000 if mtime % 10_000_000 == 0 else 50_000_000
    return isinstance(recorded, int) and mtime < recorded - tick


_NO_MEMORY = Digests()


def inputs_key(folder: Path, *parts: str, digests: Digests = _NO_MEMORY) -> str:
    """sha256 over every file directly in a spec folder (names and contents; hidden files and
    subfolders left out) and `parts`. A folder whose inputs are byte for byte those of the last
    build, with the same templates and perfgen, is not even read again."""
    digest = hashlib.sha256("\n".join(parts).encode())
    with os.scandir(folder) as entries:
        files = sorted([(entry.name, entry.path) for entry in entries
                        if entry.name[0] != "." and entry.is_file()])
    known, seen, stat = digests.entries, digests.seen, os.stat
    text = []
    for name, path in files:  # digests.digest(path), its common case inline (a district has thousands)
        entry = known.get(path)
        if type(entry) is list and len(entry) == 5:
            st = stat(path)
            if (entry[0] == st.st_size and entry[1] == st.st_mtime_ns and entry[2] == st.st_ino
                    and S_ISREG(st.st_mode) and _trusted(entry) and type(entry[3]) is str):
                seen[path] = entry
                text.append(f"{name}\0{entry[3]}\n")
                continue
        text.append(f"{name}\0{digests.digest(path)}\n")
    digest.update("".join(text).encode("utf-8"))
    return digest.hexdigest()


_HEX64 = re.compile(r"[0-9a-f]{64}")
_PLAIN_NAMES = re.compile(r"(?:[^./\\:\0][^/\\:\0]{0,62}\0)*")  # plain_name's names, short ones, each ending in \0
_HEX = re.compile(r"[0-9a-f]*")


def _all_plain(groups: list[dict]) -> bool:
    """Every name in a manifest's groups a plain name and every digest a sha256, in two regex
    matches (a district's folder lists hundreds); False also where a name is long, to be looked at."""
    digests = list(chain.from_iterable(files.values() for files in groups))
    names = list(chain.from_iterable(groups))  # (a JSON object's keys are texts)
    text = "\0".join(names) + "\0" if names else ""
    try:  # (join: every one a text; each 64 characters long)
        return ((not digests or (set(map(len, digests)) == {64} and _HEX.fullmatch("".join(digests)) is not None))
                and text.count("\0") == len(names)  # no name holds a \0 itself (two names to the regex)
                and _PLAIN_NAMES.fullmatch(text) is not None)
    except TypeError:
        return False


_PLAIN = re.compile(r"[^./\\:\0][^/\\:\0]*")  # not empty, not hidden (nor . or ..), no separator or drive


def plain_name(name: object) -> bool:
    """A file name directly in its folder: no separator, no `..`, no drive, nothing hidden."""
    # (a manifest lists thousands: one regex, and the name encoded only if it could be too long)
    return (isinstance(name, str) and _PLAIN.fullmatch(name) is not None
            and (len(name) <= 63 or len(name.encode("utf-8", "surrogatepass")) <= 255))


class Manifest:
    """What an output folder holds: group → {"key": …, "files": {name: sha256}}; and `inputs`,
    what the folder was built from: {"key": inputs_key, "tables": names in order, "warnings": […]}."""

    def __init__(self, folder: Path, groups: dict[str, dict] | None = None, inputs: dict | None = None,
                 digests: Digests = _NO_MEMORY):
        self.folder = folder
        self.groups: dict[str, dict] = groups or {}
        self.inputs: dict | None = inputs
        self.digests = digests
        self.ignored: list[str] = []       # names it listed outside its folder (never touched)
        self.broken: str | None = None     # why it could not be read, when it exists

    @classmethod
    def load(cls, folder: Path, digests: Digests = _NO_MEMORY) -> "Manifest":
        """The folder's manifest. A missing one is empty; one that cannot be read, or is not of the
        shape perfgen writes, is empty too and says why (`broken`): nothing it listed is perfgen's
        then. Groups of a wrong shape are dropped, names that are not plain file names of the
        folder are dropped and listed in `ignored`."""
        path = folder / MANIFEST
        manifest = cls(folder, digests=digests)
        try:
            if os.path.lexists(path) and not os.path.isfile(path):
                raise ValueError("不是普通文件")
            with open(path, "rb") as handle:
                data = json.loads(handle.read().decode("utf-8"))
        except FileNotFoundError:
            return manifest
        except (OSError, ValueError, RecursionError) as exc:
            manifest.broken = str(exc.strerror if isinstance(exc, OSError) else "不是 perfgen 写的 JSON")
            return manifest
        if not isinstance(data, dict) or not isinstance(data.get("outputs"), dict):
            manifest.broken = "内容不是 perfgen 写的格式"
            return manifest
        inputs = data.get("inputs")
        manifest.inputs = inputs if isinstance(inputs, dict) else None
        groups = {group: entry for group, entry in data["outputs"].items()
                  if isinstance(entry, dict) and isinstance(entry.get("key"), str) and isinstance(entry.get("files"), dict)}
        if _all_plain([entry["files"] for entry in groups.values()]):
            # as read, where a group is {"key", "files"} only (as perfgen writes it: no copy of thousands)
            manifest.groups = {group: entry if len(entry) == 2 else {"key": entry["key"], "files": entry["files"]}
                               for group, entry in groups.items()}
            return manifest
        for group, entry in groups.items():  # the names and digests one by one: which to drop, which to say
            files = {}
            for name, digest in entry["files"].items():
                if not plain_name(name):
                    manifest.ignored.append(str(name))
                elif isinstance(digest, str) and _HEX64.fullmatch(digest):
                    files[name] = digest
            manifest.groups[group] = {"key": entry["key"], "files": files}
        return manifest

    def file_digests(self) -> dict[str, str]:
        """Every file the manifest lists → the sha256 it was written with."""
        return {name: digest for group in self.groups.values() for name, digest in group["files"].items()}

    def unchanged(self, inputs_key: str, groups: list[str]) -> bool:
        """True when the folder was last built from `inputs_key` and the files of `groups` are intact
        (each `fresh` with its own key: the files of all of them checked in one loop)."""
        if not (isinstance(self.inputs, dict) and self.inputs.get("key") == inputs_key):
            return False
        files = []
        for group in groups:
            entry = self.groups.get(group)
            if not isinstance(entry, dict) or not isinstance(entry.get("key"), str) or not entry.get("files"):
                return False
            files.append(entry["files"])
        return self.digests.same(str(self.folder), files)

    def fresh(self, group: str, group_key: str) -> bool:
        """True when `group` was built from `group_key` and every file it wrote is still as written."""
        entry = self.groups.get(group)
        if not isinstance(entry, dict) or entry.get("key") != group_key or not entry.get("files"):
            return False
        return self.digests.same(str(self.folder), [entry["files"]])

    def files(self, group: str) -> dict[str, str]:
        entry = self.groups.get(group)
        return dict(entry.get("files", {})) if isinstance(entry, dict) else {}

    def record(self, group: str, group_key: str, files: dict[str, bytes]) -> None:
        self.record_digests(group, group_key, {name: sha256(data) for name, data in files.items()})

    def record_digests(self, group: str, group_key: str, digests: dict[str, str]) -> None:
        self.groups[group] = {"key": group_key, "files": dict(sorted(digests.items()))}

    def all_files(self) -> set[str]:
        return {name for group in self.groups for name in self.files(group)}

    def to_bytes(self) -> bytes:
        data: dict[str, Any] = {"perfgen": __version__, "outputs": dict(sorted(self.groups.items()))}
        if self.inputs is not None:
            data["inputs"] = self.inputs
        return (json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")
