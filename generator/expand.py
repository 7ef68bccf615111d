"""Stage 2, expand: a concise spec plus what it inherits becomes the full spec that gets printed.

A project inherits 主管部门 and 实施单位 from its folder's 部门.yaml. `origins` records where each
indicator came from, so that `perfgen show` can tell an author.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .source import Source
from .spec import DepartmentSpec, Loaded, ProjectSpec


@dataclass(frozen=True)
class Expanded:
    spec: ProjectSpec
    source: Source
    year: int
    origins: dict[str, str] = field(default_factory=dict)


def expand(loaded: Loaded, department: DepartmentSpec) -> Expanded:
    spec: ProjectSpec = loaded.spec
    filled = spec.model_copy(update={
        "主管部门": spec.主管部门 or department.主管部门,
        "实施单位": spec.实施单位 or department.实施单位,
    })
    return Expanded(filled, loaded.source, department.年度)
