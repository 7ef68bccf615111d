"""What an editor needs beside the specs: a JSON Schema per form, the modeline that names it, VS Code settings.

The schemas are written into the department's own folder (`schema/`), so that the modelines are
relative paths that hold on any machine, offline, on Windows, and move with the folder. perfgen
writes a schema file only where none is (an existing one is left as it is).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from .layout import DEPARTMENT_FILE

SCHEMA_FOLDER = "schema"
MODELINE = "# yaml-language-server: $schema="
DEPARTMENT_SCHEMA = "部门.schema.json"


def schema_file(root: Path, variant_name: str | None) -> Path:
    """The schema of a variant's specs (None: of 部门.yaml) in the folder `root`."""
    return root / SCHEMA_FOLDER / (DEPARTMENT_SCHEMA if variant_name is None else f"{variant_name}.schema.json")


def modeline(spec: Path, schema: Path) -> str:
    """The first line of `spec` that points yaml-language-server at `schema` (relative, with /)."""
    return MODELINE + Path(os.path.relpath(schema, spec.parent)).as_posix() + "\n"


def with_modeline(text: str, line: str) -> str:
    """`text` starting with `line`: a modeline already there is replaced, else `line` goes on top."""
    if "\r\n" in text:  # the file's own line ending
        line = line.replace("\n", "\r\n")
    if text.startswith(MODELINE):
        return line + text.split("\n", 1)[1] if "\n" in text else line
    return line + text


def spec_modeline(spec: Path, root: Path, variant_name: str) -> str:
    """The modeline of a spec file (or of a 部门.yaml) whose schemas are in `root`/schema/."""
    return modeline(spec, schema_file(root, None if spec.name == DEPARTMENT_FILE else variant_name))


def schemas(root: Path, variants: list) -> dict[Path, bytes]:
    """The schema files for 部门.yaml and for each variant's specs, that are not in `root`/schema/ yet."""
    from .schema import department_schema, dumps, form_schema

    wanted = {schema_file(root, None): lambda: department_schema()}
    for variant in variants:
        wanted[schema_file(root, variant.name)] = lambda variant=variant: form_schema(variant)
    return {path: dumps(make()).encode("utf-8") for path, make in wanted.items() if not path.exists()}


def vscode_settings(root: Path, forms: dict[str, list[str]]) -> dict[Path, bytes]:
    """.vscode/settings.json mapping specs to their schemas (for files without a modeline), UTF-8 and
    spaces for YAML, and the YAML extension recommended. `forms`: variant name → globs of its specs."""
    mapping = {f"./{SCHEMA_FOLDER}/{DEPARTMENT_SCHEMA}": [f"**/{DEPARTMENT_FILE}"]}
    for name, globs in forms.items():
        mapping[f"./{SCHEMA_FOLDER}/{name}.schema.json"] = [*globs, f"!**/{DEPARTMENT_FILE}"]
    settings = {
        "yaml.schemas": mapping,
        "files.encoding": "utf8",
        "[yaml]": {"editor.insertSpaces": True, "editor.tabSize": 2, "editor.autoIndent": "keep"},
    }
    extensions = {"recommendations": ["redhat.vscode-yaml"]}
    dump = lambda data: (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")  # noqa: E731
    return {root / ".vscode" / "settings.json": dump(settings), root / ".vscode" / "extensions.json": dump(extensions)}


def rolled(text: str, spec: Path, root: Path, old: str | None, new: str | None) -> tuple[str, Path | None]:
    """A spec moved to a new year (`perfgen new`) with its modeline: kept while its form stays
    `old`, else pointing at `root`/schema/ for `new`; and the schema file that line needs."""
    department = spec.name == DEPARTMENT_FILE
    if text.startswith(MODELINE) and (department or old == new):
        return text, None
    if new is None and not department:
        return text, None
    wanted = schema_file(root, None if department else new)
    return with_modeline(text, modeline(spec, wanted)), wanted
