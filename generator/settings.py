"""What a variant's settings.yaml may say: one typed model, the reference of every key.

A variant is a folder under templates/ (a Word template plus settings.yaml); everything that makes
one year's form differ from another's is written there. Each key below is a field with its default
and what it does (docs/adding-a-form.md prints this reference; a test keeps the two the same).
Unknown keys are errors at every level — a misspelt `defualts:` would otherwise silently drop every
default indicator — and so is a pattern with a placeholder the form cannot fill. Problems are said
like a spec's: `templates/<variant>/settings.yaml:行 键: 说明`, with "是否想写…".

Settings are read through source.py (every scalar is text, with its line) and validated here once
per content: a district's hundred spec folders share two or three variants.
"""
# (no `from __future__ import annotations`: pydantic would compile every field's annotation from its text)

import difflib
import string
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator,
                      model_validator)

from .amounts import WAN, format_number
from .errors import Located, Problem, Problems
from .source import SourceError, decode, parse
from .spec import validate

# defer_build: a model's validator is built when first used, not at import: a build that reads no
# settings file (a no-op, a check of specs alone) does not pay for it. Nested models' defaults are
# therefore factories: an instance made at import would force its class to be built then.
Strict = ConfigDict(extra="forbid", frozen=True, defer_build=True)
PLACEHOLDERS = ("项目名称", "预算")  # what a variant default or a category may fill in


# ---------------------------------------------------------------- patterns

def pattern_problem(text: str, fields: dict[str, Any]) -> str | None:
    """Why `text` cannot be filled in with `fields` (a sample value of each), or None."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return f"「{text}」的花括号不成对（字面的花括号写成 {{{{ 和 }}}}）"
    available = "、".join("{" + name + "}" for name in fields)
    for name in names:
        if name not in fields:
            close = difflib.get_close_matches(name, list(fields), n=1, cutoff=0.4)
            hint = f"是否想写「{{{close[0]}}}」？" if close else ""
            return f"「{text}」中的 {{{name}}} 无法填写；{hint}可用：{available or '（无）'}"
    try:
        text.format(**fields)
    except (ValueError, IndexError, KeyError, AttributeError, TypeError) as exc:
        return f"「{text}」无法填写（{exc}）"
    return None


def _pattern(**fields: Any):
    """A text with `{placeholders}` from `fields` (name → a sample value of its type)."""
    def check(text: str) -> str:
        problem = pattern_problem(text, fields)
        if problem:
            raise ValueError(problem)
        return text

    return AfterValidator(check)


def _as_list(value: Any) -> Any:
    """`suffix: 完成率` is shorthand for a one-item list."""
    return [value] if isinstance(value, str) else value


Names = Annotated[list[str], BeforeValidator(_as_list)]
_VALUE = dict(op="≥", number="90.00", unit="%", note="", written="≥90%")
_EXPLAINED = dict(三级="", 对象="", 指标值="", 计量单位="", 方向="", 得到="")


# ---------------------------------------------------------------- the sections

class CheckboxStyle(BaseModel):
    """`checkbox:` — how 项目类别 prints when a template places 项目类别勾选: every category, one ticked."""

    model_config = Strict
    checked: str = Field("☑", description="the ticked box")
    unchecked: str = Field("☐", description="an empty box")
    item: Annotated[str, _pattern(name="", box="")] = Field(
        "{name} {box}", description="one category: {name} its name, {box} its box")
    separator: str = Field(" ", description="between two categories")


class AmountStyle(BaseModel):
    """`amounts:` — how money prints (amounts are always exact 元 inside perfgen)."""

    model_config = Strict
    unit: Literal["元", "万元"] = Field("元", description="元, or 万元 (the exact amount ÷ 10000)")
    decimals: int = Field(2, ge=0, le=6, description="digits after the point, rounded half up")
    thousands: bool = Field(True, description="thousands separators (19,200)")
    absent: str = Field("-", description="what an amount the author did not give prints as")

    def scaled(self, amount: Decimal) -> Decimal:
        """The exact amount in this style's unit (dividing by 10000 is exact in Decimal)."""
        return amount / WAN if self.unit == "万元" else amount

    def format(self, amount: Decimal | None) -> str:
        if amount is None:
            return self.absent
        return format_number(self.scaled(amount), self.decimals, self.thousands)

    @property
    def number_format(self) -> str:
        """The Excel number format that prints a scaled amount the way `format` does."""
        whole = "#,##0" if self.thousands else "0"
        return whole + ("." + "0" * self.decimals if self.decimals > 0 else "")


