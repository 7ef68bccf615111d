"""The year's facts files: names matched to the spec's indicators, errors with file and line, nothing written."""
from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from generator.build import plan
from generator.cli import app
from generator.errors import SpecErrors

from conftest import EXAMPLES, TEMPLATES, copy_specs, write

runner = CliRunner()


def problems_of(folder: Path) -> tuple[list[str], list[str]]:
    try:
        _, found = plan(folder, None, TEMPLATES)
        return [], [str(p) for p in found.warnings]
    except SpecErrors as exc:
        return [str(p) for p in exc.problems if not p.warning], [str(p) for p in exc.problems if p.warning]


def folder_with(tmp_path: Path, name: str, text: str) -> Path:
    folder = copy_specs(EXAMPLES / "2024", tmp_path / "specs")
    write(folder / name, text)
    return folder


def test_the_examples_facts_are_clean():
    errors, warnings = problems_of(EXAMPLES / "2024")
    assert errors == [] and all(".自评." not in w and ".监控." not in w for w in warnings), warnings


def test_an_unknown_indicator_says_file_line_and_what_was_meant(tmp_path):
    folder = folder_with(tmp_path, "法律顾问费.自评.yaml",
                         "项目资金: 19200\n实际完成情况: 完成\n绩效指标:\n  聘请律师数: 1人\n  数量指标:\n    律师人数: 1人\n")
    errors, _ = problems_of(folder)
    path = folder / "法律顾问费.自评.yaml"
    assert f"{path}:4 绩效指标.聘请律师数: 项目「法律顾问费」没有指标「聘请律师数」，是否想写「聘请律师人数」？" in errors
    assert any(e.startswith(f"{path}:6 绩效指标.数量指标.律师人数:") and "是否想写「聘请律师人数」" in e for e in errors)


def test_a_name_under_its_level2_and_a_missing_fact_is_reported(tmp_path):
    folder = folder_with(tmp_path, "法律顾问费.自评.yaml",
                         "项目资金: 19200\n实际完成情况: 完成\n绩效指标:\n  数量指标:\n    聘请律师人数: 1人\n")
    errors, warnings = problems_of(folder)
    assert errors == []
    assert any("缺少指标「应诉工作完成合格率」的实际完成值" in w for w in warnings)
    assert not any("聘请律师人数" in w for w in warnings)


def test_a_fact_given_twice_and_a_wrong_key(tmp_path):
    folder = folder_with(tmp_path, "法律顾问费.自评.yaml",
                         "项目资金: 19200\n绩效指标:\n  聘请律师人数: 1人\n  数量指标: {聘请律师人数: 1人}\n"
                         "  应诉工作完成合格率: {实际完成值: 100%, 原因: 无}\n")
    errors, _ = problems_of(folder)
    assert any(":4 绩效指标.数量指标.聘请律师人数: 指标「聘请律师人数」的情况写了两次（另见第 3 行）" in e for e in errors)
    assert any(":5 绩效指标.应诉工作完成合格率.原因: 未知的键「原因」" in e for e in errors)


def test_a_missed_target_needs_a_reason_and_a_quantity_needs_a_number(tmp_path):
    folder = folder_with(tmp_path, "法律顾问费.自评.yaml",
                         "项目资金: 19200\n实际完成情况: 完成\n绩效指标:\n  应诉工作完成合格率: 90%\n  纠纷解决率: 全部\n"
                         "  决策法制化完善情况: 很好\n  重大纠纷解决情况: {评定: 部分达成, 得分率: 85}\n")
    errors, _ = problems_of(folder)
    joined = "\n".join(errors)
    assert ":4 绩效指标.应诉工作完成合格率: 指标「应诉工作完成合格率」未完成（90%，指标值 =100%）：须写 偏差原因" in joined
    assert ":5 绩效指标.纠纷解决率.实际完成值: 定量指标「纠纷解决率」" in joined and "而不是「全部」" in joined
    assert ":6 绩效指标.决策法制化完善情况.评定: 定性指标「决策法制化完善情况」须写 评定：达成、部分达成、未达成" in joined
    assert ":7 绩效指标.重大纠纷解决情况.得分率: 得分率 85% 不在「部分达成」的 60%（含）–80%（不含）之内" in joined


def test_warnings_low_rate_over_budget_other_unit_far_above(tmp_path):
    folder = folder_with(tmp_path, "法律顾问费.自评.yaml",
                         "项目资金: 12000\n实际完成情况: 完成\n绩效指标:\n  聘请律师人数: 2人\n  应诉工作完成合格率: 100分\n")
    write(folder / "党组工作经费.自评.yaml", "项目资金: 12000\n实际完成情况: 完成\n")
    errors, warnings = problems_of(folder)
    joined = "\n".join(warnings)
    assert errors == []
    assert "项目资金.偏差原因: 预算执行率 62.50% 低于 90%：请写 偏差原因" in joined
    assert "全年执行数 12000 元超过全年预算数 10000 元" in joined
    assert "实际完成值的单位「分」与指标值的单位「%」不同" in joined
    assert "实际完成值 2人 远超指标值（完成率 200%）：年初指标值设定明显偏低" in joined


def test_facts_without_a_spec_and_money_of_several_sources(tmp_path):
    folder = folder_with(tmp_path, "法律顾问.自评.yaml", "项目资金: 1\n")
    write(folder / "土地储备计划.yaml", (folder / "土地储备计划.yaml").read_text(encoding="utf-8").replace(
        "项目资金: 190000", "项目资金: {财政资金: 190000, 上年结转资金: 40000}"))
    write(folder / "土地储备计划.自评.yaml", "项目资金: 150000\n")
    errors, _ = problems_of(folder)
    joined = "\n".join(errors)
    assert "法律顾问.自评.yaml 找不到项目说明 法律顾问.yaml：执行情况文件须与项目说明同名，是否想写「法律顾问费.自评.yaml」？" in joined
    assert "土地储备计划.自评.yaml:1 项目资金: 项目资金有 2 个来源（当年财政拨款、上年结转资金）" in joined


def test_monitoring_causes_and_chances_are_the_forms_words(tmp_path):
    folder = folder_with(tmp_path, "法律顾问费.监控.yaml",
                         "项目资金: 1000\n绩效指标:\n  聘请律师人数: {执行情况: 0人, 全年预计: 0人}\n"
                         "  纠纷解决率: {执行情况: 50%, 偏差原因: 天气, 完成目标可能性: 很可能}\n")
    errors, _ = problems_of(folder)
    joined = "\n".join(errors)
    assert ":3 绩效指标.聘请律师人数: 指标「聘请律师人数」预计不能完成（0人，指标值 =1人）：须写 偏差原因" in joined
    assert "「天气」不是偏差原因之一：经费保障、制度保障、人员保障、硬件条件保障、其他" in joined
    assert "「很可能」不是完成目标可能性之一：确定能、有可能、完全不可能" in joined


def test_a_bad_facts_file_fails_the_build_and_writes_nothing(tmp_path):
    folder = folder_with(tmp_path, "法律顾问费.自评.yaml", "项目资金: 19200\n绩效指标:\n  聘请律师数: 1人\n")
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(folder), "-o", str(out), "--templates", str(TEMPLATES)])
    assert result.exit_code == 1
    assert "法律顾问费.自评.yaml:3 绩效指标.聘请律师数:" in result.output and "未生成任何文件" in result.output
    assert not out.exists() or not any(out.rglob("*.docx"))
