"""`perfgen diff 2024 2025`: what changed between two years, per project, for the reviewer.

Both years are read through the same plan as a build (so inherited values and aliases count) and
compared as typed projects: amounts exactly, indicators by name, values by meaning (`=100%` and
`=100.00(%)` are the same target), printed in each year's own style. A year mention that only
moved with the year (`（2024运维）` → `（2025运维）`, the dates) is not a change. Projects are paired
by file first, then by name, so a renamed project reads as changed, not as removed and added.
A file that cannot be read is listed, not compared; it does not stop the rest.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from .amounts import format_number
from .build import plan_folder, spec_folders
from .errors import PerfgenError, Problems
from .model import Indicator, Project
from .render.context import value_parts
from .roll import year_pattern
from .forms.project import OVERVIEW

AMOUNTS = OVERVIEW.amounts  # (label, field of model.Funds): the project form's amounts
from .values import Phrase, Value
from .variant import Variant, templates_root


@dataclass(frozen=True)
class Change:
    kind: str       # "+" added, "-" removed, "~" changed
    what: str
    old: str = ""
    new: str = ""

    def __str__(self) -> str:
        if self.kind == "~":
            return f"~ {self.what}: {self.old} → {self.new}"
        return f"{self.kind} {self.what}" + (f": {self.old or self.new}" if (self.old or self.new) else "")


@dataclass
class ProjectDiff:
    old: Project | None
    new: Project | None
    changes: list[Change] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed" if self.changes else "same"

    @property
    def title(self) -> str:
        old, new = self.old, self.new
        file = (new or old).source.name  # type: ignore[union-attr]
        if old and new and old.name != new.name:
            return f"{old.name} → {new.name}（{file}）"
        return f"{(new or old).name}（{file}）"  # type: ignore[union-attr]


@dataclass
class FolderDiff:
    relative: str
    projects: list[ProjectDiff] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)   # what could not be compared, and why
    only_in: str = ""                                     # "old" / "new" when one year lacks the folder


@dataclass
class YearDiff:
    old: Path
    new: Path
    folders: list[FolderDiff] = field(default_factory=list)

    def totals(self) -> tuple[Decimal, Decimal]:
        """项目资金总额 of every compared project, old and new year."""
        zero = Decimal(0)
        old = sum((p.old.funds.total for f in self.folders for p in f.projects if p.old), zero)
        new = sum((p.new.funds.total for f in self.folders for p in f.projects if p.new), zero)
        return old, new


def _year(folder: Path, projects: list[Project]) -> int | None:
    return projects[0].year if projects else (int(folder.name) if folder.name.isdigit() else None)


def _load(folder: Path, templates: Path, unreadable: list[str], label: str) -> tuple[list[Project], Variant | None]:
    problems = Problems()
    try:
        item = plan_folder(folder, folder, templates, problems, facts=False)  # targets only
    except PerfgenError as exc:
        unreadable.append(f"{label}：{exc}")  # e.g. a 格式 this perfgen does not have
        return [], None
    by_file: dict[str, list] = {}
    for problem in sorted(problems.errors):
        by_file.setdefault(problem.file, []).append(problem)
    for file, found in by_file.items():  # the first problem says why; perfgen build lists them all
        first = found[0]
        where = f"{Path(file).name}:{first.line}" if first.line else Path(file).name
        more = f"（另有 {len(found) - 1} 处错误）" if len(found) > 1 else ""
        unreadable.append(f"{label}/{where} {first.field + ': ' if first.field else ''}{first.message}{more}")
    return (item.projects, item.variant) if item else ([], None)


def _money(amount: Decimal | None) -> str:
    return "（无）" if amount is None else f"{format_number(amount, 2, thousands=True)} 元"


def _shift(date: dt.date, years: int) -> dt.date:
    try:
        return date.replace(year=date.year + years)
    except ValueError:  # 29 February into a year without one
        return date.replace(year=date.year + years, day=28)


def _meaning(value: Value, normalize) -> tuple:
    if isinstance(value, Phrase):
        return ("text", normalize(value.text))
    return ("quantity", value.op, value.number.normalize(), value.unit, normalize(value.note))


def _printed(indicator: Indicator, variant: Variant | None) -> str:
    if variant is None:
        return str(getattr(indicator.value, "written", "") or getattr(indicator.value, "text", ""))
    return value_parts(indicator.value, variant.values)["指标值"]


def compare_projects(old: Project, new: Project, old_variant: Variant | None, new_variant: Variant | None) -> list[Change]:
    shift = new.year - old.year
    pattern = year_pattern(old.year)

    def normalize(text: str) -> str:
        return pattern.sub(str(new.year), text) if shift else text

    changes: list[Change] = []
    for label, a, b in (("项目名称", old.name, new.name), ("项目类别", old.category, new.category),
                        ("主管部门", old.department, new.department), ("实施单位", old.unit, new.unit)):
        if normalize(a) != b:
            changes.append(Change("~", label, a, b))
    for label, a, b in (("计划开始日期", old.start, new.start), ("计划完成日期", old.end, new.end)):
        if _shift(a, shift) != b:
            changes.append(Change("~", label, a.isoformat(), b.isoformat()))
    moved: dict[tuple, list[str]] = {}
    for label, attr in AMOUNTS:
        a, b = getattr(old.funds, attr), getattr(new.funds, attr)
        if (a or 0) != (b or 0):
            moved.setdefault((a, b), []).append(label)
    for (a, b), labels in moved.items():  # one line for amounts that moved together
        delta = (b or 0) - (a or 0)
        sign = "+" if delta > 0 else "−"
        changes.append(Change("~", "、".join(labels), _money(a), f"{_money(b)}（{sign}{format_number(abs(delta), 2, True)}）"))
    for label, a, b in (("项目总目标", old.total_goal, new.total_goal), ("年度总体目标", old.annual_goal, new.annual_goal)):
        if normalize(a) != b:
            changes.append(Change("~", label, a, b))

    before = {normalize(i.name): i for i in old.indicators}
    after = {i.name: i for i in new.indicators}
    for name, ind in after.items():
        where = f"{ind.level1}/{ind.level2}/{name}"
        if name not in before:
            changes.append(Change("+", where, new=_printed(ind, new_variant)))
            continue
        was = before[name]
        if (was.level1, was.level2) != (ind.level1, ind.level2):
            changes.append(Change("~", f"{name} 的位置", f"{was.level1}/{was.level2}", f"{ind.level1}/{ind.level2}"))
        if _meaning(was.value, normalize) != _meaning(ind.value, lambda t: t):
            changes.append(Change("~", where, _printed(was, old_variant), _printed(ind, new_variant)))
    for name, ind in before.items():
        if name not in after:
            changes.append(Change("-", f"{ind.level1}/{ind.level2}/{ind.name}", old=_printed(ind, old_variant)))
    return changes


def _pair(old: list[Project], new: list[Project], old_year: int | None, new_year: int | None):
    """(old, new) pairs: same file first, then same name (the year in it moved), then alone."""
    def normalize(text: str) -> str:
        return year_pattern(old_year).sub(str(new_year), text) if old_year and new_year else text

    new_by_file = {q.source.name: q for q in new}
    pairs: list[tuple[Project | None, Project | None]] = []
    left = []
    for p in old:
        q = new_by_file.pop(p.source.name, None)
        if q is not None:
            pairs.append((p, q))
        else:
            left.append(p)
    new_by_name = {q.name: q for q in new_by_file.values()}
    for p in left:
        pairs.append((p, new_by_name.pop(normalize(p.name), None)))
    pairs += [(None, q) for q in new_by_name.values()]
    return pairs


def compare(old: Path, new: Path, templates: Path | None = None) -> YearDiff:
    """Compare every spec folder (a year and its units) of two year folders."""
    result = YearDiff(old, new)
    templates = templates_root(templates, near=new)
    old_folders = {f.relative_to(old).as_posix(): f for f in spec_folders(old)}
    new_folders = {f.relative_to(new).as_posix(): f for f in spec_folders(new)}
    for relative in sorted(old_folders.keys() | new_folders.keys()):
        folder = FolderDiff(relative)
        a, va = _load(old_folders[relative], templates, folder.unreadable, old.name) if relative in old_folders else ([], None)
        b, vb = _load(new_folders[relative], templates, folder.unreadable, new.name) if relative in new_folders else ([], None)
        folder.only_in = "old" if relative not in new_folders else "new" if relative not in old_folders else ""
        for p, q in _pair(a, b, _year(old, a), _year(new, b)):
            diff = ProjectDiff(p, q)
            if p and q:
                diff.changes = compare_projects(p, q, va, vb)
            folder.projects.append(diff)
        result.folders.append(folder)
    return result


def report(diff: YearDiff) -> list[tuple[str, str]]:
    """(kind, line) to print: kind is "+", "-", "~" for changes, "" for headings and counts."""
    lines: list[tuple[str, str]] = []
    several = len(diff.folders) > 1
    for folder in diff.folders:
        if several:
            where = folder.relative if folder.relative != "." else "（年度目录）"
            suffix = {"old": f"（{diff.new.name} 没有）", "new": f"（{diff.old.name} 没有）"}.get(folder.only_in, "")
            lines.append(("", f"== {where}{suffix}"))
        for item in folder.projects:
            if item.status == "added":
                new = item.new
                lines.append(("+", f"+ 新增项目 {item.title}：项目资金总额 {_money(new.funds.total)}，"
                                   f"{len(new.indicators)} 个指标"))
            elif item.status == "removed":
                lines.append(("-", f"- 删除项目 {item.title}：项目资金总额 {_money(item.old.funds.total)}"))
            elif item.status == "changed":
                lines.append(("", item.title))
                lines += [(change.kind, f"  {change}") for change in item.changes]
        same = sum(1 for item in folder.projects if item.status == "same")
        if same:
            lines.append(("", f"未变化：{same} 个项目"))
        for note in folder.unreadable:
            lines.append(("!", f"未比较：{note}"))
    old, new = diff.totals()
    partial = "，不含未比较的文件" if any(f.unreadable for f in diff.folders) else ""
    if old != new:
        delta = new - old
        sign = "+" if delta > 0 else "−"
        lines.append(("", f"项目资金总额合计：{_money(old)} → {_money(new)}"
                          f"（{sign}{format_number(abs(delta), 2, True)}{partial}）"))
    else:
        lines.append(("", f"项目资金总额合计：{_money(new)}（不变{partial}）"))
    return lines
