"""A project table (a variant with `form: project`) read by its labels into a project spec."""
from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

from ..render.context import checkboxes
from ..spec import ProjectSpec
from ..values import Quantity, parse_value
from ..variant import Variant
from . import indicators
from .common import AMOUNT_UNITS, Imported, TableError, UnreadableValue, amount, cell_norm, date, plain, \
    printed_step, recover, value_text
from .labels import Fields, Form, Labels, norm

FUNDS = ("项目资金总额", "财政资金", "其他资金", "年度资金申请总额", "当年财政拨款", "上年结转资金", "年度其他资金")
VALUES = {"项目名称", "项目类别", "主管部门", "实施单位", "计划开始日期", "计划完成日期", *FUNDS, "项目总目标", "年度总体目标"}
REQUIRED = ("项目名称", "项目类别", "主管部门", "实施单位", "年度总体目标")
AMOUNTS_SECTION = "项目资金"        # its label's bracket names the unit: 项目资金 (万元)
YEARS = "总目标年限"                # the form's own `(年 - 年)`, printed before the 项目总目标
SECTIONS = {"绩效指标"}             # a label down the side of the indicator rows
VALUE = "指标值"
_TICKED = {"☑", "☒", "■", "√", "✓", "✔"}


def header_row(form: Form, labels: Labels, variant: Variant) -> int:
    """The row of the indicator header (三级指标 and 指标值 labels), or a TableError naming them."""
    for r, row in enumerate(form.rows):
        keys = {k for t in row.texts if (hit := labels.match(t)) for k in hit[0]}
        if {indicators.NAME, VALUE} <= keys:
            return r
    missing = variant.labels.get(VALUE, VALUE)
    raise TableError(f"找不到绩效指标的表头「{variant.labels.get(indicators.NAME, indicators.NAME)}」「{missing}」")


def has_header(form: Form, labels: Labels) -> bool:
    """Whether a table has an indicator header at all (an overview of projects has not)."""
    return any({indicators.NAME, VALUE} <= {k for t in row.texts if (hit := labels.match(t)) for k in hit[0]}
               for row in form.rows)


def require(fields: Fields, labels: Labels, keys) -> None:
    missing = [k for k in keys if not fields.has(k)]
    if missing:
        raise TableError("找不到" + "、".join(f"「{labels.spelled(k)}」" for k in missing))


def amount_unit(fields: Fields, section: str, variant: Variant) -> str:
    """万元 or 元, from the labels' brackets (项目资金 (万元)); the variant's unit if none says."""
    first = fields.qualifier(section)
    said = [q for q in [first, *fields.qualifiers()] if q in AMOUNT_UNITS]
    return said[0] if said else variant.amounts.unit


def category(text: str, variant: Variant, values=None) -> str | None:
    """A classification (项目类别 unless `values` say another) from its cell: one of its values,
    or the row of checkboxes with one ticked."""
    values = variant.categories if values is None else list(values)
    cell = cell_norm(text)
    for name in values:
        if cell_norm(name) == cell or cell_norm(checkboxes(name, variant, values)) == cell:
            return name
    ticked = _TICKED | {cell_norm(variant.checkbox.checked)}
    places = sorted((cell.find(cell_norm(n)), n) for n in values if cell_norm(n) in cell)
    boxes = ticked | {"☐", "□", cell_norm(variant.checkbox.unchecked)}
    if cell[:1] in boxes or cell[-1:] in boxes:     # the cell shows which side its boxes are on
        box_first = cell[:1] in boxes
    else:
        box_first = variant.checkbox.item.find("{box}") < variant.checkbox.item.find("{name}")
    chosen = []
    for i, (start, name) in enumerate(places):
        if box_first:
            segment = cell[places[i - 1][0] + len(cell_norm(places[i - 1][1])) if i else 0:start]
        else:
            segment = cell[start + len(cell_norm(name)): places[i + 1][0] if i + 1 < len(places) else len(cell)]
        if any(mark in segment for mark in ticked):
            chosen.append(name)
    return chosen[0] if len(chosen) == 1 else None


