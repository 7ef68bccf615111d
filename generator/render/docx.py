"""Word output: a docxtpl template, parsed and compiled once, rendered per project.

docxtpl's `DocxTemplate.render` re-reads, re-patches and re-compiles the template XML on every
call; for a department's batch we do those steps once (`patch_xml`, jinja compile, deflating the
template's fixed parts) and per project only render the compiled template, read the result once
(rendered.py: merges, pages and the Excel sheet come from that reading), and deflate the document
part. Every value is escaped (`text_value`, or jinja's autoescape where a template reuses markup), so
`<`, `&` and quotes in any value cannot break the XML (python-docx-template issues 38, 447, 634); a
`\\n` in a value becomes a line break as docxtpl's own `resolve_listing` makes it.
"""
from __future__ import annotations

import os
import re
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from lxml import etree
from markupsafe import Markup

from ..cache import cache_folder, sha256
from ..errors import VariantError
from ..write import Entry, deflate, zip_bytes
from .docx_print import PrintStyle, PrintTemplate, deflated
from .merge import apply_vertical_merges
from .rendered import Document, Shapes, read, reparsed

DOCUMENT = "word/document.xml"
_P_OPEN = re.compile(r"<w:p([ >])")
# what docxtpl's resolve_listing rewrites: paragraphs, and \t \a \n \f in their texts
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)
_SPECIAL_TEXT = re.compile(r"<w:t(?: [^>]*)?>[^<]*[\t\a\n\f]")
_RUN = re.compile(r"<w:r(?: [^>]*)?>.*?</w:r>", re.DOTALL)
_RUN_TEXT = re.compile(r"<w:t(?: [^>]*)?>.*?</w:t>", re.DOTALL)
_PPR = re.compile(r"<w:pPr>.*?</w:pPr>")
_RPR = re.compile(r"<w:rPr>.*?</w:rPr>")
_TEXT_OPEN = '<w:t xml:space="preserve">'


def listed(xml: str) -> str:
    """docxtpl's `DocxTemplate.resolve_listing` of the paragraphs holding a tab or a break in a text
    (`_SPECIAL_TEXT`), the rest as they are, without importing docxtpl and python-docx (~150 M
    instructions a process): the paragraphs its `_PARAGRAPH.sub` meets (`<w:p>` or `<w:p …>` to the
    first `</w:p>` after it, left to right), found with str.find (the expression's lazy `.*?` takes
    some 140 instructions a character of the whole document)."""
    special = [match.start() for match in _SPECIAL_TEXT.finditer(xml)]
    pieces, at, i, find = [], 0, 0, xml.find
    start = find("<w:p")
    while i < len(special) and start != -1:
        if xml[start + 4:start + 5] not in (">", " "):  # <w:pPr>, <w:p/>: no paragraph begins here
            start = find("<w:p", start + 1)
            continue
        opened = find(">", start)
        end = find("</w:p>", opened + 1) if opened != -1 else -1
        if end == -1:
            break  # no paragraph ends after this one's start, nor after a later one's
        end += 6
        while i < len(special) and special[i] < start:
            i += 1
        if i < len(special) and special[i] < end:  # a text of the paragraph holds a tab or a break
            pieces.append(xml[at:start])
            pieces.append(_listed_paragraph(xml[start:end]))
            at = end
        start = find("<w:p", end)
    pieces.append(xml[at:])
    return "".join(pieces)


def _listed_paragraph(paragraph: str) -> str:
    """docxtpl's resolve_listing of one paragraph, the same expressions in the same order: in its
    runs' texts a tab becomes a run of its own, \\a a new paragraph, \\n a line break and \\f a page
    break, the runs and paragraphs begun carrying the run's and the paragraph's properties."""
    found = _PPR.search(paragraph)
    ppr = found.group(0) if found else ""

    def run(match: re.Match) -> str:
        found = _RPR.search(match.group(0))
        rpr = found.group(0) if found else ""
        tab = f"</w:t></w:r><w:r>{rpr}<w:tab/></w:r><w:r>{rpr}{_TEXT_OPEN}"
        new_paragraph = f"</w:t></w:r></w:p><w:p>{ppr}<w:r>{rpr}{_TEXT_OPEN}"
        page = ('</w:t></w:r></w:p><w:p><w:r><w:br w:type="page"/></w:r></w:p>'
                f"<w:p>{ppr}<w:r>{rpr}{_TEXT_OPEN}")
        return _RUN_TEXT.sub(lambda text: text.group(0).replace("\t", tab).replace("\a", new_paragraph)
                             .replace("\n", f"</w:t><w:br/>{_TEXT_OPEN}").replace("\f", page), match.group(0))

    return _RUN.sub(run, paragraph)


