"""perfgen's benchmark: a district's build, measured against a fair baseline and against the floor.

    python bench/run.py                  # 2,000 projects (and 200), baselines on 400 of them
    python bench/run.py --repeat 3       # each build three times, the median (bench/README.md's figures)
    python bench/run.py -n 500 --small 50 --baseline 100 --json /tmp/results.json
    python bench/run.py --markdown bench/results.json   # a results file as bench/README.md's table

It writes N synthetic specs (bench/specgen.py) and measures, each in a fresh process so that peak
memory is per measurement: a full build (serial and with -j), a no-op rebuild, a rebuild after one
spec changed, the same full build at the small N; then, on a sample of the same projects and with
the same contexts:
- the naive loop: a fresh DocxTemplate per project, and openpyxl's load_workbook of a template
  workbook filled with the project's cells (what a first script does; its workbooks keep the
  template project's merges, so it is not a correct build);
- the fair baseline: docxtpl, perfgen's merge pass, and openpyxl in write_only mode with shared
  styles writing perfgen's sheet layout (cells, merges, widths, heights, print setup), serially
  and in -j processes; its outputs are read back and checked equal to perfgen's;
- the floor: deflating (at perfgen's level) and hashing every zip member of the full build's
  outputs that is not the same in another file (a template's fixed parts are deflated once).
It prints a table and the ratios (`ratios` in the JSON; see bench/README.md for what each means).
"""
from __future__ import annotations

import argparse
import compileall
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections import Counter
from importlib import metadata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(REPO), str(BENCH)]

import specgen  # noqa: E402  (bench/ is not a package)


# ---------------------------------------------------------------- measurements, each in its own process

def _usage() -> dict:
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"cpu_s": me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime,
            "sys_s": me.ru_stime + children.ru_stime,  # the kernel's share: mostly creating files
            "cpu_main_s": me.ru_utime + me.ru_stime,
            "rss_main_mb": me.ru_maxrss / 1024, "rss_worker_mb": children.ru_maxrss / 1024}


