"""`perfgen init`: a new department folder that builds as it is, with schemas and modelines."""
from __future__ import annotations

import json

import pytest
import yaml
from jsonschema import Draft7Validator
from typer.testing import CliRunner

from generator.cli import app
from generator.editors import MODELINE
from generator.errors import PerfgenError
from generator.scaffold import EXAMPLE, init

from conftest import TEMPLATES

runner = CliRunner()


def test_init_then_build_and_check(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    started = runner.invoke(app, ["init", "新部门", "--templates", str(TEMPLATES)])
    assert started.exit_code == 0, started.output
    built = runner.invoke(app, ["build", "新部门", "--templates", str(TEMPLATES)])
    assert built.exit_code == 0, built.output
    assert sorted(p.name for p in (tmp_path / "output" / "新部门").glob("*.docx")) == ["法律顾问费.docx"]
    assert any((tmp_path / "output" / "新部门").glob("*/*.docx"))  # the unit table, in its own folder
    checked = runner.invoke(app, ["check", "新部门", "--strict", "--templates", str(TEMPLATES)])
    assert checked.exit_code == 0 and "0 处错误，0 条警告" in checked.output, checked.output


def test_every_spec_names_its_schema_and_passes_it(tmp_path):
    started = init(tmp_path / "新部门", TEMPLATES)
    specs = [p for p in started.written if p.suffix == ".yaml"]
    assert len(specs) == 2 * len(started.forms) >= 4
    for spec in specs:
        first = spec.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith(MODELINE)
        schema = json.loads((spec.parent / first.removeprefix(MODELINE)).read_text(encoding="utf-8"))
        data = yaml.safe_load(spec.read_text(encoding="utf-8"))
        assert list(Draft7Validator(schema).iter_errors(data)) == [], spec
    settings = json.loads((tmp_path / "新部门" / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    for schema in settings["yaml.schemas"]:
        assert (tmp_path / "新部门" / schema).is_file()


def test_init_writes_into_no_folder_that_holds_anything(tmp_path):
    (tmp_path / "旧").mkdir()
    (tmp_path / "旧" / "笔记.txt").write_text("x", encoding="utf-8")
    with pytest.raises(PerfgenError, match="不覆盖任何文件"):
        init(tmp_path / "旧", TEMPLATES)
    assert [p.name for p in (tmp_path / "旧").iterdir()] == ["笔记.txt"]
    (tmp_path / "空").mkdir()
    assert init(tmp_path / "空", TEMPLATES).forms  # an empty folder will do


@pytest.mark.parametrize("example", sorted(TEMPLATES.glob(f"*/{EXAMPLE}")), ids=lambda p: p.parent.name)
def test_each_forms_example_is_a_clean_spec(example, tmp_path):
    """The example a form ships is checked like any spec: no error, no warning."""
    from helpers import check

    from generator.layout import DEPARTMENT_FILE

    (tmp_path / DEPARTMENT_FILE).write_text(f"主管部门: 甲\n实施单位: 乙\n年度: 2024\n格式: {example.parent.name}\n",
                                            encoding="utf-8")
    (tmp_path / "示例.yaml").write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    plans, problems = check(tmp_path)
    assert [str(p) for p in problems] == [] and len(plans[0].projects) == 1
