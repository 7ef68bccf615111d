"""Word output: a docxtpl template, parsed and compiled once, rendered per project.

docxtpl's `DocxTemplate.render` re-reads, re-patches and re-compiles the template XML on every
call; for a department's batch we do those steps once (`patch_xml`, jinja compile, deflating the
template's fixed parts: styles, theme and fonts are 95 % of a table's package) and per project only
render the compiled template, merge cells, and deflate the document part. Autoescape is on, so
`<`, `&` and quotes in any value cannot break the XML (python-docx-template issues 38, 447, 634); a `\\n`
in a value becomes a line break through docxtpl's own `resolve_listing`.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from lxml import etree

from ..errors import VariantError
from ..write import Entry, deflate, zip_bytes
from .docx_print import PrintStyle, PrintTemplate, deflated
from .merge import apply_vertical_merges

DOCUMENT = "word/document.xml"
_P_OPEN = re.compile(r"<w:p([ >])")
_P_MARKED = re.compile(r"\n<w:p([ >])")
# what docxtpl's resolve_listing rewrites: paragraphs, and \t \a \n \f in their texts
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)
_SPECIAL_TEXT = re.compile(r"<w:t(?: [^>]*)?>[^<]*[\t\a\n\f]")


def template_environment() -> ImmutableSandboxedEnvironment:
    """The one jinja environment every template is rendered in: sandboxed, so a template (which
    may come from anyone's templates/ folder) can fill in data but never reach Python objects,
    attributes starting with _, or anything that changes a value (`cycler.__init__.__globals__`
    is refused)."""
    return ImmutableSandboxedEnvironment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)


class WordTemplate:
    """A variant's .docx template, ready to render many times."""

    def __init__(self, path: Path, style: PrintStyle | None = None):
        if not path.is_file():
            raise VariantError(f"找不到 Word 模板 {path}")
        self.path = path
        with zipfile.ZipFile(path) as archive:
            parts = {info.filename: archive.read(info) for info in archive.infolist()}
        document = etree.fromstring(parts[DOCUMENT])
        # made print-ready once (docx_print.py); every part but the document and its properties
        # is then the same in every table: deflated here, once
        self.printing = PrintTemplate(parts, document, style or PrintStyle())
        source = etree.tostring(document, xml_declaration=True, encoding="UTF-8", standalone=True).decode("utf-8")
        self.names = [name for name, _ in self.printing.parts]
        self.parts: list[Entry | None] = deflated(self.printing.parts)
        self._docxtpl = DocxTemplate(str(path))
        # docxtpl marks paragraphs with a newline before jinja sees them, then removes the marks
        patched = _P_OPEN.sub(r"\n<w:p\1", self._docxtpl.patch_xml(source))
        env = template_environment()
        try:
            self.template = env.from_string(patched)
        except TemplateError as exc:
            raise VariantError(f"Word 模板 {path} 中的占位符有误：{exc}") from exc

    def render_xml(self, context: dict[str, Any]) -> etree._Element:
        try:
            xml = self.template.render(context)
        except SecurityError as exc:
            raise VariantError(f"Word 模板 {self.path} 试图执行不允许的操作（{exc}）：模板只能填写数据，已停止") from exc
        except TemplateError as exc:
            raise VariantError(f"Word 模板 {self.path} 渲染失败：{exc}") from exc
        xml = _P_MARKED.sub(r"<w:p\1", xml)
        if "{_" in xml or "_}" in xml:  # docxtpl's escapes of literal {{ }} {% %}
            xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        if _SPECIAL_TEXT.search(xml):  # only paragraphs with a tab, line or page break in a text
            xml = _PARAGRAPH.sub(lambda m: self._docxtpl.resolve_listing(m.group(0))
                                 if _SPECIAL_TEXT.search(m.group(0)) else m.group(0), xml)
        root = etree.fromstring(xml.encode("utf-8"))
        apply_vertical_merges(root)
        return root

    @classmethod
    def for_variant(cls, variant: Any) -> "WordTemplate":
        """The template of a variant, printed with its `print:` settings."""
        return cls(variant.word_template, variant.print_style)

    def render(self, context: dict[str, Any]) -> tuple[bytes, etree._Element]:
        """The .docx bytes and the rendered document tree (the Excel writer reads its table; its
        amount cells carry their exact value, see docx_print.NUMBER_ATTR)."""
        root = self.render_xml(context)
        document, core = self.printing.finish(root, context)
        self.printing.mark_numbers(root, context.get("金额") or {})
        fresh = {DOCUMENT: document, "docProps/core.xml": core}
        return zip_bytes(part or deflate(name, fresh[name]) for name, part in zip(self.names, self.parts)), root
