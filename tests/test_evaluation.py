"""The 自评表 and 监控表 of the 2024 examples: golden cells, read back from Word and Excel, and every
printed rate, score and total recomputed from the printed cells under the department's rule set."""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import docx
import openpyxl
import pytest

from generator import rules as rules_module
from generator.build import build
from generator.errors import Problems
from generator.values import Phrase, parse_value

from conftest import EXAMPLES, TEMPLATES, copy_specs, write


def sheet_rows(path: Path) -> list[list[str]]:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def word_rows(path: Path) -> list[list[str]]:
    """The Word table as the Excel sheet has it: a merged cell's text once, at its first cell."""
    table = docx.Document(str(path)).tables[0]
    out = []
    for r, row in enumerate(table.rows):
        cells, seen = [], set()
        for cell in row.cells:
            first = id(cell._tc) not in seen and not (r and any(cell._tc is above._tc
                                                               for above in table.rows[r - 1].cells))
            seen.add(id(cell._tc))
            cells.append(cell.text if first else "")
        out.append(cells)
    return out


def same_cells(word: list[list[str]], sheet: list[list[str]], columns: int) -> bool:
    """The Word table and the sheet agree cell for cell, but for a merged label one of them restates
    at the top of a new page."""
    assert len(word) == len(sheet)
    for w, x in zip(word, sheet):
        for col, (a, b) in enumerate(zip(w, x[:columns])):
            assert a == b or (col < 3 and "" in (a, b)), (col, w, x)
    return True


def number(text: str) -> Decimal:
    return Decimal(text.replace(",", "").removesuffix("%"))


def rounded(value: Decimal, decimals: int = 2) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def band_share(bands, rate: Decimal) -> Decimal:
    return next(b.share for b in bands if rate >= b.min)


def recompute(rows: list[list[str]], rules: rules_module.RuleSet) -> int:
    """Check every figure of a printed 自评表 against the rule set; returns how many scores were checked."""
    title_rows = 2  # the sheet's title and subtitle
    head = next(i for i, row in enumerate(rows) if row[3] == "年初预算数")
    total = rows[head + 1]
    planned, budget, spent, points, rate, score = total[3:9]
    expected_rate = rounded(number(spent) / number(budget) * 100, rules.execution.rate_decimals)
    assert number(rate) == expected_rate
    share = (band_share(rules.execution.bands, min(expected_rate, Decimal(100))) if rules.execution.scoring == "bands"
             else min(expected_rate, Decimal(100)))
    assert number(score) == rounded(rules.execution.points * share / 100, rules.decimals)
    printed_points, printed_scores = [number(points)], [number(score)]
    start = next(i for i, row in enumerate(rows) if row[1] == "一级指标") + 1
    level1 = ""
    checked = 1
    lower = rules.quantitative.lower_is_better
    for row in rows[start:]:
        if row[0].startswith("总分"):
            assert number(row[6]) == sum(printed_points) == 100
            assert number(row[7]) == sum(printed_scores)
            grade = next(g.grade for g in rules.grades if number(row[7]) >= g.min)
            assert row[8].endswith(grade)
            return checked
        level1 = row[1] or level1
        name, target_text, actual_text, points_text, score_text = row[3], row[4], row[5], row[6], row[7]
        points, score = number(points_text), number(score_text)
        printed_points.append(points)
        printed_scores.append(score)
        target = parse_value(target_text)
        if isinstance(target, Phrase):
            band = actual_text if actual_text in rules.qualitative else re.search(r"（(.+?)）$", actual_text)[1]
            expected = points * rules.qualitative[band].point / 100
        else:
            actual = parse_value(actual_text).number
            goal = target.number
            is_lower = target.op in lower.operators or any(part in name for part in lower.names)
            met = actual <= goal if is_lower else actual >= goal
            ratio = (goal / actual if actual else Decimal(1)) if is_lower else (actual / goal if goal else Decimal(1))
            if rules.satisfaction and level1 == rules.satisfaction.level1 and not is_lower:
                expected = points * band_share(rules.satisfaction.bands, actual) / 100
            elif met:
                expected = points
            elif rules.quantitative.pass_mark is None:
                expected = points * ratio
            else:
                mark = rules.quantitative.pass_mark / 100
                expected = 0 if ratio < mark else points * (ratio - mark) / (1 - mark)
        assert score == rounded(expected, rules.decimals), (name, actual_text, points_text, score_text)
        checked += 1
    raise AssertionError(f"no 总分 row after row {title_rows}")


def ruleset(name: str) -> rules_module.RuleSet:
    found = rules_module.load(name, EXAMPLES / "2024", Problems(), (Path("部门.yaml"), 1, ""))
    assert found is not None
    return found


