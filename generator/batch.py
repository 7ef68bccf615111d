"""The batch build of a whole specs tree: incremental, optionally in N processes, optionally to PDF.

Order of work, so that a failure anywhere writes nothing:
1. plan (build.plan): read and check every spec folder; any error stops here;
2. decide: a project whose key (cache.py) and files are unchanged is skipped;
3. render the rest, in this process or in a pool of N (each worker compiles a variant's Word
   template once); results come back in plan order, so the bytes and the messages are the same
   however many processes ran;
4. per output folder: the 汇总 workbook (from the rendered Word tables, re-read from disk for
   skipped projects), the PDFs (one LibreOffice run for the whole batch), the manifest;
5. commit every staged file at once, then remove the files perfgen wrote for projects that are gone.
"""
from __future__ import annotations

import multiprocessing
import os
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any, Iterator, Protocol

from lxml import etree

from . import cache, summary
from .build import SUMMARY_WORKBOOK, Plan, form, plan, safe_filename
from .errors import Problem, Problems, SpecErrors
from .model import Project
from .pdf import find_soffice, to_pdf
from .render.docx import DOCUMENT, WordTemplate
from .render.xlsx import ExcelWriter
from .write import Staging

SUMMARY_GROUP = "汇总"


def project_group(name: str) -> str:
    return f"项目/{name}"


def pdf_group(name: str) -> str:
    return f"PDF/{name}"


# ---------------------------------------------------------------- rendering, in any process

@dataclass(frozen=True)
class Job:
    """One project table to render; plain data, so it pickles to a worker process."""

    variant: str               # the variant folder: workers keep one compiled template per variant
    template: str
    excel: dict[str, Any]
    name: str
    context: dict[str, Any]


_LOADED: dict[str, tuple[WordTemplate, ExcelWriter]] = {}


def render_job(job: Job) -> tuple[bytes, bytes]:
    """(docx, xlsx) bytes of one project table."""
    if job.variant not in _LOADED:
        _LOADED[job.variant] = (WordTemplate(Path(job.template)), ExcelWriter(job.excel))
    word, excel = _LOADED[job.variant]
    docx, root = word.render(job.context)
    return docx, excel.workbook([(job.name, root)])


def document_root(docx: bytes) -> etree._Element:
    """The Word document tree of a rendered .docx (what the 汇总 sheets are derived from)."""
    with zipfile.ZipFile(BytesIO(docx)) as archive:
        return etree.fromstring(archive.read(DOCUMENT))


