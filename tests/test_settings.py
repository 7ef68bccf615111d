"""A variant's settings.yaml is validated like a spec: every problem at its line, in Chinese, before any build."""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st
from typer.testing import CliRunner

from generator.cli import app
from generator.errors import SettingsErrors
from generator.settings import VariantSettings, pattern_problem, read_settings
from generator.variant import Variant

from conftest import EXAMPLES, TEMPLATES

runner = CliRunner()


def copied(tmp_path: Path, edit, variant: str = "2024目标表") -> tuple[Path, Path]:
    """The 2024 examples and a copy of `variant` as 测试格式 whose settings.yaml text is `edit(text)`;
    returns (spec folder, templates folder)."""
    templates = tmp_path / "templates"
    folder = templates / "测试格式"
    shutil.copytree(TEMPLATES / variant, folder)
    path = folder / "settings.yaml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    specs = tmp_path / "specs"
    source = EXAMPLES / ("2024新虹街道" if variant == "2024单位整体" else "2024")
    shutil.copytree(source, specs)
    department = specs / "部门.yaml"
    text = department.read_text(encoding="utf-8")
    department.write_text(text.replace(f"格式: {variant}", "格式: 测试格式"), encoding="utf-8")
    return specs, templates


def line_of(path: Path, start: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.startswith(start))


def check(specs: Path, templates: Path):
    return runner.invoke(app, ["check", str(specs), "--templates", str(templates)])


@pytest.mark.parametrize("edit, line, key, message", [
    (lambda t: t.replace("\ndates:", "\ndate:"), "date:", "date", "未知的键「date」，是否想写「dates」？"),
    (lambda t: t.replace("\ndefaults:", "\ndefualts:"), "defualts:", "defualts", "未知的键「defualts」，是否想写「defaults」？"),
    (lambda t: t.replace("  decimals: 2\n  thousands", "  decimal: 2\n  thousands"), "  decimal:", "amounts.decimal",
     "未知的键「decimal」，是否想写「decimals」？"),
    (lambda t: t.replace('quantitative: "{op}{number}({unit}){note}"', 'quantitative: "{op}{nmber}({unit}){note}"'),
     "  quantitative:", "values.quantitative", "「{op}{nmber}({unit}){note}」中的 {nmber} 无法填写；是否想写「{number}」？"),
    (lambda t: t.replace('dates: "{year}/{month}/{day}"', 'dates: "{year}/{month}/{day"'), "dates:", "dates", "花括号不成对"),
    (lambda t: t.replace("  output: 产出指标", "  output: 产出指木"), "  output:", "checks.output",
     "「产出指木」不是 framework 中的一级指标"),
    (lambda t: t.replace("  进度指标: 时效指标", "  进度指标: 时效指木"), "  进度指标:", "aliases.进度指标",
     "「时效指木」不是 framework 中的二级指标"),
    (lambda t: t.replace("  unit: 万元", "  unit: 千元"), "  unit:", "amounts.unit", "只能是：元、万元"),
    (lambda t: t.replace("  thousands: true", "  thousands: 是"), "  thousands:", "amounts.thousands", "应为 true 或 false"),
    (lambda t: t.replace("checkbox: {checked", "checkbox: {tick"), "checkbox:", "checkbox.tick", "未知的键「tick」"),
])
def test_check_names_the_settings_file_the_line_and_the_key(tmp_path, edit, line, key, message):
    specs, templates = copied(tmp_path, edit)
    settings = templates / "测试格式" / "settings.yaml"
    result = check(specs, templates)
    assert result.exit_code == 1 and "Traceback" not in result.output
    said = [text for text in result.output.splitlines() if str(settings) in text]
    assert len(said) == 1, result.output
    assert said[0].startswith(f"{settings}:{line_of(settings, line)} {key}: ") and message in said[0], said[0]


def test_a_nested_problem_is_at_its_own_line(tmp_path):
    specs, templates = copied(tmp_path, lambda t: t.replace("  decimals: 2\n  thousands", "  decimal: 2\n  thousands"))
    settings = templates / "测试格式" / "settings.yaml"
    result = check(specs, templates)
    assert f"{settings}:{line_of(settings, '  decimal:')} amounts.decimal: " in result.output


