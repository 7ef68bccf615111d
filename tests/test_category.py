"""The category library: shipped categories, a department's own 类别/ folder, and their problems."""
from __future__ import annotations


import pytest

from generator.category import PACKAGE_CATEGORIES, Libraries, category_folders, load_folder
from generator.errors import Problems
from generator.spec import spec_files
from generator.variant import Variant

from conftest import EXAMPLES, TEMPLATES, write
from helpers import check, folder, indicators, messages, project

VARIANT = Variant.load("2024目标表", TEMPLATES)


def test_every_shipped_category_loads_and_resolves_in_the_2024_form():
    problems = Problems()
    categories = load_folder(PACKAGE_CATEGORIES, problems)
    assert not problems, [str(p) for p in problems.items]
    names = {c.name for c in categories}
    assert {"信息系统运维", "信息系统建设", "政府购买服务", "法律顾问", "党建经费", "残疾人就业保障金", "宣传",
            "接待出访"} <= names
    for category in categories:
        assert category.path.stem == category.name  # one file per category, named after it
        for group in category.indicators:
            assert VARIANT.resolve_level2(group), (category.name, group)


def test_the_seeds_two_system_upgrades_are_the_construction_category(tmp_path):
    """Seed 001's two 2022 升级改造 tables have the same indicators: the category reproduces them."""
    plans, problems = check(folder(tmp_path, {"p.yaml": project(body="类别: 系统升级改造\n")}))
    rows = [(g, n, v) for g, n, v, _ in indicators(plans)]
    assert ("质量指标", "系统正常运转率", "全年，7×24小时") in rows and ("社会效益指标", "平均月故障次数", "< 2次") in rows
    assert ("服务对象满意度指标", "系统用户满意度", "≥85%") in rows and len(rows) == 13  # 12 + the default cost cap


def test_a_department_folder_adds_and_replaces_categories_nearest_first(tmp_path):
    root = tmp_path / "部门"
    write(root / "类别" / "法律顾问.yaml", "绩效指标:\n  数量指标: {法律咨询次数: ≥24次}\n")
    write(root / "2024" / "类别" / "培训.yaml", "名称: 干部培训\n别名: [培训]\n绩效指标:\n  数量指标: {培训人次: ≥100人次}\n")
    specs = folder(root / "2024", {"a.yaml": project("甲", body="类别: 法律顾问\n"),
                                    "b.yaml": project("乙", body="类别: 培训\n")})
    plans, problems = check(specs)
    assert not messages(problems, warnings=False)
    a = indicators(plans, "甲")
    assert ("数量指标", "法律咨询次数", "≥24次", "类别:法律顾问") in a
    assert not any(n == "聘请律师人数" for _, n, _, _ in a)  # the shipped one is replaced, not merged
    assert ("数量指标", "培训人次", "≥100人次", "类别:干部培训") in indicators(plans, "乙")
    assert category_folders(specs)[:2] == [(root / "2024" / "类别").resolve(), (root / "类别").resolve()]
    assert category_folders(specs)[-1] == PACKAGE_CATEGORIES


def test_a_replaced_categorys_aliases_go_with_it(tmp_path):
    write(tmp_path / "类别" / "x.yaml", "名称: 法律顾问\n绩效指标:\n  数量指标: {a: =1人}\n")
    _, problems = check(folder(tmp_path, {"p.yaml": project(body="类别: 法律顾问费\n")}))
    assert any("没有类别「法律顾问费」" in e for e in messages(problems, warnings=False))


@pytest.mark.parametrize("text, line, message", [
    ("名称: 甲\n绩效指标:\n  数量指标: {a: =1人}\n说名: x\n", 4, "说名: 未知的键「说名」，是否想写「说明」？"),
    ("名称: 甲\n绩效指标:\n  数量指标:\n    a: [1, 2]\n", 4, "绩效指标.数量指标.a: 应为一段文字"),
    ("名称: 甲\n绩效指标:\n  数量指标:\n    \"{项目编号}完成率\": =100%\n", 4, "{项目编号} 无法填写"),
    ("名称: 甲\n绩效指标:\n  数量指标:\n    a: =1人\n  数量指表:\n    b: =1人\n", 5, "格式「2024目标表」没有二级指标「数量指表」"),
])
def test_a_broken_category_file_is_reported_at_its_own_line(tmp_path, text, line, message):
    category = write(tmp_path / "类别" / "甲.yaml", text)
    _, problems = check(folder(tmp_path, {"p.yaml": project(body="类别: 甲\n"), "q.yaml": project("乙", body="类别: 甲\n")}))
    errors = [e for e in messages(problems, warnings=False) if e.startswith(f"{category}:{line} ")]
    assert len(errors) == 1 and message in errors[0], messages(problems)  # once, though two projects use it


def test_two_categories_claiming_one_name_in_a_folder(tmp_path):
    write(tmp_path / "类别" / "a.yaml", "名称: 甲\n别名: [乙]\n")
    write(tmp_path / "类别" / "b.yaml", "名称: 丙\n别名: [乙]\n")
    problems = Problems()
    assert [c.name for c in load_folder(tmp_path / "类别", problems)] == ["甲"]
    assert "b.yaml:2 别名: 类别名「乙」已由 a.yaml 使用" in str(problems.items[0])


def test_each_category_folder_is_read_once_per_build(tmp_path):
    write(tmp_path / "类别" / "坏.yaml", "名称: [1]\n")
    libraries, problems = Libraries(), Problems()
    libraries.for_spec_folder(tmp_path / "a", problems)
    libraries.for_spec_folder(tmp_path / "b", problems)
    assert len(problems.items) == 1


def test_example_specs_are_shorter_for_using_categories():
    """The issue's bar: categories shorten the examples (the golden tests prove them exact)."""
    uses = [path.name for path in spec_files(EXAMPLES / "2024") if "\n类别:" in path.read_text(encoding="utf-8")]
    assert len(uses) == 5
    for path in spec_files(EXAMPLES / "2024"):
        lines = [l for l in path.read_text(encoding="utf-8").splitlines() if l.startswith("    ")]
        assert len(lines) <= 16, path.name  # indicator lines the author still types


def test_a_category_folder_is_read_once_per_content(tmp_path, monkeypatch):
    from generator import category

    folder = tmp_path / "类别"
    folder.mkdir()
    (folder / "a.yaml").write_text("名称: 甲\n绩效指标: {数量指标: {a: =1人}}\n", encoding="utf-8")
    (folder / "b.yaml").write_text("名称: 甲\n", encoding="utf-8")  # a clash: said every time
    reads = []
    original = category.load_file
    monkeypatch.setattr(category, "load_file", lambda *args: reads.append(args[0]) or original(*args))
    first, second = Problems(), Problems()
    assert [c.name for c in category.load_folder(folder, first)] == ["甲"]
    assert [c.name for c in category.load_folder(folder, second)] == ["甲"] and len(reads) == 2
    assert first.items == second.items and "已由" in first.items[0].message
    (folder / "a.yaml").write_text("名称: 甲\n绩效指标: {数量指标: {b: =2人}}\n", encoding="utf-8")
    assert list(category.load_folder(folder, Problems())[0].indicators["数量指标"]) == ["b"] and len(reads) == 4
