"""The batch build of a whole specs tree: incremental, optionally in N processes, optionally to PDF.

This is the build's main process: it schedules folders, says what happened and commits. Spec
folders are taken one at a time, in order, so that memory stays flat however many projects a
district has: the main process keeps no list per project or per file (`Listing` keeps the result's
on disk) and nothing of a folder once it is taken.
1. a folder whose inputs (every file in it and in the 类别/ folders it inherits from, the templates,
   perfgen itself) are byte for byte those of the last build, with every output as written, is
   skipped unread, here: its projects, warnings and manifest are the last build's;
2. any other folder is a task (folder_build.FolderTask) built whole, in this process or in a pool
   of N (workers.py): read and checked (build.plan_folder), a project whose key (cache.py) and
   files are unchanged skipped, the others rendered and staged as temporary files beside their
   targets, then the folder's 汇总 workbooks (each project's sheet copied as it was compressed for
   the project's own workbook) and its manifest; the first few tables are built here (workers.INLINE);
3. results come back in order (workers.Workers), so the bytes and the messages are the same however
   many processes ran: each folder's problems and warnings are said, its tables reported, its staged
   files adopted (with --pdf: its manifest staged after the PDFs, one LibreOffice run for the batch);
4. after the last folder, if any spec had an error, or an output's place holds a file perfgen
   may not replace (ownership.py): nothing is committed, every staged file (and folder made for
   it) is removed and all the problems are raised. Once an error is found, the folders not yet
   built are only read and checked. Otherwise one commit (staging.py: checked, then all or
   nothing), which also deletes the files of projects that are gone.

The whole build holds the output folder's lock (buildlock.py), and first undoes and sweeps away
what a killed build left there. An error therefore still writes nothing; the price is that the
folders before it may have been rendered in vain (a typo in an edited spec of an unchanged tree
costs nothing: the rest is skipped). Which module holds what: folder_build.py (one folder's
build), workers.py (the pool), incremental.py (what is fresh), ownership.py (what may be
replaced), staging.py (the commit).
"""
from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from typing import Any, Iterator, Protocol

from . import cache
from .buildlock import BuildLock
from .errors import Problem, Problems, SpecErrors
from .failure import doing
from .folder_build import FolderDone, FolderTask, close_folder
from .incremental import SUMMARY_GROUP, last_build, pdf_sources, project_group, review_marks
from .layout import Looks, Templates, category_folders, count_tables, ruleset_folders, targets
from .ownership import Owner
from .pdf import find_soffice, to_pdf
from .staging import Staging, make_folder, recover, remove_folders, sweep
from .tidy import tidy
from .workers import Workers, document_root  # noqa: F401  (document_root: also from here)

# Reading specs (build: pydantic), rendering (docxtpl, jinja) and the 汇总 (summary) are imported
# where they are first needed: a build that finds nothing changed needs none of them.

# ---------------------------------------------------------------- reporting

class Reporter(Protocol):
    """What the CLI shows while a batch runs (a progress bar, or plain lines)."""

    def start(self, total: int) -> None: ...

    def project(self, folder: Path, name: str, built: bool) -> None: ...

    def projects(self, folder: Path, names: list[str], built: list[bool]) -> None:
        """A folder's tables, in order: `project` for each (one write for a whole folder)."""

    def note(self, message: str) -> None: ...


class Silent:
    def start(self, total: int) -> None:
        pass

    def project(self, folder: Path, name: str, built: bool) -> None:
        pass

    def projects(self, folder: Path, names: list[str], built: list[bool]) -> None:
        pass

    def note(self, message: str) -> None:
        pass


class Listing:
    """A list kept in a temporary file instead of memory: a district's build lists tens of
    thousands of tables and files, and the main process's memory stays flat. Appended to (or
    extended by a folder's items at once: one record, the folder's path pickled once), then read
    back in order (len, iteration, ==, `in`)."""

    def __init__(self, items: Any = ()) -> None:
        self._file: Any = None
        self._count = 0
        for item in items:
            self.append(item)

    def append(self, item: Any) -> None:
        self.extend([item])

    def extend(self, items: list[Any]) -> None:
        if not items:
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile()
        data = pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)
        self._file.seek(0, os.SEEK_END)
        self._file.write(len(data).to_bytes(4, "little") + data)
        self._count += len(items)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Any]:
        offset, count = 0, 0
        while count < self._count:
            self._file.seek(offset)
            size = int.from_bytes(self._file.read(4), "little")
            items = pickle.loads(self._file.read(size))
            offset += 4 + size
            count += len(items)
            yield from items

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (list, tuple, Listing)):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Listing({list(self)!r})"


