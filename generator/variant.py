"""A variant is a folder under templates/: a Word template plus settings.yaml. This is its typed view.

Every difference between two years' forms lives in that folder; Python only knows how to read the
settings. Absent keys fall back to documented defaults (the copier `Template` idea).
"""
from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any, Callable

from .errors import Frozen, SettingsErrors, VariantError
# where the variants are is layout.py's: a build with nothing to do needs it, without pydantic
from .layout import PACKAGE_TEMPLATES, SETTINGS, Templates, templates_root  # noqa: F401
from .settings import (AmountStyle, CheckboxStyle, EveryLevel2, ExcelStyle, ExplanationRule,  # noqa: F401
                       FixedIndicators, FundsLayout, ListStyle, PrintStyle, ValueStyle, VariantSettings, read_settings)

CATEGORY = "项目类别"   # the spec's one required classification (spec.ProjectSpec)


class Classification(Frozen):
    """A field of the project spec that takes one of a list of values, and how it prints."""

    __slots__ = ("key", "values", "print")
    key: str
    values: tuple[str, ...]
    print: str

    def __init__(self, key: str, values: tuple[str, ...], print: str = "text"):  # noqa: A002  (settings' word)
        self._set(key=key, values=values, print=print)


def is_variant_name(name: object) -> bool:
    """A 格式 is the name of a folder under templates/: no separator, no `..`, not hidden."""
    return (isinstance(name, str) and bool(name.strip()) and not name.startswith(".")
            and not any(sep in name for sep in ("/", "\\", "\0", ":")))


def per_settings(store: dict[int, tuple[Any, Any]], variant: "Variant", make: Callable[[], Any]) -> Any:
    """What `store` remembers for a variant's settings, made by `make()` the first time: kept by the
    settings object's identity (with the object, so that a new one at a freed id is not taken for
    it), for at most 16 settings; a process builds tables of a few variants."""
    settings = variant.settings
    found = store.get(id(settings))
    if found is None or found[0] is not settings:
        if len(store) >= 16:
            store.clear()
        found = store[id(settings)] = (settings, make())
    return found[1]


