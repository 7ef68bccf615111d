"""Every word of help and of usage errors is Chinese: typer's and click's own words included."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from generator.cli import app
from generator.cli_chinese import chinese  # noqa: F401  (the module under test)

runner = CliRunner(env={"COLUMNS": "240"})  # wide: no help line cut short
COMMANDS = sorted(get_command(app).commands)  # every command, also those added later
# what may stay in Latin letters: names the user types or sees elsewhere as they are (commands,
# options, files and folders, products, shells), not words of the help
NAMES = {"perfgen", "YAML", "Word", "Excel", "PDF", "PNG", "JSON", "Schema", "VS", "Code", "LibreOffice",
         "CPU", "bash", "zsh", "fish", "PowerShell", "Tab", "specs", "output", "templates", "yaml",
         "language", "server", "docx", "xlsx", "png", "vscode", *COMMANDS}
_NAMED = re.compile(r"--?[a-z][a-z-]*|[\w.-]*\.(?:yaml|docx|xlsx|png|json)\b|\S+/")


def english_words(text: str) -> list[str]:
    text = _NAMED.sub(" ", text)
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in NAMES]


@pytest.mark.parametrize("args", [[], ["--help"], ["-h"], *([c, "--help"] for c in COMMANDS),
                                  *([c, "-h"] for c in COMMANDS)])
def test_help_is_chinese(args):
    result = runner.invoke(app, args, prog_name="perfgen")
    assert result.exit_code == 0 or args == [], result.output
    assert "用法：perfgen" in result.output and "显示本帮助并退出" in result.output
    assert english_words(result.output) == [], result.output


def test_defaults_are_written_one_way():
    result = runner.invoke(app, ["build", "-h"], prog_name="perfgen")
    assert "（默认：output）" in result.output and "（默认：specs）" in result.output
    assert "default" not in result.output and "[x>=0]" not in result.output


@pytest.mark.parametrize("args, said", [
    (["bulid"], "没有命令「bulid」，是否想写 build？"),
    (["frobnicate"], "没有命令「frobnicate」；命令有：build、"),
    (["preview"], "缺少参数 说明文件"),
    (["new", "2025"], "缺少选项 --from"),
    (["new", "二〇二五", "--from", "2024"], "参数 年度：「二〇二五」不是整数"),
    (["build", "-j", "abc"], "选项 -j / --jobs：「abc」不是整数"),
    (["build", "-j", "-1"], "选项 -j / --jobs：进程数不能为负数"),
    (["build", "--forc"], "没有选项 --forc，是否想写 --force？"),
    (["build", "一", "二"], "多余的参数：二"),
    (["build", "-o"], "选项 -o 后面要写一个值"),
    (["build", "--force=3"], "选项 --force 是开关，不带值"),
    (["import"], "缺少参数 表格"),
])
def test_usage_errors_are_chinese(args, said):
    result = runner.invoke(app, args, prog_name="perfgen")
    assert result.exit_code == 2, result.output
    assert said in result.output
    assert "用法：perfgen" in result.output and "查看用法" in result.output
    assert english_words(result.output.replace(args[-1], " ")) == [], result.output  # the user's own word aside


def test_completion_can_be_installed_in_chinese(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    result = runner.invoke(app, ["--install-completion", "bash"], prog_name="perfgen")
    assert result.exit_code == 0, result.output
    assert "已为 bash 安装命令补全" in result.output and (tmp_path / ".bash_completions").is_dir()
    shown = runner.invoke(app, ["--show-completion", "bash"], prog_name="perfgen")
    assert shown.exit_code == 0 and "_PERFGEN_COMPLETE" in shown.output


def test_a_command_that_prints_no_help_does_not_load_typers_rich_help():
    """typer.rich_utils (with rich.markdown) is 40 % of perfgen's start: loaded for help and errors only."""
    import subprocess
    import sys

    code = "import sys, generator.cli; print('typer.rich_utils' in sys.modules, 'rich.markdown' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.split() == ["False",
                                                                                                          "False"]


def test_plain_values_are_taken_as_typer_takes_them(tmp_path):
    """_Plain (no pydantic) gives what typer's own coercion gives, for every parameter of every
    command that it takes on, and leaves anything else (an error's message too) to typer."""
    from typer._coercion import build_runtime_param

    from generator.cli_chinese import _Plain

    group = get_command(app)
    existing = tmp_path / "说明"
    existing.mkdir()
    values = ["specs", str(existing), "", " a ", "x/../y", "2", "007", "-3", "+4", " 5 ", "1_000", "x", "2.0",
              Path("specs"), 0, 3, True, False, None]
    taken = 0
    for name in [None, *COMMANDS]:
        command = group if name is None else group.commands[name]
        ctx = command.make_context(name or "perfgen", [], resilient_parsing=True)
        for param in command.get_params(ctx):
            plain = getattr(param, "_runtime_param", None)
            if not isinstance(plain, _Plain):
                continue
            taken += 1
            typers = build_runtime_param(param.type_descriptor)
            for value in values:
                expected = _outcome(typers, value, param, ctx)
                assert _outcome(plain, value, param, ctx) == expected, (name, param.name, value)
    assert taken > 20


def _outcome(runtime, value, param, ctx):
    try:
        got = runtime.coerce(value, param=param, ctx=ctx)
        return type(got), got
    except Exception as exc:  # noqa: BLE001 - the error, as typer would raise it
        return type(exc), str(exc)


def test_parsing_a_command_line_does_not_load_pydantic():
    """typer's parameter coercion is pydantic's: a third of a build with nothing to do, avoided."""
    import subprocess
    import sys

    code = ("import sys\nfrom generator.cli import app\ntry:\n app(['build', '/没有这个目录', '-o', '/没有', '-j', '2'], "
            "prog_name='perfgen')\nexcept SystemExit as exit:\n print(exit.code, 'pydantic' in sys.modules, "
            "'typer._adapters' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.split() == ["1", "False", "False"], done.stderr
