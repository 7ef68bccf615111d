"""`perfgen build` measured as a user runs it: this process imports nothing perfgen would not
(bench/run.py's own imports — argparse, subprocess, zipfile, importlib.metadata, the spec generator
— cost some 50 ms, a quarter of a no-op rebuild), runs the CLI, and writes what it used.

    python bench/perfgen_child.py REPORT SPECS OUT JOBS
"""
import os
import resource
import sys

# perfgen from this checkout (the script's own folder, bench/, is first on the path instead)
sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(report: str, specs: str, out: str, jobs: str) -> None:
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
        cli.app(["build", specs, "-o", out, "-j", jobs], standalone_mode=False)
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    usage = {"cpu_s": me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime,
             "sys_s": me.ru_stime + children.ru_stime,  # the kernel's share: mostly creating files
             "cpu_main_s": me.ru_utime + me.ru_stime,
             "rss_main_mb": me.ru_maxrss / 1024, "rss_worker_mb": children.ru_maxrss / 1024}
    import json

    with open(report, "w", encoding="utf-8") as handle:
        json.dump({"built": len(results[0].built), "projects": results[0].projects, **usage}, handle)


if __name__ == "__main__":
    main(*sys.argv[1:5])
