"""The user guide in Chinese exists, is linked first in the README, and names every command."""
from __future__ import annotations

from typer.main import get_command

from generator.cli import app

from conftest import REPO

GUIDE = REPO / "docs" / "使用说明.md"


def test_the_guide_is_linked_at_the_top_of_the_readme():
    head = (REPO / "README.md").read_text(encoding="utf-8").splitlines()[:5]
    assert any("(docs/使用说明.md)" in line for line in head)


def test_the_guide_says_how_to_install_on_windows_and_linux_and_names_every_command():
    guide = GUIDE.read_text(encoding="utf-8")
    assert "py -3.11 -m venv .venv" in guide and ".venv\\Scripts\\perfgen" in guide
    assert "python3.11 -m venv .venv" in guide and ".venv/bin/perfgen" in guide
    for command in get_command(app).commands:
        assert f"`perfgen {command}" in guide, command