class Result:
    """What a build did (a plain class: see errors.Record)."""

    __slots__ = ("built", "skipped", "written", "removed", "pdfs", "swept", "folders", "warnings", "marks")
    built: Listing          # (output folder, project name)
    skipped: Listing
    written: Listing        # Paths (manifests left out)
    removed: list[Path]
    pdfs: list[Path]
    swept: int              # leftovers of killed builds removed
    folders: list[Path]
    warnings: Listing       # Problems, in the order they were said
    # per spec folder, in order: the `# 待核对` comments (file name, line, note) still in its specs
    marks: list[tuple[tuple[str, int, str], ...]]

    def __init__(self) -> None:
        self.built, self.skipped, self.written, self.warnings = Listing(), Listing(), Listing(), Listing()
        self.removed, self.pdfs, self.folders, self.marks = [], [], [], []
        self.swept = 0

    @property
    def projects(self) -> int:
        return len(self.built) + len(self.skipped)


# ---------------------------------------------------------------- the batch

# (plain classes: making a dataclass compiles its methods at import, which costs a build with
# nothing to do more than checking a folder)

class _Pending:
    """A folder sent to be built: what this process says of it when its turn comes."""

    __slots__ = ("out", "warnings")

    def __init__(self, out: Path, warnings: tuple[Problem, ...]):  # warnings: about its manifest
        self.out, self.warnings = out, warnings


class _Folder:
    """A folder whose manifest this process stages: an unchanged one, or with --pdf (after the PDFs)."""

    __slots__ = ("out", "names", "old", "new", "known", "owner")

    def __init__(self, out: Path, names: list[str], old: cache.Manifest, new: cache.Manifest, known: cache.Digests,
                 owner: Owner):
        self.out, self.names, self.old, self.new, self.known, self.owner = out, names, old, new, known, owner


_SUMMARIES = f"{SUMMARY_GROUP}/"  # the groups of a folder's 汇总.<stage>.xlsx


