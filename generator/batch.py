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
6. after the last folder, if any spec had an error: nothing is committed, every staged file (and
   folder made for it) is removed and all the problems are raised. Otherwise one commit, and the
   files of projects that are gone removed.

An error therefore still writes nothing; the price is that the folders before it may have been
rendered in vain (a typo in an edited spec of an unchanged tree costs nothing: the rest is skipped).
"""
from __future__ import annotations

from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Protocol

from . import cache
from .errors import Problem, Problems, SpecErrors
from .layout import COMBINED_DOCUMENT, SUMMARY_WORKBOOK, category_folders, count_tables, ruleset_folders, safe_filename, targets
from .pdf import find_soffice, to_pdf
from .render.sheetml import sheet_part
from .write import Entry, Staged, Staging, read_entry, remove_folders, stage_bytes

if TYPE_CHECKING:
    from lxml import etree

    from .build import Plan
    from .variant import Variant

# Reading specs (build: pydantic), rendering (docxtpl, jinja) and the 汇总 (summary) are imported
# where they are first needed: a build that finds nothing changed needs none of them.

SUMMARY_GROUP = "汇总"
CHUNK = 8  # projects per task sent to a worker: enough to amortise the round trip, small enough to balance
INLINE = 16  # projects rendered in this process before worker processes are started (with -j)


def project_group(name: str) -> str:
    return f"项目/{name}"


def pdf_group(name: str) -> str:
    return f"PDF/{name}"


# ---------------------------------------------------------------- rendering, in any process

@dataclass(frozen=True)
class Chunk:
    """Projects of one folder to render; plain data, so it pickles to a worker process."""

    variant: Path            # the variant folder
    variant_key: str         # its content: a worker keeps one compiled template per key
    out: Path
    projects: tuple[tuple[str, Any], ...]  # (file stem, model.Project or model.Unit)


@dataclass(frozen=True)
class Rendered:
    """One project's tables, staged, and its Excel sheet (for the 汇总 workbook)."""

    stem: str
    staged: tuple[tuple[str, Staged, list[int]], ...]  # (file name, staged file, its cache.stat_key)
    sheet: Entry


_LOADED: dict[str, tuple[Variant, Any, Any]] = {}


def _loaded(chunk: Chunk) -> tuple[Variant, Any, Any]:
    """The variant, its compiled Word template and its Excel writer, once per process and variant."""
    if chunk.variant_key not in _LOADED:
        from .render.docx import WordTemplate  # docxtpl and jinja load only where tables are rendered
        from .render.xlsx import ExcelWriter
        from .variant import Variant

        variant = Variant(chunk.variant)
        _LOADED[chunk.variant_key] = (variant, WordTemplate.for_variant(variant),
                                      ExcelWriter.for_variant(variant))
    return _LOADED[chunk.variant_key]


def render_chunk(chunk: Chunk) -> list[Rendered]:
    """Render and stage each project of the chunk; on any failure no temporary file is left."""
    from .build import form

    variant, word, excel = _loaded(chunk)
    context = form(variant).context
    rendered: list[Rendered] = []
    try:
        for stem, project in chunk.projects:
            docx, root = word.render(context(project, variant))
            sheet = excel.sheet(root)
            buffer = BytesIO()
            excel.write(buffer, [project.name], [sheet])
            files: list[tuple[str, Staged, list[int]]] = []
            try:
                for name, data in ((f"{stem}.docx", docx), (f"{stem}.xlsx", buffer.getvalue())):
                    staged = stage_bytes(chunk.out / name, data)
                    files.append((name, staged, cache.stat_key(staged.tmp)))  # renaming keeps size, mtime, inode
            except BaseException:
                _unlink(files)
                raise
            rendered.append(Rendered(stem, tuple(files), sheet))
    except BaseException:
        for item in rendered:
            _unlink(item.staged)
        raise
    return rendered


def _unlink(files) -> None:
    for _, staged, _ in files:
        staged.tmp.unlink(missing_ok=True)
    remove_folders(folder for _, staged, _ in files for folder in staged.created)


def document_root(docx: bytes) -> etree._Element:
    """The Word document tree of a rendered .docx."""
    import zipfile

    from lxml import etree

    from .render.docx import DOCUMENT

    with zipfile.ZipFile(BytesIO(docx)) as archive:
        return etree.fromstring(archive.read(DOCUMENT))


