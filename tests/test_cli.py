"""The command line as a user meets it: exit codes, messages in Chinese, outputs left untouched."""
from __future__ import annotations

import hashlib
from pathlib import Path

from typer.testing import CliRunner

from generator.cli import app

from conftest import EXAMPLES, TEMPLATES, write

runner = CliRunner()


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run(*args: str):
    return runner.invoke(app, [*args, "--templates", str(TEMPLATES)])


def test_build_writes_every_table_and_the_department_workbook(tmp_path):
    result = run("build", str(EXAMPLES), "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "2024").iterdir())
    assert len([f for f in files if f.endswith(".docx")]) == 7
    assert len([f for f in files if f.endswith(".xlsx")]) == 8 and "汇总.xlsx" in files
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
    result = run("build", str(spec_folder), "-o", str(tmp_path))
    assert result.exit_code == 1 and "2030目标表" in result.output and "2024目标表" in result.output


def test_no_specs_found(tmp_path):
    result = run("build", str(tmp_path), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1 and "部门.yaml" in result.output


def test_version():
    assert runner.invoke(app, ["--version"]).output.startswith("perfgen ")


def test_build_prints_the_warnings(tmp_path):
    result = run("build", str(EXAMPLES), "-o", str(tmp_path))
    assert "警告 绩效指标.经济成本指标.法律顾问费成本预算控制数: 指标名含有同一目录中另一个项目「法律顾问费」的名称" in result.output
    assert result.output.rstrip().endswith("共 17 个项目，37 个文件，1 条警告。")  # 2024, 2022 and the unit table


def test_check_lists_the_one_warning_of_the_examples_and_exits_zero():
    result = run("check", str(EXAMPLES))
    assert result.exit_code == 0, result.output
    assert "房屋拆除安全技术服务.yaml:8 警告 绩效指标.经济成本指标.法律顾问费成本预算控制数" in result.output
    assert result.output.rstrip().endswith("检查了 17 个项目：0 处错误，1 条警告。")
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
