"""Stage 1, the spec: read a spec folder (部门.yaml + one YAML per project) and validate it.

Keys are the form's own words, so the pydantic models below use them as field names. Every
problem is collected with its file, line and field; nothing here knows about any variant.
"""
# (no `from __future__ import annotations`: pydantic would compile every field's annotation from its text)

import datetime as dt
import difflib
import os
import re
import types
import typing
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from functools import lru_cache

from pydantic import (AliasChoices, BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, ValidationError,
                      ValidationInfo, create_model, field_validator)

from .amounts import AmountError, parse_amount
from .errors import Frozen, Located, Problems, Record
from .layout import DEPARTMENT_FILE, SPEC_SUFFIXES, spec_files  # noqa: F401  (also imported from here)
from .source import Source, SourceError, read

# perfgen's models are its own and no pydantic plugin observes them: without this, the first
# validator built reads every installed package's entry points looking for plugins (~15 ms a process)
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

_QUOTED = re.compile(r"'([^']*)'")  # the choices in pydantic's "'元' or '万元'"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_TEXT = 5000  # characters in one field: the longest seed text is ~600; a cell this long is a paste gone wrong


def _amount(value: Any) -> Decimal:
    try:
        return parse_amount(value)
    except AmountError as exc:
        raise ValueError(str(exc)) from None


def _text(value: Any) -> str:
    # the usual text, said at once (a printable one holds no control character; every other
    # text takes the checks below, in their order)
    if type(value) is str and len(value) <= MAX_TEXT and (value.isprintable() or not _CONTROL.search(value)):
        return value.strip()
    if value is None:  # `key:` with nothing after it
        raise ValueError("不能为空")
    if isinstance(value, (dict, list)):
        raise ValueError("应为一段文字")
    text = str(value)
    if _CONTROL.search(text):
        raise ValueError("含有不可见的控制字符，请删除")
    if len(text) > MAX_TEXT:
        raise ValueError(f"文字过长（{len(text)} 字，最多 {MAX_TEXT} 字）")
    return text.strip()


def _indicator_text(value: Any) -> str:
    text = _text(value) if value is not None else ""
    if not text:
        raise ValueError("缺少指标值")
    return text


def _date(value: Any) -> dt.date:
    text = unicodedata.normalize("NFKC", str(value)).strip()
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text)
    if not match:
        raise ValueError(f"「{value}」不是日期（写成 2024-01-01 或 2024/1/1）")
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        raise ValueError(f"「{value}」不是有效日期") from None


def _points(value: Any) -> Decimal:
    text = unicodedata.normalize("NFKC", str(value)).strip().removesuffix("分")
    if not re.fullmatch(r"\d+(?:\.\d{1,2})?", text):
        raise ValueError(f"「{value}」不是分值（写成 10 或 12.5，最多两位小数）")
    return Decimal(text)


def _year(value: Any) -> Any:
    """`年度: 2024`; `2024年` or `２０２４` said back as the four digits to write."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if re.fullmatch(r"\d{4}", text):
        return int(text)
    digits = re.search(r"\d{4}", text)
    raise ValueError(f"「{value}」不是年度：只写四位数字，如 {digits[0] if digits else 2024}")


Amount = Annotated[Decimal, BeforeValidator(_amount)]
Points = Annotated[Decimal, BeforeValidator(_points)]
Text = Annotated[str, BeforeValidator(_text)]
Date = Annotated[dt.date, BeforeValidator(_date)]
IndicatorText = Annotated[str, BeforeValidator(_indicator_text)]

# Under 绩效指标 a key is a 二级 (its entries are `三级: 值`) or, for authors who copy the table's
# layout, a 一级 whose entries are 二级 groups. Which one it is depends on the variant (expand.py
# checks it); the schema only tells a value from a group by its shape. The tags are left out of
# error locations (see _field_path).
_VALUE, _GROUP, _NONE = "__value__", "__group__", "__none__"


def _shape(value: Any) -> str:
    return _GROUP if isinstance(value, dict) else _NONE if value is None else _VALUE


def _spec_shape(value: Any) -> str:
    return _GROUP if isinstance(value, dict) else _VALUE  # an empty value: "缺少指标值"


IndicatorValue = Annotated[
    Annotated[IndicatorText, Tag(_VALUE)] | Annotated[dict[Text, IndicatorText], Tag(_GROUP)],
    Discriminator(_spec_shape)]
# A category may leave a value empty (`指标: ~`): every project of the category must then give it.
DefaultValue = Annotated[
    Annotated[IndicatorText, Tag(_VALUE)] | Annotated[None, Tag(_NONE)]
    | Annotated[dict[Text, IndicatorText | None], Tag(_GROUP)],
    Discriminator(_shape)]


def _names(value: Any) -> Any:
    """`不适用: 服务对象满意度指标` is shorthand for a one-item list; a mapping gives reasons."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return list(value)
    return value


