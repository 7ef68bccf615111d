"""The rendered document read once as text (render/rendered.py): the text is lxml's own form, and
what is read from it is what the lxml readers (ooxml.cell_text, cell_properties) read."""
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from lxml import etree

from generator.build import plan_folder
from generator.errors import Problems, VariantError
from generator.forms import form_of
from generator.render.context import project_context
from generator.render.docx import WordTemplate, text_value
from generator.render.ooxml import W, cell_properties, cell_text
from generator.render.rendered import Shapes, check_template, read, reparsed

from test_model import BASE, VARIANT, build

EXAMPLES = Path(__file__).resolve().parent.parent / "specs" / "examples"
TEMPLATE = WordTemplate(VARIANT.word_template)


def _rendered_texts():
    """(template, jinja's text) of every bundled example table."""
    out, templates = [], {}
    for folder in sorted(p for p in EXAMPLES.iterdir() if p.is_dir()):
        plan = plan_folder(folder, folder / "out", Path("templates"), Problems())
        if plan is None:
            continue
        variant = plan.variant
        word = templates.setdefault(variant.folder, WordTemplate.for_variant(variant))
        for project in plan.projects:
            out.append((word, word.template.render(form_of(variant).context(project, variant))))
    return out


RENDERED = _rendered_texts()


def _marks_removed(xml: str) -> str:
    return xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")


def test_every_example_renders_to_lxmls_own_form_without_a_parse():
    assert len(RENDERED) >= 20
    for word, xml in RENDERED:
        xml = _marks_removed(xml)
        assert word.canonical(xml) == reparsed(xml)


def test_cells_read_as_the_lxml_readers_read_them():
    for word, xml in RENDERED[:12]:
        text = word.canonical(_marks_removed(xml))
        document = read(text, Shapes())
        tree = etree.fromstring(text.encode("utf-8"))
        tables = tree.find(f"{W}body").findall(f"{W}tbl")
        assert len(tables) == len(document.tables)
        for table, tbl in zip(document.tables, tables):
            for row, tr in zip(table.rows, tbl.iterfind(f"{W}tr"), strict=True):
                col = 0
                for cell, tc in zip(row.cells, tr.iterfind(f"{W}tc"), strict=True):
                    span, merge, valign = cell_properties(tc)
                    assert (cell.col, cell.span, cell.merge, cell.shape.valign) == (col, span, merge, valign)
                    assert cell.text == cell_text(tc)
                    assert text[row.at + cell.start:row.at + cell.end] == cell.raw
                    col += span


# values as a spec can hold them: any printable text (the loader refuses control characters)
_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
                min_size=1, max_size=30).filter(str.strip)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(goal=_TEXT, name=_TEXT, value=_TEXT)
def test_any_value_renders_to_lxmls_form_and_reads_back(goal, name, value):
    project, problems = build(BASE.replace("年度总体目标: g", f"年度总体目标: {_quoted(goal)}")
                              + f"项目资金: 1\n绩效指标: {{数量指标: {{{_quoted(name)}: {_quoted(value)}}}}}\n")
    if project is None:
        return  # a value the model refuses (an indicator value it cannot read): nothing rendered
    context = project_context(project, VARIANT)
    xml = TEMPLATE.template.render(context)
    xml = _marks_removed(xml)
    assert TEMPLATE.canonical(xml) == reparsed(xml)
    document = TEMPLATE.rendered(context)
    tree = etree.fromstring(document.text().encode("utf-8"))
    assert [cell.text for cell in document.cells()] == [
        cell_text(tc) for tbl in tree.find(f"{W}body").iterfind(f"{W}tbl") for tc in tbl.iter(f"{W}tc")]


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") \
        .replace("\t", "\\t") + '"'


def test_a_value_escapes_as_lxml_escapes_text():
    assert text_value('a<b & "c" \'d\' >') == 'a&lt;b &amp; "c" \'d\' &gt;'
    with pytest.raises(VariantError, match="控制字符"):
        text_value("bell\x01")


