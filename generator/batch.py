"""The batch build of a whole specs tree: incremental, optionally in N processes, optionally to PDF.

Spec folders are taken one at a time, in order, so that memory stays flat however many projects a
district has: once a folder's tables and manifest are staged, only its name list is kept.
1. a folder whose inputs (every file in it and in the 类别/ folders it inherits from, the templates,
   perfgen itself) are byte for byte those of the last build, with every output as written, is
   skipped unread: its projects, warnings and manifest are the last build's;
2. any other folder is read and checked (build.plan_folder); a project whose key (cache.py) and
   files are unchanged is skipped;
3. the others are rendered in chunks, in this process or in a pool of N (each worker compiles a
   variant's template once and stages the tables as temporary files beside their targets); chunks
   come back in order, so the bytes and the messages are the same however many processes ran;
4. once a folder's tables are back: its 汇总 workbook, streamed (each project's sheet copied as it
   was compressed for the project's own workbook);
5. then its manifest is staged (with --pdf: after the PDFs, one LibreOffice run for the batch);
6. after the last folder, if any spec had an error, or an output's place holds a file perfgen
   may not replace (ownership.py): nothing is committed, every staged file (and folder made for
   it) is removed and all the problems are raised. Otherwise one commit (staging.py: checked,
   then all or nothing), which also deletes the files of projects that are gone.

The whole build holds the output folder's lock (buildlock.py), and first undoes and sweeps away
what a killed build left there. An error therefore still writes nothing; the price is that the
folders before it may have been rendered in vain (a typo in an edited spec of an unchanged tree
costs nothing: the rest is skipped). Which module holds what: workers.py (rendering, the pool),
incremental.py (what is fresh), ownership.py (what may be replaced), staging.py (the commit).
"""
from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Protocol

from . import cache
from .buildlock import BuildLock
from .errors import Problem, Problems, SpecErrors
from .failure import doing
from .incremental import (SUMMARY_GROUP, folder_files, keep_pdfs, last_build, pdf_sources, project_group,
                          project_key, stored)
from .layout import (COMBINED_DOCUMENT, SUMMARY_WORKBOOK, Templates, category_folders, count_tables, ruleset_folders,
                     safe_filename, targets)
from .ownership import Owner
from .pdf import find_soffice, to_pdf
from .render.sheetml import sheet_part
from .staging import Staging, make_folder, recover, remove_folders, sweep
from .workers import CHUNK, Chunk, Rendered, Renderer, document_root  # noqa: F401  (document_root: also from here)
from .write import Entry, read_entry

if TYPE_CHECKING:
    from .build import Plan
    from .variant import Variant

# Reading specs (build: pydantic), rendering (docxtpl, jinja) and the 汇总 (summary) are imported
# where they are first needed: a build that finds nothing changed needs none of them.

# ---------------------------------------------------------------- reporting

class Reporter(Protocol):
    """What the CLI shows while a batch runs (a progress bar, or plain lines)."""

    def start(self, total: int) -> None: ...

    def project(self, folder: Path, name: str, built: bool) -> None: ...

    def note(self, message: str) -> None: ...


class Silent:
    def start(self, total: int) -> None:
        pass

    def project(self, folder: Path, name: str, built: bool) -> None:
        pass

    def note(self, message: str) -> None:
        pass


@dataclass
class Result:
    built: list[tuple[Path, str]] = field(default_factory=list)      # (output folder, project name)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)
    swept: int = 0                                                   # leftovers of killed builds removed
    folders: list[Path] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def projects(self) -> int:
        return len(self.built) + len(self.skipped)


# ---------------------------------------------------------------- the batch

@dataclass
class _Folder:
    """One output folder during a batch. `plan` and `sheets` are dropped once its tables are staged."""

    out: Path
    old: cache.Manifest
    new: cache.Manifest
    names: list[str]
    plan: Plan | None = None
    variant_key: str = ""
    keys: list[str] = field(default_factory=list)
    fresh: list[bool] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    replayed: bool = False                                   # skipped unread (its inputs are unchanged)
    pending: int = 0                                          # chunks not back yet
    sheets: dict[str, Entry] = field(default_factory=dict)   # file stem → this build's sheet
    digests: dict[str, dict[str, str]] = field(default_factory=dict)  # file stem → {file name: sha256}
    known: cache.Digests | None = None                        # the digests of the folder's files
    owner: Owner | None = None                                # what may be replaced or deleted there