def template_environment(finalize: Callable[[Any], Any] | None = None,
                         autoescape: bool = True) -> ImmutableSandboxedEnvironment:
    """The one jinja environment every template is rendered in: sandboxed, so a template (which
    may come from anyone's templates/ folder) can fill in data but never reach Python objects,
    attributes starting with _, or anything that changes a value (`cycler.__init__.__globals__`
    is refused). Every value is escaped: by jinja's autoescape, or only by `finalize` where that
    escapes each value itself (`text_value`) and the template has no block whose output is markup."""
    if not autoescape and finalize is None:
        raise ValueError("values must be escaped")
    return _Environment(autoescape=autoescape, undefined=StrictUndefined, keep_trailing_newline=True,
                        finalize=finalize)


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(ImmutableSandboxedEnvironment):
    """The sandbox, with `x.name` on a dict (every context value a template reads that way) found
    without raising: jinja tries the attribute first and takes the item when the dict has none,
    which for a name that is no attribute of dict is always the item (or nothing)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except LookupError:
                pass
        return super().getattr(obj, attribute)


# jinja tags whose output a template reuses as markup (macros, calls, blocks, includes): with them
# jinja's autoescape must tell markup from text
_JINJA_TAG = re.compile(r"\{%-?\s*(\w+)([^%]*)%\}")
_PLAIN_TAGS = {"for", "endfor", "if", "elif", "else", "endif"}


def _plain(source: str) -> bool:
    """Whether every jinja tag of the source is a loop, a condition or an assignment `set x = …`."""
    return all(name in _PLAIN_TAGS or name == "set" and "=" in rest for name, rest in _JINJA_TAG.findall(source))


# what XML 1.0 cannot hold (the spec loader refuses it in specs; a template's own words are checked
# here), but \a and \f: resolve_listing makes them a new paragraph and a page break
_CONTROL = re.compile(r"[\x00-\x06\x08\x0b\x0e-\x1f\ufffe\uffff]")
# a placeholder inside a start tag: a value in an attribute, where quotes must be escaped
_VALUE_IN_TAG = re.compile(r"<[^<>]*\{\{")
# a start tag whose content begins with a jinja expression or tag: an element that may render empty
_BEFORE_JINJA = re.compile(r"<([A-Za-z][\w.:-]*)(?:\s[^<>]*)?(?<!/)>(?=\{[{%])")
_EMPTY_ELEMENT = re.compile(r"<([A-Za-z][\w.:-]*)(?:\s[^<>]*)?></\1>")


def text_value(value: Any) -> Any:
    """A value as it prints in a text, escaped as lxml escapes text (& < > only): with every value
    in a text (`_VALUE_IN_TAG`), the rendered XML is then in lxml's form but for empty elements."""
    if hasattr(value, "__html__"):
        return value
    text = str(value)
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if _CONTROL.search(text):
        raise VariantError(f"表格中的文字「{text[:40]}」含有不能写入 Word 文件的控制字符，请删除")
    return Markup(text)


# what docxtpl's pass after jinja rewrites: tabs, breaks and page breaks in a text (\t \a \n \f),
# its escapes of literal braces ({_{ …), and the newlines it marks paragraphs with (\n<w:p)
_AFTER_JINJA = ("\t", "\x07", "\n", "\x0c", "{_", "_}")


class _Values:
    """A template's `finalize` (`print`): `text_value`, remembered per text (a department's tables
    repeat their labels and most values), noting whether a value printed since `after` was reset
    holds what docxtpl's pass after jinja rewrites, so that the pass runs only where it can change
    something. Without autoescape (`markup` False) a value is given as a plain str: jinja's str()
    of it is then the value itself, not a copy of a Markup's characters."""

    LIMIT = 1024  # texts remembered: bounded, so memory stays flat however many tables

    def __init__(self, markup: bool = True):
        self.seen: dict[str, tuple[Any, bool]] = {}
        self.after = False
        self.markup = markup

    # a bound method, not __call__: CPython calls it as a Python function, without a slot's lookup
    def print(self, value: Any) -> Any:
        if type(value) is str:
            found = self.seen.get(value)
            if found is None:
                out = text_value(value)
                found = (out if self.markup else str(out), any(s in value for s in _AFTER_JINJA))
                if len(self.seen) >= self.LIMIT:
                    self.seen.clear()
                self.seen[value] = found
            if found[1]:
                self.after = True
            return found[0]
        out = text_value(value)
        if not self.after:
            text = str(out)
            self.after = any(s in text for s in _AFTER_JINJA)
        return out


def _unmarked(patched: str) -> str:
    """A template source without the marks `_P_OPEN` put before its paragraphs."""
    return patched.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")


