"""`perfgen schema`: a JSON Schema of the spec format, for editors (yaml-language-server, VS Code).

Generated from the pydantic models in spec.py, then adjusted to what perfgen really accepts, which
is more than the models' types say: a text may be typed as a number, a date as 2024/1/1, 项目资金
as a single amount, 年度总目标 instead of 年度总体目标. With a variant (`--format`), 项目类别 and the
二级 names under 绩效指标 complete from its settings.
"""
from __future__ import annotations

import copy
import json
from typing import Any

from pydantic import AliasChoices, BaseModel
from pydantic.json_schema import GenerateJsonSchema

from .spec import SCHEMA_KEY, DepartmentSpec, ProjectSpec, UnitSpec
from .variant import Variant

# draft-07: what yaml-language-server (VS Code) reads; "$defs" works there as a plain JSON pointer
DRAFT = "http://json-schema.org/draft-07/schema#"
DATE = r"^\s*\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?\s*$"
AMOUNT: dict[str, Any] = {
    "anyOf": [{"type": "number", "minimum": 0}, {"type": "string"}],
    "description": "金额，单位元，精确到分：19200、19,200、1.92万 或 1.92万元",
}

# Hover help in the editor: what each key means, in the words of the README.
DESCRIPTIONS = {
    "项目名称": "项目的名称，也是输出文件名",
    "项目类别": "格式（部门.yaml 的 格式）定义的项目类别之一；perfgen schema --format 可列出",
    "主管部门": "不写则用 部门.yaml 的主管部门",
    "实施单位": "不写则用 部门.yaml 的实施单位",
    "计划开始日期": "不写则为年度的 1 月 1 日；写成 2024-01-01 或 2024/1/1",
    "计划完成日期": "不写则为年度的 12 月 31 日；写成 2024-12-31 或 2024/12/31",
    "项目资金": "一个金额（全部为财政资金），或分项：财政资金、其他资金、上年结转资金……总额由 perfgen 计算",
    "项目总目标": "多行文字用 YAML 的 | 块",
    "年度总体目标": "本年度的目标（也可写作 年度总目标）",
    "年度总目标": "同 年度总体目标",
    "绩效指标": "按二级指标分组，每行「三级指标: 指标值」，如 数量指标: {聘请律师人数: =1人}；也可按表格先写一级指标；"
            "有 类别 时可以不写",
    "类别": "一类项目的标准指标，如 信息系统运维、法律顾问（perfgen 自带的，或说明目录旁 类别/ 文件夹中的）；可写列表",
    "不适用": "去掉继承来的指标：三级指标名，或整个二级/一级指标，如 [服务对象满意度指标]",
    "样式": "格式的另一种印法（settings.yaml 的 styles），如 三行；不写则按格式本身",
    "标签": "本项目自己的标签文字，如 总目标年限: (2023.1年-2023.12年)",
    "年度": "预算年度，如 2024",
    "格式": "templates/ 下的一个格式目录名（该年度表格的式样）",
    "单位名称": "单位的全称，也是输出文件名",
    "财政拨款方式": "如 全额、差额",
    "单位职责": "每条一项，表中印作 1. 2. 3. ……",
    "年度履职目标": "本年度的履职目标",
    "年度重点任务": "每项写 任务名称 和 主要内容",
    "预算": "财政拨款、其他资金、基本支出、项目支出，单位元",
    "年末在职人数": "整数，如 52",
    "内设机构数": "整数，如 9",
    "分解目标": "按二级指标分组，每行「三级指标: 指标值」，或写成映射以改写指标解释、评分标准",
}
# hover help of the nested shapes (their docstrings are for developers, in English)
DEFINITIONS = {
    "IndicatorDetail": "一个指标写成映射：指标值，以及只为这个指标改写的 对象、指标解释、评分标准",
    "Task": "一项重点任务：任务名称、主要内容",
    "Funds": "项目资金的各项，单位元；总额由 perfgen 计算",
}


class _Accepting(GenerateJsonSchema):
    """JSON Schema of what the validators accept, not of the types they produce."""

    def str_schema(self, schema) -> dict[str, Any]:
        out = super().str_schema(schema)
        out["type"] = ["string", "number"]  # `项目名称: 2024` is text to perfgen
        return out

    def date_schema(self, schema) -> dict[str, Any]:
        return {"type": "string", "pattern": DATE}


