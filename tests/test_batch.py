"""The batch build: incremental, parallel, all-or-nothing, and the same bytes whichever way it ran."""
from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from generator import cache
from generator.batch import run
from generator.errors import SpecErrors, VariantError

from conftest import EXAMPLES, REPO, TEMPLATES, copy_specs, write


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def names(pairs) -> list[str]:
    return [name for _, name in pairs]


def test_a_second_build_skips_everything_and_writes_nothing(spec_folder, tmp_path):
    out = tmp_path / "out"
    first = run(spec_folder, out, TEMPLATES)
    assert len(first.built) == 7 and first.skipped == []
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    second = run(spec_folder, out, TEMPLATES)
    assert second.built == [] and len(second.skipped) == 7 and second.written == []
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_one_edit_rebuilds_that_project_and_the_summary_only(spec_folder, tmp_path):
    out = tmp_path / "out"
    run(spec_folder, out, TEMPLATES)
    edit(spec_folder / "法律顾问费.yaml", "项目资金: 19200", "项目资金: 20000")
    result = run(spec_folder, out, TEMPLATES)
    assert names(result.built) == ["法律顾问费"] and len(result.skipped) == 6
    assert sorted(p.name for p in result.written) == ["汇总.xlsx", "法律顾问费.docx", "法律顾问费.xlsx"]


def test_incremental_parallel_and_forced_builds_give_the_same_bytes(spec_folder, tmp_path):
    incremental = tmp_path / "incremental"
    run(spec_folder, incremental, TEMPLATES)
    edit(spec_folder / "法律顾问费.yaml", "项目资金: 19200", "项目资金: 20000")
    edit(spec_folder / "党组工作经费.yaml", "≥60本", "≥50本")
    run(spec_folder, incremental, TEMPLATES)
    run(spec_folder, tmp_path / "serial", TEMPLATES)
    parallel = run(spec_folder, tmp_path / "parallel", TEMPLATES, jobs=3)
    assert len(parallel.built) == 7
    run(spec_folder, incremental, TEMPLATES, force=True)
    expected = snapshot(tmp_path / "serial")
    assert cache.MANIFEST in "".join(expected)
    assert snapshot(tmp_path / "parallel") == expected
    assert snapshot(incremental) == expected


def test_worker_processes_give_the_bytes_and_the_messages_of_one_process(tmp_path, monkeypatch):
    from generator import workers

    root = tmp_path / "specs"
    for name in ("a", "b", "c", "d"):  # several folders in flight, coming back in order
        copy_specs(EXAMPLES / "2024", root / name)
    edit(root / "b" / "法律顾问费.yaml", "项目资金: 19200", "项目资金: 20000")
    serial, heard = run(root, tmp_path / "serial", TEMPLATES, reporter=(said := Recorder())), said.events
    monkeypatch.setattr(workers, "INLINE", 0)  # no table rendered in this process: all in the pool
    parallel = run(root, tmp_path / "parallel", TEMPLATES, jobs=2, reporter=(said := Recorder()))
    assert said.events == heard and parallel.warnings == serial.warnings
    assert [(folder.name, name) for folder, name in parallel.built] == [(f.name, n) for f, n in serial.built]
    assert snapshot(tmp_path / "parallel") == snapshot(tmp_path / "serial")


def test_with_worker_processes_the_main_process_reads_no_spec(tmp_path, monkeypatch):
    """The specs are read and checked where the folder is built: in a worker (forked or spawned)."""
    import os

    from generator import build as build_module
    from generator import workers

    root = tmp_path / "specs"
    for name in ("a", "b"):
        copy_specs(EXAMPLES / "2024", root / name)
    monkeypatch.setattr(workers, "INLINE", 0)
    main, read = os.getpid(), build_module.plan_folder

    def unread(*args, **kwargs):  # a forked worker has it too: it reads there
        if os.getpid() == main:
            raise AssertionError("the main process read a spec folder")
        return read(*args, **kwargs)

    monkeypatch.setattr(build_module, "plan_folder", unread)
    result = run(root, tmp_path / "out", TEMPLATES, jobs=2)
    assert len(result.built) == 14 and (tmp_path / "out" / "b" / "汇总.xlsx").is_file()
    with pytest.raises(AssertionError, match="main process read"):  # with -j 1 it is this process's work
        run(root, tmp_path / "serial", TEMPLATES, jobs=1)


