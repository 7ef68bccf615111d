"""Word rendering: escaping, line breaks, merges, fonts and page setup, re-parsed from the bytes."""
import io
import zipfile

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from generator.render.context import CONTINUE
from generator.render.ooxml import W, cell_text, rows_with_columns, v_merge

from test_model import BASE, VARIANT, build
from generator.render.context import project_context
from generator.render.docx import WordTemplate

TEMPLATE = WordTemplate(VARIANT.word_template)
NASTY = 'A<B & "C" \'D\' <2次 > x\n第二行'


def rendered(text: str):
    """The .docx and the rendered document (rendered.Document, what the Excel writer reads)."""
    project, problems = build(text)
    assert not problems, problems
    return TEMPLATE.render(project_context(project, VARIANT))


def render(text: str):
    data, document = rendered(text)
    return data, etree.fromstring(document.text().encode("utf-8"))  # the table as rendered, before its pages


def test_special_characters_survive_and_newlines_break():
    goal = "年度总体目标: |-\n" + "".join(f"  {line}\n" for line in NASTY.split("\n"))
    spec = BASE.replace("年度总体目标: g\n", goal) + "项目资金: 1\n绩效指标: {数量指标: {'< 2次 & <b>': '< 2次'}}\n"
    data, _ = render(spec)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        etree.fromstring(archive.read("word/document.xml"))  # well-formed XML
    document = docx.Document(io.BytesIO(data))
    texts = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert 'A<B & "C" \'D\' <2次 > x\n第二行' in texts
    assert "< 2次 & <b>" in texts and "<2.00(次)" in texts


def test_level1_and_level2_merge_vertically():
    _, root = render(BASE + "项目资金: 1\n绩效指标:\n  数量指标: {a: =1人, b: =2人}\n  质量指标: {c: 合格}\n"
                            "  服务对象满意度指标: {d: ≥90%}\n")
    table = root.findall(f"{W}body/{W}tbl")[-1]  # the indicator grid: a table of its own (its header repeats)
    rows = list(rows_with_columns(table))[-4:]
    level1 = [(cell_text(cells[1][2]), v_merge(cells[1][2])) for _, cells in rows]
    level2 = [(cell_text(cells[2][2]), v_merge(cells[2][2])) for _, cells in rows]
    assert level1 == [("产出指标", "restart"), ("", "continue"), ("", "continue"), ("满意度指标", None)]
    assert level2 == [("数量指标", "restart"), ("", "continue"), ("质量指标", None), ("服务对象满意度指标", None)]
    assert CONTINUE not in etree.tostring(root, encoding="unicode")
    # the 绩效指标 label spans its header row and every indicator row
    label = [v_merge(cells[0][2]) for _, cells in list(rows_with_columns(table))[-5:]]
    assert label == ["restart", "continue", "continue", "continue", "continue"]


def test_page_fonts_and_grid():
    data, _ = render(BASE + "项目资金: 1\n绩效指标: {数量指标: {a: =1人}}\n")
    document = docx.Document(io.BytesIO(data))
    section = document.sections[0]
    assert (round(section.page_width.cm), round(section.page_height.cm)) == (21, 30)
    styles = etree.tostring(document.styles.element, encoding="unicode")
    assert 'w:eastAsia="宋体"' in styles
    tbl = document.tables[0]._tbl
    assert tbl.tblPr.find(f"{W}tblLayout").get(f"{W}type") == "fixed"
    assert all(tbl.tblPr.find(f"{W}tblBorders/{W}{edge}") is not None for edge in ("top", "insideH", "insideV"))


def test_title_checkboxes_and_formats():
    data, _ = render(BASE.replace("经常性项目", "一次性项目") + "项目资金: 19200\n绩效指标: {数量指标: {a: =1人, b: ≥40(公顷)}}\n")
    document = docx.Document(io.BytesIO(data))
    assert [p.text for p in document.paragraphs[:2]] == ["财政项目支出绩效目标表", "(2024年度)"]
    texts = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "专项资金 ☐ 经常性项目 ☐ 一次性项目 ☑" in texts
    assert "2024/1/1" in texts and "1.92" in texts and "=1.00(人)" in texts and "≥40(公顷)" in texts


