"""Rendering, in this process or in a pool of worker processes: what a chunk of projects is, how a
worker renders and stages it, and the scheduling (a window of chunks in flight, results in order).

Workers end with the build: each watches its parent and exits when it is gone (a killed build
leaves no process behind), and the pool is shut down when the build ends however it ends. A
worker that dies (the OOM killer, a crash in a library) breaks the pool: the chunks not back are
sent again once to a new pool, and a second death is a message, not a traceback.
"""
from __future__ import annotations

from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from . import cache
from .errors import WorkerError
from .staging import Staged, remove_folders, stage_bytes
from .write import Entry

if TYPE_CHECKING:
    from .render.rendered import Document

    from .variant import Variant

CHUNK = 8  # projects per task sent to a worker: enough to amortise the round trip, small enough to balance
INLINE = 16  # projects rendered in this process before worker processes are started (with -j)
RETRIES = 1  # new pools started after a worker died, per build



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
    from .forms import form_of

    variant, word, excel = _loaded(chunk)
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
                    files.append((name, staged, cache.stat_key(staged.tmp)))  # renaming keeps size, mtime, inode
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


class Renderer:
    """Renders chunks in this process or in a pool of worker processes; `done()` gives the results
    in the order the chunks were sent. At most `window` chunks are in flight, so the parent never
    holds more than a few chunks' projects and sheets, however large the batch."""

    def __init__(self, processes: int):
        self.processes = processes
        self.pool = None  # a ProcessPoolExecutor, started when there is enough to render
        self.queue: deque[tuple[Any, Chunk, Future | list[Rendered]]] = deque()
        self.window = 4 * processes
        self.retries = RETRIES
        self.died = False  # a worker died: its temporary files are swept after the build
        # a worker needs half a second to start: the first few tables are rendered here, so that
        # a rebuild of one or two projects starts no process at all
        self.inline = INLINE

    def submit(self, tag: Any, chunk: Chunk) -> None:
        if self.processes <= 1 or (self.pool is None and self.inline >= len(chunk.projects)):
            self.inline -= len(chunk.projects)
            self.queue.append((tag, chunk, render_chunk(chunk)))
            return
        self.queue.append((tag, chunk, self._pool().submit(render_chunk, chunk)))

    def _pool(self):
        if self.pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # spawn, not fork: the same behaviour on every OS, and no copy of the parent's state
            self.pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_watch_parent)
        return self.pool

    def _result(self, chunk: Chunk, result: Future | list[Rendered]) -> list[Rendered]:
        if not isinstance(result, Future):
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
            return self._result(chunk, self.queue_chunk(chunk))

    def queue_chunk(self, chunk: Chunk) -> Future:
        return self._pool().submit(render_chunk, chunk)

    def _restart(self) -> None:
        """A worker died and took the pool with it: a new pool takes every chunk not back yet."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = None
        self.queue = deque((tag, chunk, self.queue_chunk(chunk) if isinstance(result, Future) and not
                            (result.done() and not result.exception()) else result)
                           for tag, chunk, result in self.queue)

    def done(self, wait: bool = False) -> Iterator[tuple[Any, list[Rendered]]]:
        """Results whose turn it is: those already finished, and older ones while too many are in
        flight (or all of them, with `wait`)."""
        while self.queue:
            tag, chunk, result = self.queue[0]
            if isinstance(result, Future) and not (wait or result.done() or len(self.queue) > self.window):
                return
            self.queue.popleft()
            yield tag, self._result(chunk, result)

    def cancel(self) -> None:
        """Send nothing more that has not started (an error was found: it would be thrown away)."""
        self.queue = deque(item for item in self.queue if not (isinstance(item[2], Future) and item[2].cancel()))

    def close(self) -> None:
        """Remove what was rendered but never taken (after a failure), and stop the workers."""
        self.cancel()
        while self.queue:
            _, _, result = self.queue.popleft()
            try:
                items = result.result() if isinstance(result, Future) else result
            except BaseException:
                continue
            for item in items:
                unlink(item.staged)
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
