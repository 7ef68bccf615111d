"""汇总.docx: every table of a spec folder in one Word file, a heading line above them.

A department hands in its tables as one file, with a line above the first table that says whose
they are (`上海市闵行区社会保障服务中心2024年度项目绩效目标汇总表`). A variant asks for the file with
`combined:` in its settings (the heading is a pattern over the folder's 主管部门, 实施单位 and 年度);
a folder of one table has no 汇总.docx (its table's .docx is that file).
Each table is the one its own .docx holds, laid out the same (the heading counts on the first
page), and begins on a new page; the same specs give the same bytes.
"""
from __future__ import annotations

import copy
from collections import Counter
from typing import Any

from lxml import etree

from ..write import deflate, zip_bytes
from .docx import DOCUMENT, WordTemplate
from .docx_print import FOOTER_ID, R_NS
from .ooxml import W
from .rendered import _PARAGRAPH, body_bounds, read

CORE = "docProps/core.xml"


def heading_text(pattern: str, projects: list[Any], year: int) -> str:
    """The heading for a folder: its 主管部门 and 实施单位 are the ones most of its tables name."""
    def common(values: list[str]) -> str:
        return Counter(values).most_common(1)[0][0] if values else ""

    return pattern.format(主管部门=common([p.department for p in projects]),
                          实施单位=common([p.unit for p in projects]), 年度=year)


def _heading(body: etree._Element, text: str) -> etree._Element:
    """A paragraph like the table's title (its fonts and alignment), holding `text`."""
    title = next(body.iterchildren(f"{W}p"))
    paragraph = copy.deepcopy(title)
    runs = paragraph.findall(f"{W}r")
    for run in runs[1:]:
        paragraph.remove(run)
    texts = runs[0].findall(f"{W}t") if runs else []
    if texts:
        texts[0].text = text
        for extra in texts[1:]:
            extra.getparent().remove(extra)
    return paragraph


_BEFORE_PAGE_BREAK = {f"{W}{tag}" for tag in ("pStyle", "keepNext", "keepLines")}   # in w:pPr's order


def _page_break_before(paragraph: etree._Element) -> None:
    props = paragraph.find(f"{W}pPr")
    if props is None:
        props = etree.Element(f"{W}pPr")
        paragraph.insert(0, props)
    at = sum(1 for element in props if element.tag in _BEFORE_PAGE_BREAK)
    props.insert(at, etree.Element(f"{W}pageBreakBefore"))


def combined_docx(word: WordTemplate, contexts: list[dict[str, Any]], heading: str) -> bytes:
    """The tables of `contexts` (one per project, in order) in one .docx, `heading` above them."""
    documents = []
    for index, context in enumerate(contexts):
        document = word.rendered(context)
        if index == 0 and heading:  # before the layout: it takes room on page one
            xml = document.text()
            holder = document.parse("")
            holder.append(_heading(etree.fromstring(xml.encode("utf-8")).find(f"{W}body"), heading))
            at = xml.index(">", xml.index("<w:body")) + 1
            document = read(xml[:at] + document.serialize(holder) + xml[at:], word.shapes)
        documents.append(word.printing.lay_out(document))
        if index == 0:
            first_core = word.printing.core(context)
            holder = document  # parses fragments in the document's namespaces
    # the tables after the first, each from a new page, before the first one's section properties
    base = documents[0]
    start, sect, end = body_bounds(base)
    moved = []
    for xml in documents[1:]:
        first, last, stop = body_bounds(xml)
        first = xml.index("<", first)  # the blocks, with what follows each (not the body's own text)
        blocks = xml[first:last if last != -1 else stop]
        if blocks.startswith("<w:p") and blocks[4] in " >/":
            title = _PARAGRAPH.match(blocks).group(0)
            root = holder.parse(title)
            _page_break_before(root[0])
            blocks = holder.serialize(root) + blocks[len(title):]
        moved.append(blocks)
    at = sect if sect != -1 else end
    data = base[:at] + "".join(moved) + base[at:]
    if len(documents) > 1 and word.printing.own_footer and sect != -1:
        close = data.find("</w:sectPr>", at)
        stop = close + len("</w:sectPr>") if close != -1 else data.index(">", at) + 1
        if "<w:footerReference" not in data[at:stop]:
            root = holder.parse(data[at:stop])
            root[0].insert(0, etree.Element(f"{W}footerReference", {f"{W}type": "default", f"{{{R_NS}}}id": FOOTER_ID}))
            data = data[:at] + holder.serialize(root) + data[stop:]
    data = data.encode("utf-8")
    fresh = {DOCUMENT: data, CORE: first_core}
    return zip_bytes(part or deflate(name, fresh[name]) for name, part in zip(word.names, word.parts))