def evaluations(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.自评.xlsx") if not p.name.startswith("汇总"))


def test_the_examples_self_evaluations_in_word_and_excel(built_examples):
    folder = built_examples / "2024"
    rows = sheet_rows(folder / "党组工作经费.自评.xlsx")
    assert rows[0][0] == "项目支出绩效自评表" and rows[1][0] == "（2024年度）"
    assert rows[4][:9] == ["项目资金（元）", "", "", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"]
    assert rows[5][1:9] == ["年度资金总额", "", "10,000.00", "10,000.00", "8,650.00", "10.00", "86.50%", "8.65"]
    assert rows[6][1:9] == ["其中：当年财政拨款", "", "10,000.00", "10,000.00", "8,650.00", "—", "86.50%", "—"]
    assert rows[7][1:9] == ["上年结转资金", "", "-", "-", "-", "—", "—", "—"]
    header = next(row for row in rows if row[1] == "一级指标")
    assert header[1:] == ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"]
    missed = next(row for row in rows if row[3] == "党建活动次数")
    assert missed[4:] == ["≥12.00(次)", "10次", "5.00", "4.17",
                          "第三季度两次活动因防汛任务合并举办；来年按季度排定活动计划，预留调整档期"]
    assert rows[-2][0] == "总分" and rows[-2][6:] == ["100.00", "97.82", "等级：优"]
    assert rows[-1][0].startswith("说明：按财预〔2020〕10号评分；得分四舍五入保留2位小数")
    # the Word table holds the same cells (its title is above the table, not in it; a merged 一级 is
    # said again at the top of a new page)
    assert same_cells(word_rows(folder / "党组工作经费.自评.docx"), rows[2:], 9)
    sheet = openpyxl.load_workbook(folder / "党组工作经费.自评.xlsx").worksheets[0]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    # 项目资金 over its rows; 产出指标 and its 数量指标 down (a merge restarts on a new page)
    assert {"A5:A9", "C14:C16"} <= merged and any(r.startswith("B14:B") for r in merged)


def test_one_of_each_case_in_the_examples(built_examples):
    cells = {path.name: sheet_rows(path) for path in evaluations(built_examples / "2024")}
    text = "\n".join("|".join(row) for rows in cells.values() for row in rows)
    assert "（部分达成）" in text and "（未达成）" in text and "|达成|" in text  # every qualitative band
    rates = [number(rows[5][7]) for rows in cells.values()]
    assert min(rates) < 80  # a spending rate under 80 %
    scores = [(row[6], row[7]) for rows in cells.values() for row in rows if re.fullmatch(r"\d+\.\d\d", row[7] or "x")]
    assert any(points != score for points, score in scores)  # a missed target


@pytest.mark.parametrize("name", ["财预〔2020〕10号", "财预〔2021〕101号", "执行率线性"])
def test_every_printed_score_recomputes_from_the_printed_cells(tmp_path, name, built_examples):
    if name == rules_module.DEFAULT:
        folder = built_examples / "2024"
    else:
        specs = copy_specs(EXAMPLES / "2024", tmp_path / "2024", facts=True)
        department = specs / "部门.yaml"
        write(department, department.read_text(encoding="utf-8") + f"评分规则: {name}\n")
        build(specs, tmp_path / "out", TEMPLATES)
        folder = tmp_path / "out" / "2024"
    rules = ruleset(name)
    paths = evaluations(folder)
    assert len(paths) == 7
    assert sum(recompute(sheet_rows(path), rules) for path in paths) > 80
    overview = {line[1]: line for line in sheet_rows(folder / "汇总.自评.xlsx")[2:] if line[0] != "合计"}
    assert len(overview) == 7
    for path in paths:  # the 汇总 lists each table's 执行率, 总分 and 等级
        rows = sheet_rows(path)
        line = overview[rows[2][1]]
        assert Decimal(line[5]) == number(rows[5][7]) and Decimal(line[6]) == number(rows[-2][7])
        assert line[7] == rows[-2][8][-1]


def test_the_monitoring_table(built_examples):
    rows = sheet_rows(built_examples / "2024" / "法律顾问费.监控.xlsx")
    assert rows[0][0] == "绩效运行监控表" and rows[1][0] == "（2024年度 1–7月）"
    assert rows[5][1] == "年度资金总额" and [rows[5][4], rows[5][6], rows[5][7], rows[5][8]] == [
        "19,200.00", "11,200.00", "58.33%", "19,200.00"]
    assert number(rows[5][7]) == rounded(Decimal(11200) / Decimal(19200) * 100)
    header = next(row for row in rows if row[1] == "一级指标")
    assert header[1:] == ["一级指标", "二级指标", "三级指标", "年度指标值", "1–7月执行情况", "全年预计完成情况", "偏差原因分析",
                          "完成目标可能性", "备注（纠偏措施）"]
    late = next(row for row in rows if row[3] == "法律服务及时性")
    assert late[4:] == ["=100.00(%)", "92%", "100%", "人员保障：6 月律所更换经办律师，两次咨询回复超过约定时限", "有可能",
                        "与律所约定回复时限并每月通报"]
    assert same_cells(word_rows(built_examples / "2024" / "法律顾问费.监控.docx"), rows[2:], 10)


def test_score_prints_the_departments_scores(tmp_path):
    from typer.testing import CliRunner

    from generator.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["score", str(EXAMPLES / "2024"), "--templates", str(TEMPLATES)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "评分规则：财预〔2020〕10号" in result.output
    line = next(l for l in result.output.splitlines() if "党组工作经费" in l)
    assert "10,000.00" in line and "8,650.00" in line and "86.50%" in line and "97.82" in line and "优" in line
    assert "817,640.00" in result.output and "97.78%" in result.output  # the folder's own rate
    assert "指标名含有同一目录中另一个项目" not in result.output  # the targets' warnings are check's
    empty = runner.invoke(app, ["score", str(copy_specs(EXAMPLES / "2024", tmp_path / "specs")),
                                "--templates", str(TEMPLATES)])
    assert empty.exit_code == 0 and "没有自评执行情况文件" in empty.output
    broken = copy_specs(EXAMPLES / "2024", tmp_path / "broken", facts=True)
    write(broken / "法律顾问费.自评.yaml", "项目资金: 19200\n绩效指标:\n  聘请律师数: 1人\n")
    failed = runner.invoke(app, ["score", str(broken), "--templates", str(TEMPLATES)])
    assert failed.exit_code == 1 and "法律顾问费.自评.yaml:3 绩效指标.聘请律师数:" in failed.output
