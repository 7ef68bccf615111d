"""Scoring rule sets: how a 项目支出绩效自评表 is scored, as data a department chooses.

A rule set is a YAML file (perfgen's in generator/rulesets/, a department's own in a 评分规则/
folder at or above its spec folder, nearest first); its file name is its name, and 部门.yaml
chooses one with `评分规则:`. Everything a rule of 财预〔2020〕10号, 财预〔2021〕101号 or a local
practice fixes is a key here: the points per 一级, how 预算执行率, quantitative, qualitative and
satisfaction indicators score, the rounding, the grades. scoring.py only applies them. Numbers are
read as text and kept as Decimal; percentages are written as percent (80 means 80 %).
"""
# (no `from __future__ import annotations`: pydantic would compile every field's annotation from its text)

import difflib
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from .errors import Problems
from .layout import PACKAGE_RULESETS, RULESET_FOLDER, SPEC_SUFFIXES, ruleset_folders  # noqa: F401
from .source import SourceError, read
from .spec import validate

DEFAULT = "财预〔2020〕10号"  # the rule set of a department that names none
Strict = ConfigDict(extra="forbid", frozen=True, defer_build=True)  # built when first used (see settings.Strict)


def _number(value: object) -> Decimal:
    text = str(value).strip().removesuffix("%")
    try:
        number = Decimal(text)
    except ArithmeticError:
        raise ValueError(f"「{value}」不是数") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"「{value}」应为不小于 0 的数")
    return number


Number = Annotated[Decimal, BeforeValidator(_number)]


class Band(BaseModel):
    """A band of a rate: from `min` % (included) up to the next band's min; `share` % of the points."""

    model_config = Strict
    min: Number
    share: Number = Field(le=100)


def _bands(bands: list[Band], what: str) -> list[Band]:
    mins = [band.min for band in bands]
    if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
        raise ValueError(f"{what}的各档应按 min 从高到低排列且互不相同")
    if bands and bands[-1].min != 0:
        raise ValueError(f"{what}的最后一档应为 min: 0（否则低于它的比率无分可给）")
    return bands


class Weights(BaseModel):
    """One table of points per 一级, used when the project has every 一级 of `if_present`."""

    model_config = Strict
    if_present: list[str] = []
    points: dict[str, Number] = Field(min_length=1)


class Execution(BaseModel):
    """预算执行率 = 全年执行数 / 全年预算数 (or / 年初预算数), rounded to `rate_decimals` of a percent
    before it is scored, so the printed rate gives the printed score."""

    model_config = Strict
    points: Number
    base: Literal["全年预算数", "年初预算数"] = "全年预算数"
    scoring: Literal["linear", "bands"] = "linear"   # linear: rate × points, at most the points
    bands: list[Band] = []
    done_within_budget: bool = False  # 101号: a finished project that spent within its budget scores full
    explain_below: Number = Decimal(90)  # % : a lower rate without 偏差原因 is warned about
    rate_decimals: int = Field(2, ge=0, le=4)

    @model_validator(mode="after")
    def _check(self) -> "Execution":
        if self.scoring == "bands" and not self.bands:
            raise ValueError("scoring: bands 需要 bands")
        _bands(self.bands, "execution.bands")
        return self


class LowerIsBetter(BaseModel):
    """Which quantitative indicators are better the lower they are: by operator, or by name."""

    model_config = Strict
    operators: list[Literal["≤", "<", "=", "≥", ">"]] = ["≤", "<"]
    names: list[str] = []  # parts of a 三级 name (投诉, 事故): lower is better whatever the operator


class Quantitative(BaseModel):
    model_config = Strict
    # None: a missed target scores points × 完成率; 60 (101号): under 60 % nothing, above it
    # (完成率 − 60 %) / (100 % − 60 %) × points
    pass_mark: Number | None = Field(None, lt=100)
    lower_is_better: LowerIsBetter = Field(default_factory=LowerIsBetter)
    far_above: Number | None = Decimal(150)  # % of the target: warn 年初指标值设定明显偏低


class QualitativeBand(BaseModel):
    """A claimed band: its range in % of the points (min included, max included only at 100) and
    the point given when the facts claim no 得分率 inside it."""

    model_config = Strict
    min: Number
    max: Number = Field(le=100)
    point: Number

    @model_validator(mode="after")
    def _check(self) -> "QualitativeBand":
        if not self.min <= self.point <= self.max:
            raise ValueError(f"point {self.point} 不在 {self.min}–{self.max} 之内")
        return self


