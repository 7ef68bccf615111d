"""What a worker process does, and the scheduling: folders built in this process or in a pool of
worker processes, results taken in order.

A task is a whole spec folder (folder_build.FolderTask): the worker reads and checks its specs,
renders and stages its stale tables (`render_chunk`: a variant's template compiled once per
process, `loaded`), writes its 汇总 workbooks and its manifest, and sends back only what the main
process needs to say and to commit (folder_build.FolderDone). `Workers` keeps a window of folders
in flight and gives their results in the order they were sent, so the messages and the bytes are
the same however many processes ran. The first few tables are built in this process (`INLINE`):
a rebuild of one or two projects starts no process at all. On Linux the workers are forked from
this process, perfgen already imported (start_method); elsewhere they are spawned.

Workers end with the build: each watches its parent and exits when it is gone (a killed build
leaves no process behind), and the pool is shut down when the build ends however it ends. A
worker that dies (the OOM killer, a crash in a library) breaks the pool: the folders not back are
sent again once to a new pool, and a second death is a message, not a traceback.
"""
from __future__ import annotations

import sys
from collections import deque
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from . import cache
from .errors import Frozen, WorkerError
from .staging import Staged, remove_folders, stage_bytes

if TYPE_CHECKING:
    from concurrent.futures import Future

    from .render.rendered import Document

    from .folder_build import FolderDone, FolderTask

    from .variant import Variant
    from .write import Entry

INLINE = 16  # tables rendered in this process before worker processes are started (with -j)
WINDOW = 4  # folders in flight per worker process: enough to keep them busy, few to hold
RETRIES = 1  # new pools started after a worker died, per build


class Chunk(Frozen):
    """Projects of one folder to render; plain data, so it pickles to a worker process."""

    __slots__ = ("variant", "variant_key", "out", "projects")
    variant: Path            # the variant folder
    variant_key: str         # its content: a worker keeps one compiled template per key
    out: Path
    projects: tuple[tuple[str, Any], ...]  # (file stem, model.Project or model.Unit)

    def __init__(self, variant: Path, variant_key: str, out: Path, projects: tuple[tuple[str, Any], ...]):
        self._set(variant=variant, variant_key=variant_key, out=out, projects=projects)


class Rendered(Frozen):
    """One project's tables, staged, and its Excel sheet (for the 汇总 workbook)."""

    __slots__ = ("stem", "staged", "sheet")
    stem: str
    staged: tuple[tuple[str, Staged, list[int]], ...]  # (file name, staged file, its cache.stat_key)
    sheet: Entry

    def __init__(self, stem: str, staged: tuple[tuple[str, Staged, list[int]], ...], sheet: Entry):
        self._set(stem=stem, staged=staged, sheet=sheet)


_LOADED: dict[str, tuple[Variant, Any, Any]] = {}


def loaded(folder: Path, variant_key: str, variant: Variant | None = None) -> tuple[Variant, Any, Any]:
    """The variant, its compiled Word template and its Excel writer, once per process and variant."""
    if variant_key not in _LOADED:
        from .render.docx import WordTemplate  # docxtpl and jinja load only where tables are rendered
        from .render.xlsx import ExcelWriter
        from .variant import Variant

        variant = variant or Variant(folder)
        _LOADED[variant_key] = (variant, WordTemplate.for_variant(variant), ExcelWriter.for_variant(variant))
        _settle()
    return _LOADED[variant_key]


def _settle() -> None:
    """A process that renders keeps what it has loaded (modules, compiled templates) to its end:
    that is moved out of the cyclic garbage collector's walks (`gc.freeze`, done before workers
    fork, it also keeps their pages shared), and young objects are collected less often (a table
    makes some 10^5, nearly all freed at once by reference counting). A 200-spec build: the
    collector's share of the instructions 3.9 → 1.7 %."""
    import gc

    gc.freeze()
    gc.set_threshold(10_000, 50, 100)


def render_chunk(chunk: Chunk) -> list[Rendered]:
    """Render and stage each project of the chunk; on any failure no temporary file is left."""
    from .forms import form_of

    variant, word, excel = loaded(chunk.variant, chunk.variant_key)
    context = form_of(variant).context
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
                    files.append((name, staged, staged.stat or cache.stat_key(staged.tmp)))  # renaming keeps them
            except BaseException:
                unlink(files)
                raise
            rendered.append(Rendered(stem, tuple(files), sheet))
    except BaseException:
        for item in rendered:
            unlink(item.staged)
        raise
    return rendered


def unlink(files) -> None:
    """Remove staged files that will not be committed, and the folders made for them."""
    for _, staged, _ in files:
        staged.tmp.unlink(missing_ok=True)
    remove_folders(folder for _, staged, _ in files for folder in staged.created)


def document_root(docx: bytes) -> Document:
    """The Word document of a rendered .docx, read as the Excel writer reads a rendered one."""
    import zipfile

    from .render.docx import DOCUMENT
    from .render.rendered import Shapes, read

    with zipfile.ZipFile(BytesIO(docx)) as archive:
        return read(archive.read(DOCUMENT).decode("utf-8"), Shapes())


def _watch_parent() -> None:
    """In a worker: exit as soon as the build that started it is gone (kill -9 included)."""
    import multiprocessing
    import os
    import threading

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _pending(result: Any) -> bool:
    """A pool's future (concurrent.futures is imported with the first pool: a build with nothing to
    do imports neither it nor the logging it loads)."""
    futures = sys.modules.get("concurrent.futures")
    return futures is not None and isinstance(result, futures.Future)


