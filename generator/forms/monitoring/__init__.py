"""The monitoring form: a project's 绩效运行监控表, from its project spec and its 监控 facts file
(table.py holds the table model, its checks, its context and its 汇总 line; stages.py plans the
stages beside the projects)."""
from __future__ import annotations

from . import table as monitoring
from ...facts import MonitoringFacts
from .. import Form

FORM = Form(name="monitoring", spec_model=lambda variant: MonitoringFacts, build=monitoring.build,
            context=monitoring.context, provides=monitoring.PROVIDES)