class ValueStyle(BaseModel):
    """`values:` — how indicator values print. Placeholders: {op} the operator (≥), {number} the
    number in `decimals`, {unit}, {note} what follows the unit (` (10月前)`), {written} the value as
    the author wrote it (operator spelled properly); {text} a qualitative value."""

    model_config = Strict
    quantitative: Annotated[str, _pattern(**_VALUE)] = Field(
        "{op}{number}({unit}){note}", description="a quantity with a unit: =100.00(%)")
    quantitative_without_unit: Annotated[str, _pattern(**_VALUE)] = Field(
        "{op}{number}{note}", description="a quantity without a unit: ≥2.00")
    qualitative: Annotated[str, _pattern(text="")] = Field("{text}", description="a phrase: 及时")
    quantitative_nature: str = Field("定量指标", description="what 指标性质 prints for a quantity")
    qualitative_nature: str = Field("定性指标", description="what 指标性质 prints for a phrase")
    decimals: int | None = Field(2, ge=0, le=6, description="digits of {number}; null: as written. "
                                                             "A value written as the form prints it (≥40(公顷)) keeps its own")
    blank: bool = Field(False, description="an indicator may have no value (`名称:` or `名称: ''`): its cell "
                                           "stays empty; otherwise a missing value is an error")


class ChecksSettings(BaseModel):
    """`checks:` — the validator's warnings (perfgen check). A check whose level is not named does not run."""

    model_config = Strict
    output: str | None = Field(None, description="the 一级 of 产出: warn when a project has none")
    benefit: str | None = Field(None, description="the 一级 of 效益: warn when a project has none")
    satisfaction: str | None = Field(None, description="the 一级 of 满意度: warn when none (unless 不适用) "
                                                       "or a target below satisfaction_min")
    cost: Names = Field([], description="一级 or 二级 whose caps (≤ … 元) should equal 年度资金申请总额")
    quantitative_share: Decimal = Field(Decimal("0.30"), ge=0, le=1,
                                        description="warn below this share of quantitative values")
    satisfaction_min: Decimal = Field(Decimal(80), ge=0, le=100, description="in %")


class FixedIndicators(BaseModel):
    """`fixed_indicators:` — a block of rows the form itself prescribes; an author types nothing for it."""

    model_config = Strict
    一级: str = Field(description="its 一级, merged over the block")
    二级: Names = Field(min_length=1, description="its 二级, one row each")
    说明: str = Field("", description="one note merged over the block")


class Connector(BaseModel):
    """The {得到} of an explanation: a word joining 对象 and 指标值, left out before some values."""

    model_config = Strict
    text: str = Field("", description="the word (得到提升)")
    except_before: Names = Field([], description="values it is left out before (与去年同期基本持平)")