def _base(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(schema_generator=_Accepting)
    _aliases(model, schema)
    for name, prop in schema["properties"].items():
        prop.pop("title", None)
        if name in DESCRIPTIONS:
            prop["description"] = DESCRIPTIONS[name]
    for name, definition in schema.get("$defs", {}).items():
        definition.pop("description", None)
        definition.pop("title", None)  # the class's name
        if name in DEFINITIONS:
            definition["description"] = DEFINITIONS[name]
        for prop in definition.get("properties", {}).values():
            prop.pop("title", None)
    # a spec may name its schema itself (spec.validate leaves the key out)
    schema["properties"] = {SCHEMA_KEY: {"type": "string", "description": "本文件的 JSON Schema（供编辑器使用；perfgen 不读）"},
                            **schema["properties"]}
    return {"$schema": DRAFT, **schema}


def _level2_names(variant: Variant) -> list[str]:
    return list(variant.level1_of) + [a for a in variant.aliases if a not in variant.level1_of]


def _aliases(model: type[BaseModel], schema: dict[str, Any]) -> None:
    """A field with other accepted names: each name is a property, and one of them is required."""
    for name, info in model.model_fields.items():
        alias = info.validation_alias
        if not isinstance(alias, AliasChoices):
            continue
        names = [str(choice) for choice in alias.choices]
        shown = names[0]
        for other in names[1:]:
            schema["properties"][other] = copy.deepcopy(schema["properties"][shown])
        if shown in schema.get("required", []):
            schema["required"].remove(shown)
            schema.setdefault("allOf", []).append({"anyOf": [{"required": [n]} for n in names]})


def _amounts(schema: dict[str, Any]) -> None:
    """Every amount is AMOUNT; 项目资金 is an amount or the mapping of its parts (spec._funds)."""
    funds = schema["$defs"]["Funds"]
    for name, prop in funds["properties"].items():
        optional = "default" in prop
        funds["properties"][name] = copy.deepcopy(AMOUNT) if not optional else {
            "anyOf": [*AMOUNT["anyOf"], {"type": "null"}], "description": AMOUNT["description"]}
    prop = schema["properties"]["项目资金"]
    schema["properties"]["项目资金"] = {"anyOf": [copy.deepcopy(AMOUNT), {"$ref": "#/$defs/Funds"}],
                                     "description": prop.get("description", "")}


def project_schema(variant: Variant | None = None) -> dict[str, Any]:
    """The schema of a project spec; with a variant, its categories and 二级 names complete."""
    if variant is not None:
        from .build import spec_model   # the variant's own classification fields (项目性质 …)
        schema = _base(spec_model(variant))
    else:
        schema = _base(ProjectSpec)
    _amounts(schema)
    # 绩效指标 may be left out when a 类别 gives the indicators (spec.ProjectSpec._some_indicators)
    schema.setdefault("allOf", []).append({"anyOf": [{"required": ["绩效指标"]}, {"required": ["类别"]}]})
    schema["title"] = "perfgen 项目说明"
    schema["description"] = "一个预算项目的绩效目标（perfgen 生成绩效目标表）"
    if variant is not None:
        schema["title"] += f"（格式 {variant.name}）"
        for kind in variant.classifications:
            schema["properties"][kind.key]["enum"] = list(kind.values)
            schema["properties"][kind.key].setdefault("description", f"格式「{variant.name}」的{kind.key}之一")
        if variant.styles:
            schema["properties"]["样式"]["enum"] = list(variant.styles)
        groups = _level2_names(variant)
        if groups:
            indicators = schema["properties"]["绩效指标"]
            # a 一级 may hold its 二级 (the table's layout); one that is also a 二级 alias may hold either
            level1s = [l1 for l1 in variant.framework if l1 not in groups]
            indicators["propertyNames"] = {"enum": groups + level1s}
            indicators["properties"] = {l1: {"type": "object", "additionalProperties": {"type": "object"}}
                                        for l1 in level1s}
    return schema


def unit_schema(variant: Variant | None = None) -> dict[str, Any]:
    """The schema of a unit spec: one table for the whole unit; with a variant, the 二级
    names under 分解目标 complete."""
    schema = _base(UnitSpec)
    budget = schema["$defs"]["UnitBudget"]
    for name, prop in budget["properties"].items():
        budget["properties"][name] = copy.deepcopy(AMOUNT) if "default" not in prop else {
            "anyOf": [*AMOUNT["anyOf"], {"type": "null"}], "description": AMOUNT["description"]}
    budget["description"] = "预算，单位元：财政拨款 + 其他资金 = 基本支出 + 项目支出（总额由 perfgen 计算）"
    schema["title"] = "perfgen 单位说明（整体支出绩效目标）"
    schema["description"] = "一个单位的整体支出绩效目标（一张表对应整个单位）"
    if variant is not None:
        schema["title"] += f"（格式 {variant.name}）"
        groups = _level2_names(variant)
        if groups:
            schema["properties"]["分解目标"]["propertyNames"] = {"enum": groups}
    return schema


def form_schema(variant: Variant) -> dict[str, Any]:
    """The schema of the specs `variant` is filled from: its form's own (a project's, a unit's),
    or, for a form that has none, its spec model's as it is, titled in Chinese."""
    from .forms import form_of  # the spec shape of each form

    shape = form_of(variant)
    if shape.schema is not None:
        return shape.schema(variant)
    schema = _base(shape.spec_model(variant))
    schema["title"] = f"perfgen 说明（格式 {variant.name}）"
    schema["description"] = f"按格式「{variant.name}」（{variant.title or variant.name}）填写的说明"
    return schema


def department_schema() -> dict[str, Any]:
    schema = _base(DepartmentSpec)
    schema["title"] = "perfgen 部门.yaml"
    schema["description"] = "一个说明目录的项目共用的信息"
    return schema


def dumps(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
