"""Stage 2, expand: a concise spec plus what it inherits becomes the full spec that gets printed.

A project inherits 主管部门 and 实施单位 from its folder's 部门.yaml. `origins` records where each
indicator came from, so that `perfgen show` can tell an author.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .source import Source
from .spec import DepartmentSpec, Loaded


@dataclass(frozen=True)
class Expanded:
    spec: Any  # a validated spec model (project or unit)
    source: Source
    year: int
    origins: dict[str, str] = field(default_factory=dict)


INHERITED = ("主管部门", "实施单位")


def expand(loaded: Loaded, department: DepartmentSpec) -> Expanded:
    spec = loaded.spec
    inherited = {key: getattr(spec, key) or getattr(department, key)
                 for key in INHERITED if key in type(spec).model_fields}
    return Expanded(spec.model_copy(update=inherited), loaded.source, department.年度)
