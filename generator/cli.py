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


@app.command("import")
def import_(
    files: list[Path] = typer.Argument(..., help="去年的绩效目标表：.docx / .xlsx 文件，或含有它们的目录"),
    output: Path = typer.Option(Path("specs"), "-o", "--output", help="写入项目说明的目录"),
    templates: Path = typer.Option(None, "--templates", help="格式模板目录（默认：templates/）"),
) -> None:
    """把已有的 Word / Excel 绩效目标表导入为项目说明（每个项目一份，外加 部门.yaml）。"""
    from .importer import import_files  # the readers load only for this command

    try:
        result = import_files(files, output, templates)
    except PerfgenError as exc:
        fail(exc)
        return
    for item in result.written:
        if item.item is None:
            out.print(f"已生成 {item.path}", markup=False)
        else:
            out.print(f"已导入 {item.path} ← {item.item.where}，格式 {item.item.variant.name}", markup=False)
    for line in result.info:
        out.print(f"提示 {line}", markup=False, style="dim")
    for line in result.skipped:
        err.print(f"跳过 {line}", markup=False)
    for line in result.notes:
        err.print(f"警告 {line}", markup=False, style="yellow")
    for line in result.failures:
        err.print(f"无法读取 {line}", markup=False, style="red")
    specs = sum(1 for w in result.written if w.item is not None)
    summary = (f"共找到 {result.tables} 张表，导入 {specs} 个项目说明，跳过 {len(result.skipped)} 张，"
               f"{len(result.failures)} 处无法读取，{len(result.notes)} 条警告。")
    if result.failures or not result.written and not result.skipped:
        err.print(summary, style="bold red")
        raise typer.Exit(1)
    out.print(summary)
