"""perfgen's benchmark: a district's build, measured against the loop a docxtpl user would write.

    python bench/run.py                  # 2,000 projects (and 200), baseline on 400 of them
    python bench/run.py --repeat 3       # each build three times, the median (bench/README.md's figures)
    python bench/run.py -n 500 --small 50 --baseline 100 --json /tmp/results.json
    python bench/run.py --markdown bench/results.json   # a results file as bench/README.md's table

It writes N synthetic specs (bench/specgen.py) and measures, each in a fresh process so that peak
memory is per measurement: a full build (serial and with -j), a no-op rebuild, a rebuild after one
spec changed, the same full build at the small N, and the baseline: one fresh DocxTemplate per
project rendering the same context and saving it, and one openpyxl load_workbook of a template
workbook per project, filled with the project's cells and saved. It prints a table and the ratios
perfgen / baseline, and writes both as JSON. See bench/README.md for the recorded figures.
"""
from __future__ import annotations

import argparse
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
            "rss_main_mb": me.ru_maxrss / 1024, "rss_worker_mb": children.ru_maxrss / 1024}


def child_build(args: argparse.Namespace) -> dict:
    """`perfgen build` as a user runs it (the CLI; its output thrown away)."""
    import contextlib
    import io

    from generator import cli

    results = []
    build = cli.run_build

    def counted(*a, **k):  # the CLI prints the result; keep it to count the tables built
        results.append(build(*a, **k))
        return results[-1]

    cli.run_build = counted
    with contextlib.redirect_stdout(io.StringIO()):
        cli.app(["build", args.specs, "-o", args.out, "-j", str(args.jobs)], standalone_mode=False)
    return {"built": len(results[0].built), "projects": results[0].projects}