class ExplanationRule(BaseModel):
    """One rule of `explanations:` — 指标解释 and 评(扣)分标准 of the indicators it fits (the first
    rule that fits wins). Placeholders of both texts: {三级} {对象} {指标值} {计量单位} {方向} {得到}."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)
    kind: str = Field("", description="a name for the rule (shown nowhere in the table)")
    一级: Names = Field([], description="fits only indicators under these 一级")
    二级: Names = Field([], description="fits only indicators under these 二级")
    suffix: Names = Field([], description="fits only names ending so; {对象} is the name less it")
    性质: str | None = Field(None, description="fits only 定量指标 or only 定性指标")
    strip_value_prefix: bool = Field(False, description="{对象} also loses the value's verb (改善营商环境 / 改善 → 营商环境)")
    得到: Connector = Field(default_factory=Connector, description="the {得到} connector")
    指标解释: Annotated[str, _pattern(**_EXPLAINED)] = Field("", description="the 指标解释 text")
    评分标准: Annotated[str, _pattern(**_EXPLAINED)] = Field("", description="the 评(扣)分标准 text")


class ListStyle(BaseModel):
    """`lists:` — how numbered lists print inside one cell, one line per item ({n} its number)."""

    model_config = Strict
    单位职责: Annotated[str, _pattern(n=1, text="")] = Field("{n}.{text}", description="{text} one duty")
    任务名称: Annotated[str, _pattern(n=1, name="")] = Field("{n}.{name}", description="{name} a task's name")
    主要内容: Annotated[str, _pattern(n=1, name="", content="")] = Field(
        "{n}.{name}\n{content}", description="{name} a task's name, {content} its 主要内容")


class ExcelStyle(BaseModel):
    """`excel:` — the Excel table, derived from the Word template's grid."""

    model_config = Strict
    font: str = Field("宋体", description="font of every cell")
    size: float = Field(10.5, gt=0, description="font size in points (the template's own sizes are kept too)")
    line_height: float | None = Field(None, gt=0, description="points per line of text; null: 1.35 × size")
    min_row_height: float = Field(20, gt=0, description="points")
    margin: float = Field(0.5, ge=0, description="page margins, inches")


class PrintStyle(BaseModel):
    """`print:` — how the tables print (render/docx_print.py; the Excel table follows its grid)."""

    model_config = Strict
    fonts: Names = Field(["宋体", "SimSun"], min_length=1, description="the East Asian font chain: the first "
                         "is written in the table, the others are its other names (Word and WPS try them "
                         "when the first is missing; perfgen's LibreOffice runs map them to Noto Serif CJK SC)")
    latin_font: str = Field("Times New Roman", description="font of Latin letters and digits")
    language: str = Field("zh-CN", description="language of East Asian text (w:lang w:eastAsia)")
    columns: list[Annotated[float, Field(gt=0)]] = Field(
        [], description="cm: the width of each grid column of the Word table (empty: the template's own); "
                        "the Excel table's columns follow")
    padding: tuple[Annotated[float, Field(ge=0)], Annotated[float, Field(ge=0)]] = Field(
        (0.05, 0.19), description="cm: cell margins, top/bottom and left/right (Excel: an indent)")
    line_height: float = Field(1.3, gt=0.5, le=3, description="× font size: every line of the Word table has "
                               "this exact height, so its rows are as tall in Word, WPS and LibreOffice")
    page_numbers: Annotated[str, _pattern(page=1, pages=2)] = Field(
        "第 {page} 页 共 {pages} 页", description="footer of a table over one page ({page}, {pages}: fields)")
    properties: dict[Literal["title", "subject", "author"], str] = Field(
        {}, description="document properties: patterns over the table's fields ({项目名称}, {单位名称}, "
                        "{实施单位}, {标题}, {副标题}, {年度}); default title {标题}, author perfgen")

    @property
    def padding_twips(self) -> tuple[int, int]:
        return round(self.padding[0] * TWIPS_PER_CM), round(self.padding[1] * TWIPS_PER_CM)


TWIPS_PER_CM = 1440 / 2.54
Defaults = dict[str, Annotated[dict[str, str], Field(min_length=1)]]

# the amounts of the 项目资金 block, by the keys of their labels
FundKey = Literal["项目资金总额", "财政资金", "其他资金", "年度资金申请总额", "当年财政拨款", "上年结转资金", "年度其他资金"]
FUNDS_ROWS = [("项目资金总额", "年度资金申请总额"), ("财政资金", "当年财政拨款"), (None, "上年结转资金"),
              ("其他资金", "年度其他资金")]


class Classification(BaseModel):
    """One entry of `classifications:` (its key: a field of the project spec and the key of its
    label, e.g. 项目性质) — a field that takes one of a list of values."""

    model_config = Strict
    values: Names = Field(min_length=1, description="the values an author may write")
    print: Literal["text", "checkbox"] = Field(
        "text", description="how {{ 键 }} prints: text (the value), or checkbox (every value with its box, "
                            "the chosen one ticked, as `checkbox:` says); {{ 键勾选 }} is always the boxes")


