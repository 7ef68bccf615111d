"""The indicator rows of a table, read under their header row (一级指标 | 二级指标 | 三级指标 | …).

A row is read by position when its cells stand under the header's columns and hold what those
columns should (a 一级 name under 一级指标, …). Real tables often do not: a vertical merge lost in
an export shifts a row to the left, a page break splits a row in two. Such a row is read by
content instead: the cells naming a 一级 or 二级 of the variant's framework set the levels, and
the form reads the rest in order (三级, then the value). A 二级 decides its 一级 (the framework
says which), so a stray or missing 一级 cell does no harm.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable

from ..variant import Variant
from .common import cell_norm, is_operator
from .grid import Row
from .labels import Labels, norm

LEVEL1, LEVEL2, NAME, NATURE = "一级指标", "二级指标", "三级指标", "指标性质"   # the header labels' keys
EXTRA = "多余"       # cells of a row that no column of the form takes (a department's 备注)


@dataclass
class Indicator:
    level1: str
    level2: str
    cells: dict[str, str]          # header key → text (三级指标, 指标值, 方向, …)
    line: int                      # the row's number in its Word table or worksheet, for messages


@dataclass
class Read:
    indicators: list[Indicator] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Levels:
    """The 一级 and 二级 names a variant knows (its framework and aliases), and its fixed block."""

    def __init__(self, variant: Variant):
        self.variant = variant
        self.level1 = {norm(l1): l1 for l1 in variant.framework}
        self.level2 = {norm(name): name for name in [*variant.level1_of, *variant.aliases]}
        # what every 二级 name ends with (the framework's own word for it): an unknown name that
        # ends so, under the 二级 column, is a department's own 二级 rather than a 三级
        names = [norm(name) for name in variant.level1_of]
        self.suffix = os.path.commonprefix([n[::-1] for n in names])[::-1] if names else ""
        fixed = variant.fixed_indicators
        self.fixed = {norm(t) for t in ([fixed.一级, *fixed.二级, fixed.说明] if fixed else []) if t}
        # the words 指标性质 prints (定量指标, 定性指标): recognised in a table as such
        self.natures = {norm(variant.values.quantitative_nature), norm(variant.values.qualitative_nature)}

    def one(self, text: str) -> str | None:
        return self.level1.get(norm(text))

    def two(self, text: str) -> tuple[str, str] | None:
        name = self.level2.get(norm(text))
        return self.variant.resolve_level2(name) if name else None

    def is_level(self, text: str) -> bool:
        return self.one(text) is not None or self.two(text) is not None


def read(rows: list[Row], header: int, labels: Labels, variant: Variant,
         split: Callable[[list[str]], dict[str, str] | None], value_keys: tuple[str, ...],
         section_keys: set[str]) -> Read:
    """The indicators under `rows[header]`. `split` reads a row's cells after its levels (in
    order) into header keys, or None when it cannot; `value_keys` are the keys of the value."""
    levels = Levels(variant)
    out = Read()
    columns: dict[int, str | None] = {}     # header column → its key (None: a column this form has not)
    for cell in rows[header].filled:
        hit = labels.match(cell.text)
        if not (hit and set(hit[0]) & section_keys):
            columns.setdefault(cell.col, hit[0][0] if hit else None)
    level1: str | None = None
    level2: str | None = None
    pending: Indicator | None = None      # a 三级 whose value went to the next row (a page break)
    for row in rows[header + 1:]:
        number = row.number
        cells = [c for c in row.filled if norm(c.text) not in levels.fixed
                 and not ((hit := labels.match(c.text)) and set(hit[0]) & section_keys)]
        if not cells:
            continue
        texts = [c.text for c in cells]
        texts = [t for i, t in enumerate(texts) if i == 0 or cell_norm(t) != cell_norm(texts[i - 1])]
        by_position = _aligned(cells, columns, levels)
        if by_position is not None:
            found1, found2 = by_position.pop(LEVEL1, ""), by_position.pop(LEVEL2, "")
            by_position.pop(NATURE, None)
            rest = by_position
        else:
            found1 = found2 = ""
            while texts and (levels.is_level(texts[0]) or norm(texts[0]) in levels.natures):
                head = texts.pop(0)
                if levels.two(head):
                    found2 = head
                elif levels.one(head):
                    found1 = head
            texts = [t for t in texts if norm(t) not in levels.natures]
            every = variant.every_level2
            if every and every["三级"] == every["指标值"] and [norm(t) for t in texts] == [norm(every["三级"])] \
                    and sum(norm(c.text) == norm(every["三级"]) for c in cells) > 1:
                texts = [every["三级"], every["指标值"]]   # the form's 无 | 无, not one cell spelled twice
            lone = cells[-1] if len(texts) == 1 else None
            if pending is not None and lone is not None and not found1 and not found2 \
                    and columns.get(lone.col) not in (NAME, LEVEL1, LEVEL2):
                pending.cells[value_keys[0]] = texts[0]   # the rest of a row broken by a page
                pending = None
                continue
            rest = split(texts) if texts else {}
            if rest is None:
                out.notes.append(f"第 {number} 行「{'｜'.join(texts)}」无法分辨三级指标与指标值，已跳过")
                continue
        pending = None
        if found2:
            place = levels.two(found2)
            if place is None:   # an unknown 二级 under the 二级 column: kept, the build will say so
                out.notes.append(f"第 {number} 行：二级指标「{found2}」不在格式「{variant.name}」的指标体系中")
                place = (levels.one(found1) or level1 or "", found2)
            elif found1 and levels.one(found1) != place[0]:
                out.notes.append(f"第 {number} 行：一级指标「{found1}」与二级指标「{found2}」不符，"
                                 f"按指标体系归入「{place[0]}」")
            level1, level2 = place
        elif found1:
            one = levels.one(found1)
            if one != level1:
                level1, level2 = one, None
        if not rest.get(NAME):
            continue
        if level2 is None or level1 is None:
            choices = variant.framework.get(level1 or "", [])
            if not choices:
                out.notes.append(f"第 {number} 行：指标「{rest[NAME]}」前没有一级或二级指标，已跳过")
                continue
            level2 = choices[0]
            if len(choices) > 1:
                out.notes.append(f"第 {number} 行：指标「{rest[NAME]}」没有二级指标，按「{level2}」导入")
        indicator = Indicator(level1, level2, rest, number)
        out.indicators.append(indicator)
        if not any(rest.get(k) for k in value_keys):
            pending = indicator
    return out


def _aligned(cells, columns: dict[int, str | None], levels: Levels) -> dict[str, str] | None:
    """The row by the header's columns, if every cell stands under one and holds what fits it.
    Cells under a column the form has not (a department's 备注) are returned as 多余."""
    if not columns or any(c.col not in columns for c in cells):
        return None
    by_key = {columns[c.col]: c.text for c in cells if columns[c.col]}
    extra = [c.text for c in cells if columns[c.col] is None]
    one, two, name = by_key.get(LEVEL1, ""), by_key.get(LEVEL2, ""), by_key.get(NAME, "")
    if one and levels.one(one) is None:
        return None
    if two and levels.two(two) is None and (not levels.suffix or not norm(two).endswith(levels.suffix)
                                            or levels.one(two) or norm(two) in levels.natures):
        return None
    if not name or levels.is_level(name) or norm(name) in levels.natures or is_operator(name):
        return None
    if by_key.get(NATURE, "") and norm(by_key[NATURE]) not in levels.natures:
        return None
    if by_key.get("方向", "") and not is_operator(by_key["方向"]):
        return None
    if extra:
        by_key[EXTRA] = "｜".join(extra)
    return by_key