def _document(body: str) -> etree._Element:
    return etree.fromstring(f'<w:document xmlns:w="{W[1:-1]}"><w:body>{body}</w:body></w:document>')


@pytest.mark.parametrize("body", [
    "<w:tbl><w:tr><w:tc><w:tbl><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl></w:tc></w:tr></w:tbl>",
    "<w:sdt><w:sdtContent><w:p/></w:sdtContent></w:sdt>",
])
def test_what_the_reading_does_not_follow_is_refused_when_a_template_loads(body):
    with pytest.raises(VariantError):
        check_template(_document(body))


def test_comments_in_a_template_are_dropped():
    document = _document("<!-- a note --><w:p><w:r><w:t>x</w:t></w:r></w:p>")
    check_template(document)
    assert b"<!--" not in etree.tostring(document)


def test_shapes_stay_bounded(monkeypatch):
    monkeypatch.setattr(Shapes, "LIMIT", 8)
    shapes = Shapes()
    for word, xml in RENDERED[:5]:
        read(word.canonical(_marks_removed(xml)), shapes)
        assert len(shapes.cells) <= 8 and len(shapes.edits) <= 8


def test_a_document_missing_an_end_tag_is_an_error_not_a_hang():
    xml = (f'<?xml version="1.0"?>\n<w:document xmlns:w="{W[1:-1]}"><w:body><w:tbl><w:tr><w:tc><w:p/>'
           "</w:tr></w:tbl></w:body></w:document>")
    with pytest.raises(VariantError, match="</w:tc>"):
        read(xml, Shapes())


def test_a_table_without_rows_and_a_row_without_cells_read():
    """A loop that rendered nothing leaves a table with no rows, or a row with no cells."""
    body = ("<w:tbl><w:tblPr/><w:tblGrid><w:gridCol w:w=\"100\"/></w:tblGrid></w:tbl>"
            "<w:tbl><w:tblPr/><w:tblGrid/><w:tr><w:trPr/></w:tr></w:tbl>")
    xml = f'<?xml version="1.0"?>\n<w:document xmlns:w="{W[1:-1]}"><w:body>{body}</w:body></w:document>'
    document = read(xml, Shapes())
    assert [len(t.rows) for t in document.tables] == [0, 1] and document.tables[0].widths == [100]
    assert document.tables[1].rows[0].cells == [] and document.text() == xml



def test_rows_apart_read_as_rows_next_to_each_other():
    """A table's end is looked for where its rows stop following each other at once: whatever is
    between two rows or after the last (a bookmark, white space) is stepped over."""
    row = "<w:tr><w:tc><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc></w:tr>"
    tight = f"<w:tbl><w:tblPr/><w:tblGrid/>{row.format('a')}{row.format('b')}</w:tbl><w:p/>"
    apart = f"<w:tbl><w:tblPr/><w:tblGrid/>{row.format('a')}<w:bookmarkEnd/>\n{row.format('b')} </w:tbl><w:p/>"
    texts = []
    for body in (tight, apart, apart + tight):
        xml = f'<?xml version="1.0"?>\n<w:document xmlns:w="{W[1:-1]}"><w:body>{body}</w:body></w:document>'
        document = read(xml, Shapes())
        texts.append([[cell.text for row_ in table.rows for cell in row_.cells] for table in document.tables])
        assert [type(block).__name__ for block in document.blocks] == ["Table", "Paragraph"] * len(document.tables)
    assert texts == [[["a", "b"]], [["a", "b"]], [["a", "b"], ["a", "b"]]]


