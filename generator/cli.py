"""The `perfgen` command line (typer): one function per command, messages in Chinese."""
from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from . import __version__
from .build import build as run_build
from .errors import PerfgenError, SpecErrors

app = typer.Typer(add_completion=False, no_args_is_help=True, help="perfgen：由 YAML 项目说明生成绩效目标表（Word / Excel）")
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(exc: PerfgenError) -> None:
    if isinstance(exc, SpecErrors):
        errors = [p for p in exc.problems if not p.warning]
        for problem in exc.problems:
            err.print(str(problem), style=None if problem.warning else "red", markup=False)
        err.print(f"发现 {len(errors)} 处错误，未生成任何文件。", style="bold red")
    else:
        err.print(str(exc), style="bold red", markup=False)
    raise typer.Exit(1)


def _version(value: bool) -> None:
    if value:
        out.print(f"perfgen {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="显示版本")) -> None:
    """perfgen：由 YAML 项目说明生成绩效目标表（Word / Excel）"""


@app.command()
def build(
    spec_dir: Path = typer.Argument(Path("specs"), help="项目说明目录（含 部门.yaml 的目录，或其上级目录）"),
    output: Path = typer.Option(Path("output"), "-o", "--output", help="输出目录"),
    templates: Path = typer.Option(None, "--templates", help="格式模板目录（默认：templates/）"),
) -> None:
    """生成每个项目的 Word 与 Excel 绩效目标表，以及每个目录的汇总工作簿。"""
    try:
        result = run_build(spec_dir, output, templates)
    except PerfgenError as exc:
        fail(exc)
        return
    for problem in result.warnings:
        err.print(str(problem), markup=False)
    for path in result.written:
        out.print(f"已生成 {path}", markup=False)
    out.print(f"共 {result.projects} 个项目，{len(result.written)} 个文件，{len(result.warnings)} 条警告。")
