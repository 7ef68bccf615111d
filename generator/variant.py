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


def is_variant_name(name: object) -> bool:
    """A 格式 is the name of a folder under templates/: no separator, no `..`, not hidden."""
    return (isinstance(name, str) and bool(name.strip()) and not name.startswith(".")
            and not any(sep in name for sep in ("/", "\\", "\0", ":")))


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


@dataclass(frozen=True)
class CheckboxStyle:
    checked: str = "☑"
    unchecked: str = "☐"
    item: str = "{name} {box}"
    separator: str = " "


class Variant:
    """One format of the table, read from templates/<name>/settings.yaml."""

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
        """The variant named `name` (a folder directly under `root`: a name, never a path)."""
        folder = root / name
        if not is_variant_name(name) or folder.resolve().parent != root.resolve():
            raise VariantError(f"格式「{name}」不是格式名：格式写 templates/ 下一个目录的名字，不能是路径")
        if not (folder / SETTINGS).is_file():
            known = sorted(p.parent.name for p in root.glob(f"*/{SETTINGS}"))
            raise VariantError(f"格式「{name}」不存在；可用的格式：{'、'.join(known) or '（无）'}（在 {root}）")
        return cls(folder)

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
