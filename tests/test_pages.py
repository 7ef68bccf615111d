"""Page layout estimates (render/pages.py): wrapping, lone last characters, widths from labels, breaks."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from generator.render import pages


def test_labels_that_wrap_leaving_one_character():
    assert pages.wrapped("经济成本指标", 5) == ("经济成本指", "标")
    assert pages.lone_last_character("经济成本指标", 5) and not pages.lone_last_character("经济成本指标", 6)
    assert pages.wrapped("项目资金 (万元)", 4) == ("项目资金 ", "(万元)")  # breaks at the space, not in (万元)
    assert pages.wrapped("纠纷≤19200.00", 6) == ("纠纷", "≤19200.00")  # a number is not cut when it fits a line


def test_the_width_of_a_column_comes_from_its_labels():
    level2 = ["数量指标", "经济成本指标", "生态环境成本指标", "可持续影响指标", "服务对象满意度指标"]
    assert pages.fitting_width(level2, 4) == 9  # 5 to 8 characters a line each leave one alone somewhere
    assert pages.fitting_width(["满意度"], 2) == 3 and pages.fitting_width(["项目资金总额"], 4) == 4


@given(st.text(alphabet="经济指标成本abc 12.%（）", max_size=60), st.floats(min_value=1, max_value=20))
def test_wrapping_keeps_every_character_and_fills_lines(text, width):
    lines = pages.wrapped(text, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines:  # a line holds what fits, unless one character alone is wider than the line
        assert pages.text_em(line.strip(" ")) <= width + 1e-6 or len(line.strip(" ")) == 1


def test_pages_break_between_rows_and_repeat_the_header():
    heights = [100, 300, 300, 300, 300]
    assert pages.page_breaks(heights, 700) == [3]
    # from the second page on, a 100-point header repeats: rows 1-2 fill page 1, 3-4 page 2
    assert pages.page_breaks(heights, 700, [0, 100, 100, 100, 100]) == [3]
    assert pages.page_breaks([800, 10], 700) == [1]  # a row taller than a page stays where it is
    assert pages.page_breaks([10] * 10, 700) == []


@given(st.text(st.sampled_from("经济成本指标 ab1.%≥（）\n\t\u3000\xa0𠀀"), max_size=60), st.floats(0.5, 30))
def test_line_count_is_the_number_of_wrapped_lines(text, width):
    assert pages.line_count(text, width) == (max(1, len(pages.wrapped(text, width))) if text else 1)


@given(st.text(st.sampled_from("经济成本指标 ab1.%≥（）\n\u3000"), max_size=200), st.floats(0.5, 40))
def test_runs_of_full_width_characters_are_counted_as_wrapped(text, width):
    """Long goals are mostly full-width characters, counted a run at a time: the lines wrapped."""
    assert pages.line_count(text, width) == (max(1, len(pages.wrapped(text, width))) if text else 1)
    for whole in (1, 2, 5, 11):
        run = "经" * (len(text) % 37 + 1)
        assert pages.line_count("ab" + run + text, whole) == len(pages.wrapped("ab" + run + text, whole))


def test_cells_grow_their_row_and_a_merge_its_last_row():
    """pages.fit, shared by the Word page layout and both Excel writers: one-row cells first, then
    a merged cell that needs more than its rows have grows the last of them."""
    heights = [0.0, 10.0, 10.0, 10.0]
    assert pages.fit(heights, [(1, 3, 50.0), (2, 2, 15.0), (1, 1, 8.0)]) == [0.0, 10.0, 15.0, 25.0]
    assert pages.fit([0.0, 30.0, 30.0], [(1, 2, 50.0)]) == [0.0, 30.0, 30.0]  # room enough: unchanged