class _Batch:
    def __init__(self, templates: Templates, staging: Staging, renderer: Renderer, force: bool, pdf: bool,
                 reporter: Reporter, result: Result, overwrite: bool = False):
        self.templates, self.staging, self.renderer = templates, staging, renderer
        self.force, self.pdf, self.reporter, self.result = force, pdf, reporter, result
        self.overwrite = overwrite
        self.problems = Problems()
        self.said: set[Problem] = set()     # problems and warnings already said (a 类别 folder is shared)
        self.warned: set[Problem] = set()
        self.variant_keys: dict[Path, str] = {}
        self.category_keys: dict[Path, str] = {}
        self.writers: dict[str, Any] = {}
        self.words: dict[str, Any] = {}
        self.order: deque[_Folder] = deque()  # folders not finished yet
        self.saving: cache.Digests | None = None  # the digests of the last folder closed
        # what the fast path compares: perfgen itself, and (per folder) every template it can use
        self.inputs = (cache.toolchain_key(),)

    def category_key(self, folder: Path) -> str:
        if folder not in self.category_keys:
            self.category_keys[folder] = cache.folder_key(folder)
        return self.category_keys[folder]

    def variant_key(self, variant: Variant) -> str:
        if variant.folder not in self.variant_keys:
            self.variant_keys[variant.folder] = cache.key(cache.folder_key(variant.folder),
                                                          cache.sha256(variant.word_template.read_bytes()))
        return self.variant_keys[variant.folder]

    # ------------------------------------------------------------ one folder

    def folder(self, spec_folder: Path, out: Path) -> _Folder:
        """Plan one folder and send its stale projects to render."""
        doing("读取并检查项目说明", spec_folder)
        known = cache.Digests.for_output(out)
        old = cache.Manifest.load(out, known)
        folder = _Folder(out, old, cache.Manifest(out), [], known=known)
        folder.owner = Owner(out, old, known, self.overwrite, self.problems)
        self.order.append(folder)
        self._manifest_problems(old)
        # a folder's projects also inherit from the 类别/ folders at and above it
        categories = [self.category_key(path) for path in category_folders(spec_folder) + ruleset_folders(spec_folder)
                      + list(self.templates.at(spec_folder).folders)]  # and the template folders near it
        inputs = cache.inputs_key(spec_folder, *self.inputs, *categories, digests=known)
        last = None if self.force else last_build(old, spec_folder)
        summaries = [g for g in old.groups if g.startswith(f"{SUMMARY_GROUP}/")]  # 汇总.自评.xlsx, …
        if last is not None and old.unchanged(inputs, [project_group(name) for name in last[0]]
                                              + ([SUMMARY_GROUP] if last[0] else []) + summaries):
            folder.replayed, (folder.names, folder.warnings) = True, last
            folder.new.groups, folder.new.inputs = dict(old.groups), old.inputs
            return folder
        from . import build

        problems = Problems()
        item = build.plan_folder(spec_folder, out, self.templates, problems)
        for problem in problems.items:  # a broken 类别 file above several folders is said once
            if problem not in self.said:
                self.said.add(problem)
                self.problems.items.append(problem)
        if item is None or self.problems.errors:
            self.renderer.cancel()  # the build will fail: render no more
            return folder
        tables = item.tables()  # the 目标表s, then the 监控表 and 自评表 where facts exist
        folder.plan, folder.names, folder.warnings = item, [t.name for _, t in tables], problems.warnings
        # every output's place must be free or hold what perfgen wrote there, before anything renders
        if not folder.owner.may_write(folder_files(folder.names, self.pdf) + item.stage_workbooks()):
            self.renderer.cancel()
            return folder
        folder.variant_key = self.variant_key(item.variant)
        folder.new.inputs = {"key": inputs, "tables": folder.names,
                             "warnings": [stored(w, spec_folder) for w in problems.warnings]}
        stale: dict[Path, list[tuple[str, Any]]] = {}  # variant folder → its tables to render
        for variant, table in tables:
            key = project_key(table, self.variant_key(variant))
            fresh = not self.force and old.fresh(project_group(table.name), key)
            folder.keys.append(key)
            folder.fresh.append(fresh)
            if not fresh:
                stale.setdefault(variant.folder, []).append((safe_filename(table.name), table))
        if stale:
            self.staging.expect(out)  # a dropped build removes the folders its workers made
        variants = {variant.folder: variant for variant, _ in tables}
        for variant_folder, todo in stale.items():
            for start in range(0, len(todo), CHUNK):
                folder.pending += 1
                self.renderer.submit(folder, Chunk(variant_folder, self.variant_key(variants[variant_folder]), out,
                                                   tuple(todo[start:start + CHUNK])))
        return folder

    def take(self, folder: _Folder, rendered: list[Rendered]) -> None:
        """A chunk is back: its staged files become this build's."""
        for item in rendered:
            for name, done, stat in item.staged:
                self.staging.adopt(done, folder.out / name)
                folder.known.remember(folder.out / name, done.digest, stat)
            folder.sheets[item.stem] = item.sheet
            folder.digests[item.stem] = {name: done.digest for name, done, _ in item.staged}
        folder.pending -= 1

    def flush(self) -> None:
        """Finish the folders whose tables are all back, in plan order (so that the messages and the
        results are in the same order however many processes rendered)."""
        while self.order and self.order[0].pending == 0 and not self.problems.errors:
            self.finish(self.order.popleft())

    def finish(self, folder: _Folder) -> None:
        """Every table of the folder is staged: record them, write its 汇总, drop what it held."""
        for warning in folder.warnings:  # one about a 类别 file above several folders is said once
            self._warn(warning)
        item = folder.plan
        if folder.replayed:  # the last build's tables
            for name in folder.names:
                self.result.skipped.append((folder.out, name))
                self.reporter.project(folder.out, name, False)
            if not self.pdf:
                self.close(folder)
            return
        assert item is not None
        for (_, project), key, fresh in zip(item.tables(), folder.keys, folder.fresh):
            group = project_group(project.name)
            if fresh:
                folder.new.groups[group] = folder.old.groups[group]
                self.result.skipped.append((folder.out, project.name))
            else:
                folder.new.record_digests(group, key, folder.digests.pop(safe_filename(project.name)))
                self.result.built.append((folder.out, project.name))
            self.reporter.project(folder.out, project.name, not fresh)
        self._summary(folder)
        for stage in item.stages:
            self._stage_summary(folder, stage)
        folder.plan, folder.sheets, folder.keys, folder.fresh = None, {}, [], []
        if not self.pdf:  # with --pdf the manifests wait for the PDFs, at the end
            self.close(folder)

    def _manifest_problems(self, manifest: cache.Manifest) -> None:
        where = manifest.folder / cache.MANIFEST
        if manifest.broken:
            self._warn(Problem(str(where), None, "", f"无法读取（{manifest.broken}），当作没有上次生成的记录：其中列出的"
                                                     "文件都不再算 perfgen 的，不会被覆盖或删除", warning=True))
        for name in manifest.ignored:
            self._warn(Problem(str(where), None, "", f"列出的「{name}」不在这个输出目录之内，已忽略（perfgen 不会删除或"
                                                     "覆盖它）", warning=True))

    def _warn(self, warning: Problem) -> None:
        if warning not in self.warned:
            self.warned.add(warning)
            self.result.warnings.append(warning)

    def close(self, folder: _Folder) -> None:
        """Stage the folder's manifest and its deletions, and keep only what the commit needs:
        memory stays flat."""
        new, old = folder.new, folder.old
        if not self.pdf:
            keep_pdfs(folder.names, old, new)
        for name in sorted(old.all_files() - new.all_files()):  # a project that is gone, an outdated PDF
            if os.path.lexists(folder.out / name) and folder.owner.may_delete(name):
                self.staging.delete(folder.out / name)
                self.result.removed.append(folder.out / name)
        if new.groups != old.groups or new.inputs != old.inputs or old.broken or old.ignored:
            data = new.to_bytes()  # else it is as it is on disk
            if _read(folder.out / cache.MANIFEST) != data:
                self.staging.add(folder.out / cache.MANIFEST, data)
        folder.old = folder.new = folder.owner = None  # type: ignore[assignment]
        # the digests of its files are saved a folder later, when its newest tables are no longer
        # racily clean (cache.Digests); entries of a build that then fails name inodes that never match
        if self.saving is not None:
            self.saving.save()
        self.saving, folder.known = folder.known, None

    def _summary(self, folder: _Folder) -> None:
        from . import summary
        from .forms import form_of

        doing("生成汇总工作簿", folder.out / SUMMARY_WORKBOOK)
        item = folder.plan
        if not item.projects:
            return
        overview = form_of(item.variant).overview  # None: the 汇总 holds the tables only
        lines = overview.lines(item.projects, item.variant, folder.warnings) if overview else None
        title = overview.title(item.projects) if overview else ""
        key = cache.key(cache.toolchain_key(), folder.variant_key, *folder.keys[:len(item.projects)],
                        cache.fingerprint(lines), title)
        if not self.force and folder.old.fresh(SUMMARY_GROUP, key):
            folder.new.groups[SUMMARY_GROUP] = folder.old.groups[SUMMARY_GROUP]
            return
        writer = self._writer(item.variant, folder.variant_key)
        stems = [safe_filename(project.name) for project in item.projects]

        def sheets() -> Iterator[Entry]:
            for stem in stems:  # this build's sheet, or the one in the unchanged workbook on disk
                yield folder.sheets.get(stem) or read_entry(folder.out / f"{stem}.xlsx", sheet_part(1))

        done = self.staging.write(folder.out / SUMMARY_WORKBOOK, lambda handle: summary.write(
            handle, title, lines, [p.name for p in item.projects], sheets(), item.variant, writer, overview))
        digests = {SUMMARY_WORKBOOK: done.digest}
        folder.known.remember(folder.out / SUMMARY_WORKBOOK, done.digest, cache.stat_key(done.tmp))
        combined = item.variant.settings.combined
        if combined is not None and len(item.projects) > 1:   # the folder's tables in one Word file too
            from .render.combined import combined_docx, heading_text

            word = self._word(item.variant, folder.variant_key)
            context = form_of(item.variant).context
            heading = heading_text(combined.heading, item.projects, item.projects[0].year)
            data = combined_docx(word, [context(project, item.variant) for project in item.projects], heading)
            staged = self.staging.add(folder.out / COMBINED_DOCUMENT, data)
            digests[COMBINED_DOCUMENT] = staged.digest
            folder.known.remember(folder.out / COMBINED_DOCUMENT, staged.digest, cache.stat_key(staged.tmp))
        folder.new.record_digests(SUMMARY_GROUP, key, digests)

    def _word(self, variant: Variant, variant_key: str):
        if variant_key not in self.words:
            from .render.docx import WordTemplate

            self.words[variant_key] = WordTemplate.for_variant(variant)
        return self.words[variant_key]

    def _stage_summary(self, folder: _Folder, stage: Any) -> None:
        """汇总.<stage>.xlsx: each project's 执行率 (and 得分, 等级) on one sheet, then its tables."""
        from . import stage_summary

        if not stage.tables:
            return
        name, group = stage_summary.workbook_name(stage.stage), f"{SUMMARY_GROUP}/{stage.stage}"
        variant_key = self.variant_key(stage.variant)
        key = cache.key(cache.toolchain_key(), variant_key, cache.fingerprint(stage.tables))
        if not self.force and folder.old.fresh(group, key):
            folder.new.groups[group] = folder.old.groups[group]
            return
        writer = self._writer(stage.variant, variant_key)
        stems = [safe_filename(table.name) for table in stage.tables]

        def sheets() -> Iterator[Entry]:
            for stem in stems:
                yield folder.sheets.get(stem) or read_entry(folder.out / f"{stem}.xlsx", sheet_part(1))

        done = self.staging.write(folder.out / name, lambda handle: stage_summary.write(
            handle, stage, sheets(), writer))
        folder.new.record_digests(group, key, {name: done.digest})
        folder.known.remember(folder.out / name, done.digest, cache.stat_key(done.tmp))

    def _writer(self, variant: Variant, variant_key: str):
        if variant_key not in self.writers:
            from .render.xlsx import ExcelWriter

            self.writers[variant_key] = ExcelWriter.for_variant(variant)
        return self.writers[variant_key]


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
                if _build(pairs, templates_folder, staging, soffice, jobs, force, overwrite, reporter, result):
                    result.swept += sweep(out)  # a worker that died left its temporary files behind
    finally:
        remove_folders(created)
    return result


