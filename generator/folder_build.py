"""One output folder's build, whole, in whichever process runs it: a worker with `-j N`, the build's
own process with -j 1 (and for the first few tables, workers.INLINE).

`build_folder(task)` reads and checks the spec folder (build.plan_folder), asks which outputs may be
replaced (ownership.py), computes each table's content key (incremental.project_key) and renders the
stale ones (workers.render_chunk), then writes the folder's 汇总 workbooks and stages its manifest
and its deletions. Everything it writes is staged (temporary files beside their targets, staging.py)
and listed in the small `FolderDone` it returns, in order; the build's main process adopts those
files into its Staging and commits them with the rest, or drops them. So the main process reads no
spec, renders nothing and holds nothing per project: it schedules, says and commits (batch.py).

With --pdf the manifest waits for the PDFs (one LibreOffice run for the whole batch): the folder's
manifests then go back to the main process, which converts and closes the folder (`close_folder`).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from . import cache
from .errors import Frozen, Problem, Problems, Record
from .failure import doing
from .incremental import SUMMARY_GROUP, folder_files, keep_pdfs, project_group, project_key, review_marks, stored
from .layout import COMBINED_DOCUMENT, SUMMARY_WORKBOOK, Templates, safe_filename
from .ownership import Owner
from .staging import Staged, remove_folders, stage, stage_bytes

if TYPE_CHECKING:
    from .variant import Variant
    from .write import Entry


class FolderTask(Frozen):
    """One spec folder to build; plain data, so it pickles to a worker process."""

    __slots__ = ("spec_folder", "out", "templates", "parts", "force", "overwrite", "pdf", "check_only", "build")
    spec_folder: Path
    out: Path
    templates: Templates
    parts: tuple[str, ...]      # what its inputs key hashes besides its own files: perfgen, 类别, templates
    force: bool
    overwrite: bool
    pdf: bool
    check_only: bool            # an earlier folder has an error: only read and check (to say all problems)
    build: str                  # which build it is part of: what a process remembers is for one build

    def __init__(self, spec_folder: Path, out: Path, templates: Templates, parts: tuple[str, ...], force: bool = False,
                 overwrite: bool = False, pdf: bool = False, check_only: bool = False, build: str = ""):
        self._set(spec_folder=spec_folder, out=out, templates=templates, parts=parts, force=force,
                  overwrite=overwrite, pdf=pdf, check_only=check_only, build=build)


class FolderDone(Record):
    """What a folder's build gives the main process: small, whatever the folder's size."""

    __slots__ = ("names", "built", "problems", "warnings", "staged", "known", "rendered", "old", "new", "marks")
    names: list[str]                     # its tables, in plan order
    built: list[bool]                    # rendered (True) or unchanged, per table
    problems: list[Problem]              # every problem found (errors: no commit)
    warnings: list[Problem]              # the folder's warnings, as said
    staged: list[tuple[Staged | None, Path]]  # in order; None: delete it
    known: cache.Digests | None          # the digests of its files, saved by the main process
    rendered: int                        # tables rendered (workers.INLINE counts them)
    old: cache.Manifest | None           # with --pdf: the manifests, closed by the main process
    new: cache.Manifest | None
    marks: tuple[tuple[str, int, str], ...]  # its `# 待核对` comments (the CLI says them)

    def __init__(self, names: list[str] | None = None, built: list[bool] | None = None,
                 problems: list[Problem] | None = None, warnings: list[Problem] | None = None,
                 staged: list[tuple[Staged | None, Path]] | None = None, known: cache.Digests | None = None,
                 rendered: int = 0, old: cache.Manifest | None = None, new: cache.Manifest | None = None,
                 marks: tuple[tuple[str, int, str], ...] = ()):
        self.names = [] if names is None else names
        self.built = [] if built is None else built
        self.problems = [] if problems is None else problems
        self.warnings = [] if warnings is None else warnings
        self.staged = [] if staged is None else staged
        self.known = known
        self.rendered = rendered
        self.old = old
        self.new = new
        self.marks = marks

    def discard(self) -> None:
        """Remove the staged files (the build will not commit them) and the folders made for them."""
        for staged, _ in self.staged:
            if staged is not None:
                staged.tmp.unlink(missing_ok=True)
        remove_folders(folder for staged, _ in self.staged if staged is not None for folder in staged.created)
        self.staged = []


class _Collected:
    """The staging interface of staging.Staging for a folder's build: files staged here are listed,
    in order, for the main process to adopt."""

    def __init__(self, done: FolderDone):
        self.done = done

    def adopt(self, staged: Staged, target: Path) -> Staged:
        self.done.staged.append((staged, target))
        return staged

    def add(self, target: Path, data: bytes) -> Staged:
        return self.adopt(stage_bytes(target, data), target)

    def write(self, target: Path, fill) -> Staged:
        return self.adopt(stage(target, fill), target)

    def delete(self, target: Path) -> None:
        self.done.staged.append((None, target))


# per process and build: a variant's key (its compiled templates: workers.loaded, by key)
_VARIANT_KEYS: dict[Path, str] = {}
_BUILD = [""]


def variant_key(variant: Variant) -> str:
    if variant.folder not in _VARIANT_KEYS:
        _VARIANT_KEYS[variant.folder] = cache.key(cache.folder_key(variant.folder),
                                                  cache.sha256(variant.word_template.read_bytes()))
    return _VARIANT_KEYS[variant.folder]


def build_folder(task: FolderTask) -> FolderDone:
    """Build one folder (see the module's docstring); on any failure nothing it staged is left."""
    done = FolderDone()
    try:
        _build(task, done)
    except BaseException:
        done.discard()
        raise
    return done


def _build(task: FolderTask, done: FolderDone) -> None:
    from . import build

    spec_folder, out = task.spec_folder, task.out
    if task.build != _BUILD[0]:  # a variant edited since the last build in this process has another key
        _BUILD[0] = task.build
        _VARIANT_KEYS.clear()
    doing("读取并检查项目说明", spec_folder)
    known = cache.Digests.for_output(out)
    inputs = cache.inputs_key(spec_folder, *task.parts, digests=known)
    done.marks = tuple(review_marks(spec_folder, inputs, known))
    problems = Problems()
    item = build.plan_folder(spec_folder, out, task.templates, problems)
    done.problems = problems.items
    if item is None or problems.errors or task.check_only:
        return
    old = cache.Manifest.load(out, known)
    tables = item.tables()  # the 目标表s, then the 监控表 and 自评表 where facts exist
    done.names, done.warnings = [t.name for _, t in tables], problems.warnings
    owner = Owner(out, old, known, task.overwrite, Problems())
    # every output's place must be free or hold what perfgen wrote there, before anything renders
    if not owner.may_write(folder_files(done.names, task.pdf) + item.stage_workbooks()):
        done.problems = problems.items + owner.problems.items
        return
    new = cache.Manifest(out)
    new.inputs = {"key": inputs, "tables": done.names,
                  "warnings": [stored(w, spec_folder) for w in problems.warnings]}
    keys, stale = [], {}  # variant folder → (its key, its tables to render)
    for variant, table in tables:
        key = project_key(table, variant_key(variant))
        group = project_group(table.name)
        fresh = not task.force and old.fresh(group, key)
        keys.append(key)
        done.built.append(not fresh)
        if fresh:
            new.groups[group] = old.groups[group]
        else:
            stale.setdefault(variant.folder, (variant_key(variant), []))[1].append((safe_filename(table.name), table, key))
    staging = _Collected(done)
    sheets = _render(out, stale, staging, known, new)
    done.rendered = len(sheets)
    summaries = _Summaries(task, item, old, new, known, staging, sheets, keys)
    summaries.summary(done.warnings)
    for stage_tables in item.stages:
        summaries.stage_summary(stage_tables)
    if task.pdf:  # the manifest waits for the PDFs, in the main process
        done.old, done.new = old, new
    else:
        close_folder(done.names, old, new, owner, False, staging)
        done.problems = problems.items + owner.problems.items  # files of gone projects it may not delete
    done.known = known


def _render(out: Path, stale: dict[Path, tuple[str, list]], staging: _Collected, known: cache.Digests,
            new: cache.Manifest) -> dict[str, Entry]:
    """Render and stage the stale tables, one chunk per variant; their sheets, for the 汇总."""
    from .workers import Chunk, render_chunk

    sheets: dict[str, Entry] = {}
    for variant_folder, (key, todo) in stale.items():
        tables = {stem: (table.name, table_key) for stem, table, table_key in todo}
        for item in render_chunk(Chunk(variant_folder, key, out, tuple((stem, table) for stem, table, _ in todo))):
            for name, done, stat in item.staged:
                staging.adopt(done, out / name)
                known.remember(out / name, done.digest, stat)
            name, table_key = tables[item.stem]
            new.record_digests(project_group(name), table_key, {name: done.digest for name, done, _ in item.staged})
            sheets[item.stem] = item.sheet
    return sheets


class _Summaries:
    """The folder's 汇总 workbooks: 汇总.xlsx (and the combined Word file), 汇总.<stage>.xlsx."""

    def __init__(self, task: FolderTask, item: Any, old: cache.Manifest, new: cache.Manifest,
                 known: cache.Digests, staging: _Collected, sheets: dict[str, Entry], keys: list[str]):
        self.task, self.item, self.old, self.new, self.known = task, item, old, new, known
        self.staging, self.sheets, self.keys = staging, sheets, keys

    def _sheets(self, stems: list[str]) -> Iterator[Entry]:
        from .render.sheetml import sheet_part
        from .write import read_entry

        for stem in stems:  # this build's sheet, or the one in the unchanged workbook on disk
            yield self.sheets.get(stem) or read_entry(self.task.out / f"{stem}.xlsx", sheet_part(1))

    def _staged(self, name: str, done: Staged) -> None:
        self.known.remember(self.task.out / name, done.digest, done.stat or cache.stat_key(done.tmp))

    def summary(self, warnings: list[Problem]) -> None:
        from . import summary
        from .forms import form_of
        from .workers import loaded

        out, item = self.task.out, self.item
        doing("生成汇总工作簿", out / SUMMARY_WORKBOOK)
        if not item.projects:
            return
        overview = form_of(item.variant).overview  # None: the 汇总 holds the tables only
        lines = overview.lines(item.projects, item.variant, warnings) if overview else None
        title = overview.title(item.projects) if overview else ""
        key_of_variant = variant_key(item.variant)
        key = cache.key(cache.toolchain_key(), key_of_variant, *self.keys[:len(item.projects)],
                        cache.fingerprint(lines), title)
        if not self.task.force and self.old.fresh(SUMMARY_GROUP, key):
            self.new.groups[SUMMARY_GROUP] = self.old.groups[SUMMARY_GROUP]
            return
        _, word, writer = loaded(item.variant.folder, key_of_variant, item.variant)
        stems = [safe_filename(project.name) for project in item.projects]
        done = self.staging.write(out / SUMMARY_WORKBOOK, lambda handle: summary.write(
            handle, title, lines, [p.name for p in item.projects], self._sheets(stems), item.variant, writer, overview))
        digests = {SUMMARY_WORKBOOK: done.digest}
        self._staged(SUMMARY_WORKBOOK, done)
        combined = item.variant.settings.combined
        if combined is not None and len(item.projects) > 1:   # the folder's tables in one Word file too
            from .render.combined import combined_docx, heading_text

            context = form_of(item.variant).context
            heading = heading_text(combined.heading, item.projects, item.projects[0].year)
            data = combined_docx(word, [context(project, item.variant) for project in item.projects], heading)
            staged = self.staging.add(out / COMBINED_DOCUMENT, data)
            digests[COMBINED_DOCUMENT] = staged.digest
            self._staged(COMBINED_DOCUMENT, staged)
        self.new.record_digests(SUMMARY_GROUP, key, digests)

    def stage_summary(self, stage: Any) -> None:
        """汇总.<stage>.xlsx: each project's 执行率 (and 得分, 等级) on one sheet, then its tables."""
        from . import stage_summary
        from .workers import loaded

        if not stage.tables:
            return
        name, group = stage_summary.workbook_name(stage.stage), f"{SUMMARY_GROUP}/{stage.stage}"
        key_of_variant = variant_key(stage.variant)
        key = cache.key(cache.toolchain_key(), key_of_variant, cache.fingerprint(stage.tables))
        if not self.task.force and self.old.fresh(group, key):
            self.new.groups[group] = self.old.groups[group]
            return
        _, _, writer = loaded(stage.variant.folder, key_of_variant, stage.variant)
        stems = [safe_filename(table.name) for table in stage.tables]
        done = self.staging.write(self.task.out / name, lambda handle: stage_summary.write(
            handle, stage, self._sheets(stems), writer))
        self.new.record_digests(group, key, {name: done.digest})
        self._staged(name, done)


def close_folder(names: list[str], old: cache.Manifest, new: cache.Manifest, owner: Owner, pdf: bool,
                 staging: Any) -> list[Path]:
    """Stage the folder's deletions (the files of projects that are gone, outdated PDFs) and its
    manifest where it changed; the files to delete."""
    out = new.folder
    removed = []
    if new.groups != old.groups:  # else (a folder replayed) no PDF to keep, no file to delete
        if not pdf:
            keep_pdfs(names, old, new)
        for name in sorted(old.all_files() - new.all_files()):  # a project that is gone, an outdated PDF
            if os.path.lexists(out / name) and owner.may_delete(name):
                staging.delete(out / name)
                removed.append(out / name)
    if new.groups != old.groups or new.inputs != old.inputs or old.broken or old.ignored:
        data = new.to_bytes()  # else it is as it is on disk
        if _read(out / cache.MANIFEST) != data:
            staging.add(out / cache.MANIFEST, data)
    return removed


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
