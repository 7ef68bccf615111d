from decimal import Decimal
from pathlib import Path

from generator import model
from generator.errors import Problems
from generator.expand import expand
from generator.source import parse
from generator.spec import DepartmentSpec, Loaded, ProjectSpec
from generator.variant import Variant

from conftest import TEMPLATES

DEPT = DepartmentSpec(主管部门="区征收中心(汇总)", 实施单位="区征收中心", 年度=2024, 格式="2024目标表")
VARIANT = Variant.load("2024目标表", TEMPLATES)


def build(text: str):
    problems = Problems()
    source = parse(text, Path("p.yaml"))
    loaded = Loaded(ProjectSpec.model_validate(source.data), source)
    return model.build(expand(loaded, DEPT), VARIANT, problems), [str(p) for p in problems.items]


BASE = "项目名称: X\n项目类别: 经常性项目\n年度总体目标: g\n"


def test_funds_are_computed_from_their_parts():
    project, problems = build(BASE + "项目资金: {财政资金: 874800, 其他资金: 35000}\n绩效指标: {数量指标: {a: =1人}}\n")
    assert not problems
    f = project.funds
    assert (f.total, f.fiscal, f.other, f.annual_total, f.current_year, f.carryover) == (
        Decimal(909800), Decimal(874800), Decimal(35000), Decimal(909800), Decimal(874800), None)


def test_contradicting_total_is_an_error_in_chinese():
    _, problems = build(BASE + "项目资金: {财政资金: 874800, 项目资金总额: 909800}\n绩效指标: {数量指标: {a: =1人}}\n")
    assert len(problems) == 1 and "项目资金.项目资金总额" in problems[0] and "矛盾" in problems[0]


def test_carryover_splits_the_annual_amount():
    project, _ = build(BASE + "项目资金: {财政资金: 100, 上年结转资金: 30}\n绩效指标: {数量指标: {a: =1人}}\n")
    assert project.funds.current_year == 70 and project.funds.annual_total == 100


def test_indicators_follow_the_framework_order_and_spans():
    project, problems = build(BASE + "项目资金: 1\n绩效指标:\n  服务对象满意度指标: {满意度: ≥90%}\n"
                              "  数量指标: {a: =1人, b: =2人}\n  经济成本指标: {成本: ≤1元}\n  质量指标: {c: 合格}\n")
    assert not problems
    assert [i.name for i in project.indicators] == ["成本", "a", "b", "c", "满意度"]
    rows = model.rows(project)
    assert [(r.new_level1, r.new_level2) for r in rows] == [(True, True), (True, True), (False, False),
                                                           (False, True), (True, True)]


def test_unknown_level2_and_duplicate_names():
    _, problems = build(BASE + "项目资金: 1\n绩效指标:\n  产出指标: {a: =1人}\n  数量指标: {b: =1人}\n  质量指标: {b: 合格}\n")
    assert any("「产出指标」是一级指标" in p for p in problems)
    assert any("重复" in p for p in problems)


def test_category_outside_the_variant_list():
    _, problems = build(BASE.replace("经常性项目", "阶段性项目") + "项目资金: 1\n绩效指标: {数量指标: {a: =1人}}\n")
    assert any("项目类别" in p and "专项资金" in p for p in problems)


def test_dates_default_to_the_budget_year():
    project, _ = build(BASE + "项目资金: 1\n绩效指标: {数量指标: {a: =1人}}\n")
    assert (str(project.start), str(project.end)) == ("2024-01-01", "2024-12-31")


def test_aliases_let_other_years_names_in():
    project, problems = build(BASE + "项目资金: 1\n绩效指标: {成本指标: {有效性: 有效}, 环境效益指标: {e: 改善}}\n")
    assert not problems
    assert [(i.level1, i.level2) for i in project.indicators] == [("成本指标", "经济成本指标"), ("效益指标", "生态效益指标")]


def test_an_indicator_met_before_is_placed_as_then():
    """model._indicators remembers an entry that resolved and read well (a district repeats them):
    the second project shares its Indicator (frozen), and a repeated name or a bad value is said
    the same way whether the entry was met before or not."""
    text = BASE + "项目资金: 1\n绩效指标:\n  数量指标: {a: =1人, b: ≥9O%}\n  质量指标: {a: 合格, c: 合格}\n"
    model._PLACED.clear()
    first, said_first = build(text)
    second, said_second = build(text.replace("项目名称: X", "项目名称: Y"))
    assert first is None and second is None  # b's value and the second a are errors
    assert said_first == said_second and any("重复" in p for p in said_first) and any("9O" in p for p in said_first)
    good = BASE + "项目资金: 1\n绩效指标:\n  数量指标: {a: =1人}\n  服务对象满意度指标: {满意度: ≥90%}\n"
    model._PLACED.clear()
    one, _ = build(good)
    model._PLACED.clear()
    fresh, _ = build(good)
    shared, _ = build(good)
    assert one == fresh == shared
    assert all(a is b for a, b in zip(fresh.indicators, shared.indicators))
    assert not any(a is b for a, b in zip(one.indicators, fresh.indicators))
