"""Do the outputs stay byte-identical? Builds the same specs with a git revision's code and with the
working tree's, and compares every file written.

    python bench/same_bytes.py                # against main: specs/examples and 300 synthetic specs
    python bench/same_bytes.py --ref HEAD~3 -n 1000

The revision's code is taken with `git archive` into a temporary folder (the repository is not
touched) and run with this interpreter, so both builds use the same libraries. The manifests
(.perfgen.json) are left out: their content keys hash perfgen's code, which differs by design. Exit status 1, and
the differing files listed, if any file differs or is missing on one side.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(REPO), str(BENCH)]

import specgen  # noqa: E402

MANIFEST = ".perfgen.json"


def digests(folder: Path) -> dict[str, str]:
    """Every output but the manifests: they hold content keys, which hash perfgen's own code."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}


def checkout(ref: str, into: Path) -> Path:
    """The revision's files in `into` (git archive: the repository is not touched)."""
    archive = subprocess.run(["git", "archive", ref], cwd=REPO, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def compared(before: Path, after: Path) -> tuple[int, list[str]]:
    """(the files in `after`, the paths that differ or are missing on one side)."""
    a, b = digests(before), digests(after)
    return len(b), [path for path in sorted(set(a) | set(b)) if a.get(path) != b.get(path)]


def report(different: list[str]) -> int:
    """The exit status: 1, and the differing paths listed, if there are any."""
    for path in different:
        print(f"  不同：{path}")
    return 1 if different else 0


def build(code: Path, specs: Path, out: Path, cache: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(code), "PERFGEN_CACHE": str(cache), "PERFGEN_TEMPLATES": str(code / "templates")}
    run = subprocess.run([sys.executable, "-m", "generator", "build", str(specs), "-o", str(out)],
                         cwd=code, env=env, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"build with {code} failed:\n{run.stdout}\n{run.stderr}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", default="main", help="the git revision to compare with (default main)")
    parser.add_argument("-n", type=int, default=300, help="synthetic specs besides specs/examples (default 300)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="perfgen-same-"))
    try:
        old = checkout(args.ref, work / "old")
        trees = {"examples": REPO / "specs" / "examples"}
        if args.n:
            trees["synthetic"] = work / "synthetic"
            specgen.generate(trees["synthetic"], args.n)
        different = []
        for name, specs in trees.items():
            before, after = work / "out-old" / name, work / "out-new" / name
            build(old, specs, before, work / "cache-old")
            build(REPO, specs, after, work / "cache-new")
            count, differ = compared(before, after)
            different += [f"{name}/{path}" for path in differ]
            print(f"{name}: {count} files, {len(differ)} different")
        return report(different)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
