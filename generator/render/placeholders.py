"""What a variant's Word template asks for, checked against what its form provides, before any build.

A `{{ 标签.项目明称 }}` (no such label) or a `{{ row.指标直 }}` would otherwise stop a build half-way
with jinja's English error, or — worse — a field the form does not fill would print nothing. The
template's text is read as docxtpl reads it (runs joined, `{%tr … %}` a plain tag) and parsed with
jinja; no docxtpl is needed, so `perfgen check` stays light.
"""
from __future__ import annotations

import difflib
import html
import re
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from ..errors import Problem, Problems, VariantError

DOCUMENT = "word/document.xml"
LABELS = "标签"
_TAG = re.compile(r"<[^>]+>")
_DOCXTPL = re.compile(r"([{][{%])-?\s*(?:tr|tc|p|r)\s")  # {%tr for …%}, {{r x }}: docxtpl's own prefixes

# what a form provides: top-level name → the fields of its items (a list of rows), or None
Provides = Mapping[str, "frozenset[str] | None"]


@lru_cache(maxsize=32)
def _uses(document: bytes) -> tuple[str | None, frozenset[str], frozenset[tuple[str, str]]]:
    """(a syntax error, the top-level names, (name, attribute) pairs; a loop variable's pairs are
    its list's)."""
    from jinja2 import Environment, TemplateSyntaxError, meta, nodes

    text = _DOCXTPL.sub(lambda m: m.group(1) + " ", html.unescape(_TAG.sub("", document.decode("utf-8"))))
    try:
        tree = Environment().parse(text)
    except TemplateSyntaxError as exc:
        return str(exc), frozenset(), frozenset()
    pairs: set[tuple[str, str]] = set()

    def visit(node: nodes.Node, loops: dict[str, str]) -> None:
        if isinstance(node, nodes.For) and isinstance(node.target, nodes.Name) and isinstance(node.iter, nodes.Name):
            inner = {**loops, node.target.name: node.iter.name}  # the loop variable names one row of its list
            for child in node.body:
                visit(child, inner)
            for child in node.else_:
                visit(child, loops)
            return
        if isinstance(node, (nodes.Getattr, nodes.Getitem)) and isinstance(node.node, nodes.Name):
            key = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
            if isinstance(key, str):
                pairs.add((loops.get(node.node.name, node.node.name), key))
        for child in node.iter_child_nodes():
            visit(child, loops)

    visit(tree, {})
    return None, frozenset(meta.find_undeclared_variables(tree)), frozenset(pairs)


@lru_cache(maxsize=32)
def _structure(document: bytes) -> str | None:
    """What the one reading of a rendered table (rendered.py) does not follow, said before a build."""
    from lxml import etree

    from .rendered import check_template

    try:
        check_template(etree.fromstring(document))
    except etree.XMLSyntaxError as exc:
        return f"模板的 {DOCUMENT} 不是有效的 XML：{exc}"
    except VariantError as exc:
        return str(exc)
    return None


def _hint(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.4)
    return f"是否想写「{close[0]}」？" if close else ""


def template_problems(template: Path, form: str, provides: Provides, labels: Mapping[str, str]) -> list[Problem]:
    """Every placeholder of `template` that the form (`provides`) or the labels cannot fill."""
    problems = Problems()
    try:
        with zipfile.ZipFile(template) as archive:
            document = archive.read(DOCUMENT)
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        problems.add(template, None, "", f"无法读取 Word 模板：{exc}")
        return problems.items
    structure = _structure(document)
    if structure:
        problems.add(template, None, "", structure)
        return problems.items
    error, names, pairs = _uses(document)
    if error:
        problems.add(template, None, "", f"模板中的占位符有误：{error}")
        return problems.items
    known = sorted(provides)
    for name in sorted(names - set(provides)):
        problems.add(template, None, name, f"模板中的 {{{{ {name} }}}} 不是 {form} 表提供的字段；{_hint(name, known)}"
                                           f"可用：{'、'.join(known)}")
    for owner, key in sorted(pairs):
        if owner == LABELS:
            if key not in labels:
                problems.add(template, None, f"{LABELS}.{key}", f"模板中的 {{{{ {LABELS}.{key} }}}} 在 settings.yaml 的 "
                                                               f"labels 中没有；{_hint(key, list(labels))}")
            continue
        fields = provides.get(owner)
        if fields is not None and key not in fields:
            problems.add(template, None, f"{owner}.{key}", f"「{owner}」的每一行没有「{key}」；{_hint(key, sorted(fields))}"
                                                           f"可用：{'、'.join(sorted(fields))}")
    return problems.items