def strip_years(text: str, labels: Labels) -> str:
    """The 项目总目标 without the form's `(年 - 年)` (or `(2022年-2022年)`) printed before it."""
    for spelling in labels.spellings.get(YEARS, []):
        pieces = []
        for ch in norm(spelling):
            pieces.append({"(": "[(（]", ")": "[)）]", "-": "[-－—–~～至]", "年": r"\d*\s*年"}.get(ch, re.escape(ch)))
        match = re.match(r"\s*" + r"\s*".join(pieces) + r"\s*", text)
        if match:
            return text[match.end():].strip()
    return text.strip()


def annual_goal_key(variant: Variant) -> str:
    """The spec key for 年度总体目标 in the form's own words (年度总目标 in forms that say so)."""
    choices = ProjectSpec.model_fields["年度总体目标"].validation_alias.choices
    label = variant.labels.get("年度总体目标", "")
    return label if label in choices else "年度总体目标"


def _split(texts: list[str]) -> dict[str, str]:
    if len(texts) == 1:
        return {indicators.NAME: texts[0]}
    out = {indicators.NAME: texts[0], VALUE: texts[-1]}
    if len(texts) > 2:
        out[indicators.EXTRA] = "｜".join(texts[1:-1])
    return out


def style_of(form: Form, header: int, fields: Fields, variant: Variant) -> Variant:
    """The variant as the table prints, of its own style or one of its `styles`: the one whose
    项目资金 block has the table's rows and prints most of its amounts and values the same again."""
    unit = amount_unit(fields, AMOUNTS_SECTION, variant)
    found = sorted((f.row, f.cell, f.key) for f in fields.found.values() if f.key in FUNDS)
    order = [key for _, _, key in found]
    printed_amounts = [cells[0] for key in order if (cells := fields.cells(key))]
    values = [row.texts[-1] for row in form.rows[header + 1:] if len(row.texts) > 1]

    def fit(view: Variant) -> tuple[int, int]:
        layout = [key for key in view.funds.keys]
        same = 0
        for text in printed_amounts:
            try:
                same += cell_norm(view.amounts.format(amount(text, unit))) == cell_norm(text)
            except UnreadableValue:
                pass
        same += sum(value_text(text, view)[1] for text in values)
        return int(layout == order), same

    views = [variant, *(variant.styled(name) for name in variant.styles)]
    return max(views, key=fit)   # the variant's own style where styles fit as well


def _placeholder(level2: str, name: str, value: str, variant: Variant) -> bool:
    """A row the form prints where a 二级 has no indicator (无 | 无): not the author's."""
    every = variant.every_level2
    return bool(every) and level2 in every["二级"] and cell_norm(name) == cell_norm(every["三级"]) \
        and cell_norm(value) == cell_norm(every["指标值"])


def own_labels(fields: Fields, variant: Variant, values: dict[str, str]) -> dict[str, str]:
    """Labels this table words its own way where the variant's label is a pattern filled from the
    project (`({开始年}年-{完成年}年)` printed as `(2023.1年-2023.12年)` after 项目总目标)."""
    out = {}
    for key, text in variant.labels.items():
        if "{" not in text:
            continue
        shape = re.escape(norm(text))
        shape = re.sub(r"\\\{[^{}]*\\\}", ".+?", shape)
        expected = norm(text.format_map(values))
        for found in fields.found.values():
            said = f"({found.qualifier})" if found.qualifier else None
            if said and re.fullmatch(shape, said) and said != expected:
                out[key] = said
    return out


