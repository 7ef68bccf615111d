"""Labels as the variants spell them, tables cut out of a file, the variant recognised as data."""
from __future__ import annotations

from generator.importer.grid import Cell, Document, Row
from generator.importer.labels import Fields, Labels, load_variants, recognize, split_forms

from conftest import TEMPLATES

VARIANTS = load_variants(TEMPLATES)
PROJECT = [v for v in VARIANTS if v.form == "project"]
LABELS = Labels(PROJECT, VARIANTS)


def row(*texts: str, source: int = 0) -> Row:
    return Row([Cell(t, i) for i, t in enumerate(texts)], source)


def paragraph(text: str) -> Row:
    return Row([Cell(text, 0)], paragraph=True)


def test_labels_match_small_differences_in_spelling():
    assert LABELS.match("其中：财政资金")[0] == LABELS.match("其中: 财政资金")[0] == ["财政资金"]
    assert LABELS.match("项目资金 (万元)") == (["项目资金"], "万元")
    assert LABELS.match("项目资金(元)") == (["项目资金"], "元")
    assert LABELS.match("项目资金") == (["项目资金"], None)
    assert LABELS.match("年度总体目标")[0] == LABELS.match("年度总目标")[0] == ["年度总体目标"]
    assert LABELS.match("项目 绩效 目标")[0] == ["项目绩效目标"]
    assert LABELS.match("指标值")[0] == ["指标值"]        # another form's spelling of the same column head
    assert LABELS.match("其他资金")[0] == ["其他资金", "年度其他资金"]   # the n-th occurrence, the n-th key
    assert LABELS.match("法律顾问费") is None and LABELS.match("") is None


def test_fields_read_values_to_the_right_and_below():
    rows = [
        row("项目名称", "法律顾问费", "", "项目类别", "经常性项目"),
        row("项目资金(元)", "项目资金总额", "", "100", "年度资金申请总额", "100"),
        row("", "其他资金", "-", "其他资金", "5"),
        row("项目绩效目标", "项目总目标", "", "年度总体目标", ""),
        row("", "长期目标", "", "年度目标", ""),
        row("", "第二行", "", "", ""),
    ]
    fields = Fields(rows, LABELS, {"项目名称", "项目类别", "项目资金总额", "年度资金申请总额", "其他资金", "年度其他资金",
                                   "项目总目标", "年度总体目标"})
    assert fields.text("项目名称") == "法律顾问费" and fields.text("项目类别") == "经常性项目"
    assert fields.qualifier("项目资金") == "元" and fields.text("项目资金总额") == "100"
    assert fields.text("其他资金") == "-" and fields.text("年度其他资金") == "5"
    assert fields.text("项目总目标") == "长期目标\n第二行" and fields.text("年度总体目标") == "年度目标"
    assert fields.text("主管部门") is None


def test_values_below_labels_that_stand_elsewhere_are_taken_in_order():
    rows = [row("年末在职人数", "内设机构数"), Row([Cell("52", 0), Cell("9", 4)])]
    fields = Fields(rows, Labels([v for v in VARIANTS if v.form == "unit"]), {"年末在职人数", "内设机构数"})
    assert (fields.text("年末在职人数"), fields.text("内设机构数")) == ("52", "9")


def test_a_label_repeated_by_an_export_is_read_once():
    fields = Fields([row("项目名称", "项目名称", "法律顾问费")], LABELS, {"项目名称"})
    assert fields.text("项目名称") == "法律顾问费"


def test_tables_are_cut_at_titles_and_at_a_second_identity_label():
    identities = {"项目名称"}
    titled = Document(None, [paragraph("附件1"), paragraph("财政项目支出绩效目标表"), paragraph("(2024年度)"),
                             row("项目名称", "甲"), row("绩效指标", source=1),            # continued on a page
                             paragraph("财政项目支出绩效目标申报表"), row("项目名称", "乙", source=2)])
    forms = split_forms(titled, VARIANTS, identities)
    assert [(f.number, f.title, f.year, len(f.rows)) for f in forms] == [
        (1, "财政项目支出绩效目标表", 2024, 2), (2, "财政项目支出绩效目标申报表", None, 1)]
    untitled = Document(None, [row("项目名称", "甲"), row("绩效指标"), row("项目名称", "乙"), row("绩效指标")])
    assert [len(f.rows) for f in split_forms(untitled, VARIANTS, identities)] == [2, 2]
    worded = Document(None, [paragraph("2023年度 财政项目支出绩效目标表"), row("项目名称", "丙")])
    assert [(f.title, f.year) for f in split_forms(worded, VARIANTS, identities)] == [("财政项目支出绩效目标表", 2023)]


def test_the_variant_is_recognised_from_title_and_labels():
    names = {v.name: v for v in VARIANTS}
    doc = Document(None, [paragraph("财政项目支出绩效目标申报表"), row("项目名称", "甲"), row("年度总目标")])
    assert recognize(split_forms(doc, VARIANTS, {"项目名称"})[0], VARIANTS) is names["2022申报表"]
    untitled = Document(None, [row("项目名称", "甲"), row("项目资金 (万元)", "项目资金总额"), row("年度总体目标")])
    assert recognize(split_forms(untitled, VARIANTS, {"项目名称"})[0], VARIANTS) is names["2024目标表"]
    unit = Document(None, [row("单位名称", "街道"), row("年度履职目标", "…")])
    assert recognize(split_forms(unit, VARIANTS, {"单位名称"})[0], VARIANTS) is names["2024单位整体"]
    other = Document(None, [row("会议名称", "x")])
    assert recognize(split_forms(other, VARIANTS, set())[0], VARIANTS) is None