def _sample(args: argparse.Namespace):
    """Every k-th project of the tree, so the sample mixes variants and categories as the tree does:
    (variant, project, context function, the folder perfgen wrote the project's tables to)."""
    from generator.build import form, plan

    plans, _ = plan(Path(args.specs), Path(args.perfgen_out or args.out))
    items = [(item.variant, project, item.out) for item in plans for project in item.projects]
    step = max(1, len(items) // args.n)
    return [(variant, project, form(variant).context, out) for variant, project, out in items[::step][: args.n]]


def child_docxtpl(args: argparse.Namespace) -> dict:
    """The docxtpl loop: a fresh DocxTemplate per project, the same context, render, save."""
    from docxtpl import DocxTemplate

    sample = _sample(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start, cpu = time.perf_counter(), time.process_time()
    for i, (variant, project, context, _) in enumerate(sample):
        template = DocxTemplate(str(variant.word_template))
        template.render(context(project, variant), autoescape=True)  # autoescape: `<2次` must not break the XML
        template.save(str(out / f"{i}.docx"))
    return {"projects": len(sample), "loop_s": time.perf_counter() - start, "loop_cpu_s": time.process_time() - cpu}


def child_openpyxl(args: argparse.Namespace) -> dict:
    """The openpyxl loop: load a template workbook per project, fill the project's cells, save.
    The template is one table perfgen rendered; each project's cells (its Word grid) are worked
    out before the clock starts, so the loop is only what openpyxl costs."""
    import openpyxl
    from openpyxl.cell.cell import MergedCell

    from generator.render.docx import WordTemplate
    from generator.render.xlsx import ExcelWriter, sheet_of

    sample = _sample(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    words, templates, jobs = {}, {}, []
    for variant, project, context, _ in sample:
        if variant.folder not in words:
            words[variant.folder] = WordTemplate.for_variant(variant)
        _, root = words[variant.folder].render(context(project, variant))
        if variant.folder not in templates:  # the template workbook: the variant's first rendered table
            path = out / f"template-{len(templates)}.xlsx"
            path.write_bytes(ExcelWriter.for_variant(variant).workbook([("Sheet", root)]))
            templates[variant.folder] = path
        cells = [(row, col, text) for row, col, text, _ in sheet_of(root, 10.5).cells]
        jobs.append((templates[variant.folder], cells))
    start, cpu = time.perf_counter(), time.process_time()
    for i, (template, cells) in enumerate(jobs):
        book = openpyxl.load_workbook(template)
        sheet = book.active
        for row, col, text in cells:
            cell = sheet.cell(row=row, column=col)
            if not isinstance(cell, MergedCell):  # a cell the template's merges hide keeps its place
                cell.value = text
        book.save(out / f"{i}.xlsx")
    loop_s, loop_cpu_s = time.perf_counter() - start, time.process_time() - cpu
    # how wrong the loop is: workbooks whose merged ranges are not the project's (perfgen's)
    from generator.layout import safe_filename

    picked = _spread(len(sample), args.check)
    merges = lambda path: sorted(str(r) for r in openpyxl.load_workbook(path).worksheets[0].merged_cells.ranges)
    wrong = sum(merges(out / f"{i}.xlsx") != merges(sample[i][3] / f"{safe_filename(sample[i][1].name)}.xlsx")
                for i in picked)
    return {"projects": len(jobs), "loop_s": loop_s, "loop_cpu_s": loop_cpu_s, "checked": len(picked),
            "wrong_merges": wrong}


# ---------------------------------------------------------------- the fair baseline

class FairBaseline:
    """What a careful docxtpl + openpyxl user writes, producing perfgen's tables: docxtpl renders
    the context in the template made print-ready (once per variant, before the clock, as a user
    would ship it), perfgen's merge pass merges the cells, perfgen's page pass restarts the merges
    where a page begins, docxtpl saves; then openpyxl (write_only, one Font/Alignment/Border object
    per format, made once and shared by every cell and workbook) writes perfgen's sheet layout of
    the rendered table. Only the writers differ from perfgen's: docxtpl for perfgen's compiled
    template and zip writer, openpyxl for sheetml.py."""

    def __init__(self, folder: Path):
        self.folder = folder  # where the print-ready templates go
        self.variants: dict[Path, tuple] = {}
        self.word_cpu_s = self.excel_cpu_s = 0.0  # the loop's CPU, split: context + Word, Excel
        from generator.render.rendered import Shapes

        self.shapes = Shapes()  # perfgen's passes read each cell shape once, in the baseline too

    def prepare(self, variant) -> tuple:
        """The variant's print-ready template file, its page pass, perfgen's Excel layout and the
        openpyxl styles of its formats: made once."""
        if variant.folder not in self.variants:
            from lxml import etree
            from openpyxl.styles import Alignment, Border, Font, Side

            from generator.render.docx_print import PrintTemplate
            from generator.render.xlsx import ExcelWriter
            from generator.write import zip_bytes

            with zipfile.ZipFile(variant.word_template) as archive:
                parts = {info.filename: archive.read(info) for info in archive.infolist()}
            document = etree.fromstring(parts["word/document.xml"])
            printing = PrintTemplate(parts, document, variant.print_style)
            fresh = {"word/document.xml": etree.tostring(document, xml_declaration=True, encoding="UTF-8",
                                                         standalone=True), "docProps/core.xml": printing.core({})}
            path = self.folder / f"template-{len(self.variants)}.docx"
            path.write_bytes(zip_bytes((name, fresh.get(name, data)) for name, data in printing.parts))

            writer = ExcelWriter.for_variant(variant)
            thin = Side(style="thin", color="FF000000")
            frame = Border(left=thin, right=thin, top=thin, bottom=thin)
            styles = [None] + [(Font(name=writer.font_name, size=s.size, bold=s.bold),
                                Alignment(horizontal=s.horizontal, vertical=s.vertical, wrap_text=s.wrap,
                                          indent=s.indent),
                                frame if s.border else None, s.number_format) for s in writer.styles.styles[1:]]
            self.variants[variant.folder] = (path, printing, writer, styles)
        return self.variants[variant.folder]

    def table(self, variant, project, context, docx: Path, xlsx: Path) -> None:
        from docxtpl import DocxTemplate
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.pagebreak import Break

        from lxml import etree

        from generator.render.merge import apply_vertical_merges
        from generator.render.ooxml import W
        from generator.render.rendered import read
        from generator.render.xlsx import sheet_title

        path, printing, writer, styles = self.prepare(variant)
        start = time.process_time()
        values = context(project, variant)
        template = DocxTemplate(str(path))
        template.render(values, autoescape=True)  # autoescape: `<2次` must not break the XML
        root = template.docx.element
        # perfgen's passes over the rendered text (merges, pages), their result back into the tree
        document = read(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
                        .decode("utf-8"), self.shapes)
        apply_vertical_merges(document, self.shapes)
        laid = etree.fromstring(printing.lay_out(document).encode("utf-8"))
        root.replace(root.find(f"{W}body"), laid.find(f"{W}body"))
        template.save(str(docx))
        printing.mark_numbers(document, values.get("金额") or {})
        middle = time.process_time()

        layout = writer.worksheet(document)  # perfgen's cells, styles, widths, heights, merges and pages
        book = Workbook(write_only=True)
        sheet = book.create_sheet(sheet_title(project.name, set()))
        for col, width in enumerate(layout.widths, 1):
            sheet.column_dimensions[get_column_letter(col)].width = width
        for row, height in layout.heights.items():
            sheet.row_dimensions[row].height = height
        page = layout.page
        sheet.page_setup.paperSize = 9
        sheet.page_setup.orientation = "landscape" if page.landscape else "portrait"
        if page.scale:
            sheet.page_setup.scale = page.scale
        else:
            sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
            sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_options.horizontalCentered = page.centered
        left, right, top, bottom = page.margins
        sheet.page_margins.left, sheet.page_margins.right = left, right
        sheet.page_margins.top, sheet.page_margins.bottom = top, bottom
        for row in page.breaks:
            sheet.row_breaks.append(Break(id=row))
        if page.title_rows:
            sheet.print_title_rows = f"{page.title_rows[0]}:{page.title_rows[1]}"
        if page.footer:
            sheet.HeaderFooter.oddFooter.center.text = page.footer
        for first, first_col, last, last_col in layout.merges:
            sheet.merged_cells.add(f"{get_column_letter(first_col)}{first}:{get_column_letter(last_col)}{last}")
        for row in range(1, max(layout.cells, default=0) + 1):
            cells = layout.cells.get(row, {})
            line = []
            for col in range(1, max(cells, default=0) + 1):
                value, style = cells.get(col, (None, 0))
                cell = WriteOnlyCell(sheet, value if value != "" else None)
                if styles[style]:
                    cell.font, cell.alignment, border, number_format = styles[style]
                    if border is not None:
                        cell.border = border
                    if number_format:
                        cell.number_format = number_format
                line.append(cell)
            sheet.append(line)
        book.save(str(xlsx))
        self.word_cpu_s += middle - start
        self.excel_cpu_s += time.process_time() - middle


def _fair_part(part: list[tuple[int, Path, object]], out: str) -> int:
    """A worker's share of the fair baseline's -j run (its own templates and styles)."""
    from generator.build import form
    from generator.variant import Variant

    # the workers write their templates apart (one read another's half-written template-0.docx);
    # one worker may take both parts of a small run, one after the other: its folder again
    own = Path(out) / f"templates-{os.getpid()}"
    own.mkdir(exist_ok=True)
    baseline, variants = FairBaseline(own), {}
    for i, folder, project in part:
        variant = variants.setdefault(folder, Variant(folder))
        baseline.table(variant, project, form(variant).context, Path(out) / f"{i}.docx", Path(out) / f"{i}.xlsx")
    return len(part)


def child_fair(args: argparse.Namespace) -> dict:
    """The fair baseline: serially (CPU time of the loop), then in -j processes (wall time, the
    pool's start included), then its outputs read back and compared with perfgen's."""
    import docxtpl  # noqa: F401  (imported before the clock starts, as perfgen's are in its CPU time… 
    import openpyxl  # noqa: F401   …which includes them: the baseline's figure is the generous one)

    import generator.render.merge  # noqa: F401
    import generator.render.xlsx  # noqa: F401

    sample = _sample(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    baseline = FairBaseline(out)
    for variant, _, _, _ in sample:
        baseline.prepare(variant)
    wall, cpu = time.perf_counter(), time.process_time()
    for i, (variant, project, context, _) in enumerate(sample):
        baseline.table(variant, project, context, out / f"{i}.docx", out / f"{i}.xlsx")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu

    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    parallel = out / "j"
    parallel.mkdir(exist_ok=True)
    jobs = [(i, variant.folder, project) for i, (variant, project, _, _) in enumerate(sample)]
    start = time.perf_counter()
    with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        done = sum(pool.map(_fair_part, [jobs[k::args.jobs] for k in range(args.jobs)],
                            [str(parallel)] * args.jobs))
    parallel_wall = time.perf_counter() - start

    checked, different = compare_with_perfgen(sample, out, args.check)
    return {"projects": len(sample), "loop_s": wall, "loop_cpu_s": cpu, "word_cpu_s": baseline.word_cpu_s,
            "excel_cpu_s": baseline.excel_cpu_s, "parallel_projects": done,
            "parallel_s": parallel_wall, "checked": checked, "different": different}


def _spread(n: int, count: int) -> list[int]:
    """`count` indexes spread over range(n)."""
    step = max(1, n // max(count, 1))
    return list(range(0, n, step))[:count]


def compare_with_perfgen(sample, out: Path, count: int) -> tuple[int, list[str]]:
    """Up to `count` projects of the sample (spread over it): the baseline's tables read back equal
    perfgen's — the Word table's cells, texts, formats and merges; the workbook's values, merged
    ranges, column widths and row heights as openpyxl reads them. The projects that differ."""
    import openpyxl

    from generator.layout import safe_filename
    from generator.render.xlsx import read_document

    def word(path: Path):
        from lxml import etree

        with zipfile.ZipFile(path) as archive:
            sheet = read_document(etree.fromstring(archive.read("word/document.xml")), 10.5)
        return sheet.cells, sorted(sheet.merges), sheet.widths

    def excel(path: Path):
        sheet = openpyxl.load_workbook(path).worksheets[0]
        values = [(c.coordinate, c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
        return (values, sorted(str(r) for r in sheet.merged_cells.ranges),
                {k: d.width for k, d in sheet.column_dimensions.items()},
                {k: d.height for k, d in sheet.row_dimensions.items() if d.height is not None})

    picked = _spread(len(sample), count)
    different = []
    for i in picked:
        _, project, _, perfgen_out = sample[i]
        stem = perfgen_out / safe_filename(project.name)
        if (word(out / f"{i}.docx") != word(stem.with_suffix(".docx"))
                or excel(out / f"{i}.xlsx") != excel(stem.with_suffix(".xlsx"))):
            different.append(project.name)
    return len(picked), different


# ---------------------------------------------------------------- the floor

def floor(folder: Path, repeat: int = 3) -> dict:
    """CPU seconds to deflate (at perfgen's level) and sha256 every distinct zip member of the
    outputs under `folder`, each once: the work no generator of these files can skip. A member
    found in several files (a template's styles, theme and fonts; a project's sheet, copied into
    the 汇总) counts once. Each file's new members are timed `repeat` times and the median taken;
    reading and inflating them is not timed."""
    from generator.write import COMPRESSLEVEL

    files = sorted(p for p in folder.rglob("*") if p.suffix in (".docx", ".xlsx"))
    done: set[tuple[int, int]] = set()
    cpu, members, size = 0.0, 0, 0
    for path in files:
        with zipfile.ZipFile(path) as archive:
            new = []
            for info in archive.infolist():
                if (info.CRC, info.file_size) not in done:
                    done.add((info.CRC, info.file_size))
                    new.append(archive.read(info))
        times = []
        for _ in range(repeat):
            start = time.process_time()
            for data in new:
                compressor = zlib.compressobj(COMPRESSLEVEL, zlib.DEFLATED, -15)
                compressor.compress(data)
                compressor.flush()
                hashlib.sha256(data).digest()
            times.append(time.process_time() - start)
        cpu += sorted(times)[len(times) // 2]
        members += len(new)
        size += sum(map(len, new))
    return {"files": len(files), "members": members, "bytes": size, "cpu_s": cpu}


CHILDREN = {"docxtpl": child_docxtpl, "openpyxl": child_openpyxl, "fair": child_fair}


def run_child(kind: str, cache: Path, **options) -> dict:
    """One measurement in a fresh interpreter; wall time includes its start-up, as a user waits it.
    perfgen's memory of file digests is kept in `cache` (the run's own, not the user's)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        report = Path(handle.name)
    if kind == "build":  # perfgen's CLI alone in its process (perfgen_child.py)
        argv = [sys.executable, str(BENCH / "perfgen_child.py"), str(report), str(options["specs"]),
                str(options["out"]), str(options["jobs"])]
    else:
        argv = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--report", str(report)]
        for key, value in options.items():
            argv += [f"--{key.replace('_', '-')}", str(value)]
    start = time.perf_counter()
    subprocess.run(argv, check=True, cwd=REPO, env={**os.environ, "PERFGEN_CACHE": str(cache)})
    wall = time.perf_counter() - start
    data = json.loads(report.read_text(encoding="utf-8"))
    report.unlink()
    return {"wall_s": wall, **data}


# ---------------------------------------------------------------- the run

def snapshot(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    for name in ("docxtpl", "openpyxl", "lxml", "jinja2", "PyYAML"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    try:
        memory = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        memory = None
    return {"cpu": model or platform.processor(), "cores": os.cpu_count(), "memory_gb": memory,
            "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}", "libraries": versions,
            "date": dt.datetime.now().astimezone().isoformat(timespec="seconds")}


def build_row(name: str, n: int, jobs: int, measured: dict) -> dict:
    """A build's figures; rates only for a full build (a rebuild's point is what it does not do)."""
    full = measured["built"] == n
    return {"measurement": name, "n": n, "jobs": jobs, **measured,
            "tables_per_s": n / measured["wall_s"] if full else None,
            "tables_per_cpu_s": n / measured["cpu_s"] if full else None}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=2000, help="projects in the large tree (default 2000)")
    parser.add_argument("--small", type=int, default=200, help="projects in the small tree (default 200)")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="processes for the -j builds")
    parser.add_argument("--baseline", type=int, default=400,
                        help="projects the naive loop and the fair baseline render (default 400)")
    parser.add_argument("--check", type=int, default=40,
                        help="of those, how many the fair baseline's outputs are compared with perfgen's (default 40)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each build measurement; the median is reported (default 1)")
    parser.add_argument("--json", type=Path, default=BENCH / "results.json", help="where to write the results")
    parser.add_argument("--work", type=Path, help="keep the specs and outputs here (default: a temporary folder)")
    args = parser.parse_args(argv)

    work = args.work or Path(tempfile.mkdtemp(prefix="perfgen-bench-"))
    try:
        return _run(args, work)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


def _run(args: argparse.Namespace, work: Path) -> dict:
    if work.exists():
        shutil.rmtree(work)
    # perfgen's bytecode written once, as an installed perfgen has it (pip compiles a wheel's
    # modules): with PYTHONDONTWRITEBYTECODE set, every measured process would compile perfgen's
    # sources again (~50 ms a process, the most of a no-op's time)
    compileall.compile_dir(str(REPO / "generator"), quiet=1)
    large, small, cache = work / "specs", work / "specs-small", work / "cache"
    files = specgen.generate(large, args.n)
    small_files = specgen.generate(small, args.small)
    load_before = os.getloadavg()
    rows: list[dict] = []
    trash = work / "trash"
    trash.mkdir()

    def clear(out: Path) -> None:
        """An output folder emptied for the next build by moving it aside, deleted at the end: on
        some disks (this VM's ext4, mounted with online discard) deleting thousands of files makes
        the files created in the next seconds several times dearer, which would bill perfgen for
        the benchmark's own clean-up (a user's build does not follow a deletion of its outputs)."""
        out.rename(trash / f"{len(list(trash.iterdir()))}-{out.name}")

    def build(name: str, specs: Path, out: Path, n: int, jobs: int, *, fresh: bool = True, repeat: int = 0,
              before=None) -> dict:
        """`repeat` runs (from an empty output folder if `fresh`; each after `before(i)`); the one
        with the median wall time is reported, every wall time is kept."""
        print(f"… {name}", file=sys.stderr, flush=True)
        runs, loads = [], []
        for i in range(repeat or args.repeat):
            loads.append(round(os.getloadavg()[0], 2))
            if fresh and out.exists():
                clear(out)
            if before:
                before(i)
            runs.append(run_child("build", cache, specs=specs, out=out, jobs=jobs))
        row = build_row(name, n, jobs, sorted(runs, key=lambda m: m["wall_s"])[len(runs) // 2])
        row["walls_s"] = [m["wall_s"] for m in runs]
        row["load_before"] = loads
        rows.append(row)
        return row

    j = max(1, args.jobs)
    full = build("full build", large, work / "out-serial", args.n, 1)
    build_row_j = build(f"full build -j {j}", large, work / "out", args.n, j)
    identical = snapshot(work / "out-serial") == snapshot(work / "out")
    # a no-op is short: at least three (the first after a build also reads the tables written
    # last, which are too fresh to trust by their mtime alone; see generator/cache.py)
    noop = build("no-op rebuild", large, work / "out", args.n, j, fresh=False, repeat=max(3, args.repeat))
    change = build("rebuild after one spec changed", large, work / "out", args.n, j, fresh=False,
                   before=lambda i: specgen.touch_one(files, i))
    small_full = build("full build", small, work / "small-serial", args.small, 1)
    small_j = build(f"full build -j {j}", small, work / "small", args.small, j)
    # incremental = forced: one change in the small tree, incrementally (-j) and from scratch (serial)
    specgen.touch_one(small_files, 0)
    run_child("build", cache, specs=small, out=work / "small", jobs=j)
    clear(work / "small-serial")
    run_child("build", cache, specs=small, out=work / "small-serial", jobs=1)
    identical = identical and snapshot(work / "small") == snapshot(work / "small-serial")

    sample = min(args.baseline or args.n, args.n)
    print("… naive loop: docxtpl", file=sys.stderr, flush=True)
    docx = run_child("docxtpl", cache, specs=large, out=work / "naive-docx", n=sample)
    print("… naive loop: openpyxl", file=sys.stderr, flush=True)
    xlsx = run_child("openpyxl", cache, specs=large, out=work / "naive-xlsx", n=sample,
                     perfgen_out=work / "out", check=min(sample, args.check))
    per_table = docx["loop_s"] / docx["projects"] + xlsx["loop_s"] / xlsx["projects"]
    per_table_cpu = docx["loop_cpu_s"] / docx["projects"] + xlsx["loop_cpu_s"] / xlsx["projects"]
    naive = {"projects": docx["projects"], "docxtpl_cpu_s_per_table": docx["loop_cpu_s"] / docx["projects"],
             "openpyxl_cpu_s_per_table": xlsx["loop_cpu_s"] / xlsx["projects"], "tables_per_s": 1 / per_table,
             "tables_per_cpu_s": 1 / per_table_cpu, "rss_mb": max(docx["rss_main_mb"], xlsx["rss_main_mb"]),
             "checked": xlsx["checked"], "wrong_merges": xlsx["wrong_merges"]}

    print("… fair baseline", file=sys.stderr, flush=True)
    fair_load = round(os.getloadavg()[0], 2)
    fair_run = run_child("fair", cache, specs=large, out=work / "fair", n=sample, jobs=j,
                         perfgen_out=work / "out", check=min(sample, args.check))  # out: current with the specs
    fair = {"projects": fair_run["projects"], "loop_s": fair_run["loop_s"], "loop_cpu_s": fair_run["loop_cpu_s"],
            "tables_per_s": fair_run["projects"] / fair_run["loop_s"],
            "tables_per_cpu_s": fair_run["projects"] / fair_run["loop_cpu_s"],
            "word_cpu_s_per_table": fair_run["word_cpu_s"] / fair_run["projects"],
            "excel_cpu_s_per_table": fair_run["excel_cpu_s"] / fair_run["projects"],
            "jobs": j, "tables_per_s_parallel": fair_run["parallel_projects"] / fair_run["parallel_s"],
            "checked": fair_run["checked"], "different": fair_run["different"], "rss_mb": fair_run["rss_main_mb"],
            "load_before": fair_load}
    if fair["different"]:
        print(f"注意：基准的输出与 perfgen 的不同：{'、'.join(fair['different'])}", file=sys.stderr)

    print("… floor", file=sys.stderr, flush=True)
    floor_run = floor(work / "out-serial")
    floor_run.update(tables=args.n, cpu_s_per_table=floor_run["cpu_s"] / args.n)

    ratios = {
        "vs_fair_baseline": full["tables_per_cpu_s"] / fair["tables_per_cpu_s"],
        "over_floor": full["cpu_s"] / floor_run["cpu_s"],
        "noop_fraction": noop["wall_s"] / build_row_j["wall_s"],
        "parallel_speedup": full["wall_s"] / build_row_j["wall_s"],
        "memory_growth": full["rss_main_mb"] / small_full["rss_main_mb"],
    }
    more = {
        "vs_naive_serial": full["tables_per_cpu_s"] / naive["tables_per_cpu_s"],
        f"j{j}_vs_fair_baseline_j{j}": build_row_j["tables_per_s"] / fair["tables_per_s_parallel"],
        "tables_per_cpu_s_serial": full["tables_per_cpu_s"],
        "tables_per_cpu_s_parallel": build_row_j["tables_per_cpu_s"],
        "noop_fraction_serial": noop["wall_s"] / full["wall_s"],
        "one_change_fraction": change["wall_s"] / build_row_j["wall_s"],
        # the most -j can give on an idle machine: its wall is at least the parent's CPU and the CPU / j
        "parallel_speedup_bound": full["cpu_s"] / max(build_row_j["cpu_main_s"], build_row_j["cpu_s"] / j),
        "parent_cpu_share_parallel": build_row_j["cpu_main_s"] / build_row_j["cpu_s"],
        "memory_growth_workers": (build_row_j["rss_worker_mb"] / small_j["rss_worker_mb"]
                                  if small_j["rss_worker_mb"] else None),
    }
    result = {"machine": machine(), "load_average": {"before": load_before, "after": os.getloadavg()},
              "n": args.n, "small": args.small, "jobs": j, "identical_outputs": identical,
              "builds": rows, "naive": naive, "fair_baseline": fair, "floor": floor_run,
              "ratios": ratios, "more_ratios": more}
    print_table(result)
    shutil.rmtree(trash, ignore_errors=True)  # after every measurement (see `clear`)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"\n结果已写入 {args.json}")
    return result


def print_table(result: dict) -> None:
    m = result["machine"]
    print(f"\n{m['cpu']}, {m['cores']} cores, Python {m['python']}, {m['date']}; "
          f"load average before {result['load_average']['before'][0]:.2f}")
    head = f"{'measurement':<32}{'N':>6}{'-j':>4}{'wall s':>9}{'CPU s':>8}{'tables/s':>10}{'/CPU-s':>8}" \
           f"{'RSS MB':>8}{'worker':>8}"
    print(head)
    print("-" * len(head))
    for row in result["builds"]:
        rate = f"{row['tables_per_s']:.0f}" if row["tables_per_s"] else "-"
        per_cpu = f"{row['tables_per_cpu_s']:.0f}" if row["tables_per_cpu_s"] else "-"
        print(f"{row['measurement']:<32}{row['n']:>6}{row['jobs']:>4}{row['wall_s']:>9.2f}{row['cpu_s']:>8.2f}"
              f"{rate:>10}{per_cpu:>8}{row['rss_main_mb']:>8.0f}{row['rss_worker_mb']:>8.0f}")
    n, f, fl, j = result["naive"], result["fair_baseline"], result["floor"], result["jobs"]
    print(f"{'naive: docxtpl + load_workbook':<32}{n['projects']:>6}{1:>4}{'':>9}{'':>8}{n['tables_per_s']:>10.1f}"
          f"{n['tables_per_cpu_s']:>8.1f}{n['rss_mb']:>8.0f}")
    print(f"{'fair baseline':<32}{f['projects']:>6}{1:>4}{f['loop_s']:>9.2f}{f['loop_cpu_s']:>8.2f}"
          f"{f['tables_per_s']:>10.1f}{f['tables_per_cpu_s']:>8.1f}{f['rss_mb']:>8.0f}")
    print(f"{'fair baseline -j ' + str(j):<32}{f['projects']:>6}{j:>4}{'':>9}{'':>8}{f['tables_per_s_parallel']:>10.1f}")
    print(f"{'floor: deflate + sha256':<32}{fl['tables']:>6}{1:>4}{'':>9}{fl['cpu_s']:>8.3f}{'':>10}"
          f"{fl['tables'] / fl['cpu_s']:>8.0f}")
    print(f"  naive per table: docxtpl {n['docxtpl_cpu_s_per_table'] * 1000:.1f} ms, "
          f"openpyxl {n['openpyxl_cpu_s_per_table'] * 1000:.1f} ms of CPU; floor {fl['cpu_s_per_table'] * 1000:.3f} ms "
          f"({fl['members']} members, {fl['bytes'] / 2**20:.0f} MB)")
    r = result["ratios"]
    print(f"\nvs_fair_baseline {r['vs_fair_baseline']:.1f}  over_floor {r['over_floor']:.1f}  "
          f"noop_fraction {r['noop_fraction']:.3f}  parallel_speedup {r['parallel_speedup']:.2f}  "
          f"memory_growth {r['memory_growth']:.2f}")
    m = result["more_ratios"]
    print(f"perfgen / naive loop, serial: {m['vs_naive_serial']:.1f}×; -j {j} / fair baseline -j {j}: "
          f"{m[f'j{j}_vs_fair_baseline_j{j}']:.1f}×; one spec changed: {m['one_change_fraction'] * 100:.1f} % of a full build")
    print(f"-j {j}: the main process did {m['parent_cpu_share_parallel'] * 100:.0f} % of the CPU; "
          f"on an idle machine -j {j} could be at most {m['parallel_speedup_bound']:.2f}× the serial build")
    print(f"naive loop's workbooks with another project's merges: {n['wrong_merges']} of {n['checked']}; "
          f"fair baseline per table: Word {f['word_cpu_s_per_table'] * 1000:.1f} ms, "
          f"Excel {f['excel_cpu_s_per_table'] * 1000:.1f} ms of CPU")
    print(f"fair baseline read back equal to perfgen's: "
          f"{'yes' if not f['different'] else 'NO'} ({f['checked']} projects compared)")
    print(f"serial, -j, incremental and forced builds byte-identical: {'yes' if result['identical_outputs'] else 'NO'}")
    serial = result["builds"][0]
    if "sys_s" in serial:
        print(f"the serial full build's CPU: {serial['cpu_s'] - serial['sys_s']:.2f} s in perfgen's process, "
              f"{serial['sys_s']:.2f} s in the kernel (creating and writing {serial['n'] * 2}+ files)")


def markdown(result: dict) -> str:
    """The figures of a results file as the Markdown table of bench/README.md."""
    lines = ["| measurement | N | -j | wall s (range) | CPU s | tables/s | tables per CPU-s | peak RSS MB (main / worker) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in result["builds"]:
        rate = f"{row['tables_per_s']:.0f}" if row["tables_per_s"] else "–"
        per_cpu = f"{row['tables_per_cpu_s']:.0f}" if row["tables_per_cpu_s"] else "–"
        worker = f" / {row['rss_worker_mb']:.0f}" if row["rss_worker_mb"] else ""
        walls = row.get("walls_s") or [row["wall_s"]]
        spread = f" ({min(walls):.2f}–{max(walls):.2f})" if len(walls) > 1 else ""
        lines.append(f"| {row['measurement']} | {row['n']} | {row['jobs']} | {row['wall_s']:.2f}{spread} "
                     f"| {row['cpu_s']:.2f} | {rate} | {per_cpu} | {row['rss_main_mb']:.0f}{worker} |")
    n, f, fl = result["naive"], result["fair_baseline"], result["floor"]
    lines.append(f"| naive loop: docxtpl + openpyxl load_workbook | {n['projects']} | 1 | – | – "
                 f"| {n['tables_per_s']:.1f} | {n['tables_per_cpu_s']:.1f} | {n['rss_mb']:.0f} |")
    lines.append(f"| fair baseline: docxtpl + merge pass + openpyxl write_only | {f['projects']} | 1 "
                 f"| {f['loop_s']:.2f} | {f['loop_cpu_s']:.2f} | {f['tables_per_s']:.1f} | {f['tables_per_cpu_s']:.1f} "
                 f"| {f['rss_mb']:.0f} |")
    lines.append(f"| fair baseline -j {f['jobs']} | {f['projects']} | {f['jobs']} | – | – "
                 f"| {f['tables_per_s_parallel']:.1f} | – | – |")
    lines.append(f"| floor: deflate + sha256 of every distinct member, once | {fl['tables']} | 1 | – "
                 f"| {fl['cpu_s']:.3f} | – | {fl['tables'] / fl['cpu_s']:.0f} | – |")
    lines += ["", "| ratio | value |", "|---|---:|"]
    lines += [f"| `{key}` | {value:.3g} |" for key, value in result["ratios"].items()]
    return "\n".join(lines)


def child_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=CHILDREN)
    parser.add_argument("--report", type=Path)
    parser.add_argument("--specs")
    parser.add_argument("--out")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--n", type=int, default=0)
    parser.add_argument("--perfgen-out", default="")
    parser.add_argument("--check", type=int, default=0)
    args = parser.parse_args(argv)
    data = CHILDREN[args.child](args)
    args.report.write_text(json.dumps({**data, **_usage()}), encoding="utf-8")


if __name__ == "__main__":
    if "--child" in sys.argv:
        child_main(sys.argv[1:])
    elif sys.argv[1:2] == ["--markdown"]:  # python bench/run.py --markdown [results.json]
        source = Path(sys.argv[2]) if len(sys.argv) > 2 else BENCH / "results.json"
        print(markdown(json.loads(source.read_text(encoding="utf-8"))))
    else:
        main()