def parse(form: Form, variant: Variant, labels: Labels) -> Imported:
    header = header_row(form, labels, variant)
    kinds = variant.classifications
    fields = Fields(form.rows[:header], labels, VALUES | {k.key for k in kinds}, frozenset({YEARS}))
    require(fields, labels, tuple(dict.fromkeys((*REQUIRED, *(k.key for k in kinds)))))
    if not (fields.has("项目资金总额") or fields.has("财政资金")):
        raise TableError(f"找不到「{labels.spelled('项目资金总额')}」或「{labels.spelled('财政资金')}」")
    notes: list[str] = []
    info: list[str] = []

    def text(key: str) -> str:
        cells = fields.cells(key) or []
        if len(cells) > 1 and key in FUNDS:
            notes.append(f"「{labels.spelled(key)}」有 {len(cells)} 个不同的值 {'、'.join(cells)}，取第一个")
        return cells[0] if cells else ""

    name = text("项目名称")
    if not name:
        raise TableError(f"「{labels.spelled('项目名称')}」是空的")
    try:
        start, end = date(text("计划开始日期")), date(text("计划完成日期"))
    except UnreadableValue as exc:
        raise TableError(f"计划日期：{exc}") from None
    year = form.year or (start.year if start else None)
    if year is None:
        years = re.search(r"(\d{4})\s*年", fields.qualifier("项目总目标") or "")
        year = int(years[1]) if years else None
    if year is None:
        raise TableError(f"找不到年度（标题下的「{variant.subtitle.format(年度='2024')}」或计划开始日期）")

    base = variant
    variant = style_of(form, header, fields, variant)
    read = indicators.read(form.rows, header, labels, variant, _split, (VALUE,), SECTIONS)
    notes.extend(read.notes)
    groups: dict[str, dict[str, str]] = {}
    names = Counter()
    candidates: list[tuple[Decimal, str]] = []
    per_level2 = variant.unique_names == "level2"
    for ind in read.indicators:
        label = ind.cells[indicators.NAME]
        if ind.cells.get(indicators.EXTRA):
            notes.append(f"第 {ind.line} 行「{label}」有多余的单元格「{ind.cells[indicators.EXTRA]}」，已忽略")
        printed = ind.cells.get(VALUE, "")
        if _placeholder(ind.level2, label, printed, variant):
            continue    # the form prints it by itself
        if not printed and not variant.values.blank:
            notes.append(f"指标「{label}」没有指标值（原表此格为空），导入为空值，请补上")
        written, exact = value_text(printed, variant) if printed else ("", True)
        value = parse_value(written)
        if isinstance(value, Quantity) and value.unit in AMOUNT_UNITS:
            candidates.append((value.number * AMOUNT_UNITS[value.unit], label))
        unique = (ind.level2, label) if per_level2 else label
        names[unique] += 1
        if names[unique] > 1:
            notes.append(f"指标「{label}」重复出现，第 {names[unique]} 个导入为「{label}（{names[unique]}）」")
            label = f"{label}（{names[unique]}）"
        groups.setdefault(ind.level2, {})[label] = written
    if not groups:
        raise TableError("绩效指标下没有读到任何指标")

    unit = amount_unit(fields, AMOUNTS_SECTION, variant)
    funds: dict[str, Decimal | None] = {}
    rounded: dict[str, str] = {}     # printed amount → what was made of it
    # a zero where nothing given prints the same (0.00) is nothing given: the spec stays short
    zero_is_absent = variant.amounts.format(Decimal(0)) == variant.amounts.format(None)
    for key in FUNDS:
        printed = text(key)
        try:
            funds[key] = amount(printed, unit)
        except UnreadableValue as exc:
            raise TableError(f"「{labels.spelled(key)}」：{exc}") from None
        if zero_is_absent and funds[key] == 0:
            funds[key] = None
        step = printed_step(printed, unit) if funds[key] is not None else Decimal(0)
        if step <= Decimal("0.01") or any(value == funds[key] for value, _ in candidates):
            continue   # exact as printed, or confirmed by a cost indicator
        found = recover(funds[key], step, candidates)
        if found:
            rounded[printed] = f"表中 {printed} {unit} 按指标「{found[1]}」取精确值 {plain(found[0])} 元"
            funds[key] = found[0]
        elif step > 1:      # whole 元 are what budgets are made of; rounded 万元 are worth a word
            rounded[printed] = (f"表中 {printed} {unit} 取 {plain(funds[key])} 元（表中只精确到 {plain(step)} 元；"
                                f"如需精确到元，请改「项目资金」）")
    info.extend(rounded.values())
    data: dict = {"项目名称": name}
    for kind in kinds:
        chosen = category(text(kind.key), variant, kind.values)
        if chosen is None:
            notes.append(f"{kind.key}「{text(kind.key)}」无法识别（可选：{'、'.join(kind.values)}），请改正")
        data[kind.key] = chosen or text(kind.key)
    if variant is not base:
        data["样式"] = variant.style
    if start and start.timetuple()[:3] != (year, 1, 1):
        data["计划开始日期"] = start
    if end and end.timetuple()[:3] != (year, 12, 31):
        data["计划完成日期"] = end
    data["项目资金"] = _funds(funds, labels, notes, variant.funds.unprinted)
    worded = own_labels(fields, variant, {"开始年": str((start or _jan1(year)).year),
                                          "完成年": str((end or _jan1(year)).year), "年度": str(year)})
    if worded:
        data["标签"] = worded
    total_goal = strip_years(text("项目总目标"), labels)
    if total_goal:
        data["项目总目标"] = total_goal
    data[annual_goal_key(variant)] = text("年度总体目标").strip()
    data["绩效指标"] = groups
    department = (text("主管部门"), text("实施单位"))
    return Imported("project", base, name, year, department, data, form.rows, notes=notes, info=info)


