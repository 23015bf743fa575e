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


def test_legends_sit_below_the_plot():
    # On the right, a legend took a third of a phone's width and covered a right-hand axis title.
    fig = apply(go.Figure(go.Scatter(x=[1], y=[1], name="a")), "t")
    legend = fig.layout.template.layout.legend
    assert legend.orientation == "h" and legend.yref == "container" and legend.y == 0 and legend.yanchor == "bottom"


def test_the_dark_theme_keeps_the_palette_and_makes_ink_visible():
    from ui.theme import DARK_BACKGROUND, DARK_TEXT, PALETTE, for_display

    fig = apply(go.Figure([go.Scatter(x=[1], y=[1], line_color="#000000"), go.Bar(x=[1], y=[2])]), "t")
    fig.add_hline(y=1, line_color="#1F2933")
    dark = for_display(fig, dark=True)
    layout = dark.layout.template.layout
    assert layout.paper_bgcolor == layout.plot_bgcolor == DARK_BACKGROUND and layout.font.color == DARK_TEXT
    assert list(layout.colorway[:7]) == PALETTE[:7] and layout.colorway[7] != "#000000"   # black ink turns light
    assert dark.data[0].line.color == "#E4E7EB" and dark.layout.shapes[0].line.color == "#E4E7EB"
    assert fig.data[0].line.color == "#000000"                                           # the original is unchanged
    assert for_display(fig) is fig                                                       # light, desktop: as built


def test_phones_get_wrapped_titles_below_the_toolbar_and_smaller_type():
    from ui.theme import COMPACT_TITLE_CHARS, TOOLBAR_PIXELS, compact_title, for_display

    title = "Enterprise customers stay longest: 82% still active after a year vs 62% for pro"
    lines = compact_title(title).split("<br>")
    assert " ".join(lines) == title and all(len(line) <= COMPACT_TITLE_CHARS for line in lines) and len(lines) == 3
    phone = for_display(apply(go.Figure(), title), compact=True)
    assert phone.layout.title.text == compact_title(title) and phone.layout.title.pad.t == TOOLBAR_PIXELS
    assert phone.layout.margin.t >= TOOLBAR_PIXELS + 3 * 20
    assert phone.layout.template.layout.font.size == 12 < apply(go.Figure(), title).layout.template.layout.font.size


def test_phones_thin_rows_of_numbers_that_would_print_over_each_other():
    from ui.theme import for_display

    # The survival chart's customers-at-risk row: days 0, 90 and 180 are 6% of a 4-year axis apart, about 18 pixels
    # on a phone, too close for "5,920". Kept: labels at least 14% of the range apart, and always the last one.
    days = [0, 90, 180, 365, 730, 1095, 1460]
    fig = apply(go.Figure(go.Scatter(x=days, y=["pro"] * 7, text=[f"n{d}" for d in days], mode="text")), "t")
    thinned = for_display(fig, compact=True).data[0]
    assert list(thinned.x) == [0, 365, 730, 1095, 1460] and list(thinned.text) == ["n0", "n365", "n730", "n1095",
                                                                                   "n1460"]
    assert list(for_display(fig, dark=True).data[0].x) == days        # on a desktop screen every label stays
    # The day labels under it likewise; 14% of 0-1200 is 168 days, and the axis's end wins over a crowded 1095.
    fig.update_xaxes(tickvals=[0, 30, 90, 180, 365, 730, 1095, 1200])
    assert list(for_display(fig, compact=True).layout.xaxis.tickvals) == [0, 180, 365, 730, 1200]
