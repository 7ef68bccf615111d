"""Stage 2, expand: a concise spec plus what it inherits becomes the full spec that gets printed.

A project inherits 主管部门 and 实施单位 from its folder's 部门.yaml and indicators from two places,
lowest precedence first:

1. the variant's `defaults` (settings.yaml): each fills a 二级 only where neither the spec nor its
   categories have an indicator of their own under it — so a project that writes its own
   使用方满意度 gets no generic 服务对象满意度, and the seeds stay exact;
2. the categories named in `类别`, in order: the spec's own indicator of the same name replaces a
   category's (in its place), a later category's replaces an earlier one's.

`不适用` drops inherited indicators by 三级 name, or whole 二级/一级. Every indicator keeps where it
came from (`Entry.origin`, `Entry.file`/`line`) so that `perfgen show` can tell the author and
errors point at the file that holds the mistake.
"""
from __future__ import annotations

import difflib
from decimal import Decimal
from pathlib import Path
from typing import Any

from .amounts import plain as plain_amount  # noqa: F401  (an amount in 元 as an author types it; also imported from here)
from .category import Category, Library
from .errors import Frozen, Problems
from .source import Source
from .spec import DepartmentSpec, Loaded
from .variant import SETTINGS, Variant, per_settings

INHERITED = ("主管部门", "实施单位")          # from 部门.yaml, where the spec shape has them
INDICATOR_KEYS = ("绩效指标", "分解目标")      # where a spec shape (project, unit) keeps its indicators

SPEC = "spec"
DEFAULT = "default"
CATEGORY = "类别:"  # + the category's 名称


class Entry(Frozen):
    """One indicator line, from wherever it came."""

    __slots__ = ("group", "name", "value", "origin", "file", "line", "spec_line", "replaced", "group_line")
    group: str              # the 二级: the variant's own name once resolved, else as written
    name: str               # 三级
    value: Any              # as written (text, or a unit's mapping); None: a category left it to the project
    origin: str             # SPEC, DEFAULT or CATEGORY + name
    file: Path              # where it is written
    line: int | None
    spec_line: int | None   # the line of the project's spec it stems from (its own, or 类别)
    replaced: tuple[str, str | None] | None  # (origin, value) of the inherited one it replaced
    group_line: int | None  # the line of its 二级 (where a wrong 二级 is reported)

    def __init__(self, group: str, name: str, value: Any, origin: str, file: Path, line: int | None,
                 spec_line: int | None, replaced: tuple[str, str | None] | None = None,
                 group_line: int | None = None):
        setattr_ = object.__setattr__  # (a table has dozens: no loop over a dict)
        setattr_(self, "group", group)
        setattr_(self, "name", name)
        setattr_(self, "value", value)
        setattr_(self, "origin", origin)
        setattr_(self, "file", file)
        setattr_(self, "line", line)
        setattr_(self, "spec_line", spec_line)
        setattr_(self, "replaced", replaced)
        setattr_(self, "group_line", group_line)


class Expanded(Frozen):
    __slots__ = ("spec", "source", "year", "indicators", "categories", "not_applicable", "budget")
    spec: Any  # a validated spec model (project or unit)
    source: Source
    year: int
    indicators: tuple[Entry, ...]
    categories: tuple[Category, ...]
    not_applicable: frozenset[str]  # dropped 一级/二级 (resolved) and 三级 names
    budget: Decimal

    def __init__(self, spec: Any, source: Source, year: int, indicators: tuple[Entry, ...] = (),
                 categories: tuple[Category, ...] = (), not_applicable: frozenset[str] = frozenset(),
                 budget: Decimal = Decimal(0)):
        self._set(spec=spec, source=source, year=year, indicators=indicators, categories=categories,
                  not_applicable=not_applicable, budget=budget)

    @property
    def origins(self) -> dict[str, str]:
        return {entry.name: entry.origin for entry in self.indicators}


