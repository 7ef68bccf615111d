"""Expansion: variant defaults, categories and the spec's own indicators, in that precedence."""
from __future__ import annotations

import re

import pytest
from generator.errors import VariantError
from generator.variant import Variant

from conftest import write
from helpers import check, folder, indicators, messages, project, variant_copy

COST, SUSTAIN, SATISFY = "经济成本指标", "可持续影响指标", "服务对象满意度指标"


def build(tmp_path, body: str, **head):
    plans, problems = check(folder(tmp_path, {"p.yaml": project(body=body, **head)}))
    return plans, problems


def test_every_project_gets_the_variant_defaults_with_its_name_and_budget(tmp_path):
    plans, problems = build(tmp_path, "绩效指标:\n  数量指标: {聘请律师人数: =1人}\n", name="法律顾问费", money="1.92万")
    assert messages(problems, warnings=False) == []
    assert indicators(plans) == [
        (COST, "法律顾问费成本预算控制数", "≤19200元", "default"),
        ("数量指标", "聘请律师人数", "=1人", "spec"),
        (SUSTAIN, "长效管理机制健全性", "建立健全", "default"),
        (SATISFY, "服务对象满意度", "≥90%", "default"),
    ]


def test_the_cost_default_is_the_annual_amount_in_exact_yuan(tmp_path):
    plans, _ = build(tmp_path, "绩效指标:\n  数量指标: {a: =1人}\n",
                     money="{财政资金: 874800.50, 其他资金: 35000, 上年结转资金: 800.50}")
    assert indicators(plans)[0][2] == "≤909800.5元"


def test_a_default_only_fills_a_level2_the_project_has_nothing_under(tmp_path):
    plans, _ = build(tmp_path, "绩效指标:\n  成本指标: {项目成本预算控制数: ≤19200元}\n  数量指标: {a: =1人}\n"
                               "  服务对象满意度指标: {使用方满意度: ≥95%}\n")
    # 成本指标 is the 2022 name of 经济成本指标: resolved first, so the default cap stays out
    assert [(g, n, o) for g, n, _, o in indicators(plans)] == [
        (COST, "项目成本预算控制数", "spec"), ("数量指标", "a", "spec"),
        (SUSTAIN, "长效管理机制健全性", "default"), (SATISFY, "使用方满意度", "spec")]


def test_a_default_whose_name_is_used_elsewhere_is_not_added_twice(tmp_path):
    plans, problems = build(tmp_path, "绩效指标:\n  数量指标: {a: =1人}\n  社会效益指标: {长效管理机制健全性: 建立健全}\n")
    assert not messages(problems, warnings=False)
    assert [n for _, n, _, _ in indicators(plans)].count("长效管理机制健全性") == 1


def test_category_indicators_are_replaced_in_place_and_added_to(tmp_path):
    plans, problems = build(tmp_path, "类别: 法律顾问\n绩效指标:\n"
                                      "  数量指标: {合同审核份数: ≥20份}\n"
                                      "  服务对象满意度指标: {单位内业务科室满意度: =100%}\n", name="法律顾问费")
    assert not messages(problems, warnings=False)
    rows = indicators(plans)
    assert rows[1:3] == [("数量指标", "聘请律师人数", "=1人", "类别:法律顾问"), ("数量指标", "合同审核份数", "≥20份", "spec")]
    assert rows[-1] == (SATISFY, "单位内业务科室满意度", "=100%", "spec")
    assert ("社会效益指标", "决策法制化完善情况", "完善", "类别:法律顾问") in rows
    assert rows[0][1] == "法律顾问费成本预算控制数"  # the category has no cost indicator: the default's
    assert not any(n == "服务对象满意度" for _, n, _, _ in rows)  # the category's 满意度 keeps the default out


def test_a_spec_indicator_of_an_inherited_name_under_another_level2_moves_it(tmp_path):
    plans, _ = build(tmp_path, "类别: 法律顾问\n绩效指标:\n  社会效益指标: {纠纷解决率: ≥95%}\n")
    rows = indicators(plans)
    assert ("社会效益指标", "纠纷解决率", "≥95%", "spec") in rows
    assert not any(g == "经济效益指标" and n == "纠纷解决率" for g, n, _, _ in rows)


def test_a_category_alias_and_several_categories_later_wins(tmp_path):
    root = tmp_path / "specs"
    write(root / "类别" / "扩展.yaml", "名称: 扩展\n绩效指标:\n  数量指标: {聘请律师人数: =2人, 律所数: =1家}\n")
    plans, problems = check(folder(root, {"p.yaml": project(body="类别: [法律顾问费, 扩展]\n")}))
    assert not messages(problems, warnings=False)
    rows = indicators(plans)
    assert ("数量指标", "聘请律师人数", "=2人", "类别:扩展") in rows and ("数量指标", "律所数", "=1家", "类别:扩展") in rows