class Variant:
    """One format of the table, read from templates/<name>/settings.yaml (settings.py says what
    each key means); raises SettingsErrors, every problem at its line, if the settings are wrong."""

    style: str | None = None   # the style of the projects this view prints (see `styled`)

    def __init__(self, folder: Path):
        self.folder = folder
        settings_path = folder / SETTINGS
        try:
            raw = settings_path.read_bytes()
        except OSError as exc:
            raise VariantError(f"格式「{folder.name}」不存在：找不到 {settings_path}") from exc
        settings, problems = read_settings(settings_path, raw)
        if settings is None:
            raise SettingsErrors(problems)
        self.settings: VariantSettings = settings

    @classmethod
    def load(cls, name: str, root: "Templates | Path") -> "Variant":
        """The variant named `name` (a folder directly under one of the template folders, the
        nearest that has it: a name, never a path)."""
        layers = Templates.of(root)
        if not is_variant_name(name):
            raise VariantError(f"格式「{name}」不是格式名：格式写 templates/ 下一个目录的名字，不能是路径")
        folder = layers.find(name)
        if folder is None or folder.resolve().parent != folder.parent.resolve():
            known = list(layers.variants())
            raise VariantError(f"格式「{name}」不存在；可用的格式：{'、'.join(known) or '（无）'}（在 {layers}）")
        return cls(folder)

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def form(self) -> str:
        """Which spec shape this table is filled from: `project` (one per 项目) or `unit`."""
        return self.settings.form

    @property
    def title(self) -> str:
        return self.settings.title

    @property
    def subtitle(self) -> str:
        return self.settings.subtitle

    @property
    def labels(self) -> dict[str, str]:
        return self.settings.labels

    @property
    def word_template(self) -> Path:
        return self.folder / self.settings.word

    def styled(self, style: str | None) -> "Variant":
        """This variant as the projects of style `style` print (settings.yaml `styles:`); itself
        for None. The name stays: it is the same 格式."""
        if not style:
            return self
        if style not in self.settings.styles:
            raise VariantError(f"格式「{self.name}」没有样式「{style}」；可用：{'、'.join(self.settings.styles) or '（无）'}")
        view = object.__new__(type(self))
        view.folder, view.style, view.settings = self.folder, style, self.settings.styled(style)
        return view

    @property
    def styles(self) -> list[str]:
        return list(self.settings.styles)

    @property
    def years(self) -> list[int]:
        """The budget years the form was printed for (the importer tells same-title forms apart by them)."""
        return self.settings.years

    @cached_property
    def classifications(self) -> tuple[Classification, ...]:
        """The fields that take one of a list of values, in print order; without `classifications:`
        one, 项目类别, of the `categories` (printed as text; 项目类别勾选 gives the boxes)."""
        given = self.settings.classifications
        if not given:
            return (Classification(CATEGORY, tuple(self.settings.categories)),) if self.settings.categories else ()
        return tuple(Classification(key, tuple(kind.values), kind.print) for key, kind in given.items())

    @property
    def categories(self) -> list[str]:
        """The values of 项目类别 (`categories`, or its entry of `classifications`)."""
        given = self.settings.classifications.get(CATEGORY)
        return list(given.values) if given else self.settings.categories

    @property
    def funds(self) -> FundsLayout:
        return self.settings.funds

    @property
    def every_level2(self) -> dict[str, Any] | None:
        """Where the form prints 二级 a project has no indicator under: which 二级, and the row there."""
        every = self.settings.every_level2
        if every is None:
            return None
        return {"二级": every.二级 or list(self.level1_of), "三级": every.三级, "指标值": every.指标值}

    @property
    def unique_names(self) -> str:
        return self.settings.unique_names

    @property
    def one_off_categories(self) -> list[str]:
        """Categories of projects that end with their year: `perfgen new` flags them for review."""
        return self.settings.one_off

    @property
    def checkbox(self) -> CheckboxStyle:
        return self.settings.checkbox

    @property
    def date_format(self) -> str:
        return self.settings.dates

    @property
    def amounts(self) -> AmountStyle:
        return self.settings.amounts

    @property
    def values(self) -> ValueStyle:
        return self.settings.values

    @property
    def framework(self) -> dict[str, list[str]]:
        """一级 → its 二级, in the order the table prints them."""
        return self.settings.framework

    @property
    def aliases(self) -> dict[str, str]:
        """Other names for a 二级 (another year's framework, older wording) → this variant's 二级."""
        return self.settings.aliases

    @cached_property
    def level1_of(self) -> dict[str, str]:
        return {l2: l1 for l1, l2s in self.framework.items() for l2 in l2s}

    def resolve_level2(self, name: str) -> tuple[str, str] | None:
        """(一级, 二级) for a 二级 as an author wrote it, or None if this variant has no such 二级."""
        name = self.aliases.get(name, name)
        if name in self.level1_of:
            return self.level1_of[name], name
        return None

    def order_key(self, level1: str, level2: str) -> tuple[int, int]:
        known = self._order.get((level1, level2))
        if known is not None:
            return known
        l1s = list(self.framework)  # not in the framework: the ValueError list.index raises
        return l1s.index(level1), self.framework[level1].index(level2)

    @cached_property
    def _order(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(一级, 二级) → their places in the framework (sorting a project's indicators asks for each)."""
        places: dict[tuple[str, str], tuple[int, int]] = {}
        for i, (level1, level2s) in enumerate(self.framework.items()):
            for j, level2 in enumerate(level2s):
                places.setdefault((level1, level2), (i, j))  # list.index's: the first
        return places

    @property
    def defaults(self) -> dict[str, dict[str, str]]:
        """Indicators every project gets (二级 as written → 三级 → value, in spec terms), each only where
        the project has no indicator of its own under that 二级. Names and values may hold
        {项目名称} and {预算} (年度资金申请总额 in 元)."""
        return self.settings.defaults

    @property
    def lists(self) -> ListStyle:
        """Patterns for numbered lists printed inside one cell (e.g. 单位职责 → "{n}.{text}")."""
        return self.settings.lists

    @property
    def fixed_indicators(self) -> FixedIndicators | None:
        """A block of indicator rows the form itself prescribes (一级, its 二级, one merged note)."""
        return self.settings.fixed_indicators

    @property
    def explanations(self) -> list[ExplanationRule]:
        """Rules that write 指标解释 and 评(扣)分标准 by the indicator's kind (see explain.py)."""
        return self.settings.explanations

    @property
    def print_style(self) -> PrintStyle:
        """How the tables print (`print:`): fonts, column widths, cell padding, page numbers."""
        return self.settings.print

    @property
    def excel(self) -> ExcelStyle:
        return self.settings.excel

    @property
    def stages(self) -> dict[str, str]:
        """The forms of the year's later stages (监控, 自评) on this form's indicators (`stages:`)."""
        return self.settings.stages

    @property
    def choices(self) -> dict[str, list[str]]:
        """The words a fact may use where the form prints one of a list (`choices:`)."""
        return self.settings.choices

    @property
    def blank(self) -> str:
        """What a cell prints where the form has nothing to say (`empty:`)."""
        return self.settings.empty

    @property
    def judged(self) -> str:
        """How a qualitative 实际完成值 prints with the band claimed for it (`judged:`)."""
        return self.settings.judged

    @property
    def rate_format(self) -> str:
        """How a rate prints (`rates:`)."""
        return self.settings.rates

    def __repr__(self) -> str:
        return f"Variant({self.name!r})"