def _build(pairs: list[tuple[Path, Path]], templates: Path, staging: Staging, soffice: str | None, jobs: int,
           force: bool, overwrite: bool, reporter: Reporter, result: Result) -> bool:
    """The batch, committed; True if a worker process died on the way (and its chunks were redone)."""
    reporter.start(sum(count_tables(folder) for folder, _ in pairs))
    folders: list[_Folder] = []
    renderer = Renderer(max(1, jobs))
    try:
        batch = _Batch(templates, staging, renderer, force, soffice is not None, reporter, result, overwrite)
        for spec_folder, target in pairs:
            folders.append(batch.folder(spec_folder, target))
            result.folders.append(target)
            for folder, rendered in renderer.done():
                batch.take(folder, rendered)
            batch.flush()
        for folder, rendered in renderer.done(wait=True):
            batch.take(folder, rendered)
            batch.flush()
    finally:
        renderer.close()
    if not batch.problems.errors and soffice:
        _pdfs(folders, soffice, staging, force, reporter, result, batch.problems)
        for folder in folders:
            batch.close(folder)
    if batch.problems.errors:
        raise SpecErrors(batch.problems.errors + batch.problems.warnings)
    if batch.saving is not None:
        batch.saving.save()
    doing("把生成的文件放到输出目录", result.folders[0] if result.folders else None)
    written = staging.commit()
    result.written = [path for path in written if path.name != cache.MANIFEST]
    return renderer.died


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


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
