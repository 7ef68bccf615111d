"""`perfgen import`: last year's Word and Excel 绩效目标 tables turned into spec folders.

    grid      a .docx / .xlsx as rows of cells, each merged cell once
    labels    tables cut out of a file, recognised as a variant, fields found by their labels
    indicators, project, unit
              the indicator rows and each form's fields read back into spec data
    common    amounts, dates, values and lists read back as the variants print them
    emit      spec YAML, and the check that the spec builds the same table again
    shorten   what perfgen adds by itself left out: 不适用, the variant's defaults, 类别

Everything a form prints is read back through the variants' settings (titles, labels, units,
value patterns, list patterns, explanation rules): a new variant folder is importable as is.
Existing specs are never overwritten; a table that cannot be read is reported with its file,
its number in the file and the label that is missing, and the other tables still import.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..build import safe_filename, spec_folders
from ..layout import facts_stage, name_key, renamed_why
from ..layout import stage_of
from ..spec import DEPARTMENT_FILE, DepartmentSpec, spec_files
from ..source import SourceError, read as read_yaml
from ..errors import VariantError
from ..forms import form_of
from ..forms import forms as all_forms
from ..editors import schemas, spec_modeline
from ..variant import SETTINGS, Variant, templates_root
from ..staging import Staging
from . import project
from .common import Imported, TableError
from .emit import Checker, department_data, dump
from .grid import SUFFIXES, ReadError, read
from .labels import Fields, Form, Labels, load_variants, norm, recognize, split_forms
from .shorten import shorten

GENERATED = "由 perfgen import 导入"


@dataclass
class Written:
    path: Path
    item: Imported | None = None     # None for a 部门.yaml


@dataclass
class Outcome:
    written: list[Written] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)    # files and tables that could not be read
    skipped: list[str] = field(default_factory=list)     # tables not written (a spec exists already)
    duplicates: int = 0     # tables of a project already imported (its .docx, .xlsx and 汇总 sheet): counted, not listed
    notes: list[str] = field(default_factory=list)       # where a written spec may not match its table
    info: list[str] = field(default_factory=list)        # choices the reader made
    tables: int = 0                                      # tables found


def expand_paths(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """Files to read: the files given, and the .docx/.xlsx files under the folders given."""
    files, failures = [], []
    for path in paths:
        if path.is_dir():
            # a folder of outputs also holds the 监控表 and 自评表 made from facts: not 目标表s to import
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()
                           and not p.name.startswith(("~$", ".")) and stage_of(p.name) is None)
            if not found:
                failures.append(f"{path}: 目录中没有 .docx 或 .xlsx 文件")
            files.extend(found)
        else:
            files.append(path)
    return files, failures


def read_tables(files: list[Path], variants: list[Variant], outcome: Outcome) -> list[Imported]:
    """Every table of every file, read; what cannot be read goes to outcome.failures."""
    by_form: dict[str, list[Variant]] = {}
    for variant in variants:  # the forms whose tables can be read back
        if variant.form in all_forms() and all_forms()[variant.form].parse is not None:
            by_form.setdefault(variant.form, []).append(variant)
    labels = {form: Labels(group, variants) for form, group in by_form.items()}
    identities = {norm(text) for form, group in by_form.items() for v in group
                  for key, text in v.labels.items() if key == all_forms()[form].identity}
    known = [v for group in by_form.values() for v in group]
    items: list[Imported] = []
    for path in files:
        try:
            document = read(path)
        except ReadError as exc:
            outcome.failures.append(f"{path}: {exc}")
            continue
        forms = split_forms(document, known, identities)
        found = 0
        for form in forms:
            variant = recognize(form, known)
            if variant is None:
                if form.title:
                    outcome.failures.append(f"{path} 第 {form.number} 张表: 认不出表格格式（找不到「项目名称」等标签）")
                continue
            if not (form.title or project.has_header(form, labels[variant.form])):
                outcome.info.append(f"{path} 第 {form.number} 张表: 没有标题和绩效指标表头，不是绩效目标表（如汇总表），已略过")
                continue
            found += 1
            try:
                item = form_of(variant).parse(form, variant, labels[variant.form])
            except Exception as exc:  # noqa: BLE001 - one odd table must not stop a department's batch
                name = _name_hint(form, labels[variant.form], variant)
                why = str(exc) if isinstance(exc, TableError) else f"读取时出错（{exc!r}），请把这个文件报告给 perfgen 的维护者"
                outcome.failures.append(f"{path} 第 {form.number} 张表{name}: {why}")
                continue
            item.file, item.number = path, form.number
            items.append(item)
        outcome.tables += found
        if not found:
            outcome.failures.append(f"{path}: 文件中没有找到绩效目标表（格式：{'、'.join(v.name for v in known)}）")
    return items


def _name_hint(form: Form, labels: Labels, variant: Variant) -> str:
    key = form_of(variant).identity
    name = Fields(form.rows, labels, {key}).text(key)
    return f"（{name}）" if name else ""


# ---------------------------------------------------------------- where the specs go

@dataclass
class Group:
    variant: Variant
    year: int
    items: list[Imported]
    folder: Path | None = None
    department: tuple[str, str] | None = None
    new_department: bool = False


def _existing_department(folder: Path) -> tuple[DepartmentSpec | None, str | None]:
    """The folder's 部门.yaml, or why it cannot be used."""
    path = folder / DEPARTMENT_FILE
    if not path.is_file():
        return None, None
    try:
        return DepartmentSpec.model_validate(read_yaml(path).data), None
    except (SourceError, ValueError) as exc:
        return None, f"{path} 无法读取（{str(exc).splitlines()[0]}），请先改正"