def _sample(args: argparse.Namespace):
    """Every k-th project of the tree, so the sample mixes variants and categories as the tree does."""
    from generator.build import form, plan

    plans, _ = plan(Path(args.specs), Path(args.out))
    items = [(item.variant, project) for item in plans for project in item.projects]
    step = max(1, len(items) // args.n)
    return [(variant, project, form(variant).context) for variant, project in items[::step][: args.n]]


def child_docxtpl(args: argparse.Namespace) -> dict:
    """The docxtpl loop: a fresh DocxTemplate per project, the same context, render, save."""
    from docxtpl import DocxTemplate

    sample = _sample(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for i, (variant, project, context) in enumerate(sample):
        template = DocxTemplate(str(variant.word_template))
        template.render(context(project, variant), autoescape=True)  # autoescape: `<2次` must not break the XML
        template.save(str(out / f"{i}.docx"))
    return {"projects": len(sample), "loop_s": time.perf_counter() - start}


def child_openpyxl(args: argparse.Namespace) -> dict:
    """The openpyxl loop: load a template workbook per project, fill the project's cells, save.
    The template is one table perfgen rendered; each project's cells (its Word grid) are worked
    out before the clock starts, so the loop is only what openpyxl costs."""
    import openpyxl
    from openpyxl.cell.cell import MergedCell

    from generator.render.docx import WordTemplate
    from generator.render.xlsx import ExcelWriter, read_document

    sample = _sample(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    words, templates, jobs = {}, {}, []
    for variant, project, context in sample:
        if variant.folder not in words:
            words[variant.folder] = WordTemplate.for_variant(variant)
        _, root = words[variant.folder].render(context(project, variant))
        if variant.folder not in templates:  # the template workbook: the variant's first rendered table
            path = out / f"template-{len(templates)}.xlsx"
            path.write_bytes(ExcelWriter.for_variant(variant).workbook([("Sheet", root)]))
            templates[variant.folder] = path
        cells = [(row, col, text) for row, col, text, _ in read_document(root, 10.5).cells]
        jobs.append((templates[variant.folder], cells))
    start = time.perf_counter()
    for i, (template, cells) in enumerate(jobs):
        book = openpyxl.load_workbook(template)
        sheet = book.active
        for row, col, text in cells:
            cell = sheet.cell(row=row, column=col)
            if not isinstance(cell, MergedCell):  # a cell the template's merges hide keeps its place
                cell.value = text
        book.save(out / f"{i}.xlsx")
    return {"projects": len(jobs), "loop_s": time.perf_counter() - start}


CHILDREN = {"build": child_build, "docxtpl": child_docxtpl, "openpyxl": child_openpyxl}


def run_child(kind: str, cache: Path, **options) -> dict:
    """One measurement in a fresh interpreter; wall time includes its start-up, as a user waits it.
    perfgen's memory of file digests is kept in `cache` (the run's own, not the user's)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        report = Path(handle.name)
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--report", str(report)]
    for key, value in options.items():
        argv += [f"--{key}", str(value)]
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
    parser.add_argument("--baseline", type=int, default=400, help="projects the baseline loops render (default 400)")
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
    large, small, cache = work / "specs", work / "specs-small", work / "cache"
    files = specgen.generate(large, args.n)
    small_files = specgen.generate(small, args.small)
    load_before = os.getloadavg()
    rows: list[dict] = []

    def build(name: str, specs: Path, out: Path, n: int, jobs: int, *, fresh: bool = True, repeat: int = 0,
              before=None) -> dict:
        """`repeat` runs (from an empty output folder if `fresh`; each after `before(i)`); the one
        with the median wall time is reported, every wall time is kept."""
        print(f"… {name}", file=sys.stderr, flush=True)
        runs = []
        for i in range(repeat or args.repeat):
            if fresh and out.exists():
                shutil.rmtree(out)
            if before:
                before(i)
            runs.append(run_child("build", cache, specs=specs, out=out, jobs=jobs))
        row = build_row(name, n, jobs, sorted(runs, key=lambda m: m["wall_s"])[len(runs) // 2])
        row["walls_s"] = [m["wall_s"] for m in runs]
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
    shutil.rmtree(work / "small-serial")
    run_child("build", cache, specs=small, out=work / "small-serial", jobs=1)
    identical = identical and snapshot(work / "small") == snapshot(work / "small-serial")

    print("… baseline: docxtpl", file=sys.stderr, flush=True)
    sample = min(args.baseline or args.n, args.n)
    docx = run_child("docxtpl", cache, specs=large, out=work / "baseline-docx", n=sample)
    print("… baseline: openpyxl", file=sys.stderr, flush=True)
    xlsx = run_child("openpyxl", cache, specs=large, out=work / "baseline-xlsx", n=sample)
    per_table = docx["loop_s"] / docx["projects"] + xlsx["loop_s"] / xlsx["projects"]
    baseline = {"projects": docx["projects"], "docxtpl_s_per_table": docx["loop_s"] / docx["projects"],
                "openpyxl_s_per_table": xlsx["loop_s"] / xlsx["projects"], "tables_per_s": 1 / per_table,
                "rss_mb": max(docx["rss_main_mb"], xlsx["rss_main_mb"])}

    ratios = {
        "serial_vs_baseline": full["tables_per_s"] / baseline["tables_per_s"],
        f"j{j}_vs_baseline": build_row_j["tables_per_s"] / baseline["tables_per_s"],
        "tables_per_cpu_s": build_row_j["tables_per_cpu_s"],
        "noop_vs_full": noop["wall_s"] / build_row_j["wall_s"],
        "noop_vs_full_serial": noop["wall_s"] / full["wall_s"],
        "one_change_vs_full": change["wall_s"] / build_row_j["wall_s"],
        "rss_main_large_vs_small": full["rss_main_mb"] / small_full["rss_main_mb"],
        "rss_worker_large_vs_small": (build_row_j["rss_worker_mb"] / small_j["rss_worker_mb"]
                                      if small_j["rss_worker_mb"] else None),
    }
    result = {"machine": machine(), "load_average": {"before": load_before, "after": os.getloadavg()},
              "n": args.n, "small": args.small, "jobs": j, "identical_outputs": identical,
              "builds": rows, "baseline": baseline, "ratios": ratios}
    print_table(result)
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
    b = result["baseline"]
    print(f"{'baseline: docxtpl + openpyxl':<32}{b['projects']:>6}{1:>4}{'':>9}{'':>8}{b['tables_per_s']:>10.1f}"
          f"{'':>8}{b['rss_mb']:>8.0f}")
    print(f"  per table: docxtpl {b['docxtpl_s_per_table'] * 1000:.1f} ms, openpyxl {b['openpyxl_s_per_table'] * 1000:.1f} ms")
    r, j = result["ratios"], result["jobs"]
    print(f"\nperfgen / baseline: serial {r['serial_vs_baseline']:.1f}×, -j {j} {r[f'j{j}_vs_baseline']:.1f}×")
    print(f"no-op rebuild / full build: {r['noop_vs_full'] * 100:.1f} %; one spec changed: {r['one_change_vs_full'] * 100:.1f} %")
    workers = r["rss_worker_large_vs_small"]
    print(f"peak RSS N={result['n']} / N={result['small']}: main {r['rss_main_large_vs_small']:.2f}, "
          f"workers {f'{workers:.2f}' if workers else '– (none started at the small N)'}")
    print(f"serial, -j, incremental and forced builds byte-identical: {'yes' if result['identical_outputs'] else 'NO'}")


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
    b = result["baseline"]
    lines.append(f"| baseline: docxtpl + openpyxl loop | {b['projects']} | 1 | – | – | {b['tables_per_s']:.1f} | – "
                 f"| {b['rss_mb']:.0f} |")
    return "\n".join(lines)


def child_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=CHILDREN)
    parser.add_argument("--report", type=Path)
    parser.add_argument("--specs")
    parser.add_argument("--out")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--n", type=int, default=0)
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
