"""The project form: one table per 项目 (财政项目支出绩效目标表 / 申报表), from a project spec.

Its parts: the spec model (spec.ProjectSpec, with the variant's classification fields), the table
model (model.build → model.Project), the context (render.context.project_context), the folder's
warnings (checks.py, after 财预〔2021〕101号), the importer's reader (importer/project.py), the 汇总
overview (summary.py: one line per project, the words below) and `perfgen show` (show.py).
"""
from __future__ import annotations

from ... import checks, model, summary
from ...render.context import PROJECT_PROVIDES, project_context
from ...spec import ProjectSpec, project_model
from .. import Form, Overview, Roll
from .._lazy import lazy


def spec_model(variant) -> type:
    """ProjectSpec, with the variant's own classification fields (项目性质 …) and blank values
    where it allows them."""
    extra = tuple(c.key for c in variant.classifications if c.key not in ProjectSpec.model_fields)
    return project_model(extra, variant.values.blank)


OVERVIEW = Overview(
    lines=summary.lines, title=summary.title, sheet="汇总",
    columns={"number": "序号", "name": "项目名称", "category": "项目类别", "warnings": "警告",
             "funds": "项目资金（{unit}）", "counts": "指标数（个）", "total": "合计", "warned": "{n} 条"},
    amounts=(("项目资金总额", "total"), ("财政资金", "fiscal"), ("其他资金", "other"),
             ("年度资金申请总额", "annual_total"), ("当年财政拨款", "current_year"), ("上年结转资金", "carryover")),
)

FORM = Form(
    name="project",
    spec_model=spec_model,
    build=model.build,
    context=project_context,
    provides=PROJECT_PROVIDES,
    check=checks.check_folder,
    schema=lazy("generator.schema", "project_schema"),
    parse=lazy("generator.importer.project", "parse"),
    identity="项目名称",
    inherits=("主管部门", "实施单位"),
    overview=OVERVIEW,
    roll=Roll(carry_over=(("项目资金", "上年结转资金"),), amounts=("项目资金",), category=("项目类别",),
              indicators=("绩效指标",)),
    show=lazy("generator.show", "render"),
    stages=True,
)