class _Batch:
    def __init__(self, templates: Templates, staging: Staging, workers: Workers, force: bool, pdf: bool,
                 reporter: Reporter, result: Result, overwrite: bool = False, shared: cache.Digests | None = None):
        self.templates, self.staging, self.workers = templates, staging, workers
        self.force, self.pdf, self.reporter, self.result = force, pdf, reporter, result
        self.overwrite = overwrite
        self.problems = Problems()          # the errors (a failed build raises them with `warnings`)
        self.warnings = Listing()           # every folder's warnings, as read
        # hashes of the problems and warnings already said (a 类别 file above several folders is
        # said once): a district's warnings are not kept in memory twice
        self.said: set[int] = set()
        self.warned: set[int] = set()
        self.category_keys: dict[Path, str] = {}
        self.looks = Looks(remember=True)   # the folders above the spec folders, looked at once
        self.kept: list[_Folder] = []       # with --pdf: every folder, until the PDFs are made
        self.saving: cache.Digests | None = None  # the digests of the last folder taken
        # the digests of the files above the spec folders (cache.Digests.shared): read once, not every build
        self.shared = shared or cache.Digests()
        self.stores = cache.Digests.folder()  # where each folder's digests are kept
        # what the fast path compares: perfgen itself, and (per folder) every template it can use
        self.inputs = (cache.toolchain_key(self.shared),)
        self.build = os.urandom(8).hex()  # what a process remembers of a build is for this one (FolderTask)

    def category_key(self, folder: Path) -> str:
        if folder not in self.category_keys:
            self.category_keys[folder] = cache.folder_key(folder, self.shared)
        return self.category_keys[folder]

    def folder(self, spec_folder: Path, out: Path, tables: int) -> None:
        """Replay an unchanged folder, or send the folder to be built (`tables`: how many it holds)."""
        doing("检查是否有改动", spec_folder)
        known = cache.Digests.for_output(out, self.stores)
        old = cache.Manifest.load(out, known)
        pending = _Pending(out, tuple(self._manifest_problems(old)))
        # a folder's projects also inherit from the 类别/ folders at and above it
        looks = self.looks.at(spec_folder)
        parts = (*self.inputs, *(self.category_key(path) for path in category_folders(spec_folder, looks)
                                 + ruleset_folders(spec_folder, looks) + list(self.templates.at(spec_folder).layers(looks))))
        last = None if self.force else last_build(old, spec_folder)
        if last is not None:
            inputs = cache.inputs_key(spec_folder, *parts, digests=known)
            summaries = [g for g in old.groups if g.startswith(_SUMMARIES)]  # 汇总.自评.xlsx, …
            if old.unchanged(inputs, list(map(project_group, last[0]))
                             + ([SUMMARY_GROUP] if last[0] else []) + summaries):
                names, warnings = last
                self.workers.ready(pending, FolderDone(names, [False] * len(names), warnings=warnings, known=known,
                                                       old=old, new=cache.Manifest(out, dict(old.groups), old.inputs),
                                                       marks=tuple(review_marks(spec_folder, inputs, known))))
                return
        task = FolderTask(spec_folder, out, self.templates, parts, self.force, self.overwrite, self.pdf,
                          check_only=bool(self.problems.errors), build=self.build)
        if not task.check_only:
            self.staging.expect(out)  # a dropped build removes the folders its workers made
        # never built (or --force): every table renders, more than this process builds (workers.INLINE)
        self.workers.submit(pending, task, tables if last is None and not task.check_only else 0)

    def take(self, pending: _Pending, done: FolderDone) -> None:
        """A folder is back, in its turn: say its problems, report its tables, adopt its files; if
        that is cut short (Ctrl-C), its files go, adopted or not (the staging drops the adopted)."""
        try:
            self._take(pending, done)
        except BaseException:
            done.discard()
            raise

    def _take(self, pending: _Pending, done: FolderDone) -> None:
        for warning in pending.warnings:
            self._warn(warning)
        for problem in done.problems:  # a broken 类别 file above several folders is said once
            if hash(problem) not in self.said:
                self.said.add(hash(problem))
                (self.warnings if problem.warning else self.problems.items).append(problem)
        if self.problems.errors:  # the build will fail: build no more, only check
            done.discard()
            self.workers.check_only()
            return
        for warning in done.warnings:  # one about a 类别 file above several folders is said once
            self._warn(warning)
        self.result.built.extend([(pending.out, name) for name, built in zip(done.names, done.built) if built])
        self.result.skipped.extend([(pending.out, name) for name, built in zip(done.names, done.built) if not built])
        self.reporter.projects(pending.out, done.names, done.built)
        self.result.marks.append(tuple(done.marks))  # most are (): no object per folder
        for staged, target in done.staged:
            if staged is None:
                self.staging.delete(target)
                self.result.removed.append(target)
            else:
                self.staging.adopt(staged, target)
        if done.new is None:  # closed where it was built
            self._saved(done.known)
            return
        folder = _Folder(pending.out, done.names, done.old, done.new, done.known,
                         Owner(pending.out, done.old, done.known, self.overwrite, self.problems))
        if self.pdf:
            self.kept.append(folder)
        else:
            self.close(folder)

    def close(self, folder: _Folder) -> None:
        """Stage the folder's manifest and its deletions (folder_build.close_folder)."""
        self.result.removed += close_folder(folder.names, folder.old, folder.new, folder.owner, self.pdf,
                                            self.staging)
        self._saved(folder.known)

    def _saved(self, known: cache.Digests | None) -> None:
        """The digests of a folder's files are saved a folder later, when its newest tables are no
        longer racily clean (cache.Digests); entries of a build that then fails name inodes that
        never match."""
        if known is None:
            return
        if self.saving is not None:
            self.saving.save()
        self.saving = known

    def _manifest_problems(self, manifest: cache.Manifest) -> list[Problem]:
        where = manifest.folder / cache.MANIFEST
        said = []
        if manifest.broken:
            said.append(Problem(str(where), None, "", f"无法读取（{manifest.broken}），当作没有上次生成的记录：其中列出的"
                                                      "文件都不再算 perfgen 的，不会被覆盖或删除", warning=True))
        for name in manifest.ignored:
            said.append(Problem(str(where), None, "", f"列出的「{name}」不在这个输出目录之内，已忽略（perfgen 不会删除或"
                                                      "覆盖它）", warning=True))
        return said

    def _warn(self, warning: Problem) -> None:
        if hash(warning) not in self.warned:
            self.warned.add(hash(warning))
            self.result.warnings.append(warning)