def test_line_breaks_are_resolved_as_docxtpl_resolves_them():
    """Only paragraphs with a tab or a break in a text go through resolve_listing; the result is
    the document docxtpl's own pass over every paragraph gives."""
    from generator.render.merge import apply_vertical_merges
    from generator.render.rendered import Shapes, read, reparsed

    project, problems = build(BASE + "项目资金: 1\n绩效指标: {数量指标: {a: '多\n\n  行'}}\n")
    assert not problems
    context = project_context(project, VARIANT)
    context["项目总目标"] = "甲\t乙\n丙\f丁\a戊"  # every character docxtpl rewrites (a context may hold any)
    marked = TEMPLATE.template.render(context)
    from docxtpl import DocxTemplate

    source = DocxTemplate("x").resolve_listing(marked.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>"))
    expected = read(reparsed(source), Shapes())
    apply_vertical_merges(expected, Shapes())
    assert TEMPLATE.rendered(context).text() == expected.text()
    expected = etree.fromstring(expected.text().encode("utf-8"))
    assert b"<w:tab/>" in etree.tostring(expected) and b'<w:br w:type="page"/>' in etree.tostring(expected)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(list("甲a <&>\"'{}_%\t\n\x07\x0c") + ["<w:p ", "{_{", "%_}", "\n<w:p>"]),
                         max_size=12).map("".join), min_size=3, max_size=3))
def test_the_pass_after_jinja_runs_only_where_it_changes_something(texts):
    """The template is compiled without docxtpl's paragraph marks and its pass after jinja runs only
    when a value holds what it rewrites: any values give the text the pass over every table gives."""
    assert not TEMPLATE.always_after  # the shipped template holds nothing the pass rewrites
    project, problems = build(BASE + "项目资金: 1\n绩效指标: {数量指标: {a: =1人}}\n")
    assert not problems
    context = project_context(project, VARIANT)
    context["项目总目标"], context["年度总体目标"], context["项目名称"] = texts
    fast = TEMPLATE.rendered(context).text()
    TEMPLATE.always_after = True
    try:
        assert TEMPLATE.rendered(context).text() == fast
    finally:
        TEMPLATE.always_after = False


def test_values_escape_themselves_unless_a_template_reuses_markup():
    """A template of loops, conditions and values: each value escaped once, by finalize (no
    autoescape); with a macro, a call or a block jinja's autoescape tells markup from text."""
    from generator.render.docx import _plain, template_environment, text_value

    assert _plain("{% for r in rows %}{% if r.a %}{{ r.a }}{% elif x %}{% else %}{% endif %}{% endfor %}"
                  "{% set n = 1 %}")
    assert not _plain("{% macro m(x) %}<w:t>{{ x }}</w:t>{% endmacro %}{{ m(1) }}")
    assert not _plain("{% set block %}<w:br/>{% endset %}")
    plain = template_environment(text_value, autoescape=False)
    assert plain.from_string("{{ x }}").render(x='<a & "b">') == '&lt;a &amp; "b"&gt;'
    marked = template_environment(text_value)
    macro = "{% macro m(x) %}<w:t>{{ x }}</w:t>{% endmacro %}{{ m('<') }}"
    assert marked.from_string(macro).render() == "<w:t>&lt;</w:t>"
    with pytest.raises(ValueError):
        template_environment(None, autoescape=False)



@given(st.one_of(st.text(st.sampled_from("甲a <&>\n{_")), st.integers()))
def test_a_value_prints_as_text_value_prints_it(value):
    """finalize gives text_value's characters: a plain str without autoescape (jinja's str() of
    it is then no copy), markup with it; a text with what the pass after jinja rewrites notes it."""
    from markupsafe import Markup

    from generator.render.docx import _Values, text_value

    for markup in (False, True):
        values = _Values(markup)
        for _ in range(2):  # as met, then as remembered
            values.after = False
            out = values.print(value)
            assert out == text_value(value) and (type(out) is Markup) == (markup or type(value) is not str)
            assert values.after == any(s in str(value) for s in ("\n", "{_"))

@pytest.mark.parametrize("source, broken", [
    ("<w:p>{% if a %}<w:r>{% endif %}</w:r></w:p>", "{% endif %}"),
    ("{% for r in rows %}<w:tr>{% endfor %}</w:tr>", "{% endfor %}"),
    ("<w:tbl>{% if a %}</w:tbl>{% endif %}", "</w:tbl>"),
    ("<w:p>{% if a %}<w:r><w:t>{{ x }}</w:t></w:r>{% elif b %}<w:r/>{% else %}{% endif %}</w:p>", None),
    ("{% for r in rows %}<w:tr><w:tc><w:p/></w:tc></w:tr>{% endfor %}", None),
])
def test_a_block_must_hold_whole_elements(source, broken):
    """Every branch of a {% %} block holds whole elements: then any data renders to well-formed XML."""
    from generator.render.docx import unbalanced_block

    assert unbalanced_block(source) == broken


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["项目名称", "items", "keys", "get", "_x", "__class__", "a"]), st.integers(), max_size=4),
       st.sampled_from(["项目名称", "items", "keys", "get", "_x", "__class__", "a", "mro"]))