def flatten(indicators: dict[str, dict[str, Any]], source: Source, variant: Variant | None,
             problems: Problems, origin: str, spec_line: int | None = None, key: str = "绩效指标") -> list[Entry]:
    """Entries of a 绩效指标 mapping: `二级: {三级: 值}` or, nested, `一级: {二级: {三级: 值}}`."""
    own = origin == SPEC
    out: list[Entry] = []
    line_of, file, lines = source.line, source.path, source.lines

    def entries(group: str, items: dict[str, Any], path: tuple) -> None:
        """An entry per `三级: 值` of `items`, the mapping at `path` (its line is the 二级's)."""
        group_line = line_of(path)
        for name, value in items.items():
            inner = path + (name,)
            line = lines.get(inner) or line_of(inner)  # every key's line is known (lines count from 1)
            out.append(Entry(group, name, value, origin, file, line, line if own else spec_line, None, group_line))

    def fail(path: tuple, message: str) -> None:
        problems.add(source.path, source.line(path), ".".join(path), message)

    for group, items in indicators.items():
        groups = [v for v in items.values() if isinstance(v, dict)]
        as_level1 = len(groups) == len(items) or (groups and variant is not None and group in variant.framework)
        if not as_level1:
            if not groups:  # the usual: `二级: {三级: 值}`
                entries(group, items, (key, group))
                continue
            for name, value in items.items():
                if isinstance(value, dict):
                    fail((key, group, name), f"「{group}」下应为「三级指标: 指标值」，「{name}」的值不能再分层")
                else:
                    entries(group, {name: value}, (key, group))
            continue
        if variant is not None and group not in variant.framework:
            close = difflib.get_close_matches(group, list(variant.framework), n=1, cutoff=0.4)
            fail((key, group), f"「{group}」不是格式「{variant.name}」的一级指标" +
                 (f"，是否想写「{close[0]}」？" if close else f"；一级指标：{'、'.join(variant.framework)}"))
            continue
        for level2, sub in items.items():
            path = (key, group, level2)
            if not isinstance(sub, dict):
                fail(path, f"一级指标「{group}」下应写二级指标，再写「三级指标: 指标值」")
                continue
            if not sub:
                fail(path, f"「{level2}」下没有指标：在它的下一行多缩进 2 个空格，写「三级指标: 指标值」")
                continue
            if variant is not None:
                resolved = variant.resolve_level2(level2)
                if resolved is not None and resolved[0] != group:
                    fail(path, f"二级指标「{level2}」不属于一级指标「{group}」，应写在「{resolved[0]}」下")
                    continue
            entries(level2, sub, path)
    return out


_SHAPES: dict[type, tuple[tuple[str, ...], str]] = {}


def _shape(model: type) -> tuple[tuple[str, ...], str]:
    """The INHERITED fields a spec model has, and where it keeps its indicators (once per model)."""
    found = _SHAPES.get(model)
    if found is None:
        fields = model.model_fields
        found = _SHAPES[model] = (tuple(key for key in INHERITED if key in fields),
                                  next(k for k in INDICATOR_KEYS if k in fields))
    return found


def fill_placeholders(text: str, fields: dict[str, str]) -> str:
    return text.format_map(fields)


class _Merge:
    """The indicator groups of one project while expanding: 二级 → its entries, in order."""

    def __init__(self, variant: Variant):
        self.variant = variant
        self.groups: dict[str, list[Entry]] = {}
        self.inherited: set[str] = set()  # the names of the inherited entries (one entry each): what find can find
        self.keys = _of_settings(variant).keys

    def key(self, group: str) -> str:
        found = self.keys.get(group)
        if found is None:
            resolved = self.variant.resolve_level2(group)
            found = self.keys[group] = resolved[1] if resolved else group  # an unknown 二级 stays as written: model.py says so
        return found

    def find(self, name: str) -> tuple[str, int] | None:
        if name not in self.inherited:
            return None
        for key, entries in self.groups.items():
            for i, existing in enumerate(entries):
                if existing.name == name and existing.origin != SPEC:
                    return key, i
        return None

    def put(self, entry: Entry) -> None:
        """Add `entry`; an inherited one of the same name is replaced in place (same 二级) or moved.
        Two of the spec's own with one name both stay, for model.py to report."""
        key = self.key(entry.group)
        found = self.find(entry.name)
        replaced = None
        if found:
            old = self.groups[found[0]][found[1]]
            replaced = (old.origin, old.value) if entry.origin == SPEC else old.replaced
        if entry.group != key or entry.replaced != replaced:
            entry = Entry(key, entry.name, entry.value, entry.origin, entry.file, entry.line, entry.spec_line,
                          replaced, entry.group_line)
        if found:
            self.inherited.discard(entry.name)
        if entry.origin != SPEC:
            self.inherited.add(entry.name)
        if found and found[0] == key:
            self.groups[key][found[1]] = entry
            return
        if found:
            self.groups[found[0]].pop(found[1])
        self.groups.setdefault(key, []).append(entry)

    def drop(self, drops: set[str]) -> None:
        if not drops:  # (inherited is already the names of the entries not the spec's own)
            return
        for key, entries in self.groups.items():
            self.groups[key] = [e for e in entries if not (
                e.name in drops or key in drops or self.variant.level1_of.get(key) in drops)]
        self.inherited = {e.name for e in self.entries() if e.origin != SPEC}

    def entries(self) -> list[Entry]:
        return [entry for entries in self.groups.values() for entry in entries]

    def names(self) -> set[str]:
        return {entry.name for entries in self.groups.values() for entry in entries}