class _Renderer:
    """Renders chunks in this process or in a pool of worker processes; `done()` gives the results
    in the order the chunks were sent. At most `window` chunks are in flight, so the parent never
    holds more than a few chunks' projects and sheets, however large the batch."""

    def __init__(self, processes: int):
        self.processes = processes
        self.pool = None  # a ProcessPoolExecutor, started when there is enough to render
        self.queue: deque[tuple[Any, Future | list[Rendered]]] = deque()
        self.window = 4 * processes
        # a worker needs half a second to start: the first few tables are rendered here, so that
        # a rebuild of one or two projects starts no process at all
        self.inline = INLINE

    def submit(self, tag: Any, chunk: Chunk) -> None:
        if self.processes <= 1 or (self.pool is None and self.inline >= len(chunk.projects)):
            self.inline -= len(chunk.projects)
            self.queue.append((tag, render_chunk(chunk)))
            return
        if self.pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn, not fork: the same behaviour on every OS, and no copy of the parent's state
            self.pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"))
        self.queue.append((tag, self.pool.submit(render_chunk, chunk)))

    def done(self, wait: bool = False) -> Iterator[tuple[Any, list[Rendered]]]:
        """Results whose turn it is: those already finished, and older ones while too many are in
        flight (or all of them, with `wait`)."""
        while self.queue:
            tag, result = self.queue[0]
            if isinstance(result, Future) and not (wait or result.done() or len(self.queue) > self.window):
                return
            self.queue.popleft()
            yield tag, result.result() if isinstance(result, Future) else result

    def cancel(self) -> None:
        """Send nothing more that has not started (an error was found: it would be thrown away)."""
        self.queue = deque(item for item in self.queue if not (isinstance(item[1], Future) and item[1].cancel()))

    def close(self) -> None:
        """Remove what was rendered but never taken (after a failure), and stop the workers."""
        self.cancel()
        while self.queue:
            _, result = self.queue.popleft()
            try:
                items = result.result() if isinstance(result, Future) else result
            except BaseException:
                continue
            for item in items:
                _unlink(item.staged)
        if self.pool is not None:
            self.pool.shutdown()


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
    stale: list[str] = field(default_factory=list)            # files of the last build this one drops
    known: cache.Digests | None = None                        # the digests of the folder's files


def _project_key(project: Any, variant_key: str) -> str:
    # `source` is where the spec lives, which prints nowhere: moving a file rebuilds nothing
    return cache.key(cache.toolchain_key(), variant_key, cache.fingerprint(project, skip=("source",)))


