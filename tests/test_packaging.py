"""The wheel carries the forms and the categories: installed anywhere, perfgen inits and builds."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import REPO, TEMPLATES


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel of a copy of the checkout (the build writes nothing into the repository)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    for name in ("generator", "templates"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheels")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(source), "-w", str(out)],
                   check=True, capture_output=True, timeout=300)
    [built] = out.glob("perfgen-*.whl")
    return built


def test_every_package_is_in_the_wheel_list():
    """pyproject.toml lists the packages (one of them is templates/, mapped): a new one must be added."""
    import tomllib

    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "generator").rglob("__init__.py")}
    assert found <= listed, f"add to [tool.setuptools] packages in pyproject.toml: {sorted(found - listed)}"


@pytest.mark.slow
def test_the_wheel_holds_every_form_and_category(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in sorted(p for p in TEMPLATES.rglob("*") if p.is_file()):
        assert f"generator/_templates/{path.relative_to(TEMPLATES).as_posix()}" in names
    package = REPO / "generator"  # its modules and its data (categories, rule sets, …)
    for path in sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        assert f"generator/{path.relative_to(package).as_posix()}" in names


@pytest.mark.slow
def test_the_installed_wheel_inits_and_builds_outside_the_repository(wheel, tmp_path):
    """A fresh venv with the wheel unpacked into it (what pip does with a pure-Python wheel); the
    libraries it needs come from this venv's site-packages, perfgen itself only from the wheel."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    zipfile.ZipFile(wheel).extractall(site)
    (site / "libraries.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    work = tmp_path / "别处"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PERFGEN_TEMPLATES")}

    def perfgen(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(python), "-m", "generator", *args], cwd=work, env=env, capture_output=True,
                              text=True, timeout=300)

    where = subprocess.run([str(python), "-c", "import generator.layout as l; print(l.PACKAGE_TEMPLATES)"],
                           cwd=work, env=env, check=True, capture_output=True, text=True).stdout.strip()
    assert Path(where).is_relative_to(site), where
    started = perfgen("init", "新部门")
    assert started.returncode == 0, started.stdout + started.stderr
    built = perfgen("build", "新部门")
    assert built.returncode == 0, built.stdout + built.stderr
    assert (work / "output" / "新部门" / "法律顾问费.docx").is_file()
    assert (work / "output" / "新部门" / "汇总.xlsx").is_file()