def _resolve_drop(name: str, variant: Variant | None) -> str:
    """A 二级 as written (maybe another year's name) → the variant's; 一级 and 三级 stay."""
    if variant is None or name in variant.framework:
        return name
    resolved = variant.resolve_level2(name)
    return resolved[1] if resolved else name


def expand(loaded: Loaded, department: DepartmentSpec, variant: Variant | None = None,
           library: Library | None = None, problems: Problems | None = None) -> Expanded:
    """The full spec of one project (or unit). Without a variant only the department's fields are inherited."""
    problems = problems if problems is not None else Problems()
    spec = loaded.spec
    source = loaded.source
    inherited_keys, where = _shape(type(spec))
    inherited_fields = {key: getattr(spec, key) or getattr(department, key) for key in inherited_keys}
    funds = getattr(spec, "项目资金", None)
    budget = funds.年度预算 if funds is not None else Decimal(0)
    own = flatten(getattr(spec, where), source, variant, problems, SPEC, key=where)
    if variant is None:
        return Expanded(spec.model_copy(update=inherited_fields), source, department.年度, tuple(own), budget=budget)

    fields = {"项目名称": getattr(spec, "项目名称", ""), "预算": plain_amount(budget)}
    category_line = source.line(("类别",))
    categories = _categories(spec, source, library, problems)
    merge = _Merge(variant)
    for category in categories:
        items, said, lined = _category_entries(category, variant)
        for problem in said:
            problems.add(problem.file, problem.line, problem.field, problem.message, warning=problem.warning)
        made = lined.get(category_line) if lined is not None else None
        if made is None:
            made = [Entry(item.group, fill_placeholders(item.name, fields) if fill_name else item.name,
                          fill_placeholders(item.value, fields) if fill_value else item.value,
                          item.origin, item.file, item.line, category_line, None, item.group_line)
                    for item, fill_name, fill_value in items]
            if lined is not None:  # nothing to fill: the same entries for every project with 类别 on this line
                lined[category_line] = made
        for entry in made:
            merge.put(entry)

    # 不适用 of the spec drops anything inherited; a category's only the variant's defaults
    dropped = getattr(spec, "不适用", [])
    spec_drops = {_resolve_drop(name, variant) for name in dropped}
    category_drops = {_resolve_drop(name, variant) for category in categories for name in category.not_applicable}
    inherited = merge.names() | _default_names(variant, fields)
    own_names = {entry.name for entry in own}
    for index, name in enumerate(dropped):
        _check_drop(name, index, own_names, inherited, variant, source, problems)
    merge.drop(spec_drops)
    for item in own:
        merge.put(item)

    drops = spec_drops | category_drops
    present = merge.names()
    defaults = None
    for group, items in variant.defaults.items():
        key = merge.key(group)
        if merge.groups.get(key) or key in drops or variant.level1_of[key] in drops:
            continue  # the project has its own (or its category's) indicator here, or none at all
        if defaults is None:
            defaults = _of_settings(variant).default_entries(variant, merge)
        for name, value, entry in defaults[group]:
            if entry is None:  # placeholders: this project's own
                name, value = fill_placeholders(name, fields), fill_placeholders(value, fields)
            if name not in present and name not in drops:
                merge.groups.setdefault(key, []).append(
                    entry or Entry(key, name, value, DEFAULT, variant.folder / SETTINGS, None, None))

    entries = []
    full: dict[str, dict[str, str]] = {}
    for group, items in merge.groups.items():
        for entry in items:
            if entry.value is None:
                problems.add(source.path, category_line, "类别",
                             f"类别「{entry.origin.removeprefix(CATEGORY)}」的指标「{entry.name}」需要由项目给出指标值："
                             f"请在 {where}.{entry.group} 下写上「{entry.name}: …」，或把它写进 不适用")
                continue
            entries.append(entry)
            full.setdefault(entry.group, {})[entry.name] = entry.value
    filled = spec.model_copy(update={**inherited_fields, where: full})
    return Expanded(filled, source, department.年度, tuple(entries), tuple(categories), frozenset(drops), budget)


_CATEGORY_ENTRIES: dict[tuple[int, int], tuple[Category, Any, list, list, dict | None]] = {}