def test_a_dict_attribute_is_found_as_jinja_finds_it(data, name):
    """The template environment's shortcut for `x.name` on a dict gives what jinja's sandbox gives."""
    from jinja2 import StrictUndefined, Undefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from generator.render.docx import template_environment

    ours = template_environment(None).getattr(data, name)
    theirs = ImmutableSandboxedEnvironment(undefined=StrictUndefined).getattr(data, name)
    if isinstance(theirs, Undefined):
        assert isinstance(ours, Undefined)
    else:
        assert ours == theirs


# ---------------------------------------------------------------- docxtpl's patch, remembered

def _sources():
    """Every shipped template's document source, as WordTemplate gives it to patch_xml."""
    from conftest import TEMPLATES
    from generator.render import docx as module

    sources = []
    for folder in sorted(p for p in TEMPLATES.iterdir() if (p / "settings.yaml").is_file()):
        from generator.variant import Variant

        variant = Variant(folder)
        seen = []
        real = module.patched_xml
        module.patched_xml = lambda source, path: seen.append((source, path)) or real(source, path)
        try:
            WordTemplate.for_variant(variant)
        finally:
            module.patched_xml = real
        sources += seen
    return sources


def test_the_remembered_patch_is_docxtpls(tmp_path, monkeypatch):
    """patched_xml gives docxtpl's patch_xml of each shipped template: patched (cold), read back
    (warm), and patched again where the entry was cut short, edited, or the cache cannot be written."""
    from docxtpl import DocxTemplate

    from generator.render.docx import PATCHED_FOLDER, patched_xml

    monkeypatch.setenv("PERFGEN_CACHE", str(tmp_path / "cache"))
    sources = _sources()
    assert len(sources) >= 5
    for source, path in sources:
        expected = DocxTemplate(str(path)).patch_xml(source)
        assert patched_xml(source, path) == expected  # cold (or met while listing them)
        entries = list((tmp_path / "cache" / PATCHED_FOLDER).glob("*.xml"))
        assert entries and not list((tmp_path / "cache" / PATCHED_FOLDER).glob(".*"))
        assert patched_xml(source, path) == expected  # warm
    entry = sorted((tmp_path / "cache" / PATCHED_FOLDER).glob("*.xml"))[0]
    whole = entry.read_bytes()
    for broken in (whole[:len(whole) // 2], whole.replace(b"<w:", b"<x:", 1), b"", b"\xff\xfe"):
        entry.write_bytes(broken)
        assert [patched_xml(s, p) for s, p in sources] == [DocxTemplate(str(p)).patch_xml(s) for s, p in sources]
        assert entry.read_bytes() == whole  # written again whole
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("PERFGEN_CACHE", str(blocked))  # a cache folder that cannot be made
    source, path = sources[0]
    assert patched_xml(source, path) == DocxTemplate(str(path)).patch_xml(source)


def test_a_template_met_before_loads_without_docxtpl(tmp_path):
    """With the patch remembered, a process loads every template without importing docxtpl
    (python-docx); the tables built then are the bytes built cold."""
    import os
    import subprocess
    import sys

    from conftest import EXAMPLES, TEMPLATES

    env = {**os.environ, "PERFGEN_CACHE": str(tmp_path / "cache")}
    build = ("import sys\nfrom pathlib import Path\nfrom generator.batch import run\n"
             f"run(Path({str(EXAMPLES)!r}), Path(sys.argv[1]), Path({str(TEMPLATES)!r}))\n")
    load = ("import sys\nfrom pathlib import Path\nfrom generator.render.docx import WordTemplate\n"
            "from generator.variant import Variant\n"
            f"for folder in sorted(Path({str(TEMPLATES)!r}).iterdir()):\n"
            "    if (folder / 'settings.yaml').is_file():\n"
            "        WordTemplate.for_variant(Variant(folder))\n"
            "print('docxtpl' in sys.modules, 'docx' in sys.modules)")
    for out in ("a", "b"):
        subprocess.run([sys.executable, "-c", build, str(tmp_path / out)], env=env, check=True, capture_output=True)
    loaded = subprocess.run([sys.executable, "-c", load], env=env, check=True, capture_output=True, text=True)
    assert loaded.stdout.split() == ["False", "False"]
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.docx"))
    assert files and all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)


def resolve_listing(xml: str) -> str:
    """docxtpl's resolve_listing as perfgen makes it: each paragraph's (`listed` makes it of those
    that hold a tab or a break)."""
    from generator.render.docx import _PARAGRAPH, _listed_paragraph

    return _PARAGRAPH.sub(lambda paragraph: _listed_paragraph(paragraph.group(0)), xml)


# pieces of paragraphs as docxtpl's resolve_listing meets them: runs with and without properties,
# texts holding what it rewrites, the tags its expressions look for written oddly
_LISTING_PIECES = ["<w:p>", '<w:p w:rsidR="1">', "</w:p>", "<w:pPr>", "</w:pPr>", "<w:jc/>", "<w:r>", '<w:r w:x="y">',
                   "</w:r>", "<w:rPr>", "</w:rPr>", "<w:b/>", "<w:t>", '<w:t xml:space="preserve">', "</w:t>",
                   "<w:tab/>", "<w:p/>", "<w:rPrX>", "甲", "a", " ", "\t", "\n", "\x07", "\x0c", ">", "<"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_LISTING_PIECES), max_size=40).map("".join))