class FundsLayout(BaseModel):
    """`funds:` — the 项目资金 block of a template that loops over 资金行 (row.左标签 row.左值
    row.右标签 row.右值); the importer reads a table's block by it too."""

    model_config = Strict
    rows: list[tuple[FundKey | None, FundKey | None]] = Field(
        FUNDS_ROWS, description="row by row, [left, right]: the amounts (each printed beside its label); "
                                "null: that side of the row is empty")
    unprinted: list[FundKey] = Field([], description="amounts whose cells stay empty, their labels printed (a form "
                                                     "that fills the 年度 side only); the importer computes them "
                                                     "from the others")

    @property
    def keys(self) -> list[str]:
        return [key for row in self.rows for key in row if key]


class EveryLevel2(BaseModel):
    """`every_level2:` — 二级 the form prints whether or not a project has an indicator under them,
    with a row of its own words there (authors write nothing for it; the importer leaves it out)."""

    model_config = Strict
    二级: Names = Field([], description="which 二级 (empty: every 二级 of framework)")
    三级: str = Field("无", description="the 三级 cell of that row")
    指标值: str = Field("无", description="its 指标值 cell")


class CombinedSettings(BaseModel):
    """`combined:` — 汇总.docx, every table of a spec folder in one Word file (each on a new page),
    as a department hands them in; a folder of one table has none."""

    model_config = Strict
    heading: Annotated[str, _pattern(主管部门="", 实施单位="", 年度=2024)] = Field(
        "", description="a line above the first table; {主管部门} {实施单位} the folder's (the ones most of "
                        "its tables name), {年度} the budget year; empty: none")


class StyleSettings(BaseModel):
    """One entry of `styles:` — how the projects that choose it (`样式: 名` in their spec) print:
    each key given here goes over the variant's own, a mapping one level deep (the rest stays)."""

    model_config = Strict
    amounts: dict[str, Any] | None = Field(None, description="over `amounts:`")
    values: dict[str, Any] | None = Field(None, description="over `values:`")
    funds: dict[str, Any] | None = Field(None, description="over `funds:` (another layout of the 项目资金 block)")
    dates: str | None = Field(None, description="instead of `dates:`")
    labels: dict[str, str] | None = Field(None, description="over `labels:`")
    checkbox: dict[str, Any] | None = Field(None, description="over `checkbox:`")