_TOKENS = re.compile(r"<(/?)([A-Za-z][\w.:-]*)(?:\s[^<>]*?)?(/?)>|\{%-?\s*(\w+)([^%]*)%\}")
_OPENERS = {"if", "for", "macro", "call", "filter", "block", "raw"}


def unbalanced_block(source: str) -> str | None:
    """The first jinja block of a template source whose branches do not each hold whole XML
    elements (`{% if %}` opening a paragraph that only `{% endif %}`'s side closes), or None. With
    every branch whole and every value escaped, any data renders to well-formed XML: the rendered
    text need not be parsed to be trusted."""
    stack: list[str] = []
    blocks: list[tuple[str, int]] = []  # (the block's tag, the element depth where it began)
    for match in _TOKENS.finditer(source):
        closing, name, empty, tag, rest = match.groups()
        if name:
            if empty:
                continue
            if not closing:
                stack.append(name)
            elif not stack or stack[-1] != name or blocks and len(stack) <= blocks[-1][1]:
                return f"</{name}>"
            else:
                stack.pop()
        elif tag in _OPENERS or tag == "set" and "=" not in rest:
            blocks.append((tag, len(stack)))
        elif tag in ("elif", "else") or tag.startswith("end"):
            if not blocks or len(stack) != blocks[-1][1]:
                return "{% " + tag + " %}"
            if tag.startswith("end"):
                blocks.pop()
    return None


def empty_elements(source: str) -> list[tuple[str, str]]:
    """(`<x …></x>`, `<x …/>`) for each element of a template source that can render empty: those
    whose content begins with jinja, those docxtpl wrote empty, and the texts of resolve_listing."""
    starts = {m.group(0): m.group(1) for m in _BEFORE_JINJA.finditer(source)}
    starts.update((m.group(0)[:m.group(0).index(">") + 1], m.group(1)) for m in _EMPTY_ELEMENT.finditer(source))
    starts['<w:t xml:space="preserve">'] = "w:t"
    return sorted((start + f"</{name}>", start[:-1] + "/>") for start, name in starts.items())


PATCHED_FOLDER = "docxtpl"  # in perfgen's cache folder: docxtpl's patch_xml of each template source met


@lru_cache(maxsize=1)
def _docxtpl_code() -> str:
    """sha256 over docxtpl's source files, found without importing it (another docxtpl: other keys)."""
    import importlib.util

    spec = importlib.util.find_spec("docxtpl")
    if spec is None or not spec.origin:
        raise ModuleNotFoundError("docxtpl")
    parts = [f"{f.name}\0".encode("utf-8") + f.read_bytes() for f in sorted(Path(spec.origin).parent.glob("*.py"))]
    return sha256(b"\0".join(parts))


def patched_xml(source: str, path: Path) -> str:
    """docxtpl's `patch_xml` of a template's document source, remembered in perfgen's cache folder
    by the sha256 of the source and of docxtpl's own code: importing docxtpl (with python-docx, some
    80 ms) and its patch (~16 ms a template) are paid once per template, not by every process that
    renders. What is remembered is text, the jinja source: it is still compiled, and runs in the
    sandbox, in every process. An entry holds its own sha256 first: one that does not match it (cut
    short, edited) is patched again; a cache that cannot be read or written is only slower."""
    try:
        key = sha256(source.encode("utf-8") + b"\0" + _docxtpl_code().encode("ascii"))
    except (OSError, ModuleNotFoundError, UnicodeEncodeError):
        key = None
    store = cache_folder() / PATCHED_FOLDER / f"{key}.xml"  # (unused without a key)
    if key is not None:
        try:
            digest, _, text = store.read_bytes().partition(b"\n")
            if digest == sha256(text).encode("ascii"):
                return text.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            pass
    from docxtpl import DocxTemplate

    patched = DocxTemplate(str(path)).patch_xml(source)
    if key is not None:
        data = patched.encode("utf-8")
        temporary = store.with_name(f".{key}.{os.getpid()}.tmp")
        try:
            store.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(sha256(data).encode("ascii") + b"\n" + data)
            os.replace(temporary, store)  # whole or not at all, for processes reading it meanwhile
            _prune(store.parent)
        except (OSError, UnicodeEncodeError):
            try:
                temporary.unlink(missing_ok=True)
            except OSError:
                pass
    return patched


PATCHED_KEPT = 64  # entries kept (the newest written): a template edited again and again leaves no trail


