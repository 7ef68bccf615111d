"""The `perfgen` command line (typer): one function per command, messages in Chinese."""
from __future__ import annotations

import gc
import itertools
import os
import sys
from pathlib import Path

import typer

from . import __version__
from .batch import Result as BuildResult
from .batch import run as run_build
from .cli_chinese import Typer
from .console import Console  # rich's, imported when it makes a difference
from .errors import PerfgenError, SpecErrors
from .failure import EXIT_INTERNAL, EXIT_PROBLEMS, safe_streams, unexpected
from .layout import REVIEW, preview_target, review_marks, safe_filename, spec_folders, table_stage, templates_root
from .staging import Staging

# Each command imports what only it needs (specs, rendering, diff, schema) when it runs: a build
# with nothing to do starts without pydantic or docxtpl.

# help, usage and usage errors in Chinese (cli_chinese.py); --install-completion for the shell
app = Typer(add_completion=True, no_args_is_help=True, help="perfgen：由 YAML 项目说明生成绩效目标表（Word / Excel）")
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
    raise typer.Exit(EXIT_PROBLEMS)


def _version(value: bool) -> None:
    if value:
        out.print(f"perfgen {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="显示版本")) -> None:
    """perfgen：由 YAML 项目说明生成绩效目标表（Word / Excel）"""


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve())) or "."
    except ValueError:
        return str(path)


