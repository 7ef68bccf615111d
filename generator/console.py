"""The CLI's consoles (stdout, stderr): rich's, loaded only where it changes what is written.

Going to a file or a pipe, a line printed with markup=False is written by rich exactly as it is
(no colour off a terminal, no wrapping: soft_wrap), but importing rich and rendering each line
through it cost more than the rest of a build with nothing to do (its summary and a district's
warnings). So such a line is written straight to the stream; anything rich would write otherwise —
on a terminal or where rich is told to colour (FORCE_COLOR, TTY_COMPATIBLE), Jupyter, IDLE,
Windows, markup, a table, a text rich changes (an emoji code such as :smile:, a control character,
a tab, whitespace ending a line) — goes through rich.console.Console, as everything else does.
"""
from __future__ import annotations

import builtins
import os
import re
import sys
from typing import Any

# what rich.console.Console.print changes in a text even with markup=False: emoji codes
# (rich._emoji_replace's pattern is narrower), the control codes it strips or keeps raw, tabs,
# and whitespace before a line's end (cut where a line is wider than the console)
_CHANGED = re.compile(r":\S*?:|[\x00-\x09\x0b-\x1f\x7f]|\s(?=\n)|\s\Z")


class Console:
    """rich.console.Console(**options), made when first needed; `print` of a plain text to a file or
    a pipe writes it itself (module docstring)."""

    def __init__(self, stderr: bool = False, **options: Any):
        self.stderr = stderr
        self.options = options
        self._rich: Any = None

    @property
    def rich(self) -> Any:
        if self._rich is None:
            from rich.console import Console as RichConsole

            self._rich = RichConsole(stderr=self.stderr, **self.options)
        return self._rich

    def __getattr__(self, name: str) -> Any:  # anything else is rich's
        return getattr(self.rich, name)

    @property
    def is_terminal(self) -> bool:
        return False if self._plain_stream() is not None else self.rich.is_terminal

    def print(self, *objects: Any, style: Any = None, markup: bool | None = None, **options: Any) -> None:
        stream = None
        if markup is False and not options and len(objects) == 1 and type(objects[0]) is str \
                and not _CHANGED.search(objects[0]):
            stream = self._plain_stream()
        if stream is None:
            self.rich.print(*objects, style=style, markup=markup, **options)
            return
        try:
            stream.write(objects[0] + "\n")  # what rich writes: no style is rendered off a terminal
            stream.flush()
        except BrokenPipeError:
            self.rich.on_broken_pipe()
        except UnicodeEncodeError as error:  # rich's own hint
            error.reason = f"{error.reason}\n*** You may need to add PYTHONIOENCODING=utf-8 to your environment ***"
            raise

    def _plain_stream(self) -> Any:
        """The stream, when rich would write to it as to a file that is no terminal; else None."""
        if self._rich is not None or os.name != "posix" or hasattr(builtins, "get_ipython"):
            return None  # rich in use (a progress bar?), Windows' consoles, Jupyter: rich decides
        if not self.options.get("soft_wrap") or self.options.get("highlight") is not False:
            return None  # rich would wrap lines at its width
        if os.environ.get("FORCE_COLOR") is not None or os.environ.get("TTY_COMPATIBLE", "") != "":
            return None
        if getattr(sys.stdin, "__module__", "").startswith("idlelib"):
            return None
        stream = sys.stderr if self.stderr else sys.stdout
        if stream is None or hasattr(stream, "rich_proxied_file"):
            return None
        isatty = getattr(stream, "isatty", None)
        try:
            return None if isatty is None or isatty() else stream
        except ValueError:  # closed
            return None