class _Batch:
    def __init__(self, templates: Path, staging: Staging, renderer: _Renderer, force: bool, pdf: bool,
                 reporter: Reporter, result: Result):
        self.templates, self.staging, self.renderer = templates, staging, renderer
        self.force, self.pdf, self.reporter, self.result = force, pdf, reporter, result
        self.problems = Problems()
        self.said: set[Problem] = set()     # problems and warnings already said (a 类别 folder is shared)
        self.warned: set[Problem] = set()
        self.variant_keys: dict[Path, str] = {}
        self.category_keys: dict[Path, str] = {}
        self.writers: dict[str, Any] = {}
        self.words: dict[str, Any] = {}
        self.order: deque[_Folder] = deque()  # folders not finished yet
        self.saving: cache.Digests | None = None  # the digests of the last folder closed
        # what the fast path compares: perfgen itself and every template
        self.inputs = (cache.toolchain_key(), cache.folder_key(templates))

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
        known = cache.Digests.for_output(out)
        old = cache.Manifest.load(out, known)
        folder = _Folder(out, old, cache.Manifest(out), [], known=known)
        self.order.append(folder)
        # a folder's projects also inherit from the 类别/ folders at and above it
        categories = [self.category_key(path) for path in category_folders(spec_folder) + ruleset_folders(spec_folder)]
        inputs = cache.inputs_key(spec_folder, *self.inputs, *categories, digests=known)
        last = None if self.force else _last_build(old, spec_folder)
        summaries = [g for g in old.groups if g.startswith(f"{SUMMARY_GROUP}/")]  # 汇总.自评.xlsx, …
        if last is not None and old.unchanged(inputs, [project_group(name) for name in last[0]]
                                              + ([SUMMARY_GROUP] if last[0] else []) + summaries):
            folder.replayed, (folder.names, folder.warnings) = True, last
            folder.new.groups, folder.new.inputs = dict(old.groups), old.inputs
            return folder
        from . import build

        problems = Problems()
        item = build.plan_folder(spec_folder, out, self.templates, problems)
        if item is not None:
            _check_file_names(item, problems)
        for problem in problems.items:  # a broken 类别 file above several folders is said once
            if problem not in self.said:
                self.said.add(problem)
                self.problems.items.append(problem)
        if item is None or self.problems.errors:
            self.renderer.cancel()  # the build will fail: render no more
            return folder
        tables = item.tables()  # the 目标表s, then the 监控表 and 自评表 where facts exist
        folder.plan, folder.names, folder.warnings = item, [t.name for _, t in tables], problems.warnings
        folder.variant_key = self.variant_key(item.variant)
        folder.new.inputs = {"key": inputs, "tables": folder.names,
                             "warnings": [_stored(w, spec_folder) for w in problems.warnings]}
        stale: dict[Path, list[tuple[str, Any]]] = {}  # variant folder → its tables to render
        for variant, table in tables:
            key = _project_key(table, self.variant_key(variant))
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
            if warning not in self.warned:
                self.warned.add(warning)
                self.result.warnings.append(warning)
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

    def close(self, folder: _Folder) -> None:
        """Stage the folder's manifest and keep only what the commit needs: memory stays flat."""
        if not self.pdf:
            _keep_pdfs([folder])
        new, old = folder.new, folder.old
        if new.groups != old.groups or new.inputs != old.inputs:  # else it is as it is on disk
            data = new.to_bytes()
            if _read(folder.out / cache.MANIFEST) != data:
                self.staging.add(folder.out / cache.MANIFEST, data)
        folder.stale = sorted(old.all_files() - new.all_files())
        folder.old = folder.new = None  # type: ignore[assignment]
        # the digests of its files are saved a folder later, when its newest tables are no longer
        # racily clean (cache.Digests); entries of a build that then fails name inodes that never match
        if self.saving is not None:
            self.saving.save()
        self.saving, folder.known = folder.known, None

    def _summary(self, folder: _Folder) -> None:
        from . import summary

        item = folder.plan
        if not item.projects:
            return
        lines = summary.lines(item.projects, item.variant, folder.warnings)
        key = cache.key(cache.toolchain_key(), folder.variant_key, *folder.keys[:len(item.projects)],
                        cache.fingerprint(lines),
                        summary.title(item.projects))
        if not self.force and folder.old.fresh(SUMMARY_GROUP, key):
            folder.new.groups[SUMMARY_GROUP] = folder.old.groups[SUMMARY_GROUP]
            return
        writer = self._writer(item.variant, folder.variant_key)
        stems = [safe_filename(project.name) for project in item.projects]

        def sheets() -> Iterator[Entry]:
            for stem in stems:  # this build's sheet, or the one in the unchanged workbook on disk
                yield folder.sheets.get(stem) or read_entry(folder.out / f"{stem}.xlsx", sheet_part(1))

        items = lines if summary.has_overview(item.projects) else None
        done = self.staging.write(folder.out / SUMMARY_WORKBOOK, lambda handle: summary.write(
            handle, summary.title(item.projects), items, [p.name for p in item.projects], sheets(), item.variant,
            writer))
        digests = {SUMMARY_WORKBOOK: done.digest}
        folder.known.remember(folder.out / SUMMARY_WORKBOOK, done.digest, cache.stat_key(done.tmp))
        combined = item.variant.settings.combined
        if combined is not None and len(item.projects) > 1:   # the folder's tables in one Word file too
            from .build import form
            from .render.combined import combined_docx, heading_text

            word = self._word(item.variant, folder.variant_key)
            context = form(item.variant).context
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


def _last_build(manifest: cache.Manifest, spec_folder: Path) -> tuple[list[str], list[Problem]] | None:
    """The tables and the warnings of the last build as its manifest recorded them (None if it
    did not, or not in a shape this perfgen wrote)."""
    inputs = manifest.inputs
    try:
        tables, warnings = inputs["tables"], [_problem(stored, spec_folder) for stored in inputs["warnings"]]
    except (TypeError, KeyError, ValueError):
        return None
    if not isinstance(tables, list) or not all(isinstance(name, str) for name in tables):
        return None
    return list(tables), warnings


def _stored(problem: Problem, folder: Path) -> list:
    """A warning as the manifest keeps it: its file relative to the spec folder (which may move)."""
    path = Path(problem.file)
    name = path.name if path.parent == folder else problem.file
    return [name, problem.line, problem.field, problem.message]


def _problem(stored: list, folder: Path) -> Problem:
    name, line, field_, message = stored
    if not all(isinstance(text, str) for text in (name, field_, message)) or not isinstance(line, (int, type(None))):
        raise ValueError(stored)
    path = folder / name if "/" not in name and "\\" not in name else Path(name)
    return Problem(str(path), line, field_, message, warning=True)


