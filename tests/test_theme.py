"""The chart theme (ui/theme.py): long takeaway titles wrap onto a second line instead of being cut."""

from __future__ import annotations

import plotly.graph_objects as go

from ui.theme import TITLE_LINE_CHARS, apply, wrap_title


def test_short_titles_stay_on_one_line():
    title = "Existing customers bring 71% of revenue"
    assert wrap_title(title) == title
    assert wrap_title("x" * TITLE_LINE_CHARS) == "x" * TITLE_LINE_CHARS  # exactly the limit: one line


def test_long_titles_break_at_the_last_space_before_the_limit():
    title = "At 430k a month, every unit to acquisition pays best: net contribution falls as the retention share " \
            "rises (over 24 months)"
    wrapped = wrap_title(title, width=60)
    first, second = wrapped.split("<br>")
    assert first == "At 430k a month, every unit to acquisition pays best: net"
    assert f"{first} {second}" == title  # nothing lost, one space became the break
    assert len(wrap_title(title).split("<br>")[0]) <= TITLE_LINE_CHARS


def test_a_title_without_a_space_to_break_at_is_left_whole():
    assert wrap_title("y" * 150, width=60) == "y" * 150


def test_apply_makes_room_for_a_wrapped_title():
    short = apply(go.Figure(), "Short")
    long = apply(go.Figure(), "word " * 30)
    assert short.layout.margin.t is None          # the template's margin
    assert "<br>" in long.layout.title.text and long.layout.margin.t == 110
