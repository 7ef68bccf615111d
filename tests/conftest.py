"""Shared fixtures: the repo, ../shared (seeds and tablecheck), a build of the example specs."""
from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
EXAMPLES = REPO / "specs" / "examples"
TEMPLATES = REPO / "templates"


def _tablecheck():
    path = SHARED / "tools" / "tablecheck.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location("tablecheck", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["tablecheck"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True, scope="session")
def _digest_cache(tmp_path_factory):
    """Builds remember file digests in the user's cache folder: the tests keep theirs to themselves."""
    import os

    os.environ["PERFGEN_CACHE"] = str(tmp_path_factory.mktemp("perfgen-cache"))


@pytest.fixture(scope="session")
def tablecheck():
    module = _tablecheck()
    if module is None:
        pytest.skip("../shared/tools/tablecheck.py is not beside the repo")
    return module


@pytest.fixture(scope="session")
def built_examples(tmp_path_factory) -> Path:
    """The example specs built once per test session; returns the output folder."""
    from generator.build import build

    out = tmp_path_factory.mktemp("examples-out")
    build(EXAMPLES, out, TEMPLATES)
    return out


def copy_specs(source: Path, target: Path, facts: bool = False) -> Path:
    """A copy of a spec folder, without the year's facts files (<项目>.自评.yaml …) unless asked:
    tests of the 目标表 stay about the 目标表."""
    from generator.layout import facts_stage

    ignore = None if facts else (lambda _, names: [n for n in names if facts_stage(n)])
    shutil.copytree(source, target, ignore=ignore)
    return target


@pytest.fixture
def spec_folder(tmp_path) -> Path:
    """A copy of the 2024 example folder (its specs, not its facts) that a test may edit."""
    return copy_specs(EXAMPLES / "2024", tmp_path / "specs")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
