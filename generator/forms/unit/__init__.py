"""The unit form: one table for a whole 单位 (its 整体支出绩效目标申报表), from a unit spec.

Its parts: the spec model (spec.UnitSpec), the table model (model.build_unit → model.Unit), the
context (render.context.unit_context: numbered lists, the form's fixed 投入管理 rows, 指标解释 and
评(扣)分标准 from the variant's rules) and the importer's reader (importer/unit.py). A unit's table
has no project amounts to add up: its 汇总 holds the table only, and no warnings are configured.
"""
from __future__ import annotations

from ... import model
from ...render.context import UNIT_PROVIDES, unit_context
from ...spec import UnitSpec
from .. import Form, Roll
from .._lazy import lazy

FORM = Form(
    name="unit",
    spec_model=lambda variant: UnitSpec,
    build=model.build_unit,
    context=unit_context,
    provides=UNIT_PROVIDES,
    schema=lazy("generator.schema", "unit_schema"),
    parse=lazy("generator.importer.unit", "parse"),
    identity="单位名称",
    roll=Roll(amounts=("预算",), indicators=("分解目标",)),
)
