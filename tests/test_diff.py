"""`perfgen diff`: per project, what a reviewer needs to see between two years, and nothing else."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.diff import Change, compare, report
from generator.roll import roll

from conftest import EXAMPLES, TEMPLATES, copy_specs, write


@pytest.fixture
def years(tmp_path) -> tuple[Path, Path]:
    """specs/2024 (the examples) and specs/2025 rolled from it, untouched."""
    specs = tmp_path / "specs"
    copy_specs(EXAMPLES / "2024", specs / "2024")
    roll(specs / "2024", 2025, TEMPLATES)
    return specs / "2024", specs / "2025"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def changes(diff, name: str) -> list[str]:
    item = next(p for f in diff.folders for p in f.projects if (p.new or p.old).name == name)
    return [str(c) for c in item.changes]


def test_a_rolled_year_has_no_changes(years):
    diff = compare(*years, TEMPLATES)
    assert [p.status for p in diff.folders[0].projects] == ["same"] * 7  # the 运维 name and the dates moved with the year
    assert report(diff) == [("", "未变化：7 个项目"), ("", "项目资金总额合计：836,240.00 元（不变）")]


def test_amounts_and_indicators_added_removed_and_changed(years):
    old, new = years
    spec = new / "法律顾问费.yaml"
    edit(spec, "项目资金: 19200", "项目资金: 20000")
    # the spec takes its indicators from 类别: 法律顾问; it overrides, adds and drops some
    edit(spec, "绩效指标:\n", "绩效指标:\n  数量指标:\n    聘请律师人数: =2人\n"
                           "  经济效益指标:\n    纠纷解决率: ≥95%\n    新增指标: 及时\n")
    spec.write_text(spec.read_text(encoding="utf-8") + "不适用: [决策法制化完善情况]\n", encoding="utf-8")
    diff = compare(old, new, TEMPLATES)
    assert changes(diff, "法律顾问费") == [
        "~ 项目资金总额、财政资金、年度资金申请总额、当年财政拨款: 19,200.00 元 → 20,000.00 元（+800.00）",
        "~ 成本指标/经济成本指标/法律顾问费成本预算控制数: ≤19200.00(元) → ≤20000.00(元)",  # follows the budget
        "~ 产出指标/数量指标/聘请律师人数: =1.00(人) → =2.00(人)",
        "~ 效益指标/经济效益指标/纠纷解决率: =100.00(%) → ≥95.00(%)",
        "+ 效益指标/经济效益指标/新增指标: 及时",
        "- 效益指标/社会效益指标/决策法制化完善情况: 完善",
    ]
    assert report(diff)[-1] == ("", "项目资金总额合计：836,240.00 元 → 837,040.00 元（+800.00）")


def test_same_meaning_written_differently_is_no_change(years):
    old, new = years
    edit(new / "法律顾问费.yaml", "绩效指标:\n", "绩效指标:\n  数量指标:\n    聘请律师人数: '==1.00(人)'\n")
    edit(new / "党组工作经费.yaml", "    购买党建书籍: ≥60本", "    党建活动次数: '>=12次'\n    购买党建书籍: ≥60本")
    diff = compare(old, new, TEMPLATES)
    assert changes(diff, "法律顾问费") == [] and changes(diff, "党组工作经费") == []


def test_goals_categories_dates_and_moved_indicators(years):
    old, new = years
    spec = new / "法律顾问费.yaml"
    edit(spec, "项目类别: 经常性项目", "项目类别: 专项资金\n计划开始日期: 2025-03-01")
    edit(spec, "年度总体目标: 通过政府购买服务", "年度总体目标: 今年通过政府购买服务")
    edit(spec, "绩效指标:\n", "绩效指标:\n  社会效益指标:\n    纠纷解决率: =100%\n")  # from the category's 经济效益
    found = changes(compare(old, new, TEMPLATES), "法律顾问费")
    assert found[:2] == ["~ 项目类别: 经常性项目 → 专项资金", "~ 计划开始日期: 2024-01-01 → 2025-03-01"]
    assert found[2].startswith("~ 年度总体目标: 通过政府购买服务") and " → 今年通过政府购买服务" in found[2]
    assert found[3] == "~ 纠纷解决率 的位置: 效益指标/经济效益指标 → 效益指标/社会效益指标"


def test_projects_are_paired_by_file_then_by_name(years):
    old, new = years
    edit(new / "法律顾问费.yaml", "项目名称: 法律顾问费", "项目名称: 法律顾问服务费")
    (new / "党组工作经费.yaml").rename(new / "党建.yaml")
    (new / "残疾人就业保障金.yaml").unlink()
    write(new / "新项目.yaml", "项目名称: 新项目\n项目类别: 专项资金\n项目资金: 1万\n年度总体目标: x\n"
                             "绩效指标:\n  数量指标:\n    a: =1人\n")
    diff = compare(old, new, TEMPLATES)
    status = {(p.old.name if p.old else None, p.new.name if p.new else None): p.status for p in diff.folders[0].projects}
    assert status[("法律顾问费", "法律顾问服务费")] == "changed"
    assert status[("党组工作经费", "党组工作经费")] == "same"
    assert status[("残疾人就业保障金", None)] == "removed" and status[(None, "新项目")] == "added"
    lines = [line for _, line in report(diff)]
    assert "法律顾问费 → 法律顾问服务费（法律顾问费.yaml）" in lines
    assert "- 删除项目 残疾人就业保障金（残疾人就业保障金.yaml）：项目资金总额 148,200.00 元" in lines
    assert "+ 新增项目 新项目（新项目.yaml）：项目资金总额 10,000.00 元，4 个指标" in lines  # 1 + the form's 3 defaults


def test_unreadable_files_are_listed_and_the_rest_compared(years):
    old, new = years
    write(new / "坏的.yaml", "项目名称: [\n")
    write(new / "缺项.yaml", "项目名称: 缺项\n")
    diff = compare(old, new, TEMPLATES)
    unreadable = diff.folders[0].unreadable
    assert len(unreadable) == 2 and unreadable[0].startswith("2025/坏的.yaml:2 YAML 格式错误")
    assert unreadable[1].startswith("2025/缺项.yaml:1 ") and unreadable[1].endswith("（另有 3 处错误）")
    assert [p.status for p in diff.folders[0].projects] == ["same"] * 7
    assert report(diff)[-1] == ("", "项目资金总额合计：836,240.00 元（不变，不含未比较的文件）")


def test_a_format_one_year_lacks_is_reported_not_fatal(years):
    old, new = years
    edit(new / "部门.yaml", "格式: 2024目标表", "格式: 2031新表")
    diff = compare(old, new, TEMPLATES)
    assert len(diff.folders[0].unreadable) == 1 and "2031新表" in diff.folders[0].unreadable[0]
    assert {p.status for p in diff.folders[0].projects} == {"removed"}


def test_units_are_compared_folder_by_folder(years):
    old, new = years
    unit = new / "下属单位"
    unit.mkdir()
    shutil.copy(new / "部门.yaml", unit / "部门.yaml")
    shutil.copy(new / "法律顾问费.yaml", unit / "法律顾问费.yaml")
    diff = compare(old, new, TEMPLATES)
    assert [(f.relative, f.only_in) for f in diff.folders] == [(".", ""), ("下属单位", "new")]
    lines = [line for _, line in report(diff)]
    assert "== 下属单位（2024 没有）" in lines and "+ 新增项目 法律顾问费（法律顾问费.yaml）：项目资金总额 19,200.00 元，10 个指标" in lines


def test_change_text():
    assert str(Change("~", "项目类别", "a", "b")) == "~ 项目类别: a → b"
    assert str(Change("+", "x", new="1")) == "+ x: 1" and str(Change("-", "x", old="2")) == "- x: 2"