def test_a_row_at_its_place_in_the_last_document_is_compared_first():
    """A row as long as the row at its place in the document read last is compared with it before
    its text is looked up: the same row gives the same cells; another of the same length its own."""
    row = "<w:tr><w:tc><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc></w:tr>"
    shapes = Shapes()

    def cells(*texts):
        body = "<w:tbl><w:tblPr/><w:tblGrid/>" + "".join(row.format(t) for t in texts) + "</w:tbl>"
        xml = f'<?xml version="1.0"?>\n<w:document xmlns:w="{W[1:-1]}"><w:body>{body}</w:body></w:document>'
        return [r.shared for r in read(xml, shapes).tables[0].rows]

    first = cells("甲", "乙", "丙")
    again = cells("甲", "丁", "丙", "戊")
    assert again[0] is first[0] and again[2] is first[2]
    assert [r[0].text for r in again] == ["甲", "丁", "丙", "戊"]
    assert cells("乙", "甲")[1] is first[0]  # elsewhere: found by its text

_PIECES = st.lists(st.sampled_from(["<w:t>", '<w:t xml:space="preserve">', "</w:t>", "<w:r>", "</w:r>", "<w:br/>",
                                     "<w:p>", "</w:p>", "指标", "a", " ", "&amp;", ">", "<", "/"]), max_size=30)


@settings(max_examples=300, deadline=None)
@given(_PIECES)
def test_texts_split_out_as_the_expression_splits_them(pieces):
    """split_texts (str.find) gives what splitting by the regular expression gave, for any text."""
    from generator.render.rendered import _TEXT_SPLIT, split_texts

    raw = "".join(pieces)
    parts = _TEXT_SPLIT.split(raw)
    assert split_texts(raw) == ("".join(parts[::2]), "".join(parts[1::2]))


def test_rows_of_one_text_share_their_cells_until_one_changes():
    """A row met before reuses the cells first read (most of a department's rows repeat); a merge
    restarted and the amounts change a row's own copy, never another document's cell."""
    from generator.render.context import CONTINUE
    from generator.render.merge import apply_vertical_merges

    row = "<w:tr><w:tc><w:p><w:r><w:t>一级</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>x</w:t></w:r></w:p></w:tc></w:tr>"
    more = f"<w:tr><w:tc><w:p><w:r><w:t>{CONTINUE}</w:t></w:r></w:p></w:tc><w:tc><w:p/></w:tc></w:tr>"
    table = f"<w:tbl><w:tblPr/><w:tblGrid/>{{}}</w:tbl>"
    shapes = Shapes()
    plain = read(etree.tostring(_document(table.format(row + row)), encoding="unicode"), shapes)
    merged = read(etree.tostring(_document(table.format(row + more)), encoding="unicode"), shapes)
    first, again = plain.tables[0].rows
    assert first.cells[0] is again.cells[0] is merged.tables[0].rows[0].cells[0]  # read once
    apply_vertical_merges(merged, shapes)
    top = merged.tables[0].rows[0].cells[0]
    assert top.merge == "restart" and top.edited and top is not first.cells[0]
    assert first.cells[0].merge is None and not first.cells[0].edited  # the other document's is as read
    assert plain.text() == plain.source
    text = merged.text()
    assert text.count('w:vMerge w:val="restart"') == 1 and CONTINUE not in text
    for row_ in merged.tables[0].rows:  # offsets are the row's: where it begins plus the cell's own
        for cell in row_.cells:
            assert merged.source[row_.at + cell.start:row_.at + cell.end].startswith("<w:tc")