def run(root: Path, out: Path, templates: Path | None = None, *, jobs: int = 1, force: bool = False,
        pdf: bool = False, reporter: Reporter | None = None) -> Result:
    """Build every spec folder at or below `root` into `out`; see the module's docstring."""
    reporter = reporter or Silent()
    soffice = find_soffice() if pdf else None  # before anything is rendered: missing → nothing written
    start = Problems()
    templates_folder, pairs = targets(root, out, templates, start)
    if start.errors:
        raise SpecErrors(start.errors)
    result = Result()
    reporter.start(sum(count_tables(folder) for folder, _ in pairs))
    folders: list[_Folder] = []
    with Staging(index=soffice is not None) as staging:
        renderer = _Renderer(max(1, jobs))
        try:
            batch = _Batch(templates_folder, staging, renderer, force, soffice is not None, reporter, result)
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
        if batch.problems.errors:
            raise SpecErrors(batch.problems.errors + batch.problems.warnings)
        if soffice:
            _pdfs(folders, soffice, staging, force, reporter, result)
            for folder in folders:
                batch.close(folder)
        if batch.saving is not None:
            batch.saving.save()
        written = staging.commit()
    result.written = [path for path in written if path.name != cache.MANIFEST]
    result.removed = _remove_stale(folders)
    return result


def _check_file_names(item: Plan, problems: Problems) -> None:
    """Two projects whose names give one file name (a/b and a_b), or a project named like the
    汇总 workbook, would overwrite each other's tables."""
    summary_stem = Path(SUMMARY_WORKBOOK).stem
    taken: dict[str, str] = {summary_stem: f"汇总工作簿 {SUMMARY_WORKBOOK}"}
    for _, project in item.tables():
        stem = safe_filename(project.name)
        if stem in taken:
            problems.add(project.source, None, "项目名称",
                         f"「{project.name}」的输出文件名 {stem}.docx 与{taken[stem]}相同，请改一个项目名称")
        else:
            taken[stem] = f"项目「{project.name}」"


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _pdfs(folders: list[_Folder], soffice: str, staging: Staging, force: bool, reporter: Reporter,
          result: Result) -> None:
    """Convert every table whose PDF is missing or older than its table, in one LibreOffice run."""
    todo: list[tuple[_Folder, str, str, str, str]] = []  # folder, PDF group, PDF name, source file, its sha256
    for folder in folders:
        for name in folder.names:
            stem = safe_filename(name)
            docx = f"{stem}.docx"
            todo.append((folder, pdf_group(name), f"{stem}.pdf", docx, folder.new.files(project_group(name))[docx]))
        if folder.names:
            todo.append((folder, pdf_group(SUMMARY_GROUP), f"{Path(SUMMARY_WORKBOOK).stem}.pdf", SUMMARY_WORKBOOK,
                         folder.new.files(SUMMARY_GROUP)[SUMMARY_WORKBOOK]))
    convert = []
    for folder, group, name, source, digest in todo:
        if force or not folder.old.fresh(group, digest):  # a PDF is as fresh as the table it was made from
            convert.append((folder, group, name, source, digest))
        else:
            folder.new.groups[group] = folder.old.groups[group]
    if not convert:
        return
    reporter.note(f"用 LibreOffice 转换 {len(convert)} 个文件为 PDF（一次运行）……")
    # this build's bytes (staged, not yet committed), or the unchanged file on disk
    documents = [(Path(source).suffix, staging.path(folder.out / source).read_bytes())
                 for folder, _, _, source, _ in convert]
    for (folder, group, name, _, digest), data in zip(convert, to_pdf(documents, soffice)):
        staging.add(folder.out / name, data)
        folder.new.record(group, digest, {name: data})
        result.pdfs.append(folder.out / name)


def _keep_pdfs(folders: list[_Folder]) -> None:
    """Without --pdf, PDFs of projects that still exist stay (a later --pdf run brings them up to date)."""
    for folder in folders:
        names = set(folder.names)
        if folder.names:
            names.add(SUMMARY_GROUP)
        for group, entry in folder.old.groups.items():
            if group.startswith("PDF/") and group[4:] in names:
                folder.new.groups[group] = entry


def _remove_stale(folders: list[_Folder]) -> list[Path]:
    """Delete the files the last build wrote that this build no longer produces (a removed project)."""
    removed = []
    for folder in folders:
        for name in folder.stale:
            path = folder.out / name
            if path.is_file():
                path.unlink()
                removed.append(path)
    return removed
