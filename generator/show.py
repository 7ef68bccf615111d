"""`perfgen show`: a project's expanded spec as YAML, saying where every value came from.

What it prints is itself a valid spec — categories and defaults written out, sums computed — so an
author sees exactly what the table will hold, and `perfgen show x.yaml > y.yaml` gives a spec
that needs no category. Comments say where each value came from and how the form prints it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from . import model
from .build import plan_folder
from .errors import PerfgenError, Problems, SpecErrors
from .expand import CATEGORY, DEFAULT, SPEC, Entry, Expanded, plain_amount
from .forms import form_of
from .render.context import value_parts
from .spec import DEPARTMENT_FILE, spec_files
from .values import parse_value
from .variant import Variant, templates_root


@dataclass(frozen=True)
class Shown:
    project: model.Project
    expanded: Expanded
    variant: Variant


def load(path: Path, templates: Path | None = None) -> list[Shown]:
    """Expand one project file, or every project of a spec folder, read as a build reads them
    (build.plan_folder); raises SpecErrors on any error of those files or of the folder's 部门.yaml."""
    path = path.resolve()
    folder = path if path.is_dir() else path.parent
    problems = Problems()
    if not path.exists():
        problems.add(path, None, "", "文件不存在")
        raise SpecErrors(problems.items)
    item = plan_folder(folder, folder, templates_root(templates, near=folder), problems)
    files = {str(p) for p in spec_files(folder)} if path.is_dir() else {str(path)}
    mine = [p for p in problems.errors if p.file in files | {str(folder / DEPARTMENT_FILE), str(folder)}
            or not p.file.startswith(str(folder))]  # a spec of the folder, or the variant's own files
    if mine or item is None:
        raise SpecErrors(mine or problems.errors)
    if form_of(item.variant).show is None:
        raise PerfgenError(f"perfgen show 用于项目表；格式「{item.variant.name}」的表不由项目说明展开，直接看说明文件即可")
    return [Shown(table, expanded, item.variant) for table, expanded in zip(item.projects, item.expanded)
            if str(table.source) in files]


def _scalar(text: str) -> str:
    """`text` as a one-line YAML scalar, quoted only where YAML needs it (`>=90%`, `: `, …)."""
    dumped = yaml.safe_dump(text, allow_unicode=True, width=1 << 30)
    return dumped.removesuffix("\n...\n").removesuffix("\n")


def _text(key: str, text: str, indent: str = "") -> list[str]:
    if "\n" not in text:
        return [f"{indent}{key}: {_scalar(text)}"]
    return [f"{indent}{key}: |", *(f"{indent}  {line}" if line else "" for line in text.splitlines())]


def _comment(line: str, note: str) -> str:
    return f"{line}  # {note}" if note else line


def _origin(entry: Entry, variant: Variant) -> str:
    if entry.origin == SPEC:
        note = f"本文件第 {entry.line} 行" if entry.line else "本文件"
        if entry.replaced:
            origin, value = entry.replaced
            what = f"类别「{origin.removeprefix(CATEGORY)}」" if origin.startswith(CATEGORY) else "默认指标"
            note += f"，代替{what}的 {value}" if value is not None else f"，{what}要求项目给出的值"
        return note
    if entry.origin.startswith(CATEGORY):
        return f"类别「{entry.origin.removeprefix(CATEGORY)}」"
    if entry.origin == DEFAULT:
        return f"默认指标（格式「{variant.name}」）"
    return entry.origin


def render(shown: Shown) -> str:
    project, expanded, variant = shown.project, shown.expanded, shown.variant
    spec, source = expanded.spec, expanded.source
    given = source.data if isinstance(source.data, dict) else {}
    out = [f"# {source.path.name} 展开后（格式「{variant.name}」）：perfgen 按此生成表格"]
    for category in expanded.categories:
        out.append(f"# 类别「{category.name}」：{category.path}")
    out.append(f"项目名称: {_scalar(project.name)}")
    out.append(f"项目类别: {_scalar(project.category)}")
    for key, value in (("主管部门", project.department), ("实施单位", project.unit)):
        out.append(_comment(f"{key}: {_scalar(value)}", "" if key in given else DEPARTMENT_FILE))
    for key, date in (("计划开始日期", project.start), ("计划完成日期", project.end)):
        out.append(_comment(f"{key}: {date.isoformat()}", "" if key in given else "默认：预算年度"))

    funds, written = project.funds, spec.项目资金
    out.append("项目资金:  # 元")
    lines = [("财政资金", funds.fiscal, True), ("其他资金", funds.other, written.其他资金 is not None),
             ("上年结转资金", funds.carryover, written.上年结转资金 is not None),
             ("当年财政拨款", funds.current_year, written.当年财政拨款 is not None),
             ("项目资金总额", funds.total, written.项目资金总额 is not None),
             ("年度资金申请总额", funds.annual_total, written.年度资金申请总额 is not None)]
    for key, amount, typed in lines:
        if amount is not None:
            out.append(_comment(f"  {key}: {plain_amount(amount)}", "" if typed else "计算"))
    if project.total_goal:
        out += _text("项目总目标", project.total_goal)
    out += _text("年度总体目标", project.annual_goal)

    drops = _drops(expanded, variant)
    if drops:  # what keeps the variant's defaults out when this output is used as a spec
        out.append(f"不适用: [{', '.join(_scalar(d) for d in drops)}]")
    out.append("绩效指标:")
    level1 = level2 = None
    for entry in _in_print_order(expanded, variant):
        l1, l2 = variant.resolve_level2(entry.group)
        if l1 != level1:
            out.append(f"  {l1}:")
            level1, level2 = l1, None
        if l2 != level2:
            out.append(f"    {l2}:")
            level2 = l2
        printed = value_parts(parse_value(entry.value), variant.values)["指标值"]
        note = _origin(entry, variant) + (f"；表中印作 {printed}" if printed != entry.value else "")
        out.append(_comment(f"      {_scalar(entry.name)}: {_scalar(entry.value)}", note))
    return "\n".join(out) + "\n"


def _in_print_order(expanded: Expanded, variant: Variant) -> list[Entry]:
    keyed = [(variant.order_key(*variant.resolve_level2(e.group)), i, e) for i, e in enumerate(expanded.indicators)]
    return [entry for _, _, entry in sorted(keyed, key=lambda item: (item[0], item[1]))]


def _drops(expanded: Expanded, variant: Variant) -> list[str]:
    """The dropped 一级/二级 and default indicators (a category's indicators are written out already)."""
    fields = {"项目名称": expanded.spec.项目名称, "预算": plain_amount(expanded.budget)}
    defaults = {name.format_map(fields) for items in variant.defaults.values() for name in items}
    return sorted(d for d in expanded.not_applicable
                  if d in variant.framework or d in variant.level1_of or d in defaults)