def test_resolve_listing_is_docxtpls(xml):
    """perfgen's resolve_listing of a paragraph (docxtpl is not imported to render) is docxtpl's, on any text."""
    from docxtpl import DocxTemplate

    assert resolve_listing(xml) == DocxTemplate("x").resolve_listing(xml)



_LISTING_TEXT = st.text(st.sampled_from("甲a \t\n\x07\x0c<>"), max_size=6)
_LISTING_RUN = st.builds("<w:r>{}<w:t>{}</w:t></w:r>".format, st.sampled_from(["", "<w:rPr><w:b/></w:rPr>"]),
                         _LISTING_TEXT)
# paragraphs of runs, and the pieces between (and in) them, written oddly
_LISTING_PARAGRAPH = st.builds("{}{}{}".format, st.sampled_from(["<w:p>", '<w:p w:x="1">', "<w:p/>", "<w:pPr>"]),
                               st.lists(_LISTING_RUN, max_size=3).map("".join),
                               st.sampled_from(["</w:p>", "</w:p></w:tc><w:tc>", ""]))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_LISTING_PARAGRAPH, st.sampled_from(_LISTING_PIECES + ["<w:pPr/>", "<w:p", "<w:p "])),
                max_size=12).map("".join))
def test_listed_is_the_expressions_pass(xml):
    """`listed` (paragraphs found with str.find) is the pass rendered() made with the expression:
    resolve_listing of each paragraph holding a tab or a break in a text, on any text."""
    from generator.render.docx import _PARAGRAPH, _SPECIAL_TEXT, listed

    expected = _PARAGRAPH.sub(lambda m: resolve_listing(m.group(0)) if _SPECIAL_TEXT.search(m.group(0))
                              else m.group(0), xml)
    assert listed(xml) == expected

def test_resolve_listing_is_docxtpls_on_a_paragraph():
    from docxtpl import DocxTemplate

    paragraph = ('<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/></w:rPr>'
                 '<w:t xml:space="preserve">a\nb\tc\x07d\x0ce</w:t></w:r></w:p>')
    assert resolve_listing(paragraph) == DocxTemplate("x").resolve_listing(paragraph)
    assert resolve_listing(paragraph).count("<w:p>") == 4  # \a begins one, \f two (the break's own)


def test_the_remembered_patches_are_bounded(tmp_path, monkeypatch):
    """Only the newest PATCHED_KEPT entries stay: a template edited again and again leaves no trail."""
    from generator.render import docx as module

    monkeypatch.setenv("PERFGEN_CACHE", str(tmp_path))
    monkeypatch.setattr(module, "PATCHED_KEPT", 3)
    source, path = _sources()[0]
    for i in range(5):
        module.patched_xml(source.replace("<w:body>", f"<w:body><!-- {i} -->", 1), path)
    kept = list((tmp_path / module.PATCHED_FOLDER).iterdir())
    assert len(kept) == 3 and all(p.suffix == ".xml" for p in kept)
    assert module.patched_xml(source.replace("<w:body>", "<w:body><!-- 4 -->", 1), path)  # the newest, read back
