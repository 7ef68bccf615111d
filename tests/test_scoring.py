"""Scoring under the shipped rule sets: points, scores, rounding, grades (properties and cases)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import rules as rules_module
from generator import scoring
from generator.errors import Problems
from generator.model import Indicator
from generator.values import parse_value

from conftest import EXAMPLES

RULESETS = sorted(p.stem for p in rules_module.PACKAGE_RULESETS.glob("*.yaml"))
LEVEL1 = ["成本指标", "产出指标", "效益指标", "满意度指标"]


def ruleset(name: str) -> rules_module.RuleSet:
    problems = Problems()
    found = rules_module.load(name, EXAMPLES / "2024", problems, (Path("部门.yaml"), 1, "评分规则"))
    assert found is not None and not problems, [str(p) for p in problems.items]
    return found


def indicator(level1: str, name: str, value: str) -> Indicator:
    return Indicator(level1, "二级", name, parse_value(value))


def test_the_shipped_rule_sets_load():
    assert set(RULESETS) == {"财预〔2020〕10号", "财预〔2021〕101号", "执行率线性"}
    assert rules_module.DEFAULT in RULESETS


# a project: at least one 产出 and 效益 indicator (the validator requires both), maybe 成本 and 满意度
projects = st.tuples(
    st.integers(0, 3), st.integers(1, 9), st.integers(1, 9), st.integers(0, 3),
).map(lambda counts: [indicator(level1, f"{level1}{i}", "=100%")
                      for level1, n in zip(LEVEL1, counts) for i in range(n)])


@settings(max_examples=60, deadline=None)
@given(projects, st.sampled_from(RULESETS))
def test_points_add_up_to_100_with_the_execution_rate(indicators, name):
    rules = ruleset(name)
    points = scoring.indicator_points(indicators, rules, {})
    assert sum(points) + rules.execution.points == 100
    assert all(p >= 0 and p == scoring.rounded(p, rules.decimals) for p in points)
    # an even split: within a 一级 group no two differ by more than one hundredth
    for group in {scoring.group_of(ind.level1, rules) for ind in indicators}:
        mine = [p for p, ind in zip(points, indicators) if scoring.group_of(ind.level1, rules) == group]
        assert max(mine) - min(mine) <= scoring.quantum(rules.decimals)


numbers = st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(RULESETS), st.sampled_from(["≥", "≤", "="]), numbers, numbers,
       st.decimals(min_value=Decimal("0.01"), max_value=50, places=2), st.sampled_from(LEVEL1),
       st.sampled_from(["完成数", "投诉数", "满意度"]))
def test_a_quantitative_score_is_within_its_points(name, op, target, actual, points, level1, what):
    rules = ruleset(name)
    ind = indicator(level1, what, f"{op}{target}%")
    result = scoring.score_quantitative(ind, parse_value(f"{actual}%"), points, rules)
    assert 0 <= result.score <= points
    assert result.score == scoring.rounded(result.score, rules.decimals)
    if result.met and not (rules.satisfaction and level1 == rules.satisfaction.level1):
        assert result.score == points


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(RULESETS), numbers, st.decimals(min_value=0, max_value=2000, places=2))
def test_the_execution_score_is_within_its_points(name, spent, budget):
    rules = ruleset(name)
    rate = scoring.execution_rate(spent, budget, rules)
    score = scoring.execution_score(rate, False, rules)
    assert 0 <= score <= rules.execution.points


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(RULESETS), st.lists(st.decimals(min_value=0, max_value=10, places=2), max_size=30))
def test_the_total_is_the_sum_of_the_printed_scores_and_has_a_grade(name, scores):
    rules = ruleset(name)
    total = scoring.total(scores)
    assert total == sum(scores, Decimal(0))
    assert scoring.grade(total, rules) in {g.grade for g in rules.grades}


def test_ten_hao_scores_a_missed_target_in_proportion_and_lower_is_better_inverted():
    rules = ruleset("财预〔2020〕10号")
    count = indicator("产出指标", "党建活动次数", "≥12次")
    assert scoring.score_quantitative(count, parse_value("10次"), Decimal(5), rules).score == Decimal("4.17")
    days = indicator("产出指标", "整改及时性", "≤30天")
    assert scoring.score_quantitative(days, parse_value("36天"), Decimal("3.85"), rules).score == Decimal("3.21")
    complaints = indicator("效益指标", "投诉数", "=0起")  # lower is better by name, target 0: all or nothing
    assert scoring.score_quantitative(complaints, parse_value("0起"), Decimal(5), rules).score == 5
    assert scoring.score_quantitative(complaints, parse_value("2起"), Decimal(5), rules).score == 0


def test_101_hao_has_a_pass_mark_and_bands():
    rules = ruleset("财预〔2021〕101号")
    count = indicator("产出指标", "完成数", "≥100次")
    assert scoring.score_quantitative(count, parse_value("59次"), Decimal(10), rules).score == 0
    assert scoring.score_quantitative(count, parse_value("80次"), Decimal(10), rules).score == 5
    happy = indicator("满意度指标", "满意度", "≥95%")
    assert scoring.score_quantitative(happy, parse_value("85%"), Decimal(10), rules).score == 8
    assert scoring.execution_score(Decimal("86.19"), False, rules) == 7
    assert scoring.execution_score(Decimal("86.19"), True, rules) == 10  # done within budget
    assert scoring.execution_score(Decimal("59.99"), False, rules) == 0


def test_putuo_scores_the_execution_rate_linearly():
    rules = ruleset("执行率线性")
    rate = scoring.execution_rate(Decimal("86190"), Decimal("100000"), rules)
    assert rate == Decimal("86.19") and scoring.execution_score(rate, False, rules) == Decimal("8.62")


def test_weights_follow_the_rule_set_with_and_without_cost_and_satisfaction():
    with_cost = [indicator(l1, l1, "=1人") for l1 in LEVEL1]
    no_satisfaction = with_cost[:3]
    ten = ruleset("财预〔2020〕10号")
    # 10号: 成本 shares 产出's 50; without 满意度 its 10 go to 效益
    assert scoring.indicator_points(with_cost, ten, {}) == [25, 25, 30, 10]
    assert scoring.indicator_points(no_satisfaction, ten, {}) == [25, 25, 40]
    hundred_one = ruleset("财预〔2021〕101号")
    assert scoring.indicator_points(with_cost, hundred_one, {}) == [20, 40, 20, 10]
    assert scoring.indicator_points(with_cost[1:], hundred_one, {}) == [50, 30, 10]


def test_spec_points_override_the_split_and_must_add_up():
    ten = ruleset("财预〔2020〕10号")
    inds = [indicator("产出指标", f"产出{i}", "=1人") for i in range(3)] + [indicator("效益指标", "效益", "好"),
                                                                          indicator("满意度指标", "满意度", "≥90%")]
    assert scoring.indicator_points(inds, ten, {"产出0": Decimal(30)}) == [30, 10, 10, 30, 10]
    assert scoring.indicator_points(inds, ten, {"产出指标": Decimal(40), "效益指标": Decimal(40)}) == [
        Decimal("13.34"), Decimal("13.33"), Decimal("13.33"), 40, 10]
    with pytest.raises(scoring.PointsError, match="合计 60 分，而该一级指标共 50 分"):
        scoring.indicator_points(inds, ten, {"产出0": Decimal(60)})
    with pytest.raises(scoring.PointsError, match="应为 100 分") as info:
        scoring.indicator_points(inds, ten, {"产出指标": Decimal(40)})
    assert info.value.key == "产出指标"
    with pytest.raises(scoring.PointsError, match="既不是本项目的三级指标"):
        scoring.indicator_points(inds, ten, {"没有的": Decimal(1)})


def test_qualitative_bands_and_claimed_shares():
    rules = ruleset("财预〔2020〕10号")
    assert [scoring.score_qualitative(b, None, Decimal(10), rules).score for b in rules.bands] == [10, 7, 0]
    assert scoring.score_qualitative("部分达成", Decimal(65), Decimal(10), rules).score == Decimal("6.5")
    assert scoring.share_problem("部分达成", Decimal(80), rules)  # 80 belongs to 达成
    assert scoring.share_problem("达成", Decimal(100), rules) is None


def test_a_broken_rule_set_is_reported_with_its_line(tmp_path):
    folder = tmp_path / "specs"
    (folder / rules_module.RULESET_FOLDER).mkdir(parents=True)
    source = (rules_module.PACKAGE_RULESETS / "财预〔2020〕10号.yaml").read_text(encoding="utf-8")
    (folder / rules_module.RULESET_FOLDER / "本局.yaml").write_text(
        source.replace("points: {产出指标: 50", "points: {产出指标: 40").replace("decimals: 2", "decimal: 2"),
        encoding="utf-8")
    problems = Problems()
    assert rules_module.load("本局", folder, problems, (folder / "部门.yaml", 5, "评分规则")) is None
    text = [str(p) for p in problems.items]
    assert any("本局.yaml:" in t and "未知的键「decimal」，是否想写「decimals」？" in t for t in text), text
    problems = Problems()
    rules_module.load("本局规则", folder, problems, (folder / "部门.yaml", 5, "评分规则"))
    assert "没有评分规则「本局规则」，是否想写「本局」？" in str(problems.items[0])