class Satisfaction(BaseModel):
    """Indicators under `level1` scored by bands of the value reached (101号), not in proportion."""

    model_config = Strict
    level1: str
    bands: list[Band] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> "Satisfaction":
        _bands(self.bands, "satisfaction.bands")
        return self


class Grade(BaseModel):
    model_config = Strict
    min: Number
    grade: str


class RuleSet(BaseModel):
    """A rule set file."""

    model_config = Strict
    name: str | None = None      # as printed in the notes; default: the file name
    source: str = ""             # the rules it follows, printed in the notes
    weights: list[Weights] = Field(min_length=1)
    counted_under: dict[str, str] = {}   # a 一级 whose indicators share another 一级's points
    if_absent: dict[str, str] = {}       # a 一级 the project lacks → the 一级 its points go to
    execution: Execution
    quantitative: Quantitative = Field(default_factory=Quantitative)
    qualitative: dict[str, QualitativeBand] = Field(min_length=1)
    satisfaction: Satisfaction | None = None
    decimals: int = Field(2, ge=0, le=4)  # of every printed score; rounded half up
    grades: list[Grade] = Field(min_length=1)
    notes: str = "得分按四舍五入保留{decimals}位小数，总分为各项得分之和。"

    @model_validator(mode="after")
    def _check(self) -> "RuleSet":
        for table in self.weights:
            total = sum(table.points.values(), Decimal(0)) + self.execution.points
            if total != 100:
                raise ValueError(f"weights 中一张分值表与 execution.points 合计 {total} 分，应为 100 分")
        mins = [g.min for g in self.grades]
        if mins != sorted(mins, reverse=True) or mins[-1] != 0:
            raise ValueError("grades 应按 min 从高到低排列，最后一档 min: 0")
        return self

    @property
    def bands(self) -> list[str]:
        """The qualitative bands a fact may claim, best first."""
        return list(self.qualitative)


# model names, to drop them from error locations (see spec.validate)
_MODELS: dict[str, type[BaseModel]] = {m.__name__: m for m in (
    RuleSet, Band, Weights, Execution, LowerIsBetter, Quantitative, QualitativeBand, Satisfaction, Grade)}


def ruleset_files(spec_folder: Path) -> dict[str, Path]:
    """Every rule set a spec folder can choose: name → file, the nearest folder's first."""
    found: dict[str, Path] = {}
    for folder in ruleset_folders(spec_folder):
        for path in sorted(folder.iterdir()):
            if path.name.endswith(SPEC_SUFFIXES) and not path.name.startswith("."):
                found.setdefault(path.name.rsplit(".", 1)[0], path)
    return found


@lru_cache(maxsize=32)
def _load(path: Path, stamp: tuple[int, int]) -> tuple[RuleSet | None, tuple]:
    problems = Problems()
    try:
        source = read(path)
    except SourceError as exc:
        problems.add(path, exc.line, "", str(exc))
        return None, tuple(problems.items)
    rules = validate(RuleSet, source, problems, _MODELS)
    if rules is not None and rules.name is None:
        rules = rules.model_copy(update={"name": path.name.rsplit(".", 1)[0]})
    return rules, tuple(problems.items)


def load(name: str, spec_folder: Path, problems: Problems, where: tuple[Path, int | None, str]) -> RuleSet | None:
    """The rule set `name` as a spec folder sees it; `where` (file, line, field) is the 评分规则 line."""
    files = ruleset_files(spec_folder)
    if name not in files:
        close = difflib.get_close_matches(name, list(files), n=1, cutoff=0.3)
        problems.add(*where, f"没有评分规则「{name}」" + (f"，是否想写「{close[0]}」？" if close else "；") +
                     f"可用：{'、'.join(files)}（perfgen 自带的，及 {RULESET_FOLDER}/ 文件夹中的）")
        return None
    path = files[name]
    stat = path.stat()
    rules, found = _load(path, (stat.st_mtime_ns, stat.st_size))
    for problem in found:
        problems.add(problem.file, problem.line, problem.field, problem.message, warning=problem.warning)
    return rules
