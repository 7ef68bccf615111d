"""The CLI's consoles write what rich writes, without rich where that is plain text to a file."""
from __future__ import annotations

import io
import sys

import pytest
from rich.console import Console as RichConsole

from generator.console import Console

OPTIONS = {"highlight": False, "soft_wrap": True}
TEXTS = ["共 2000 个项目，均未变化，全部跳过（--force 可全部重新生成）；98 条警告。",
         "/specs/教育局/020.yaml:12 警告 绩效指标.经济成本指标.成本: 指标名含有「法律顾问费」", "", "a\nb", "a\n\nb",
         "表 :smile: 与 :thumbs_up:", "C:\\说明:1", "时间 10:30:00", "tab\there", "末尾空格 ", "末尾换行\n", "行尾 \n下一行",
         "bell\x07 cr\r esc\x1b[31m", "宽" * 120, "宽" * 120 + "  ", "[bold]不是标记[/bold]", "全角空格结尾\u3000"]


@pytest.mark.parametrize("stderr", [False, True])
@pytest.mark.parametrize("style", [None, "red", "bold red", "yellow"])
def test_what_is_written_is_what_rich_writes(monkeypatch, stderr, style):
    for text in TEXTS:
        written = []
        for console in (Console(stderr=stderr, **OPTIONS), RichConsole(stderr=stderr, **OPTIONS)):
            stream = io.StringIO()
            monkeypatch.setattr(sys, "stderr" if stderr else "stdout", stream)
            console.print(text, style=style, markup=False)
            written.append(stream.getvalue())
        assert written[0] == written[1], text


def test_plain_text_to_a_file_needs_no_rich(monkeypatch):
    console = Console(**OPTIONS)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert not console.is_terminal
    console.print(TEXTS[1], style="yellow", markup=False)
    assert console._rich is None
    console.print("表 :smile:", markup=False)  # rich changes this one: rich writes it
    assert console._rich is not None and sys.stdout.getvalue().endswith("表 😄\n")


def test_a_terminal_and_markup_are_richs(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stdout", Terminal())
    console = Console(**OPTIONS)
    assert console.is_terminal and console._rich is not None
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    Console(**OPTIONS).print("[bold]粗[/bold]")  # markup: rich's
    assert sys.stdout.getvalue() == "粗\n"
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    Console(**OPTIONS).print("红", style="red", markup=False)
    assert sys.stdout.getvalue() == "\x1b[31m红\x1b[0m\n"

