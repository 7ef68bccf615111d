"""The command line as a user meets it: exit codes, messages in Chinese, outputs left untouched."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generator.cli import app
from generator.layout import stage_of

from conftest import EXAMPLES, TEMPLATES, copy_specs, write

runner = CliRunner()
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run(*args: str):
    return runner.invoke(app, [*args, "--templates", str(TEMPLATES)])


def test_build_writes_every_table_and_the_department_workbook(tmp_path):
    result = run("build", str(EXAMPLES), "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "2024").iterdir())
    targets = [f for f in files if stage_of(f) is None]  # the 目标表s; then what the facts files give
    assert len([f for f in targets if f.endswith(".docx")]) == 7
    assert len([f for f in targets if f.endswith(".xlsx")]) == 8 and "汇总.xlsx" in files
    facts = [f for f in (p.name for p in (EXAMPLES / "2024").iterdir()) if stage_of(f)]  # named after the spec
    assert len([f for f in files if f.endswith(".docx") and stage_of(f)]) == len(facts) == 8
    assert "汇总.自评.xlsx" in files and "汇总.监控.xlsx" in files
    assert "已生成" in result.output


def test_same_spec_same_bytes(tmp_path):
    run("build", str(EXAMPLES), "-o", str(tmp_path / "a"))
    run("build", str(EXAMPLES), "-o", str(tmp_path / "b"))
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_a_bad_spec_names_file_line_field_and_writes_nothing(spec_folder, tmp_path):
    out = tmp_path / "out"
    assert run("build", str(spec_folder), "-o", str(out)).exit_code == 0
    before = snapshot(out)
    spec = spec_folder / "法律顾问费.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("项目资金: 19200", "项目资金: 19,2OO"), encoding="utf-8")
    write(spec_folder / "新项目.yaml", "项目名称: 新项目\n")
    result = run("build", str(spec_folder), "-o", str(out))
    assert result.exit_code == 1
    assert f"{spec}:4 项目资金.财政资金: 「19,2OO」不是金额" in result.output
    assert "新项目.yaml:1 项目类别: 缺少必填项" in result.output
    assert "未生成任何文件" in result.output
    assert snapshot(out) == before


def test_unknown_variant_lists_the_known_ones(spec_folder, tmp_path):
    (spec_folder / "部门.yaml").write_text("主管部门: A\n实施单位: B\n年度: 2024\n格式: 2030目标表\n", encoding="utf-8")
    result = run("build", str(spec_folder), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1 and "2030目标表" in result.output and "2024目标表" in result.output


def test_no_specs_found(tmp_path):
    result = run("build", str(tmp_path), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1 and "部门.yaml" in result.output


def test_build_of_one_spec_file_builds_its_folder(spec_folder, tmp_path):
    result = run("build", str(spec_folder / "法律顾问费.yaml"), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "specs" / "法律顾问费.docx").is_file() and (tmp_path / "out" / "specs" / "汇总.xlsx").is_file()


def test_build_of_a_file_that_is_no_spec_says_why(spec_folder, tmp_path):
    stray = tmp_path / "草稿" / "某项目.yaml"
    write(stray, (spec_folder / "法律顾问费.yaml").read_text(encoding="utf-8"))
    result = run("build", str(stray), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1 and f"{stray} 它所在的目录 {stray.parent} 里没有 部门.yaml" in result.output
    assert "perfgen init" in result.output
    write(tmp_path / "旧表.docx", "x")
    result = run("build", str(tmp_path / "旧表.docx"), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1 and "perfgen import 旧表.docx" in result.output
    result = run("check", str(stray))
    assert result.exit_code == 1 and f"{stray} 它所在的目录 {stray.parent} 里没有 部门.yaml" in result.output
    result = run("build", str(tmp_path / "没有这个目录"), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1 and "没有这个目录 不存在" in result.output
    assert not (tmp_path / "out").exists()


def test_version():
    assert runner.invoke(app, ["--version"]).output.startswith("perfgen ")


# ---------------------------------------------------------------- batch builds

def test_second_build_skips_everything_and_one_edit_rebuilds_only_that_project(spec_folder, tmp_path):
    out = tmp_path / "out"
    first = run("build", str(spec_folder), "-o", str(out))
    assert first.exit_code == 0 and "共 7 个项目：生成 7 个" in first.output
    second = run("build", str(spec_folder), "-o", str(out))
    assert second.exit_code == 0 and "已生成" not in second.output
    assert "均未变化，全部跳过" in second.output and second.output.count("未变化，跳过") == 7
    spec = spec_folder / "法律顾问费.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("19200", "20000"), encoding="utf-8")
    third = run("build", str(spec_folder), "-o", str(out), "-j", "2")
    assert third.exit_code == 0
    assert [line for line in third.output.splitlines() if "已生成" in line] == ["[6/7] 已生成 specs/法律顾问费"]
    assert "共 7 个项目：生成 1 个，跳过 6 个（未变化）" in third.output
    assert f"文件在：{out / 'specs'}" in third.output


def test_force_rebuilds_and_gives_the_same_bytes(spec_folder, tmp_path):
    run("build", str(spec_folder), "-o", str(tmp_path / "a"))
    before = snapshot(tmp_path / "a")
    result = run("build", str(spec_folder), "-o", str(tmp_path / "a"), "--force", "-j", "0")
    assert "生成 7 个" in result.output and snapshot(tmp_path / "a") == before


def test_warnings_are_printed_and_counted(spec_folder, tmp_path, monkeypatch):
    from generator import build as build_module
    from generator.errors import Problems

    original = build_module.plan_folder

    def with_a_warning(folder, out, templates, problems: Problems):
        problems.add(folder / "法律顾问费.yaml", 3, "项目资金", "示例警告", warning=True)
        return original(folder, out, templates, problems)

    monkeypatch.setattr(build_module, "plan_folder", with_a_warning)
    result = run("build", str(spec_folder), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert "法律顾问费.yaml:3 警告 项目资金: 示例警告" in result.output
    assert "2 条警告" in result.output  # and the seed's own: 房屋拆除 carries 法律顾问费's cost indicator


def test_build_pdf_without_libreoffice_writes_nothing(spec_folder, tmp_path, monkeypatch):
    from generator import pdf

    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(pdf.SOFFICE_ENV, raising=False)
    monkeypatch.setattr(pdf, "_SOFFICE_PLACES", ())
    result = run("build", str(spec_folder), "-o", str(tmp_path / "out"), "--pdf")
    assert result.exit_code == 1 and "找不到 LibreOffice" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_build_pdf_converts_every_table_in_one_libreoffice_run(spec_folder, tmp_path, monkeypatch):
    from generator import pdf

    log = tmp_path / "soffice.log"
    shim = tmp_path / "soffice"
    shim.write_text(f'#!/bin/sh\necho run >> "{log}"\nexec "{SOFFICE}" "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    monkeypatch.setenv(pdf.SOFFICE_ENV, str(shim))
    out = tmp_path / "out"
    result = run("build", str(spec_folder), "-o", str(out), "--pdf")
    assert result.exit_code == 0, result.output
    tables = sorted(p.stem for p in (out / "specs").glob("*.docx")) + ["汇总"]
    assert sorted(p.stem for p in (out / "specs").glob("*.pdf")) == sorted(tables)
    assert log.read_text().split() == ["run"] and "PDF：转换 8 个" in result.output
    again = run("build", str(spec_folder), "-o", str(out), "--pdf")
    assert "PDF：转换 0 个" in again.output and log.read_text().split() == ["run"]
    (out / "specs" / "法律顾问费.pdf").unlink()
    third = run("build", str(spec_folder), "-o", str(out), "--pdf")
    assert "PDF：转换 1 个" in third.output and (out / "specs" / "法律顾问费.pdf").is_file()


# ---------------------------------------------------------------- preview

@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None or shutil.which("pdftoppm") is None, reason="LibreOffice or pdftoppm missing")
def test_preview_writes_a_png(spec_folder, tmp_path):
    target = tmp_path / "预览.png"
    result = run("preview", str(spec_folder / "法律顾问费.yaml"), "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "已生成预览" in result.output and target.read_bytes().startswith(b"\x89PNG")


def test_preview_of_a_folder_is_an_error(spec_folder):
    result = run("preview", str(spec_folder))
    assert result.exit_code == 1 and "请给出一个项目说明文件" in result.output


# ---------------------------------------------------------------- new

def test_new_rolls_a_year_and_lists_what_to_review(tmp_path):
    specs = tmp_path / "specs"
    copy_specs(EXAMPLES / "2024", specs / "examples" / "2024")
    result = run("new", "2025", "--from", "2024", "--specs", str(specs))
    assert result.exit_code == 0, result.output
    assert f"已创建 {specs / 'examples' / '2025'}" in result.output and "改动 2 处" in result.output
    assert "等保项目.yaml:3 项目类别: 一次性项目，2025 年还要做吗？" in result.output  # line 1: the modeline
    assert "还有以下问题" not in result.output
    built = run("build", str(specs), "-o", str(tmp_path / "out"))
    assert built.exit_code == 0 and "生成 14 个" in built.output
    # the markers `new` left are for a person: every build says where they still are
    assert "还有 1 处「# 待核对（perfgen new）」待核对" in built.output
    assert f"{specs / 'examples' / '2025' / '等保项目.yaml'}:3 一次性项目，2025 年还要做吗？" in built.output


def test_new_says_when_the_rolled_specs_need_work(tmp_path):
    specs = tmp_path / "specs"
    copy_specs(EXAMPLES / "2024", specs / "2024")
    write(specs / "2024" / "半成品.yaml", "项目名称: 半成品\n")
    result = run("new", "2025", "--from", "2024", "--specs", str(specs))
    assert result.exit_code == 0 and "还有以下问题" in result.output and "半成品.yaml:2 项目类别: 缺少必填项" in result.output


def test_new_refuses_an_existing_target(tmp_path):
    specs = tmp_path / "specs"
    copy_specs(EXAMPLES / "2024", specs / "2024")
    (specs / "2025").mkdir()
    result = run("new", "2025", "--from", "2024", "--specs", str(specs))
    assert result.exit_code == 1 and "已存在" in result.output and list((specs / "2025").iterdir()) == []


def test_new_from_an_unknown_year_lists_the_known_ones(tmp_path):
    specs = tmp_path / "specs"
    copy_specs(EXAMPLES / "2024", specs / "2024")
    result = run("new", "2025", "--from", "2023", "--specs", str(specs))
    assert result.exit_code == 1 and "找不到 2023 年度" in result.output and "已有的年度目录：2024" in result.output
    assert not (specs / "2025").exists()


# ---------------------------------------------------------------- diff

def test_diff_prints_changes_per_project(tmp_path):
    specs = tmp_path / "specs"
    copy_specs(EXAMPLES / "2024", specs / "2024")
    assert run("new", "2025", "--from", "2024", "--specs", str(specs)).exit_code == 0
    spec = specs / "2025" / "法律顾问费.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("19200", "20000"), encoding="utf-8")
    result = run("diff", "2024", "2025", "--specs", str(specs))
    assert result.exit_code == 0, result.output
    assert "法律顾问费（法律顾问费.yaml）\n  ~ 项目资金总额、财政资金、年度资金申请总额、当年财政拨款: 19,200.00 元 → 20,000.00 元" \
        in result.output
    assert "未变化：6 个项目" in result.output


def test_diff_with_an_unknown_year(tmp_path):
    specs = tmp_path / "specs"
    copy_specs(EXAMPLES / "2024", specs / "2024")
    result = run("diff", "2024", "2026", "--specs", str(specs))
    assert result.exit_code == 1 and "找不到 2026 年度" in result.output


# ---------------------------------------------------------------- schema

def test_schema_prints_json_or_writes_a_file(tmp_path):
    printed = runner.invoke(app, ["schema"])
    assert printed.exit_code == 0 and json.loads(printed.output)["title"] == "perfgen 项目说明"
    target = tmp_path / "s" / "project.json"
    written = run("schema", "--format", "2024目标表", "-o", str(target))
    assert written.exit_code == 0 and "一次性项目" in json.loads(target.read_text(encoding="utf-8"))["properties"]["项目类别"]["enum"]
    department = runner.invoke(app, ["schema", "--department"])
    assert json.loads(department.output)["required"] == ["主管部门", "实施单位", "年度", "格式"]


def test_schema_for_an_unknown_format(tmp_path):
    result = run("schema", "--format", "没有的格式")
    assert result.exit_code == 1 and "格式「没有的格式」不存在" in result.output


# ---------------------------------------------------------------- check and show

def test_build_prints_the_warnings(tmp_path):
    result = run("build", str(EXAMPLES), "-o", str(tmp_path))
    assert "警告 绩效指标.经济成本指标.法律顾问费成本预算控制数: 指标名含有同一目录中另一个项目「法律顾问费」的名称" in result.output
    # 2024, 2022, the unit table, the 2024 申报表 and the 2023 目标表 (4 satisfaction targets in words);
    # the 2024 examples' facts give seven 自评表 and one 监控表
    assert "共 30 个项目、8 张监控表和自评表：生成 38 个；5 条警告。" in result.output


def test_check_lists_the_warnings_of_the_examples_and_exits_zero():
    result = run("check", str(EXAMPLES))
    assert result.exit_code == 0, result.output
    assert "房屋拆除安全技术服务.yaml:8 警告 绩效指标.经济成本指标.法律顾问费成本预算控制数" in result.output
    assert result.output.rstrip().endswith("检查了 30 个项目：0 处错误，5 条警告。")
    strict = run("check", "--strict", str(EXAMPLES))
    assert strict.exit_code == 1 and "（--strict：警告也算错误）" in strict.output


def test_check_lists_every_problem_of_a_broken_folder_and_nothing_changes(spec_folder, tmp_path):
    out = tmp_path / "out"
    assert run("build", str(spec_folder), "-o", str(out)).exit_code == 0
    before = snapshot(out)
    write(spec_folder / "空.yaml", "")
    write(spec_folder / "列表.yaml", "- 项目名称: 甲\n")
    write(spec_folder / "缩进.yaml", "项目名称: 甲\n绩效指标:\n\t数量指标: {a: =1人}\n")
    (spec_folder / "编码.yaml").write_bytes("项目名称: 甲\n".encode("gbk"))
    write(spec_folder / "满意度.yaml", "项目名称: 乙\n项目类别: 经常性项目\n项目资金: 1\n年度总体目标: g\n"
                                     "绩效指标:\n  服务对象满意度指标:\n    满意度: >=90%\n")
    write(spec_folder / "类别.yaml", "项目名称: 丙\n项目类别: 经常性项目\n项目资金: １９,２００\n年度总体目标: g\n类别: 法律顾\n")
    write(spec_folder / "控制符.yaml", "项目名称: 丁\x07\n")
    write(spec_folder / "过长.yaml", "项目名称: 戊\n项目总目标: " + "长" * 5_000_000 + "\n")
    (spec_folder / "带BOM.yaml").write_bytes("\ufeff项目名称: 己\n项目类别: 经常性项目\n项目资金: 1\n年度总体目标: g\n"
                                            "类别: 法律顾问\n计划开始日期: 2023-01-01\n".encode())
    result = run("check", str(spec_folder))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    for expected in ("空.yaml:1 空文件", "列表.yaml:1 应为「键: 值」的映射", "缩进.yaml:3 缩进里有制表符",
                     "编码.yaml:1 文件似乎是 GBK/GB18030 编码", "满意度.yaml:7 「>=90%」以「>」开头",
                     "类别.yaml:5 类别: 没有类别「法律顾」。是否想写「法律顾问」？", "控制符.yaml:1 含有不可见的控制字符",
                     "过长.yaml 文件过大（15.0 MB）", "带BOM.yaml:6 警告 计划开始日期: 2023-01-01 不在预算年度 2024 年内"):
        assert any(expected in line for line in lines), (expected, result.output)
    assert lines[-1] == "8 处错误，2 条警告。"
    assert run("build", str(spec_folder), "-o", str(out)).exit_code == 1
    assert snapshot(out) == before


def test_build_never_writes_into_a_spec_folder(spec_folder):
    result = run("build", str(spec_folder), "-o", str(spec_folder / "输出"))
    assert result.exit_code == 1 and "perfgen 不往说明目录里写文件" in result.output
    assert not (spec_folder / "输出").exists()


def test_show_prints_the_expanded_spec():
    result = run("show", str(EXAMPLES / "2024" / "法律顾问费.yaml"))
    assert result.exit_code == 0
    assert result.output.startswith("# 法律顾问费.yaml 展开后（格式「2024目标表」）")
    assert "法律顾问费成本预算控制数: ≤19200元  # 默认指标" in result.output
    assert run("show", str(EXAMPLES / "2024" / "没有.yaml")).exit_code == 1


def test_check_one_file_reports_that_file_only(spec_folder):
    write(spec_folder / "坏.yaml", "项目名称: 坏\n")
    result = run("check", str(spec_folder / "房屋拆除安全技术服务.yaml"))
    assert result.exit_code == 0 and "坏.yaml" not in result.output
    assert result.output.rstrip().endswith("检查了 1 个项目：0 处错误，1 条警告。")
    assert run("check", str(spec_folder / "坏.yaml")).exit_code == 1


def test_import_of_an_output_folder_counts_the_repeated_tables(spec_folder, tmp_path):
    """An output folder holds each project three times (.docx, .xlsx, a 汇总 sheet): one line says so."""
    assert run("build", str(spec_folder), "-o", str(tmp_path / "out")).exit_code == 0
    result = run("import", str(tmp_path / "out"), "-o", str(tmp_path / "导入"))
    assert result.exit_code == 0, result.output
    assert "跳过 14 张重复的表" in result.output and "是同一项目" not in result.output
    assert "导入 7 个项目说明，跳过 14 张" in result.output


def test_a_yaml_slip_is_said_at_its_own_line(spec_folder):
    spec = spec_folder / "法律顾问费.yaml"
    lines = spec.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("项目资金: "))
    lines[number - 1] = lines[number - 1].replace("项目资金: ", "项目资金：")
    spec.write_text("".join(lines), encoding="utf-8")
    result = run("check", str(spec_folder))
    assert result.exit_code == 1
    assert f"{spec}:{number} 「项目资金：」用了中文冒号「：」：键和值之间要用英文冒号加一个空格，写成 项目资金: 19200" in result.output


def test_a_build_with_nothing_to_do_loads_none_of_the_heavy_libraries(tmp_path):
    """perfgen build, run again with nothing changed: no rich, pydantic, YAML, jinja, lxml or docx."""
    import subprocess
    import sys

    specs = copy_specs(EXAMPLES / "2024", tmp_path / "specs")
    code = ("import sys\nfrom generator.cli import entry\ntry:\n entry(sys.argv[1:])\nexcept SystemExit as exit:\n"
            " assert not exit.code, exit.code\nprint(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('rich', 'pydantic', 'pydantic_core', 'yaml', 'jinja2', 'lxml', 'docx', 'docxtpl', 'openpyxl')), "
            "file=sys.stderr)")
    args = [sys.executable, "-c", code, "build", str(specs), "-o", str(tmp_path / "out"), "-j", "2"]
    first = subprocess.run(args, capture_output=True, text=True)
    assert "生成 7 个" in first.stdout, first.stderr
    again = subprocess.run(args, capture_output=True, text=True)
    assert "均未变化" in again.stdout and again.stderr.splitlines()[-1] == "[]", again.stderr


def test_a_folders_lines_name_each_table_as_os_path_join_does(tmp_path, capsys):
    import os

    from generator.cli import LineReporter

    names = ["法律顾问费", "a/b", "/绝对", "c:d", "e\\f", ""]
    reporter = LineReporter(tmp_path)
    reporter.start(len(names) * 2)
    reporter.projects(tmp_path / "部门", names, [True, False] * 3)
    reporter.projects(tmp_path, names, [False] * 6)  # the output folder itself: "."
    lines = capsys.readouterr().out.splitlines()
    expected = [os.path.join("部门", name) for name in names] + [os.path.join(".", n) for n in names]
    assert [line.split(" ", 2)[2] for line in lines] == expected
    assert lines[0] == "[1/12] 已生成 部门/法律顾问费" and lines[1] == "[2/12] 未变化，跳过 部门/a/b"