@pytest.mark.parametrize("drop, gone", [
    ("[服务对象满意度指标]", {SATISFY}),
    ("满意度指标", {SATISFY}),
    ("[长效管理机制健全性, 经济成本指标]", {SUSTAIN, COST}),
    ("[单位内业务科室满意度]", set()),  # the category's own goes; the 二级 is empty, so the default fills it
])
def test_not_applicable_drops_inherited_indicators(tmp_path, drop, gone):
    plans, problems = build(tmp_path, f"类别: 法律顾问\n不适用: {drop}\n")
    assert not messages(problems, warnings=False)
    rows = indicators(plans)
    assert {g for g, _, _, _ in rows} & gone == set()
    assert "单位内业务科室满意度" not in drop or (SATISFY, "服务对象满意度", "≥90%", "default") in rows


def test_a_category_can_say_which_defaults_do_not_apply(tmp_path):
    plans, _ = build(tmp_path, "类别: 残保金\n", name="残疾人就业保障金", money="148200")
    groups = {g for g, _, _, _ in indicators(plans)}
    assert SATISFY not in groups and SUSTAIN not in groups
    assert ("经济成本指标", "残保金计提金额合理性", "=上年度工资总额的1.5%", "类别:残疾人就业保障金") in indicators(plans)


def test_wrong_not_applicable_entries_are_errors_with_their_line(tmp_path):
    _, problems = build(tmp_path, "类别: 法律顾问\n绩效指标:\n  数量指标: {自己的: =1人}\n"
                                  "不适用:\n  - 聘请律师人数x\n  - 自己的\n")
    errors = messages(problems, warnings=False)
    assert any(":9 不适用: 「聘请律师人数x」既不是继承来的指标" in e and "是否想写「聘请律师人数」" in e for e in errors)
    assert any(":10 不适用: 「自己的」是本文件自己写的指标" in e for e in errors)


def test_a_value_the_category_leaves_to_the_project_must_be_given(tmp_path):
    _, problems = build(tmp_path, "类别: 党建经费\n")
    assert [e.split(" ", 1)[1] for e in messages(problems, warnings=False)] == [
        "类别: 类别「党建经费」的指标「购买党建书籍」需要由项目给出指标值：请在 绩效指标.数量指标 下写上「购买党建书籍: …」，或把它写进 不适用"]
    plans, problems = build(tmp_path, "类别: 党建经费\n绩效指标:\n  数量指标: {购买党建书籍: ≥60本}\n")
    assert ("数量指标", "购买党建书籍", "≥60本", "spec") in indicators(plans)


def test_unknown_category_suggests_the_close_one(tmp_path):
    _, problems = build(tmp_path, "类别: 信息系统运位\n")
    [error] = messages(problems, warnings=False)
    assert ":5 类别: 没有类别「信息系统运位」。是否想写「信息系统运维」？" in error and "法律顾问" in error


def test_indicators_may_be_nested_under_their_level1(tmp_path):
    plans, problems = build(tmp_path, "绩效指标:\n  产出指标:\n    数量指标: {a: =1人}\n    时效指标: {b: 及时}\n"
                                      "  效益指标:\n    社会效益指标: {c: 提升}\n")
    assert not messages(problems, warnings=False)
    assert [n for _, n, _, _ in indicators(plans)][1:4] == ["a", "b", "c"]


@pytest.mark.parametrize("body, line, message", [
    ("  效益指标:\n    数量指标: {a: =1人}\n", 7, "绩效指标.效益指标.数量指标: 二级指标「数量指标」不属于一级指标「效益指标」，应写在「产出指标」下"),
    ("  产出指标: {a: =1人}\n", 6, "绩效指标.产出指标: 「产出指标」是一级指标，请写它下面的二级指标：数量指标、质量指标、时效指标"),
    ("  产出指表:\n    数量指标: {a: =1人}\n", 6, "绩效指标.产出指表: 「产出指表」不是格式「2024目标表」的一级指标，是否想写「产出指标」？"),
    ("  产出指标:\n    数量指标: {a: =1人}\n    b: 及时\n", 8, "绩效指标.产出指标.b: 一级指标「产出指标」下应写二级指标"),
    ("  数量指标:\n    a: =1人\n    b: {c: 1}\n", 8, "绩效指标.数量指标.b: 「数量指标」下应为「三级指标: 指标值」"),
    ("  数量指表: {a: =1人}\n", 6, "绩效指标.数量指表: 格式「2024目标表」没有二级指标「数量指表」；是否想写「数量指标」？"),
])
def test_wrong_levels_are_errors_with_their_line(tmp_path, body, line, message):
    _, problems = build(tmp_path, "绩效指标:\n" + body)
    errors = messages(problems, warnings=False)
    assert any(f"p.yaml:{line} {message}" in e for e in errors), errors