NameList = Annotated[list[Text], BeforeValidator(_names)]
Strict = ConfigDict(extra="forbid", frozen=True, defer_build=True)  # built when first used (see settings.Strict)


class Funds(BaseModel):
    """项目资金 in 元. Totals are computed; a typed total is only checked against its parts."""

    model_config = Strict
    财政资金: Amount
    其他资金: Amount | None = None
    上年结转资金: Amount | None = None
    当年财政拨款: Amount | None = None
    项目资金总额: Amount | None = None
    年度资金申请总额: Amount | None = None

    @property
    def 年度预算(self) -> Decimal:
        """年度资金申请总额 in 元: typed, or 当年财政拨款 + 上年结转资金 + 其他资金 (model.py checks they agree)."""
        if self.年度资金申请总额 is not None:
            return self.年度资金申请总额
        if self.当年财政拨款 is not None:
            return self.当年财政拨款 + (self.上年结转资金 or 0) + (self.其他资金 or 0)
        return self.财政资金 + (self.其他资金 or 0)


def _funds(value: Any) -> Any:
    """`项目资金: 19200` is shorthand for all of it 财政资金."""
    return value if isinstance(value, dict) else {"财政资金": value}


class ProjectSpec(BaseModel):
    """One project's spec file."""

    model_config = Strict
    项目名称: Text = Field(min_length=1)
    项目类别: Text
    类别: Text | list[Text] | None = None
    主管部门: Text | None = None
    实施单位: Text | None = None
    计划开始日期: Date | None = None
    计划完成日期: Date | None = None
    项目资金: Annotated[Funds, BeforeValidator(_funds)]
    项目总目标: Text = ""
    年度总体目标: Text = Field(validation_alias=AliasChoices("年度总体目标", "年度总目标"))
    绩效指标: dict[Text, dict[Text, IndicatorValue]] = Field({}, validate_default=True)
    不适用: NameList = []  # inherited indicators (三级) or whole 二级 this project has none of
    样式: Text | None = None           # one of the variant's `styles` (how this project's table prints)
    标签: dict[Text, Text] = {}        # printed labels this project words its own way (key → text)
    # points in the 自评表 (scoring.py): a 一级 → its points instead of the rule set's, a 三级 → its
    # own points (the others of its 一级 share the rest evenly)
    分值: dict[Text, Points] = {}

    @field_validator("绩效指标", mode="before")
    @classmethod
    def _indicator_groups(cls, value: Any) -> Any:
        return _check_groups(value)

    @field_validator("绩效指标")
    @classmethod
    def _some_indicators(cls, value: dict, info: ValidationInfo) -> dict:
        if not value and not info.data.get("类别"):  # 类别 is declared (so validated) before
            raise ValueError("缺少必填项：写出本项目的指标，或用 类别 继承一类项目的标准指标")
        return value


def _check_groups(value: Any) -> Any:
    if isinstance(value, dict):
        for group, items in value.items():
            if items is None or (isinstance(items, dict) and not items):
                raise Located(("绩效指标", group),  # said at the group's own line
                              f"「{group}」下没有指标：在它的下一行多缩进 2 个空格，写「三级指标: 指标值」")
    return value


def _blank_text(value: Any) -> str:
    return "" if value is None else _text(value)


BlankableText = Annotated[str, BeforeValidator(_blank_text)]
BlankableValue = Annotated[
    Annotated[BlankableText, Tag(_VALUE)] | Annotated[dict[Text, BlankableText], Tag(_GROUP)],
    Discriminator(_spec_shape)]


@lru_cache(maxsize=None)
def project_model(fields: tuple[str, ...] = (), blank_values: bool = False) -> type[ProjectSpec]:
    """The project spec of a variant: ProjectSpec, plus the variant's classification fields beyond
    项目类别 (each a required text, e.g. 项目性质), with 指标值 that may be left empty where the form
    allows a blank value."""
    if not fields and not blank_values:
        return ProjectSpec
    extra: dict[str, Any] = {name: (Text, ...) for name in fields}
    if blank_values:
        extra["绩效指标"] = (dict[Text, dict[Text, BlankableValue]], Field({}, validate_default=True))
    model = create_model("ProjectSpec", __base__=ProjectSpec, **extra)
    return model


