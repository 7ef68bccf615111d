"""`perfgen schema`: the JSON Schema accepts what perfgen accepts, rejects what it rejects, and the
copy shipped in schema/ (what the README's modeline points at) is current."""
from __future__ import annotations

import json

import pytest
import yaml
from jsonschema import Draft7Validator

from generator.layout import spec_files
from generator.schema import department_schema, dumps, form_schema, project_schema, unit_schema
from generator.variant import Variant

from conftest import EXAMPLES, REPO, TEMPLATES

VARIANT = Variant.load("2024目标表", TEMPLATES)
UNIT = Variant.load("2024单位整体", TEMPLATES)


class Yaml12(yaml.SafeLoader):
    """Scalars as the editor's YAML 1.2 core schema reads them: 2024-01-01 stays text."""


Yaml12.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def errors(schema, text: str) -> list[str]:
    validator = Draft7Validator(schema)
    return [e.message for e in validator.iter_errors(yaml.load(text, Loader=Yaml12))]


BASE = "项目名称: 测试\n项目类别: 经常性项目\n年度总体目标: 目标\n绩效指标: {数量指标: {人数: =1人}}\n"


def test_the_schemas_are_valid_json_schema():
    Draft7Validator.check_schema(project_schema())
    Draft7Validator.check_schema(project_schema(VARIANT))
    Draft7Validator.check_schema(department_schema())


@pytest.mark.parametrize("path", [*spec_files(EXAMPLES / "2024"), EXAMPLES / "2024" / "部门.yaml"], ids=lambda p: p.name)
def test_every_example_spec_is_valid(path):
    schema = department_schema() if path.name == "部门.yaml" else project_schema(VARIANT)
    assert errors(schema, path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("extra", [
    "项目资金: 19200", "项目资金: 1.92万元", "项目资金: '19,200'",
    "项目资金: {财政资金: 874800, 其他资金: 35000, 上年结转资金: 0}",
    "项目资金: 1\n计划开始日期: 2024-03-01\n计划完成日期: 2024/12/31",
])
def test_what_perfgen_accepts_the_schema_accepts(extra):
    assert errors(project_schema(), BASE + extra + "\n") == []


def test_either_name_of_the_annual_goal_will_do_but_one_is_needed():
    text = BASE.replace("年度总体目标", "年度总目标") + "项目资金: 1\n"
    assert errors(project_schema(), text) == []
    missing = BASE.replace("年度总体目标: 目标\n", "") + "项目资金: 1\n"
    assert errors(project_schema(), missing) != []


@pytest.mark.parametrize("extra", [
    "项目资金: 1\n项目名: 错字",                       # unknown key
    "项目资金: {其他资金: 5}",                          # 财政资金 is required
    "项目资金: -5",
    "项目资金: 1\n计划开始日期: 明年",
    "项目资金: [1, 2]",
])
def test_what_perfgen_rejects_the_schema_rejects(extra):
    assert errors(project_schema(), BASE + extra + "\n") != []


def test_a_variant_completes_categories_and_level2_names():
    schema = project_schema(VARIANT)
    assert schema["properties"]["项目类别"]["enum"] == VARIANT.categories
    assert errors(schema, BASE.replace("经常性项目", "常规项目") + "项目资金: 1\n") != []
    assert errors(schema, BASE.replace("数量指标", "成本指标") + "项目资金: 1\n") == []  # an alias
    assert errors(schema, BASE.replace("数量指标", "产出指标") + "项目资金: 1\n") != []  # a 一级 needs its 二级
    nested = BASE.replace("{数量指标: {人数: =1人}}", "{产出指标: {数量指标: {人数: =1人}}}")
    assert errors(schema, nested + "项目资金: 1\n") == []


def test_a_category_may_stand_for_the_indicators():
    without = BASE.replace("绩效指标: {数量指标: {人数: =1人}}\n", "") + "项目资金: 1\n"
    assert errors(project_schema(), without + "类别: 法律顾问\n不适用: [服务对象满意度指标]\n") == []
    assert errors(project_schema(), without) != []


def test_department_year_bounds():
    ok = (EXAMPLES / "2024" / "部门.yaml").read_text(encoding="utf-8")
    assert errors(department_schema(), ok) == []
    assert errors(department_schema(), ok.replace("年度: 2024", "年度: 1999")) != []


@pytest.mark.parametrize("name, schema", [("project", project_schema), ("department", department_schema),
                                          ("unit", lambda: form_schema(UNIT))])
def test_the_shipped_schema_is_current(name, schema):
    shipped = REPO / "schema" / f"{name}.schema.json"
    how = {"department": " --department", "unit": " --format 2024单位整体"}.get(name, "")
    assert shipped.read_text(encoding="utf-8") == dumps(schema()), f"run: perfgen schema{how} -o schema/{name}.schema.json"
    assert json.loads(shipped.read_text(encoding="utf-8"))["$schema"] == "http://json-schema.org/draft-07/schema#"


def test_each_form_has_its_own_schema_and_the_unit_example_is_valid():
    """The unit form is no project: its schema is its own, and the shipped unit example passes it."""
    schema = form_schema(UNIT)
    Draft7Validator.check_schema(schema)
    assert schema == unit_schema(UNIT) and "单位名称" in schema["required"] and "项目名称" not in schema["properties"]
    assert form_schema(VARIANT) == project_schema(VARIANT)
    example = EXAMPLES / "2024新虹街道" / "新虹街道.yaml"
    assert errors(schema, example.read_text(encoding="utf-8")) == []
    assert errors(project_schema(VARIANT), example.read_text(encoding="utf-8")) != []
    assert errors(schema, example.read_text(encoding="utf-8").replace("分解目标:\n  数量指标:", "分解目标:\n  数量:")) != []


def test_a_schema_key_is_accepted_by_perfgen_and_by_the_schema(tmp_path):
    from generator.errors import Problems
    from generator.source import parse
    from generator.spec import ProjectSpec, validate

    text = "$schema: schema/2024目标表.schema.json\n" + BASE + "项目资金: 1\n"
    problems = Problems()
    assert validate(ProjectSpec, parse(text, tmp_path / "x.yaml"), problems) is not None and not problems
    assert errors(project_schema(VARIANT), text) == []


@pytest.mark.parametrize("name", sorted(p.parent.name for p in TEMPLATES.glob("*/settings.yaml")))
def test_every_format_has_a_schema_of_its_own_specs(name):
    schema = form_schema(Variant.load(name, TEMPLATES))
    Draft7Validator.check_schema(schema)
    assert name in schema["title"] and "$schema" in schema["properties"]


def test_no_english_in_the_editor_hover_help():
    import re

    forms = [form_schema(Variant.load(p.parent.name, TEMPLATES)) for p in sorted(TEMPLATES.glob("*/settings.yaml"))]
    for schema in (project_schema(VARIANT), form_schema(UNIT), department_schema(), *forms):
        texts = re.findall(r'"(?:description|title)": "([^"]*)"', dumps(schema))
        assert texts and not [t for t in texts if re.search(r"\b(?:the|a|an|of|to|is)\b", t)], texts
