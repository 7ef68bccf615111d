"""A unit table (a variant with `form: unit`: one table per unit) read by its labels into a unit spec.

The 投入管理 block is the variant's own (fixed_indicators) and is not read. 指标解释 and 评(扣)分标准
are imported only where they differ from what the variant's `explanations:` rules write, as the
smallest override: the 对象 alone when that makes the rule's wording match, else the text.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from ..explain import write as explain
from ..render.context import value_parts
from ..values import Quantity, parse_value
from ..variant import Variant
from . import indicators
from .common import Imported, TableError, UnreadableValue, amount, cell_norm, is_operator, numbered, parts_text, plain
from .labels import Fields, Form, Labels
from .project import amount_unit, header_row, require

BUDGET = ("预算总额", "财政拨款", "其他资金", "基本支出", "项目支出")
VALUES = {"单位名称", "财政拨款方式", "单位职责", "年度履职目标", "任务名称", "主要内容", *BUDGET, "年末在职人数", "内设机构数"}
REQUIRED = ("单位名称", "财政拨款方式", "单位职责", "年度履职目标", "财政拨款", "基本支出", "项目支出",
            "年末在职人数", "内设机构数")
SECTIONS = {"分解目标"}
NAME, OP, VALUE, UNIT = indicators.NAME, "方向", "指标值", "计量单位"
EXPLANATION, SCORING = "指标解释", "评分标准"
_SUBJECT = "\u2062"   # a character no table holds: stands for the 对象 while reading a rule's wording
_TOTAL = re.compile(r"[（(]\s*汇总\s*[)）]\s*$")


def _split(texts: list[str]) -> dict[str, str] | None:
    """三级 | 方向 | 指标值 | 计量单位 | 指标解释 | 评分标准 from the filled cells of a row, in order;
    a 定性 row has no 方向 and no 计量单位."""
    out = {NAME: texts[0]}
    rest = texts[1:]
    if rest and is_operator(rest[0]):
        if len(rest) < 2:
            return None
        out[OP], out[VALUE] = rest[0], rest[1]
        rest = rest[2:]
        if len(rest) == 3:
            out[UNIT] = rest.pop(0)
    elif rest:
        out[VALUE] = rest.pop(0)
    if len(rest) > 2:
        return None
    out.update(zip((EXPLANATION, SCORING), rest))
    return out


def _count(text: str, what: str) -> int:
    digits = re.sub(r"[人个\s]", "", unicodedata.normalize("NFKC", text or ""))
    if not digits.isdigit():
        raise TableError(f"「{what}」：「{text}」不是整数")
    return int(digits)


def _same(a: str, b: str) -> bool:
    return cell_norm(a) == cell_norm(b)


def overrides(variant: Variant, level1: str, level2: str, name: str, value: str,
              explanation: str, scoring: str) -> dict[str, str]:
    """The fewest keys (对象, 指标解释, 评分标准) that make the variant's rules word this indicator
    as the table does; {} when the rules already do."""
    parsed = parse_value(value)
    parts = value_parts(parsed, variant.values)
    probe = explain(variant.explanations, level1, level2, name, parsed, parts, _SUBJECT)
    subjects: list[str | None] = [None]
    for text, pattern in ((explanation, probe.explanation), (scoring, probe.scoring)):
        if _SUBJECT not in pattern:
            continue
        pieces = pattern.split(_SUBJECT)
        for prepare in (lambda s: s, cell_norm):
            first, *others = [re.escape(prepare(p)) for p in pieces]
            regex = "^" + first + "".join(("(?P<s>.+?)" if i == 0 else "(?P=s)") + piece
                                          for i, piece in enumerate(others)) + "$"
            match = re.match(regex, prepare(text))
            if match and match["s"] not in subjects:
                subjects.append(match["s"])
                break
    best: dict[str, str] | None = None
    for subject in subjects:
        written = explain(variant.explanations, level1, level2, name, parsed, parts, subject)
        keys: dict[str, str] = {"对象": subject} if subject else {}
        if not _same(written.explanation, explanation):
            keys["指标解释"] = explanation
        if not _same(written.scoring, scoring):
            keys["评分标准"] = scoring
        if best is None or (len(keys), sum(map(len, keys.values()))) < (len(best), sum(map(len, best.values()))):
            best = keys   # the fewest keys, then the shortest words: 对象 rather than a whole sentence
    return best or {}


def parse(form: Form, variant: Variant, labels: Labels) -> Imported:
    header = header_row(form, labels, variant)
    fields = Fields(form.rows[:header], labels, VALUES)
    require(fields, labels, REQUIRED)
    notes: list[str] = []

    def text(key: str) -> str:
        return fields.text(key) or ""

    name = text("单位名称")
    if not name:
        raise TableError(f"「{labels.spelled('单位名称')}」是空的")
    lists = variant.lists
    duties = numbered(text("单位职责"), lists.单位职责)
    task_names = numbered(text("任务名称"), lists.任务名称)
    contents = numbered(text("主要内容"), lists.主要内容)
    tasks = []
    for i, item in enumerate(contents):
        task = task_names[i] if i < len(task_names) else item.split("\n", 1)[0].strip()
        content = item[len(task):].strip() if item.startswith(task) else item.split("\n", 1)[-1].strip()
        tasks.append({"任务名称": task, "主要内容": content})
    if len(task_names) > len(contents):
        tasks += [{"任务名称": t, "主要内容": ""} for t in task_names[len(contents):]]

    unit = amount_unit(fields, "预算总额", variant)
    budget: dict[str, Decimal | None] = {}
    for key in BUDGET:
        try:
            budget[key] = amount(text(key), unit)
        except UnreadableValue as exc:
            raise TableError(f"「{labels.spelled(key)}」：{exc}") from None
    for key in ("财政拨款", "基本支出", "项目支出"):
        if budget[key] is None:
            raise TableError(f"「{labels.spelled(key)}」是空的")
    total = budget["财政拨款"] + (budget["其他资金"] or Decimal(0))
    spec_budget: dict[str, Decimal] = {"财政拨款": budget["财政拨款"]}
    if budget["其他资金"] is not None:
        spec_budget["其他资金"] = budget["其他资金"]
    spec_budget["基本支出"], spec_budget["项目支出"] = budget["基本支出"], budget["项目支出"]
    if budget["预算总额"] is not None and budget["预算总额"] != total:
        spec_budget["预算总额"] = budget["预算总额"]
        notes.append(f"预算总额 {plain(budget['预算总额'])} 元 ≠ 财政拨款 + 其他资金（{plain(total)} 元），请核对")
    if budget["基本支出"] + budget["项目支出"] != total:
        notes.append(f"基本支出 + 项目支出 ≠ 财政拨款 + 其他资金（{plain(total)} 元），请核对")

    read = indicators.read(form.rows, header, labels, variant, _split, (VALUE, OP), SECTIONS)
    notes.extend(read.notes)
    groups: dict[str, dict] = {}
    for ind in read.indicators:
        cells = ind.cells
        label = cells[NAME]
        if cells.get(indicators.EXTRA):
            notes.append(f"第 {ind.line} 行「{label}」有多余的单元格「{cells[indicators.EXTRA]}」，已忽略")
        if cells.get(OP):
            value = parts_text(cells[OP], cells.get(VALUE, ""), cells.get(UNIT, ""), variant)
            if value is None:
                value = f"{cells[OP]}{cells.get(VALUE, '')}{cells.get(UNIT, '')}"
                notes.append(f"指标「{label}」的 方向｜指标值｜计量单位「{cells[OP]}｜{cells.get(VALUE, '')}｜"
                             f"{cells.get(UNIT, '')}」无法原样重现，导入为「{value}」")
        else:
            value = cells.get(VALUE, "")
            if isinstance(parse_value(value), Quantity):
                notes.append(f"指标「{label}」的定性指标值「{value}」会被当作定量指标（拆成方向、指标值、计量单位）")
            if not value:
                notes.append(f"指标「{label}」没有指标值（原表此格为空），导入为空值，请补上")
        keys = overrides(variant, ind.level1, ind.level2, label, value,
                         cells.get(EXPLANATION, ""), cells.get(SCORING, ""))
        groups.setdefault(ind.level2, {})[label] = {"指标值": value, **keys} if keys else value
    if not groups:
        raise TableError("分解目标下没有读到任何指标")

    data: dict = {"单位名称": name, "财政拨款方式": text("财政拨款方式"), "单位职责": duties,
                  "年度履职目标": text("年度履职目标")}
    if tasks:
        data["年度重点任务"] = tasks
    data["预算"] = spec_budget
    data["年末在职人数"] = _count(text("年末在职人数"), labels.spelled("年末在职人数"))
    data["内设机构数"] = _count(text("内设机构数"), labels.spelled("内设机构数"))
    data["分解目标"] = groups
    year = form.year
    if year is None:
        raise TableError(f"找不到年度（标题下的「{variant.subtitle.format(年度='2024')}」）")
    department = (name, _TOTAL.sub("", name).strip() or name)   # 主管部门 (汇总) / 实施单位: the unit itself
    return Imported("unit", variant, name, year, department, data, form.rows, notes=notes)