def test_build_refuses_before_writing_anything(tmp_path):
    specs, templates = copied(tmp_path, lambda t: t.replace("\ndefaults:", "\ndefualts:"))
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(specs), "-o", str(out), "--templates", str(templates)])
    assert result.exit_code == 1 and "是否想写「defaults」" in result.output
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*"))


def test_every_problem_of_the_file_is_said_at_once(tmp_path):
    specs, templates = copied(tmp_path, lambda t: t.replace("\ndates:", "\ndate:").replace("\ndefaults:", "\ndefualts:"))
    output = check(specs, templates).output
    assert "「date」" in output and "「defualts」" in output


def test_a_broken_settings_file_is_a_yaml_problem_at_its_line(tmp_path):
    specs, templates = copied(tmp_path, lambda t: t.replace("\ntitle: ", "\ntitle: [", 1))
    result = check(specs, templates)
    assert result.exit_code == 1 and "settings.yaml:" in result.output and "Traceback" not in result.output


def rewrite_template(folder: Path, old: str, new: str) -> None:
    docx = folder / "table.docx"
    with zipfile.ZipFile(docx) as archive:
        parts = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(docx, "w") as archive:
        for info, data in parts:
            if info.filename == "word/document.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode(), 1)
            archive.writestr(info, data)


@pytest.mark.parametrize("old, new, field, message", [
    ("标签.项目名称 }}", "标签.项目明称 }}", "标签.项目明称", "在 settings.yaml 的 labels 中没有；是否想写「项目名称」？"),
    ("{{ 项目总目标 }}", "{{ 项目总木标 }}", "项目总木标", "不是 project 表提供的字段；是否想写「项目总目标」？"),
    ("row.指标值 }}", "row.指标直 }}", "指标行.指标直", "「指标行」的每一行没有「指标直」"),
])
def test_the_templates_placeholders_are_checked_against_the_form(tmp_path, old, new, field, message):
    specs, templates = copied(tmp_path, lambda t: t)
    rewrite_template(templates / "测试格式", old, new)
    result = check(specs, templates)
    assert result.exit_code == 1
    assert f"{templates / '测试格式' / 'table.docx'} {field}: " in result.output and message in result.output


def test_a_label_the_settings_drop_is_missed_in_the_template(tmp_path):
    specs, templates = copied(tmp_path, lambda t: t.replace("  项目总目标: 项目总目标\n", ""))
    output = check(specs, templates).output
    assert "table.docx 标签.项目总目标: 模板中的 {{ 标签.项目总目标 }} 在 settings.yaml 的 labels 中没有" in output


def test_the_unit_forms_rows_are_told_apart(tmp_path):
    """The unit template loops over 固定指标行 and 指标行 with one name, row: each loop's fields count."""
    specs, templates = copied(tmp_path, lambda t: t, variant="2024单位整体")
    assert check(specs, templates).exit_code == 0
    rewrite_template(templates / "测试格式", "row.说明 }}", "row.评分标准 }}")
    output = check(specs, templates).output
    assert "固定指标行.评分标准: 「固定指标行」的每一行没有「评分标准」" in output


@pytest.mark.parametrize("name", sorted(p.parent.name for p in TEMPLATES.glob("*/settings.yaml")))
def test_the_shipped_variants_are_valid(name):
    path = TEMPLATES / name / "settings.yaml"
    settings, problems = read_settings(path, path.read_bytes())
    assert problems == [] and settings is not None


def test_an_empty_settings_file_is_every_default(tmp_path):
    path = tmp_path / "settings.yaml"
    settings, problems = read_settings(path, b"")
    assert problems == [] and settings == VariantSettings()
    assert settings.amounts.format(None) == "-" and settings.lists.单位职责 == "{n}.{text}"


def test_variant_raises_the_problems(tmp_path):
    folder = tmp_path / "格式"
    folder.mkdir()
    (folder / "settings.yaml").write_text("form: project\ndate: x\n", encoding="utf-8")
    with pytest.raises(SettingsErrors) as caught:
        Variant(folder)
    [problem] = caught.value.problems
    assert (problem.line, problem.field) == (2, "date") and "是否想写「dates」" in problem.message


def test_every_key_is_documented():
    """The model is the reference (docs/adding-a-form.md prints it): no key without a description."""
    from pydantic import BaseModel

    seen, todo = set(), [VariantSettings]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        assert model.__doc__, model
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name}"
            for kind in _models(field.annotation):
                if issubclass(kind, BaseModel):
                    todo.append(kind)
    assert len(seen) >= 9