def _folder_name(group: Group, groups: list[Group]) -> str:
    """The year (2024), as `perfgen new --from 2024` finds it; with the variant's name when
    the same year has tables of several variants (the year, then the variant's name less the year)."""
    year = str(group.year)
    if sum(1 for g in groups if g.year == group.year) == 1:
        return year
    return safe_filename(year + group.variant.name.replace(year, ""))


def place(groups: list[Group], out: Path, outcome: Outcome) -> list[Group]:
    """Choose each group's spec folder: `out` itself when it fits (its 部门.yaml has the same 格式
    and 年度, or it holds no spec folders yet and one folder is enough), else a folder per 格式
    and 年度 inside it. A 部门.yaml never changes; a folder it does not fit is reported."""
    existing, problem = _existing_department(out)
    crowded = out.is_dir() and bool(spec_folders(out))   # spec folders below: add one beside them
    placed = []
    for group in groups:
        if problem:
            outcome.failures.extend(f"{item.where}: {problem}" for item in group.items)
            continue
        if (out / DEPARTMENT_FILE).is_file() or (len(groups) == 1 and not crowded):
            folder = out      # a folder with a 部门.yaml takes its own 格式 and 年度 only (checked below)
        else:
            folder = out / _folder_name(group, groups)
        department, why = (existing, problem) if folder == out else _existing_department(folder)
        if why:
            outcome.failures.extend(f"{item.where}: {why}" for item in group.items)
            continue
        if department is not None and (department.格式 != group.variant.name or department.年度 != group.year):
            why = (f"目录 {folder} 的 {DEPARTMENT_FILE} 是格式「{department.格式}」{department.年度} 年度，"
                   f"与这张表（格式「{group.variant.name}」{group.year} 年度）不符；请用 -o 指定另一个目录")
            outcome.failures.extend(f"{item.where}: {why}" for item in group.items)
            continue
        group.folder = folder
        if department is not None:
            group.department = (department.主管部门, department.实施单位)
        else:
            group.department = Counter(item.department for item in group.items).most_common(1)[0][0]
            group.new_department = True
        placed.append(group)
    return placed


def _names_in(folder: Path) -> dict[str, Path]:
    """The project (or unit) names of the specs already in a folder."""
    names: dict[str, Path] = {}
    if not folder.is_dir():
        return names
    for path in spec_files(folder):
        try:
            data = read_yaml(path).data
        except SourceError:
            continue
        if isinstance(data, dict):
            for key in {shape.identity for shape in all_forms().values() if shape.identity}:
                if isinstance(data.get(key), str):
                    names.setdefault(data[key].strip(), path)
    return names


def _target(folder: Path, name: str, taken: set[Path]) -> tuple[Path, str | None]:
    """A new spec file for the project `name`, and why its name is not simply the project's: the
    same portable name as the project's tables (layout.safe_filename), never a name perfgen
    reads as something else (部门.yaml, X.监控.yaml) and never one equal to a file already there or
    staged but for case or width (one file on Windows)."""
    stem = safe_filename(name)
    why = renamed_why(name, stem)
    reserved = name_key(stem) == name_key(Path(DEPARTMENT_FILE).stem) or facts_stage(f"{stem}.yaml")
    if reserved:
        why = f"「{stem}.yaml」是 perfgen 另有用途的文件名"
    present = {name_key(p.name) for p in folder.iterdir()} if folder.is_dir() else set()
    present |= {name_key(p.name) for p in taken}
    path, n = folder / f"{stem}.yaml", 1
    while reserved or name_key(path.name) in present:
        reserved = False
        n += 1
        path = folder / f"{stem}-{n}.yaml"
    return path, why