class CategorySpec(BaseModel):
    """A category file: the standard indicators of a kind of project, in spec terms."""

    model_config = Strict
    名称: Text | None = None  # default: the file name without .yaml
    别名: NameList = []
    说明: Text = ""
    绩效指标: dict[Text, dict[Text, DefaultValue]] = {}
    不适用: NameList = []  # defaults of the variant that projects of this kind do not have

    @field_validator("绩效指标", mode="before")
    @classmethod
    def _indicator_groups(cls, value: Any) -> Any:
        return _check_groups(value)


class DepartmentSpec(BaseModel):
    """部门.yaml: what every project of the folder shares."""

    model_config = Strict
    主管部门: Text
    实施单位: Text
    年度: Annotated[int, BeforeValidator(_year)] = Field(ge=2000, le=2100)
    格式: Text
    评分规则: Text | None = None  # 自评表的评分规则（rulesets/ 或 评分规则/ 下的文件名），默认见 scoring.DEFAULT
    监控格式: Text | None = None  # 绩效运行监控表的格式，默认为 格式 的 stages.监控
    自评格式: Text | None = None  # 项目支出绩效自评表的格式，默认为 格式 的 stages.自评


class IndicatorDetail(BaseModel):
    """An indicator written as a mapping, to override generated wording for this one indicator."""

    model_config = Strict
    指标值: Text
    对象: Text | None = None
    指标解释: Text | None = None
    评分标准: Text | None = Field(None, validation_alias=AliasChoices("评分标准", "评(扣)分标准"))


class Task(BaseModel):
    model_config = Strict
    任务名称: Text = Field(min_length=1)
    主要内容: Text


class UnitBudget(BaseModel):
    """预算 of a unit in 元: 总额 = 财政拨款 + 其他资金 = 基本支出 + 项目支出 (总额 is computed)."""

    model_config = Strict
    财政拨款: Amount
    其他资金: Amount | None = None
    基本支出: Amount
    项目支出: Amount
    预算总额: Amount | None = None


class UnitSpec(BaseModel):
    """A unit's spec file: one table for the whole unit, not per project."""

    model_config = Strict
    单位名称: Text = Field(min_length=1)
    财政拨款方式: Text
    单位职责: list[Text] = Field(min_length=1)
    年度履职目标: Text
    年度重点任务: list[Task] = Field(default_factory=list)
    预算: UnitBudget
    年末在职人数: int = Field(ge=0)
    内设机构数: int = Field(ge=0)
    分解目标: dict[Text, dict[Text, Text | IndicatorDetail]] = Field(min_length=1)


class Loaded(Frozen):
    """A validated spec with the source it came from (for file:line in later checks)."""

    __slots__ = ("spec", "source")
    spec: Any
    source: Source

    def __init__(self, spec: Any, source: Source):
        self._set(spec=spec, source=source)


class Folder(Record):
    """A spec folder as read: its department file and its project files."""

    __slots__ = ("path", "department", "projects", "problems")
    path: Path
    department: Loaded | None
    projects: list[Loaded]
    problems: Problems

    def __init__(self, path: Path, department: Loaded | None, projects: list[Loaded], problems: Problems):
        self.path = path
        self.department = department
        self.projects = projects
        self.problems = problems


# ---------------------------------------------------------------- error messages

_MESSAGES = {
    "missing": "缺少必填项",
    "string_type": "应为一段文字",
    "dict_type": "应为「键: 值」的映射",
    "model_type": "应为「键: 值」的映射",
    "list_type": "应为列表",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
    "string_too_short": "不能为空",
    "too_short": "不能为空",
    "greater_than": "数值太小",
    "less_than": "数值太大",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
}


def _internal(step: object, models: dict[str, type[BaseModel]]) -> bool:
    """Steps pydantic adds to a loc for union branches and validators, not keys of the file."""
    return isinstance(step, str) and (step.startswith("function-") or "[" in step or step in models
                                      or step in ("str", "int", "none", _VALUE, _GROUP, _NONE))


def _field_path(loc: tuple, models: dict[str, type[BaseModel]]) -> tuple:
    return tuple(p for p in loc if not _internal(p, models))


