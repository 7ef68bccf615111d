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


@app.command()
def check(
    spec_dir: Path = typer.Argument(Path("specs"), help="项目说明目录（含 部门.yaml 的目录，或其上级目录）"),
    strict: bool = typer.Option(False, "--strict", help="把警告也当作错误（退出码 1）"),
    templates: Path = typer.Option(None, "--templates", help="格式模板目录（默认：templates/）"),
) -> None:
    """只检查项目说明，不生成文件：列出全部错误与警告（财预〔2021〕101号）。"""
    from .build import plan
    from .spec import spec_files

    only = None
    if spec_dir.is_file():  # one project: its folder is checked (names of the others matter), it is reported
        only, spec_dir = spec_dir.resolve(), spec_dir.resolve().parent
    try:
        plans, problems = plan(spec_dir, None, templates)
    except SpecErrors as exc:
        problems_list = exc.problems
        projects = None
    except PerfgenError as exc:
        fail(exc)
        return
    else:
        problems_list = sorted(problems.items, key=lambda p: (p.file, p.line or 0))  # as an author reads them
        projects = sum(len(item.projects) for item in plans)
    if only is not None:
        others = {str(path) for path in spec_files(only.parent)} - {str(only)}
        problems_list = [p for p in problems_list if p.file not in others]
        projects = 1
    errors = [p for p in problems_list if not p.warning]
    warnings = [p for p in problems_list if p.warning]
    # the findings are what `check` is for: stdout, so that `perfgen check > 报告.txt` keeps them
    for problem in problems_list:
        out.print(str(problem), style="red" if not problem.warning or strict else None, markup=False)
    counted = f"检查了 {projects} 个项目：" if projects is not None else ""
    summary = f"{counted}{len(errors)} 处错误，{len(warnings)} 条警告。"
    if errors or (strict and warnings):
        why = "（--strict：警告也算错误）" if strict and warnings and not errors else ""
        out.print(summary + why, style="bold red", markup=False)
        raise typer.Exit(1)
    out.print(summary, markup=False)


@app.command()
def show(
    spec: Path = typer.Argument(..., help="一个项目说明文件（或目录：显示其中每个项目）"),
    templates: Path = typer.Option(None, "--templates", help="格式模板目录（默认：templates/）"),
) -> None:
    """显示展开后的项目说明（YAML）：类别与默认指标都写出来，并注明每项的来源。"""
    from .show import load, render

    try:
        shown = load(spec, templates)
    except PerfgenError as exc:
        fail(exc)
        return
    typer.echo("---\n".join(render(item) for item in shown), nl=False)  # plain YAML, no console styling
