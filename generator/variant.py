"""A variant is a folder under templates/: a Word template plus settings.yaml. This is its typed view.

Every difference between two years' forms lives in that folder; Python only knows how to read the
settings. Absent keys fall back to documented defaults (the copier `Template` idea).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from .amounts import AmountStyle
from .category import placeholder_problem
from .errors import VariantError
# where the variants are is layout.py's: a build with nothing to do needs it, without pydantic
from .layout import PACKAGE_TEMPLATES, SETTINGS, templates_root  # noqa: F401


@lru_cache(maxsize=32)
def _parsed(raw: bytes) -> Any:
    import yaml  # not needed to find the templates folder (a build with nothing to do)

    # settings are written by whoever designs the form, typed YAML is what they expect
    return yaml.safe_load(raw.decode("utf-8"))


def _settings(raw: bytes) -> dict[str, Any]:
    """The settings of a settings.yaml, parsed once per content (a district's hundred folders
    share two or three variants); each Variant gets its own copy."""
    return copy.deepcopy(_parsed(raw)) or {}


@dataclass(frozen=True)
class ValueStyle:
    """How indicator values print: patterns over {op} {number} {unit} {note} {written} {text}."""

    quantitative: str = "{op}{number}({unit}){note}"
    quantitative_without_unit: str = "{op}{number}{note}"
    qualitative: str = "{text}"
    decimals: int | None = 2
    blank: bool = False     # the form allows an indicator without a value (an empty cell)


@dataclass(frozen=True)
class CheckboxStyle:
    checked: str = "☑"
    unchecked: str = "☐"
    item: str = "{name} {box}"
    separator: str = " "


# Settings a style (`styles:`) may change for the projects that choose it: how things print, never
# what a project is (its framework, categories, defaults and checks stay the variant's).
STYLE_KEYS = ("amounts", "values", "funds", "dates", "labels", "checkbox")
# The 项目资金 block of the project forms, row by row (left | right), when a variant does not say.
FUNDS_ROWS = (("项目资金总额", "年度资金申请总额"), ("财政资金", "当年财政拨款"), (None, "上年结转资金"),
              ("其他资金", "年度其他资金"))


@dataclass(frozen=True)
class Classification:
    """A field of a project that takes one of a list of values (项目类别, 项目性质): its spec key
    (also its label key), the values, and how the form prints it (`text`, or `checkbox`: every
    value with a box, the chosen one ticked)."""

    key: str
    values: tuple[str, ...]
    print: str = "text"


@dataclass(frozen=True)
class FundsLayout:
    """The 项目资金 block: its rows (left key | right key, None for an empty side) and the amounts
    whose cells stay empty (a form that fills the 年度 side only)."""

    rows: tuple[tuple[str | None, str | None], ...] = FUNDS_ROWS
    unprinted: frozenset[str] = frozenset()

    @property
    def keys(self) -> list[str]:
        return [key for row in self.rows for key in row if key]


class Variant:
    """One format of the table, read from templates/<name>/settings.yaml."""

    style: str | None = None   # the name of the style this view applies (see `styled`)

    def __init__(self, folder: Path):
        self.folder = folder
        settings_path = folder / SETTINGS
        if not settings_path.is_file():
            raise VariantError(f"格式「{folder.name}」不存在：找不到 {settings_path}")
        import yaml

        try:
            self.settings: dict[str, Any] = _settings(settings_path.read_bytes())
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise VariantError(f"{settings_path}: 无法读取格式设置：{exc}") from exc

    @classmethod
    def load(cls, name: str, root: Path) -> "Variant":
        folder = root / name
        if not (folder / SETTINGS).is_file():
            known = sorted(p.parent.name for p in root.glob(f"*/{SETTINGS}"))
            raise VariantError(f"格式「{name}」不存在；可用的格式：{'、'.join(known) or '（无）'}（在 {root}）")
        return cls(folder)

    def styled(self, style: str | None) -> "Variant":
        """This variant as the projects of style `style` print (its `styles:` entry over the
        settings, one level deep); itself for None. The name stays: it is the same 格式."""
        if not style:
            return self
        styles = self.styles
        if style not in styles:
            raise VariantError(f"格式「{self.name}」没有样式「{style}」；可用：{'、'.join(styles) or '（无）'}")
        view = object.__new__(type(self))
        view.folder, view.style = self.folder, style
        settings = copy.deepcopy(self.settings)
        for key, value in styles[style].items():
            base = settings.get(key)
            settings[key] = {**base, **value} if isinstance(base, dict) and isinstance(value, dict) else value
        view.settings = settings
        return view

    @cached_property
    def styles(self) -> dict[str, dict[str, Any]]:
        """Named sets of presentation settings a project may choose with `样式:` (one department's
        tables in two styles; alternative layouts of the 项目资金 block)."""
        raw = self._get("styles", {})
        where = f"{self.folder / SETTINGS}: styles"
        if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
            raise VariantError(f"{where} 应为「样式名: {{设置: 值}}」的映射")
        for name, overrides in raw.items():
            unknown = [key for key in overrides if key not in STYLE_KEYS]
            if unknown:
                raise VariantError(f"{where}.{name}: 样式不能改「{'、'.join(unknown)}」；可改：{'、'.join(STYLE_KEYS)}")
        return {str(k): dict(v) for k, v in raw.items()}

    @cached_property
    def years(self) -> tuple[int, ...]:
        """The budget years this form was printed for: tables of two forms with one title are told
        apart by the year under the title (perfgen import)."""
        return tuple(int(y) for y in self._get("years", []))

    @cached_property
    def classifications(self) -> tuple[Classification, ...]:
        """The project's fields that take one of a list of values, in print order; a form that
        does not list them has one, 项目类别 (its `categories`, printed as text)."""
        raw = self._get("classifications")
        if raw is None:
            return (Classification("项目类别", tuple(self.categories)),) if self.categories else ()
        where = f"{self.folder / SETTINGS}: classifications"
        out = []
        for key, item in dict(raw).items():
            if not isinstance(item, dict) or not item.get("values"):
                raise VariantError(f"{where}.{key} 应为「values: [可选的值], print: text 或 checkbox」")
            printed = item.get("print", "text")
            if printed not in ("text", "checkbox"):
                raise VariantError(f"{where}.{key}.print 应为 text 或 checkbox，不是「{printed}」")
            out.append(Classification(str(key), tuple(str(v) for v in item["values"]), printed))
        return tuple(out)

    @cached_property
    def funds(self) -> FundsLayout:
        raw = self._get("funds", {})
        rows = raw.get("rows")
        layout = FundsLayout(
            rows=tuple((row[0], row[1]) for row in rows) if rows else FUNDS_ROWS,
            unprinted=frozenset(raw.get("unprinted", [])))
        known = {key for row in FUNDS_ROWS for key in row if key}
        wrong = [key for key in [*layout.keys, *layout.unprinted] if key not in known]
        if wrong or any(len(row) != 2 for row in (rows or [])):
            raise VariantError(f"{self.folder / SETTINGS}: funds 的每行应为「[左边的金额, 右边的金额]」，金额为"
                               f"{'、'.join(sorted(known))} 之一或 null" + (f"；不认识「{'、'.join(wrong)}」" if wrong else ""))
        return layout

    @cached_property
    def every_level2(self) -> dict[str, Any] | None:
        """Where the form prints 二级 a project has no indicator under: which 二级 (all of the
        framework unless listed) and the row it prints there (三级 and 指标值, e.g. 无 | 无)."""
        raw = self._get("every_level2")
        if not raw:
            return None
        listed = raw.get("二级") or list(self.level1_of)
        wrong = [name for name in listed if name not in self.level1_of]
        if wrong:
            raise VariantError(f"{self.folder / SETTINGS}: every_level2.二级 「{'、'.join(wrong)}」不是本格式的二级指标")
        return {"二级": list(listed), "三级": str(raw.get("三级", "")), "指标值": str(raw.get("指标值", ""))}

    @cached_property
    def unique_names(self) -> str:
        """Where a 三级 name must be unique: `table` (default) or `level2` (within its 二级 only)."""
        value = self._get("unique_names", "table")
        if value not in ("table", "level2"):
            raise VariantError(f"{self.folder / SETTINGS}: unique_names 应为 table 或 level2，不是「{value}」")
        return value

    def _get(self, key: str, default: Any = None) -> Any:
        value = self.settings.get(key, default)
        return default if value is None else value

    @property
    def name(self) -> str:
        return self.folder.name

    @cached_property
    def form(self) -> str:
        """Which spec shape this table is filled from: `project` (one per 项目) or `unit`."""
        return self._get("form", "project")

    @cached_property
    def title(self) -> str:
        return self._get("title", "")

    @cached_property
    def subtitle(self) -> str:
        return self._get("subtitle", "")

    @cached_property
    def labels(self) -> dict[str, str]:
        return dict(self._get("labels", {}))

    @cached_property
    def word_template(self) -> Path:
        return self.folder / self._get("word", "table.docx")

    @cached_property
    def categories(self) -> list[str]:
        """The values of 项目类别 (`categories`, or its entry under `classifications`)."""
        raw = self._get("classifications") or {}
        if isinstance(raw, dict) and isinstance(raw.get("项目类别"), dict):
            return list(raw["项目类别"].get("values") or [])
        return list(self._get("categories", []))

    @cached_property
    def one_off_categories(self) -> list[str]:
        """Categories of projects that end with their year: `perfgen new` flags them for review."""
        return list(self._get("one_off", []))

    @cached_property
    def checkbox(self) -> CheckboxStyle:
        return CheckboxStyle(**self._get("checkbox", {}))

    @cached_property
    def date_format(self) -> str:
        return self._get("dates", "{year}-{month:02d}-{day:02d}")

    @cached_property
    def amounts(self) -> AmountStyle:
        return AmountStyle(**self._get("amounts", {}))

    @cached_property
    def values(self) -> ValueStyle:
        return ValueStyle(**self._get("values", {}))

    @cached_property
    def framework(self) -> dict[str, list[str]]:
        """一级 → its 二级, in the order the table prints them."""
        return {str(k): list(v) for k, v in self._get("framework", {}).items()}

    @cached_property
    def aliases(self) -> dict[str, str]:
        """Other names for a 二级 (another year's framework, older wording) → this variant's 二级."""
        return dict(self._get("aliases", {}))

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
        l1s = list(self.framework)
        return l1s.index(level1), self.framework[level1].index(level2)

    @cached_property
    def defaults(self) -> dict[str, dict[str, str]]:
        """Indicators every project gets (二级 as written → 三级 → value, in spec terms), each only where
        the project has no indicator of its own under that 二级. Names and values may hold
        {项目名称} and {预算} (年度资金申请总额 in 元)."""
        raw = self._get("defaults", {})
        where = f"{self.folder / SETTINGS}: defaults"
        if not isinstance(raw, dict):
            raise VariantError(f"{where} 应为「二级指标: {{三级指标: 指标值}}」的映射")
        out: dict[str, dict[str, str]] = {}
        for group, items in raw.items():
            if self.resolve_level2(str(group)) is None:
                raise VariantError(f"{where}: 「{group}」不是本格式的二级指标")
            if not isinstance(items, dict) or not items:
                raise VariantError(f"{where}.{group} 应为「三级指标: 指标值」的映射")
            out[str(group)] = {str(k): str(v) for k, v in items.items()}
            for text in (t for pair in out[str(group)].items() for t in pair):
                problem = placeholder_problem(text)
                if problem:
                    raise VariantError(f"{where}.{group}: {problem}")
        return out

    @cached_property
    def checks(self) -> dict[str, Any]:
        """The validator's view of this form: which 一级 hold 产出/效益/满意度, which 二级 hold cost
        caps, thresholds. A check whose level is not named here does not run."""
        raw = self._get("checks", {})
        if not isinstance(raw, dict):
            raise VariantError(f"{self.folder / SETTINGS}: checks 应为映射")
        return dict(raw)

    @cached_property
    def lists(self) -> dict[str, str]:
        """Patterns for numbered lists printed inside one cell (e.g. 单位职责 → "{n}.{text}")."""
        return dict(self._get("lists", {}))

    @cached_property
    def fixed_indicators(self) -> dict[str, Any] | None:
        """A block of indicator rows the form itself prescribes (一级, its 二级, one merged note)."""
        return self._get("fixed_indicators")

    @cached_property
    def explanations(self) -> list[dict[str, Any]]:
        """Rules that write 指标解释 and 评(扣)分标准 by the indicator's kind (see explain.py)."""
        return list(self._get("explanations", []))

    @cached_property
    def excel(self) -> dict[str, Any]:
        return dict(self._get("excel", {}))

    def __repr__(self) -> str:
        return f"Variant({self.name!r})"
