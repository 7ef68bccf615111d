"""Do the specs `perfgen import` writes stay byte-identical? Imports the same tables with a git
revision's code and with the working tree's, and compares every spec written.

    python bench/same_specs.py                # against main: seeds, examples, 200 synthetic tables
    python bench/same_specs.py --ref HEAD~3 -n 0

The tables: every seed table the tests import (../shared/seeds, each table alone, with and without
categories; each seed's tables stacked in one .docx and on one Excel sheet), the built examples
(each folder's Word tables and Excel tables, with and without categories, and its 汇总.xlsx), and
the tables of N synthetic specs (bench/specgen.py). They are built once, with the working tree's
code; the revision's code is taken with `git archive` (as same_bytes.py does) and both imports
run with this interpreter. Exit status 1, and the differing specs listed, if any differs or is
missing on one side. Users commit imported specs: the same tables must keep giving the same bytes.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SEEDS = REPO.parent / "shared" / "seeds"


def import_all(tables: Path, seeds: Path, out: Path) -> None:
    """Run in the code tree being compared (its generator and tests/ first on sys.path)."""
    import generator
    from generator.importer import import_files
    assert Path(generator.__file__).resolve().is_relative_to(Path.cwd().resolve()), generator.__file__
    from generator.layout import stage_of
    from seed_docx import seed_tables, write_seed_docx, write_seed_xlsx

    templates = Path.cwd() / "templates"
    work = out / "_tables"
    work.mkdir(parents=True)
    for seed in sorted(seeds.glob("*.txt")):
        parts = seed_tables(seed)
        for index, lines in enumerate(parts):
            source = write_seed_docx(lines, work / f"{seed.stem}-{index}.docx")
            import_files([source], out / "seed" / f"{seed.stem}-{index}", templates)
            import_files([source], out / "seed-no-categories" / f"{seed.stem}-{index}", templates, categories=False)
        stacked = write_seed_docx([line for part in parts for line in part], work / f"{seed.stem}.docx")
        import_files([stacked], out / "seed-stacked" / seed.stem, templates)
        import_files([write_seed_xlsx(parts, work / f"{seed.stem}.xlsx")], out / "seed-sheet" / seed.stem, templates)
    for folder in sorted(p for p in tables.rglob("*") if p.is_dir()):
        name = str(folder.relative_to(tables))
        for suffix in (".docx", ".xlsx"):
            files = sorted(p for p in folder.glob(f"*{suffix}") if p.stem != "汇总" and stage_of(p.name) is None)
            if files:
                import_files(files, out / "tables" / f"{name}{suffix}", templates)
                import_files(files, out / "tables-no-categories" / f"{name}{suffix}", templates, categories=False)
        if (folder / "汇总.xlsx").is_file():
            import_files([folder / "汇总.xlsx"], out / "tables-summary" / name, templates)
    shutil.rmtree(work)


def run_import(code: Path, tables: Path, seeds: Path, out: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(code), str(code / "tests")])}
    env.pop("PERFGEN_TEMPLATES", None)
    run = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", str(tables), str(seeds), str(out)],
                         cwd=code, env=env, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"import with {code} failed:\n{run.stdout}\n{run.stderr}")


def main() -> int:
    if sys.argv[1:2] == ["--worker"]:
        import_all(*map(Path, sys.argv[2:5]))
        return 0
    sys.path[:0] = [str(REPO), str(BENCH)]
    import same_bytes
    import specgen

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", default="main", help="the git revision to compare with (default main)")
    parser.add_argument("-n", type=int, default=200, help="synthetic specs whose tables are imported too (default 200)")
    parser.add_argument("--seeds", type=Path, default=SEEDS, help=f"the seed tables (default {SEEDS})")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="perfgen-same-specs-"))
    try:
        old = same_bytes.checkout(args.ref, work / "old")
        tables = work / "tables"
        same_bytes.build(REPO, REPO / "specs" / "examples", tables / "examples", work / "cache")
        if args.n:
            specgen.generate(work / "synthetic", args.n)
            same_bytes.build(REPO, work / "synthetic", tables / "synthetic", work / "cache")
        before, after = work / "specs-old", work / "specs-new"
        run_import(old, tables, args.seeds, before)
        run_import(REPO, tables, args.seeds, after)
        count, different = same_bytes.compared(before, after)
        print(f"{count} specs, {len(different)} different")
        return same_bytes.report(different)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
