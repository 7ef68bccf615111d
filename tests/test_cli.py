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
