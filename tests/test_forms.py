"""Forms are plug-ins: one interface (forms/__init__.py), one pipeline (build.plan_folder) for every command."""
from __future__ import annotations

import re
import shutil

import pytest
from typer.testing import CliRunner

from generator.build import plan_folder
from generator.cli import app
from generator.errors import Problems
from generator.forms import Form, form_of, forms
from generator.render.context import PROJECT_PROVIDES, UNIT_PROVIDES, project_context, unit_context
from generator.render.context import provides as provides_for
from generator.variant import Variant

from conftest import EXAMPLES, REPO, TEMPLATES

runner = CliRunner()


def test_every_shipped_variant_names_a_form():
    for settings in TEMPLATES.glob("*/settings.yaml"):
        assert isinstance(form_of(Variant(settings.parent)), Form)
    assert set(forms()) >= {"project", "unit"}


def test_no_shape_is_told_apart_outside_forms():
    """No isinstance on a table or spec model, no `form == …` outside generator/forms/."""
    pattern = re.compile(r"isinstance\([^)]*\b(Project|Unit|ProjectSpec|UnitSpec)\b|\bform\s*==|==\s*[\"'](project|unit)[\"']")
    hits = [f"{p.relative_to(REPO)}:{n}" for p in (REPO / "generator").rglob("*.py") if "forms" not in p.parts
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert hits == []


def test_check_reports_a_project_named_like_the_summary_workbook(tmp_path):
    """`check` runs what `build` runs: a project named 汇总 would overwrite 汇总.xlsx."""
    folder = tmp_path / "2024"
    shutil.copytree(EXAMPLES / "2024", folder)
    spec = folder / "法律顾问费.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("项目名称: 法律顾问费", "项目名称: 汇总"), encoding="utf-8")
    checked = runner.invoke(app, ["check", str(folder), "--templates", str(TEMPLATES)])
    assert checked.exit_code == 1 and "汇总工作簿 汇总.xlsx" in checked.output
    built = runner.invoke(app, ["build", str(folder), "-o", str(tmp_path / "out"), "--templates", str(TEMPLATES)])
    assert built.exit_code == 1 and "汇总工作簿 汇总.xlsx" in built.output


def test_an_unknown_form_is_a_settings_problem(tmp_path):
    folder = tmp_path / "格式"
    shutil.copytree(TEMPLATES / "2024目标表", folder)
    settings = folder / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("form: project", "form: projct"), encoding="utf-8")
    with pytest.raises(Exception) as caught:
        Variant(folder)
    assert "没有 form「projct」；是否想写「project」？" in str(caught.value) and "settings.yaml:" in str(caught.value)


@pytest.mark.parametrize("folder, provides, context", [("2024", PROJECT_PROVIDES, project_context),
                                                        ("2024新虹街道", UNIT_PROVIDES, unit_context)])
def test_what_a_form_provides_is_what_its_context_holds(folder, provides, context):
    problems = Problems()
    item = plan_folder(EXAMPLES / folder, EXAMPLES / folder, TEMPLATES, problems)
    held = context(item.projects[0], item.variant)
    offered = provides_for(item.variant, provides)
    assert set(held) == set(offered)
    for name, fields in offered.items():
        if fields is not None:
            assert all(set(row) <= fields for row in held[name]) and held[name], name


def test_the_plan_keeps_what_each_table_was_built_from():
    problems = Problems()
    item = plan_folder(EXAMPLES / "2024", EXAMPLES / "2024", TEMPLATES, problems)
    assert [e.source.path for e in item.expanded] == [p.source for p in item.projects]


def test_every_package_ships_in_the_wheel():
    """A new form is a package: pyproject.toml must list it, or an installed perfgen lacks it."""
    import tomllib

    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "generator").rglob("__init__.py")}
    assert found <= listed


def test_a_context_from_what_a_variant_makes_the_same_is_the_context_made_afresh():
    """project_context keeps a variant's page fields, category boxes and the indicator rows met
    before (render.context._same): every example project's context is the one made with nothing
    remembered, and a context's rows are its own (changing one changes no other context)."""
    from generator import model
    from generator.build import plan
    from generator.render import context

    plans, _ = plan(EXAMPLES, None, TEMPLATES)
    projects = [(item.variant, table) for item in plans for table in item.projects
                if isinstance(table, model.Project)]
    assert len(projects) > 20
    remembered = [project_context(table, variant) for variant, table in projects]
    remembered_again = [project_context(table, variant) for variant, table in projects]
    afresh = []
    for variant, table in projects:
        context._SAME.clear()
        afresh.append(project_context(table, variant))
    assert remembered == remembered_again == afresh
    first, second = remembered_again[0]["指标行"], remembered[0]["指标行"]
    first[0]["三级"] = "changed"
    assert second[0]["三级"] != "changed" and project_context(*projects[0][::-1])["指标行"][0]["三级"] != "changed"
