"""Incremental decisions: what a build may skip, and what the last build's manifest says.

A manifest (cache.Manifest) is kept per output folder, in groups: one per project (its .docx and
.xlsx), one for the 汇总 workbook, one per PDF. A group is fresh when its key is the one this
build computes and every file it lists is as written; a PDF is as fresh as the table it was made
from (its key is that table's sha256), so a table rebuilt without --pdf loses its PDF in the same
build instead of keeping an outdated one beside it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from . import cache
from .errors import Problem
from .layout import SUMMARY_WORKBOOK, folder_marks, safe_filename

SUMMARY_GROUP = "汇总"


def project_group(name: str) -> str:
    return f"项目/{name}"


def pdf_group(name: str) -> str:
    return f"PDF/{name}"


def project_key(project: Any, variant_key: str) -> str:
    # `source` is where the spec lives, which prints nowhere: moving a file rebuilds nothing
    return cache.key(cache.toolchain_key(), variant_key, cache.fingerprint(project, skip=("source",)))


def project_files(name: str) -> list[str]:
    stem = safe_filename(name)
    return [f"{stem}.docx", f"{stem}.xlsx"]


def folder_files(names: list[str], pdf: bool) -> list[str]:
    """Every file a build writes into an output folder holding the projects `names`."""
    files = [file for name in names for file in project_files(name)]
    if names:
        files.append(SUMMARY_WORKBOOK)
    if pdf:
        files += [f"{safe_filename(name)}.pdf" for name in names] + ([f"{Path(SUMMARY_WORKBOOK).stem}.pdf"]
                                                                    if names else [])
    return files


def pdf_sources(names: list[str], new: cache.Manifest) -> list[tuple[str, str, str, str]]:
    """(PDF group, PDF name, table it is made from, that table's sha256 in this build) per table."""
    todo = []
    for name in names:
        stem = safe_filename(name)
        docx = f"{stem}.docx"
        todo.append((pdf_group(name), f"{stem}.pdf", docx, new.files(project_group(name)).get(docx, "")))
    if names:
        todo.append((pdf_group(SUMMARY_GROUP), f"{Path(SUMMARY_WORKBOOK).stem}.pdf", SUMMARY_WORKBOOK,
                     new.files(SUMMARY_GROUP).get(SUMMARY_WORKBOOK, "")))
    return todo


def keep_pdfs(names: list[str], old: cache.Manifest, new: cache.Manifest) -> None:
    """Without --pdf, a PDF stays while its table is the one it was made from (a later --pdf run
    brings the others up to date); any other PDF is dropped, and so deleted with the commit."""
    for group, _, _, digest in pdf_sources(names, new):
        entry = old.groups.get(group)
        if entry is not None and entry["key"] == digest:
            new.groups[group] = entry


def last_build(manifest: cache.Manifest, spec_folder: Path) -> tuple[list[str], list[Problem]] | None:
    """The tables and the warnings of the last build as its manifest recorded them (None if it
    did not, or not in a shape this perfgen wrote)."""
    inputs = manifest.inputs
    try:
        tables, warnings = inputs["tables"], [_problem(stored, spec_folder) for stored in inputs["warnings"]]
    except (TypeError, KeyError, ValueError):
        return None
    if not isinstance(tables, list) or not all(isinstance(name, str) for name in tables):
        return None
    return list(tables), warnings


def review_marks(spec_folder: Path, inputs: str, known: cache.Digests) -> list[tuple[str, int, str]]:
    """The `# 待核对` comments of a spec folder (layout.folder_marks): remembered with the folder's
    digests while its files are those they were read from, so that a build with nothing to do
    reads none of a district's thousands of specs for them."""
    marks = known.review_marks(inputs)
    if marks is None:
        marks = folder_marks(spec_folder)
        known.remember_review_marks(inputs, marks)
    return marks


def stored(problem: Problem, folder: Path) -> list:
    """A warning as the manifest keeps it: its file relative to the spec folder (which may move)."""
    path = Path(problem.file)
    name = path.name if path.parent == folder else problem.file
    return [name, problem.line, problem.field, problem.message]


def _problem(stored: list, folder: Path) -> Problem:
    name, line, field_, message = stored
    if not all(isinstance(text, str) for text in (name, field_, message)) or not isinstance(line, (int, type(None))):
        raise ValueError(stored)
    path = folder / name if "/" not in name and "\\" not in name else Path(name)
    return Problem(str(path), line, field_, message, warning=True)