def _prune(folder: Path) -> None:
    from ..tidy import prune

    prune(folder, PATCHED_KEPT, suffix=".xml")  # not the temporary files other processes write


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
        try:
            self.printing = PrintTemplate(parts, document, style or PrintStyle())
        except VariantError as exc:
            raise VariantError(f"Word 模板 {path}：{exc}") from exc
        source = etree.tostring(document, xml_declaration=True, encoding="UTF-8", standalone=True).decode("utf-8")
        self.names = [name for name, _ in self.printing.parts]
        self.parts: list[Entry | None] = deflated(self.printing.parts)
        self.shapes = Shapes()  # the shapes of this template's cells, read as they are met
        # docxtpl marks paragraphs with a newline before jinja sees them, then removes the marks
        patched = _P_OPEN.sub(r"\n<w:p\1", patched_xml(source, path))
        broken = unbalanced_block(patched)
        if broken is not None:
            raise VariantError(f"Word 模板 {path} 中 {{% %}} 标记与表格结构交错（在 {broken} 处）：每个 {{% if %}}、"
                               "{% for %} 的各部分须包含完整的段落、单元格或行")
        # every value in a text: escaped as lxml writes it, so the rendered text needs no parse
        self.text_values = not _VALUE_IN_TAG.search(patched)
        self.empty = empty_elements(patched)
        autoescape = not (self.text_values and _plain(patched))
        self.values = _Values(markup=autoescape)
        env = template_environment(self.values.print if self.text_values else None, autoescape=autoescape)
        # compiled without docxtpl's paragraph marks, which only number the lines of an error
        # message: the text after jinja then needs no pass to remove them (`rendered`)
        unmarked = _unmarked(patched)
        try:
            self.template = env.from_string(unmarked)
        except TemplateError:
            try:
                env.from_string(patched)  # the same error, said at the line of its paragraph
            except TemplateError as exc:
                raise VariantError(f"Word 模板 {path} 中的占位符有误：{exc}") from exc
            raise
        # what the text pass after jinja rewrites (_AFTER_JINJA) can come only from values, but
        # in a template that holds it itself (past the XML declaration's line), prints a constant
        # holding it (folded through finalize when compiled), or escapes values with autoescape
        self.always_after = (not self.text_values or self.values.after
                             or any(s in unmarked[unmarked.index("<", unmarked.index("?>")):] for s in _AFTER_JINJA))

    def rendered(self, context: dict[str, Any]) -> Document:
        """The rendered document, read once (rendered.py), its merges made and its amount cells
        given their exact amounts."""
        self.values.after = False
        try:
            xml = self.template.render(context)
        except SecurityError as exc:
            raise VariantError(f"Word 模板 {self.path} 试图执行不允许的操作（{exc}）：模板只能填写数据，已停止") from exc
        except TemplateError as exc:
            raise VariantError(f"Word 模板 {self.path} 渲染失败：{exc}") from exc
        if self.always_after or self.values.after:  # docxtpl's pass after jinja, where it can change anything
            # a value's newline before a paragraph goes, as docxtpl removes its marks (_P_OPEN)
            xml = xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
            if "{_" in xml or "_}" in xml:  # docxtpl's escapes of literal {{ }} {% %}
                xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
            xml = listed(xml)  # only paragraphs with a tab, line or page break in a text
        try:
            document = read(self.canonical(xml), self.shapes)
        except (etree.XMLSyntaxError, ValueError) as exc:
            raise VariantError(f"Word 模板 {self.path} 生成的文档不是有效的 XML（{exc}）：请检查模板中的"
                               "占位符和 {% %} 标记是否成对、是否跨越了单元格或段落") from exc
        apply_vertical_merges(document, self.shapes)
        self.printing.mark_numbers(document, context.get("金额") or {})
        return document

    def canonical(self, xml: str) -> str:
        """The rendered text as lxml writes the tree it parses to (rendered.py reads that form)."""
        if "\r" in xml or not self.text_values:
            return reparsed(xml)
        for empty, collapsed in self.empty:
            xml = xml.replace(empty, collapsed)
        return xml

    def render_xml(self, context: dict[str, Any]) -> etree._Element:
        """The rendered document as a tree, its merges made (for the 汇总 document and the importer)."""
        return etree.fromstring(self.rendered(context).text().encode("utf-8"))

    @classmethod
    def for_variant(cls, variant: Any) -> "WordTemplate":
        """The template of a variant, printed with its `print:` settings."""
        return cls(variant.word_template, variant.print_style)

    def render(self, context: dict[str, Any]) -> tuple[bytes, Document]:
        """The .docx bytes and the rendered document (the Excel writer reads its table; its
        amount cells carry their exact value)."""
        document = self.rendered(context)
        xml, core = self.printing.finish(document, context)
        fresh = {DOCUMENT: xml, "docProps/core.xml": core}
        return zip_bytes(part or deflate(name, fresh[name]) for name, part in zip(self.names, self.parts)), document
