"""The benchmark script runs end to end (at N = 5: quick), and its specs are valid and varied.
It asserts no timings: speed is measured by bench/run.py, by hand, not by the tests."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import Counter

import yaml

from generator.build import plan

from conftest import REPO, TEMPLATES

sys.path.insert(0, str(REPO / "bench"))
import specgen  # noqa: E402


def test_generated_specs_are_valid_spread_and_the_same_every_time(tmp_path):
    files = specgen.generate(tmp_path / "a", 120)
    again = specgen.generate(tmp_path / "b", 120)
    assert [f.read_bytes() for f in files] == [f.read_bytes() for f in again]
    plans, problems = plan(tmp_path / "a", tmp_path / "out", TEMPLATES)
    assert not problems.errors and sum(len(p.projects) for p in plans) == 120
    variants = Counter(item.variant.name for item in plans for _ in item.projects)
    categories = {(item.variant.name, project.category) for item in plans for project in item.projects}
    assert set(variants) == {"2024目标表", "2022申报表"} and len(plans) > 3
    assert categories == {(v, c) for v in variants for c in yaml.safe_load(
        (TEMPLATES / v / "settings.yaml").read_text(encoding="utf-8"))["categories"]}
    specs = [yaml.safe_load(f.read_text(encoding="utf-8")) for f in files]
    assert 0 < sum("类别" in spec for spec in specs) < len(specs)  # as the examples: some name a 类别
    lengths = [len(spec["年度总体目标"]) for spec in specs]
    assert min(lengths) < 60 < 200 < max(lengths)  # goal lengths spread like the seeds'
    before = files[60].read_text(encoding="utf-8")
    assert specgen.touch_one(files) == files[60] and specgen.touch_one(files, 1) == files[61]
    assert files[60].read_text(encoding="utf-8") != before


def test_the_benchmark_runs_and_reports(tmp_path):
    results = tmp_path / "results.json"
    run = subprocess.run([sys.executable, str(REPO / "bench" / "run.py"), "-n", "5", "--small", "3", "--baseline", "2",
                          "--repeat", "2", "--json", str(results), "--work", str(tmp_path / "work")],
                         capture_output=True, text=True, cwd=REPO, timeout=300)
    assert run.returncode == 0, run.stderr
    data = json.loads(results.read_text(encoding="utf-8"))
    assert [row["measurement"] for row in data["builds"]] == [
        "full build", f"full build -j {data['jobs']}", "no-op rebuild", "rebuild after one spec changed",
        "full build", f"full build -j {data['jobs']}"]
    assert [row["n"] for row in data["builds"]] == [5, 5, 5, 5, 3, 3]
    assert [row["built"] for row in data["builds"]] == [5, 5, 0, 1, 3, 3]
    assert all(row["wall_s"] > 0 and row["cpu_s"] > 0 and row["rss_main_mb"] > 0 for row in data["builds"])
    assert [len(row["walls_s"]) for row in data["builds"]] == [2, 2, 3, 2, 2, 2]
    assert data["identical_outputs"] is True and data["naive"]["projects"] == 2
    fair = data["fair_baseline"]
    assert fair["projects"] == 2 and fair["checked"] == 2 and fair["different"] == []  # its tables are perfgen's
    written = [p for p in (tmp_path / "work" / "out-serial").rglob("*") if p.suffix in (".docx", ".xlsx")]
    assert data["floor"]["files"] == len(written) > 10 and data["floor"]["cpu_s"] > 0  # every table and 汇总
    assert list(data["ratios"]) == ["vs_fair_baseline", "over_floor", "noop_fraction", "parallel_speedup",
                                    "memory_growth"]
    assert all(isinstance(v, float) and math.isfinite(v) and v > 0 for v in data["ratios"].values())
    assert "vs_fair_baseline" in run.stdout and data["machine"]["cores"]
