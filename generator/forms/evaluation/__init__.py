"""The evaluation form: a project's 项目支出绩效自评表, from its project spec and its 自评 facts file
(table.py holds the table model, its checks, its context and its 汇总 line; stages.py plans the
stages beside the projects)."""
from __future__ import annotations

from . import table as evaluation
from ...facts import EvaluationFacts
from .. import Form

FORM = Form(name="evaluation", spec_model=lambda variant: EvaluationFacts, build=evaluation.build,
            context=evaluation.context, provides=evaluation.PROVIDES)