def test_a_rebuild_of_one_project_starts_no_worker_process(spec_folder, tmp_path, monkeypatch):
    from generator import workers

    run(spec_folder, tmp_path / "out", TEMPLATES)
    edit(spec_folder / "法律顾问费.yaml", "项目资金: 19200", "项目资金: 20000")
    monkeypatch.setattr(workers.Workers, "_pool", lambda self: pytest.fail("a worker process was started"))
    assert names(run(spec_folder, tmp_path / "out", TEMPLATES, jobs=2).built) == ["法律顾问费"]


def test_force_rebuilds_everything(spec_folder, tmp_path):
    run(spec_folder, tmp_path / "out", TEMPLATES)
    result = run(spec_folder, tmp_path / "out", TEMPLATES, force=True)
    assert len(result.built) == 7 and result.skipped == []


def test_an_output_deleted_by_hand_is_rebuilt_one_edited_by_hand_only_when_taken_over(spec_folder, tmp_path):
    out = tmp_path / "out"
    run(spec_folder, out, TEMPLATES)
    table = out / "specs" / "法律顾问费.xlsx"
    good = table.read_bytes()
    table.write_bytes(b"edited")
    (out / "specs" / "党组工作经费.docx").unlink()
    with pytest.raises(SpecErrors) as refused:  # the hand edit is never overwritten silently
        run(spec_folder, out, TEMPLATES)
    assert [(p.file, "被改动过" in p.message) for p in refused.value.problems if not p.warning] == [(str(table), True)]
    assert table.read_bytes() == b"edited" and not (out / "specs" / "党组工作经费.docx").exists()
    result = run(spec_folder, out, TEMPLATES, overwrite=True)
    assert names(result.built) == ["党组工作经费", "法律顾问费"]
    assert table.read_bytes() == good


