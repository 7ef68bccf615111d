"""Every case of issue 12's "Why", end to end through the command line: `check` finds what
`build` refuses (through the same code), nothing gives a traceback, templates run no code."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generator.cli import app

from conftest import EXAMPLES, REPO, TEMPLATES, copy_specs, write

runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, [*args, "--templates", str(TEMPLATES)])


@pytest.fixture
def specs(tmp_path) -> Path:
    return copy_specs(EXAMPLES / "2024", tmp_path / "specs")


def set_name(path: Path, name: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("项目名称: 法律顾问费", f"项目名称: {name}", 1), encoding="utf-8")


def twin(specs: Path, first: str, second: str) -> None:
    source = (specs / "法律顾问费.yaml").read_text(encoding="utf-8")
    (specs / "法律顾问费.yaml").unlink()
    for i, name in enumerate((first, second)):
        write(specs / f"t{i}.yaml", source.replace("项目名称: 法律顾问费", f"项目名称: {name}", 1))


CASES = {
    "a project named 汇总": (lambda s: set_name(s / "法律顾问费.yaml", "汇总"), "汇总工作簿"),
    "two names, one file": (lambda s: twin(s, "a/b", "a_b"), "是同一个文件"),
    "names equal but for case": (lambda s: twin(s, "ABC", "abc"), "是同一个文件"),
    "names equal but for width": (lambda s: twin(s, "ＡＢＣ", "ABC"), "是同一个文件"),
    "a lone surrogate": (lambda s: write(s / "法律顾问费.yaml", (s / "法律顾问费.yaml").read_text("utf-8").replace(
        "项目名称: 法律顾问费", '项目名称: "法律\\ud800顾问费"')), "U+D800"),
    "U+FFFF": (lambda s: write(s / "法律顾问费.yaml", (s / "法律顾问费.yaml").read_text("utf-8").replace(
        "项目名称: 法律顾问费", '项目名称: "法律\\uffff顾问费"')), "U+FFFF"),
    "nesting 500 deep": (lambda s: write(s / "深.yaml", "项目名称: 深\n绩效指标: " + "[" * 500 + "]" * 500 + "\n"),
                         "嵌套过深"),
}


@pytest.mark.parametrize("case", CASES)
def test_check_finds_what_build_refuses(specs, tmp_path, case):
    make, message = CASES[case]
    make(specs)
    checked, built = cli("check", str(specs)), cli("build", str(specs), "-o", str(tmp_path / "out"))
    assert checked.exit_code == 1 and built.exit_code == 1, (checked.output, built.output)
    assert message in checked.output and message in built.output
    errors = lambda out: sorted(line for line in out.splitlines() if message in line)  # noqa: E731
    assert errors(checked.output) == errors(built.output)
    assert "Traceback" not in checked.output + built.output and not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["长" * 80, "CON", "nul.txt", "COM1"])
def test_names_a_file_system_refuses_are_built_under_a_portable_name_and_said(specs, tmp_path, name):
    set_name(specs / "法律顾问费.yaml", name)
    checked, built = cli("check", str(specs)), cli("build", str(specs), "-o", str(tmp_path / "out"))
    assert checked.exit_code == 0 and built.exit_code == 0, built.output
    assert "输出文件名为" in checked.output and "输出文件名为" in built.output
    written = [p.name for p in (tmp_path / "out" / "specs").iterdir() if p.suffix == ".docx"]
    assert all(len(n.encode()) + 32 <= 255 and n.split(".")[0].upper() not in ("CON", "NUL", "COM1") for n in written)


def test_a_27_digit_number_in_a_value_is_built_as_checked(specs, tmp_path):
    path = specs / "法律顾问费.yaml"
    write(path, path.read_text("utf-8").replace("单位内业务科室满意度: =100%", "单位内业务科室满意度: =123456789012345678901234567人"))
    assert cli("check", str(specs)).exit_code == 0
    built = cli("build", str(specs), "-o", str(tmp_path / "out"))
    assert built.exit_code == 0, built.output


@pytest.mark.parametrize("where", ["类别", "."])
@pytest.mark.parametrize("kind", ["folder", "fifo"])
def test_a_folder_or_fifo_named_yaml_is_no_spec_and_never_hangs(specs, tmp_path, where, kind):
    folder = specs / where
    folder.mkdir(exist_ok=True)
    if kind == "fifo":
        os.mkfifo(folder / "x.yaml")
    else:
        (folder / "x.yaml").mkdir()
    for args in (("check", str(specs)), ("build", str(specs), "-o", str(tmp_path / "out"))):
        result = subprocess.run([sys.executable, "-m", "generator", *args, "--templates", str(TEMPLATES)],
                                capture_output=True, text=True, timeout=120, cwd=REPO)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize("output", ["specs", "specs/sub", "."])
def test_an_output_folder_equal_to_inside_or_above_the_specs_is_refused(specs, tmp_path, monkeypatch, output):
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in specs.iterdir())
    result = cli("build", "specs", "-o", output)
    assert result.exit_code == 1 and "perfgen 不往说明目录里写文件" in result.output
    assert sorted(p.name for p in specs.iterdir()) == before


def test_an_output_naming_a_file_is_said(specs, tmp_path):
    (tmp_path / "a.txt").write_text("x")
    for output in (tmp_path / "a.txt", tmp_path / "a.txt" / "sub"):
        result = cli("build", str(specs), "-o", str(output))
        assert result.exit_code == 1 and "不是目录" in result.output


def test_stdout_that_cannot_show_chinese_gets_escapes_not_a_traceback(specs, tmp_path):
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    result = subprocess.run([sys.executable, "-m", "generator", "build", str(specs), "-o", str(tmp_path / "out"),
                             "--templates", str(TEMPLATES)], capture_output=True, env=env, timeout=120, cwd=REPO)
    assert result.returncode == 0 and b"Traceback" not in result.stderr and b"\\u" in result.stdout


def test_the_unexpected_is_one_chinese_line_and_a_log_file(specs, tmp_path, monkeypatch):
    from generator import batch, cli as cli_module

    def boom(*args, **kwargs):
        from generator.failure import doing

        doing("读取并检查项目说明", specs / "法律顾问费.yaml")
        raise RuntimeError("nobody foresaw this")

    monkeypatch.setattr(cli_module, "run_build", boom)
    with pytest.raises(SystemExit) as exited:
        cli_module.entry(["build", str(specs), "-o", str(tmp_path / "out")])
    assert exited.value.code == 3
    logs = list((Path(os.environ["PERFGEN_CACHE"]) / "logs").glob("perfgen-错误-*.log"))
    assert logs and any("nobody foresaw this" in log.read_text(encoding="utf-8") for log in logs)


def test_the_unexpected_line_says_what_which_file_and_where(tmp_path, monkeypatch):
    from generator.failure import doing, unexpected

    monkeypatch.setenv("PERFGEN_CACHE", str(tmp_path / "cache"))
    doing("生成汇总工作簿", "/x/汇总.xlsx")
    line = unexpected(ValueError("?"))
    assert "生成汇总工作簿" in line and "/x/汇总.xlsx" in line and str(tmp_path / "cache" / "logs") in line
    assert "\n" not in line


def hostile_template(tmp_path: Path, payload: str) -> Path:
    templates = tmp_path / "templates"
    import shutil

    shutil.copytree(TEMPLATES, templates)
    docx = templates / "2024目标表" / "table.docx"
    with zipfile.ZipFile(docx) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    xml = parts["word/document.xml"].decode("utf-8")
    parts["word/document.xml"] = xml.replace("<w:body>", f"<w:body><w:p><w:r><w:t>{payload}</w:t></w:r></w:p>",
                                             1).encode("utf-8")
    with zipfile.ZipFile(docx, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return templates


@pytest.mark.parametrize("payload", [
    "{{{{ cycler.__init__.__globals__.os.system('touch {marker}') }}}}",
    "{{{{ ''.__class__.__mro__[1].__subclasses__() }}}}",
    "{{% set x = [] %}}{{{{ x.append(1) }}}}",
])
def test_a_template_cannot_run_code(specs, tmp_path, payload):
    marker = tmp_path / "ran"
    templates = hostile_template(tmp_path, payload.format(marker=marker))
    result = runner.invoke(app, ["build", str(specs), "-o", str(tmp_path / "out"), "--templates", str(templates)])
    assert result.exit_code == 1 and not marker.exists() and "不允许的操作" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


@pytest.mark.parametrize("variant", ["../templates/2024目标表", "/etc", "2024目标表/../2024目标表", ".hidden"])
def test_a_format_is_a_name_never_a_path(specs, tmp_path, variant):
    department = specs / "部门.yaml"
    write(department, department.read_text("utf-8").replace("格式: 2024目标表", f"格式: {variant}"))
    result = cli("check", str(specs))
    assert result.exit_code == 1 and "不能是路径" in result.output


def test_templates_are_never_taken_from_a_folder_above_the_project(tmp_path, monkeypatch):
    from generator.layout import PACKAGE_TEMPLATES, templates_root

    import shutil

    shutil.copytree(TEMPLATES / "2024目标表", tmp_path / "templates" / "2024目标表")  # planted in /tmp, say
    project = tmp_path / "project"
    (project / "specs" / "2024").mkdir(parents=True)
    monkeypatch.delenv("PERFGEN_TEMPLATES", raising=False)
    monkeypatch.chdir(project)
    # the layers (layout.Templates): never the planted folder, the project's own above the shipped ones
    assert templates_root(None, near=project / "specs" / "2024").folders == (PACKAGE_TEMPLATES,)
    (project / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    assert templates_root(None, near=project / "specs" / "2024").folders == (PACKAGE_TEMPLATES,)
    shutil.copytree(TEMPLATES / "2024目标表", project / "templates" / "2024目标表")
    assert templates_root(None, near=project / "specs" / "2024").folders == (project / "templates", PACKAGE_TEMPLATES)