# ---------------------------------------------------------------- the command

def import_files(paths: list[Path], out: Path, templates: Path | None = None, categories: bool = True) -> Outcome:
    """Read every table of `paths` and write a spec per table into spec folders under `out`;
    `categories` False: no `类别` in the specs, every indicator written out (shorten.py)."""
    outcome = Outcome()
    root = templates_root(templates, near=out)
    variants = load_variants(root)
    if not variants:
        raise VariantError(f"找不到任何表格格式：{root} 下没有 */{SETTINGS}")
    files, missing = expand_paths(paths)
    outcome.failures.extend(missing)
    items = read_tables(files, variants, outcome)
    groups: dict[tuple[str, int], Group] = {}
    for item in items:
        groups.setdefault((item.variant.name, item.year), Group(item.variant, item.year, [])).items.append(item)
    checker = Checker()
    with Staging() as staging:
        for group in place(list(groups.values()), out, outcome):
            _stage_group(group, staging, checker, outcome, categories, out)
        # the schemas the modelines of the written specs point at, where there are none yet
        used = {w.item.variant.name: w.item.variant for w in outcome.written if w.item is not None}
        for path, data in (schemas(out, list(used.values())) if used else {}).items():
            staging.add(path, data)
        committed = {path: True for path in staging.commit()}
    outcome.written = [w for w in outcome.written if w.path in committed]
    return outcome


def _stage_group(group: Group, staging: Staging, checker: Checker, outcome: Outcome, categories: bool,
                 root: Path) -> None:
    folder, variant = group.folder, group.variant
    department = DepartmentSpec(主管部门=group.department[0], 实施单位=group.department[1], 年度=group.year,
                                格式=variant.name)
    existing = _names_in(folder)
    _, broken = checker.library(folder)   # the folder's own 类别/ files, as perfgen build will read them
    outcome.notes.extend(f"{folder}: 类别文件有误，导入时未用到它：{problem}" for problem in broken)
    taken: set[Path] = set()
    firsts: dict[str, Imported] = {}
    written: list[Written] = []
    for item in group.items:
        if item.name in existing:
            outcome.skipped.append(f"{item.where}: {existing[item.name]} 已有同名的项目说明，未覆盖")
            continue
        if item.name in firsts:  # an output folder holds each project three times
            outcome.duplicates += 1
            continue
        firsts[item.name] = item
        data = dict(item.data)
        data = _with_department(data, item.department, group.department, form_of(variant).inherits)
        path, renamed = _target(folder, item.name, taken)
        taken.add(path)
        if renamed:
            outcome.info.append(f"{item.where}: 项目说明文件名为 {path.name}：{renamed}")
        spec = shorten(item, data, path, department, checker, categories)
        text = spec_modeline(path, root, variant.name) + dump(spec.data, f"{GENERATED}：{item.file.name} 第 {item.number} 张表")
        outcome.notes.extend(f"{item.where}: {note}" for note in item.notes)
        outcome.notes.extend(f"{item.where}: {note}" for note in checker.differences(item, spec.rebuilt))
        outcome.info.extend(f"{item.where}: {note}" for note in item.info + spec.info)
        staging.add(path, text.encode("utf-8"))
        written.append(Written(path, item))
    if written and group.new_department:
        path = folder / DEPARTMENT_FILE
        text = spec_modeline(path, root, variant.name) + dump(department_data(group.department, group.year, variant.name),
                                                               GENERATED)
        staging.add(path, text.encode("utf-8"))
        written.insert(0, Written(path))
    outcome.written.extend(written)


def _with_department(data: dict, own: tuple[str, str], shared: tuple[str, str], inherits: tuple[str, ...]) -> dict:
    """The fields a form's spec inherits (主管部门 / 实施单位) only where they differ from the 部门.yaml."""
    extra = {key: mine for key, mine, theirs in zip(inherits, own, shared) if mine and mine != theirs}
    if not extra:
        return data
    out = {}
    for key, value in data.items():
        out[key] = value
        if key == "项目类别":
            out.update(extra)
    return out