def _models(annotation) -> list[type]:
    import typing

    out = [annotation] if isinstance(annotation, type) else []
    for arg in typing.get_args(annotation):
        out += _models(arg)
    return out


@hsettings(max_examples=60, deadline=None)
@given(st.text(alphabet="{}abnumerop:02d", max_size=12))
def test_a_pattern_is_accepted_exactly_when_it_can_be_filled(text):
    fields = {"op": "≥", "number": "1"}
    problem = pattern_problem(text, fields)
    try:
        text.format(**fields)
        fills = True
    except (ValueError, KeyError, IndexError, AttributeError, TypeError):
        fills = False
    assert (problem is None) == fills


@pytest.mark.parametrize("edit, line, key, message", [
    (lambda t: t.replace("  三行:", "  三行:\n    framework: {}", 1), "    framework:", "styles.三行.framework",
     "未知的键「framework」"),
    (lambda t: t.replace("  三行:", "  三行:\n    amounts: {unit: 千元}", 1), "  三行:", "styles.三行",
     "样式「三行」改过的设置有误：amounts.unit"),
    (lambda t: t.replace("  指标值: 无", "  指标值: 无\n  二级: [数量指标, 质量指木]").replace(
        "  二级: [数量指标, 时效指标, 成本指标, 经济效益指标, 社会效益指标, 生态效益指标, 可持续影响指标, 服务对象满意度指标]\n", ""),
     "  二级:", "every_level2.二级.1", "「质量指木」不是 framework 中的二级指标"),
    (lambda t: t.replace("unique_names: level2", "unique_names: 二级"), "unique_names:", "unique_names",
     "只能是：table、level2"),
    (lambda t: t.replace("    - [其他资金, 上年结转资金]", "    - [其他资金, 结转资金]"), "    - [其他资金, 结转资金]",
     "styles.三行", "funds.rows.2.1: 只能是：项目资金总额、财政资金"),
])
def test_the_new_forms_settings_are_checked_at_their_lines(tmp_path, edit, line, key, message):
    """styles, every_level2, unique_names, funds of the 2023 目标表, misspelt."""
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES / "2023目标表", templates / "测试格式")
    settings = templates / "测试格式" / "settings.yaml"
    settings.write_text(edit(settings.read_text(encoding="utf-8")), encoding="utf-8")
    specs = shutil.copytree(EXAMPLES / "2023吴泾镇", tmp_path / "specs")
    department = specs / "部门.yaml"
    department.write_text(department.read_text(encoding="utf-8").replace("格式: 2023目标表", "格式: 测试格式"),
                          encoding="utf-8")
    result = check(specs, templates)
    assert result.exit_code == 1 and "Traceback" not in result.output
    said = [text for text in result.output.splitlines() if str(settings) in text]
    assert said and key in said[0] and message in said[0], result.output


def test_the_docs_reference_is_the_model():
    from generator.settings import reference

    from conftest import REPO

    text = (REPO / "docs" / "adding-a-form.md").read_text(encoding="utf-8")
    assert text.endswith(reference() + "\n"), "regenerate docs/adding-a-form.md's reference from settings.reference()"


def test_models_are_built_when_first_used_not_at_import():
    """defer_build: importing what a build imports builds no pydantic model (a no-op build, a check of
    specs alone pays for none) and loads no docxtpl; a model is built by its first validation."""
    import subprocess
    import sys

    script = ("import sys, pydantic\n"
              "import generator.cli, generator.build, generator.folder_build, generator.render.docx, "
              "generator.render.xlsx, generator.summary, generator.rules, generator.facts\n"
              "built = [m.__name__ for m in pydantic.BaseModel.__subclasses__() if m.__module__.startswith('generator') "
              "and m.__pydantic_complete__]\n"
              "print(built, 'docxtpl' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["[]", "False"]


def test_nested_defaults_are_the_models_defaults():
    """A section left out of settings.yaml is its model with every default (made by a factory, so that
    no instance is made at import), equal to the section written out empty."""
    empty = VariantSettings.model_validate({})
    written = VariantSettings.model_validate({k: {} for k in ("checkbox", "amounts", "values", "checks", "lists",
                                                               "excel", "print", "funds")})
    assert empty == written
    assert empty.model_dump() == written.model_dump()