def _category_entries(category: Category, variant: Variant) -> tuple[list[tuple[Entry, bool, bool]], list,
                                                                        dict[int | None, list[Entry]] | None]:
    """A category's entries for a variant (without the project's line of 类别), each with whether its
    name and value hold placeholders to fill, and the problems flattening says: the same for every
    project of the category, so flattened once per category and variant settings in a process.
    Third: where no entry has a placeholder, a dict for the caller to keep the entries made with a
    line of 类别 (frozen, shared by the projects with 类别 on that line), else None."""
    key = (id(category), id(variant.settings))
    cached = _CATEGORY_ENTRIES.get(key)
    if cached is None or cached[0] is not category or cached[1] is not variant.settings:
        said = Problems()
        items = [(item, _has_fields(item.name), item.value is not None and _has_fields(item.value))
                 for item in flatten(category.indicators, category.source, variant, said, CATEGORY + category.name)]
        if len(_CATEGORY_ENTRIES) > 256:
            _CATEGORY_ENTRIES.clear()
        lined = None if any(name or value for _, name, value in items) else {}
        # the category and the settings are kept with their entries: their ids stay theirs
        cached = _CATEGORY_ENTRIES[key] = (category, variant.settings, items, said.items, lined)
    elif cached[4] is not None and len(cached[4]) > 64:  # 类别 is on one of a few lines; memory stays flat
        cached[4].clear()
    return cached[2], cached[3], cached[4]


class _Settings:
    """What expanding works out from a variant's settings alone, once per settings in a process: a
    二级 as written → its key in _Merge, the default indicators' names (those without placeholders
    as a set) and entries (by variant folder, those without placeholders: the same for every project)."""

    def __init__(self, variant: Variant):
        self.settings = variant.settings
        self.keys: dict[str, str] = {}
        names = [name for items in variant.defaults.values() for name in items]
        self.plain_names = {name for name in names if not _has_fields(name)}
        self.filled_names = [name for name in names if _has_fields(name)]
        self.defaults: dict[Path, dict[str, list[tuple[str, str, Entry | None]]]] = {}

    def default_entries(self, variant: Variant, merge: _Merge) -> dict[str, list[tuple[str, str, Entry | None]]]:
        """Per 二级 of the defaults (as written), each default's name, value and, where neither holds
        a placeholder, its entry (filling changes nothing there: format_map only turns `{{` into `{`,
        and such a text has a brace)."""
        found = self.defaults.get(variant.folder)
        if found is None:
            if len(self.defaults) >= 16:
                self.defaults.clear()
            file = variant.folder / SETTINGS
            found = self.defaults[variant.folder] = {
                group: [(name, value, None if _has_fields(name) or _has_fields(value) else
                         Entry(merge.key(group), name, value, DEFAULT, file, None, None))
                        for name, value in items.items()]
                for group, items in variant.defaults.items()}
        return found


_SETTINGS: dict[int, tuple[Any, _Settings]] = {}


def _of_settings(variant: Variant) -> _Settings:
    found = per_settings(_SETTINGS, variant, lambda: _Settings(variant))
    if len(found.keys) > 1024:  # 二级 as authors write them: a few dozen
        found.keys.clear()
    return found


def _has_fields(text: str) -> bool:
    """Whether filling placeholders can change `text` (format_map also turns `{{` into `{`)."""
    return "{" in text or "}" in text


def _default_names(variant: Variant, fields: dict[str, str]) -> set[str]:
    known = _of_settings(variant)
    return known.plain_names | {fill_placeholders(name, fields) for name in known.filled_names}


def _check_drop(name: str, index: int, own: set[str], inherited: set[str], variant: Variant, source: Source,
                problems: Problems) -> None:
    path = ("不适用", index) if ("不适用", index) in source.lines else ("不适用", name)
    if name in variant.framework or variant.resolve_level2(name) is not None or name in inherited:
        if name in own:
            problems.add(source.path, source.line(path), "不适用",
                         f"「{name}」既写在 不适用 中，又写在 绩效指标 中：请删去其中一处")
        return
    if name in own:
        message = f"「{name}」是本文件自己写的指标，不是继承来的：直接删去 绩效指标 中那一行即可"
    else:
        candidates = sorted(inherited) + list(variant.level1_of) + list(variant.framework)
        close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.4)
        message = f"「{name}」既不是继承来的指标（类别或默认指标），也不是二级/一级指标" + \
            (f"，是否想写「{close[0]}」？" if close else "")
    problems.add(source.path, source.line(path), "不适用", message)


def _categories(spec: Any, source: Source, library: Library | None, problems: Problems) -> list[Category]:
    given = getattr(spec, "类别", None)
    names = [] if given is None else [given] if isinstance(given, str) else list(given)
    out: list[Category] = []
    for index, name in enumerate(names):
        category = library.get(name) if library else None
        if category is None:
            path = ("类别", index) if isinstance(given, list) else ("类别",)
            problems.add(source.path, source.line(path), "类别",
                         library.unknown(name) if library else f"没有类别「{name}」")
            continue
        if category not in out:
            out.append(category)
    return out