def start_method() -> str:
    """How the pool's workers start: forked on Linux when this process runs no other thread (a
    progress bar's, an old pool's), so that they start at once with perfgen imported (_preload)
    and the templates this process compiled (the tables built here first, INLINE); else spawned,
    a fresh interpreter importing perfgen again (about half a second of CPU each): macOS and
    Windows, where fork is unsafe or missing, and a process with threads, whose locks a fork could
    copy held. The workers are forked at the pool's first task, right after this."""
    import threading

    if sys.platform.startswith("linux") and threading.active_count() == 1:
        for stream in (sys.stdout, sys.stderr):  # a forked worker flushes its copy of what is buffered
            try:
                stream.flush()
            except (AttributeError, OSError, ValueError):
                pass
        return "fork"
    return "spawn"


def _preload() -> None:
    """Before forking: import what every worker needs (reading specs, rendering, the 汇总) once,
    here, instead of once in each worker (some 0.2 s of CPU each)."""
    from . import build, folder_build, forms, summary  # noqa: F401  (stage_summary: only where facts are)
    from .render import docx, xlsx  # noqa: F401
    from .settings import _MODELS as settings_models
    from .spec import CategorySpec, DepartmentSpec, ProjectSpec

    # pydantic models are built when first used (defer_build): the ones every folder's specs and
    # settings are read with are built here, once, not in each worker
    for model in (DepartmentSpec, ProjectSpec, CategorySpec, *settings_models.values()):
        model.model_rebuild()


def run_task(task: FolderTask) -> FolderDone:
    """What a worker (or this process) does with a task: build the folder."""
    from .folder_build import build_folder

    return build_folder(task)


class Workers:
    """Builds folders in this process or in a pool of worker processes; `done()` gives the results
    in the order the folders were given. At most `window` folders are in flight, so this process
    never holds more than a few folders' results, however large the batch."""

    def __init__(self, processes: int):
        self.processes = processes
        self.pool = None  # a ProcessPoolExecutor, started when there is enough to build
        self.queue: deque[tuple[Any, FolderTask | None, Future | Any]] = deque()
        self.window = WINDOW * processes
        self.retries = RETRIES
        self.died = False  # a worker died: its temporary files are swept after the build
        # a worker needs half a second to start: the first few tables are built here, so that a
        # rebuild of one or two projects starts no process at all
        self.inline = INLINE

    def submit(self, tag: Any, task: FolderTask, tables: int = 0) -> None:
        """Build the folder; `tables`: how many it will render at least (all of them when it was
        never built): more than are left to build here, and it goes to the pool."""
        if self.processes <= 1 or (self.pool is None and 0 < self.inline and tables <= self.inline):
            done = run_task(task)
            self.inline -= done.rendered
            self.queue.append((tag, task, done))
            return
        self.queue.append((tag, task, self._pool().submit(run_task, task)))

    def ready(self, tag: Any, value: Any) -> None:
        """A result known without building (an unchanged folder): it is given in its turn."""
        self.queue.append((tag, None, value))

    def _pool(self):
        if self.pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            method = start_method()
            if method == "fork":
                _preload()
            self.pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context(method),
                                            initializer=_watch_parent)
        return self.pool

    def _result(self, task: FolderTask | None, result: Future | Any) -> Any:
        if not _pending(result):
            return result
        from concurrent.futures.process import BrokenProcessPool

        try:
            return result.result()
        except BrokenProcessPool as exc:
            self.died = True
            if self.retries <= 0:
                raise WorkerError("生成表格的子进程意外退出了两次（可能是内存不足）：未改动任何输出。"
                                  "请用 -j 1 或更少的进程重新运行") from exc
            self.retries -= 1
            self._restart()
            return self._result(task, self._pool().submit(run_task, task))

    def _restart(self) -> None:
        """A worker died and took the pool with it: a new pool takes every folder not back yet."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = None
        self.queue = deque((tag, task, self._pool().submit(run_task, task) if _pending(result) and not
                            (result.done() and not result.exception()) else result)
                           for tag, task, result in self.queue)

    def done(self, wait: bool = False) -> Iterator[tuple[Any, Any]]:
        """Results whose turn it is: those already finished, and older ones while too many are in
        flight (or all of them, with `wait`)."""
        while self.queue:
            tag, task, result = self.queue[0]
            if _pending(result) and not (wait or result.done() or len(self.queue) > self.window):
                return
            self.queue.popleft()
            try:
                value = self._result(task, result)
            except BaseException:  # Ctrl-C while waiting: close() still waits for it and drops its files
                if _pending(result):
                    self.queue.appendleft((tag, task, result))
                raise
            yield tag, value

    def check_only(self) -> None:
        """An error was found: the folders not started yet are only read and checked (every
        problem is still said; their tables would be thrown away)."""
        self.queue = deque((tag, task, self._pool().submit(run_task, task.replace(check_only=True))
                            if _pending(result) and result.cancel() else result)
                           for tag, task, result in self.queue)

    def close(self) -> None:
        """Remove what was built but never taken (after a failure), and stop the workers."""
        for _, _, result in self.queue:
            if _pending(result):
                result.cancel()
        while self.queue:
            _, _, result = self.queue.popleft()
            try:
                value = result.result() if _pending(result) else result
            except BaseException:
                continue
            if hasattr(value, "discard"):
                value.discard()
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