class VariantSettings(BaseModel):
    """settings.yaml — a variant's settings, top level."""

    model_config = Strict
    form: str = Field("project", description="the spec shape the table is filled from: project (one table "
                                             "per 项目) or unit (one per 单位)")
    word: str = Field("table.docx", description="the docxtpl template, in the variant's folder; "
                                                "the Excel table is derived from its grid")
    title: str = Field("", description="the table's title ({{ 标题 }})")
    subtitle: Annotated[str, _pattern(年度=2024)] = Field("", description="{{ 副标题 }}; {年度} the budget year")
    labels: dict[str, str] = Field({}, description="every fixed word of the grid, placed by {{ 标签.名 }}; "
                                                   "the importer finds fields by them")
    categories: Names = Field([], description="the allowed 项目类别 (empty: any)")
    one_off: Names = Field([], description="categories of projects that end with their year: "
                                           "perfgen new flags them for review")
    checkbox: CheckboxStyle = Field(default_factory=CheckboxStyle, description="项目类别 as checkboxes")
    dates: Annotated[str, _pattern(year=2024, month=1, day=1)] = Field(
        "{year}-{month:02d}-{day:02d}", description="how 计划开始/完成日期 print")
    amounts: AmountStyle = Field(default_factory=AmountStyle, description="how money prints")
    values: ValueStyle = Field(default_factory=ValueStyle, description="how indicator values print")
    framework: dict[str, list[str]] = Field({}, description="一级 → its 二级, in print order")
    aliases: dict[str, str] = Field({}, description="other years' or older names of a 二级 → this form's 二级")
    defaults: Defaults = Field({}, description="indicators every project gets (二级 → 三级 → 指标值), each only "
                                               "where the project has none of its own under that 二级; "
                                               "{项目名称} and {预算} are filled in")
    checks: ChecksSettings = Field(default_factory=ChecksSettings, description="the validator's warnings")
    lists: ListStyle = Field(default_factory=ListStyle, description="numbered lists inside one cell")
    fixed_indicators: FixedIndicators | None = Field(None, description="a block of rows the form prescribes")
    explanations: list[ExplanationRule] = Field([], description="rules writing 指标解释 and 评(扣)分标准")
    excel: ExcelStyle = Field(default_factory=ExcelStyle, description="the Excel table")
    print: PrintStyle = Field(default_factory=PrintStyle, description="how the tables print: fonts, widths, page numbers")
    years: list[int] = Field([], description="the budget years the form was printed for: perfgen import tells "
                                             "forms of one title apart by the year under the title")
    classifications: dict[str, Classification] = Field(
        {}, description="fields of the project spec that take one of a list of values (项目性质, 项目类别), in "
                        "print order, each placed by {{ 键 }}; empty: one, 项目类别, from `categories`")
    funds: FundsLayout = Field(default_factory=FundsLayout, description="the 项目资金 block, row by row")
    every_level2: EveryLevel2 | None = Field(None, description="print these 二级 even where a project has none (无 | 无)")
    unique_names: Literal["table", "level2"] = Field(
        "table", description="where two indicators may not share a 三级 name: in the whole table, or only within "
                             "one 二级 (a form that prints 无 under several 二级)")
    combined: CombinedSettings | None = Field(None, description="also write 汇总.docx: the folder's tables in "
                                                                "one Word file, with a heading line")
    styles: dict[str, StyleSettings] = Field({}, description="other ways this form prints, chosen per project by "
                                                             "`样式:` (a department's tables in two styles, another "
                                                             "layout of the 项目资金 block)")
    # the year's later stages (监控表, 自评表: forms evaluation and monitoring, filled from facts files)
    stages: dict[str, str] = Field({}, description="the forms the year's later stages are filed in on this form's "
                                                   "indicators: 监控 / 自评 → a variant (部门.yaml 监控格式 / 自评格式 "
                                                   "override)")
    choices: dict[str, list[str]] = Field({}, description="the words a fact may use where the form prints one of a "
                                                          "list (监控表: 偏差原因, 完成目标可能性; the first is the default)")
    empty: str = Field("—", description="what a cell prints where the form has nothing to say (分值 and 得分 of the "
                                        "其中 rows of the 自评表)")
    rates: Annotated[str, _pattern(rate="86.19")] = Field("{rate}%", description="how a rate (执行率) prints; "
                                                                                  "{rate} as rounded by the rule set")
    judged: Annotated[str, _pattern(text="基本完善", band="部分达成")] = Field(
        "{text}（{band}）", description="how a qualitative 实际完成值 prints with the band claimed for it")

    def styled(self, name: str) -> "VariantSettings":
        """These settings with the style `name` over them (no styles of their own)."""
        data = self.model_dump(exclude={"styles"})
        for key, value in self.styles[name].model_dump(exclude_none=True).items():
            data[key] = {**data[key], **value} if isinstance(data.get(key), dict) and isinstance(value, dict) else value
        return VariantSettings.model_validate(data)

    @field_validator("form")
    @classmethod
    def _known_form(cls, value: str) -> str:
        from .forms import names  # the plug-ins' names: each is loaded when a variant of it is used

        known = list(names())
        if value not in known:
            close = difflib.get_close_matches(value, known, n=1, cutoff=0.4)
            raise ValueError(f"没有 form「{value}」；" + (f"是否想写「{close[0]}」？" if close else "") + f"可用：{'、'.join(known)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "VariantSettings":
        level1_of = {l2: l1 for l1, l2s in self.framework.items() for l2 in l2s}
        for index, level2 in enumerate(self.every_level2.二级 if self.every_level2 else []):
            if level2 not in level1_of:
                raise Located(("every_level2", "二级", index), f"「{level2}」不是 framework 中的二级指标")
        for name in self.styles:
            try:
                self.styled(name)
            except ValidationError as exc:   # said in the words spec.validate uses
                from .spec import _field_path, _message

                first = exc.errors()[0]
                path = _field_path(first["loc"], _MODELS)
                where = ".".join(str(step) for step in path)
                message = _message(first, VariantSettings, path, _MODELS)
                raise Located(("styles", name), f"样式「{name}」改过的设置有误：{where}: {message}") from None
        for alias, target in self.aliases.items():
            if target not in level1_of:
                raise Located(("aliases", alias), f"「{target}」不是 framework 中的二级指标")
        for group, items in self.defaults.items():
            if self.aliases.get(group, group) not in level1_of:
                raise Located(("defaults", group), f"「{group}」不是本格式的二级指标（framework 或 aliases 中没有）")
            for name, value in items.items():
                for text in (name, value):
                    problem = pattern_problem(text, dict.fromkeys(PLACEHOLDERS, ""))
                    if problem:
                        raise Located(("defaults", group, name), problem)
        classified = [v for kind in self.classifications.values() for v in kind.values]
        for index, name in enumerate(self.one_off):
            allowed = self.categories + classified
            if self.categories and name not in allowed:
                raise Located(("one_off", index), f"「{name}」不在 categories 中")
        for key in ("output", "benefit", "satisfaction"):
            level = getattr(self.checks, key)
            if level is not None and level not in self.framework:
                raise Located(("checks", key), f"「{level}」不是 framework 中的一级指标")
        for index, level in enumerate(self.checks.cost):
            if level not in self.framework and level not in level1_of:
                raise Located(("checks", "cost", index), f"「{level}」不是 framework 中的一级或二级指标")
        return self


# ---------------------------------------------------------------- reading

def read_settings(path: Path, raw: bytes) -> tuple[VariantSettings | None, list[Problem]]:
    """The settings of one settings.yaml, or None and every problem with its line."""
    return _read(str(path), raw)


@lru_cache(maxsize=32)
def _read(path_text: str, raw: bytes) -> tuple[VariantSettings | None, list[Problem]]:

    path = Path(path_text)
    problems = Problems()
    try:
        source = parse(decode(raw), path)
    except SourceError as exc:
        problems.add(path, exc.line, "", str(exc))
        return None, problems.items
    if source.data is None:
        source.data = {}  # an empty settings.yaml: every default
    return validate(VariantSettings, source, problems, _MODELS), problems.items


# model names, to drop them from error locations (see spec.validate)
_MODELS: dict[str, type[BaseModel]] = {m.__name__: m for m in (
    VariantSettings, CheckboxStyle, AmountStyle, ValueStyle, ChecksSettings, FixedIndicators, Connector,
    ExplanationRule, ListStyle, ExcelStyle, PrintStyle, Classification, FundsLayout, EveryLevel2, StyleSettings,
    CombinedSettings)}


def reference() -> str:
    """The settings reference as Markdown (docs/adding-a-form.md holds it; a test keeps them equal)."""
    lines: list[str] = []

    def section(model: type[BaseModel], prefix: str) -> None:
        lines.extend([f"### `{prefix or 'settings.yaml'}`", "", (model.__doc__ or "").split("\n")[0], "",
                      "| key | default | meaning |", "|---|---|---|"])
        nested = []
        for name, info in model.model_fields.items():
            kind = info.annotation
            inner = [k for k in (kind, *getattr(kind, "__args__", ())) if isinstance(k, type) and issubclass(k, BaseModel)]
            default = "（必填）" if info.is_required() else ("—" if inner else repr(info.default).replace("|", "\\|"))
            lines.append(f"| `{name}` | {default} | {(info.description or '').replace('|', '/')} |")
            nested += [(k, f"{prefix + '.' if prefix else ''}{name}") for k in inner]
        lines.append("")
        for kind, path in nested:
            section(kind, path)

    section(VariantSettings, "")
    return "\n".join(lines)