def _jan1(year: int):
    import datetime as dt
    return dt.date(year, 1, 1)


def _funds(funds: dict[str, Decimal | None], labels: Labels, notes: list[str], unprinted=frozenset()):
    """项目资金 as a person writes it: one number when it is all 财政资金, else the parts that the
    totals cannot be computed from (perfgen computes the totals). Amounts the form does not print
    (`funds.unprinted`: the project side of a form that fills the 年度 side only) come from the
    others: 财政资金 = 当年财政拨款 + 上年结转资金, 其他资金 = the year's 其他资金."""
    zero = Decimal(0)
    total, fiscal, other = funds["项目资金总额"], funds["财政资金"], funds["其他资金"]
    carry, current, annual = funds["上年结转资金"], funds["当年财政拨款"], funds["年度资金申请总额"]
    if fiscal is None and total is None and "财政资金" in unprinted:
        if other is None and "其他资金" in unprinted:
            other = funds["年度其他资金"]
        if current is not None:
            fiscal = current + (carry or zero)
        elif annual is not None:
            fiscal = annual - (other or zero)
    if fiscal is None:
        fiscal = (total or zero) - (other or zero)
    out: dict[str, Decimal] = {"财政资金": fiscal}
    if total is not None and total != fiscal + (other or zero):
        if other is None and total > fiscal:
            other = total - fiscal
            notes.append(f"项目资金总额 {plain(total)} 元 ≠ 财政资金 {plain(fiscal)} 元，而其他资金为空："
                         f"其他资金按差额导入为 {plain(other)} 元，请核对")
        else:
            out["项目资金总额"] = total
            notes.append(f"项目资金总额 {plain(total)} 元 ≠ 财政资金 {plain(fiscal)} 元 + 其他资金 "
                         f"{plain(other or zero)} 元：金额前后矛盾，请核对")
    if other is not None:
        out["其他资金"] = other
    if carry is not None:
        out["上年结转资金"] = carry
    if current is not None and current != fiscal - (carry or zero):
        out["当年财政拨款"] = current
    year_other = funds["年度其他资金"]
    if year_other is not None and year_other != (other or zero):
        notes.append(f"年度的其他资金 {plain(year_other)} 元与项目的其他资金 {plain(other or zero)} 元不同；"
                     f"perfgen 两处都印项目的其他资金")
    computed = (out.get("当年财政拨款", fiscal - (carry or zero))) + (carry or zero) + (other or zero)
    if annual is not None and annual != computed:
        out["年度资金申请总额"] = annual
        notes.append(f"年度资金申请总额 {plain(annual)} 元 ≠ 当年财政拨款 + 上年结转资金 + 其他资金"
                     f"（{plain(computed)} 元），请核对")
    if list(out) == ["财政资金"]:
        return out["财政资金"]
    return out