def test_a_changed_variant_rebuilds_its_projects(spec_folder, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    run(spec_folder, tmp_path / "out", templates)
    edit(templates / "2024目标表" / "settings.yaml", "size: 10.5", "size: 11")
    assert len(run(spec_folder, tmp_path / "out", templates).built) == 7


def test_a_removed_project_takes_its_files_with_it_and_nothing_else(spec_folder, tmp_path):
    out = tmp_path / "out"
    run(spec_folder, out, TEMPLATES)
    mine = write(out / "specs" / "我的笔记.txt", "不是 perfgen 写的")
    (spec_folder / "法律顾问费.yaml").unlink()
    result = run(spec_folder, out, TEMPLATES)
    assert sorted(p.name for p in result.removed) == ["法律顾问费.docx", "法律顾问费.xlsx"]
    assert not (out / "specs" / "法律顾问费.docx").exists() and mine.exists()
    assert result.built == [] and [p.name for p in result.written] == ["汇总.xlsx"]


def test_an_error_writes_nothing_and_keeps_the_manifest(spec_folder, tmp_path):
    out = tmp_path / "out"
    run(spec_folder, out, TEMPLATES)
    before = snapshot(out)
    edit(spec_folder / "法律顾问费.yaml", "项目资金: 19200", "项目资金: 19,2OO")
    with pytest.raises(SpecErrors):
        run(spec_folder, out, TEMPLATES)
    assert snapshot(out) == before


def test_a_render_failure_in_a_worker_writes_nothing(spec_folder, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    docx = templates / "2024目标表" / "table.docx"
    with zipfile.ZipFile(docx) as archive:
        parts = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(docx, "w") as archive:
        for info, data in parts:
            if info.filename == "word/document.xml":
                # an attribute of a text: no check can tell, the render fails
                data = data.replace("项目名称 }}".encode(), "项目名称.甲.乙 }}".encode(), 1)
            archive.writestr(info, data)
    out = tmp_path / "out"
    with pytest.raises(VariantError, match="渲染失败"):
        run(spec_folder, out, templates, jobs=2)
    assert not out.exists() or [p for p in out.rglob("*") if p.is_file()] == []


def test_a_year_folder_with_units_builds_each_unit(tmp_path):
    year = tmp_path / "specs" / "2024"
    copy_specs(EXAMPLES / "2024", year)
    unit = year / "某下属单位"
    unit.mkdir()
    shutil.copy(year / "部门.yaml", unit / "部门.yaml")
    shutil.copy(year / "法律顾问费.yaml", unit / "法律顾问费.yaml")
    whole = run(tmp_path / "specs", tmp_path / "a", TEMPLATES)
    assert [p.relative_to(tmp_path / "a").as_posix() for p in whole.folders] == ["2024", "2024/某下属单位"]
    assert (tmp_path / "a" / "2024" / "某下属单位" / "汇总.xlsx").is_file()
    one = run(year, tmp_path / "b", TEMPLATES)  # the year folder itself: same layout under its own name
    assert [p.relative_to(tmp_path / "b").as_posix() for p in one.folders] == ["2024", "2024/某下属单位"]
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_hidden_folders_are_skipped_but_not_a_hidden_parent(tmp_path):
    root = tmp_path / ".work" / "specs"
    copy_specs(EXAMPLES / "2024", root / "2024")
    copy_specs(EXAMPLES / "2024", root / ".trash" / "2024")
    result = run(root, tmp_path / "out", TEMPLATES)
    assert [p.name for p in result.folders] == ["2024"] and len(result.built) == 7


class Recorder:
    def __init__(self):
        self.events = []

    def start(self, total):
        self.events.append(("start", total))

    def project(self, folder, name, built):
        self.events.append((name, built))

    def projects(self, folder, names, built):
        for name, was_built in zip(names, built):
            self.project(folder, name, was_built)

    def note(self, message):
        self.events.append(("note", message))


def test_the_reporter_hears_every_project_in_plan_order(spec_folder, tmp_path):
    run(spec_folder, tmp_path / "out", TEMPLATES)
    edit(spec_folder / "法律顾问费.yaml", "项目资金: 19200", "项目资金: 20000")
    recorder = Recorder()
    run(spec_folder, tmp_path / "out", TEMPLATES, jobs=2, reporter=recorder)
    assert recorder.events[0] == ("start", 7)
    built = dict(recorder.events[1:])
    assert len(built) == 7 and [n for n, b in built.items() if b] == ["法律顾问费"]


@pytest.mark.parametrize("name, clash", [("汇总", "汇总工作簿 汇总.xlsx"), ("法律/顾问费", "项目「法律_顾问费」")])
def test_projects_whose_files_would_collide_are_an_error(spec_folder, tmp_path, name, clash):
    write(spec_folder / "a.yaml", f"项目名称: 法律_顾问费\n项目类别: 经常性项目\n项目资金: 1\n年度总体目标: x\n"
                                  f"绩效指标: {{数量指标: {{a: =1人}}}}\n")
    write(spec_folder / "b.yaml", f"项目名称: {name}\n项目类别: 经常性项目\n项目资金: 1\n年度总体目标: x\n"
                                  f"绩效指标: {{数量指标: {{a: =1人}}}}\n")
    with pytest.raises(SpecErrors) as caught:
        run(spec_folder, tmp_path / "out", TEMPLATES)
    [problem] = [p for p in caught.value.problems if not p.warning]  # the folder's warnings are said with it
    assert problem.file.endswith("b.yaml") and clash in problem.message
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- unchanged folders, errors late in a batch

def test_an_unchanged_folder_is_not_even_read_and_its_warnings_are_said_again(spec_folder, tmp_path, monkeypatch):
    from generator import build as build_module
    from generator.errors import Problems

    original = build_module.plan_folder

    def with_a_warning(folder, out, templates, problems: Problems):
        problems.add(folder / "法律顾问费.yaml", 3, "项目资金", "示例警告", warning=True)
        return original(folder, out, templates, problems)

    monkeypatch.setattr(build_module, "plan_folder", with_a_warning)
    first = run(spec_folder, tmp_path / "out", TEMPLATES)
    moved = tmp_path / "moved" / "specs"  # the same inputs elsewhere: still nothing to read
    shutil.copytree(spec_folder, moved)

    def unread(*args):
        raise AssertionError("an unchanged folder was read")

    monkeypatch.setattr(build_module, "plan_folder", unread)
    second = run(moved, tmp_path / "out", TEMPLATES)
    assert second.built == [] and names(second.skipped) == names(first.built)
    said = [(w.line, w.field, w.message) for w in second.warnings]
    assert said == [(w.line, w.field, w.message) for w in first.warnings] and (3, "项目资金", "示例警告") in said
    assert all(Path(w.file).parent == moved for w in second.warnings)  # where the specs are now


def test_a_changed_file_in_a_folder_has_it_read_but_rebuilds_only_what_changed(spec_folder, tmp_path, monkeypatch):
    from generator import build as build_module

    run(spec_folder, tmp_path / "out", TEMPLATES)
    spec = spec_folder / "法律顾问费.yaml"
    spec.write_text("# 注释\n" + spec.read_text(encoding="utf-8"), encoding="utf-8")
    reads = []
    original = build_module.plan_folder
    monkeypatch.setattr(build_module, "plan_folder", lambda *args: reads.append(args[0]) or original(*args))
    result = run(spec_folder, tmp_path / "out", TEMPLATES)
    assert reads == [spec_folder] and result.built == [] and result.written == []


@pytest.mark.parametrize("inline", [16, 0])
def test_an_error_in_a_later_folder_writes_nothing_though_earlier_ones_were_rendered(tmp_path, monkeypatch, inline):
    from generator import workers

    monkeypatch.setattr(workers, "INLINE", inline)  # 0: the earlier folders render in worker processes
    root = tmp_path / "specs"
    for name in ("a", "b", "c"):
        copy_specs(EXAMPLES / "2024", root / name)
    edit(root / "c" / "法律顾问费.yaml", "项目资金: 19200", "项目资金: 19,2OO")
    out, recorder = tmp_path / "out", Recorder()
    with pytest.raises(SpecErrors) as caught:
        run(root, out, TEMPLATES, jobs=2, reporter=recorder)
    assert [p.file for p in caught.value.problems if not p.warning] == [str(root / "c" / "法律顾问费.yaml")]
    if inline:  # rendered here, folder by folder: a and b were done before c was read
        assert [built for _, built in recorder.events[1:]] == [True] * 14
    assert not out.exists()  # no table, no temporary file, not even a folder


@pytest.mark.parametrize("jobs", [1, 2])
def test_errors_in_several_folders_are_all_said_whatever_the_processes(tmp_path, monkeypatch, jobs):
    """After the first error the folders not yet built are only read and checked: their errors are
    said too, in folder order, and nothing is written."""
    from generator import workers

    monkeypatch.setattr(workers, "INLINE", 0)
    root = tmp_path / "specs"
    for name in ("a", "b", "c", "d"):
        copy_specs(EXAMPLES / "2024", root / name)
    for name in ("a", "c", "d"):
        edit(root / name / "法律顾问费.yaml", "项目资金: 19200", "项目资金: 19,2OO")
    with pytest.raises(SpecErrors) as caught:
        run(root, tmp_path / "out", TEMPLATES, jobs=jobs)
    assert [p.file for p in caught.value.problems if not p.warning] == [
        str(root / name / "法律顾问费.yaml") for name in ("a", "c", "d")]
    assert not (tmp_path / "out").exists()


def test_a_manifest_in_a_shape_perfgen_did_not_write_means_reading_the_folder(spec_folder, tmp_path):
    out = tmp_path / "out"
    first = run(spec_folder, out, TEMPLATES)
    manifest = out / "specs" / cache.MANIFEST
    data = json.loads(manifest.read_text(encoding="utf-8"))
    recorded = data["inputs"]["warnings"]
    data["inputs"]["warnings"] = [["法律顾问费.yaml", "第三行", None]]
    manifest.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = run(spec_folder, out, TEMPLATES)
    assert result.built == [] and len(result.skipped) == 7 and result.warnings == first.warnings
    assert json.loads(manifest.read_text(encoding="utf-8"))["inputs"]["warnings"] == recorded  # written anew


def test_a_changed_category_above_the_folder_rebuilds_its_projects(spec_folder, tmp_path):
    shipped = (REPO / "generator" / "categories" / "法律顾问.yaml").read_text(encoding="utf-8")
    mine = write(tmp_path / "类别" / "法律顾问.yaml", shipped)  # the department's own copy, above its specs
    out = tmp_path / "out"
    run(spec_folder, out, TEMPLATES)
    assert run(spec_folder, out, TEMPLATES).built == []
    mine.write_text(shipped.replace("聘请律师人数: =1人", "聘请律师人数: =2人"), encoding="utf-8")
    assert names(run(spec_folder, out, TEMPLATES).built) == ["法律顾问费"]


def test_a_broken_category_file_above_several_folders_is_reported_once(tmp_path):
    root = tmp_path / "specs"
    for name in ("a", "b"):
        copy_specs(EXAMPLES / "2024", root / name)
    write(root / "类别" / "坏.yaml", "绩效指标: {数量指标: {'{人数}人次': =1人}}\n")  # an unknown placeholder
    with pytest.raises(SpecErrors) as caught:
        run(root, tmp_path / "out", TEMPLATES)
    assert [p.file for p in caught.value.problems if not p.warning] == [str(root / "类别" / "坏.yaml")]
    assert not (tmp_path / "out").exists()


def test_a_build_with_nothing_to_do_reads_no_settings(spec_folder, tmp_path):
    """The settings model (pydantic) and the spec readers are for folders that changed."""
    import os
    import subprocess
    import sys

    out = tmp_path / "out"
    env = {**os.environ, "PERFGEN_CACHE": str(tmp_path / "cache")}
    script = ("import sys\nfrom pathlib import Path\nfrom generator.batch import run\n"
              f"run(Path({str(spec_folder)!r}), Path({str(out)!r}), Path({str(TEMPLATES)!r}))\n"
              "print(sorted(m for m in sys.modules if m in ('generator.settings', 'generator.spec', 'generator.variant')))")
    first = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert "generator.settings" in first.stdout
    again = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert again.stdout.strip() == "[]"


def test_a_build_without_facts_loads_no_stage_forms(spec_folder, tmp_path):
    """Only the forms a folder's variants are filled from are imported: without facts files, a build
    loads neither the 监控表's nor the 自评表's form, nor the facts and rule sets they read."""
    import os
    import subprocess
    import sys

    out = tmp_path / "out"
    env = {**os.environ, "PERFGEN_CACHE": str(tmp_path / "cache")}
    stages = ("generator.facts", "generator.rules", "generator.scoring", "generator.stage_summary",
              "generator.forms.monitoring", "generator.forms.evaluation")
    script = ("import sys\nfrom pathlib import Path\nfrom generator.batch import run\n"
              f"run(Path({str(spec_folder)!r}), Path({str(out)!r}), Path({str(TEMPLATES)!r}))\n"
              f"print(sorted(m for m in sys.modules if m in {stages!r} or m == 'generator.forms.project'))")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['generator.forms.project']"


# ---------------------------------------------------------------- the main process's memory

def test_a_listing_keeps_its_items_on_disk():
    import tracemalloc

    from generator.batch import Listing

    listing = Listing()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(20_000):
            listing.append((Path("/out") / "某部门", f"项目{i}"))
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 64 * 1024  # a list of them would hold some 4 MB
    assert len(listing) == 20_000 and list(listing)[-1] == (Path("/out/某部门"), "项目19999")
    assert listing != [] and Listing() == [] and Listing([1, 2]) == [1, 2]
    listing.extend([(Path("/out") / "另一部门", "甲"), (Path("/out") / "另一部门", "乙")])  # a folder's, in one record
    listing.extend([])
    assert len(listing) == 20_002 and list(listing)[-3:] == [(Path("/out/某部门"), "项目19999"),
                                                             (Path("/out/另一部门"), "甲"), (Path("/out/另一部门"), "乙")]


def test_the_main_process_keeps_nothing_per_project(tmp_path, monkeypatch):
    """What the main process holds when it commits grows by a few objects per folder, not by
    the folders' projects and files (with workers, so that no table is built in it)."""
    import gc

    from generator import staging, workers

    monkeypatch.setattr(workers, "INLINE", 0)
    held = []
    commit = staging.Staging.commit

    def counted(self, *args, **kwargs):
        gc.collect()
        held.append(len(gc.get_objects()))
        return commit(self, *args, **kwargs)

    monkeypatch.setattr(staging.Staging, "commit", counted)
    trees = {}
    for folders in (1, 2, 6):
        root = tmp_path / f"specs{folders}"
        for i in range(folders):
            copy_specs(EXAMPLES / "2024", root / f"部门{i}")
        trees[folders] = root
    run(trees[1], tmp_path / "warm", TEMPLATES, jobs=2)  # what is imported once
    for folders in (2, 6):
        assert len(run(trees[folders], tmp_path / f"out{folders}", TEMPLATES, jobs=2).built) == 7 * folders
    per_folder = (held[2] - held[1]) / 4
    # its Path in Result.folders, its warning: 7 projects and 15 files a folder, a list of any would show
    assert per_folder < 10, per_folder


@pytest.mark.parametrize("where", ["waiting for a folder", "taking a folder"])
def test_ctrl_c_in_the_main_process_alone_leaves_no_file(tmp_path, monkeypatch, where):
    """Ctrl-C that reaches only the main process (`kill -INT`, a CI timeout) while worker processes
    build: the folders in flight still finish there, and their staged files are dropped."""
    from generator import batch, workers

    root = tmp_path / "specs"
    for name in ("a", "b", "c", "d"):
        copy_specs(EXAMPLES / "2024", root / name)
    monkeypatch.setattr(workers, "INLINE", 0)
    calls = []

    def interrupted(real):
        def call(*args, **kwargs):
            calls.append(1)
            if len(calls) == 2:  # the second folder: the first is adopted, others are in flight
                if where == "taking a folder":
                    real(*args, **kwargs)  # its files adopted, then the interrupt
                raise KeyboardInterrupt
            return real(*args, **kwargs)
        return call

    if where == "taking a folder":
        monkeypatch.setattr(batch._Batch, "_take", interrupted(batch._Batch._take))
    else:
        monkeypatch.setattr(workers.Workers, "_result", interrupted(workers.Workers._result))
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run(root, out, TEMPLATES, jobs=2)
    assert len(calls) == 2
    assert not out.exists() or [p for p in out.rglob("*")] == []
