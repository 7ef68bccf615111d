"""A form's parts that only some commands need (the importer, show, schema), imported when called."""
from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy(module: str, name: str) -> Callable[..., Any]:
    """`module.name`, imported on the first call: rendering a table never loads the importer."""
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call