def _render_all(jobs: list[Job], processes: int) -> Iterator[tuple[bytes, bytes]]:
    """The rendered tables in the order of `jobs`."""
    processes = min(processes, len(jobs))
    if processes <= 1:
        yield from map(render_job, jobs)
        return
    # spawn, not fork: the same behaviour on every OS, and no copy of the parent's state
    with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield from pool.map(render_job, jobs, chunksize=max(1, len(jobs) // (processes * 4)))


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
    """One output folder during a batch: its plan, old and new manifests, what was rendered."""

    plan: Plan
    old: cache.Manifest
    new: cache.Manifest
    variant_key: str
    keys: list[str] = field(default_factory=list)
    fresh: list[bool] = field(default_factory=list)
    written: dict[str, bytes] = field(default_factory=dict)  # file name → this build's bytes (.docx, 汇总)


def _project_key(project: Project, variant_key: str) -> str:
    # `source` is where the spec lives, which prints nowhere: moving a file rebuilds nothing
    return cache.key(cache.toolchain_key(), variant_key, cache.fingerprint(project, skip=("source",)))


def run(root: Path, out: Path, templates: Path | None = None, *, jobs: int = 1, force: bool = False,
        pdf: bool = False, reporter: Reporter | None = None) -> Result:
    """Build every spec folder at or below `root` into `out`; see the module's docstring."""
    reporter = reporter or Silent()
    plans, problems = plan(root, out, templates)
    _check_file_names(plans)
    soffice = find_soffice() if pdf else None  # before anything is rendered: missing → nothing written
    result = Result(warnings=problems.warnings)
    variant_keys: dict[Path, str] = {}
    folders: list[_Folder] = []
    for item in plans:
        if item.variant.folder not in variant_keys:
            variant_keys[item.variant.folder] = cache.key(cache.folder_key(item.variant.folder),
                                                          cache.sha256(item.variant.word_template.read_bytes()))
        vkey = variant_keys[item.variant.folder]
        folder = _Folder(item, cache.Manifest.load(item.out), cache.Manifest(item.out), vkey)
        for project in item.projects:
            key = _project_key(project, vkey)
            folder.keys.append(key)
            folder.fresh.append(not force and folder.old.fresh(project_group(project.name), key))
        folders.append(folder)
        result.folders.append(item.out)

    jobs_todo = [Job(str(f.plan.variant.folder), str(f.plan.variant.word_template), f.plan.variant.excel, p.name,
                     form(f.plan.variant).context(p, f.plan.variant))
                 for f in folders for p, fresh in zip(f.plan.projects, f.fresh) if not fresh]
    reporter.start(sum(len(f.plan.projects) for f in folders))
    with Staging() as staging:
        rendered = _render_all(jobs_todo, max(1, jobs))
        for folder in folders:
            for project, key, fresh in zip(folder.plan.projects, folder.keys, folder.fresh):
                group = project_group(project.name)
                if fresh:
                    folder.new.groups[group] = folder.old.groups[group]
                    result.skipped.append((folder.plan.out, project.name))
                else:
                    docx, xlsx = next(rendered)
                    stem = safe_filename(project.name)
                    files = {f"{stem}.docx": docx, f"{stem}.xlsx": xlsx}
                    for name, data in files.items():
                        staging.add(folder.plan.out / name, data)
                    folder.new.record(group, key, files)
                    folder.written[f"{stem}.docx"] = docx
                    result.built.append((folder.plan.out, project.name))
                reporter.project(folder.plan.out, project.name, not fresh)
            _summary(folder, problems.warnings, staging, force)
        if soffice:
            _pdfs(folders, soffice, staging, force, reporter, result)
        else:
            _keep_pdfs(folders)
        for folder in folders:
            data = folder.new.to_bytes()
            if _read(folder.plan.out / cache.MANIFEST) != data:
                staging.add(folder.plan.out / cache.MANIFEST, data)
        written = staging.commit()
    result.written = [path for path in written if path.name != cache.MANIFEST]
    result.removed = _remove_stale(folders)
    return result


def _check_file_names(plans: list[Plan]) -> None:
    """Two projects whose names give one file name (a/b and a_b), or a project named like the
    汇总 workbook, would overwrite each other's tables."""
    problems = Problems()
    summary_stem = Path(SUMMARY_WORKBOOK).stem
    for item in plans:
        taken: dict[str, str] = {summary_stem: f"汇总工作簿 {SUMMARY_WORKBOOK}"}
        for project in item.projects:
            stem = safe_filename(project.name)
            if stem in taken:
                problems.add(project.source, None, "项目名称",
                             f"「{project.name}」的输出文件名 {stem}.docx 与{taken[stem]}相同，请改一个项目名称")
            else:
                taken[stem] = f"项目「{project.name}」"
    if problems:
        raise SpecErrors(problems.errors)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _staged(folder: _Folder, name: str) -> bytes:
    """An output of this build (not yet committed), or the unchanged one on disk (checked against
    the manifest when it was judged fresh)."""
    if name in folder.written:
        return folder.written[name]
    return (folder.plan.out / name).read_bytes()


def _summary(folder: _Folder, warnings: list[Problem], staging: Staging, force: bool) -> None:
    item = folder.plan
    if not item.projects:
        return
    lines = summary.lines(item.projects, item.variant, warnings)
    key = cache.key(cache.toolchain_key(), folder.variant_key, *folder.keys, cache.fingerprint(lines),
                    summary.title(item.projects))
    if not force and folder.old.fresh(SUMMARY_GROUP, key):
        folder.new.groups[SUMMARY_GROUP] = folder.old.groups[SUMMARY_GROUP]
        return
    roots = [document_root(_staged(folder, f"{safe_filename(project.name)}.docx")) for project in item.projects]
    data = summary.workbook(item.projects, roots, item.variant, ExcelWriter(item.variant.excel), warnings)
    staging.add(item.out / SUMMARY_WORKBOOK, data)
    folder.written[SUMMARY_WORKBOOK] = data
    folder.new.record(SUMMARY_GROUP, key, {SUMMARY_WORKBOOK: data})


def _pdfs(folders: list[_Folder], soffice: str, staging: Staging, force: bool, reporter: Reporter,
          result: Result) -> None:
    """Convert every table whose PDF is missing or older than its table, in one LibreOffice run."""
    todo: list[tuple[_Folder, str, str, str, str]] = []  # folder, PDF group, PDF name, source file, its sha256
    for folder in folders:
        for project in folder.plan.projects:
            stem = safe_filename(project.name)
            docx = f"{stem}.docx"
            todo.append((folder, pdf_group(project.name), f"{stem}.pdf", docx,
                         folder.new.files(project_group(project.name))[docx]))
        if folder.plan.projects:
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
    documents = [(Path(source).suffix, _staged(folder, source)) for folder, _, _, source, _ in convert]
    for (folder, group, name, _, digest), data in zip(convert, to_pdf(documents, soffice)):
        staging.add(folder.plan.out / name, data)
        folder.new.record(group, digest, {name: data})
        result.pdfs.append(folder.plan.out / name)


def _keep_pdfs(folders: list[_Folder]) -> None:
    """Without --pdf, PDFs of projects that still exist stay (a later --pdf run brings them up to date)."""
    for folder in folders:
        names = {project.name for project in folder.plan.projects}
        if folder.plan.projects:
            names.add(SUMMARY_GROUP)
        for group, entry in folder.old.groups.items():
            if group.startswith("PDF/") and group[4:] in names:
                folder.new.groups[group] = entry


def _remove_stale(folders: list[_Folder]) -> list[Path]:
    """Delete the files the last build wrote that this build no longer produces (a removed project)."""
    removed = []
    for folder in folders:
        for name in sorted(folder.old.all_files() - folder.new.all_files()):
            path = folder.plan.out / name
            if path.is_file():
                path.unlink()
                removed.append(path)
    return removed