def variant_with(tmp_path, change) -> Variant:
    return Variant(variant_copy(tmp_path, change))


def test_a_variant_without_defaults_adds_none(tmp_path):
    variant_with(tmp_path, lambda s: s.pop("defaults"))
    root = folder(tmp_path / "specs", {"p.yaml": project(body="绩效指标:\n  数量指标: {a: =1人}\n")},
                  department="主管部门: A\n实施单位: B\n年度: 2024\n格式: 测试格式\n")
    plans, problems = check(root, tmp_path / "templates")
    assert [n for _, n, _, _ in indicators(plans)] == ["a"]


@pytest.mark.parametrize("defaults, message", [
    ({"数量指表": {"a": "=1人"}}, "不是本格式的二级指标"),
    ({"数量指标": "a"}, "defaults.数量指标: 应为「键: 值」的映射"),
    ({"数量指标": {"{项目编号}完成率": "=100%"}}, "{项目编号} 无法填写"),
])
def test_broken_variant_defaults_are_said(tmp_path, defaults, message):
    with pytest.raises(VariantError, match=re.escape(message)):
        variant_with(tmp_path, lambda s: s.update(defaults=defaults))


def test_an_empty_level2_under_a_level1_is_an_error(tmp_path):
    _, problems = build(tmp_path, "绩效指标:\n  产出指标:\n    数量指标: {}\n    质量指标: {a: 合格}\n")
    assert any(":7 绩效指标.产出指标.数量指标: 「数量指标」下没有指标" in e for e in messages(problems, warnings=False))


def test_not_applicable_may_give_reasons(tmp_path):
    plans, problems = build(tmp_path, "绩效指标:\n  数量指标: {a: =1人}\n  社会效益指标: {b: 提升}\n"
                                      "不适用:\n  服务对象满意度指标: 法定缴费，没有服务对象\n")
    assert messages(problems) == [] and SATISFY not in {g for g, _, _, _ in indicators(plans)}


def test_a_category_flattened_once_gives_what_flattening_it_for_each_project_gives(tmp_path, monkeypatch):
    """Categories are flattened once per variant in a process (expand._category_entries), their
    entries made once per line of 类别 where nothing is filled, the defaults' entries and the 二级
    keys once per variant settings (expand._of_settings): the entries, their lines and files, the
    filled placeholders and the category's own mistakes, said in each folder that uses it, are
    those of flattening and making them again for every project."""
    from generator import expand
    from generator.build import plan_folder
    from generator.errors import Problems

    from conftest import TEMPLATES

    root = tmp_path / "specs"
    write(root / "类别" / "扩展.yaml", "名称: 扩展\n绩效指标:\n  数量指标:\n    「{项目名称}」律师数: =2人\n"
                                       "    律所数: ≤{预算}元\n  产出指标:\n    质量指标: {a: 及时}\n"
                                       "  社会效益指标:\n    c: '{{不是占位符}}'\n")
    write(root / "类别" / "坏.yaml", "绩效指标:\n  没有这个一级:\n    时效指标: {b: 及时}\n")
    for department in ("甲", "乙"):
        folder(root / department, {f"p{i}.yaml": project(name=f"项目{i}", money=f"{i}0000",
                                                          body=f"{chr(10) * i}类别: [法律顾问, {'坏' if i == 2 else '扩展'}]\n")
                                   for i in range(3)})

    def outcome():
        said, entries = [], []
        for department in ("甲", "乙"):
            problems = Problems()
            item = plan_folder(root / department, tmp_path / "out", TEMPLATES, problems)
            said.append([str(p) for p in problems.items])
            entries.append([[(e.group, e.name, e.value, e.origin, e.line, e.spec_line, e.group_line, e.file)
                             for e in expanded.indicators] for expanded in item.expanded])
        return said, entries

    cached = outcome()
    assert expand._CATEGORY_ENTRIES
    real = expand._category_entries

    def fresh(category, variant):
        expand._CATEGORY_ENTRIES.clear()
        expand._SETTINGS.clear()
        return real(category, variant)

    monkeypatch.setattr(expand, "_category_entries", fresh)
    assert outcome() == cached
    said, entries = cached
    assert [sum("没有这个一级" in p for p in problems) for problems in said] == [1, 1]  # in each folder
    assert [len(projects) for projects in entries] == [2, 2]
    assert ("数量指标", "「项目1」律师数", "=2人") in [e[:3] for e in entries[0][1]]
    assert ("数量指标", "律所数", "≤10000元") in [e[:3] for e in entries[0][1]]
    assert ("社会效益指标", "c", "{不是占位符}") in [e[:3] for e in entries[0][1]]
    assert any(e[3] == "default" for e in entries[0][1])  # the variant's defaults were made too