class _Reporter:
    """Progress of a build: what is said per project is the same on a terminal and in a log."""

    def __init__(self, output: Path):
        self.output = output
        self.folders: dict[Path, str] = {}

    def label(self, folder: Path, name: str) -> str:
        if folder not in self.folders:
            try:
                self.folders[folder] = str(folder.relative_to(self.output))
            except ValueError:
                self.folders[folder] = str(folder)
        return os.path.join(self.folders[folder], name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


_SEPARATORS = frozenset("/\\:")


class LineReporter(_Reporter):
    """Plain lines, one per project, for logs and CI (not a terminal)."""

    def start(self, total: int) -> None:
        self.total, self.done = total, 0

    def project(self, folder: Path, name: str, built: bool) -> None:
        self.done += 1
        what = "已生成" if built else "未变化，跳过"
        # written as it is: rich's rendering of a line costs more than checking a project is unchanged
        sys.stdout.write(f"[{self.done}/{self.total}] {what} {self.label(folder, name)}\n")

    def projects(self, folder: Path, names: list[str], built: list[bool]) -> None:
        # one write for the folder: a district's no-op build says 2,000 lines
        start, self.done = self.done, self.done + len(names)
        prefix = self.label(folder, "")  # label(folder, name) is prefix + name for a name with no separator or drive
        sys.stdout.write("".join(f"[{start + i}/{self.total}] {'已生成' if was_built else '未变化，跳过'} "
                                 f"{self.label(folder, name) if _SEPARATORS.intersection(name) else prefix + name}\n"
                                 for i, (name, was_built) in enumerate(zip(names, built), 1)))

    def note(self, message: str) -> None:
        out.print(message, markup=False)


class BarReporter(_Reporter):
    """A rich progress bar on a terminal; rebuilt projects are listed above it."""

    def start(self, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("生成"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                                 TimeElapsedColumn(), console=out.rich, transient=True)
        self.task = self.progress.add_task("", total=total)
        self.progress.start()

    def project(self, folder: Path, name: str, built: bool) -> None:
        if built:
            self.progress.console.print(f"已生成 {self.label(folder, name)}", markup=False)
        self.progress.update(self.task, advance=1, description=name)

    def projects(self, folder: Path, names: list[str], built: list[bool]) -> None:
        for name, was_built in zip(names, built):
            self.project(folder, name, was_built)

    def note(self, message: str) -> None:
        self.progress.update(self.task, description=message)

    def __exit__(self, *exc) -> None:
        if hasattr(self, "progress"):
            self.progress.stop()


def report_build(result: BuildResult, output: Path, pdf: bool) -> None:
    if result.swept:
        out.print(f"已清理上次中断的生成留下的 {result.swept} 个临时文件。", markup=False)
    for problem in result.warnings:
        err.print(str(problem), style="yellow", markup=False)
    built, skipped = len(result.built), len(result.skipped)
    later = sum(1 for _, name in itertools.chain(result.built, result.skipped) if table_stage(name))
    counted = f"共 {result.projects - later} 个项目" + (f"、{later} 张监控表和自评表" if later else "")
    if built == 0:
        line = f"{counted}，均未变化，全部跳过（--force 可全部重新生成）"
    else:
        line = f"{counted}：生成 {built} 个" + (f"，跳过 {skipped} 个（未变化）" if skipped else "")
    out.print(f"{line}；{len(result.warnings)} 条警告。", markup=False)
    if pdf:
        out.print(f"PDF：转换 {len(result.pdfs)} 个" + ("（其余未变化）" if result.projects and
                                                     len(result.pdfs) < result.projects else "") + "。", markup=False)
    for path in result.removed:
        why = "表格已重新生成，PDF 未更新" if path.suffix == ".pdf" else "项目已不在说明中"
        out.print(f"已删除过时的 {shown(path)}（{why}）", markup=False)
    if len(result.folders) > 3:  # a district's hundred departments: where they are, not each of them
        out.print(f"文件在：{shown(output)}（{len(result.folders)} 个目录）", markup=False)
    else:
        out.print(f"文件在：{'、'.join(shown(folder) for folder in result.folders)}", markup=False)


@app.command()
def build(
    spec_dir: Path = typer.Argument(Path("specs"), metavar="说明目录", help="项目说明目录（含 部门.yaml 的目录，或其上级目录），或其中一个说明文件"),
    output: Path = typer.Option(Path("output"), "-o", "--output", help="输出目录"),
    templates: Path = typer.Option(None, "--templates", help="格式模板目录（默认：templates/）"),
    jobs: int = typer.Option(1, "-j", "--jobs", help="并行生成的进程数；0 = CPU 核数"),
    force: bool = typer.Option(False, "--force", help="不论是否变化，全部重新生成"),
    pdf: bool = typer.Option(False, "--pdf", help="同时把每张表和汇总转换为 PDF（需要 LibreOffice）"),
    overwrite: bool = typer.Option(False, "--overwrite",
                                   help="接管输出目录中不是 perfgen 生成的、或生成后被手工改动过的同名文件：覆盖或删除它们"),
) -> None:
    """生成每个项目的 Word 与 Excel 绩效目标表，以及每个目录的汇总工作簿；未变化的项目跳过。"""
    if jobs < 0:
        raise typer.BadParameter("进程数不能为负数（0 = CPU 核数）", param_hint="-j / --jobs")
    reporter = BarReporter(output) if out.is_terminal else LineReporter(output)
    try:
        with reporter:
            result = run_build(spec_dir, output, templates, jobs=jobs or os.cpu_count() or 1, force=force, pdf=pdf,
                               reporter=reporter, overwrite=overwrite)
    except PerfgenError as exc:
        fail(exc)
        return
    report_build(result, output, pdf)
    report_review_marks(spec_dir, result.marks)


def report_review_marks(spec_dir: Path, found: list[tuple[tuple[str, int, str], ...]] | None = None) -> None:
    """The `# 待核对` comments `perfgen new` left that are still in the specs: they are for a person.
    `found`: those the build found, per spec folder (read again if the folders are not those)."""
    if found is not None and not any(found):  # the build read every folder's marks: none
        return
    folders = [spec_dir.parent] if spec_dir.is_file() else spec_folders(spec_dir)
    if found is not None and len(found) == len(folders):
        marks = [(folder / name, line, note) for folder, marks in zip(folders, found) for name, line, note in marks]
    else:
        marks = review_marks(folders)
    if marks:
        out.print(f"还有 {len(marks)} 处「# {REVIEW}」待核对（perfgen new 留下的）；核对后删除这条注释：",
                  style="yellow", markup=False)
        for path, line, note in marks:
            out.print(f"  {shown(path)}:{line} {note}", markup=False)


@app.command()
def preview(
    spec: Path = typer.Argument(..., metavar="说明文件", help="一个项目说明文件（.yaml）"),
    output: Path = typer.Option(None, "-o", "--output", help="PNG 文件（默认：output/<项目名称>.png）"),
    templates: Path = typer.Option(None, "--templates", help="格式模板目录（默认：templates/）"),
) -> None:
    """把一个项目的绩效目标表第一页生成为 PNG 图片，不用 Word 也能查看（需要 LibreOffice）。"""
    try:
        from .preview import preview as run_preview  # docxtpl loads only for commands that render

        project, png = run_preview(spec, templates)
    except PerfgenError as exc:
        fail(exc)
        return
    target = output or preview_target(spec, project.name)
    with Staging() as staging:
        staging.add(target, png)
        staging.commit()
    out.print(f"已生成预览 {shown(target)}", markup=False)


@app.command()
def new(
    year: int = typer.Argument(..., metavar="年度", help="新的预算年度，如 2025"),
    source: str = typer.Option(..., "--from", help="从哪个年度复制，如 2024（或那个年度目录的路径）"),
    specs: Path = typer.Option(Path("specs"), "--specs", help="说明的根目录，年度目录在它下面"),
    templates: Path = typer.Option(None, "--templates", help="格式模板目录（默认：templates/）"),
) -> None:
    """复制一个年度的说明为新年度：年度、日期和文字里的年份改为新年度，注释与顺序不变；需要核对的地方列出。"""
    try:
        from .build import plan as plan_specs
        from .roll import find_year
        from .roll import roll as run_roll

        rolled = run_roll(find_year(specs, source), year, templates)
    except PerfgenError as exc:
        fail(exc)
        return
    out.print(f"已创建 {shown(rolled.target)}（由 {shown(rolled.source)} 复制，{len(rolled.files)} 个说明文件）。",
              markup=False)
    out.print(f"年份 {rolled.source.name} → {year}：改动 {rolled.changed} 处。", markup=False)
    for path, old, new_variant, why in rolled.variants:
        out.print(f"格式：{shown(path)} 由 {old} 改为 {new_variant}（{why}）。", markup=False)
    if rolled.copied:
        out.print("原样复制（perfgen 不读这些文件）：", markup=False)
        for path, why in rolled.copied:
            out.print(f"  {shown(path)}（{why}）", markup=False)
    if rolled.facts:
        out.print(f"未复制 {len(rolled.facts)} 个执行情况文件（<项目>.监控.yaml、<项目>.自评.yaml 属于 {rolled.source.name} 年）。",
                  markup=False)
    if rolled.review:
        out.print(f"请核对（{len(rolled.review)} 处；行尾已加「# 待核对」注释的，核对后删除注释）：", markup=False)
        for note in rolled.review:
            where = f"{shown(note.path)}:{note.line}" if note.line else shown(note.path)
            out.print(f"  {where} {note.field}: {note.message}", markup=False)
    try:
        plan_specs(rolled.target, Path("output"), templates)
    except SpecErrors as exc:
        out.print("新年度的说明还有以下问题，请修改：", style="yellow")
        for problem in exc.problems:
            out.print(f"  {problem}", markup=False)
    except PerfgenError as exc:
        out.print(f"新年度的说明还有问题，请修改：{exc}", style="yellow", markup=False)
    out.print(f"下一步：修改后运行 perfgen build；perfgen diff {rolled.source.name} {year} 查看与上一年的差别。",
              markup=False)


@app.command()
def init(
    folder: Path = typer.Argument(Path("新部门"), metavar="目录", help="新的部门说明目录（不存在或为空）"),
    templates: Path = typer.Option(None, "--templates", help="格式模板目录（默认：templates/）"),
) -> None:
    """新建一个部门的说明目录：带注释的 部门.yaml、每种表格一份示例说明、编辑器设置；可以直接生成。"""
    from .scaffold import init as run_init

    try:
        started = run_init(folder, templates)
    except PerfgenError as exc:
        fail(exc)
        return
    out.print(f"已创建 {shown(folder)}（{started.year} 年度，{len(started.written)} 个文件）：", markup=False)
    for where, variant in started.forms:
        out.print(f"  {shown(where)}：部门.yaml 与 示例.yaml，格式 {variant.name}", markup=False)
    out.print(f"  {shown(folder / 'schema')}：编辑器用的 JSON Schema；{shown(folder / '.vscode')}：VS Code 设置", markup=False)
    for variant in started.without_example:
        out.print(f"格式 {variant.name} 没有示例说明，未写入", style="yellow", markup=False)
    out.print(f"下一步：把 部门.yaml 和 示例.yaml 改成本部门的内容，然后运行 perfgen check {shown(folder)} 检查、"
              f"perfgen build {shown(folder)} 生成表格。", markup=False)


@app.command()
def diff(
    old: str = typer.Argument(..., metavar="原年度", help="原年度，如 2024（或那个年度目录的路径）"),
    new: str = typer.Argument(..., metavar="新年度", help="新年度，如 2025（或那个年度目录的路径）"),
    specs: Path = typer.Option(Path("specs"), "--specs", help="说明的根目录，年度目录在它下面"),
    templates: Path = typer.Option(None, "--templates", help="格式模板目录（默认：templates/）"),
) -> None:
    """比较两个年度的说明：每个项目新增、删除、修改了哪些指标和金额。"""
    try:
        from .diff import compare as compare_years
        from .diff import report as diff_report
        from .roll import find_year

        result = compare_years(find_year(specs, old), find_year(specs, new), templates)
    except PerfgenError as exc:
        fail(exc)
        return
    out.print(f"{shown(result.old)} → {shown(result.new)}", style="bold", markup=False)
    styles = {"+": "green", "-": "red", "~": "yellow", "!": "magenta"}
    for kind, line in diff_report(result):
        out.print(line, style=styles.get(kind), markup=False)


@app.command()
def schema(
    department: bool = typer.Option(False, "--department", help="输出 部门.yaml 的 JSON Schema（默认：项目说明的）"),
    variant: str = typer.Option(None, "--format", help="这个格式（templates/ 下的目录名）的说明的 JSON Schema：按它的表格（每个项目一张，或整个单位一张）补全项目类别和二级指标名"),
    output: Path = typer.Option(None, "-o", "--output", help="写入这个文件（默认：打印出来）"),
    templates: Path = typer.Option(None, "--templates", help="格式模板目录（默认：templates/）"),
) -> None:
    """输出说明格式的 JSON Schema，供 VS Code（yaml-language-server）等编辑器补全和检查。"""
    from .schema import department_schema, form_schema, project_schema
    from .schema import dumps as dump_schema

    try:
        if department:
            document = department_schema()
        elif variant:
            from .variant import Variant

            document = form_schema(Variant.load(variant, templates_root(templates, near=Path.cwd())))
        else:
            document = project_schema()
    except PerfgenError as exc:
        fail(exc)
        return
    text = dump_schema(document)
    if output is None:
        typer.echo(text, nl=False)
        return
    with Staging() as staging:
        staging.add(output, text.encode("utf-8"))
        staging.commit()
    err.print(f"已生成 {shown(output)}", markup=False)


@app.command("import")
def import_(
    files: list[Path] = typer.Argument(..., metavar="表格", help="去年的绩效目标表：.docx / .xlsx 文件，或含有它们的目录"),
    output: Path = typer.Option(Path("specs"), "-o", "--output", help="写入项目说明的目录"),
    templates: Path = typer.Option(None, "--templates", help="格式模板目录（默认：templates/）"),
    no_categories: bool = typer.Option(False, "--no-categories",
                                       help="不写「类别」：类别的指标也逐条写出（默认指标、不适用照常）"),
) -> None:
    """把已有的 Word / Excel 绩效目标表导入为项目说明（每个项目一份，外加 部门.yaml）。"""
    from .importer import import_files  # the readers load only for this command

    try:
        result = import_files(files, output, templates, categories=not no_categories)
    except PerfgenError as exc:
        fail(exc)
        return
    for item in result.written:
        if item.item is None:
            out.print(f"已生成 {shown(item.path)}", markup=False)
        else:
            out.print(f"已导入 {shown(item.path)} ← {item.item.where}，格式 {item.item.variant.name}", markup=False)
    for line in result.info:
        out.print(f"提示 {line}", markup=False, style="dim")
    for line in result.skipped:
        err.print(f"跳过 {line}", markup=False)
    if result.duplicates:
        err.print(f"跳过 {result.duplicates} 张重复的表：同一项目的 Word、Excel 或汇总工作簿中的一页，每个项目只导入一次",
                  markup=False)
    for line in result.notes:
        err.print(f"警告 {line}", markup=False, style="yellow")
    for line in result.failures:
        err.print(f"无法读取 {line}", markup=False, style="red")
    specs = sum(1 for w in result.written if w.item is not None)
    summary = (f"共找到 {result.tables} 张表，导入 {specs} 个项目说明，跳过 {len(result.skipped) + result.duplicates} 张，"
               f"{len(result.failures)} 处无法读取，{len(result.notes)} 条警告。")
    if result.failures or not result.written and not result.skipped and not result.duplicates:
        err.print(summary, style="bold red")
        raise typer.Exit(1)
    out.print(summary)


@app.command()
def check(
    spec_dir: Path = typer.Argument(Path("specs"), metavar="说明目录", help="项目说明目录（含 部门.yaml 的目录，或其上级目录），或其中一个说明文件"),
    strict: bool = typer.Option(False, "--strict", help="把警告也当作错误（退出码 1）"),
    templates: Path = typer.Option(None, "--templates", help="格式模板目录（默认：templates/）"),
) -> None:
    """只检查项目说明，不生成文件：列出全部错误与警告（财预〔2021〕101号）。"""
    from .build import plan
    from .spec import spec_files

    only = None
    if spec_dir.is_file():  # one project: its folder is checked (names of the others matter), it is reported
        only = spec_dir.resolve()
    try:
        plans, problems = plan(only or spec_dir, None, templates)  # a file that is no spec: layout says why
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
def score(
    spec_dir: Path = typer.Argument(Path("specs"), metavar="说明目录", help="项目说明目录（含 部门.yaml 的目录，或其上级目录）"),
    templates: Path = typer.Option(None, "--templates", help="格式模板目录（默认：templates/）"),
) -> None:
    """打印各项目自评的预算执行率、得分与等级（由 <项目>.自评.yaml 按评分规则计算；不写文件）。"""
    from rich.table import Table

    from . import scoring, stage_summary
    from .build import plan
    from .layout import facts_stage

    try:
        plans, problems = plan(spec_dir, None, templates)
    except PerfgenError as exc:
        fail(exc)
        return
    for problem in problems.warnings:  # those about the facts: the targets' are `check`'s
        if facts_stage(Path(problem.file).name):
            err.print(str(problem), style="yellow", markup=False)
    shown_any = False
    for item in plans:
        for stage in item.stages:
            if stage.variant.form != "evaluation" or not stage.tables:
                continue
            shown_any = True
            money = stage.variant.amounts
            first = stage.tables[0]
            table = Table(title=f"{stage_summary.title(stage)}（{shown(item.folder)}，评分规则：{first.rules}）",
                          show_footer=True)
            budget = sum(t.execution.budget or 0 for t in stage.tables)
            spent = sum(t.execution.spent or 0 for t in stage.tables)
            rate = stage.variant.rate_format.format(rate=scoring.rounded(spent / budget * 100, 2)) if budget else "—"
            for header, footer, justify in (("项目名称", "合计", "left"), (f"全年预算数（{money.unit}）", money.format(budget), "right"),
                                            (f"全年执行数（{money.unit}）", money.format(spent), "right"),
                                            ("执行率", rate, "right"), ("得分", "", "right"), ("等级", "", "center")):
                table.add_column(header, footer, justify=justify)
            for t in stage.tables:
                line = t.execution
                table.add_row(t.project.name, money.format(line.budget), money.format(line.spent),
                              "—" if line.rate is None else stage.variant.rate_format.format(rate=line.rate),
                              format(t.total, "f"), t.grade)
            out.print(table)
    if not shown_any:
        out.print(f"{shown(spec_dir)} 中没有自评执行情况文件（<项目>.自评.yaml，与项目说明放在一起）。", markup=False)


@app.command()
def show(
    spec: Path = typer.Argument(..., metavar="说明文件", help="一个项目说明文件（或目录：显示其中每个项目）"),
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


def entry(args: list[str] | None = None) -> None:
    """The `perfgen` command: the CLI, with whatever nobody foresaw said in one Chinese line
    (its details in a log file) instead of a traceback; exit statuses in failure.py."""
    safe_streams()
    # what is imported lives as long as the process: the garbage collector need not look at it again
    # each time a command's many small objects (a no-op build's manifests, read) trigger a collection
    gc.freeze()
    try:
        app(args=args, prog_name="perfgen")
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        try:
            err.print(unexpected(exc), style="bold red", markup=False)
        except Exception:  # noqa: BLE001 - even printing failed (a closed stream): the status still says it
            pass
        sys.exit(EXIT_INTERNAL)