def test_a_continued_cell_is_made_once_for_every_row_of_its_text():
    """A CONTINUE cell becomes a continuation in the cells its row's text shares (every row of that
    text continues there): a later document's row holds it made, and still restarts the cell above."""
    from generator.render.context import CONTINUE
    from generator.render.merge import apply_vertical_merges

    top = "<w:tr><w:tc><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc></w:tr>"
    more = top.format(CONTINUE)
    table = "<w:tbl><w:tblPr/><w:tblGrid/>{}</w:tbl>"
    shapes = Shapes()
    texts = []
    for label in ("甲", "乙", "甲"):
        xml = etree.tostring(_document(table.format(top.format(label) + more + more)), encoding="unicode")
        document = read(xml, shapes)
        apply_vertical_merges(document, shapes)
        fresh = read(xml, Shapes())
        apply_vertical_merges(fresh, Shapes())
        assert document.text() == fresh.text()
        texts.append(document.text())
        rows = document.tables[0].rows
        assert rows[1].cells[0] is rows[1].shared[0] is rows[2].cells[0]  # made in place, not copied
        assert [row.cells[0].merge for row in rows] == ["restart", "continue", "continue"]
    assert texts[0] == texts[2] and texts[0].count('w:vMerge w:val="restart"') == 1

_WORDS = st.text(st.sampled_from("指标ab &<>\"'\t"), max_size=6)
_RUN = st.one_of(_WORDS.map(lambda t: ("t", t)), st.just(("br", "")), st.just(("tab", "")))
_CELL = st.fixed_dictionaries({
    "span": st.integers(1, 3), "merge": st.sampled_from([None, "restart", "continue"]),
    "valign": st.sampled_from([None, "top", "center"]), "bold": st.booleans(),
    "paragraphs": st.lists(st.lists(_RUN, max_size=3), min_size=0, max_size=3)})


def _tc(spec) -> etree._Element:
    tc = etree.Element(f"{W}tc")
    pr = etree.SubElement(tc, f"{W}tcPr")
    if spec["span"] > 1:
        etree.SubElement(pr, f"{W}gridSpan", {f"{W}val": str(spec["span"])})
    if spec["merge"]:
        etree.SubElement(pr, f"{W}vMerge", {f"{W}val": spec["merge"]} if spec["merge"] == "restart" else {})
    if spec["valign"]:
        etree.SubElement(pr, f"{W}vAlign", {f"{W}val": spec["valign"]})
    for runs in spec["paragraphs"]:
        p = etree.SubElement(tc, f"{W}p")
        for kind, text in runs:
            r = etree.SubElement(p, f"{W}r")
            if spec["bold"]:
                etree.SubElement(etree.SubElement(r, f"{W}rPr"), f"{W}b")
            node = etree.SubElement(r, f"{W}{kind}")
            if kind == "t":
                node.text = text or None
    return tc


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(_CELL, min_size=1, max_size=4), min_size=1, max_size=4))
def test_any_table_reads_as_the_lxml_readers_read_it(rows):
    root = _document("")
    tbl = etree.SubElement(root.find(f"{W}body"), f"{W}tbl")
    etree.SubElement(tbl, f"{W}tblPr")
    for cells in rows:
        tr = etree.SubElement(tbl, f"{W}tr")
        for spec in cells:
            tr.append(_tc(spec))
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True).decode("utf-8")
    document = read(xml, Shapes())
    for row, tr in zip(document.tables[0].rows, tbl.iterfind(f"{W}tr"), strict=True):
        col = 0
        for cell, tc in zip(row.cells, tr.iterfind(f"{W}tc"), strict=True):
            span, merge, valign = cell_properties(tc)
            assert (cell.col, cell.span, cell.merge, cell.shape.valign, cell.text) == (
                col, span, merge, valign, cell_text(tc))
            col += span
    assert document.text() == xml


def test_check_names_a_template_the_reading_does_not_follow(tmp_path):
    """`perfgen check` and the build's planning say it, at the template, before anything renders."""
    import zipfile

    from generator.render.placeholders import template_problems

    target = tmp_path / "table.docx"
    with zipfile.ZipFile(VARIANT.word_template) as source, zipfile.ZipFile(target, "w") as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body><w:sdt><w:sdtContent><w:p/></w:sdtContent></w:sdt>", 1)
            out.writestr(item, data)
    problems = template_problems(target, "目标", {}, {})
    assert [str(p.file) for p in problems] == [str(target)] and "内容控件" in problems[0].message