def _message(error: dict, model: type[BaseModel], path: tuple, models: dict[str, type[BaseModel]]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden" and path:
        key = str(path[-1])
        owner = models.get(next((p for p in reversed(error["loc"][:-1]) if p in models), ""), None)
        siblings = _keys(owner or _owner(model, path[:-1]))
        close = difflib.get_close_matches(key, siblings, n=1, cutoff=0.4)
        return f"未知的键「{key}」" + (f"，是否想写「{close[0]}」？" if close else "")
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"「{error.get('input')}」不是整数：只写阿拉伯数字，如 120"
    if kind == "literal_error":
        return "只能是：" + "、".join(_QUOTED.findall(error["ctx"]["expected"]))
    return _MESSAGES.get(kind, error["msg"])


def _owner(model: type[BaseModel], parent: tuple) -> type[BaseModel]:
    """The model whose fields sit at `parent` (for "did you mean"): the annotations are followed
    through Annotated, unions, lists (an index) and dicts (a key)."""
    current: Any = model
    for step in parent:
        if _is_model(current):
            field = current.model_fields.get(str(step))
            if field is None:
                return model
            current = _unwrap(field.annotation)
        elif typing.get_origin(current) in (list, tuple) and typing.get_args(current):
            current = _unwrap(typing.get_args(current)[0])
        elif typing.get_origin(current) is dict and typing.get_args(current):
            current = _unwrap(typing.get_args(current)[1])
        else:
            return model
    return current if _is_model(current) else model


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def _unwrap(kind: Any) -> Any:
    """The type under Annotated; of a union, its model (or its first other member)."""
    while True:
        origin = typing.get_origin(kind)
        if origin is Annotated:
            kind = typing.get_args(kind)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [m for m in typing.get_args(kind) if m is not type(None)]
            kind = next((_unwrap(m) for m in members if _is_model(_unwrap(m))), members[0] if members else kind)
            if not members:
                return kind
        else:
            return kind


def _keys(model: type[BaseModel]) -> list[str]:
    names = list(model.model_fields)
    for field in model.model_fields.values():
        if isinstance(field.validation_alias, AliasChoices):
            names += [a for a in field.validation_alias.choices if isinstance(a, str)]
    return names


SCHEMA_KEY = "$schema"  # an editor's pointer to the file's JSON Schema: accepted, not read


def validate(model: type[BaseModel], source: Source, problems: Problems,
             models: dict[str, type[BaseModel]] | None = None, *, at: tuple = (), data: Any = None) -> Any | None:
    """The model instance, or None after adding each of pydantic's errors with its line.
    `models`: the models the schema is made of by name (they appear in pydantic's error locations).
    `at` and `data`: validate only the part of the file at that path of keys (errors still say the
    file's line and the whole path), for files whose parts take their model from what they name."""
    models = _MODELS if models is None else models
    data = source.data if not at else data
    if not isinstance(data, dict):
        what = "空文件" if data is None and not at else "应为「键: 值」的映射，不是列表或单个值"
        problems.add(source.path, source.line(at) if at else 1, ".".join(map(str, at)), what)
        return None
    try:
        return model.model_validate({k: v for k, v in data.items() if k != SCHEMA_KEY})
    except ValidationError as exc:
        seen = set()
        for error in exc.errors():
            located = error.get("ctx", {}).get("error")
            path = at + (located.path if isinstance(located, Located) else _field_path(error["loc"], models))
            message = _message(error, model, path[len(at):], models)
            key = (path, message)
            if key in seen:
                continue
            seen.add(key)
            field = ".".join(str(p) for p in path)
            problems.add(source.path, source.line(path), field, message)
        return None


def load_file(path: Path, model: type[BaseModel], problems: Problems) -> Loaded | None:
    try:
        source = read(path)
    except SourceError as exc:
        problems.add(path, exc.line, "", str(exc))
        return None
    spec = validate(model, source, problems)
    return Loaded(spec, source) if spec is not None else None


def load_department(folder: Path, problems: Problems) -> Loaded | None:
    path = folder / DEPARTMENT_FILE
    if not path.is_file():
        problems.add(folder, None, "", f"缺少部门文件 {DEPARTMENT_FILE}（主管部门、实施单位、年度、格式）")
        return None
    return load_file(path, DepartmentSpec, problems)


def load_specs(folder: Path, model: type[BaseModel], problems: Problems) -> list[Loaded]:
    """Every spec file of the folder validated as `model` (the shape its variant is filled from)."""
    return [loaded for path in spec_files(folder) if (loaded := load_file(path, model, problems)) is not None]


def load_folder(folder: Path, model: type[BaseModel] = ProjectSpec) -> Folder:
    """Read and validate a spec folder; problems are collected, never raised."""
    problems = Problems()
    department = load_department(folder, problems)
    return Folder(folder, department, load_specs(folder, model, problems), problems)


# model names, to drop them from error locations and to find "did you mean" candidates
_MODELS: dict[str, type[BaseModel]] = {m.__name__: m for m in (
    Funds, ProjectSpec, DepartmentSpec, IndicatorDetail, Task, UnitBudget, UnitSpec, CategorySpec)}
