"""`perfgen init DIR`: a new department's spec folder that builds as it is.

It holds a commented 部门.yaml and an example spec for the first form templates/years.yaml lists
for its latest year, a subfolder with the same for each other form of that year (a unit table is
a folder of its own), the schemas of those forms with a modeline in every spec, and VS Code
settings. The examples are data: each form's folder under templates/ holds its `example.yaml`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .editors import schemas, spec_modeline, vscode_settings
from .errors import PerfgenError, VariantError
from .layout import DEPARTMENT_FILE, templates_root
from .roll import YEARS_FILE, year_variants
from .variant import Variant
from .staging import Staging

EXAMPLE = "example.yaml"   # in a form's folder: the spec `perfgen init` starts a department with
EXAMPLE_SPEC = "示例.yaml"  # what it is called in the new folder

DEPARTMENT = """\
# {title}：本目录所有说明共用的信息（perfgen init 写入，请改成本部门的）。
# 每行写成「键: 值」——英文冒号，冒号后一个空格。
主管部门: 上海市闵行区××局（汇总）  # 表头的「主管部门」
实施单位: 上海市闵行区××局  # 表头的「实施单位」；个别项目不同时，在那个项目里写 实施单位
年度: {year}  # 预算年度，只写四位数字
格式: {variant}  # 表格的式样（perfgen 的格式名）；perfgen new 换年度时按需改
"""


@dataclass
class Started:
    folder: Path
    year: int
    written: list[Path] = field(default_factory=list)
    forms: list[tuple[Path, Variant]] = field(default_factory=list)   # (spec folder, its variant)
    without_example: list[Variant] = field(default_factory=list)


def _variants_of_year(templates: Path) -> tuple[int, list[Variant]]:
    """The latest year templates/years.yaml lists, and the variant of each form for it, in its order."""
    table = year_variants(templates)
    years = [year for per_form in table.values() for year in per_form]
    if not years:
        raise VariantError(f"{YEARS_FILE}（{templates}）没有列出任何年度的格式，perfgen init 不知道用哪个格式")
    year = max(years)
    variants = []
    for per_form in table.values():
        earlier = [y for y in per_form if y <= year]
        if earlier:
            variants.append(Variant.load(per_form[max(earlier)], templates))
    return year, variants


def init(folder: Path, templates: Path | None = None) -> Started:
    """Write the new department folder `folder` (absent or empty), all at once or not at all."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise PerfgenError(f"{folder} 已存在且不是空目录：perfgen init 不覆盖任何文件，请换一个目录名")
    templates = templates_root(templates, near=folder.parent if folder.parent.exists() else None)
    year, variants = _variants_of_year(templates)
    started = Started(folder, year)
    files: dict[Path, bytes] = {}
    globs: dict[str, list[str]] = {}
    for variant in variants:
        example = variant.folder / EXAMPLE
        if not example.is_file():
            started.without_example.append(variant)
            continue
        # the first form in the folder itself; each other in a subfolder named for its table
        where = folder if not started.forms else folder / (variant.title or variant.name)
        started.forms.append((where, variant))
        globs[variant.name] = ["*.yaml"] if where == folder else [f"{where.name}/*.yaml"]
        department = DEPARTMENT.format(title=DEPARTMENT_FILE, year=year, variant=variant.name)
        for path, text in ((where / DEPARTMENT_FILE, department),
                           (where / EXAMPLE_SPEC, example.read_text(encoding="utf-8"))):
            files[path] = (spec_modeline(path, folder, variant.name) + text).encode("utf-8")
    if not started.forms:
        raise VariantError(f"{templates} 中 {year} 年的格式都没有 {EXAMPLE}（示例说明），perfgen init 无从写起")
    files.update(schemas(folder, [variant for _, variant in started.forms]))
    files.update(vscode_settings(folder, globs))
    with Staging() as staging:
        for path, data in files.items():
            staging.add(path, data)
        started.written = staging.commit()
    return started
