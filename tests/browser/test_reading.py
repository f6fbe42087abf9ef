"""The browser test's judgements of a rendered page, on examples (no browser needed)."""

import pytest

from tests.browser import _page as P

ITALIC = {c: chr(0x1D44E + i) for i, c in enumerate("abcdefg")} | {"h": "\u210e"}
ITALIC |= {c: chr(0x1D44E + 8 + i) for i, c in enumerate("ijklmnopqrstuvwxyz")}


def italic(word: str) -> str:
    return "".join(ITALIC.get(c, c) for c in word)


def test_a_price_pair_rendered_as_maths_is_flagged():
    # '$256 an hour, XLNet about $' as MathJax shows it, one symbol per line.
    shown = "\n".join("256") + "\n" + "\n".join(italic("anhour")) + "\n,\n"
    assert P.unintended_maths([shown]) and P.unintended_maths([italic("256 ab")])


@pytest.mark.parametrize("maths", ["d(y,y′)=12∑i|yi−yi′|", "Rtest(f,f^)", italic("x") + "2",
                                   "𝑐⋅(𝑑+1)", italic("d h c")])
def test_real_maths_is_not_flagged(maths):
    assert P.unintended_maths([maths]) == []


def test_written_numbers_skip_code_and_prose():
    source = "Intro\n1. one\n2) two\n```\n3. in code\n```\nAt 827 queries.\n   4. nested\n"
    assert P.written_numbers(source) == [1, 2, 4]


def cell(i, source, *lists):
    return {"cell": i, "source": source, "lists": [{"start": s, "items": n} for s, n in lists]}


def test_lists_numbered_as_written_pass():
    cells = [cell(0, "1. a\n2. b\n", (1, 2)), cell(1, "3. c\n", (3, 1)), cell(2, "1. x\n", (1, 1))]
    assert P.list_problems(cells) == []


def test_merged_list_items_are_flagged():
    # Algorithm 1 before the fix: steps 3-13 merged into one item, the last numbered 4.
    source = "".join(f"{k}. step\n" for k in range(1, 14))
    problems = P.list_problems([cell(0, source, (1, 4))])
    assert problems and "written [1, 2, 3" in problems[0]


def test_a_sentence_opening_with_a_number_is_flagged():
    # "827) queries ..." at the start of a line becomes a list item numbered 827.
    problems = P.list_problems([cell(4, "so we need\n827) queries in all.\n", (827, 1))])
    assert any("starts at 827" in p for p in problems)


@pytest.mark.parametrize("text, what", [
    (r"the loss \frac{a}{b} here", "LaTeX"), ("a **bold** word", "bold"),
    ("see [the paper](http://x)", "link"), ("call `f`", "backtick"),
    ("## Heading", "heading"), ("a <br> tag", "HTML"),
])
def test_raw_markup_is_flagged(text, what):
    assert any(what in p for p in P.raw_markup(text))


def test_clean_text_passes():
    assert P.raw_markup("A price of $0.0001 a query, 2 × 3 = 6, snake_case and a*b.") == []


def test_smallest_text_scales_with_the_shown_width():
    # 11 pt at 80 dpi is 12.2 px at natural size; a 22-inch figure squeezed into
    # 1,000 px shows it at 6.9 px.
    assert P.smallest_text_px(880, 880, font_pt=11, dpi=80) == pytest.approx(12.22, abs=0.01)
    assert P.smallest_text_px(22 * 80, 1000, font_pt=11, dpi=80) < 9


def test_describe_change_names_the_figure_and_the_changed_text():
    before = '<img src="data:image/png;base64,AAA">'
    after = '<img src="data:image/png;base64,BBB">'
    text = P.describe_change(before, after, "Oracle(budget=10)\ncost", "Oracle(budget=11)\ncost")
    assert text.startswith("figure redrawn") and "budget=10" in text and "budget=11" in text