def run(root: Path, out: Path, templates: Path | None = None, *, jobs: int = 1, force: bool = False,
        pdf: bool = False, reporter: Reporter | None = None, overwrite: bool = False) -> Result:
    """Build every spec folder at or below `root` into `out`; see the module's docstring.
    `overwrite`: replace or delete files at outputs' places that perfgen did not write (or that
    were edited since), instead of stopping."""
    reporter = reporter or Silent()
    soffice = find_soffice() if pdf else None  # before anything is rendered: missing → nothing written
    start = Problems()
    templates_folder, pairs = targets(root, out, templates, start)
    if start.errors:
        raise SpecErrors(start.errors)
    result = Result()
    created = make_folder(out)  # the lock's place; removed again if this build writes nothing there
    try:
        with BuildLock(out):
            recover(out)  # a build killed during its commit: its backups go back first
            result.swept = sweep(out)
            with Staging(index=soffice is not None, recovery=out) as staging:
                if _build(pairs, templates_folder, staging, soffice, jobs, force, overwrite, reporter, result,
                          cache.Digests.shared(out)):
                    result.swept += sweep(out)  # a worker that died left its temporary files behind
    finally:
        remove_folders(created)
    tidy(cache.cache_folder())  # at most once a day: the digest stores and logs kept bounded
    return result


def _build(pairs: list[tuple[Path, Path]], templates: Templates, staging: Staging, soffice: str | None, jobs: int,
           force: bool, overwrite: bool, reporter: Reporter, result: Result, shared: cache.Digests | None = None) -> bool:
    """The batch, committed; True if a worker process died on the way (and its folders were redone)."""
    counts = [count_tables(folder) for folder, _ in pairs]
    reporter.start(sum(counts))
    workers = Workers(max(1, jobs))
    try:
        batch = _Batch(templates, staging, workers, force, soffice is not None, reporter, result, overwrite, shared)
        for (spec_folder, target), tables in zip(pairs, counts):
            batch.folder(spec_folder, target, tables)
            result.folders.append(target)
            for pending, done in workers.done():
                batch.take(pending, done)
        for pending, done in workers.done(wait=True):
            batch.take(pending, done)
    finally:
        workers.close()
    if not batch.problems.errors and soffice:
        _pdfs(batch.kept, soffice, staging, force, reporter, result, batch.problems)
        for folder in batch.kept:
            batch.close(folder)
    batch.shared.save()  # facts about files read, true whether the build fails or not
    if batch.problems.errors:
        raise SpecErrors(batch.problems.errors + list(batch.warnings))
    if batch.saving is not None:
        batch.saving.save()
    doing("把生成的文件放到输出目录", result.folders[0] if result.folders else None)
    # the manifests are perfgen's bookkeeping, not outputs to list
    staging.commit(record=lambda paths: result.written.extend([path for path in paths if path.name != cache.MANIFEST]))
    return workers.died


def _pdfs(folders: list[_Folder], soffice: str, staging: Staging, force: bool, reporter: Reporter,
          result: Result, problems: Problems) -> None:
    """Convert every table whose PDF is missing or older than its table, in one LibreOffice run."""
    convert = []  # folder, PDF group, PDF name, source file, its sha256
    for folder in folders:
        for group, name, source, digest in pdf_sources(folder.names, folder.new):
            if not force and folder.old.fresh(group, digest):  # a PDF is as fresh as the table it was made from
                folder.new.groups[group] = folder.old.groups[group]
            elif folder.owner.may_write([name]):
                convert.append((folder, group, name, source, digest))
    if not convert or problems.errors:
        return
    reporter.note(f"用 LibreOffice 转换 {len(convert)} 个文件为 PDF（一次运行）……")
    # this build's bytes (staged, not yet committed), or the unchanged file on disk
    documents = [(Path(source).suffix, staging.path(folder.out / source).read_bytes())
                 for folder, _, _, source, _ in convert]
    for (folder, group, name, _, digest), data in zip(convert, to_pdf(documents, soffice)):
        staging.add(folder.out / name, data)
        folder.new.record(group, digest, {name: data})
        result.pdfs.append(folder.out / name)
