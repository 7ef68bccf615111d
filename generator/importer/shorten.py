"""Imported indicators written as a person writes a spec: what perfgen adds by itself is left out.

`perfgen build` expands a spec (expand.py): the variant's `defaults` fill each 二级 that the spec
and its categories leave empty, and `类别` brings a category's indicators. A table lists every
indicator it prints; read back as it is, its spec would build with defaults the table has not, and
be as long as the table. So each imported project spec gets:

1. `不适用` for each inherited indicator that the table has not: the whole 二级 where the table
   has nothing under it (服务对象满意度指标), else the indicator's 三级 name;
2. no indicators under a 二级 where they are what the variant's defaults give there;
3. unless `--no-categories`, `类别: 名称` instead of a category's indicators, where the table
   carries them with the same values: all of them, or at least MOST of them (the hand-written
   examples replace one of a category's indicators, or give one another value). The spec keeps
   an indicator it gives another value (it replaces the category's in place) and the ones the
   category leaves to the project (`~`); `不适用` names the category's ones the table has not. Of
   the categories that fit, the one that gives the shortest spec wins.

Each step is kept only if the spec then expands to the same indicators, in the same order, as the
explicit one; and the spec written must build the same table as the explicit one, cell for cell
(the rebuild check, emit.Checker), or the explicit spec is written instead.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..build import spec_model
from ..category import Category
from ..errors import Problems
from ..expand import CATEGORY, SPEC, Expanded, fill_placeholders, flatten, plain_amount  # read categories as expand does
from ..render.context import value_parts
from ..spec import DepartmentSpec
from ..values import parse_value
from ..yamltext import Flow
from .common import Imported
from .emit import Checker, dump

INDICATORS = "绩效指标"
NOT_APPLICABLE = "不适用"
CATEGORY_KEY = "类别"
MOST = Fraction(2, 3)  # of a category's indicators the table must carry, same name, 二级 and value
FEWEST = 2             # … and at least this many: a one-indicator match is a coincidence, not a kind


@dataclass
class Shortened:
    data: dict[str, Any]
    rebuilt: list[str] | str        # the cells of the table `data` builds, or why it does not build
    info: list[str] = field(default_factory=list)


def shorten(item: Imported, data: dict[str, Any], path: Path, department: DepartmentSpec, checker: Checker,
            categories: bool = True) -> Shortened:
    """The spec data to write for `item` (its explicit `data` as read), and the table it rebuilds."""
    fields = spec_model(item.variant).model_fields
    if NOT_APPLICABLE not in fields or INDICATORS not in data:   # a unit: no defaults, no categories
        return Shortened(data, checker.rebuild(item, dump(data), path, department))
    writer = _Writer(item, data, path, department, checker)
    explicit = writer.explicit()
    baseline = checker.rebuild(item, dump(explicit), path, department)
    if isinstance(baseline, str) or writer.target is None:
        return Shortened(explicit, baseline)    # nothing to shorten against: say what is wrong as it is
    short = writer.without_defaults(writer.own, [])
    candidates = writer.categories(short) if categories and CATEGORY_KEY in fields and short is not None else []
    if short is not None:
        candidates.append((short.data, []))
    for candidate, info in candidates:
        if candidate == explicit or checker.rebuild(item, dump(candidate), path, department) == baseline:
            return Shortened(candidate, baseline, info)
    return Shortened(explicit, baseline)


@dataclass(frozen=True)
class Row:
    """An indicator of the table, in spec terms."""

    group: str      # its 二级 as the table spells it (what the spec writes)
    key: str        # the variant's 二级 (what expansion works with)
    name: str
    value: Any


@dataclass
class Draft:
    data: dict[str, Any]
    own: list[Row]      # the indicators it writes
    lines: int


class _Writer:
    def __init__(self, item: Imported, data: dict[str, Any], path: Path, department: DepartmentSpec,
                 checker: Checker):
        self.item, self.base, self.path, self.department, self.checker = item, data, path, department, checker
        self.variant = item.variant
        self.values = item.variant.styled(data.get("样式")).values   # how this project's values print
        self.own = [Row(group, self.key(group), name, value)
                    for group, items in data[INDICATORS].items() for name, value in items.items()]
        self.names = {row.name for row in self.own}
        self.keys = {row.key for row in self.own}
        self.target: list[tuple] | None = None     # the indicators the table prints, as the explicit spec builds them
        self.budget = "0"

    def key(self, group: str) -> str:
        resolved = self.variant.resolve_level2(group)
        return resolved[1] if resolved else group

    def same(self, a: Any, b: Any) -> bool:
        """Whether two values print the same (`=100%` and `=100.00(%)` in the 2024 form)."""
        if a == b:
            return True
        if not isinstance(a, str) or not isinstance(b, str):
            return False
        style = self.values
        return value_parts(parse_value(a), style) == value_parts(parse_value(b), style)

    # ------------------------------------------------------------ specs and what they expand to

    def spec(self, own: list[Row], categories: list[str], drops: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in self.base.items():
            if key == INDICATORS:
                groups: dict[str, dict[str, Any]] = {}
                for row in own:
                    groups.setdefault(row.group, {})[row.name] = row.value
                if groups or not categories:
                    out[INDICATORS] = groups
                continue
            out[key] = value
            if key == "项目类别" and categories:     # where the examples and the schema have it
                out[CATEGORY_KEY] = categories[0] if len(categories) == 1 else Flow(categories)
        if drops:
            out[NOT_APPLICABLE] = Flow(drops)
        return out

    def expanded(self, data: dict[str, Any]) -> Expanded | None:
        return self.checker.expand(self.item, data, self.path, self.department)[0]

    def rows(self, data: dict[str, Any]) -> list[tuple] | None:
        """The indicators `data` prints, in order, as they print; None if it does not build."""
        built, _ = self.checker.build(self.item, data, self.path, self.department)
        if built is None:
            return None
        style = self.values
        return [(i.level1, i.level2, i.name, tuple(value_parts(i.value, style).items()), i.subject,
                 i.explanation, i.scoring) for i in built.indicators]

    def complete(self, own: list[Row], categories: list[Category]) -> Draft | None:
        """The spec with `own` indicators and `categories`, and the 不适用 that keeps out whatever
        expansion would add that the table has not; None if the spec does not expand."""
        names = [category.name for category in categories]
        pending = [entry for category in categories for entry in self.category_entries(category)]
        where = {name: key for key, name, _ in pending}   # 三级 → its 二级, to order 不适用 as the table
        drops: list[str] = []
        # each round can only bring defaults into a 二级 the last one emptied: a few rounds at most
        for _ in range(len(self.variant.level1_of) + 2):
            data = self.spec(own, names, drops)
            expanded = self.expanded(data)
            if expanded is None:
                return None
            inherited = [(e.group, e.name) for e in expanded.indicators if e.origin != SPEC]
            inherited += [(key, name) for key, name, value in pending if value is None]  # expand leaves these out
            extra = []
            for key, name in inherited:
                where.setdefault(name, key)
                if name in self.names or name in drops or key in drops:
                    continue
                drop = key if key not in self.keys else name   # the table has nothing under it: the 二级
                if drop not in extra:
                    extra.append(drop)
            if not extra:
                data = self.spec(own, names, self.ordered(drops, where))
                return Draft(data, own, len(dump(data).splitlines()))
            drops.extend(extra)
        return None

    def ordered(self, drops: list[str], where: dict[str, str]) -> list[str]:
        """不适用 in the table's order: a 二级 by the framework, a 三级 by its 二级."""
        def rank(drop: str) -> tuple[int, int]:
            resolved = self.variant.resolve_level2(where.get(drop, drop))
            return self.variant.order_key(*resolved) if resolved else (len(self.variant.framework), 0)
        return sorted(drops, key=rank)

    def fits(self, draft: Draft | None) -> bool:
        return draft is not None and self.target is not None and self.rows(draft.data) == self.target

    # ------------------------------------------------------------ the three steps

    def explicit(self) -> dict[str, Any]:
        """Every indicator of the table, and 不适用 for what it has not."""
        plain_spec = self.spec(self.own, [], [])
        expanded = self.expanded(plain_spec)
        if expanded is None:   # it does not validate: the rebuild check says why
            return plain_spec
        self.budget = plain_amount(expanded.budget)
        draft = self.complete(self.own, [])
        if draft is None:
            return plain_spec
        self.target = self.rows(draft.data)
        return draft.data

    def without_defaults(self, own: list[Row], categories: list[Category]) -> Draft | None:
        """The spec with `own` and `categories`, less each 二级 whose indicators are the variant's
        defaults there; None if even with all of `own` it does not print the table's indicators."""
        draft = self.complete(own, categories)
        if not self.fits(draft):
            return None
        for group in self.variant.defaults:
            key = self.key(group)
            fewer = [row for row in draft.own if row.key != key]
            if len(fewer) == len(draft.own):
                continue
            shorter = self.complete(fewer, categories)
            if self.fits(shorter):
                draft = shorter
        return draft

    def category_entries(self, category: Category) -> list[tuple[str, str, Any]]:
        """(二级 of the variant, 三级, value or None) of a category, filled in for this project."""
        fields = {"项目名称": self.base.get("项目名称", ""), "预算": self.budget}
        entries = flatten(category.indicators, category.source, self.variant, Problems(), CATEGORY + category.name)
        return [(self.key(e.group), fill_placeholders(e.name, fields), None if e.value is None else fill_placeholders(e.value, fields))
                for e in entries]

    def categories(self, short: Draft) -> list[tuple[dict[str, Any], list[str]]]:
        """Spec data naming a category, shorter than `short`, shortest first, with what to say."""
        library, _ = self.checker.library(self.path.parent)
        table = {row.name: row for row in self.own}
        drafts = []
        for name in sorted(library.by_name):
            category = library.by_name[name]
            entries = self.category_entries(category)
            agree = [n for key, n, value in entries if n in table and table[n].key == key
                     and (value is None or self.same(table[n].value, value))]
            if len(agree) < FEWEST or Fraction(len(agree), len(entries)) < MOST:
                continue
            given = {n for _, n, value in entries if value is not None and n in agree}
            draft = self.without_defaults([row for row in self.own if row.name not in given], [category])
            if draft is not None and draft.lines < short.lines:   # else its order or values do not give the table
                drafts.append((draft.lines, name, draft, len(given)))
        drafts.sort(key=lambda d: (d[0], d[1]))
        return [(draft.data, [f"写作「类别: {name}」：{count} 项指标与类别相同，由类别给出"])
                for _, name, draft, count in drafts]
